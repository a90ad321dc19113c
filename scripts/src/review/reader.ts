import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { usageError } from '../cli/errors';
import { LF, decodeCp1252, parseIsoSeconds, validUtf8 } from './bytes';
import { CsvRecord, CsvScanner, csvFieldText, sniffDelimiter } from './csv';
import {
  JsonExtractor,
  KIND_ESCAPED,
  KIND_FALSE,
  KIND_NONE,
  KIND_NULL,
  KIND_NUMBER,
  KIND_STRING,
  KIND_TRUE,
  decodeJsonString
} from './json';
import { Canonical, OKTA_ACTIVE, Profile } from './profiles';
import { KeyOptions, TableBuilder } from './table';

/** The input formats the readers understand. */
export type Format = 'csv' | 'jsonl' | 'json';

/** Something that takes the bytes of one input, chunk by chunk. */
export interface Feeder {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** What a side of the review stores besides the key: display fields, compared attributes, licence. */
export interface Schema {
  /** Canonical fields stored after the key, in table order (field 1 is always id). */
  fields: Canonical[];
  /** Whether the side needs an active column (Salesforce does; a target may default). */
  requireActive: boolean;
  /** Whether last-login and creation times are kept (licence waste needs them on the Salesforce side only). */
  dates: boolean;
}

/** A table builder for a side. */
export function builderFor(schema: Schema, keyOptions: KeyOptions): TableBuilder {
  return new TableBuilder(tableFields(schema), keyOptions, { dates: schema.dates });
}

/** Table field names for a schema. */
export function tableFields(schema: Schema): string[] {
  return ['key', ...schema.fields];
}

/**
 * Wraps a feeder to handle the start of a file: strips a UTF-8 byte-order mark, and converts UTF-16 (LE or BE, by
 * its BOM, as Excel's "Unicode text" writes) to UTF-8 on the fly.
 */
export function encodingFront(inner: Feeder, onNote: (text: string) => void): Feeder {
  let started = false;
  let head: Uint8Array = new Uint8Array(0);
  let utf16: TextDecoder | undefined;
  const forward = (chunk: Uint8Array): void => {
    if (utf16) {
      const text = utf16.decode(chunk, { stream: true });
      if (text.length > 0) inner.push(Buffer.from(text, 'utf8'));
    } else if (chunk.length > 0) {
      inner.push(chunk);
    }
  };
  const start = (bytes: Uint8Array): void => {
    started = true;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      onNote('UTF-8 byte-order mark removed');
      forward(bytes.subarray(3));
    } else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      const label = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
      onNote(`read as ${label.toUpperCase()} (byte-order mark)`);
      utf16 = new TextDecoder(label);
      forward(bytes.subarray(2));
    } else {
      forward(bytes);
    }
  };
  return {
    push(chunk) {
      if (started) return forward(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length >= 3) start(head);
    },
    end() {
      if (!started && head.length > 0) start(head);
      if (utf16) {
        const rest = utf16.decode();
        if (rest.length > 0) inner.push(Buffer.from(rest, 'utf8'));
      }
      inner.end();
    }
  };
}

/**
 * Keeps an incomplete tail between chunks for a scanner that works on whole records. The tail is copied into a
 * work buffer of its own, so the caller may reuse its chunk buffer after each push.
 */
function carrying(scan: (bytes: Uint8Array, final: boolean) => number): Feeder {
  let work = new Uint8Array(0);
  let restLength = 0;
  return {
    push(chunk) {
      let bytes = chunk;
      if (restLength > 0) {
        const need = restLength + chunk.length;
        if (work.length < need) {
          const grown = new Uint8Array(Math.max(need, work.length * 2));
          grown.set(work.subarray(0, restLength));
          work = grown;
        }
        work.set(chunk, restLength);
        bytes = work.subarray(0, need);
      }
      const used = scan(bytes, false);
      const rest = bytes.length - used;
      if (rest > 0) {
        if (work.length < rest) work = new Uint8Array(Math.max(rest * 2, 1 << 16));
        // copyWithin handles the overlap when bytes already is the work buffer.
        if (bytes.buffer === work.buffer) work.copyWithin(0, used, bytes.length);
        else work.set(bytes.subarray(used), 0);
      }
      restLength = rest;
    },
    end() {
      scan(work.subarray(0, restLength), true);
      restLength = 0;
    }
  };
}

