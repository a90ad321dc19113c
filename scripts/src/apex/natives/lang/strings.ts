/**
 * The String class (Apex Reference, "String Class"). Strings are JS strings; Id values are strings too, so the
 * String native also answers the Id methods (getSObjectType, to15). Index errors raise System.StringException
 * with the platform's "Ending position out of bounds" / "Starting position out of bounds" messages.
 */
import { NativeClass, Runtime } from '../../runtime';
import { ApexList, ApexSet, Value } from '../../values';
import { compileJava, quoteJava, replaceJava, splitJava } from './regex';
import { arity, Fns, int, items, lowerKeys, str, strList, strOrNull, unsupported, T } from './util';

const self$ = (rt: Runtime, self: Value): string => str(rt, self);

function bounds(rt: Runtime, s: string, start: number, end: number): void {
  if (start < 0 || start > s.length)
    rt.throwApex('System.StringException', `Starting position out of bounds: ${start}`);
  if (end > s.length || end < start) rt.throwApex('System.StringException', `Ending position out of bounds: ${end}`);
}

const isBlank = (s: string | null): boolean => s === null || s.trim() === '';
const isWhitespace = (c: string): boolean => /\s/.test(c);

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** String.format('{0} of {1}', args): MessageFormat-style placeholders; '' is a literal quote. */
function formatMessage(rt: Runtime, pattern: string, args: Value[]): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        out += "'";
        i++;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end;
      continue;
    }
    if (c === '{') {
      const end = pattern.indexOf('}', i);
      const index = Number(pattern.slice(i + 1, end));
      if (!Number.isInteger(index)) unsupported(rt, `String.format placeholder ${pattern.slice(i, end + 1)}`);
      const v = args[index];
      out += v === undefined ? pattern.slice(i, end + 1) : rt.stringify(v);
      i = end;
      continue;
    }
    out += c;
  }
  return out;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const HTML_NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '\u00a9',
  reg: '\u00ae'
};

/** escapeHtml4: the five markup characters (StringEscapeUtils.escapeHtml4 also names Latin-1 entities; not done). */
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** unescapeHtml4: named entities of the common set and numeric (decimal and hex) references. */
function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return HTML_NAMED[e] ?? m;
  });
}

