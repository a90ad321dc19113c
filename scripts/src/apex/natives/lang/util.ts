/**
 * Shared helpers of the language natives: argument checks, number conversions and value construction.
 * Nothing here knows any product class.
 */
import { NativeFn, Runtime, UnsupportedError } from '../../runtime';
import {
  ApexDecimal,
  ApexDouble,
  ApexList,
  ApexLong,
  ApexMap,
  ApexSet,
  Decimal,
  TypeRef,
  Value,
  typeRef
} from '../../values';

export type Fns = Record<string, NativeFn>;

export const T = {
  String: typeRef('String'),
  Integer: typeRef('Integer'),
  Long: typeRef('Long'),
  Decimal: typeRef('Decimal'),
  Double: typeRef('Double'),
  Boolean: typeRef('Boolean'),
  Object: typeRef('Object'),
  Id: typeRef('Id'),
  Date: typeRef('Date'),
  Datetime: typeRef('Datetime'),
  Time: typeRef('Time'),
  Blob: typeRef('Blob')
};

/** Throws UnsupportedError naming a signature the native does not handle. */
export function unsupported(rt: Runtime, what: string): never {
  throw new UnsupportedError(what, rt.currentPos());
}

/** System.NullPointerException as the platform raises for a null argument. */
export function npe(rt: Runtime, message = 'Argument cannot be null.'): never {
  rt.throwApex('System.NullPointerException', message);
}

export function arity(rt: Runtime, sig: string, args: Value[], ...allowed: number[]): void {
  if (!allowed.includes(args.length)) unsupported(rt, `${sig} with ${args.length} argument(s)`);
}

/** A String (or Id) argument; null rejected with System.NullPointerException. */
export function str(rt: Runtime, v: Value): string {
  if (v === null || v === undefined) npe(rt);
  if (typeof v !== 'string') unsupported(rt, `a String argument of type ${rt.typeOf(v).name}`);
  return v;
}

/** A String argument that may be null. */
export function strOrNull(rt: Runtime, v: Value): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') unsupported(rt, `a String argument of type ${rt.typeOf(v).name}`);
  return v;
}

export function bool(rt: Runtime, v: Value): boolean {
  if (v === null || v === undefined) npe(rt);
  if (typeof v !== 'boolean') unsupported(rt, `a Boolean argument of type ${rt.typeOf(v).name}`);
  return v;
}

/** An Integer argument (Integer values are JS numbers). Long arguments are narrowed as Apex does on a cast. */
export function int(rt: Runtime, v: Value): number {
  if (v === null || v === undefined) npe(rt);
  if (typeof v === 'number') return v | 0;
  if (v instanceof ApexLong) return Number(BigInt.asIntN(32, v.v));
  unsupported(rt, `an Integer argument of type ${rt.typeOf(v).name}`);
}

export const isNumeric = (v: Value): boolean =>
  typeof v === 'number' || v instanceof ApexLong || v instanceof ApexDouble || v instanceof ApexDecimal;

/** Any numeric value as a Decimal (exact for Integer, Long and Decimal; Double through its shortest text). */
export function toDecimal(rt: Runtime, v: Value): Decimal {
  if (v === null || v === undefined) npe(rt);
  if (typeof v === 'number') return new Decimal(v);
  if (v instanceof ApexLong) return new Decimal(v.v.toString());
  if (v instanceof ApexDecimal) return v.v;
  if (v instanceof ApexDouble) {
    if (!Number.isFinite(v.v)) rt.throwApex('System.MathException', `Cannot convert ${v.v} to Decimal`);
    return new Decimal(v.v);
  }
  unsupported(rt, `a numeric argument of type ${rt.typeOf(v).name}`);
}

/** Any numeric value as a JS double. */
export function toDouble(rt: Runtime, v: Value): number {
  if (v === null || v === undefined) npe(rt);
  if (typeof v === 'number') return v;
  if (v instanceof ApexLong) return Number(v.v);
  if (v instanceof ApexDecimal) return v.v.toNumber();
  if (v instanceof ApexDouble) return v.v;
  unsupported(rt, `a numeric argument of type ${rt.typeOf(v).name}`);
}

/** Any integral value as a bigint (Integer or Long). */
export function toBig(rt: Runtime, v: Value): bigint {
  if (v === null || v === undefined) npe(rt);
  if (typeof v === 'number') return BigInt(v | 0);
  if (v instanceof ApexLong) return v.v;
  unsupported(rt, `an Integer or Long argument of type ${rt.typeOf(v).name}`);
}

export const wrap32 = (n: number): number => n | 0;
export const long = (b: bigint): ApexLong => new ApexLong(BigInt.asIntN(64, b));
export const dec = (d: Decimal): ApexDecimal => new ApexDecimal(d);
export const dbl = (n: number): ApexDouble => new ApexDouble(n);

/** Truncates a Decimal toward zero to a bigint. */
export function truncBig(d: Decimal): bigint {
  return BigInt(d.trunc().toFixed(0));
}

export function list(elemType: TypeRef, items: Value[]): ApexList {
  return new ApexList(elemType, items);
}

export function strList(items: string[]): ApexList {
  return new ApexList(T.String, items);
}

/** Reads a List<Object> (or Set) argument as an array. */
export function items(rt: Runtime, v: Value): Value[] {
  if (v === null || v === undefined) npe(rt);
  if (v instanceof ApexList) return v.items;
  if (v instanceof ApexSet) return [...v.entries.values()];
  unsupported(rt, `a List argument of type ${rt.typeOf(v).name}`);
}

export function newSet(rt: Runtime, elemType: TypeRef, values: Iterable<Value>): ApexSet {
  const s = new ApexSet(elemType);
  for (const v of values) {
    const k = rt.key(v);
    if (!s.entries.has(k)) s.entries.set(k, v);
  }
  return s;
}

export function newMap(keyType: TypeRef, valueType: TypeRef): ApexMap {
  return new ApexMap(keyType, valueType);
}

/** Lower-cases the keys of a method table so that registration stays readable. */
export function lowerKeys<V>(table: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(table)) out[k.toLowerCase()] = v;
  return out;
}