function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes' || value === 'y') return true;
  if (value === 'false' || value === '0' || value === 'no' || value === 'n') return false;
  return undefined;
}

/** Reads a date value; notes and ignores text that is not a date. */
function dateOf(builder: TableBuilder, line: number, field: string, seconds: number, raw: () => string): number {
  if (seconds === -Infinity) {
    builder.note(line, `${field} "${raw()}" is not an ISO 8601 date-time; treated as unknown`);
    return NaN;
  }
  return seconds;
}

/** CSV → table: header mapping, field-count checks, UTF-8 checks, per-row packing. */
export function csvFeeder(
  builder: TableBuilder,
  profile: Profile,
  schema: Schema,
  options: { delimiter?: number; firstLine?: number; label: string }
): Feeder & { headerNames(): string[] } {
  let scanner: CsvScanner | undefined;
  let header: string[] | undefined;
  let columns: number[] = [];
  let keyColumn = -1;
  let activeColumn = -1;
  let loginColumn = -1;
  let createdColumn = -1;
  let validUpTo = -1;
  const fieldNames = schema.fields;

  const pick = (names: string[], field: Canonical): number => {
    const lower = names.map((name) => name.toLowerCase());
    for (const candidate of profile.map[field] ?? []) {
      const index = lower.indexOf(candidate.toLowerCase());
      if (index >= 0) return index;
    }
    return -1;
  };

  const onHeader = (record: CsvRecord): void => {
    const names: string[] = [];
    for (let f = 0; f < record.count; f++) names.push(csvFieldText(record, f).trim());
    if (names.length === 1 && /^version:/i.test(names[0])) return; // Entra bulk files start with "version:v1.0".
    header = names;
    keyColumn = pick(names, 'key');
    if (keyColumn < 0) {
      throw usageError(
        `${options.label}: no key column (${(profile.map.key ?? []).join(' or ')}) in the header line ${record.line}.`,
        [
          `The header has: ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', ...' : ''}`,
          'Name the key column with --sf-key / --target-key, or map it with --sf-map key=Column / --target-map key=Column.'
        ]
      );
    }
    activeColumn = pick(names, 'active');
    if (activeColumn < 0) {
      if (schema.requireActive) {
        throw usageError(`${options.label}: no active column (${(profile.map.active ?? []).join(' or ')}).`, [
          `The header has: ${names.slice(0, 30).join(', ')}`,
          'Include IsActive in the export, or map it with --sf-map active=Column.'
        ]);
      }
      builder.warn(
        `${options.label}: no active column (${(profile.map.active ?? []).join(', ')}); every account counts as ${profile.activeDefault ? 'active' : 'inactive'}.`
      );
    }
    loginColumn = pick(names, 'lastLogin');
    createdColumn = pick(names, 'created');
    columns = fieldNames.map((field) => {
      const index = pick(names, field);
      if (index < 0 && field !== 'id') {
        builder.warn(
          `${options.label}: no column for ${field} (${(profile.map[field] ?? []).join(', ')}); left blank.`
        );
      }
      return index;
    });
  };

  const handlers = {
    record(record: CsvRecord): void {
      if (!header) {
        onHeader(record);
        return;
      }
      builder.countRow();
      const line = record.line;
      if (record.count !== header.length) {
        builder.reject(line, `expected ${header.length} fields, found ${record.count}`);
        return;
      }
      // UTF-8 is checked once per chunk; a record is checked alone only when its chunk has invalid bytes.
      if (
        record.nonAscii &&
        record.recordEnd > validUpTo &&
        !validUtf8(record.bytes.subarray(record.recordStart, record.recordEnd))
      ) {
        builder.recoded(line);
        recodedRow(record);
        return;
      }
      const bytes = record.bytes;
      const starts = record.starts;
      const ends = record.ends;
      const escaped = record.escaped;
      builder.beginRow(line);
      if (!builder.keyBytes(bytes, starts[keyColumn], ends[keyColumn], escaped[keyColumn] === 1)) {
        builder.abortRow();
        builder.reject(line, `empty key (${header[keyColumn]})`);
        return;
      }
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i];
        if (c < 0) builder.fieldEmpty();
        else builder.fieldBytes(bytes, starts[c], ends[c], escaped[c] === 1);
      }
      let active = profile.activeDefault;
      if (activeColumn >= 0) {
        const parsed = activeValue(bytes, starts[activeColumn], ends[activeColumn], profile);
        if (parsed === undefined) {
          builder.abortRow();
          builder.reject(line, `${header[activeColumn]} is "${csvFieldText(record, activeColumn)}", not true/false`);
          return;
        }
        active = parsed;
      }
      const login =
        loginColumn < 0
          ? NaN
          : dateOf(
              builder,
              line,
              header[loginColumn],
              parseIsoSeconds(bytes, starts[loginColumn], ends[loginColumn]),
              () => csvFieldText(record, loginColumn)
            );
      const created =
        createdColumn < 0
          ? NaN
          : dateOf(
              builder,
              line,
              header[createdColumn],
              parseIsoSeconds(bytes, starts[createdColumn], ends[createdColumn]),
              () => csvFieldText(record, createdColumn)
            );
      builder.endRow(active, login, created);
    },
    malformed(line: number, reason: string): void {
      builder.countRow();
      builder.reject(line, reason);
    }
  };

  /** A row that is not UTF-8: read it as Windows-1252 through strings (rare, so no fast path needed). */
  const recodedRow = (record: CsvRecord): void => {
    const text = (f: number): string => {
      const raw = decodeCp1252(record.bytes.subarray(record.starts[f], record.ends[f]));
      return record.escaped[f] ? raw.replace(/""/g, '"') : raw;
    };
    const h = header ?? [];
    builder.beginRow(record.line);
    if (!builder.keyString(text(keyColumn))) {
      builder.abortRow();
      builder.reject(record.line, `empty key (${h[keyColumn]})`);
      return;
    }
    for (const c of columns) {
      if (c < 0) builder.fieldEmpty();
      else builder.fieldString(text(c));
    }
    let active = profile.activeDefault;
    if (activeColumn >= 0) {
      const parsed = activeText(text(activeColumn), profile);
      if (parsed === undefined) {
        builder.abortRow();
        builder.reject(record.line, `${h[activeColumn]} is "${text(activeColumn)}", not true/false`);
        return;
      }
      active = parsed;
    }
    const date = (c: number): number => {
      if (c < 0) return NaN;
      const bytes = Buffer.from(text(c), 'utf8');
      return dateOf(builder, record.line, h[c], parseIsoSeconds(bytes, 0, bytes.length), () => text(c));
    };
    builder.endRow(active, date(loginColumn), date(createdColumn));
  };

  const feeder = carrying((bytes, final) => {
    if (!scanner) {
      if (bytes.length === 0 && !final) return 0;
      // Sniff the delimiter from the first line once it is complete (or the input ends).
      const firstLf = bytes.indexOf(LF);
      if (firstLf < 0 && !final) return 0;
      scanner = new CsvScanner(options.delimiter ?? sniffDelimiter(bytes), handlers, options.firstLine ?? 1);
    }
    // Up to the last line break, the chunk splits nowhere inside a character: if that part is valid UTF-8, so is
    // every record in it.
    const lastLf = final ? bytes.length : bytes.lastIndexOf(LF) + 1;
    validUpTo = validUtf8(bytes.subarray(0, lastLf)) ? lastLf : -1;
    return scanner.scan(bytes, 0, bytes.length, final);
  });
  return {
    push: (chunk) => feeder.push(chunk),
    end: () => {
      feeder.end();
      if (!header) throw usageError(`${options.label}: the input is empty (no header line).`);
    },
    headerNames: () => header ?? []
  };
}

