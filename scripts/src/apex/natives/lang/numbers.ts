/**
 * Integer, Long, Double, Decimal, Boolean and Math (Apex Reference). Integer.valueOf('x') raises
 * System.TypeException "Invalid integer: x"; Decimal.valueOf('x') "Invalid decimal: x".
 */
import { NativeClass, Runtime } from '../../runtime';
import { ApexDecimal, ApexDouble, ApexLong, Decimal, Value } from '../../values';
import {
  dbl,
  dec,
  Fns,
  int,
  isNumeric,
  long,
  lowerKeys,
  str,
  toBig,
  toDecimal,
  toDouble,
  truncBig,
  unsupported
} from './util';

const ROUNDING: Record<string, Decimal.Rounding> = {
  UP: Decimal.ROUND_UP,
  DOWN: Decimal.ROUND_DOWN,
  CEILING: Decimal.ROUND_CEIL,
  FLOOR: Decimal.ROUND_FLOOR,
  HALF_UP: Decimal.ROUND_HALF_UP,
  HALF_DOWN: Decimal.ROUND_HALF_DOWN,
  HALF_EVEN: Decimal.ROUND_HALF_EVEN
};

function roundingOf(rt: Runtime, v: Value | undefined): Decimal.Rounding {
  if (v === undefined) return Decimal.ROUND_HALF_UP;
  const name = (v as { name?: string } | null)?.name;
  const mode = name ? ROUNDING[name] : undefined;
  if (mode === undefined) unsupported(rt, `RoundingMode ${name ?? 'null'}`);
  return mode;
}

function parseInteger(rt: Runtime, v: Value, kind: 'integer' | 'long'): bigint {
  if (isNumeric(v)) return truncBig(toDecimal(rt, v));
  const text = str(rt, v).trim();
  if (!/^[-+]?\d+$/.test(text)) rt.throwApex('System.TypeException', `Invalid ${kind}: ${str(rt, v)}`);
  const n = BigInt(text);
  const [min, max] = kind === 'integer' ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
  if (n < min || n > max) rt.throwApex('System.TypeException', `Invalid ${kind}: ${text}`);
  return n;
}

function parseDecimal(rt: Runtime, v: Value): Decimal {
  if (isNumeric(v)) return toDecimal(rt, v);
  const text = str(rt, v).trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    rt.throwApex('System.TypeException', `Invalid decimal: ${str(rt, v)}`);
  return new Decimal(text);
}

const groupThousands = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function formatNumber(d: Decimal, maxFraction: number): string {
  const neg = d.isNegative() && !d.isZero();
  const fixed = d.abs().toDecimalPlaces(maxFraction, Decimal.ROUND_HALF_EVEN).toFixed();
  const [whole, frac] = fixed.split('.');
  return `${neg ? '-' : ''}${groupThousands(whole)}${frac ? `.${frac}` : ''}`;
}

const numberMethods = (kind: 'Integer' | 'Long' | 'Double' | 'Decimal'): Fns => ({
  intValue: (rt, _a, s) => Number(BigInt.asIntN(32, truncBig(toDecimal(rt, s)))),
  longValue: (rt, _a, s) => long(truncBig(toDecimal(rt, s))),
  doubleValue: (rt, _a, s) => dbl(toDouble(rt, s)),
  decimalValue: (rt, _a, s) => dec(toDecimal(rt, s)),
  format: (rt, _a, s) => formatNumber(toDecimal(rt, s), kind === 'Integer' || kind === 'Long' ? 0 : 3),
  equals: (rt, [o], s) => o !== null && isNumeric(o) && toDecimal(rt, o).eq(toDecimal(rt, s)),
  hashCode: (rt, _a, s) => Number(BigInt.asIntN(32, truncBig(toDecimal(rt, s)))),
  toString: (rt: Runtime, _a: Value[], s: Value) => rt.stringify(s)
});

const decimalMethods: Fns = {
  ...numberMethods('Decimal'),
  setScale: (rt, [scale, mode], s) => dec(toDecimal(rt, s).toDecimalPlaces(int(rt, scale), roundingOf(rt, mode))),
  round: (rt, [mode], s) =>
    long(
      BigInt(
        toDecimal(rt, s)
          .toDecimalPlaces(0, roundingOf(rt, mode ?? ({ name: 'HALF_EVEN' } as Value)))
          .toFixed(0)
      )
    ),
  scale: (rt, _a, s) => Math.max(0, toDecimal(rt, s).decimalPlaces()),
  precision: (rt, _a, s) => toDecimal(rt, s).precision(true),
  abs: (rt, _a, s) => dec(toDecimal(rt, s).abs()),
  divide: (rt, [d, scale, mode], s) => {
    const divisor = toDecimal(rt, d);
    if (divisor.isZero()) rt.throwApex('System.MathException', 'Divide by 0');
    const q = toDecimal(rt, s).div(divisor);
    return dec(scale === undefined ? q : q.toDecimalPlaces(int(rt, scale), roundingOf(rt, mode)));
  },
  pow: (rt, [n], s) => dec(toDecimal(rt, s).pow(int(rt, n))),
  stripTrailingZeros: (rt, _a, s) => dec(new Decimal(toDecimal(rt, s).toString())),
  toPlainString: (rt, _a, s) => toDecimal(rt, s).toFixed()
};

