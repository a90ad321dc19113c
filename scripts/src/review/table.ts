import { Arena, hashBytes, isSpace, rangesEqual } from './bytes';

/** How the join key is normalised. The same settings are applied to both sides. */
export interface KeyOptions {
  /** Compare keys ignoring case (default true). */
  caseInsensitive: boolean;
  /** Suffixes removed from the end of a key when present, e.g. a sandbox suffix `.uat` on Salesforce usernames. */
  stripSuffixes: string[];
}

export const DEFAULT_KEY_OPTIONS: KeyOptions = { caseInsensitive: true, stripSuffixes: [] };

/** A row the readers could not use, with where it was. */
export interface Rejected {
  line: number;
  reason: string;
}

/** How many rejected rows are kept with their reason; the count always covers all of them. */
export const MAX_REJECTS_LISTED = 100_000;

/**
 * One side of the review, packed into typed arrays so a million rows cost a few bytes each and can be moved between
 * threads without copying. Field 0 of every row is the normalised key; the others are what the schema lists.
 */
export interface PackedTable {
  fields: string[];
  rows: number;
  arena: Uint8Array;
  /** Where row r's bytes start in the arena. */
  starts: Uint32Array;
  /**
   * rows * F ends of fields, relative to the row start: row r's field f is
   * arena[starts[r] + (f ? ends[r*F+f-1] : 0), starts[r] + ends[r*F+f]]. Two bytes a field, not four.
   */
  ends: Uint16Array;
  hashes: Int32Array;
  /** 1 active, 0 inactive. */
  active: Uint8Array;
  /** Epoch seconds of the last login; NaN when never / unknown. Empty for a side read without dates. */
  login: Float64Array;
  /** Epoch seconds of creation; NaN when unknown. Empty for a side read without dates. */
  created: Float64Array;
  lines: Uint32Array;
  /** -1 for the first row with a key, else the index of that first row (a duplicate). */
  firstOf: Int32Array;
  /** Open-addressing hash table of first occurrences: slot value is row index + 1, 0 = empty. */
  slots: Int32Array;
  rejected: Rejected[];
  rejectedCount: number;
  recodedLines: number[];
  recodedCount: number;
  /** Values that were ignored (a date that is not a date), the row kept. */
  notes: Rejected[];
  noteCount: number;
  duplicateCount: number;
  /** Data rows seen (accepted + rejected), headers and blank lines excluded. */
  rowsRead: number;
  warnings: string[];
}

/** The ArrayBuffers of a packed table, for a zero-copy postMessage transfer list. */
export function transferList(table: PackedTable): ArrayBuffer[] {
  return [
    table.arena,
    table.starts,
    table.ends,
    table.hashes,
    table.active,
    table.login,
    table.created,
    table.lines,
    table.firstOf,
    table.slots
  ].map((array) => array.buffer as ArrayBuffer);
}

const encoder = new TextEncoder();

/** Builds a PackedTable row by row. Readers call beginRow, then one key and each field in schema order, then endRow. */
export class TableBuilder {
  readonly fields: string[];
  private readonly width: number;
  private tooLong = false;
  private readonly keyOptions: KeyOptions;
  private readonly suffixes: Uint8Array[];
  private arena: Arena;
  private capacity: number;
  private starts: Uint32Array;
  private ends: Uint16Array;
  private hashes: Int32Array;
  private active: Uint8Array;
  private login: Float64Array;
  private created: Float64Array;
  private lines: Uint32Array;
  private rows = 0;
  private fieldIndex = 0;
  private rowArenaStart = 0;
  private rowHash = 0;
  private readonly rejected: Rejected[] = [];
  private rejectedCount = 0;
  private readonly recodedLines: number[] = [];
  private recodedCount = 0;
  private readonly notes: Rejected[] = [];
  private noteCount = 0;
  private rowsRead = 0;
  readonly warnings: string[] = [];

  /** Whether last-login and creation times are kept (the Salesforce side); without them those arrays stay empty. */
  private readonly dates: boolean;

