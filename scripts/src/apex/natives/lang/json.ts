/**
 * JSON (Apex Reference, "JSON Class"): serialize / serializePretty (Apex objects by their declared fields, SObjects
 * with their "attributes", Dates as yyyy-MM-dd, Datetimes as ISO-8601 GMT with milliseconds, Blobs as base64),
 * deserializeUntyped (objects → Map<String, Object>, arrays → List<Object>, integral numbers → Integer or Long,
 * others → Decimal) and typed deserialize / deserializeStrict (strict refuses unknown properties).
 */
import { NativeClass, NativeRegistry, Runtime } from '../../runtime';
import {
  ApexBlob,
  ApexDate,
  ApexDatetime,
  ApexDecimal,
  ApexDouble,
  ApexEnumValue,
  ApexList,
  ApexLong,
  ApexMap,
  ApexObject,
  ApexSet,
  ApexSObject,
  ApexTime,
  ApexTypeToken,
  Decimal,
  NativeObject,
  TypeRef,
  typeRef,
  Value
} from '../../values';
import { Fns, lowerKeys, str, unsupported } from './util';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function isoGmt(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

/** Converts a value to a plain JSON tree; numbers are kept as raw text so Decimals and Longs stay exact. */
type Tree = null | boolean | string | { raw: string } | Tree[] | Map<string, Tree>;

function toTree(rt: Runtime, v: Value, suppressNulls: boolean, seen: Set<object>): Tree {
  if (v === null) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return { raw: String(v) };
  if (v instanceof ApexLong) return { raw: v.v.toString() };
  if (v instanceof ApexDecimal) return { raw: v.v.toFixed() };
  if (v instanceof ApexDouble) return { raw: Number.isInteger(v.v) ? `${v.v}.0` : String(v.v) };
  if (v instanceof ApexDate) return `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}`;
  if (v instanceof ApexDatetime) return isoGmt(v.ms);
  if (v instanceof ApexTime) return rt.stringify(v);
  if (v instanceof ApexBlob) return v.bytes.toString('base64');
  if (v instanceof ApexEnumValue) return v.name;
  if (v instanceof ApexTypeToken) return unsupported(rt, 'JSON.serialize of a Type');
  if (seen.has(v)) rt.throwApex('System.JSONException', 'Cyclic reference detected');
  seen.add(v);
  try {
    if (v instanceof ApexList) return v.items.map((x) => toTree(rt, x, suppressNulls, seen));
    if (v instanceof ApexSet) return [...v.entries.values()].map((x) => toTree(rt, x, suppressNulls, seen));
    if (v instanceof ApexMap) {
      const m = new Map<string, Tree>();
      for (const [, [k, x]] of v.entries)
        m.set(k === null ? 'null' : rt.stringify(k), toTree(rt, x, suppressNulls, seen));
      return m;
    }
    if (v instanceof ApexSObject) {
      const m = new Map<string, Tree>();
      const attrs = new Map<string, Tree>([['type', v.type]]);
      const id = v.get('Id');
      if (typeof id === 'string') attrs.set('url', `/services/data/v66.0/sobjects/${v.type}/${id}`);
      m.set('attributes', attrs);
      for (const f of v.fields.values()) {
        if (f.value instanceof ApexList) {
          const rows = f.value.items.map((x) => toTree(rt, x, suppressNulls, seen));
          m.set(
            f.name,
            new Map<string, Tree>([
              ['totalSize', { raw: String(rows.length) }],
              ['done', true],
              ['records', rows]
            ])
          );
        } else m.set(f.name, toTree(rt, f.value, suppressNulls, seen));
      }
      return m;
    }
    if (v instanceof ApexObject) {
      const m = new Map<string, Tree>();
      for (const f of rt.instanceFields(typeRef(v.cls.name))) {
        const x = rt.getField(v, f.name);
        if (x === null && suppressNulls) continue;
        m.set(f.name, toTree(rt, x, suppressNulls, seen));
      }
      return m;
    }
    if (v instanceof NativeObject) return unsupported(rt, `JSON.serialize of ${v.typeName}`);
  } finally {
    seen.delete(v);
  }
  return unsupported(rt, 'JSON.serialize of this value');
}

function write(t: Tree, pretty: boolean, indent: string): string {
  if (t === null) return 'null';
  if (typeof t === 'boolean') return String(t);
  if (typeof t === 'string') return JSON.stringify(t);
  if (Array.isArray(t)) {
    if (!t.length) return '[ ]'.replace(' ', pretty ? ' ' : '');
    if (!pretty) return `[${t.map((x) => write(x, false, '')).join(',')}]`;
    const inner = indent + '  ';
    return `[ ${t.map((x) => write(x, true, inner)).join(', ')} ]`;
  }
  if (t instanceof Map) {
    if (!pretty) return `{${[...t].map(([k, x]) => `${JSON.stringify(k)}:${write(x, false, '')}`).join(',')}}`;
    if (!t.size) return '{ }';
    const inner = indent + '  ';
    return `{\n${[...t].map(([k, x]) => `${inner}${JSON.stringify(k)} : ${write(x, true, inner)}`).join(',\n')}\n${indent}}`;
  }
  return t.raw;
}

// ---------------------------------------------------------------- parsing

/** A JSON parser that keeps numbers as text (exact Decimals and Longs) and reports the platform-like error. */
class Reader {
  i = 0;
  constructor(
    readonly rt: Runtime,
    readonly s: string
  ) {}
  fail(): never {
    const near = this.s.slice(this.i, this.i + 20);
    this.rt.throwApex(
      'System.JSONException',
      `Unexpected character ('${near.charAt(0) || 'EOF'}') at input location [line: 1, column: ${this.i + 1}]`
    );
  }
  ws(): void {
    while (/\s/.test(this.s.charAt(this.i))) this.i++;
  }
  value(): Tree {
    this.ws();
    const c = this.s.charAt(this.i);
    if (c === '{') {
      this.i++;
      const m = new Map<string, Tree>();
      this.ws();
      if (this.s.charAt(this.i) === '}') {
        this.i++;
        return m;
      }
      for (;;) {
        this.ws();
        if (this.s.charAt(this.i) !== '"') this.fail();
        const k = this.string();
        this.ws();
        if (this.s.charAt(this.i++) !== ':') this.fail();
        m.set(k, this.value());
        this.ws();
        const d = this.s.charAt(this.i++);
        if (d === '}') return m;
        if (d !== ',') this.fail();
      }
    }
    if (c === '[') {
      this.i++;
      const a: Tree[] = [];
      this.ws();
      if (this.s.charAt(this.i) === ']') {
        this.i++;
        return a;
      }
      for (;;) {
        a.push(this.value());
        this.ws();
        const d = this.s.charAt(this.i++);
        if (d === ']') return a;
        if (d !== ',') this.fail();
      }
    }
    if (c === '"') return this.string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null]
    ] as Array<[string, Tree]>) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail();
    this.i += m[0].length;
    return { raw: m[0] };
  }
  string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length && this.s.charAt(this.i) !== '"') this.i += this.s.charAt(this.i) === '\\' ? 2 : 1;
    if (this.i >= this.s.length) this.fail();
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
  document(): Tree {
    const t = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail();
    return t;
  }
}

