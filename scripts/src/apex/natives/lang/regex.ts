/**
 * Java regular expressions (java.util.regex, which Apex Pattern, Matcher and the String regex methods use)
 * translated to JavaScript RegExp. Constructs whose meaning differs and cannot be translated exactly throw
 * UnsupportedError instead of matching differently.
 */
import { NativeClass, Runtime, UnsupportedError } from '../../runtime';
import { NativeObject, Value } from '../../values';
import { Fns, arity, int, lowerKeys, npe, str, strList, unsupported } from './util';

export interface JsRegex {
  source: string;
  /** JS flags without g/y (added per use). */
  flags: string;
  /** Capturing groups of the pattern. */
  groups: number;
}

/** Java's non-MULTILINE `$`: end of input or before a final line terminator. */
const DOLLAR = '(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?(?![\\s\\S]))';
const SPACE = ' \\t\\n\\x0B\\f\\r';

const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: SPACE
};

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
}

/** Translates a Java regex to a JS RegExp source and flags; throws UnsupportedError for constructs it cannot map. */
export function translateJavaRegex(java: string, pos?: Runtime): JsRegex {
  const fail = (what: string): never => {
    throw new UnsupportedError(`Java regex construct ${what} in /${java}/`, pos?.currentPos());
  };
  let flags = '';
  let out = '';
  let i = 0;
  let inClass = false;
  let groups = 0;
  let multiline = false;
  // Leading embedded flags: (?i), (?s), (?m), (?is)...
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(java.slice(i));
    if (!m || i !== 0) break;
    for (const f of m[1]) {
      if (f === 'i') flags += flags.includes('i') ? '' : 'i';
      else if (f === 's') flags += flags.includes('s') ? '' : 's';
      else if (f === 'm') {
        flags += flags.includes('m') ? '' : 'm';
        multiline = true;
      } else fail(`(?${f})`);
    }
    i += m[0].length;
    if (/^\(\?[a-zA-Z]+\)/.test(java.slice(i))) {
      java = java.slice(i);
      i = 0;
    }
  }
  const n = java.length;
  while (i < n) {
    const c = java[i];
    if (c === '\\') {
      const d = java[i + 1];
      if (d === undefined) fail('a trailing backslash');
      if (d === 'Q') {
        const end = java.indexOf('\\E', i + 2);
        const lit = end < 0 ? java.slice(i + 2) : java.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (d === 'p' || d === 'P') {
        const m = /^\\[pP](?:\{(\w+)\}|(\w))/.exec(java.slice(i));
        const name = m ? (m[1] ?? m[2]) : undefined;
        const body = name ? POSIX[name] : undefined;
        if (!m || !body) fail(`\\${d}{${name ?? '?'}}`);
        if (d === 'P' && inClass) fail('\\P{...} inside a character class');
        out += inClass ? body : d === 'p' ? `[${body}]` : `[^${body}]`;
        i += m![0].length;
        continue;
      }
      if (d === 's') {
        out += inClass ? SPACE : `[${SPACE}]`;
        i += 2;
        continue;
      }
      if (d === 'S') {
        if (inClass) fail('\\S inside a character class');
        out += `[^${SPACE}]`;
        i += 2;
        continue;
      }
      if (d === 'A') {
        if (inClass) fail('\\A inside a class');
        out += '(?<![\\s\\S])';
        i += 2;
        continue;
      }
      if (d === 'z') {
        out += '(?![\\s\\S])';
        i += 2;
        continue;
      }
      if (d === 'Z') {
        out += DOLLAR;
        i += 2;
        continue;
      }
      if (d === 'h') {
        const h = ' \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000';
        out += inClass ? h : `[${h}]`;
        i += 2;
        continue;
      }
      if (d === 'e') {
        out += '\\x1B';
        i += 2;
        continue;
      }
      if (d === 'a') {
        out += '\\x07';
        i += 2;
        continue;
      }
      if (d === '0' || ('GRXHVvNx'.includes(d) && !(d === 'x' && /^[0-9a-fA-F]{2}$/.test(java.slice(i + 2, i + 4))))) {
        fail(`\\${d}`);
      }
      out += c + d;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[') fail('a nested character class');
      if (c === '&' && java[i + 1] === '&') fail('a character class intersection (&&)');
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // A ']' right after '[' or '[^' is a literal in Java.
      if (java[i] === '^') {
        out += '^';
        i++;
      }
      if (java[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(') {
      if (java[i + 1] === '?') {
        const rest = java.slice(i + 2);
        if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) groups++;
        else if (!/^(?::|=|!|<=|<!)/.test(rest)) fail(`(?${rest.slice(0, 2)}`);
      } else groups++;
      out += c;
      i++;
      continue;
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && java[i + 1] === '+') {
      fail(`the possessive quantifier ${c}+`);
    }
    if (c === '$') {
      out += multiline ? '$' : DOLLAR;
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) fail('an unclosed character class');
  try {
    new RegExp(out, flags);
  } catch (e) {
    if (pos) pos.throwApex('System.StringException', `Invalid regex: ${(e as Error).message}`);
    throw e;
  }
  return { source: out, flags, groups };
}

export function jsRegex(r: JsRegex, extra: string): RegExp {
  return new RegExp(r.source, r.flags + extra);
}

/** One match: group texts (undefined for a group that did not take part) and offsets. */
export interface Match {
  start: number;
  end: number;
  groups: Array<string | undefined>;
  starts: number[];
  named: Record<string, string | undefined>;
}

function toMatch(m: RegExpExecArray): Match {
  const starts: number[] = [];
  // Group starts are not given by JS without the d flag; exec is run with 'd' so indices exist.
  const idx = (m as RegExpExecArray & { indices?: Array<[number, number] | undefined> }).indices;
  for (let g = 0; g < m.length; g++) starts.push(idx?.[g]?.[0] ?? -1);
  return {
    start: m.index,
    end: m.index + m[0].length,
    groups: [...m],
    starts,
    named: { ...(m.groups ?? {}) }
  };
}

/** Java Matcher.find from a position (the next match at or after `from`), or undefined. */
export function findFrom(r: JsRegex, input: string, from: number): Match | undefined {
  if (from > input.length) return undefined;
  const re = jsRegex(r, 'gd');
  re.lastIndex = from;
  const m = re.exec(input);
  return m ? toMatch(m) : undefined;
}

/** Java Matcher.matches: the whole input. */
export function matchWhole(r: JsRegex, input: string): Match | undefined {
  const re = new RegExp(`(?:${r.source})(?![\\s\\S])`, `${r.flags}yd`);
  re.lastIndex = 0;
  const m = re.exec(input);
  return m ? toMatch(m) : undefined;
}

/** Java Matcher.lookingAt: a match starting at the beginning. */
export function matchStart(r: JsRegex, input: string): Match | undefined {
  const re = jsRegex(r, 'yd');
  re.lastIndex = 0;
  const m = re.exec(input);
  return m ? toMatch(m) : undefined;
}

/** All successive matches as Java's find() loop yields them (an empty match advances one character). */
export function allMatches(r: JsRegex, input: string, max = Infinity): Match[] {
  const out: Match[] = [];
  let from = 0;
  while (out.length < max) {
    const m = findFrom(r, input, from);
    if (!m) break;
    out.push(m);
    from = m.end === m.start ? m.end + 1 : m.end;
  }
  return out;
}

/** Expands a Java replacement string ($1, ${name}, \$) for one match; Java's errors become StringException. */
export function expandReplacement(rt: Runtime, repl: string, m: Match, groupCount: number): string {
  let out = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c === '\\') {
      i++;
      if (i >= repl.length) rt.throwApex('System.StringException', 'character to be escaped is missing');
      out += repl[i];
    } else if (c === '$') {
      i++;
      if (i >= repl.length) rt.throwApex('System.StringException', 'Illegal group reference: group index is missing');
      if (repl[i] === '{') {
        const close = repl.indexOf('}', i);
        const name = close < 0 ? '' : repl.slice(i + 1, close);
        if (close < 0 || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
          rt.throwApex('System.StringException', "named capturing group is missing trailing '}'");
        }
        if (!(name in m.named)) rt.throwApex('System.StringException', `No group with name {${name}}`);
        out += m.named[name] ?? '';
        i = close;
      } else {
        const d = repl.charCodeAt(i) - 48;
        if (d < 0 || d > 9) rt.throwApex('System.StringException', 'Illegal group reference');
        let g = d;
        // Java: further digits are taken while they still form a valid group number.
        while (i + 1 < repl.length) {
          const nd = repl.charCodeAt(i + 1) - 48;
          if (nd < 0 || nd > 9 || g * 10 + nd > groupCount) break;
          g = g * 10 + nd;
          i++;
        }
        if (g > groupCount) rt.throwApex('System.StringException', `No group ${g}`);
        out += m.groups[g] ?? '';
      }
    } else out += c;
  }
  return out;
}

/** Java Matcher.replaceAll / replaceFirst. */
export function replaceJava(rt: Runtime, r: JsRegex, input: string, repl: string, firstOnly: boolean): string {
  const matches = allMatches(r, input, firstOnly ? 1 : Infinity);
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += input.slice(at, m.start) + expandReplacement(rt, repl, m, r.groups);
    at = m.end;
  }
  return out + input.slice(at);
}

/** Java Pattern.split(input, limit) / String.split(regex, limit). */
export function splitJava(r: JsRegex, input: string, limit: number): string[] {
  const out: string[] = [];
  let index = 0;
  const limited = limit > 0;
  let from = 0;
  for (;;) {
    const m = findFrom(r, input, from);
    if (!m) break;
    from = m.end === m.start ? m.end + 1 : m.end;
    if (!limited || out.length < limit - 1) {
      // No leading empty substring for a zero-width match at the beginning (Java 8+).
      if (index === 0 && m.start === 0 && m.end === 0) continue;
      out.push(input.slice(index, m.start));
      index = m.end;
    } else break;
  }
  if (index === 0 && out.length === 0) return [input];
  out.push(input.slice(index));
  if (limit === 0) while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

const cache = new Map<string, JsRegex>();
/** Translates (with a cache) a Java regex used by a String method. */
export function compileJava(rt: Runtime, java: string): JsRegex {
  let r = cache.get(java);
  if (!r) {
    r = translateJavaRegex(java, rt);
    cache.set(java, r);
  }
  return r;
}

/** Java Pattern.quote. */
export function quoteJava(s: string): string {
  let out = '\\Q';
  let at = 0;
  for (;;) {
    const e = s.indexOf('\\E', at);
    if (e < 0) break;
    out += s.slice(at, e) + '\\E\\\\E\\Q';
    at = e + 2;
  }
  return out + s.slice(at) + '\\E';
}

// ---- Pattern and Matcher natives ----

interface PatternData {
  [k: string]: unknown;
  java: string;
  re: JsRegex;
}
interface MatcherData {
  [k: string]: unknown;
  pattern: NativeObject;
  input: string;
  /** Where the next find() starts. */
  from: number;
  last: Match | undefined;
  /** Position up to which replacement/append has consumed. */
  appendPos: number;
  hitEnd: boolean;
}

const patternOf = (self: Value): PatternData => (self as NativeObject).data as PatternData;
const matcherOf = (self: Value): MatcherData => (self as NativeObject).data as MatcherData;

export function newPattern(rt: Runtime, java: string): NativeObject {
  const data: PatternData = { java, re: compileJava(rt, java) };
  return new NativeObject('Pattern', data);
}

function requireMatch(rt: Runtime, m: MatcherData): Match {
  if (!m.last) rt.throwApex('System.StringException', 'No match found');
  return m.last;
}

function groupIndex(rt: Runtime, m: MatcherData, g: Value): number {
  const n = int(rt, g);
  const count = patternOf(m.pattern).re.groups;
  if (n < 0 || n > count) rt.throwApex('System.StringException', `No group ${n}`);
  return n;
}

const patternStatics: Fns = {
  compile: (rt, args) => {
    arity(rt, 'Pattern.compile', args, 1);
    return newPattern(rt, str(rt, args[0]));
  },
  matches: (rt, args) => {
    arity(rt, 'Pattern.matches', args, 2);
    const r = compileJava(rt, str(rt, args[0]));
    return matchWhole(r, str(rt, args[1])) !== undefined;
  },
  quote: (rt, args) => {
    arity(rt, 'Pattern.quote', args, 1);
    return quoteJava(str(rt, args[0]));
  }
};

const patternMethods: Fns = {
  matcher: (rt, args, self) => {
    arity(rt, 'Pattern.matcher', args, 1);
    const input = str(rt, args[0]);
    const data: MatcherData = {
      pattern: self as NativeObject,
      input,
      from: 0,
      last: undefined,
      appendPos: 0,
      hitEnd: false
    };
    return new NativeObject('Matcher', data);
  },
  pattern: (_rt, _args, self) => patternOf(self).java,
  split: (rt, args, self) => {
    arity(rt, 'Pattern.split', args, 1, 2);
    const limit = args.length > 1 ? int(rt, args[1]) : 0;
    return strList(splitJava(patternOf(self).re, str(rt, args[0]), limit));
  },
  tostring: (_rt, _args, self) => patternOf(self).java
};

const matcherMethods: Fns = {
  matches: (rt, args, self) => {
    arity(rt, 'Matcher.matches', args, 0);
    const m = matcherOf(self);
    m.last = matchWhole(patternOf(m.pattern).re, m.input);
    if (m.last) m.from = m.last.end;
    return m.last !== undefined;
  },
  lookingat: (rt, args, self) => {
    arity(rt, 'Matcher.lookingAt', args, 0);
    const m = matcherOf(self);
    m.last = matchStart(patternOf(m.pattern).re, m.input);
    if (m.last) m.from = m.last.end;
    return m.last !== undefined;
  },
  find: (rt, args, self) => {
    arity(rt, 'Matcher.find', args, 0, 1);
    const m = matcherOf(self);
    if (args.length === 1) {
      const start = int(rt, args[0]);
      if (start < 0 || start > m.input.length) rt.throwApex('System.StringException', `Illegal start index`);
      m.from = start;
      m.appendPos = 0;
    }
    const found = findFrom(patternOf(m.pattern).re, m.input, m.from);
    m.last = found;
    if (found) m.from = found.end === found.start ? found.end + 1 : found.end;
    else m.from = m.input.length + 1;
    return found !== undefined;
  },
  group: (rt, args, self) => {
    arity(rt, 'Matcher.group', args, 0, 1);
    const m = matcherOf(self);
    const match = requireMatch(rt, m);
    if (args.length === 1 && typeof args[0] === 'string') {
      const name = args[0];
      if (!(name in match.named)) rt.throwApex('System.IllegalArgumentException', `No group with name <${name}>`);
      return match.named[name] ?? null;
    }
    const g = args.length ? groupIndex(rt, m, args[0]) : 0;
    return match.groups[g] ?? null;
  },
  groupcount: (_rt, _args, self) => patternOf(matcherOf(self).pattern).re.groups,
  start: (rt, args, self) => {
    const m = matcherOf(self);
    const match = requireMatch(rt, m);
    return args.length ? match.starts[groupIndex(rt, m, args[0])] : match.start;
  },
  end: (rt, args, self) => {
    const m = matcherOf(self);
    const match = requireMatch(rt, m);
    if (!args.length) return match.end;
    const g = groupIndex(rt, m, args[0]);
    const s = match.starts[g];
    return s < 0 ? -1 : s + (match.groups[g] ?? '').length;
  },
  replaceall: (rt, args, self) => {
    arity(rt, 'Matcher.replaceAll', args, 1);
    const m = matcherOf(self);
    m.last = undefined;
    m.from = 0;
    return replaceJava(rt, patternOf(m.pattern).re, m.input, str(rt, args[0]), false);
  },
  replacefirst: (rt, args, self) => {
    arity(rt, 'Matcher.replaceFirst', args, 1);
    const m = matcherOf(self);
    m.last = undefined;
    m.from = 0;
    return replaceJava(rt, patternOf(m.pattern).re, m.input, str(rt, args[0]), true);
  },
  reset: (rt, args, self) => {
    arity(rt, 'Matcher.reset', args, 0, 1);
    const m = matcherOf(self);
    if (args.length) m.input = str(rt, args[0]);
    m.from = 0;
    m.last = undefined;
    m.appendPos = 0;
    return self;
  },
  pattern: (_rt, _args, self) => matcherOf(self).pattern,
  hitend: (rt) => unsupported(rt, 'Matcher.hitEnd'),
  region: (rt) => unsupported(rt, 'Matcher.region'),
  usepattern: (rt) => unsupported(rt, 'Matcher.usePattern')
};

export const patternClass: NativeClass = {
  name: 'Pattern',
  namespace: 'System',
  kind: 'class',
  statics: lowerKeys(patternStatics),
  methods: lowerKeys(patternMethods)
};

export const matcherClass: NativeClass = {
  name: 'Matcher',
  namespace: 'System',
  kind: 'class',
  methods: lowerKeys(matcherMethods)
};

export { npe };