function activeValue(bytes: Uint8Array, start: number, end: number, profile: Profile): boolean | undefined {
  // Fast path for the Bulk API's true/false.
  const len = end - start;
  if (profile.active === 'boolean') {
    if (len === 4 && (bytes[start] | 0x20) === 0x74 && (bytes[start + 3] | 0x20) === 0x65) {
      if ((bytes[start + 1] | 0x20) === 0x72 && (bytes[start + 2] | 0x20) === 0x75) return true;
    }
    if (len === 5 && (bytes[start] | 0x20) === 0x66 && (bytes[start + 4] | 0x20) === 0x65) {
      if ((bytes[start + 1] | 0x20) === 0x61 && (bytes[start + 2] | 0x20) === 0x6c) return false;
    }
  }
  return activeText(Buffer.from(bytes.buffer, bytes.byteOffset + start, len).toString('utf8'), profile);
}

function activeText(text: string, profile: Profile): boolean | undefined {
  if (profile.active === 'okta-status') {
    const value = text.trim().toUpperCase();
    return value === '' ? undefined : OKTA_ACTIVE.has(value);
  }
  if (text.trim() === '') return profile.activeDefault;
  return parseBoolean(text);
}

/** JSON documents (lines, array elements, API records) → table. */
export function jsonRowReader(
  builder: TableBuilder,
  profile: Profile,
  schema: Schema
): { row: (bytes: Uint8Array, start: number, end: number, line: number) => void; finish: (label: string) => void } {
  const candidates = (field: Canonical): string[] => profile.map[field] ?? [];
  const slots: Canonical[] = ['key', 'active', 'lastLogin', 'created', ...schema.fields];
  const extractor = new JsonExtractor(slots.map((field) => candidates(field)));
  const fieldCount = schema.fields.length;
  const seen = new Uint8Array(slots.length);

  const text = (bytes: Uint8Array, slot: number): string => {
    const kind = extractor.kinds[slot];
    const s = extractor.starts[slot];
    const e = extractor.ends[slot];
    if (kind === KIND_ESCAPED) return decodeJsonString(bytes, s, e);
    if (kind === KIND_STRING || kind === KIND_NUMBER) {
      return Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s).toString('utf8');
    }
    if (kind === KIND_TRUE) return 'true';
    if (kind === KIND_FALSE) return 'false';
    return '';
  };

  const date = (bytes: Uint8Array, slot: number, line: number, field: string): number => {
    const kind = extractor.kinds[slot];
    if (kind === KIND_STRING) {
      return dateOf(builder, line, field, parseIsoSeconds(bytes, extractor.starts[slot], extractor.ends[slot]), () =>
        text(bytes, slot)
      );
    }
    if (kind === KIND_NONE || kind === KIND_NULL) return NaN;
    const value = Buffer.from(text(bytes, slot), 'utf8');
    return dateOf(builder, line, field, parseIsoSeconds(value, 0, value.length), () => text(bytes, slot));
  };

  const row = (bytes: Uint8Array, start: number, end: number, line: number): void => {
    builder.countRow();
    if (!extractor.scan(bytes, start, end)) {
      builder.reject(line, `not valid JSON: ${extractor.error}`);
      return;
    }
    for (let i = 0; i < slots.length; i++) if (extractor.kinds[i] !== KIND_NONE) seen[i] = 1;
    const kinds = extractor.kinds;
    const starts = extractor.starts;
    const ends = extractor.ends;
    builder.beginRow(line);
    const keyKind = kinds[0];
    const keyOk =
      keyKind === KIND_STRING || keyKind === KIND_NUMBER
        ? builder.keyBytes(bytes, starts[0], ends[0])
        : keyKind === KIND_ESCAPED
          ? builder.keyString(decodeJsonString(bytes, starts[0], ends[0]))
          : false;
    if (!keyOk) {
      builder.abortRow();
      builder.reject(line, `no ${candidates('key').join(' or ')}`);
      return;
    }
    for (let i = 0; i < fieldCount; i++) {
      const slot = 4 + i;
      const kind = kinds[slot];
      if (kind === KIND_STRING || kind === KIND_NUMBER) builder.fieldBytes(bytes, starts[slot], ends[slot]);
      else if (kind === KIND_NONE || kind === KIND_NULL) builder.fieldEmpty();
      else builder.fieldString(text(bytes, slot));
    }
    let active = profile.activeDefault;
    const activeKind = kinds[1];
    if (activeKind === KIND_TRUE) active = true;
    else if (activeKind === KIND_FALSE) active = false;
    else if (activeKind !== KIND_NONE && activeKind !== KIND_NULL) {
      const parsed = activeText(text(bytes, 1), profile);
      if (parsed === undefined) {
        builder.abortRow();
        builder.reject(line, `${candidates('active')[0]} is "${text(bytes, 1)}", not a recognised status`);
        return;
      }
      active = parsed;
    }
    builder.endRow(active, date(bytes, 2, line, 'lastLogin'), date(bytes, 3, line, 'created'));
  };

  /** After the last row: warns about fields no row had (a wrong mapping shows up here, not as silent drift). */
  const finish = (label: string): void => {
    if (builder.rowCount === 0) return;
    slots.forEach((field, i) => {
      if (seen[i] || field === 'key' || field === 'created' || (field === 'lastLogin' && !candidates(field).length))
        return;
      if (candidates(field).length === 0) return;
      builder.warn(`${label}: no row has ${field} (${candidates(field).join(' or ')}); left blank.`);
    });
  };
  return { row, finish };
}

