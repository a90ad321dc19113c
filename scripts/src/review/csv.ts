import { CR, LF, QUOTE } from './bytes';

/** A delimiter name as Bulk API 2.0 spells it, or the character itself. */
export const DELIMITERS: Record<string, number> = {
  COMMA: 0x2c,
  TAB: 0x09,
  SEMICOLON: 0x3b,
  PIPE: 0x7c,
  CARET: 0x5e,
  BACKQUOTE: 0x60
};

/** Parses `--delimiter`: a Bulk API 2.0 name (COMMA, TAB...), a single character, or `\t`. */
export function parseDelimiter(value: string): number | undefined {
  const named = DELIMITERS[value.toUpperCase()];
  if (named !== undefined) return named;
  if (value === '\\t') return 0x09;
  if (value.length === 1 && value.charCodeAt(0) < 0x80) return value.charCodeAt(0);
  return undefined;
}

/** Picks the delimiter of a header line: the most frequent of comma, tab, semicolon and pipe outside quotes. */
export function sniffDelimiter(bytes: Uint8Array): number {
  const counts = new Map<number, number>([
    [0x2c, 0],
    [0x09, 0],
    [0x3b, 0],
    [0x7c, 0]
  ]);
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === LF) break;
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = 0x2c;
  let bestCount = 0;
  for (const [c, n] of counts) {
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}

/** 1 for bytes a quoted field simply continues over: ASCII other than the quote and LF. */
const QUOTED_PLAIN = new Uint8Array(256).map((_, c) => (c < 0x80 && c !== QUOTE && c !== LF ? 1 : 0));

/** What the scanner hands over for each record: field ranges in `bytes`, reused between records. */
export interface CsvRecord {
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** 1 when the field was quoted and contains `""` escapes. */
  escaped: Uint8Array;
  count: number;
  /** Physical line number (1-based) where the record starts. */
  line: number;
  /** True when some byte of the record is >= 0x80 (the reader then checks it is UTF-8). */
  nonAscii: boolean;
  recordStart: number;
  recordEnd: number;
}

export interface CsvHandlers {
  record(record: CsvRecord): void;
  malformed(line: number, reason: string): void;
}

/**
 * RFC 4180 CSV scanner over bytes, the shape Bulk API 2.0 returns: every field may be quoted, `""` inside quotes,
 * quoted fields may hold delimiters and line breaks, LF or CRLF line endings. It never builds strings: it hands
 * field byte ranges to the caller and carries an incomplete last record over to the next chunk. Quotes inside an
 * unquoted field are taken literally (as spreadsheet exports write them). Blank lines are skipped.
 */
export class CsvScanner {
  private readonly delimiter: number;
  private readonly handlers: CsvHandlers;
  private readonly record: CsvRecord;
  private line = 1;
  /** 1 for bytes an unquoted field simply continues over: ASCII other than the delimiter, CR and LF. */
  private readonly unquotedPlain: Uint8Array;

  constructor(delimiter: number, handlers: CsvHandlers, firstLine = 1) {
    this.delimiter = delimiter;
    this.unquotedPlain = new Uint8Array(256).map((_, c) =>
      c < 0x80 && c !== delimiter && c !== LF && c !== CR ? 1 : 0
    );
    this.handlers = handlers;
    this.line = firstLine;
    this.record = {
      bytes: new Uint8Array(0),
      starts: new Int32Array(64),
      ends: new Int32Array(64),
      escaped: new Uint8Array(64),
      count: 0,
      line: 0,
      nonAscii: false,
      recordStart: 0,
      recordEnd: 0
    };
  }

  /** The line the next record starts on. */
  get nextLine(): number {
    return this.line;
  }

