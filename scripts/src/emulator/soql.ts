import { Database, SRecord } from './db';

/**
 * A small SOQL engine for the emulator: SELECT with fields (including parent relationship paths such as
 * Profile.Name) or COUNT(), FROM one type, WHERE with = != <> < > <= >= IN / NOT IN / LIKE / NOT, AND / OR with
 * parentheses (mixing AND and OR without parentheses is rejected, as Salesforce does), ORDER BY (ASC/DESC,
 * NULLS FIRST/LAST), LIMIT and OFFSET. `WITH SECURITY_ENFORCED` / `WITH USER_MODE` are accepted and ignored.
 * Errors carry Salesforce's error codes (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE) and message shapes.
 */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE',
    message: string
  ) {
    super(message);
    this.name = errorCode;
  }
}

type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'op' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  pos: number;
}

type Literal = string | number | boolean | null | { dateRange: [number, number] };

type Condition =
  | { kind: 'and' | 'or'; parts: Condition[] }
  | { kind: 'not'; part: Condition }
  | { kind: 'cmp'; field: FieldRef; op: string; value: Literal }
  | { kind: 'in'; field: FieldRef; negate: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldRef; negate: boolean; pattern: string };

/** A field path as written (`Profile.Name`), resolved against the schema to canonical names. */
export interface FieldRef {
  path: string[];
  pos: number;
}

export interface ParsedQuery {
  count: boolean;
  fields: FieldRef[];
  from: string;
  fromPos: number;
  where?: Condition;
  orderBy: Array<{ field: FieldRef; desc: boolean; nullsLast: boolean }>;
  limit?: number;
  offset?: number;
}

