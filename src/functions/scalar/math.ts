/**
 * Mathematical functions with ksqlDB's overloads and return types:
 *   ABS/CEIL/FLOOR keep the argument type (DECIMAL keeps precision and scale);
 *   ROUND/TRUNC(INT|BIGINT|DOUBLE) -> BIGINT, (DOUBLE, INT) -> DOUBLE,
 *   ROUND/TRUNC(DECIMAL(p,s)) -> DECIMAL(p-s, 0), (DECIMAL(p,s), INT) -> DECIMAL(p,s) (scale kept);
 *   SIGN -> INT; the transcendental functions take INT/BIGINT/DOUBLE and return DOUBLE.
 * ROUND rounds half towards positive infinity (Java Math.round), also for the decimal forms.
 */
import { Decimal } from '../../types/decimal.js';
import { T, type SqlType } from '../../types/sql-type.js';
import type { ResolvedArgs, ScalarFunction, ScalarOverload } from '../types.js';
import { ANY_DECIMAL, p } from './support.js';

type Mode = 'HALF_UP' | 'HALF_DOWN' | 'DOWN' | 'CEILING' | 'FLOOR';

/** num / den (den > 0) rounded with a java.math.RoundingMode. */
function divRound(num: bigint, den: bigint, mode: Mode): bigint {
  const q = num / den; // truncates toward zero
  const r = num % den;
  if (r === 0n) return q;
  const neg = num < 0n;
  switch (mode) {
    case 'DOWN':
      return q;
    case 'CEILING':
      return neg ? q : q + 1n;
    case 'FLOOR':
      return neg ? q - 1n : q;
    default: {
      const twice = (neg ? -r : r) * 2n;
      const away = twice > den || (twice === den && mode === 'HALF_UP');
      return away ? (neg ? q - 1n : q + 1n) : q;
    }
  }
}

/** BigDecimal.setScale(scale, mode); scale may be negative. */
function setScale(d: Decimal, scale: number, mode: Mode): Decimal {
  if (scale === d.scale) return d;
  if (scale > d.scale) return new Decimal(d.unscaled * 10n ** BigInt(scale - d.scale), scale);
  return new Decimal(divRound(d.unscaled, 10n ** BigInt(d.scale - scale), mode), scale);
}

/** Back to `scale` exactly (the value has at most that many fraction digits). */
const restoreScale = (d: Decimal, scale: number): Decimal => (d.scale === scale ? d : setScale(d, scale, 'DOWN'));

/** ksqlDB's ROUND mode: HALF_UP above zero, HALF_DOWN otherwise, i.e. ties go towards +infinity. */
const roundMode = (d: Decimal): Mode => (d.signum() > 0 ? 'HALF_UP' : 'HALF_DOWN');

const LONG_MAX = 9223372036854775807;
/** Java's (long) conversion of a double: NaN -> 0, saturating. */
function toLong(n: number): number {
  if (Number.isNaN(n)) return 0;
  if (n >= LONG_MAX) return LONG_MAX;
  if (n <= -LONG_MAX) return -LONG_MAX;
  return n;
}

