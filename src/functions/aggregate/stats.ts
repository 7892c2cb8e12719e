/**
 * STDDEV_SAMPLE, STDDEV_SAMP and CORRELATION, with ksqlDB's arithmetic reproduced step by step so
 * that doubles come out bit-identical (Youngs-Cramer updates; Java int/long arithmetic where ksqlDB
 * uses it). Note ksqlDB's STDDEV_SAMP returns the sample *variance* (M2 / (n - 1)) while the older
 * STDDEV_SAMPLE returns its square root; both are reproduced as they behave.
 */
import { T } from '../../types/sql-type.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { valueCodec } from './state-codec.js';
import { aggregate, p } from './support.js';

/** [sum, count, m2] */
type StdState = [number, number, number];

interface StdArith {
  /** The running sum's arithmetic (int wraps). */
  readonly add: (a: number, b: number) => number;
  readonly sub: (a: number, b: number) => number;
  /** newValue * (count + 1) - (sum + newValue), in the input type's arithmetic. */
  readonly delta: (sum: number, count: number, v: number) => number;
  /** The mean difference used when merging. */
  readonly meanDiff: (s1: number, c1: number, s2: number, c2: number) => number;
  /** count * count products: int arithmetic when ksqlDB keeps COUNT as an int. */
  readonly mul: (a: number, b: number) => number;
}

const mulInt = (a: number, b: number): number => Math.imul(a, b);
const mulNum = (a: number, b: number): number => a * b;

function arith(input: 'INTEGER' | 'BIGINT' | 'DOUBLE', intCount: boolean, integerMeans: boolean): StdArith {
  const mul = intCount ? mulInt : mulNum;
  if (input === 'INTEGER') {
    return {
      add: (a, b) => (a + b) | 0,
      sub: (a, b) => (a - b) | 0,
      // int * (int|long): int arithmetic when COUNT is an int, long otherwise
      delta: (sum, count, v) => (intCount ? (Math.imul(v, count + 1) - ((sum + v) | 0)) | 0 : v * (count + 1) - ((sum + v) | 0)),
      meanDiff: integerMeans ? (s1, c1, s2, c2) => Math.trunc(s1 / c1) - Math.trunc(s2 / c2) : (s1, c1, s2, c2) => s1 / c1 - s2 / c2,
      mul,
    };
  }
  if (input === 'BIGINT') {
    return {
      add: (a, b) => a + b,
      sub: (a, b) => a - b,
      delta: (sum, count, v) => v * (count + 1) - (sum + v),
      meanDiff: integerMeans ? (s1, c1, s2, c2) => Math.trunc(s1 / c1) - Math.trunc(s2 / c2) : (s1, c1, s2, c2) => s1 / c1 - s2 / c2,
      mul,
    };
  }
  return {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    delta: (sum, count, v) => v * (count + 1) - (sum + v),
    meanDiff: (s1, c1, s2, c2) => s1 / c1 - s2 / c2,
    mul,
  };
}

function stdDev(a: StdArith, finish: (m2: number, count: number) => number): Aggregator<StdState> {
  return {
    initial: () => [0, 0, 0],
    add: (acc, args) => {
      const v = args[0] as number | null;
      if (v == null) return acc;
      const count = acc[1];
      const newCount = count + 1;
      let m2 = 0;
      if (count > 0) {
        const d = a.delta(acc[0], count, v);
        m2 = (d * d) / a.mul(newCount, newCount - 1);
      }
      acc[0] = a.add(acc[0], v);
      acc[1] = newCount;
      acc[2] = m2 + acc[2];
      return acc;
    },
    undo: (acc, args) => {
      const v = args[0] as number | null;
      if (v == null) return acc;
      const newCount = acc[1] - 1;
      let m2 = 0;
      if (newCount > 0) {
        // ksqlDB computes the delta from the state before removal
        const d = a.delta(acc[0], acc[1], v);
        m2 = (d * d) / a.mul(newCount, newCount + 1);
      }
      acc[0] = a.sub(acc[0], v);
      acc[1] = newCount;
      acc[2] = acc[2] - m2;
      return acc;
    },
    merge: (x, y) => {
      const n = x[1] + y[1];
      let m2: number;
      if (x[1] === 0 || y[1] === 0) m2 = x[2] + y[2];
      else {
        const inner = a.meanDiff(x[0], x[1], y[0], y[1]);
        m2 = x[2] + y[2] + (a.mul(x[1], y[1]) * inner * inner) / n;
      }
      return [a.add(x[0], y[0]), n, m2];
    },
    result: (acc) => (acc[1] < 2 ? 0 : finish(acc[2], acc[1])),
    ...valueCodec,
  } as Aggregator<StdState>;
}

const variance = (m2: number, n: number): number => m2 / (n - 1);
const sqrtVariance = (m2: number, n: number): number => Math.sqrt(m2 / (n - 1));

const stdOverloads = (intCount: boolean, integerMeans: boolean, finish: (m2: number, n: number) => number): AggregateOverload[] =>
  (['BIGINT', 'INTEGER', 'DOUBLE'] as const).map((k) => ({
    params: [p('col1', T[k])],
    returns: T.DOUBLE,
    complexState: true,
    create: () => stdDev(arith(k, intCount, integerMeans), finish),
  }));

/** [xSum, ySum, xxSum, yySum, xySum, count] */
type CorrState = [number, number, number, number, number, number];

const correlation: Aggregator<CorrState> = {
  initial: () => [0, 0, 0, 0, 0, 0],
  add: (acc, args) => {
    const x = args[0] as number | null;
    const y = args[1] as number | null;
    if (x == null || y == null) return acc;
    acc[0] += x;
    acc[1] += y;
    acc[2] += x * x;
    acc[3] += y * y;
    acc[4] += x * y;
    acc[5] += 1;
    return acc;
  },
  undo: (acc, args) => {
    const x = args[0] as number | null;
    const y = args[1] as number | null;
    if (x == null || y == null) return acc;
    acc[0] -= x;
    acc[1] -= y;
    acc[2] -= x * x;
    acc[3] -= y * y;
    acc[4] -= x * y;
    acc[5] -= 1;
    return acc;
  },
  merge: (a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5]],
  result: ([sx, sy, sxx, syy, sxy, n]) => {
    const numerator = n * sxy - sx * sy;
    const denominator = Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    return numerator / denominator;
  },
  ...valueCodec,
} as Aggregator<CorrState>;

export const statsFunctions = [
  aggregate('STDDEV_SAMPLE', 'Returns the sample standard deviation of the column.', stdOverloads(false, false, sqrtVariance)),
  aggregate('STDDEV_SAMP', 'Returns the sample standard deviation of the column.', stdOverloads(true, true, variance)),
  aggregate('CORRELATION', 'Computes the Pearson correlation coefficient between two columns of data.', [
    {
      params: [p('x', T.DOUBLE), p('y', T.DOUBLE)],
      returns: T.DOUBLE,
      complexState: true,
      create: () => correlation,
    },
  ]),
];