  constructor(fields: string[], keyOptions: KeyOptions, options: { dates?: boolean } = {}) {
    if (fields[0] !== 'key') throw new Error('Field 0 of a table must be the key.');
    this.fields = fields;
    this.width = fields.length;
    this.keyOptions = keyOptions;
    this.suffixes = keyOptions.stripSuffixes
      .filter((suffix) => suffix.length > 0)
      .map((suffix) => encoder.encode(keyOptions.caseInsensitive ? suffix.toLowerCase() : suffix));
    this.dates = options.dates ?? true;
    this.capacity = 1024;
    this.arena = new Arena(this.capacity * 64);
    this.starts = new Uint32Array(this.capacity);
    this.ends = new Uint16Array(this.capacity * this.width);
    this.hashes = new Int32Array(this.capacity);
    this.active = new Uint8Array(this.capacity);
    this.login = new Float64Array(this.dates ? this.capacity : 0);
    this.created = new Float64Array(this.dates ? this.capacity : 0);
    this.lines = new Uint32Array(this.capacity);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Counts a data row seen by a reader (accepted or not). */
  countRow(): void {
    this.rowsRead++;
  }

  /** Records a rejected row. */
  reject(line: number, reason: string): void {
    this.rejectedCount++;
    if (this.rejected.length < MAX_REJECTS_LISTED) this.rejected.push({ line, reason });
  }

  /** Records a row whose bytes were not UTF-8 and were read as Windows-1252. */
  recoded(line: number): void {
    this.recodedCount++;
    if (this.recodedLines.length < MAX_REJECTS_LISTED) this.recodedLines.push(line);
  }

  /** Records a value that was ignored while the row was kept. */
  note(line: number, reason: string): void {
    this.noteCount++;
    if (this.notes.length < MAX_REJECTS_LISTED) this.notes.push({ line, reason });
  }

  /** Adds a warning about the input as a whole (missing optional column, unknown header...). */
  warn(text: string): void {
    if (!this.warnings.includes(text)) this.warnings.push(text);
  }

  /** Grows capacity to `factor` times what is used now (plus 5 %), once the reader knows the input's size. */
  reserve(factor: number): void {
    if (!(factor > 1) || !Number.isFinite(factor)) return;
    const rows = Math.ceil(this.rows * factor * 1.05) + 1024;
    if (rows > this.capacity) this.grow(rows);
    this.arena.ensure(Math.ceil(this.arena.length * (factor * 1.05 - 1)) + 65536);
  }

  beginRow(line: number): void {
    if (this.rows === this.capacity) this.grow();
    this.rowArenaStart = this.arena.length;
    this.starts[this.rows] = this.arena.length;
    this.tooLong = false;
    this.fieldIndex = 0;
    this.lines[this.rows] = line;
  }

  /**
   * Appends the key from raw bytes: trimmed, ASCII-lower-cased when case-insensitive, suffixes removed. Non-ASCII keys
   * go through String.toLowerCase and NFC. `quoteEscapes` collapses CSV `""` pairs. Returns false for an empty key.
   */
  keyBytes(src: Uint8Array, start: number, end: number, quoteEscapes = false): boolean {
    while (start < end && isSpace(src[start])) start++;
    while (end > start && isSpace(src[end - 1])) end--;
    if (start === end) return false;
    const arena = this.arena;
    arena.ensure(end - start);
    const out = arena.bytes;
    let w = arena.length;
    const lower = this.keyOptions.caseInsensitive;
    let ascii = true;
    for (let i = start; i < end; i++) {
      let c = src[i];
      if (c >= 0x80) {
        ascii = false;
      } else if (lower && c >= 0x41 && c <= 0x5a) {
        c += 0x20;
      } else if (c === 0x22 && quoteEscapes && src[i + 1] === 0x22) {
        i++;
      }
      out[w++] = c;
    }
    if (!ascii) {
      const text = Buffer.from(out.buffer, out.byteOffset + arena.length, w - arena.length).toString('utf8');
      return this.keyString(text);
    }
    return this.finishKey(w);
  }

  /** Appends the key from a string (JSON values, records from an API). Returns false for an empty key. */
  keyString(text: string): boolean {
    let key = text.trim().normalize('NFC');
    if (this.keyOptions.caseInsensitive) key = key.toLowerCase();
    if (key.length === 0) return false;
    const arena = this.arena;
    const start = arena.length;
    arena.pushString(key);
    const w = arena.length;
    arena.length = start;
    return this.finishKey(w);
  }

  private finishKey(end: number): boolean {
    const arena = this.arena;
    const start = arena.length;
    const bytes = arena.bytes;
    for (const suffix of this.suffixes) {
      const len = suffix.length;
      if (end - start > len && rangesEqual(bytes, end - len, end, suffix, 0, len)) {
        end -= len;
        break;
      }
    }
    if (end === start) return false;
    arena.length = end;
    this.rowHash = hashBytes(bytes, start, end);
    this.endField();
    return true;
  }

  /** Appends a field from raw UTF-8 bytes, trimmed; `quoteEscapes` collapses CSV `""` pairs. */
  fieldBytes(src: Uint8Array, start: number, end: number, quoteEscapes = false): void {
    while (start < end && isSpace(src[start])) start++;
    while (end > start && isSpace(src[end - 1])) end--;
    const arena = this.arena;
    const len = end - start;
    arena.ensure(len);
    const out = arena.bytes;
    let w = arena.length;
    if (quoteEscapes) {
      for (let i = start; i < end; i++) {
        const c = src[i];
        out[w++] = c;
        if (c === 0x22 && src[i + 1] === 0x22) i++;
      }
    } else if (len < 48) {
      for (let i = start; i < end; i++) out[w++] = src[i];
    } else {
      out.set(src.subarray(start, end), w);
      w += len;
    }
    arena.length = w;
    this.endField();
  }

  /** Appends a field from a string, trimmed. */
  fieldString(text: string): void {
    this.arena.pushString(text.trim());
    this.endField();
  }

  /** Appends an empty field. */
  fieldEmpty(): void {
    this.endField();
  }

  private endField(): void {
    this.fieldIndex++;
    const relative = this.arena.length - this.rowArenaStart;
    if (relative > 0xffff) this.tooLong = true;
    this.ends[this.rows * this.width + this.fieldIndex - 1] = relative;
  }

  /** Completes the row. All fields must have been appended. */
  endRow(active: boolean, login: number, created: number): void {
    if (this.fieldIndex !== this.fields.length) {
      throw new Error(`Row has ${this.fieldIndex} fields, expected ${this.fields.length}.`);
    }
    const r = this.rows;
    if (this.tooLong) {
      this.abortRow();
      this.reject(this.lines[r], 'the row holds more than 65,535 bytes in the fields the review keeps');
      return;
    }
    this.hashes[r] = this.rowHash;
    this.active[r] = active ? 1 : 0;
    if (this.dates) {
      this.login[r] = login;
      this.created[r] = created;
    }
    this.rows = r + 1;
  }

  /** Discards the row begun with beginRow. */
  abortRow(): void {
    this.arena.length = this.rowArenaStart;
    this.fieldIndex = 0;
  }

  private grow(to = this.capacity * 2): void {
    const capacity = to;
    const grow = <T extends Uint32Array | Uint16Array | Int32Array | Uint8Array | Float64Array>(
      array: T,
      size: number
    ): T => {
      const next = new (array.constructor as new (n: number) => T)(size);
      next.set(array);
      return next;
    };
    this.starts = grow(this.starts, capacity);
    this.ends = grow(this.ends, capacity * this.width);
    this.hashes = grow(this.hashes, capacity);
    this.active = grow(this.active, capacity);
    if (this.dates) {
      this.login = grow(this.login, capacity);
      this.created = grow(this.created, capacity);
    }
    this.lines = grow(this.lines, capacity);
    this.capacity = capacity;
  }

  /** Finds duplicates (same normalised key) and returns the packed table with its hash index. */
  finish(): PackedTable {
    const n = this.rows;
    const bytes = this.arena.bytes;
    const starts = this.starts;
    const ends = this.ends;
    const width = this.width;
    const hashes = this.hashes;
    let size = 1024;
    while (size < n * 2) size *= 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    const firstOf = new Int32Array(n);
    let duplicateCount = 0;
    for (let r = 0; r < n; r++) {
      const h = hashes[r];
      const ks = starts[r];
      const ke = ks + ends[r * width];
      let s = h & mask;
      firstOf[r] = -1;
      for (;;) {
        const v = slots[s];
        if (v === 0) {
          slots[s] = r + 1;
          break;
        }
        const o = v - 1;
        if (hashes[o] === h && rangesEqual(bytes, starts[o], starts[o] + ends[o * width], bytes, ks, ke)) {
          firstOf[r] = o;
          duplicateCount++;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    return {
      fields: this.fields,
      rows: n,
      arena: bytes,
      starts: starts.subarray(0, n),
      ends: ends.subarray(0, n * width),
      hashes: hashes.subarray(0, n),
      active: this.active.subarray(0, n),
      login: this.login.subarray(0, this.dates ? n : 0),
      created: this.created.subarray(0, this.dates ? n : 0),
      lines: this.lines.subarray(0, n),
      firstOf,
      slots,
      rejected: this.rejected,
      rejectedCount: this.rejectedCount,
      recodedLines: this.recodedLines,
      recodedCount: this.recodedCount,
      notes: this.notes,
      noteCount: this.noteCount,
      duplicateCount,
      rowsRead: this.rowsRead,
      warnings: this.warnings
    };
  }
}

/** Looks a key (given as a byte range of another table) up in a table's hash index; returns the row or -1. */
export function lookup(table: PackedTable, hash: number, src: Uint8Array, start: number, end: number): number {
  const slots = table.slots;
  const mask = slots.length - 1;
  const width = table.fields.length;
  const starts = table.starts;
  const ends = table.ends;
  const hashes = table.hashes;
  const bytes = table.arena;
  let s = hash & mask;
  for (;;) {
    const v = slots[s];
    if (v === 0) return -1;
    const o = v - 1;
    if (hashes[o] === hash && rangesEqual(bytes, starts[o], starts[o] + ends[o * width], src, start, end)) {
      return o;
    }
    s = (s + 1) & mask;
  }
}

/** The text of row r's field f. */
export function fieldText(table: PackedTable, r: number, f: number): string {
  const { start, end } = fieldRange(table, r, f);
  return Buffer.from(table.arena.buffer, table.arena.byteOffset + start, end - start).toString('utf8');
}

/** Byte range of row r's field f in the table's arena. */
export function fieldRange(table: PackedTable, r: number, f: number): { start: number; end: number } {
  const base = r * table.fields.length;
  const row = table.starts[r];
  return { start: row + (f === 0 ? 0 : table.ends[base + f - 1]), end: row + table.ends[base + f] };
}