const statics: Fns = {
  valueOf: (rt: Runtime, a: Value[]) => {
    arity(rt, 'String.valueOf', a, 1);
    return a[0] === null ? null : rt.stringify(a[0]);
  },
  isBlank: (rt, [s]) => isBlank(strOrNull(rt, s)),
  isNotBlank: (rt, [s]) => !isBlank(strOrNull(rt, s)),
  isEmpty: (rt, [s]) => {
    const v = strOrNull(rt, s);
    return v === null || v === '';
  },
  isNotEmpty: (rt, [s]) => {
    const v = strOrNull(rt, s);
    return v !== null && v !== '';
  },
  join: (rt, [list, sep]) => {
    if (list === null) return null;
    const values =
      list instanceof ApexList || list instanceof ApexSet
        ? items(rt, list)
        : unsupported(rt, 'String.join of a non-collection');
    return values.map((v) => rt.stringify(v)).join(strOrNull(rt, sep) ?? '');
  },
  format: (rt, [p, args]) => formatMessage(rt, str(rt, p), args === null ? [] : items(rt, args)),
  fromCharArray: (rt, [codes]) => String.fromCodePoint(...items(rt, codes).map((c) => int(rt, c))),
  escapeSingleQuotes: (rt, [s]) => str(rt, s).replace(/\\/g, '\\\\').replace(/'/g, "\\'"),
  valueOfGmt: (rt, [d]) => rt.stringify(d)
};

const methods: Fns = {
  length: (rt, _a, s) => self$(rt, s).length,
  isEmpty: (rt, _a, s) => self$(rt, s) === '',
  isBlank: (rt, _a, s) => isBlank(self$(rt, s)),
  isNotBlank: (rt, _a, s) => !isBlank(self$(rt, s)),
  contains: (rt, [x], s) => self$(rt, s).includes(str(rt, x)),
  containsIgnoreCase: (rt, [x], s) => self$(rt, s).toLowerCase().includes(str(rt, x).toLowerCase()),
  containsAny: (rt, [x], s) => [...str(rt, x)].some((c) => self$(rt, s).includes(c)),
  containsOnly: (rt, [x], s) => [...self$(rt, s)].every((c) => str(rt, x).includes(c)),
  containsWhitespace: (rt, _a, s) => /\s/.test(self$(rt, s)),
  startsWith: (rt, [x], s) => self$(rt, s).startsWith(str(rt, x)),
  endsWith: (rt, [x], s) => self$(rt, s).endsWith(str(rt, x)),
  startsWithIgnoreCase: (rt, [x], s) => self$(rt, s).toLowerCase().startsWith(str(rt, x).toLowerCase()),
  endsWithIgnoreCase: (rt, [x], s) => self$(rt, s).toLowerCase().endsWith(str(rt, x).toLowerCase()),
  equals: (rt, [x], s) => typeof x === 'string' && x === self$(rt, s),
  equalsIgnoreCase: (rt, [x], s) => typeof x === 'string' && x.toLowerCase() === self$(rt, s).toLowerCase(),
  compareTo: (rt, [x], s) => {
    const a = self$(rt, s);
    const b = str(rt, x);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
    }
    return a.length - b.length;
  },
  hashCode: (rt, _a, s) => {
    let h = 0;
    for (const ch of self$(rt, s)) h = (Math.imul(31, h) + ch.charCodeAt(0)) | 0;
    return h;
  },
  toLowerCase: (rt, _a, s) => self$(rt, s).toLowerCase(),
  toUpperCase: (rt, _a, s) => self$(rt, s).toUpperCase(),
  trim: (rt, _a, s) => self$(rt, s).replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, ''),
  strip: (rt, _a, s) => self$(rt, s).trim(),
  normalizeSpace: (rt, _a, s) => self$(rt, s).trim().replace(/\s+/g, ' '),
  deleteWhitespace: (rt, _a, s) => [...self$(rt, s)].filter((c) => !isWhitespace(c)).join(''),
  capitalize: (rt, _a, s) => {
    const v = self$(rt, s);
    return v.charAt(0).toUpperCase() + v.slice(1);
  },
  uncapitalize: (rt, _a, s) => {
    const v = self$(rt, s);
    return v.charAt(0).toLowerCase() + v.slice(1);
  },
  indexOf: (rt, [x, from], s) => self$(rt, s).indexOf(str(rt, x), from === undefined ? 0 : int(rt, from)),
  indexOfIgnoreCase: (rt, [x], s) => self$(rt, s).toLowerCase().indexOf(str(rt, x).toLowerCase()),
  lastIndexOf: (rt, [x], s) => self$(rt, s).lastIndexOf(str(rt, x)),
  charAt: (rt, [i], s) => {
    const v = self$(rt, s);
    const n = int(rt, i);
    if (n < 0 || n >= v.length) rt.throwApex('System.StringException', `String index out of range: ${n}`);
    return v.charCodeAt(n);
  },
  getChars: (rt, _a, s) =>
    new ApexList(
      T.Integer,
      [...self$(rt, s)].map((c) => c.codePointAt(0)!)
    ),
  substring: (rt, a, s) => {
    const v = self$(rt, s);
    const start = int(rt, a[0]);
    const end = a.length > 1 ? int(rt, a[1]) : v.length;
    bounds(rt, v, start, end);
    return v.substring(start, end);
  },
  mid: (rt, [st, len], s) => {
    const v = self$(rt, s);
    const start = Math.max(0, int(rt, st));
    return v.substr(start, Math.max(0, int(rt, len)));
  },
  left: (rt, [n], s) => self$(rt, s).slice(0, Math.max(0, int(rt, n))),
  right: (rt, [n], s) => {
    const v = self$(rt, s);
    const k = Math.max(0, int(rt, n));
    return k >= v.length ? v : v.slice(v.length - k);
  },
  leftPad: (rt, [n, p], s) => self$(rt, s).padStart(int(rt, n), p === undefined ? ' ' : str(rt, p)),
  rightPad: (rt, [n, p], s) => self$(rt, s).padEnd(int(rt, n), p === undefined ? ' ' : str(rt, p)),
  repeat: (rt, a, s) => {
    if (a.length === 2) return Array<string>(int(rt, a[1])).fill(self$(rt, s)).join(str(rt, a[0]));
    return self$(rt, s).repeat(Math.max(0, int(rt, a[0])));
  },
  abbreviate: (rt, [n], s) => {
    const v = self$(rt, s);
    const max = int(rt, n);
    if (max < 4) rt.throwApex('System.StringException', 'Minimum abbreviation width is 4');
    return v.length <= max ? v : `${v.slice(0, max - 3)}...`;
  },
  replace: (rt, [t, r], s) => self$(rt, s).split(str(rt, t)).join(str(rt, r)),
  replaceAll: (rt, [re, r], s) => replaceJava(rt, compileJava(rt, str(rt, re)), self$(rt, s), str(rt, r), false),
  replaceFirst: (rt, [re, r], s) => replaceJava(rt, compileJava(rt, str(rt, re)), self$(rt, s), str(rt, r), true),
  split: (rt, [re, limit], s) =>
    strList(splitJava(compileJava(rt, str(rt, re)), self$(rt, s), limit === undefined ? 0 : int(rt, limit))),
  remove: (rt, [x], s) => self$(rt, s).split(str(rt, x)).join(''),
  removeStart: (rt, [x], s) => {
    const v = self$(rt, s);
    const p = str(rt, x);
    return p && v.startsWith(p) ? v.slice(p.length) : v;
  },
  removeEnd: (rt, [x], s) => {
    const v = self$(rt, s);
    const p = str(rt, x);
    return p && v.endsWith(p) ? v.slice(0, v.length - p.length) : v;
  },
  removeStartIgnoreCase: (rt, [x], s) => {
    const v = self$(rt, s);
    const p = str(rt, x);
    return p && v.toLowerCase().startsWith(p.toLowerCase()) ? v.slice(p.length) : v;
  },
  removeEndIgnoreCase: (rt, [x], s) => {
    const v = self$(rt, s);
    const p = str(rt, x);
    return p && v.toLowerCase().endsWith(p.toLowerCase()) ? v.slice(0, v.length - p.length) : v;
  },
  substringBefore: (rt, [x], s) => {
    const v = self$(rt, s);
    const i = v.indexOf(str(rt, x));
    return i < 0 ? v : v.slice(0, i);
  },
  substringAfter: (rt, [x], s) => {
    const v = self$(rt, s);
    const i = v.indexOf(str(rt, x));
    return i < 0 ? '' : v.slice(i + str(rt, x).length);
  },
  substringBeforeLast: (rt, [x], s) => {
    const v = self$(rt, s);
    const i = v.lastIndexOf(str(rt, x));
    return i < 0 ? v : v.slice(0, i);
  },
  substringAfterLast: (rt, [x], s) => {
    const v = self$(rt, s);
    const i = v.lastIndexOf(str(rt, x));
    return i < 0 ? '' : v.slice(i + str(rt, x).length);
  },
  substringBetween: (rt, [a, b], s) => {
    const v = self$(rt, s);
    const open = str(rt, a);
    const i = v.indexOf(open);
    if (i < 0) return null;
    const j = v.indexOf(b === undefined ? open : str(rt, b), i + open.length);
    return j < 0 ? null : v.slice(i + open.length, j);
  },
  countMatches: (rt, [x], s) => {
    const sub = str(rt, x);
    return sub ? self$(rt, s).split(sub).length - 1 : 0;
  },
  reverse: (rt, _a, s) => [...self$(rt, s)].reverse().join(''),
  isNumeric: (rt, _a, s) => /^[0-9]+$/.test(self$(rt, s)),
  isAlpha: (rt, _a, s) => /^[A-Za-z]+$/.test(self$(rt, s)),
  isAlphanumeric: (rt, _a, s) => /^[A-Za-z0-9]+$/.test(self$(rt, s)),
  isAllLowerCase: (rt, _a, s) => /^[a-z]+$/.test(self$(rt, s)),
  isAllUpperCase: (rt, _a, s) => /^[A-Z]+$/.test(self$(rt, s)),
  getLevenshteinDistance: (rt, [x], s) => levenshtein(self$(rt, s), str(rt, x)),
  escapeSingleQuotes: (rt, _a, s) => statics.escapeSingleQuotes(rt, [s], null),
  unescapeJava: (rt, _a, s) =>
    self$(rt, s).replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\"/g, '"').replace(/\\\\/g, '\\'),
  escapeJava: (rt, _a, s) => JSON.stringify(self$(rt, s)).slice(1, -1),
  quote: (rt, _a, s) => quoteJava(self$(rt, s)),
  escapeHtml4: (rt, _a, s) => escapeHtml(self$(rt, s)),
  escapeXml: (rt, _a, s) => escapeHtml(self$(rt, s)).replace(/&#39;/g, '&apos;'),
  unescapeHtml4: (rt, _a, s) => unescapeHtml(self$(rt, s)),
  unescapeXml: (rt, _a, s) => unescapeHtml(self$(rt, s)),
  escapeEcmaScript: (rt, _a, s) => JSON.stringify(self$(rt, s)).slice(1, -1).replace(/'/g, "\\'"),
  toString: (rt: Runtime, _a: Value[], s: Value) => self$(rt, s),
  to15: (rt, _a, s) => self$(rt, s).slice(0, 15),
  getSObjectType: (rt, _a, s) => {
    const ns = rt.natives.find('Schema.SObjectType');
    const fn = ns?.statics?.forid;
    if (!fn) unsupported(rt, 'Id.getSObjectType (no Schema.SObjectType native)');
    return fn(rt, [s], null);
  }
};

export const stringClass: NativeClass = {
  name: 'String',
  namespace: 'System',
  kind: 'class',
  statics: lowerKeys(statics),
  methods: lowerKeys(methods),
  construct: () => ''
};

/** Id.valueOf(String): a validated 18-character Id (System.StringException 'Invalid id: x' otherwise). */
export const idClass: NativeClass = {
  name: 'Id',
  namespace: 'System',
  kind: 'class',
  statics: lowerKeys({
    valueOf: (rt: Runtime, [s]: Value[]) => (s === null ? null : rt.coerce(str(rt, s), T.Id))
  }),
  methods: methods && lowerKeys(methods)
};
