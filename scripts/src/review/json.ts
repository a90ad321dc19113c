import { BACKSLASH, QUOTE } from './bytes';
import { splitPath } from './profiles';

/** Value kinds a capture can hold. */
export const KIND_NONE = 0;
export const KIND_STRING = 1;
/** A string with backslash escapes: decode with decodeJsonString. */
export const KIND_ESCAPED = 2;
export const KIND_TRUE = 3;
export const KIND_FALSE = 4;
export const KIND_NULL = 5;
export const KIND_NUMBER = 6;
export const KIND_OTHER = 7;

/** 1 for bytes that can appear unescaped inside a JSON string: not a quote, not a backslash, not a control character. */
const PLAIN = new Uint8Array(256).map((_, c) => (c >= 0x20 && c !== QUOTE && c !== BACKSLASH ? 1 : 0));

interface PathNode {
  children: Array<{ key: Uint8Array; node: PathNode }>;
  capture: number;
  /** For `x[primary].y`: the element trie, and where the element's y and primary go. */
  pick?: { element: PathNode; valueSlot: number; primarySlot: number; target: number };
}

const encoder = new TextEncoder();

function newNode(): PathNode {
  return { children: [], capture: -1 };
}

function child(node: PathNode, key: string): PathNode {
  const bytes = encoder.encode(key);
  const found = node.children.find((c) => Buffer.compare(c.key, bytes) === 0);
  if (found) return found.node;
  const created = newNode();
  node.children.push({ key: bytes, node: created });
  return created;
}

/**
 * A validating JSON scanner over bytes that extracts only the requested paths and skips everything else without
 * building objects or strings. One instance per set of paths; `scan` one document (a JSON line or an array
 * element) at a time. Captures are byte ranges into the scanned buffer.
 */
export class JsonExtractor {
  readonly kinds: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  error = '';
  private readonly root: PathNode;
  private readonly slotCount: number;
  private readonly picks: Array<NonNullable<PathNode['pick']>> = [];
  private bytes: Uint8Array = new Uint8Array(0);
  private end = 0;
  private depth = 0;

  /** `paths[i]` is captured into slot i; several paths may share a slot by listing alternatives in order. */
  constructor(paths: string[][]) {
    this.root = newNode();
    let slots = 0;
    paths.forEach((alternatives, index) => {
      slots = Math.max(slots, index + 1);
      // Alternatives are tried in order: the later ones are registered with their own slot and merged in resolve().
      for (const path of alternatives.slice(0, 1)) this.register(path, index);
    });
    // Alternative paths get extra slots after the main ones.
    this.alternatives = [];
    paths.forEach((alternatives, index) => {
      for (const path of alternatives.slice(1)) {
        const slot = slots++;
        this.register(path, slot);
        this.alternatives.push({ from: slot, to: index });
      }
    });
    const base = slots;
    let extra = 0;
    for (const pick of this.picks) {
      pick.valueSlot = base + extra++;
      pick.primarySlot = base + extra++;
    }
    this.slotCount = base + extra;
    this.kinds = new Uint8Array(this.slotCount);
    this.starts = new Int32Array(this.slotCount);
    this.ends = new Int32Array(this.slotCount);
    this.pickState = new Uint8Array(this.picks.length);
  }

  private readonly alternatives: Array<{ from: number; to: number }>;
  /** Two fields mapped to the same path: the second gets a copy. */
  private readonly copies: Array<{ from: number; to: number }> = [];
  private readonly pickState: Uint8Array;