const KEYWORDS = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'in',
  'like',
  'order',
  'by',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'limit',
  'offset',
  'with',
  'true',
  'false',
  'null'
]);

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < soql.length; j++) {
        const d = soql[j];
        if (d === '\\') {
          const e = soql[++j];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else if (d === "'") break;
        else value += d;
      }
      if (j >= soql.length) throw malformed(soql, i, 'Unterminated string literal');
      tokens.push({ kind: 'string', text: soql.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    const dateTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/.exec(soql.slice(i));
    if (dateTime) {
      tokens.push({ kind: 'ident', text: dateTime[0], value: dateTime[0], pos: i });
      i += dateTime[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(soql.slice(i));
    if (num) {
      tokens.push({ kind: 'number', text: num[0], value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:\d+)?/.exec(soql.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const op = /^(!=|<>|<=|>=|=|<|>)/.exec(soql.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw malformed(soql, i, `unexpected token: '${c}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}

/** Salesforce's query error message: the query, a caret under the column, then the row/column and the reason. */
function located(soql: string, pos: number, reason: string): string {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  const line = soql.split('\n')[row - 1] ?? soql;
  return `\n${line}\n${' '.repeat(Math.max(column - 1, 0))}^\nERROR at Row:${row}:Column:${column}\n${reason}`;
}

function malformed(soql: string, pos: number, reason: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', located(soql, pos, reason));
}

class Parser {
  private i = 0;
  constructor(
    private readonly soql: string,
    private readonly tokens: Token[]
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    return this.tokens[Math.min(this.i++, this.tokens.length - 1)];
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }

  private expectKeyword(word: string): Token {
    const t = this.next();
    if (t.kind !== 'ident' || t.text.toLowerCase() !== word) throw this.unexpected(t);
    return t;
  }

  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw this.unexpected(t);
  }

  private unexpected(t: Token): SoqlError {
    return malformed(this.soql, t.pos, `unexpected token: '${t.text}'`);
  }

  parse(): ParsedQuery {
    this.expectKeyword('select');
    let count = false;
    const fields: FieldRef[] = [];
    if (this.isKeyword('count') && this.peek(1).text === '(') {
      this.next();
      this.expectPunct('(');
      this.expectPunct(')');
      count = true;
    } else {
      do {
        const t = this.next();
        if (t.kind !== 'ident' || (KEYWORDS.has(t.text.toLowerCase()) && t.text.toLowerCase() !== 'first')) {
          throw this.unexpected(t);
        }
        if (this.peek().text === '(') {
          throw malformed(this.soql, t.pos, `The emulator's SOQL subset does not support '${t.text}(...)'`);
        }
        fields.push({ path: t.text.split('.'), pos: t.pos });
      } while (this.peek().text === ',' && this.next());
    }
    const fromToken = this.expectKeyword('from') && this.next();
    if (fromToken.kind !== 'ident') throw this.unexpected(fromToken);
    const query: ParsedQuery = { count, fields, from: fromToken.text, fromPos: fromToken.pos, orderBy: [] };
    if (this.isKeyword('where')) {
      this.next();
      query.where = this.parseCondition();
    }
    if (this.isKeyword('with')) {
      this.next();
      const mode = this.next();
      if (!/^(security_enforced|user_mode|system_mode)$/i.test(mode.text)) throw this.unexpected(mode);
    }
    if (this.isKeyword('order')) {
      this.next();
      this.expectKeyword('by');
      do {
        const t = this.next();
        if (t.kind !== 'ident') throw this.unexpected(t);
        let desc = false;
        if (this.isKeyword('asc')) this.next();
        else if (this.isKeyword('desc')) {
          this.next();
          desc = true;
        }
        let nullsLast = desc;
        if (this.isKeyword('nulls')) {
          this.next();
          const which = this.next();
          if (!/^(first|last)$/i.test(which.text)) throw this.unexpected(which);
          nullsLast = which.text.toLowerCase() === 'last';
        }
        query.orderBy.push({ field: { path: t.text.split('.'), pos: t.pos }, desc, nullsLast });
      } while (this.peek().text === ',' && this.next());
    }
    if (this.isKeyword('limit')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'number') throw this.unexpected(t);
      query.limit = Number(t.value);
    }
    if (this.isKeyword('offset')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'number') throw this.unexpected(t);
      query.offset = Number(t.value);
    }
    const rest = this.peek();
    if (rest.kind !== 'eof') throw this.unexpected(rest);
    return query;
  }

  private parseCondition(): Condition {
    const first = this.parseUnary();
    const parts = [first];
    let joiner: 'and' | 'or' | undefined;
    while (this.isKeyword('and') || this.isKeyword('or')) {
      const t = this.next();
      const word = t.text.toLowerCase() as 'and' | 'or';
      // SOQL requires parentheses when AND and OR are mixed.
      if (joiner && joiner !== word) throw this.unexpected(t);
      joiner = word;
      parts.push(this.parseUnary());
    }
    return joiner ? { kind: joiner, parts } : first;
  }

  private parseUnary(): Condition {
    if (this.isKeyword('not')) {
      this.next();
      return { kind: 'not', part: this.parseUnary() };
    }
    if (this.peek().text === '(') {
      this.next();
      const inner = this.parseCondition();
      this.expectPunct(')');
      return inner;
    }
    const fieldToken = this.next();
    if (fieldToken.kind !== 'ident') throw this.unexpected(fieldToken);
    const field = { path: fieldToken.text.split('.'), pos: fieldToken.pos };
    let negate = false;
    if (this.isKeyword('not')) {
      this.next();
      negate = true;
    }
    if (this.isKeyword('in')) {
      this.next();
      this.expectPunct('(');
      const values: Literal[] = [];
      do values.push(this.parseLiteral());
      while (this.peek().text === ',' && this.next());
      this.expectPunct(')');
      return { kind: 'in', field, negate, values };
    }
    if (this.isKeyword('like')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'string') throw this.unexpected(t);
      return { kind: 'like', field, negate, pattern: String(t.value) };
    }
    if (negate) throw this.unexpected(this.peek());
    const op = this.next();
    if (op.kind !== 'op') throw this.unexpected(op);
    return { kind: 'cmp', field, op: op.text === '<>' ? '!=' : op.text, value: this.parseLiteral() };
  }

  private parseLiteral(): Literal {
    const t = this.next();
    if (t.kind === 'string' || t.kind === 'number') return t.value ?? null;
    if (t.kind === 'ident') {
      const word = t.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      if (/^\d{4}-\d{2}-\d{2}$/.test(t.text)) {
        const start = Date.parse(`${t.text}T00:00:00Z`);
        return { dateRange: [start, start + DAY] };
      }
      if (/^\d{4}-\d{2}-\d{2}T/.test(t.text)) return t.text;
      const range = dateLiteral(t.text);
      if (range) return { dateRange: range };
    }
    throw this.unexpected(t);
  }
}

const DAY = 86_400_000;

/** Date literals: TODAY, YESTERDAY, LAST_N_DAYS:n, N_DAYS_AGO:n (UTC days). */
function dateLiteral(text: string): [number, number] | undefined {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const [name, arg] = text.toUpperCase().split(':');
  const n = arg === undefined ? NaN : Number(arg);
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'LAST_N_DAYS':
      return Number.isFinite(n) ? [today - n * DAY, today + DAY] : undefined;
    case 'N_DAYS_AGO':
      return Number.isFinite(n) ? [today - n * DAY, today - (n - 1) * DAY] : undefined;
    default:
      return undefined;
  }
}

/** Parses SOQL (syntax only). */
export function parseSoql(soql: string): ParsedQuery {
  return new Parser(soql, tokenize(soql)).parse();
}

/** A field path resolved against the schema: relationship hops (canonical) and the final canonical field name. */
interface ResolvedField {
  hops: Array<{ name: string; field: string; to: string }>;
  field: string;
  type: string;
}

function resolveField(db: Database, soql: string, type: string, ref: FieldRef): ResolvedField {
  const hops: ResolvedField['hops'] = [];
  let current = type;
  for (let i = 0; i < ref.path.length - 1; i++) {
    const rel = db.relationship(current, ref.path[i]);
    if (!rel) {
      throw new SoqlError(
        'INVALID_FIELD',
        located(
          soql,
          ref.pos,
          `Didn't understand relationship '${ref.path[i]}' in field path. If you are attempting to use a custom ` +
            "relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL " +
            'or the describe call for the appropriate names.'
        )
      );
    }
    hops.push(rel);
    current = rel.to;
  }
  const last = ref.path[ref.path.length - 1];
  const field = db.fieldName(current, last);
  if (!field) {
    throw new SoqlError(
      'INVALID_FIELD',
      located(
        soql,
        ref.pos,
        `No such column '${last}' on entity '${db.schema(current)?.name ?? current}'. If you are attempting to use a ` +
          "custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the " +
          'describe call for the appropriate names.'
      )
    );
  }
  return { hops, field, type: current };
}

function valueOf(db: Database, record: SRecord, resolved: ResolvedField): unknown {
  let current: SRecord | undefined = record;
  for (const hop of resolved.hops) {
    const id: unknown = current[hop.field];
    current = typeof id === 'string' ? db.get(hop.to, id) : undefined;
    if (!current) return null;
  }
  return current[resolved.field] ?? null;
}

function asTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const t = Date.parse(value.replace(/\+0000$/, 'Z'));
  return Number.isNaN(t) ? undefined : t;
}