/** The number of fraction digits of a double's shortest text, or -1 if it needs an exponent. */
function fractionDigits(v: number): number {
  const s = String(v);
  if (s.includes('e')) return -1;
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** ROUND/TRUNC(DOUBLE, places) through BigDecimal.valueOf(v) as ksqlDB does. */
function doubleToPlaces(v: number, places: number, round: boolean): number {
  if (places >= 0) {
    const fd = fractionDigits(v);
    if (fd >= 0 && fd <= places) return v;
  }
  const d = Decimal.fromNumber(v);
  return setScale(d, places, round ? roundMode(d) : 'DOWN').toNumber();
}

const decimalType = (args: ResolvedArgs): SqlType => args.types[0]!;
const integralDecimalType = (args: ResolvedArgs): SqlType => {
  const t = args.types[0]!;
  return t.kind === 'DECIMAL' ? T.decimal(Math.max(1, t.precision - t.scale), 0) : t;
};

const INT_MIN = -2147483648;

/** One DOUBLE-returning overload per INT/BIGINT/DOUBLE, as ksqlDB declares them. */
function doubleFn(name: string, description: string, f: (x: number) => number): ScalarFunction {
  return {
    kind: 'scalar',
    name,
    category: 'MATHEMATICAL',
    description,
    overloads: [T.INTEGER, T.BIGINT, T.DOUBLE].map((t) => ({ params: [p('value', t)], returns: T.DOUBLE, nullOnNullInput: true, impl: f })),
  };
}

function doubleFn2(name: string, description: string, names: [string, string], f: (a: number, b: number) => number): ScalarFunction {
  return {
    kind: 'scalar',
    name,
    category: 'MATHEMATICAL',
    description,
    overloads: [T.INTEGER, T.BIGINT, T.DOUBLE].map((t) => ({
      params: [p(names[0], t), p(names[1], t)],
      returns: T.DOUBLE,
      nullOnNullInput: true,
      impl: f,
    })),
  };
}

/** ROUND or TRUNC. */
function roundingFunction(name: 'ROUND' | 'TRUNC', description: string): ScalarFunction {
  const round = name === 'ROUND';
  const overloads: ScalarOverload[] = [
    { params: [p('value', T.INTEGER)], returns: T.BIGINT, nullOnNullInput: true, impl: (v: number) => v },
    { params: [p('value', T.BIGINT)], returns: T.BIGINT, nullOnNullInput: true, impl: (v: number) => v },
    {
      params: [p('value', T.DOUBLE)],
      returns: T.BIGINT,
      nullOnNullInput: true,
      impl: round ? (v: number) => toLong(Math.round(v)) : (v: number) => toLong(Math.trunc(v)),
    },
    {
      params: [p('value', T.DOUBLE), p('decimalPlaces', T.INTEGER)],
      returns: T.DOUBLE,
      nullOnNullInput: true,
      impl: (v: number, places: number) => doubleToPlaces(v, places, round),
    },
    {
      params: [p('value', ANY_DECIMAL)],
      returns: integralDecimalType,
      nullOnNullInput: true,
      impl: (v: Decimal) => setScale(v, 0, round ? roundMode(v) : 'DOWN'),
    },
    {
      params: [p('value', ANY_DECIMAL), p('decimalPlaces', T.INTEGER)],
      returns: decimalType,
      nullOnNullInput: true,
      // The result keeps the source scale (ksqlDB issue 6235).
      impl: (v: Decimal, places: number) => restoreScale(setScale(v, places, round ? roundMode(v) : 'DOWN'), v.scale),
    },
  ];
  return { kind: 'scalar', name, category: 'MATHEMATICAL', description, overloads };
}

/** CEIL or FLOOR: integral types unchanged, DOUBLE via Math, DECIMAL keeps its scale. */
function ceilFloor(name: 'CEIL' | 'FLOOR', description: string): ScalarFunction {
  const mode: Mode = name === 'CEIL' ? 'CEILING' : 'FLOOR';
  const f = name === 'CEIL' ? Math.ceil : Math.floor;
  return {
    kind: 'scalar',
    name,
    category: 'MATHEMATICAL',
    description,
    overloads: [
      { params: [p('value', T.INTEGER)], returns: T.INTEGER, nullOnNullInput: true, impl: (v: number) => v },
      { params: [p('value', T.BIGINT)], returns: T.BIGINT, nullOnNullInput: true, impl: (v: number) => v },
      { params: [p('value', T.DOUBLE)], returns: T.DOUBLE, nullOnNullInput: true, impl: f },
      {
        params: [p('value', ANY_DECIMAL)],
        returns: decimalType,
        nullOnNullInput: true,
        impl: (v: Decimal) => restoreScale(setScale(v, 0, mode), v.scale),
      },
    ],
  };
}

// GEO_DISTANCE ---------------------------------------------------------------------------------

const EARTH_RADIUS_KM = 6371;
const EARTH_RADIUS_MILES = 3959;
const MILES = new Set(['mi', 'mile', 'miles']);
const KMS = new Set(['km', 'kilometer', 'kilometers', 'kilometre', 'kilometres']);
const toRadians = (deg: number): number => deg * 0.017453292519943295;
const haversin = (x: number): number => Math.pow(Math.sin(x / 2), 2);

function earthRadius(units: string | null): number {
  if (units === null || units.trim().length === 0) return EARTH_RADIUS_KM;
  const u = units.trim().toLowerCase();
  if (MILES.has(u)) return EARTH_RADIUS_MILES;
  if (KMS.has(u)) return EARTH_RADIUS_KM;
  throw new Error(
    'GeoDistance function units parameter must be one of mi, mile, miles, km, kilometer, kilometers, kilometre or kilometres. Values are case-insensitive.',
  );
}

function geoDistance(lat1: number | null, lon1: number | null, lat2: number | null, lon2: number | null, units: string | null = null): number {
  // Primitive double parameters in ksqlDB: NULL coordinates are a per-record error.
  if (lat1 === null || lon1 === null || lat2 === null || lon2 === null) throw new Error('GEO_DISTANCE coordinates must not be NULL');
  if (lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90) {
    throw new Error('valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees');
  }
  if (lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180) {
    throw new Error('valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees');
  }
  const radius = earthRadius(units);
  const dLat = toRadians(lat2 - lat1);
  const dLon = toRadians(lon2 - lon1);
  const a = haversin(dLat) + haversin(dLon) * Math.cos(toRadians(lat1)) * Math.cos(toRadians(lat2));
  return 2 * Math.asin(Math.sqrt(a)) * radius;
}

export const mathFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'ABS',
    category: 'MATHEMATICAL',
    description: 'Returns the absolute value of its argument.',
    overloads: [
      // Java's Math.abs(Integer.MIN_VALUE) overflows back to MIN_VALUE.
      { params: [p('value', T.INTEGER)], returns: T.INTEGER, nullOnNullInput: true, impl: (v: number) => (v === INT_MIN ? v : Math.abs(v)) },
      { params: [p('value', T.BIGINT)], returns: T.BIGINT, nullOnNullInput: true, impl: Math.abs },
      { params: [p('value', T.DOUBLE)], returns: T.DOUBLE, nullOnNullInput: true, impl: Math.abs },
      { params: [p('value', ANY_DECIMAL)], returns: decimalType, nullOnNullInput: true, impl: (v: Decimal) => v.abs() },
    ],
  },
  doubleFn('ACOS', 'Returns the inverse (arc) cosine of its argument, in radians (NaN outside [-1, 1]).', Math.acos),
  doubleFn('ASIN', 'Returns the inverse (arc) sine of its argument, in radians (NaN outside [-1, 1]).', Math.asin),
  doubleFn('ATAN', 'Returns the inverse (arc) tangent of its argument, in radians.', Math.atan),
  doubleFn2('ATAN2', 'Returns the inverse (arc) tangent of y / x, in radians.', ['y', 'x'], Math.atan2),
  doubleFn('CBRT', 'Returns the cube root of its argument.', Math.cbrt),
  ceilFloor('CEIL', 'Returns the smallest integer greater than or equal to the argument.'),
  doubleFn('COS', 'Returns the cosine of its argument (in radians).', Math.cos),
  doubleFn('COSH', 'Returns the hyperbolic cosine of its argument.', Math.cosh),
  doubleFn('COT', 'Returns the cotangent of its argument (in radians).', (x) => 1 / Math.tan(x)),
  doubleFn('DEGREES', 'Converts radians to degrees.', (x) => x * 57.29577951308232),
  doubleFn('EXP', 'Returns e raised to the power of its argument.', Math.exp),
  ceilFloor('FLOOR', 'Returns the largest integer less than or equal to the argument.'),
  {
    kind: 'scalar',
    name: 'GEO_DISTANCE',
    category: 'MATHEMATICAL',
    description: 'The great-circle distance between two (lat, lon) points in decimal degrees, in KM (default) or miles.',
    overloads: [
      {
        params: [p('lat1', T.DOUBLE), p('lon1', T.DOUBLE), p('lat2', T.DOUBLE), p('lon2', T.DOUBLE)],
        returns: T.DOUBLE,
        impl: (a: number | null, b: number | null, c: number | null, d: number | null) => geoDistance(a, b, c, d),
      },
      {
        params: [p('lat1', T.DOUBLE), p('lon1', T.DOUBLE), p('lat2', T.DOUBLE), p('lon2', T.DOUBLE), p('units', T.STRING)],
        returns: T.DOUBLE,
        impl: geoDistance,
      },
    ],
  },
  doubleFn('LN', 'Returns the natural logarithm of its argument.', Math.log),
  {
    kind: 'scalar',
    name: 'LOG',
    category: 'MATHEMATICAL',
    description: 'LOG(value) is the base-10 logarithm; LOG(base, value) the logarithm in the given base (NaN for a base <= 0 or 1).',
    overloads: [
      ...[T.INTEGER, T.BIGINT, T.DOUBLE].map((t) => ({ params: [p('value', t)], returns: T.DOUBLE, nullOnNullInput: true, impl: Math.log10 })),
      ...[T.INTEGER, T.BIGINT, T.DOUBLE].map((t) => ({
        params: [p('base', t), p('value', t)],
        returns: T.DOUBLE,
        nullOnNullInput: true,
        impl: (base: number, value: number) => (base <= 0 || base === 1 ? NaN : Math.log(value) / Math.log(base)),
      })),
    ],
  },
  {
    kind: 'scalar',
    name: 'PI',
    category: 'MATHEMATICAL',
    description: 'Returns an approximate value of pi.',
    overloads: [{ params: [], returns: T.DOUBLE, impl: () => Math.PI }],
  },
  doubleFn2('POWER', 'Returns base raised to the power of exponent.', ['base', 'exponent'], Math.pow),
  doubleFn('RADIANS', 'Converts degrees to radians.', toRadians),
  {
    kind: 'scalar',
    name: 'RANDOM',
    category: 'MATHEMATICAL',
    description: 'Returns a random DOUBLE between 0.0 and 1.0.',
    overloads: [{ params: [], returns: T.DOUBLE, impl: () => Math.random() }],
  },
  roundingFunction('ROUND', 'Rounds a value to a number of decimal places (default 0); ties round towards positive infinity.'),
  {
    kind: 'scalar',
    name: 'SIGN',
    category: 'MATHEMATICAL',
    description: 'Returns the sign of its argument as an INTEGER: -1, 0 or 1.',
    overloads: [T.INTEGER, T.BIGINT, T.DOUBLE].map((t) => ({
      params: [p('value', t)],
      returns: T.INTEGER,
      nullOnNullInput: true,
      impl: (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0),
    })),
  },
  doubleFn('SIN', 'Returns the sine of its argument (in radians).', Math.sin),
  doubleFn('SINH', 'Returns the hyperbolic sine of its argument.', Math.sinh),
  doubleFn('SQRT', 'Returns the square root of its argument.', Math.sqrt),
  doubleFn('TAN', 'Returns the tangent of its argument (in radians).', Math.tan),
  doubleFn('TANH', 'Returns the hyperbolic tangent of its argument.', Math.tanh),
  roundingFunction('TRUNC', 'Truncates a value to a number of decimal places (default 0).'),
];