/** Lines of JSON → table; blank lines are skipped, lines that are not UTF-8 are read as Windows-1252. */
export function jsonLinesFeeder(
  builder: TableBuilder,
  profile: Profile,
  schema: Schema,
  label: string,
  firstLine = 1
): Feeder {
  const { row, finish } = jsonRowReader(builder, profile, schema);
  let line = firstLine;
  const feeder = carrying((bytes, final) => {
    let p = 0;
    const n = bytes.length;
    let lastComplete = n;
    if (!final) {
      lastComplete = bytes.lastIndexOf(LF) + 1;
      if (lastComplete === 0) return 0;
    }
    const chunkOk = validUtf8(bytes.subarray(0, lastComplete));
    while (p < lastComplete) {
      let e = bytes.indexOf(LF, p);
      if (e < 0 || e >= lastComplete) e = lastComplete;
      const next = e + 1;
      let end = e;
      if (end > p && bytes[end - 1] === 0x0d) end--;
      let s = p;
      while (s < end && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
      if (s < end) {
        if (!chunkOk && !validUtf8(bytes.subarray(s, end))) {
          builder.recoded(line);
          const recoded = Buffer.from(decodeCp1252(bytes.subarray(s, end)), 'utf8');
          row(recoded, 0, recoded.length, line);
        } else {
          row(bytes, s, end, line);
        }
      }
      line++;
      p = next;
    }
    return lastComplete;
  });
  return {
    push: (chunk) => feeder.push(chunk),
    end: () => {
      feeder.end();
      finish(label);
    }
  };
}

/** Keys under which a JSON document wraps its array of users (SCIM ListResponse, Graph, Okta dumps). */
const WRAPPER_KEYS = new Set(['Resources', 'value', 'users', 'items', 'data', 'records']);

/**
 * A JSON document → table, streamed: a top-level array of users, or an object wrapping one under `Resources`
 * (SCIM ListResponse), `value` (Microsoft Graph), `users`, `items`, `data` or `records`. Each element is handed to
 * the row reader as soon as it is complete (and validated there); line numbers are where each element starts.
 * Only the element in progress is kept between chunks.
 */
export function jsonDocumentFeeder(builder: TableBuilder, profile: Profile, schema: Schema, label: string): Feeder {
  const { row, finish } = jsonRowReader(builder, profile, schema);
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0; // next byte of buf to scan
  let line = 1;
  let depth = 0;
  let inString = false;
  let escape = false;
  let arrayDepth = -1; // depth of the users array once found
  let elementStart = -1;
  let elementLine = 0;
  let stringStart = -1;
  let lastString = '';
  let pendingKey = '';
  let topLevel = false;
  let done = false;

  const scan = (): void => {
    const bytes = buf;
    const n = bytes.length;
    let p = pos;
    while (p < n && !done) {
      const c = bytes[p];
      if (inString) {
        if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) {
          inString = false;
          if (arrayDepth < 0 && depth === 1) lastString = Buffer.from(bytes.subarray(stringStart, p)).toString('utf8');
          stringStart = -1;
        } else if (c === LF) line++;
        p++;
        continue;
      }
      if (c === LF) {
        line++;
      } else if (c === 0x22) {
        inString = true;
        stringStart = p + 1;
      } else if (c === 0x3a) {
        if (arrayDepth < 0 && depth === 1) pendingKey = lastString;
      } else if (c === 0x7b || c === 0x5b) {
        topLevel = true;
        depth++;
        if (arrayDepth < 0 && c === 0x5b && (depth === 1 || (depth === 2 && WRAPPER_KEYS.has(pendingKey)))) {
          arrayDepth = depth;
        } else if (arrayDepth >= 0 && depth === arrayDepth + 1 && elementStart < 0) {
          elementStart = p;
          elementLine = line;
        }
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth < 0) throw usageError(`${label}: unbalanced JSON at line ${line}.`);
        if (arrayDepth >= 0 && depth === arrayDepth && elementStart >= 0) {
          row(bytes, elementStart, p + 1, elementLine);
          elementStart = -1;
        } else if (arrayDepth >= 0 && depth === arrayDepth - 1) {
          done = true;
        }
      } else if (c > 0x20 && c !== 0x2c) {
        if (!topLevel) {
          throw usageError(`${label}: not a JSON array or object (starts with "${String.fromCharCode(c)}").`);
        }
        if (arrayDepth >= 0 && depth === arrayDepth && elementStart < 0) {
          // A scalar element of the users array: skip to the next comma or bracket and reject it.
          let q = p;
          while (q < n && bytes[q] !== 0x2c && bytes[q] !== 0x5d) q++;
          if (q >= n) break; // wait for more bytes
          builder.countRow();
          builder.reject(line, 'array element is not an object');
          p = q;
          continue;
        }
      }
      p++;
    }
    pos = p;
  };

  const compact = (): void => {
    const keep = elementStart >= 0 ? elementStart : stringStart >= 0 ? stringStart - 1 : pos;
    // A copy: the caller may reuse the chunk it pushed.
    buf = Uint8Array.prototype.slice.call(buf, Math.max(0, keep));
    if (keep <= 0) return;
    pos -= keep;
    if (elementStart >= 0) elementStart -= keep;
    if (stringStart >= 0) stringStart -= keep;
  };

  return {
    push(chunk) {
      if (done) return;
      buf = buf.length > 0 ? Buffer.concat([buf, chunk]) : chunk;
      scan();
      compact();
    },
    end() {
      if (!done) {
        scan();
        if (!topLevel) throw usageError(`${label}: the input is empty.`);
        if (arrayDepth < 0) {
          throw usageError(`${label}: no array of users found.`, [
            `Expected a JSON array, or an object with one of: ${[...WRAPPER_KEYS].join(', ')}.`
          ]);
        }
        builder.countRow();
        builder.reject(elementStart >= 0 ? elementLine : line, 'the JSON document ends before its array is closed');
      }
      buf = new Uint8Array(0);
      finish(label);
    }
  };
}