const valueOfDecimal = (rt: Runtime, [v]: Value[]): Value => (v === null ? null : dec(parseDecimal(rt, v)));

const mathArg = (rt: Runtime, v: Value): number => toDouble(rt, v);
/** Math on the widest operand type, as the Math class overloads do. */
function same(rt: Runtime, a: Value, b: Value, f: (x: Decimal, y: Decimal) => Decimal): Value {
  const r = f(toDecimal(rt, a), toDecimal(rt, b));
  if (a instanceof ApexDecimal || b instanceof ApexDecimal) return dec(r);
  if (a instanceof ApexDouble || b instanceof ApexDouble) return dbl(r.toNumber());
  if (a instanceof ApexLong || b instanceof ApexLong) return long(truncBig(r));
  return r.toNumber() | 0;
}

const mathStatics: Fns = {
  min: (rt, [a, b]) => same(rt, a, b, (x, y) => Decimal.min(x, y)),
  max: (rt, [a, b]) => same(rt, a, b, (x, y) => Decimal.max(x, y)),
  mod: (rt, [a, b]) => {
    const y = toBig(rt, b);
    if (y === 0n) rt.throwApex('System.MathException', 'Divide by 0');
    const r = toBig(rt, a) % y;
    return a instanceof ApexLong || b instanceof ApexLong ? long(r) : Number(r);
  },
  abs: (rt, [a]) => {
    if (typeof a === 'number') return Math.abs(a) | 0;
    if (a instanceof ApexLong) return long(a.v < 0n ? -a.v : a.v);
    if (a instanceof ApexDecimal) return dec(a.v.abs());
    return dbl(Math.abs(mathArg(rt, a)));
  },
  floor: (rt, [a]) => (a instanceof ApexDecimal ? dec(a.v.floor()) : dbl(Math.floor(mathArg(rt, a)))),
  ceil: (rt, [a]) => (a instanceof ApexDecimal ? dec(a.v.ceil()) : dbl(Math.ceil(mathArg(rt, a)))),
  round: (rt, [a]) => Number(toDecimal(rt, a).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0)) | 0,
  roundToLong: (rt, [a]) => long(BigInt(toDecimal(rt, a).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0))),
  pow: (rt, [a, b]) => dbl(Math.pow(mathArg(rt, a), mathArg(rt, b))),
  sqrt: (rt, [a]) => dbl(Math.sqrt(mathArg(rt, a))),
  exp: (rt, [a]) => dbl(Math.exp(mathArg(rt, a))),
  log: (rt, [a]) => dbl(Math.log(mathArg(rt, a))),
  log10: (rt, [a]) => dbl(Math.log10(mathArg(rt, a))),
  random: () => dbl(Math.random()),
  signum: (rt, [a]) => dbl(Math.sign(mathArg(rt, a)))
};

export const numberClasses: NativeClass[] = [
  {
    name: 'Integer',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys({
      valueOf: (rt: Runtime, [v]: Value[]) => (v === null ? null : Number(parseInteger(rt, v, 'integer')))
    }),
    methods: lowerKeys(numberMethods('Integer'))
  },
  {
    name: 'Long',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys({
      valueOf: (rt: Runtime, [v]: Value[]) => (v === null ? null : long(parseInteger(rt, v, 'long')))
    }),
    methods: lowerKeys(numberMethods('Long'))
  },
  {
    name: 'Double',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys({
      valueOf: (rt: Runtime, [v]: Value[]) => (v === null ? null : dbl(parseDecimal(rt, v).toNumber()))
    }),
    methods: lowerKeys(numberMethods('Double'))
  },
  {
    name: 'Decimal',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys({ valueOf: valueOfDecimal }),
    methods: lowerKeys(decimalMethods)
  },
  {
    name: 'Boolean',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys({
      valueOf: (rt: Runtime, [v]: Value[]) => {
        if (v === null) return null;
        if (typeof v === 'boolean') return v;
        return str(rt, v).toLowerCase() === 'true';
      }
    }),
    methods: lowerKeys({
      equals: (_rt: Runtime, [o]: Value[], s: Value) => o === s,
      hashCode: (_rt: Runtime, _a: Value[], s: Value) => (s ? 1231 : 1237),
      toString: (rt: Runtime, _a: Value[], s: Value) => rt.stringify(s)
    })
  },
  { name: 'Math', namespace: 'System', kind: 'class', statics: lowerKeys(mathStatics) },
  {
    name: 'RoundingMode',
    namespace: 'System',
    kind: 'enum',
    enumValues: ['CEILING', 'DOWN', 'FLOOR', 'HALF_DOWN', 'HALF_EVEN', 'HALF_UP', 'UNNECESSARY', 'UP']
  }
];