const OBJECT = typeRef('Object');
const STRING = typeRef('String');

function numberOf(raw: string): Value {
  if (/^-?\d+$/.test(raw)) {
    const n = BigInt(raw);
    return n >= -(2n ** 31n) && n < 2n ** 31n ? Number(n) : new ApexLong(n);
  }
  return new ApexDecimal(new Decimal(raw));
}

function untyped(t: Tree): Value {
  if (t === null || typeof t === 'boolean' || typeof t === 'string') return t;
  if (Array.isArray(t)) return new ApexList(OBJECT, t.map(untyped));
  if (t instanceof Map) {
    const m = new ApexMap(STRING, OBJECT);
    for (const [k, x] of t) m.entries.set(`s:${k}`, [k, untyped(x)]);
    return m;
  }
  return numberOf(t.raw);
}

function typed(rt: Runtime, t: Tree, type: TypeRef, strict: boolean): Value {
  if (t === null) return null;
  const name = type.name;
  const bad = (): never => rt.throwApex('System.JSONException', `Cannot deserialize ${describe(t)} into type ${name}`);
  switch (name) {
    case 'Object':
      return untyped(t);
    case 'String':
    case 'Id':
      if (typeof t !== 'string') {
        if (t instanceof Map || Array.isArray(t)) bad();
        return typeof t === 'boolean' ? String(t) : (t as { raw: string }).raw;
      }
      return name === 'Id' ? rt.coerce(t, type) : t;
    case 'Boolean':
      if (typeof t === 'boolean') return t;
      if (typeof t === 'string') return t.toLowerCase() === 'true';
      return bad();
    case 'Integer':
    case 'Long':
    case 'Decimal':
    case 'Double': {
      const raw =
        typeof t === 'string' ? t : t instanceof Map || Array.isArray(t) || typeof t === 'boolean' ? bad() : t.raw;
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) bad();
      const d = new Decimal(raw);
      if (name === 'Integer') return d.trunc().toNumber() | 0;
      if (name === 'Long') return new ApexLong(BigInt(d.trunc().toFixed(0)));
      if (name === 'Double') return new ApexDouble(d.toNumber());
      return new ApexDecimal(d);
    }
    case 'Date': {
      if (typeof t !== 'string') return bad();
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
      if (!m) bad();
      return new ApexDate(Number(m![1]), Number(m![2]), Number(m![3]));
    }
    case 'Datetime': {
      if (typeof t !== 'string') return bad();
      const ms = Date.parse(t);
      if (Number.isNaN(ms)) bad();
      return new ApexDatetime(ms);
    }
    case 'Blob':
      return typeof t === 'string' ? new ApexBlob(Buffer.from(t, 'base64')) : bad();
    case 'List':
    case 'Set': {
      if (!Array.isArray(t)) return bad();
      const elem = type.args[0] ?? OBJECT;
      const values = t.map((x) => typed(rt, x, elem, strict));
      if (name === 'List') return new ApexList(elem, values);
      const s = new ApexSet(elem);
      for (const v of values) s.entries.set(rt.key(v), v);
      return s;
    }
    case 'Map': {
      if (!(t instanceof Map)) return bad();
      const kt = type.args[0] ?? STRING;
      const vt = type.args[1] ?? OBJECT;
      const m = new ApexMap(kt, vt);
      for (const [k, x] of t) {
        const key = typed(rt, k, kt, strict);
        m.entries.set(rt.key(key), [key, typed(rt, x, vt, strict)]);
      }
      return m;
    }
    default:
      break;
  }
  if (rt.isUserClass(type)) {
    if (!(t instanceof Map)) return bad();
    const obj = rt.newInstance(type, []);
    const fields = rt.instanceFields(type);
    for (const [k, x] of t) {
      const f = fields.find((d) => d.name.toLowerCase() === k.toLowerCase());
      if (!f) {
        if (strict) rt.throwApex('System.JSONException', `No such column '${k}' on object of type ${name}`);
        continue;
      }
      rt.setField(obj, f.name, typed(rt, x, f.type, strict));
    }
    return obj;
  }
  const object = rt.org.objectName(name) ?? (name === 'SObject' && t instanceof Map ? attributesType(t) : undefined);
  if (object) {
    if (!(t instanceof Map)) return bad();
    const rec = rt.org.newSObject(rt, object, []);
    for (const [k, x] of t) {
      if (k === 'attributes') continue;
      const fieldType = rt.org.fieldType(object, k);
      if (!fieldType) {
        // A child relationship: {"totalSize":..,"done":..,"records":[...]}.
        const rows = x instanceof Map ? x.get('records') : undefined;
        if (!Array.isArray(rows))
          rt.throwApex('System.JSONException', `No such column '${k}' on sobject of type ${object}`);
        const children = rows.map((r) => typed(rt, r, typeRef('SObject'), strict));
        rt.org.setField(rt, rec, k, new ApexList(typeRef('SObject'), children), { unchecked: true });
        continue;
      }
      // JSON.deserialize sets read-only fields too (CreatedDate, formula fields): the documented way to build them.
      const raw = fieldType.name === 'List' && x instanceof Map ? (x.get('records') ?? []) : x;
      rt.org.setField(rt, rec, k, typed(rt, raw, fieldType, strict), { unchecked: true });
    }
    return rec;
  }
  const e = rt.natives.find(name);
  if (e?.kind === 'enum' && typeof t === 'string') {
    const i = (e.enumValues ?? []).indexOf(t);
    return i < 0 ? null : new ApexEnumValue(name, t, i);
  }
  return unsupported(rt, `JSON.deserialize into ${name}`);
}

