/* eslint-disable @typescript-eslint/no-base-to-string -- the values rendered here are Apex Strings and Ids */
/**
 * The SOQL engine of the local org: parses a query and evaluates it over the in-memory rows (SOQL and SOSL
 * Reference). Supported: field lists with parent relationship paths, child sub-queries, COUNT() and the aggregate
 * functions with aliases and GROUP BY / HAVING, WHERE with AND/OR/NOT, comparison operators, LIKE, IN/NOT IN
 * (literal lists, bind collections, semi-join sub-queries), INCLUDES/EXCLUDES, date literals (TODAY, YESTERDAY,
 * TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n, THIS_MONTH...), ORDER BY with NULLS FIRST/LAST, LIMIT, OFFSET, WITH
 * USER_MODE/SYSTEM_MODE/SECURITY_ENFORCED, FOR UPDATE/VIEW/REFERENCE, ALL ROWS. String comparison is
 * case-insensitive, as SOQL's is. Anything else fails as unsupported.
 */
import { BindResolver, Runtime, UnsupportedError } from '../runtime';
import {
  ApexDate,
  ApexDatetime,
  ApexDecimal,
  ApexList,
  ApexLong,
  ApexSet,
  ApexSObject,
  Decimal,
  typeRef,
  Value
} from '../values';
import { to18 } from './ids';
import { SoqlResult, SoqlSource } from './soqlContract';

// ---------------------------------------------------------------- lexer

type Tok = { k: 'word' | 'str' | 'num' | 'op' | 'bind' | 'date'; v: string };