  private register(path: string, slot: number): void {
    const segments = splitPath(path);
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const pickMatch = /^(.*)\[primary\]$/.exec(segment);
      if (pickMatch) {
        const arrayNode = child(node, pickMatch[1]);
        const element = newNode();
        const rest = segments.slice(i + 1).join('.');
        if (!rest) throw new Error(`Path ${path}: [primary] must be followed by an attribute.`);
        const pick = { element, valueSlot: -1, primarySlot: -1, target: slot };
        arrayNode.pick = pick;
        this.picks.push(pick);
        child(element, rest).capture = -2 - (this.picks.length - 1) * 2;
        child(element, 'primary').capture = -3 - (this.picks.length - 1) * 2;
        return;
      }
      node = child(node, segment);
    }
    if (node.capture === -1) node.capture = slot;
    else this.copies.push({ from: node.capture, to: slot });
  }

  /** Scans one JSON document in bytes[start, end). Returns false (with `error` set) when it is not valid JSON. */
  scan(bytes: Uint8Array, start: number, end: number): boolean {
    this.bytes = bytes;
    this.end = end;
    this.depth = 0;
    this.kinds.fill(0);
    this.pickState.fill(0);
    this.error = '';
    let p = this.ws(start);
    if (p >= end || bytes[p] !== 0x7b) {
      this.error = p >= end ? 'empty document' : 'not a JSON object';
      return false;
    }
    p = this.object(p, this.root);
    if (p < 0) return false;
    p = this.ws(p);
    if (p !== end) {
      this.error = `unexpected data after the object at byte ${p - start + 1}`;
      return false;
    }
    for (const { from, to } of this.copies) {
      this.kinds[to] = this.kinds[from];
      this.starts[to] = this.starts[from];
      this.ends[to] = this.ends[from];
    }
    for (const { from, to } of this.alternatives) {
      if (this.kinds[to] === KIND_NONE && this.kinds[from] !== KIND_NONE) {
        this.kinds[to] = this.kinds[from];
        this.starts[to] = this.starts[from];
        this.ends[to] = this.ends[from];
      }
    }
    return true;
  }

  private ws(p: number): number {
    const b = this.bytes;
    const end = this.end;
    while (p < end) {
      const c = b[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    return p;
  }

  private fail(p: number, what: string): number {
    if (!this.error) this.error = p >= this.end ? `unexpected end of JSON (${what})` : `${what} at byte ${p + 1}`;
    return -1;
  }

  /** Parses an object at p (which holds `{`). Returns the position after `}`. */
  private object(p: number, node: PathNode | undefined): number {
    if (++this.depth > 64) return this.fail(p, 'nesting deeper than 64');
    const b = this.bytes;
    p = this.ws(p + 1);
    if (p < this.end && b[p] === 0x7d) {
      this.depth--;
      return p + 1;
    }
    for (;;) {
      if (p >= this.end || b[p] !== QUOTE) return this.fail(p, 'expected a property name');
      const keyStart = p + 1;
      const keyEnd = this.string(p);
      if (keyEnd < 0) return -1;
      let target: PathNode | undefined;
      if (node !== undefined) {
        const escaped = this.lastEscaped;
        target = escaped ? this.matchEscaped(node, keyStart, keyEnd - 1) : this.match(node, keyStart, keyEnd - 1);
      }
      p = this.ws(keyEnd);
      if (p >= this.end || b[p] !== 0x3a) return this.fail(p, 'expected ":"');
      p = this.ws(p + 1);
      p = this.value(p, target);
      if (p < 0) return -1;
      p = this.ws(p);
      if (p >= this.end) return this.fail(p, 'expected "," or "}"');
      const c = b[p];
      if (c === 0x2c) {
        p = this.ws(p + 1);
        continue;
      }
      if (c === 0x7d) {
        this.depth--;
        return p + 1;
      }
      return this.fail(p, 'expected "," or "}"');
    }
  }

  private match(node: PathNode, start: number, end: number): PathNode | undefined {
    const b = this.bytes;
    const len = end - start;
    for (const { key, node: next } of node.children) {
      if (key.length !== len) continue;
      let i = 0;
      while (i < len && key[i] === b[start + i]) i++;
      if (i === len) return next;
    }
    return undefined;
  }

  private matchEscaped(node: PathNode, start: number, end: number): PathNode | undefined {
    const name = decodeJsonString(this.bytes, start, end);
    const bytes = encoder.encode(name);
    return node.children.find((c) => Buffer.compare(c.key, bytes) === 0)?.node;
  }

  private value(p: number, node: PathNode | undefined): number {
    const b = this.bytes;
    if (p >= this.end) return this.fail(p, 'expected a value');
    const c = b[p];
    const capture = node === undefined ? -1 : node.capture;
    let kind: number;
    let next: number;
    if (c === QUOTE) {
      next = this.string(p);
      if (next < 0) return -1;
      kind = this.lastEscaped ? KIND_ESCAPED : KIND_STRING;
      if (capture !== -1) this.store(capture, kind, p + 1, next - 1);
      return next;
    }
    if (c === 0x7b) {
      if (capture !== -1) this.store(capture, KIND_OTHER, p, p);
      return this.object(p, node !== undefined && node.children.length > 0 ? node : undefined);
    }
    if (c === 0x5b) {
      if (capture !== -1) this.store(capture, KIND_OTHER, p, p);
      return this.array(p, node?.pick);
    }
    if (c === 0x74) {
      next = this.literal(p, 'true');
      kind = KIND_TRUE;
    } else if (c === 0x66) {
      next = this.literal(p, 'false');
      kind = KIND_FALSE;
    } else if (c === 0x6e) {
      next = this.literal(p, 'null');
      kind = KIND_NULL;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      next = this.number(p);
      kind = KIND_NUMBER;
    } else {
      return this.fail(p, `unexpected character "${String.fromCharCode(c)}"`);
    }
    if (next < 0) return -1;
    if (capture !== -1) this.store(capture, kind, p, next);
    return next;
  }

  private store(capture: number, kind: number, start: number, end: number): void {
    let slot = capture;
    if (capture <= -2) {
      const pickIndex = (-2 - capture) >> 1;
      const pick = this.picks[pickIndex];
      slot = (-2 - capture) % 2 === 0 ? pick.valueSlot : pick.primarySlot;
    }
    this.kinds[slot] = kind;
    this.starts[slot] = start;
    this.ends[slot] = end;
  }

  private array(p: number, pick: PathNode['pick']): number {
    if (++this.depth > 64) return this.fail(p, 'nesting deeper than 64');
    const b = this.bytes;
    p = this.ws(p + 1);
    if (p < this.end && b[p] === 0x5d) {
      this.depth--;
      return p + 1;
    }
    const pickIndex = pick ? this.picks.indexOf(pick) : -1;
    for (;;) {
      if (pick) {
        this.kinds[pick.valueSlot] = KIND_NONE;
        this.kinds[pick.primarySlot] = KIND_NONE;
        const isObject = p < this.end && b[p] === 0x7b;
        p = isObject ? this.object(p, pick.element) : this.value(p, undefined);
        if (p < 0) return -1;
        const valueKind = this.kinds[pick.valueSlot];
        const hasValue = valueKind !== KIND_NONE && valueKind !== KIND_NULL;
        const primary = this.kinds[pick.primarySlot] === KIND_TRUE;
        // State: 0 nothing chosen, 1 first element chosen (fallback), 2 a primary element chosen.
        const state = this.pickState[pickIndex];
        if (hasValue && (state === 0 || (primary && state === 1))) {
          this.kinds[pick.target] = this.kinds[pick.valueSlot];
          this.starts[pick.target] = this.starts[pick.valueSlot];
          this.ends[pick.target] = this.ends[pick.valueSlot];
          this.pickState[pickIndex] = primary ? 2 : 1;
        }
      } else {
        p = this.value(p, undefined);
        if (p < 0) return -1;
      }
      p = this.ws(p);
      if (p >= this.end) return this.fail(p, 'expected "," or "]"');
      const c = b[p];
      if (c === 0x2c) {
        p = this.ws(p + 1);
        continue;
      }
      if (c === 0x5d) {
        this.depth--;
        return p + 1;
      }
      return this.fail(p, 'expected "," or "]"');
    }
  }

  private lastEscaped = false;

  /** Validates a string at p (which holds `"`); returns the position after the closing quote. */
  private string(p: number): number {
    const b = this.bytes;
    const end = this.end;
    let q = p + 1;
    let escaped = false;
    while (q < end) {
      // Plain characters (most of them) cost one table look-up each.
      while (q < end && PLAIN[b[q]] === 1) q++;
      if (q >= end) break;
      const c = b[q];
      if (c === QUOTE) {
        this.lastEscaped = escaped;
        return q + 1;
      }
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[q + 1];
        if (e === 0x75) {
          for (let i = q + 2; i < q + 6; i++) {
            const h = b[i];
            if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66)) || i >= end) {
              return this.fail(q, 'bad \\u escape in a string');
            }
          }
          q += 6;
          continue;
        }
        if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          q += 2;
          continue;
        }
        return this.fail(q, 'bad escape in a string');
      }
      if (c < 0x20) return this.fail(q, 'control character in a string');
      q++;
    }
    return this.fail(q, 'unterminated string');
  }

  private literal(p: number, word: string): number {
    const b = this.bytes;
    for (let i = 0; i < word.length; i++) {
      if (b[p + i] !== word.charCodeAt(i) || p + i >= this.end) return this.fail(p, 'bad literal');
    }
    return p + word.length;
  }

  private number(p: number): number {
    const b = this.bytes;
    const end = this.end;
    let q = p;
    if (b[q] === 0x2d) q++;
    if (q >= end) return this.fail(q, 'bad number');
    if (b[q] === 0x30) {
      q++;
    } else if (b[q] >= 0x31 && b[q] <= 0x39) {
      while (q < end && b[q] >= 0x30 && b[q] <= 0x39) q++;
    } else {
      return this.fail(q, 'bad number');
    }
    if (q < end && b[q] === 0x2e) {
      q++;
      const digitsStart = q;
      while (q < end && b[q] >= 0x30 && b[q] <= 0x39) q++;
      if (q === digitsStart) return this.fail(q, 'bad number');
    }
    if (q < end && (b[q] === 0x65 || b[q] === 0x45)) {
      q++;
      if (q < end && (b[q] === 0x2b || b[q] === 0x2d)) q++;
      const digitsStart = q;
      while (q < end && b[q] >= 0x30 && b[q] <= 0x39) q++;
      if (q === digitsStart) return this.fail(q, 'bad number');
    }
    return q;
  }
}

/** Decodes the inside of a JSON string (between the quotes) that has escapes. */
export function decodeJsonString(bytes: Uint8Array, start: number, end: number): string {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + start - 1, end - start + 2).toString('utf8');
  return JSON.parse(raw) as string;
}