function compare(a: unknown, b: unknown): number {
  const ta = asTime(a);
  const tb = asTime(b);
  if (ta !== undefined && tb !== undefined) return ta - tb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), 'en', { sensitivity: 'base' });
}

function equals(a: unknown, b: Literal): boolean {
  if (b !== null && typeof b === 'object') {
    const t = asTime(a);
    return t !== undefined && t >= b.dateRange[0] && t < b.dateRange[1];
  }
  if (a === null || a === undefined || b === null) return (a ?? null) === b;
  if (typeof a === 'string' && typeof b === 'string') {
    // Ids compare by their 15-character form; text compares case-insensitively, like SOQL.
    return a.toLowerCase() === b.toLowerCase() || (a.length === 18 && b.length === 15 && a.startsWith(b));
  }
  return compare(a, b) === 0;
}

function likeToRegex(pattern: string): RegExp {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'i');
}

function evaluate(db: Database, soql: string, type: string, cond: Condition, record: SRecord): boolean {
  switch (cond.kind) {
    case 'and':
      return cond.parts.every((p) => evaluate(db, soql, type, p, record));
    case 'or':
      return cond.parts.some((p) => evaluate(db, soql, type, p, record));
    case 'not':
      return !evaluate(db, soql, type, cond.part, record);
    case 'in': {
      const value = valueOf(db, record, resolveField(db, soql, type, cond.field));
      const hit = cond.values.some((v) => equals(value, v));
      return cond.negate ? !hit : hit;
    }
    case 'like': {
      const value = valueOf(db, record, resolveField(db, soql, type, cond.field));
      const hit = typeof value === 'string' && likeToRegex(cond.pattern).test(value);
      return cond.negate ? !hit : hit;
    }
    case 'cmp': {
      const value = valueOf(db, record, resolveField(db, soql, type, cond.field));
      if (cond.op === '=') return equals(value, cond.value);
      if (cond.op === '!=') return !equals(value, cond.value);
      if (value === null || value === undefined || cond.value === null) return false;
      const target = typeof cond.value === 'object' ? cond.value.dateRange : undefined;
      const t = asTime(value);
      let c: number;
      if (target && t !== undefined) {
        if (cond.op === '<' || cond.op === '>=') c = t - target[0];
        else c = t < target[1] ? (t >= target[0] ? 0 : -1) : 1;
      } else c = compare(value, cond.value);
      switch (cond.op) {
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        default:
          return c >= 0;
      }
    }
  }
}

