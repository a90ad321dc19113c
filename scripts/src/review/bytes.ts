import { isUtf8 } from 'node:buffer';

/** Byte values the readers look for. */
export const QUOTE = 0x22;
export const LF = 0x0a;
export const CR = 0x0d;
export const BACKSLASH = 0x5c;

/** Windows-1252 code points for bytes 0x80-0x9f (the rest of the range maps to Latin-1, i.e. the byte itself). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178
];

/** Decodes bytes as Windows-1252 (what Excel and older exports write when they do not write UTF-8). */
export function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    out += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : b);
  }
  return out;
}

/** True when the bytes are valid UTF-8 (pure ASCII included). Native, so cheap to call once per record. */
export function validUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

/** True for the ASCII white space the readers trim: space, tab, CR, LF. */
export function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
}

/** FNV-1a, 32 bits, over a byte range. Good spread for e-mail-like keys, and all integer arithmetic. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  return h;
}

/** Byte-wise equality of two ranges (of the same or different arrays). */
export function rangesEqual(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number
): boolean {
  const len = aEnd - aStart;
  if (len !== bEnd - bStart) return false;
  for (let i = 0; i < len; i++) {
    if (a[aStart + i] !== b[bStart + i]) return false;
  }
  return true;
}

/** Equality of two ranges ignoring ASCII case (used for e-mail attributes). */
export function rangesEqualAsciiCI(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number
): boolean {
  const len = aEnd - aStart;
  if (len !== bEnd - bStart) return false;
  for (let i = 0; i < len; i++) {
    let x = a[aStart + i];
    let y = b[bStart + i];
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/**
 * Parses an ISO 8601 date-time from bytes (`2026-01-05`, `2026-01-05T10:11:12.000Z`, `...+0000`, `...+01:00`,
 * a space instead of `T`) into epoch seconds. Returns NaN for an empty range and -Infinity for text that is not a
 * date (the caller reports it). Sub-second digits are ignored.
 */
export function parseIsoSeconds(b: Uint8Array, start: number, end: number): number {
  while (start < end && isSpace(b[start])) start++;
  while (end > start && isSpace(b[end - 1])) end--;
  if (start === end) return NaN;
  if (end - start < 10) return -Infinity;
  const year = digits(b, start, 4);
  const month = digits(b, start + 5, 2);
  const day = digits(b, start + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || b[start + 4] !== 0x2d || b[start + 7] !== 0x2d) {
    return -Infinity;
  }
  let hour = 0;
  let minute = 0;
  let second = 0;
  let offset = 0;
  let p = start + 10;
  if (p < end) {
    const sep = b[p];
    if ((sep !== 0x54 && sep !== 0x20) || end - p < 6) return -Infinity;
    hour = digits(b, p + 1, 2);
    minute = digits(b, p + 4, 2);
    if (hour < 0 || minute < 0 || b[p + 3] !== 0x3a) return -Infinity;
    p += 6;
    if (p < end && b[p] === 0x3a) {
      second = digits(b, p + 1, 2);
      if (second < 0) return -Infinity;
      p += 3;
    }
    if (p < end && b[p] === 0x2e) {
      p++;
      while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
    }
    if (p < end) {
      const z = b[p];
      if (z === 0x5a && p + 1 === end) {
        offset = 0;
      } else if (z === 0x2b || z === 0x2d) {
        const oh = digits(b, p + 1, 2);
        const om = b[p + 3] === 0x3a ? digits(b, p + 4, 2) : digits(b, p + 3, 2);
        if (oh < 0 || om < 0) return -Infinity;
        offset = (z === 0x2b ? 1 : -1) * (oh * 3600 + om * 60);
      } else {
        return -Infinity;
      }
    }
  }
  if (day > daysInMonth(year, month)) return -Infinity;
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (integer arithmetic; H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digits(b: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9 || i >= b.length) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** A growable byte arena: fields are appended and addressed by offset. */
export class Arena {
  bytes: Uint8Array;
  length = 0;

  constructor(initial: number) {
    this.bytes = new Uint8Array(Math.max(1024, initial));
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let size = Math.ceil(this.bytes.length * 1.5);
    while (size < need) size = Math.ceil(size * 1.5);
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Appends a JavaScript string as UTF-8. */
  pushString(text: string): void {
    this.ensure(text.length * 3);
    this.length += Buffer.from(this.bytes.buffer, this.bytes.byteOffset).write(text, this.length, 'utf8');
  }
}