/**
 * Reads a file in chunks into a feeder, reporting progress; never holds the file as one string. One read buffer is
 * reused: feeders copy what they keep.
 */
export function feedFile(path: string, feeder: Feeder, onProgress?: (read: number, total: number) => void): number {
  return withInput(path, (fd) => {
    const total = fstatSync(fd).size;
    const chunkSize = 4 * 1024 * 1024;
    const chunk = Buffer.allocUnsafeSlow(chunkSize);
    let read = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkSize, null);
      if (n === 0) break;
      read += n;
      feeder.push(chunk.subarray(0, n));
      onProgress?.(read, total);
    }
    feeder.end();
    return total;
  });
}

/** Opens an input file for reading, runs `use`, closes it; a file that cannot be opened is a usage error. */
export function withInput<T>(path: string, use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw usageError(`Cannot open ${path}: ${(error as Error).message}`);
  }
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** Guesses the format of a file from its name, then its first bytes. */
export function detectFormat(path: string, head: Uint8Array): Format {
  const lower = path.toLowerCase();
  if (/\.(csv|tsv|txt)$/.test(lower)) return 'csv';
  if (/\.(jsonl|ndjson)$/.test(lower)) return 'jsonl';
  let p = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) p = 3;
  while (p < head.length && (head[p] === 0x20 || head[p] === 0x0a || head[p] === 0x0d || head[p] === 0x09)) p++;
  if (head[p] === 0x5b) return 'json';
  if (head[p] === 0x7b) {
    // One object per line, or one document? A complete object on the first line followed by another means lines.
    const lf = head.indexOf(LF, p);
    if (lf > 0) {
      const first = Buffer.from(head.subarray(p, lf)).toString('utf8').trim();
      try {
        JSON.parse(first);
        return 'jsonl';
      } catch {
        return 'json';
      }
    }
    return lower.endsWith('.json') ? 'json' : 'jsonl';
  }
  if (lower.endsWith('.json')) return 'json';
  return 'csv';
}