export interface QueryOutput {
  totalSize: number;
  records: Array<Record<string, unknown>>;
}

/**
 * Runs a query against the database and shapes records like the REST API: `attributes {type, url}` first, then
 * the selected fields in SELECT order, parent relationships as nested objects (or null).
 */
export function runSoql(db: Database, soql: string, apiVersion: string, sobjectsPath = 'sobjects'): QueryOutput {
  const query = parseSoql(soql);
  const schema = db.schema(query.from);
  if (!schema) {
    throw new SoqlError(
      'INVALID_TYPE',
      located(
        soql,
        query.fromPos,
        `sObject type '${query.from}' is not supported. If you are attempting to use a custom object, be sure to ` +
          "append the '__c' after the entity name. Please reference your WSDL or the describe call for the " +
          'appropriate names.'
      )
    );
  }
  const type = schema.name;
  const selected = query.fields.map((f) => resolveField(db, soql, type, f));
  const order = query.orderBy.map((o) => ({ ...o, resolved: resolveField(db, soql, type, o.field) }));
  let rows = db.all(type).filter((r) => !query.where || evaluate(db, soql, type, query.where, r));
  if (order.length > 0) {
    rows = [...rows].sort((a, b) => {
      for (const o of order) {
        const va = valueOf(db, a, o.resolved);
        const vb = valueOf(db, b, o.resolved);
        if (va === vb) continue;
        if (va === null) return o.nullsLast ? 1 : -1;
        if (vb === null) return o.nullsLast ? -1 : 1;
        const c = compare(va, vb);
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  if (query.offset) rows = rows.slice(query.offset);
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  if (query.count) return { totalSize: rows.length, records: [] };
  const url = (t: string, id: string): string => `/services/data/v${apiVersion}/${sobjectsPath}/${t}/${id}`;
  const records = rows.map((row) => {
    const out: Record<string, unknown> = { attributes: { type, url: url(type, row.Id) } };
    for (const resolved of selected) {
      if (resolved.hops.length === 0) {
        out[resolved.field] = row[resolved.field] ?? null;
        continue;
      }
      let target = out;
      let source: SRecord | undefined = row;
      for (const [index, hop] of resolved.hops.entries()) {
        const id: unknown = source?.[hop.field];
        source = typeof id === 'string' ? db.get(hop.to, id) : undefined;
        if (!source) {
          if (!(hop.name in target)) target[hop.name] = null;
          break;
        }
        let nested = target[hop.name] as Record<string, unknown> | null | undefined;
        if (!nested) {
          nested = { attributes: { type: hop.to, url: url(hop.to, source.Id) } };
          target[hop.name] = nested;
        }
        target = nested;
        if (index === resolved.hops.length - 1) target[resolved.field] = source[resolved.field] ?? null;
      }
    }
    return out;
  });
  return { totalSize: records.length, records };
}
