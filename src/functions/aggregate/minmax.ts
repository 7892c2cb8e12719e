/**
 * MIN and MAX over comparable types (numbers, DECIMAL, STRING, BYTES, DATE, TIME, TIMESTAMP). Nulls
 * are ignored; all-null groups give NULL. Stream-only in ksqlDB: no undo.
 */
import { T, type SqlType } from '../../types/sql-type.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { valueCodec } from './state-codec.js';
import { ANY_DECIMAL, aggregate, comparatorFor, p } from './support.js';

function extreme(t: SqlType, sign: 1 | -1): Aggregator<unknown> {
  const cmp = comparatorFor(t);
  const pick = (acc: unknown, v: unknown): unknown => {
    if (v == null) return acc;
    if (acc == null) return v;
    return cmp(v, acc) * sign > 0 ? v : acc;
  };
  return {
    initial: () => null,
    add: (acc, args) => pick(acc, args[0]),
    merge: pick,
    result: (acc) => acc,
    ...valueCodec,
  };
}

const TYPES: SqlType[] = [T.INTEGER, T.BIGINT, T.DOUBLE, T.STRING, T.BYTES, T.DATE, T.TIME, T.TIMESTAMP];

function overloads(sign: 1 | -1): AggregateOverload[] {
  const out: AggregateOverload[] = TYPES.map((t) => ({ params: [p('col1', t)], returns: t, create: () => extreme(t, sign) }));
  out.push({ params: [p('col1', ANY_DECIMAL)], returns: (args) => args.types[0]!, create: (args) => extreme(args.types[0]!, sign) });
  return out;
}

export const minMaxFunctions = [
  aggregate('MAX', 'Computes the maximum value for a key. Rows where the column is null are ignored.', overloads(1)),
  aggregate('MIN', 'Computes the minimum value for a key. Rows where the column is null are ignored.', overloads(-1)),
];
