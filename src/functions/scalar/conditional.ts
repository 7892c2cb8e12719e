/**
 * Null-handling and comparison functions: COALESCE, IFNULL, NULLIF, GREATEST, LEAST.
 */
import { Decimal } from '../../types/decimal.js';
import { T, type SqlType } from '../../types/sql-type.js';
import type { ParamType, ResolvedArgs, ScalarFunction, ScalarOverload } from '../types.js';
import { compareBytesSigned } from './codec.js';
import { ANY_DECIMAL, GENERIC_T, p, type SpecializableOverload } from './support.js';

/** Java equals() over ksqlDB values: deep for arrays/maps/structs, scale-sensitive for decimals. */
export function sqlEquals(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || !Object.is(a, -0) === !Object.is(b, -0);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Decimal) return a.equals(b);
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sqlEquals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sqlEquals(v, b.get(k))) return false;
    return true;
  }
  if (b instanceof Map || Array.isArray(b) || b instanceof Decimal || Buffer.isBuffer(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sqlEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// GREATEST / LEAST

type Cmp<V> = (a: V, b: V) => number;

const cmpNumber: Cmp<number> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/** Double.compareTo: -0.0 < 0.0, NaN above everything. */
const cmpDouble: Cmp<number> = (a, b) => {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  const az = Object.is(a, -0);
  const bz = Object.is(b, -0);
  return az === bz ? 0 : az ? -1 : 1;
};
const cmpString: Cmp<string> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const cmpDecimal: Cmp<Decimal> = (a, b) => a.compareTo(b);

/** The non-null extreme (sign 1: greatest, -1: least) of first and rest; NULL if all are NULL. */
function extreme<V>(first: V | null, rest: readonly (V | null)[], cmp: Cmp<V>, sign: number): V | null {
  let best = first;
  for (const v of rest) {
    if (v === null) continue;
    if (best === null || cmp(v, best) * sign > 0) best = v;
  }
  return best;
}

/** DecimalUtil.widen over the argument types: integers count as DECIMAL(10,0) / DECIMAL(19,0). */
function widenDecimals(types: readonly SqlType[]): SqlType {
  let intDigits = 0;
  let scale = 0;
  let seen = false;
  for (const t of types) {
    let pr: number;
    let sc: number;
    if (t.kind === 'DECIMAL') [pr, sc] = [t.precision, t.scale];
    else if (t.kind === 'INTEGER') [pr, sc] = [10, 0];
    else if (t.kind === 'BIGINT') [pr, sc] = [19, 0];
    else continue;
    seen = true;
    intDigits = Math.max(intDigits, pr - sc);
    scale = Math.max(scale, sc);
  }
  return seen ? T.decimal(intDigits + scale, scale) : T.decimal(1, 0);
}

function decimalExtreme(first: Decimal | null, rest: readonly (Decimal | null)[], sign: number, scale?: number): Decimal | null {
  const best = extreme(first, rest, cmpDecimal, sign);
  if (best === null) return null;
  if (scale === undefined) {
    scale = first?.scale ?? 0;
    for (const v of rest) if (v !== null && v.scale > scale) scale = v.scale;
  }
  return best.setScale(scale);
}

function extremeFunction(name: 'GREATEST' | 'LEAST', sign: number): ScalarFunction {
  const simple = (type: ParamType, cmp: Cmp<never>): ScalarOverload => ({
    params: [p('val', type), p('vals', type)],
    variadic: true,
    returns: type,
    impl: (first: never, rest: readonly never[]) => extreme(first, rest, cmp, sign),
  });
  const decimal: SpecializableOverload = {
    params: [p('val', ANY_DECIMAL), p('vals', ANY_DECIMAL)],
    variadic: true,
    returns: (args: ResolvedArgs) => widenDecimals(args.types),
    impl: (first: Decimal | null, rest: readonly (Decimal | null)[]) => decimalExtreme(first, rest, sign),
    specialize: (args: ResolvedArgs) => {
      const t = widenDecimals(args.types);
      const scale = t.kind === 'DECIMAL' ? t.scale : 0;
      return (first: Decimal | null, rest: readonly (Decimal | null)[]) => decimalExtreme(first, rest, sign, scale);
    },
  };
  return {
    kind: 'scalar',
    name,
    category: 'MATHEMATICAL',
    description: `Returns the ${name === 'GREATEST' ? 'highest' : 'lowest'} non-null value among a variable number of comparable columns.`,
    overloads: [
      simple(T.INTEGER, cmpNumber),
      simple(T.BIGINT, cmpNumber),
      simple(T.DOUBLE, cmpDouble),
      simple(T.STRING, cmpString),
      decimal,
      simple(T.BYTES, compareBytesSigned),
      simple(T.DATE, cmpNumber),
      simple(T.TIME, cmpNumber),
      simple(T.TIMESTAMP, cmpNumber),
    ],
  };
}

export const conditionalFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'COALESCE',
    category: 'CONDITIONAL',
    description: 'Returns the first non-null parameter. All parameters must be of the same type.',
    overloads: [
      {
        params: [p('first', GENERIC_T), p('others', GENERIC_T)],
        variadic: true,
        returns: GENERIC_T,
        impl: (first: unknown, others: readonly unknown[]) => {
          if (first !== null) return first;
          for (const v of others) if (v !== null) return v;
          return null;
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'IFNULL',
    category: 'CONDITIONAL',
    description: 'Returns expression if it is not NULL, otherwise altValue.',
    overloads: [
      {
        params: [p('expression', GENERIC_T), p('altValue', GENERIC_T)],
        returns: GENERIC_T,
        impl: (v: unknown, alt: unknown) => (v === null ? alt : v),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'NULLIF',
    category: 'CONDITIONAL',
    description: 'Returns NULL if expression1 equals expression2, otherwise expression1.',
    overloads: [
      {
        params: [p('expression1', GENERIC_T), p('expression2', GENERIC_T)],
        returns: GENERIC_T,
        impl: (a: unknown, b: unknown) => (a === null || sqlEquals(a, b) ? null : a),
      },
    ],
  },
  extremeFunction('GREATEST', 1),
  extremeFunction('LEAST', -1),
];