  /**
   * Scans complete records in bytes[from, to). Returns the offset of the first byte not consumed (the start of an
   * incomplete record), which the caller keeps and passes again with more data. With `final`, everything is consumed.
   */
  scan(bytes: Uint8Array, from: number, to: number, final: boolean): number {
    const delim = this.delimiter;
    const rec = this.record;
    rec.bytes = bytes;
    let p = from;
    while (p < to) {
      const recordStart = p;
      let newlines = 0;
      let high = 0;
      let f = 0;
      let complete = false;
      let broken: string | undefined;
      // Blank line: skip.
      if (bytes[p] === LF) {
        this.line++;
        p++;
        continue;
      }
      if (bytes[p] === CR && p + 1 < to && bytes[p + 1] === LF) {
        this.line++;
        p += 2;
        continue;
      }
      for (;;) {
        if (f === rec.starts.length) this.growFields();
        let end: number;
        if (bytes[p] === QUOTE) {
          let q = p + 1;
          let escaped = 0;
          for (;;) {
            while (q < to) {
              // ASCII other than quote and line feed (most bytes) costs one table look-up.
              while (q < to && QUOTED_PLAIN[bytes[q]] === 1) q++;
              if (q >= to) break;
              const c = bytes[q];
              if (c === QUOTE) break;
              if (c === LF) newlines++;
              high |= c;
              q++;
            }
            if (q >= to) break;
            if (q + 1 < to && bytes[q + 1] === QUOTE) {
              escaped = 1;
              q += 2;
              continue;
            }
            break;
          }
          if (q >= to || (q + 1 >= to && !final)) {
            if (!final) return recordStart;
            broken = 'unterminated quoted field';
            p = to;
            break;
          }
          rec.starts[f] = p + 1;
          rec.ends[f] = q;
          rec.escaped[f] = escaped;
          end = q + 1;
        } else {
          let q = p;
          const plain = this.unquotedPlain;
          while (q < to) {
            while (q < to && plain[bytes[q]] === 1) q++;
            if (q >= to) break;
            const c = bytes[q];
            if (c === delim || c === LF || c === CR) break;
            high |= c;
            q++;
          }
          if (q >= to && !final) return recordStart;
          rec.starts[f] = p;
          rec.ends[f] = q;
          rec.escaped[f] = 0;
          end = q;
        }
        f++;
        if (end >= to) {
          if (!final) return recordStart;
          p = to;
          complete = true;
          break;
        }
        const c = bytes[end];
        if (c === delim) {
          p = end + 1;
          if (p >= to) {
            if (!final) return recordStart;
            // Trailing delimiter at the very end: one more empty field.
            if (f === rec.starts.length) this.growFields();
            rec.starts[f] = p;
            rec.ends[f] = p;
            rec.escaped[f] = 0;
            f++;
            complete = true;
            break;
          }
          continue;
        }
        if (c === LF) {
          p = end + 1;
          complete = true;
          break;
        }
        if (c === CR) {
          if (end + 1 >= to && !final) return recordStart;
          p = end + 1 < to && bytes[end + 1] === LF ? end + 2 : end + 1;
          complete = true;
          break;
        }
        // Something after a closing quote that is not a delimiter or line end: skip to the end of the line.
        broken = `unexpected character "${String.fromCharCode(c)}" after a closing quote`;
        let q = end;
        while (q < to && bytes[q] !== LF) q++;
        if (q >= to && !final) return recordStart;
        p = q + 1;
        break;
      }
      const line = this.line;
      this.line += 1 + newlines;
      if (broken !== undefined || !complete) {
        this.handlers.malformed(line, broken ?? 'malformed record');
        continue;
      }
      rec.count = f;
      rec.line = line;
      rec.nonAscii = (high & 0x80) !== 0;
      rec.recordStart = recordStart;
      rec.recordEnd = p;
      this.handlers.record(rec);
    }
    return p;
  }

  private growFields(): void {
    const size = this.record.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const escaped = new Uint8Array(size);
    starts.set(this.record.starts);
    ends.set(this.record.ends);
    escaped.set(this.record.escaped);
    this.record.starts = starts;
    this.record.ends = ends;
    this.record.escaped = escaped;
  }
}

/** Text of a CSV field (header names, error messages): `""` collapsed. */
export function csvFieldText(record: CsvRecord, f: number): string {
  const text = Buffer.from(
    record.bytes.buffer,
    record.bytes.byteOffset + record.starts[f],
    record.ends[f] - record.starts[f]
  ).toString('utf8');
  return record.escaped[f] ? text.replace(/""/g, '"') : text;
}
