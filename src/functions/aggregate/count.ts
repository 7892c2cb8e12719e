/**
 * COUNT(col) counts non-null values; COUNT() / COUNT(*) (the zero-argument overload) counts rows.
 * Both undo (table sources) and merge (session windows). COUNT_DISTINCT lives in count-distinct.ts.
 */
import { T } from '../../types/sql-type.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { numberCodec } from './state-codec.js';
import { ANY, aggregate, p } from './support.js';

const countRows: Aggregator<number> = {
  initial: () => 0,
  add: (acc) => acc + 1,
  undo: (acc) => acc - 1,
  merge: (a, b) => a + b,
  result: (acc) => acc,
  ...numberCodec,
};

const countNonNull: Aggregator<number> = {
  initial: () => 0,
  add: (acc, args) => (args[0] == null ? acc : acc + 1),
  undo: (acc, args) => (args[0] == null ? acc : acc - 1),
  merge: (a, b) => a + b,
  result: (acc) => acc,
  ...numberCodec,
};

const overloads: AggregateOverload[] = [
  { params: [], returns: T.BIGINT, create: () => countRows, description: 'Counts all rows (COUNT(*)).' },
  { params: [p('col1', ANY)], returns: T.BIGINT, create: () => countNonNull, description: 'Counts the non-null values of col1.' },
];

export const countFunctions = [
  aggregate(
    'COUNT',
    'Counts records by key. COUNT(col) counts the rows where col is not null; COUNT(*) counts all rows.',
    overloads,
  ),
];