function lex(rt: Runtime, s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let v = '';
      while (j < s.length && s[j] !== "'") {
        if (s[j] === '\\') {
          const e = s[j + 1];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else v += s[j++];
      }
      if (j >= s.length) bad(rt, 'unterminated string literal');
      out.push({ k: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === ':') {
      let j = i + 1;
      while (j < s.length && /\s/.test(s[j])) j++;
      let depth = 0;
      const start = j;
      while (j < s.length) {
        const ch = s[j];
        if (ch === '(' || ch === '[') depth++;
        else if (ch === ')' || ch === ']') {
          if (depth === 0) break;
          depth--;
        } else if (depth === 0 && /[\s,]/.test(ch)) break;
        j++;
      }
      out.push({ k: 'bind', v: s.slice(start, j) });
      i = j;
      continue;
    }
    const date = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/.exec(s.slice(i));
    if (date) {
      out.push({ k: 'date', v: date[0] });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(s.slice(i));
    if (num && (c !== '-' || !out.length || out[out.length - 1].k === 'op')) {
      out.push({ k: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>|\(|\)|,)/.exec(s.slice(i));
    if (op) {
      out.push({ k: 'op', v: op[0] });
      i += op[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*(:\d+)?/.exec(s.slice(i));
    if (word) {
      out.push({ k: 'word', v: word[0] });
      i += word[0].length;
      continue;
    }
    bad(rt, `unexpected character '${c}'`);
  }
  return out;
}

function bad(rt: Runtime, what: string): never {
  rt.throwApex('System.QueryException', `unexpected token: ${what}`);
}

// ---------------------------------------------------------------- AST

type Operand =
  | { kind: 'lit'; v: Value }
  | { kind: 'bind'; expr: string }
  | { kind: 'list'; items: Operand[] }
  | { kind: 'sub'; q: Query }
  | { kind: 'dateLit'; name: string; n?: number };

type Cond =
  | { kind: 'and' | 'or'; parts: Cond[] }
  | { kind: 'not'; c: Cond }
  | { kind: 'cmp'; field: Selectable; op: string; value: Operand };

type Selectable = { kind: 'field'; path: string } | { kind: 'agg'; fn: string; path?: string };

interface SelectItem {
  what: Selectable | { kind: 'subquery'; q: Query };
  alias?: string;
}

interface Query {
  select: SelectItem[];
  from: string;
  alias?: string;
  where?: Cond;
  groupBy: string[];
  having?: Cond;
  orderBy: Array<{ path: string; desc: boolean; nullsLast: boolean }>;
  limit?: Operand;
  offset?: Operand;
  countOnly: boolean;
  allRows: boolean;
}

const AGGS = ['COUNT', 'COUNT_DISTINCT', 'MIN', 'MAX', 'SUM', 'AVG'];

class Parser {
  i = 0;
  constructor(
    readonly rt: Runtime,
    readonly t: Tok[]
  ) {}
  peek(): Tok | undefined {
    return this.t[this.i];
  }
  isWord(w: string, at = 0): boolean {
    const t = this.t[this.i + at];
    return t?.k === 'word' && t.v.toUpperCase() === w;
  }
  isOp(o: string): boolean {
    const t = this.peek();
    return t?.k === 'op' && t.v === o;
  }
  word(w: string): void {
    if (!this.isWord(w)) bad(this.rt, `${this.peek()?.v ?? 'EOF'} (expected ${w})`);
    this.i++;
  }
  op(o: string): void {
    if (!this.isOp(o)) bad(this.rt, `${this.peek()?.v ?? 'EOF'} (expected ${o})`);
    this.i++;
  }
  name(): string {
    const t = this.peek();
    if (t?.k !== 'word') bad(this.rt, t?.v ?? 'EOF');
    this.i++;
    return t.v;
  }

  query(): Query {
    this.word('SELECT');
    const select: SelectItem[] = [];
    let countOnly = false;
    if (
      this.isWord('COUNT') &&
      this.t[this.i + 1]?.v === '(' &&
      this.t[this.i + 2]?.v === ')' &&
      this.isWord('FROM', 3)
    ) {
      this.i += 3;
      countOnly = true;
    } else {
      for (;;) {
        select.push(this.selectItem());
        if (!this.isOp(',')) break;
        this.i++;
      }
    }
    this.word('FROM');
    const from = this.name();
    let alias: string | undefined;
    const reserved = ['WHERE', 'WITH', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'FOR', 'ALL', 'USING'];
    if (this.peek()?.k === 'word' && !reserved.includes(this.peek()!.v.toUpperCase())) alias = this.name();
    const q: Query = { select, from, alias, groupBy: [], orderBy: [], countOnly, allRows: false };
    if (this.isWord('USING')) throw new UnsupportedError('SOQL USING SCOPE', this.rt.currentPos());
    if (this.isWord('WHERE')) {
      this.i++;
      q.where = this.orCond();
    }
    while (this.isWord('WITH')) {
      this.i++;
      const w = this.name().toUpperCase();
      if (!['USER_MODE', 'SYSTEM_MODE', 'SECURITY_ENFORCED'].includes(w))
        throw new UnsupportedError(`SOQL WITH ${w}`, this.rt.currentPos());
    }
    if (this.isWord('GROUP')) {
      this.i++;
      this.word('BY');
      for (;;) {
        q.groupBy.push(this.name());
        if (!this.isOp(',')) break;
        this.i++;
      }
      if (this.isWord('HAVING')) {
        this.i++;
        q.having = this.orCond();
      }
    }
    if (this.isWord('ORDER')) {
      this.i++;
      this.word('BY');
      for (;;) {
        const path = this.name();
        let desc = false;
        if (this.isWord('ASC')) this.i++;
        else if (this.isWord('DESC')) {
          this.i++;
          desc = true;
        }
        // Default: NULLS FIRST for ascending, NULLS LAST for descending.
        let nullsLast = desc;
        if (this.isWord('NULLS')) {
          this.i++;
          nullsLast = this.name().toUpperCase() === 'LAST';
        }
        q.orderBy.push({ path, desc, nullsLast });
        if (!this.isOp(',')) break;
        this.i++;
      }
    }
    if (this.isWord('LIMIT')) {
      this.i++;
      q.limit = this.operand();
    }
    if (this.isWord('OFFSET')) {
      this.i++;
      q.offset = this.operand();
    }
    while (this.isWord('FOR')) {
      this.i++;
      const w = this.name().toUpperCase();
      if (!['UPDATE', 'VIEW', 'REFERENCE'].includes(w)) bad(this.rt, w);
    }
    if (this.isWord('ALL')) {
      this.i++;
      this.word('ROWS');
      q.allRows = true;
    }
    return q;
  }

  selectItem(): SelectItem {
    if (this.isOp('(')) {
      this.i++;
      const q = this.query();
      this.op(')');
      return { what: { kind: 'subquery', q } };
    }
    if (this.isWord('TYPEOF')) throw new UnsupportedError('SOQL TYPEOF', this.rt.currentPos());
    const what = this.selectable();
    let alias: string | undefined;
    if (this.peek()?.k === 'word' && !this.isWord('FROM')) alias = this.name();
    return { what, alias };
  }

  selectable(): Selectable {
    const t = this.peek();
    if (t?.k === 'word' && this.t[this.i + 1]?.v === '(') {
      const fn = t.v.toUpperCase();
      if (!AGGS.includes(fn)) throw new UnsupportedError(`SOQL function ${fn}`, this.rt.currentPos());
      this.i += 2;
      let path: string | undefined;
      if (!this.isOp(')')) path = this.name();
      this.op(')');
      return { kind: 'agg', fn, path };
    }
    return { kind: 'field', path: this.name() };
  }

  orCond(): Cond {
    const parts = [this.andCond()];
    while (this.isWord('OR')) {
      this.i++;
      parts.push(this.andCond());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  }
  andCond(): Cond {
    const parts = [this.notCond()];
    while (this.isWord('AND')) {
      this.i++;
      parts.push(this.notCond());
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  }
  notCond(): Cond {
    if (this.isWord('NOT')) {
      this.i++;
      return { kind: 'not', c: this.notCond() };
    }
    if (this.isOp('(')) {
      this.i++;
      const c = this.orCond();
      this.op(')');
      return c;
    }
    const field = this.selectable();
    let op: string;
    const t = this.peek();
    if (t?.k === 'op') {
      op = t.v === '<>' ? '!=' : t.v;
      this.i++;
    } else if (this.isWord('NOT') && this.isWord('IN', 1)) {
      this.i += 2;
      op = 'NOT IN';
    } else if (t?.k === 'word' && ['LIKE', 'IN', 'INCLUDES', 'EXCLUDES'].includes(t.v.toUpperCase())) {
      op = t.v.toUpperCase();
      this.i++;
    } else return bad(this.rt, t?.v ?? 'EOF');
    return { kind: 'cmp', field, op, value: this.operand() };
  }

  operand(): Operand {
    const t = this.peek();
    if (!t) bad(this.rt, 'EOF');
    this.i++;
    switch (t.k) {
      case 'str':
        return { kind: 'lit', v: t.v };
      case 'num':
        return { kind: 'lit', v: /\./.test(t.v) ? new ApexDecimal(new Decimal(t.v)) : Number(t.v) };
      case 'bind':
        return { kind: 'bind', expr: t.v };
      case 'date':
        return t.v.includes('T')
          ? { kind: 'lit', v: new ApexDatetime(Date.parse(t.v)) }
          : {
              kind: 'lit',
              v: new ApexDate(Number(t.v.slice(0, 4)), Number(t.v.slice(5, 7)), Number(t.v.slice(8, 10)))
            };
      case 'op':
        if (t.v !== '(') bad(this.rt, t.v);
        if (this.isWord('SELECT')) {
          const q = this.query();
          this.op(')');
          return { kind: 'sub', q };
        }
        {
          const items: Operand[] = [];
          for (;;) {
            items.push(this.operand());
            if (this.isOp(')')) break;
            this.op(',');
          }
          this.i++;
          return { kind: 'list', items };
        }
      default: {
        const u = t.v.toUpperCase();
        if (u === 'NULL') return { kind: 'lit', v: null };
        if (u === 'TRUE' || u === 'FALSE') return { kind: 'lit', v: u === 'TRUE' };
        const m = /^([A-Z_]+)(?::(\d+))?$/.exec(u);
        if (m && DATE_LITERALS.has(m[1])) return { kind: 'dateLit', name: m[1], n: m[2] ? Number(m[2]) : undefined };
        return bad(this.rt, t.v);
      }
    }
  }
}

const DATE_LITERALS = new Set([
  'TODAY',
  'YESTERDAY',
  'TOMORROW',
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'THIS_MONTH',
  'LAST_MONTH',
  'THIS_YEAR',
  'LAST_WEEK',
  'THIS_WEEK',
  'N_DAYS_AGO'
]);

// ---------------------------------------------------------------- evaluation

interface Ctx {
  rt: Runtime;
  src: SoqlSource;
  binds: BindResolver;
}

/** Checks a field path against the schema; a polymorphic relationship is left to the per-row read. */
function checkPath(c: Ctx, object: string, path: string, alias?: string): void {
  let parts = path.split('.');
  if (alias && parts.length > 1 && parts[0].toLowerCase() === alias.toLowerCase()) parts = parts.slice(1);
  if (parts.length > 1 && parts[0].toLowerCase() === object.toLowerCase()) parts = parts.slice(1);
  let type = object;
  for (let i = 0; i < parts.length - 1; i++) {
    const rel = c.src.parentRelationship(type, parts[i]);
    if (!rel) c.rt.throwApex('System.QueryException', `Didn't understand relationship '${parts[i]}' in field path.`);
    if (rel.targets.length !== 1) return;
    type = rel.targets[0];
  }
  const last = parts[parts.length - 1];
  if (!c.src.fieldName(type, last))
    c.rt.throwApex('System.QueryException', `No such column '${last}' on entity '${type}'.`);
}

function checkCond(c: Ctx, cond: Cond, object: string, alias?: string): void {
  if (cond.kind === 'and' || cond.kind === 'or') for (const p of cond.parts) checkCond(c, p, object, alias);
  else if (cond.kind === 'not') checkCond(c, cond.c, object, alias);
  else if (cond.kind === 'cmp' && cond.field.kind === 'field') checkPath(c, object, cond.field.path, alias);
}

/** Reads a path (`Name`, `Owner.Profile.Name`, with the FROM alias stripped) from a stored row. */
function readPath(c: Ctx, object: string, row: ApexSObject, path: string, alias?: string): Value {
  let parts = path.split('.');
  if (alias && parts.length > 1 && parts[0].toLowerCase() === alias.toLowerCase()) parts = parts.slice(1);
  if (parts.length > 1 && parts[0].toLowerCase() === object.toLowerCase()) parts = parts.slice(1);
  let current: ApexSObject | undefined = row;
  let type = object;
  for (let i = 0; i < parts.length - 1; i++) {
    const rel = c.src.parentRelationship(type, parts[i]);
    if (!rel) c.rt.throwApex('System.QueryException', `Didn't understand relationship '${parts[i]}' in field path.`);
    const id = current.get(rel.field);
    if (typeof id !== 'string') return null;
    current = c.src.record(id);
    if (!current) return null;
    type = current.type;
  }
  const last = parts[parts.length - 1];
  const field = c.src.fieldName(type, last);
  if (!field) c.rt.throwApex('System.QueryException', `No such column '${last}' on entity '${type}'.`);
  return current.get(field) ?? null;
}

function resolveOperand(c: Ctx, o: Operand, object: string): Value | Value[] {
  switch (o.kind) {
    case 'lit':
      return o.v;
    case 'bind': {
      const v = c.binds(o.expr);
      if (v instanceof ApexList) return v.items.map((x) => (x instanceof ApexSObject ? (x.get('Id') ?? null) : x));
      if (v instanceof ApexSet) return [...v.entries.values()];
      if (v instanceof ApexSObject) return v.get('Id') ?? null;
      return v;
    }
    case 'list':
      return o.items.map((i) => resolveOperand(c, i, object) as Value);
    case 'sub': {
      const r = run(c, o.q);
      const field = o.q.select[0]?.what;
      if (!field || field.kind !== 'field')
        c.rt.throwApex('System.QueryException', 'semi-join sub-query must select one field');
      return r.rows.map((row) => readPath(c, r.object, row.stored, field.path, o.q.alias));
    }
    case 'dateLit':
      return dateLiteral(c.rt, o.name, o.n);
  }
}

const DAY = 86400000;
function todayMs(rt: Runtime): number {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: rt.userTimeZone() }).format(new Date(rt.org.now()));
  return Date.parse(`${p}T00:00:00Z`);
}

/** A date literal as a [start, end) range of UTC day starts. */
function dateLiteral(rt: Runtime, name: string, n = 0): Value[] {
  const t = todayMs(rt);
  const d = new Date(t);
  const range = (a: number, b: number): Value[] => [{ range: [a, b] } as unknown as Value];
  switch (name) {
    case 'TODAY':
      return range(t, t + DAY);
    case 'YESTERDAY':
      return range(t - DAY, t);
    case 'TOMORROW':
      return range(t + DAY, t + 2 * DAY);
    case 'LAST_N_DAYS':
      return range(t - n * DAY, t + DAY);
    case 'NEXT_N_DAYS':
      return range(t + DAY, t + (n + 1) * DAY);
    case 'N_DAYS_AGO':
      return range(t - n * DAY, t - (n - 1) * DAY);
    case 'THIS_MONTH':
      return range(
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
      );
    case 'LAST_MONTH':
      return range(
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1),
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
      );
    case 'THIS_YEAR':
      return range(Date.UTC(d.getUTCFullYear(), 0, 1), Date.UTC(d.getUTCFullYear() + 1, 0, 1));
    case 'THIS_WEEK':
      return range(t - d.getUTCDay() * DAY, t + (7 - d.getUTCDay()) * DAY);
    case 'LAST_WEEK':
      return range(t - (d.getUTCDay() + 7) * DAY, t - d.getUTCDay() * DAY);
    default:
      throw new UnsupportedError(`SOQL date literal ${name}`, rt.currentPos());
  }
}

/** Comparable form of a value: numbers as numbers, dates as ms, strings lower-cased. */
function norm(v: Value): number | string | boolean | null {
  if (v === null) return null;
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof ApexDecimal) return v.v.toNumber();
  if (v instanceof ApexLong) return Number(v.v);
  if (v instanceof ApexDate) return Date.UTC(v.year, v.month - 1, v.day);
  if (v instanceof ApexDatetime) return v.ms;
  if (typeof v === 'object' && 'v' in v) return Number((v as { v: unknown }).v);
  return String(v);
}

/** Ids compare on their first 15 characters (a 15- and an 18-character Id are equal in SOQL). */
function normId(v: Value): number | string | boolean | null {
  // Ids are case-sensitive: compared and ordered on their 15 significant characters, case kept.
  if (typeof v === 'string' && v.length === 18 && to18(v) === v) return `\u0000${v.slice(0, 15)}`;
  return norm(v);
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`, 'is');
}

function compare(a: Value, op: string, b: Value | Value[]): boolean {
  if (Array.isArray(b) && b.length === 1 && b[0] !== null && typeof b[0] === 'object' && 'range' in (b[0] as object)) {
    const [from, to] = (b[0] as unknown as { range: [number, number] }).range;
    const x = norm(a);
    if (typeof x !== 'number') return false;
    switch (op) {
      case '=':
        return x >= from && x < to;
      case '!=':
        return !(x >= from && x < to);
      case '<':
        return x < from;
      case '<=':
        return x < to;
      case '>':
        return x >= to;
      case '>=':
        return x >= from;
      default:
        return false;
    }
  }
  if (op === 'IN' || op === 'NOT IN') {
    const list = (Array.isArray(b) ? b : [b]).map(normId);
    const hit = list.includes(normId(a));
    return op === 'IN' ? hit : !hit;
  }
  if (op === 'INCLUDES' || op === 'EXCLUDES') {
    const have = new Set(
      String(a ?? '')
        .toLowerCase()
        .split(';')
    );
    const wanted = (Array.isArray(b) ? b : [b]).map((x) => String(x).toLowerCase());
    const any = wanted.some((w) => w.split(';').every((p) => have.has(p)));
    return op === 'INCLUDES' ? any : !any;
  }
  const y = Array.isArray(b) ? b[0] : b;
  if (op === 'LIKE') return a !== null && typeof y === 'string' && likeRegex(y).test(String(a));
  const x = normId(a);
  const z = normId(y);
  switch (op) {
    case '=':
      return x === z;
    case '!=':
      return x !== z;
    default:
      if (x === null || z === null) return false;
      if (op === '<') return x < z;
      if (op === '<=') return x <= z;
      if (op === '>') return x > z;
      return x >= z;
  }
}

function evalCond(
  c: Ctx,
  cond: Cond,
  object: string,
  row: ApexSObject,
  alias: string | undefined,
  agg?: Map<string, Value>
): boolean {
  switch (cond.kind) {
    case 'and':
      return cond.parts.every((p) => evalCond(c, p, object, row, alias, agg));
    case 'or':
      return cond.parts.some((p) => evalCond(c, p, object, row, alias, agg));
    case 'not':
      return !evalCond(c, cond.c, object, row, alias, agg);
    default: {
      const left =
        cond.field.kind === 'agg'
          ? (agg?.get(aggKey(cond.field)) ?? null)
          : agg
            ? (agg.get(cond.field.path.toLowerCase()) ?? null)
            : readPath(c, object, row, cond.field.path, alias);
      return compare(left, cond.op, resolveOperand(c, cond.value, object));
    }
  }
}

const aggKey = (s: Selectable): string =>
  s.kind === 'agg' ? `${s.fn}(${s.path ?? ''})`.toLowerCase() : s.path.toLowerCase();

interface RowOut {
  stored: ApexSObject;
  out: ApexSObject;
}

function intOf(c: Ctx, o: Operand | undefined, object: string): number | undefined {
  if (!o) return undefined;
  const v = resolveOperand(c, o, object);
  return typeof v === 'number' ? v : Number(norm(v as Value));
}

/** Writes a selected path into the result row, building parent records (`Owner.Name` → Owner: User{Name}). */
function project(c: Ctx, object: string, stored: ApexSObject, target: ApexSObject, path: string, alias?: string): void {
  let parts = path.split('.');
  if (alias && parts.length > 1 && parts[0].toLowerCase() === alias.toLowerCase()) parts = parts.slice(1);
  let current: ApexSObject = stored;
  let out = target;
  let type = object;
  for (let i = 0; i < parts.length - 1; i++) {
    const rel = c.src.parentRelationship(type, parts[i]);
    if (!rel) c.rt.throwApex('System.QueryException', `Didn't understand relationship '${parts[i]}' in field path.`);
    const id: Value | undefined = current.get(rel.field);
    const parent: ApexSObject | undefined = typeof id === 'string' ? c.src.record(id) : undefined;
    const relName = parts[i];
    if (!parent) {
      if (!out.has(relName)) out.set(relName, null);
      return;
    }
    let child = out.get(relName);
    if (!(child instanceof ApexSObject)) {
      child = new ApexSObject(parent.type);
      child.set('Id', parent.get('Id') ?? null);
      out.set(relName, child);
    }
    out = child;
    current = parent;
    type = parent.type;
  }
  const last = parts[parts.length - 1];
  const field = c.src.fieldName(type, last);
  if (!field) c.rt.throwApex('System.QueryException', `No such column '${last}' on entity '${type}'.`);
  out.set(field, current.get(field) ?? null);
}

function run(
  c: Ctx,
  q: Query,
  parent?: { object: string; id: string; field: string }
): { object: string; rows: RowOut[] } {
  const object = c.src.objectName(q.from);
  if (!object) c.rt.throwApex('System.QueryException', `sObject type '${q.from}' is not supported.`);
  // The platform rejects an unknown field when the query is compiled, whether or not any row matches.
  for (const item of q.select) if (item.what.kind === 'field') checkPath(c, object, item.what.path, q.alias);
  if (q.where) checkCond(c, q.where, object, q.alias);
  let rows = q.allRows
    ? [...c.src.rows(object), ...(c.src.deletedRows?.(object) ?? [])]
    : c.src.rows(object).filter((r) => r.get('IsDeleted') !== true);
  if (parent) rows = rows.filter((r) => normId(r.get(parent.field) ?? null) === normId(parent.id));
  if (q.where) rows = rows.filter((r) => evalCond(c, q.where!, object, r, q.alias));
  for (let k = q.orderBy.length - 1; k >= 0; k--) {
    const { path, desc, nullsLast } = q.orderBy[k];
    const keyed = rows.map((r) => ({ r, v: normId(readPath(c, object, r, path, q.alias)) }));
    keyed.sort((a, b) => {
      if (a.v === null || b.v === null) {
        if (a.v === b.v) return 0;
        return (a.v === null) === nullsLast ? 1 : -1;
      }
      const d = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
      return desc ? -d : d;
    });
    rows = keyed.map((x) => x.r);
  }
  const offset = intOf(c, q.offset, object) ?? 0;
  if (offset > 2000) c.rt.throwApex('System.QueryException', 'Maximum SOQL offset allowed is 2000');
  const limit = intOf(c, q.limit, object);
  rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
  const out: RowOut[] = rows.map((stored) => {
    const o = new ApexSObject(object);
    o.set('Id', stored.get('Id') ?? null);
    for (const item of q.select) {
      const w = item.what;
      if (w.kind === 'field') project(c, object, stored, o, w.path, q.alias);
      else if (w.kind === 'subquery') {
        const rel = c.src.childRelationship(object, w.q.from);
        if (!rel)
          c.rt.throwApex(
            'System.QueryException',
            `Didn't understand relationship '${w.q.from}' in FROM part of query call.`
          );
        const sub = run(
          c,
          { ...w.q, from: rel.childObject },
          { object, id: stored.get('Id') as string, field: rel.field }
        );
        o.set(
          w.q.from,
          sub.rows.length
            ? new ApexList(
                typeRef(rel.childObject),
                sub.rows.map((r) => r.out)
              )
            : null
        );
      } else throw new UnsupportedError('aggregate function without GROUP BY in a row query', c.rt.currentPos());
    }
    return { stored, out: o };
  });
  return { object, rows: out };
}

function aggregate(c: Ctx, q: Query): ApexSObject[] {
  const object = c.src.objectName(q.from);
  if (!object) c.rt.throwApex('System.QueryException', `sObject type '${q.from}' is not supported.`);
  let rows = c.src.rows(object).filter((r) => r.get('IsDeleted') !== true);
  if (q.where) rows = rows.filter((r) => evalCond(c, q.where!, object, r, q.alias));
  const groups = new Map<string, ApexSObject[]>();
  for (const r of rows) {
    const key = JSON.stringify(q.groupBy.map((g) => norm(readPath(c, object, r, g, q.alias))));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  if (!q.groupBy.length && !groups.size) groups.set('[]', []);
  const out: ApexSObject[] = [];
  for (const members of groups.values()) {
    const row = new ApexSObject('AggregateResult');
    const values = new Map<string, Value>();
    let exprIndex = 0;
    for (const item of q.select) {
      const w = item.what;
      if (w.kind === 'subquery') throw new UnsupportedError('sub-query in an aggregate query', c.rt.currentPos());
      let v: Value;
      let name: string;
      if (w.kind === 'field') {
        v = members.length ? readPath(c, object, members[0], w.path, q.alias) : null;
        name = item.alias ?? w.path.split('.').pop()!;
      } else {
        const vals = w.path
          ? members.map((m) => readPath(c, object, m, w.path!, q.alias)).filter((x) => x !== null)
          : members;
        v = aggValue(w.fn, vals, members.length);
        name = item.alias ?? `expr${exprIndex++}`;
      }
      row.set(name, v);
      values.set(aggKey(w), v);
    }
    if (q.having && !evalCond(c, q.having, object, members[0] ?? row, q.alias, values)) continue;
    out.push(row);
  }
  return out;
}

function aggValue(fn: string, vals: Value[], count: number): Value {
  switch (fn) {
    case 'COUNT':
      return vals.length === count && !vals.length ? 0 : vals.length;
    case 'COUNT_DISTINCT':
      return new Set(vals.map(norm)).size;
    case 'SUM':
    case 'AVG': {
      if (!vals.length) return null;
      const sum = vals.reduce<Decimal>((s, v) => s.plus(new Decimal(String(norm(v)))), new Decimal(0));
      return new ApexDecimal(fn === 'SUM' ? sum : sum.div(vals.length));
    }
    default: {
      if (!vals.length) return null;
      let best = vals[0];
      for (const v of vals) {
        const a = norm(v)!;
        const b = norm(best)!;
        if (fn === 'MIN' ? a < b : a > b) best = v;
      }
      return best;
    }
  }
}

export function runSoql(rt: Runtime, soql: string, binds: BindResolver, src: SoqlSource): SoqlResult {
  const p = new Parser(rt, lex(rt, soql));
  const q = p.query();
  if (p.i < p.t.length) bad(rt, p.t[p.i].v);
  const c: Ctx = { rt, src, binds };
  if (q.countOnly) {
    const r = run(c, { ...q, select: [] });
    return { kind: 'count', count: r.rows.length };
  }
  if (q.groupBy.length || q.select.some((s) => s.what.kind === 'agg'))
    return { kind: 'aggregate', rows: aggregate(c, q) };
  const r = run(c, q);
  return { kind: 'rows', object: r.object, rows: r.rows.map((x) => x.out) };
}
