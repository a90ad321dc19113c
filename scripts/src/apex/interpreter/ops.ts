/**
 * Operations on Apex values that do not need the class model: numeric promotion and arithmetic with the platform's
 * overflow and division rules, rendering as String.valueOf does, and the default ordering of List.sort.
 *
 * Apex Developer Guide, "Primitive Data Types" and "Expression Operators": numbers form the hierarchy
 * Integer → Long → Double → Decimal; an expression's type is the highest of its operands. Integer arithmetic is
 * 32-bit two's complement and Long 64-bit (overflow wraps silently); integer division truncates toward zero; any
 * division by zero throws System.MathException "Divide by 0".
 */
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
  ApexSet,
  ApexSObject,
  ApexTime,
  ApexTypeToken,
  Decimal,
  NativeObject,
  typeToString,
  Value
} from '../values';

/** 1 Integer, 2 Long, 3 Double, 4 Decimal; 0 = not a number. */
export function numRank(v: Value): number {
  if (typeof v === 'number') return 1;
  if (v instanceof ApexLong) return 2;
  if (v instanceof ApexDouble) return 3;
  if (v instanceof ApexDecimal) return 4;
  return 0;
}

export const isNumber = (v: Value): boolean => numRank(v) > 0;

export function toBig(v: Value): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (v instanceof ApexLong) return v.v;
  if (v instanceof ApexDouble) return BigInt(Math.trunc(v.v));
  if (v instanceof ApexDecimal) return BigInt(v.v.trunc().toFixed());
  throw new Error('not a number');
}

export function toNum(v: Value): number {
  if (typeof v === 'number') return v;
  if (v instanceof ApexLong) return Number(v.v);
  if (v instanceof ApexDouble) return v.v;
  if (v instanceof ApexDecimal) return v.v.toNumber();
  throw new Error('not a number');
}

export function toDec(v: Value): Decimal {
  if (typeof v === 'number') return new Decimal(v);
  if (v instanceof ApexLong) return new Decimal(v.v.toString());
  if (v instanceof ApexDouble) return new Decimal(v.v);
  if (v instanceof ApexDecimal) return v.v;
  throw new Error('not a number');
}

/** Converts a number to the given rank (widening only). */
export function widen(v: Value, rank: number): Value {
  switch (rank) {
    case 1:
      return v;
    case 2:
      return new ApexLong(toBig(v));
    case 3:
      return new ApexDouble(toNum(v));
    default:
      return new ApexDecimal(toDec(v));
  }
}

export type ArithOp = '+' | '-' | '*' | '/';

/** Numeric arithmetic; `divByZero` is called for a zero divisor (it throws the Apex MathException). */
export function arith(op: ArithOp, a: Value, b: Value, divByZero: () => never): Value {
  const rank = Math.max(numRank(a), numRank(b));
  if (rank === 1) {
    const x = a as number;
    const y = b as number;
    switch (op) {
      case '+':
        return (x + y) | 0;
      case '-':
        return (x - y) | 0;
      case '*':
        return Math.imul(x, y);
      default:
        if (y === 0) divByZero();
        return Math.trunc(x / y) | 0;
    }
  }
  if (rank === 2) {
    const x = toBig(a);
    const y = toBig(b);
    switch (op) {
      case '+':
        return new ApexLong(BigInt.asIntN(64, x + y));
      case '-':
        return new ApexLong(BigInt.asIntN(64, x - y));
      case '*':
        return new ApexLong(BigInt.asIntN(64, x * y));
      default:
        if (y === 0n) divByZero();
        return new ApexLong(BigInt.asIntN(64, x / y));
    }
  }
  if (rank === 3) {
    const x = toNum(a);
    const y = toNum(b);
    switch (op) {
      case '+':
        return new ApexDouble(x + y);
      case '-':
        return new ApexDouble(x - y);
      case '*':
        return new ApexDouble(x * y);
      default:
        if (y === 0) divByZero();
        return new ApexDouble(x / y);
    }
  }
  const x = toDec(a);
  const y = toDec(b);
  switch (op) {
    case '+':
      return new ApexDecimal(x.plus(y));
    case '-':
      return new ApexDecimal(x.minus(y));
    case '*':
      return new ApexDecimal(x.times(y));
    default:
      if (y.isZero()) divByZero();
      return new ApexDecimal(x.div(y));
  }
}

export function negate(v: Value): Value {
  if (typeof v === 'number') return -v | 0;
  if (v instanceof ApexLong) return new ApexLong(BigInt.asIntN(64, -v.v));
  if (v instanceof ApexDouble) return new ApexDouble(-v.v);
  if (v instanceof ApexDecimal) return new ApexDecimal(v.v.neg());
  throw new Error('not a number');
}

/** Numeric comparison across the hierarchy: -1, 0, 1. */
export function numCompare(a: Value, b: Value): number {
  const rank = Math.max(numRank(a), numRank(b));
  if (rank <= 1) return Math.sign((a as number) - (b as number));
  if (rank === 2) {
    const x = toBig(a);
    const y = toBig(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (rank === 3) return Math.sign(toNum(a) - toNum(b));
  return toDec(a).comparedTo(toDec(b));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function dateText(d: ApexDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** `yyyy-MM-dd HH:mm:ss` of an instant in GMT (how a Datetime renders in string concatenation and debug). */
export function datetimeGmtText(d: ApexDatetime): string {
  const t = new Date(d.ms);
  return (
    `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`
  );
}

export function timeText(t: ApexTime): string {
  const ms = t.ms;
  return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}Z`;
}

/** Java's Double.toString, which Apex uses for Double values: '1.0', '0.1', '1.0E10', '1.0E-5'. */
export function doubleText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') || s.includes('e') ? s : `${s}.0`;
  }
  const [mantissa, exp] = x.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

/** A Decimal as Apex prints it: plain notation, never an exponent. */
export function decimalText(d: Decimal): string {
  return d.toFixed();
}

/**
 * Renders a value as String.valueOf and concatenation do; `objectText` renders user class instances and
 * exceptions (it may call a user-defined toString).
 */
export function renderValue(v: Value, objectText: (v: Value) => string): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (v instanceof ApexLong) return v.v.toString();
  if (v instanceof ApexDouble) return doubleText(v.v);
  if (v instanceof ApexDecimal) return decimalText(v.v);
  if (v instanceof ApexDate) return dateText(v);
  if (v instanceof ApexDatetime) return datetimeGmtText(v);
  if (v instanceof ApexTime) return timeText(v);
  if (v instanceof ApexBlob) return `Blob[${v.bytes.length}]`;
  if (v instanceof ApexEnumValue) return v.name;
  if (v instanceof ApexTypeToken) return typeToString(v.type);
  const inner = (x: Value): string => renderValue(x, objectText);
  if (v instanceof ApexList) return `(${v.items.map(inner).join(', ')})`;
  if (v instanceof ApexSet) return `{${[...v.entries.values()].map(inner).join(', ')}}`;
  if (v instanceof ApexMap) return `{${[...v.entries.values()].map(([k, x]) => `${inner(k)}=${inner(x)}`).join(', ')}}`;
  if (v instanceof ApexSObject) {
    const parts = [...v.fields.values()]
      .filter((f) => !(f.value instanceof ApexList))
      .map((f) => `${f.name}=${f.value instanceof ApexSObject ? inner(f.value) : inner(f.value)}`);
    return `${v.type}:{${parts.join(', ')}}`;
  }
  if (v instanceof NativeObject) return objectText(v);
  return objectText(v);
}
