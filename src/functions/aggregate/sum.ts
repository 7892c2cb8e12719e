/**
 * SUM, SUM_LIST and AVG. Integer sums wrap at 32 bits as Java's int does; BIGINT sums are JS numbers
 * (see sql-type.ts); DECIMAL(p, s) sums keep the argument's type and fail with "Numeric field
 * overflow" when the running total no longer fits. AVG returns DOUBLE (0.0 for no values).
 */
import { Decimal } from '../../types/decimal.js';
import { T, type DecimalType, type SqlType } from '../../types/sql-type.js';
import type { ResolvedArgs } from '../types.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { numberCodec, valueCodec } from './state-codec.js';
import { ANY_DECIMAL, aggregate, aggregateFailure, p } from './support.js';

type Add = (a: number, b: number) => number;
const addInt: Add = (a, b) => (a + b) | 0;
const subInt: Add = (a, b) => (a - b) | 0;
const addNum: Add = (a, b) => a + b;
const subNum: Add = (a, b) => a - b;

function numberSum(add: Add, sub: Add): Aggregator<number> {
  return {
    initial: () => 0,
    add: (acc, args) => {
      const v = args[0] as number | null;
      return v == null ? acc : add(acc, v);
    },
    undo: (acc, args) => {
      const v = args[0] as number | null;
      return v == null ? acc : sub(acc, v);
    },
    merge: add,
    result: (acc) => acc,
    ...numberCodec,
  };
}

function decimalSum(type: DecimalType): Aggregator<Decimal> {
  const digits = type.precision - type.scale;
  const max = 10n ** BigInt(type.precision); // bound on the unscaled value at the type's scale
  const zero = new Decimal(0n, type.scale);
  return {
    initial: () => zero,
    add: (acc, args) => {
      const v = args[0] as Decimal | null;
      if (v == null) return acc;
      const sum = acc.add(v).setScale(type.scale);
      const u = sum.unscaled < 0n ? -sum.unscaled : sum.unscaled;
      if (u >= max) {
        throw aggregateFailure(
          `Numeric field overflow: A field with precision ${type.precision} and scale ${type.scale} ` +
            `must round to an absolute value less than 10^${digits}. Got ${sum.toString()}`,
        );
      }
      return sum;
    },
    undo: (acc, args) => {
      const v = args[0] as Decimal | null;
      return v == null ? acc : acc.subtract(v).setScale(type.scale);
    },
    merge: (a, b) => a.add(b).setScale(type.scale),
    result: (acc) => acc,
    ...valueCodec,
  } as Aggregator<Decimal>;
}

const sameAsArg = (args: ResolvedArgs): SqlType => args.types[0]!;

const sumOverloads: AggregateOverload[] = [
  { params: [p('col1', T.INTEGER)], returns: T.INTEGER, create: () => numberSum(addInt, subInt) },
  { params: [p('col1', T.BIGINT)], returns: T.BIGINT, create: () => numberSum(addNum, subNum) },
  { params: [p('col1', T.DOUBLE)], returns: T.DOUBLE, create: () => numberSum(addNum, subNum) },
  { params: [p('col1', ANY_DECIMAL)], returns: sameAsArg, create: (args) => decimalSum(args.types[0] as DecimalType) },
];

/** SUM_LIST: the sum of each row's array elements (nulls skipped), summed over the rows. */
function listSum(add: Add, sub: Add): Aggregator<number> {
  const sumList = (list: readonly (number | null)[]): number => {
    let s = 0;
    for (const v of list) if (v != null) s = add(s, v);
    return s;
  };
  return {
    initial: () => 0,
    add: (acc, args) => {
      const list = args[0] as (number | null)[] | null;
      return list == null ? acc : add(acc, sumList(list));
    },
    undo: (acc, args) => {
      const list = args[0] as (number | null)[] | null;
      return list == null ? acc : sub(acc, sumList(list));
    },
    merge: add,
    result: (acc) => acc,
    ...numberCodec,
  };
}

const sumListOverloads: AggregateOverload[] = [
  { params: [p('col1', T.array(T.DOUBLE))], returns: T.DOUBLE, create: () => listSum(addNum, subNum) },
  { params: [p('col1', T.array(T.INTEGER))], returns: T.INTEGER, create: () => listSum(addInt, subInt) },
  { params: [p('col1', T.array(T.BIGINT))], returns: T.BIGINT, create: () => listSum(addNum, subNum) },
];

/** AVG state: [sum, count]. */
type AvgState = [number, number];

function average(add: Add, sub: Add): Aggregator<AvgState> {
  return {
    initial: () => [0, 0],
    add: (acc, args) => {
      const v = args[0] as number | null;
      if (v == null) return acc;
      acc[0] = add(acc[0], v);
      acc[1]++;
      return acc;
    },
    undo: (acc, args) => {
      const v = args[0] as number | null;
      if (v == null) return acc;
      acc[0] = sub(acc[0], v);
      acc[1]--;
      return acc;
    },
    merge: (a, b) => [add(a[0], b[0]), a[1] + b[1]],
    result: (acc) => (acc[1] === 0 ? 0 : acc[0] / acc[1]),
    ...valueCodec,
  } as Aggregator<AvgState>;
}

const avgOverloads: AggregateOverload[] = [
  { params: [p('col1', T.BIGINT)], returns: T.DOUBLE, complexState: true, create: () => average(addNum, subNum) },
  { params: [p('col1', T.INTEGER)], returns: T.DOUBLE, complexState: true, create: () => average(addInt, subInt) },
  { params: [p('col1', T.DOUBLE)], returns: T.DOUBLE, complexState: true, create: () => average(addNum, subNum) },
];

export const sumFunctions = [
  aggregate('SUM', 'Computes the sum of a column. Rows where the column is null are ignored.', sumOverloads),
  aggregate('SUM_LIST', 'Returns the sum of elements contained in the list.', sumListOverloads),
  aggregate('AVG', 'Returns the average value of the column computed as the sum divided by the count. Applicable only to numeric types.', avgOverloads),
];