function attributesType(t: Map<string, Tree>): string | undefined {
  const a = t.get('attributes');
  return a instanceof Map && typeof a.get('type') === 'string' ? (a.get('type') as string) : undefined;
}

function describe(t: Tree): string {
  if (t instanceof Map) return 'an object';
  if (Array.isArray(t)) return 'an array';
  if (typeof t === 'string') return 'a string';
  if (typeof t === 'boolean') return 'a boolean';
  return 'a number';
}

function typeArg(rt: Runtime, v: Value): TypeRef {
  if (!(v instanceof ApexTypeToken)) unsupported(rt, 'JSON.deserialize with a non-Type argument');
  return v.type;
}

const statics: Fns = {
  serialize: (rt, [v, suppress]) => write(toTree(rt, v, suppress === true, new Set()), false, ''),
  serializePretty: (rt, [v, suppress]) => write(toTree(rt, v, suppress === true, new Set()), true, ''),
  deserializeUntyped: (rt, [s]) => untyped(new Reader(rt, str(rt, s)).document()),
  deserialize: (rt, [s, t]) => typed(rt, new Reader(rt, str(rt, s)).document(), typeArg(rt, t), false),
  deserializeStrict: (rt, [s, t]) => typed(rt, new Reader(rt, str(rt, s)).document(), typeArg(rt, t), true)
};

export const jsonClass: NativeClass = { name: 'JSON', namespace: 'System', kind: 'class', statics: lowerKeys(statics) };

export function registerJson(registry: NativeRegistry): void {
  registry.register(jsonClass);
}
