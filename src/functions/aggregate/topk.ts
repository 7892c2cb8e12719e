/**
 * TOPK(col, k): the k greatest values, descending (duplicates kept; a new value equal to kept ones
 * goes after them). TOPK(col, other1, ..., k): the same ranking of col, returning
 * ARRAY<STRUCT<sort_col, col0, col1, ...>> with the other columns of each kept row.
 * TOPKDISTINCT(col, k): the k greatest distinct values. Stream-only in ksqlDB: no undo.
 */
import { T, type SqlType, type StructField } from '../../types/sql-type.js';
import { sqlEquals } from '../scalar/sql-values.js';
import type { ResolvedArgs } from '../types.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { valueCodec } from './state-codec.js';
import { ANY, ANY_DECIMAL, aggregate, comparatorFor, p, type Comparator } from './support.js';

type Cmp = Comparator;


/** ksqlDB's TopkKudaf: values sorted descending; `key` extracts the ranked value of an entry. */
function topK(k: number, cmp: Cmp, key: (e: unknown) => unknown, entry: (args: readonly unknown[]) => unknown): Aggregator<unknown[]> {
  const desc = (a: unknown, b: unknown): number => cmp(key(b), key(a));
  return {
    initial: () => [],
    add: (acc, args) => {
      const v = args[0];
      if (v == null) return acc;
      const size = acc.length;
      if (size > 0 && size === k && cmp(v, key(acc[size - 1])) <= 0) return acc;
      if (size === k) acc[size - 1] = entry(args);
      else acc.push(entry(args));
      acc.sort(desc); // stable: equal values keep their order, the new one last
      return acc;
    },
    merge: (a, b) => {
      const out: unknown[] = [];
      let i = 0;
      let j = 0;
      while (out.length !== k) {
        const x = i < a.length ? a[i] : undefined;
        const y = j < b.length ? b[j] : undefined;
        if (x !== undefined && (y === undefined || cmp(key(x), key(y)) >= 0)) {
          out.push(x);
          i++;
        } else if (y !== undefined) {
          out.push(y);
          j++;
        } else break;
      }
      return out;
    },
    result: (acc) => acc.slice(),
    ...valueCodec,
  } as Aggregator<unknown[]>;
}

const identity = (e: unknown): unknown => e;
const firstArg = (args: readonly unknown[]): unknown => args[0];

function kArg(init: readonly unknown[]): number {
  return Number(init[init.length - 1]);
}

/** STRUCT<sort_col T, col0 .., col1 ..> for TOPK with extra columns (all arguments but the last, k). */
function topKStructType(args: ResolvedArgs): SqlType {
  const cols = args.types.slice(0, args.types.length - 1);
  const fields: StructField[] = [{ name: 'sort_col', type: cols[0]! }];
  for (let i = 1; i < cols.length; i++) fields.push({ name: `col${i - 1}`, type: cols[i]! });
  return T.array(T.struct(fields));
}

function topKStruct(args: ResolvedArgs, init: readonly unknown[]): Aggregator {
  const n = args.types.length - 1; // column arguments
  const names = ['sort_col'];
  for (let i = 1; i < n; i++) names.push(`col${i - 1}`);
  const entry = (row: readonly unknown[]): unknown => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[names[i]!] = row[i] ?? null;
    return o;
  };
  return topK(kArg(init), comparatorFor(args.types[0]!), (e) => (e as Record<string, unknown>)['sort_col'], entry);
}

const TOPK_TYPES: SqlType[] = [T.INTEGER, T.BIGINT, T.DOUBLE, T.STRING];

const topKOverloads: AggregateOverload[] = [
  ...TOPK_TYPES.map(
    (t): AggregateOverload => ({
      params: [p('col1', t), p('k', T.INTEGER)],
      initParams: 1,
      returns: T.array(t),
      complexState: true,
      create: (_args, init) => topK(kArg(init), comparatorFor(t), identity, firstArg),
    }),
  ),
  ...TOPK_TYPES.map(
    (t): AggregateOverload => ({
      params: [p('col1', t), p('otherCols', ANY), p('k', T.INTEGER)],
      initParams: 1,
      variadic: true,
      variadicIndex: 1,
      returns: topKStructType,
      complexState: true,
      create: (args, init) => topKStruct(args, init),
    }),
  ),
];

/** ksqlDB's TopkDistinctKudaf: distinct values, descending, at most k. */
function topKDistinct(k: number, cmp: Cmp): Aggregator<unknown[]> {
  const desc = (a: unknown, b: unknown): number => cmp(b, a);
  return {
    initial: () => [],
    add: (acc, args) => {
      const v = args[0];
      if (v == null) return acc;
      for (const x of acc) if (sqlEquals(x, v)) return acc;
      if (acc.length < k) {
        acc.push(v);
        acc.sort(desc);
      } else if (acc.length > 0 && cmp(v, acc[acc.length - 1]) > 0) {
        acc[acc.length - 1] = v;
        acc.sort(desc);
      }
      return acc;
    },
    merge: (a, b) => {
      const all = a.slice();
      for (const v of b) if (!all.some((x) => sqlEquals(x, v))) all.push(v);
      all.sort(desc);
      return all.slice(0, k);
    },
    result: (acc) => acc.slice(),
    ...valueCodec,
  } as Aggregator<unknown[]>;
}

const DISTINCT_TYPES: SqlType[] = [T.INTEGER, T.BIGINT, T.DOUBLE, T.STRING, T.BYTES, T.DATE, T.TIME, T.TIMESTAMP];

const topKDistinctOverloads: AggregateOverload[] = [
  ...DISTINCT_TYPES.map(
    (t): AggregateOverload => ({
      params: [p('col1', t), p('k', T.INTEGER)],
      initParams: 1,
      returns: T.array(t),
      complexState: true,
      create: (_args, init) => topKDistinct(kArg(init), comparatorFor(t)),
    }),
  ),
  {
    params: [p('col1', ANY_DECIMAL), p('k', T.INTEGER)],
    initParams: 1,
    returns: (args) => T.array(args.types[0]!),
    complexState: true,
    create: (args, init) => topKDistinct(kArg(init), comparatorFor(args.types[0]!)),
  },
];

export const topKFunctions = [
  aggregate('TOPK', 'Computes the top k values for a column, per key.', topKOverloads),
  aggregate('TOPKDISTINCT', 'Calculates the Topk distinct values for a column, per key.', topKDistinctOverloads),
];
