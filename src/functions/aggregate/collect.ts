/**
 * COLLECT_LIST, COLLECT_SET, HISTOGRAM and ATTR: collection-valued aggregates. Equality is Java's
 * Object.equals on SQL values (sqlEquals). Null values are collected like any other value.
 * Limits: ksql.functions.collect_list.limit / collect_set.limit (negative or absent: none);
 * HISTOGRAM keeps at most 1000 distinct values.
 */
import { T } from '../../types/sql-type.js';
import { ValueSet, sqlEquals } from '../scalar/sql-values.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { deserializeState, serializeState, valueCodec } from './state-codec.js';
import { aggregate, arrayOf, GENERIC_T, limitConfig, p } from './support.js';

export const COLLECT_LIST_LIMIT = 'ksql.functions.collect_list.limit';
export const COLLECT_SET_LIMIT = 'ksql.functions.collect_set.limit';

function collectList(limit: number): Aggregator<unknown[]> {
  return {
    initial: () => [],
    add: (acc, args) => {
      if (acc.length < limit) acc.push(args[0] ?? null);
      return acc;
    },
    // ksqlDB removes the last equal value (it does not track which insertion it was).
    undo: (acc, args) => {
      const v = args[0] ?? null;
      for (let i = acc.length - 1; i >= 0; i--) {
        if (sqlEquals(acc[i], v)) {
          acc.splice(i, 1);
          break;
        }
      }
      return acc;
    },
    merge: (a, b) => {
      const room = Math.max(0, limit - a.length);
      for (let i = 0; i < b.length && i < room; i++) a.push(b[i]);
      return a;
    },
    result: (acc) => acc.slice(),
    ...valueCodec,
  } as Aggregator<unknown[]>;
}

/** Distinct values in first-seen order, with a membership index (rebuilt on deserialize). */
interface SetState {
  readonly items: unknown[];
  readonly seen: ValueSet;
}

function collectSet(limit: number): Aggregator<SetState> {
  const offer = (s: SetState, v: unknown): void => {
    if (s.items.length < limit && !s.seen.has(v)) {
      s.seen.add(v);
      s.items.push(v);
    }
  };
  return {
    initial: () => ({ items: [], seen: new ValueSet() }),
    add: (acc, args) => {
      offer(acc, args[0] ?? null);
      return acc;
    },
    merge: (a, b) => {
      for (const v of b.items) {
        if (a.items.length >= limit) break;
        offer(a, v);
      }
      return a;
    },
    result: (acc) => acc.items.slice(),
    serialize: (acc) => serializeState(acc.items),
    deserialize: (text) => {
      const items = deserializeState<unknown[]>(text);
      return { items, seen: ValueSet.of(items) };
    },
  };
}

const HISTOGRAM_LIMIT = 1000;

const histogram: Aggregator<Map<unknown, number>> = {
  initial: () => new Map(),
  add: (acc, args) => {
    const v = args[0] ?? null;
    const n = acc.get(v);
    if (n !== undefined) acc.set(v, n + 1);
    else if (acc.size < HISTOGRAM_LIMIT) acc.set(v, 1);
    return acc;
  },
  undo: (acc, args) => {
    const v = args[0] ?? null;
    const n = acc.get(v);
    if (n !== undefined) {
      if (n - 1 < 1) acc.delete(v);
      else acc.set(v, n - 1);
    }
    return acc;
  },
  merge: (a, b) => {
    for (const [k, n] of b) {
      const m = a.get(k);
      if (m !== undefined) a.set(k, m + n);
      else if (a.size < HISTOGRAM_LIMIT) a.set(k, n);
    }
    return a;
  },
  result: (acc) => new Map(acc),
  ...valueCodec,
} as Aggregator<Map<unknown, number>>;

/** ATTR state: [value, count] entries; a value stays listed (count 0) once seen. */
type AttrState = [unknown, number][];

function attrUpdate(acc: AttrState, v: unknown, delta: number): void {
  let found = false;
  for (const e of acc) {
    if (sqlEquals(e[0], v)) {
      found = true;
      e[1] = Math.max(0, e[1] + delta);
    }
  }
  if (!found && delta > 0) acc.push([v, delta]);
}

const attr: Aggregator<AttrState> = {
  initial: () => [],
  add: (acc, args) => {
    attrUpdate(acc, args[0] ?? null, 1);
    return acc;
  },
  undo: (acc, args) => {
    attrUpdate(acc, args[0] ?? null, -1);
    return acc;
  },
  merge: (a, b) => {
    for (const [v, n] of b) attrUpdate(a, v, n);
    return a;
  },
  result: (acc) => {
    let only: unknown = null;
    let live = 0;
    for (const [v, n] of acc) {
      if (n > 0) {
        live++;
        only = v;
      }
    }
    return live === 1 ? only : null;
  },
  ...valueCodec,
} as Aggregator<AttrState>;

const collectListOverloads: AggregateOverload[] = [
  {
    params: [p('col1', GENERIC_T)],
    returns: arrayOf(GENERIC_T),
    complexState: true,
    create: (_args, _init, config) => collectList(limitConfig(config, COLLECT_LIST_LIMIT)),
  },
];

const collectSetOverloads: AggregateOverload[] = [
  {
    params: [p('col1', GENERIC_T)],
    returns: arrayOf(GENERIC_T),
    complexState: true,
    create: (_args, _init, config) => collectSet(limitConfig(config, COLLECT_SET_LIMIT)),
  },
];

export const collectFunctions = [
  aggregate(
    'COLLECT_LIST',
    'Gather all of the values from an input grouping into a single Array field.\nAlthough this aggregate works on both Stream and Table inputs, the order of entries in the result array is not guaranteed when working on Table input data.\nYou may limit the size of the resultant Array to N entries, beyond which any further values will be silently ignored, by setting the ksql.functions.collect_list.limit configuration to N.',
    collectListOverloads,
  ),
  aggregate(
    'COLLECT_SET',
    'Gather all of the distinct values from an input grouping into a single Array.\nNot available for aggregating values from an input Table.\nYou may limit the size of the resultant Array to N entries, beyond which any further values will be silently ignored, by setting the ksql.functions.collect_set.limit configuration to N.',
    collectSetOverloads,
  ),
  aggregate(
    'HISTOGRAM',
    'Returns a map of each distinct String from the input Stream or Table and how many times each occurs. \nThis version limits the size of the resultant Map to 1000 entries. Any entries added beyond this limit will be ignored.',
    [{ params: [p('col1', T.STRING)], returns: T.map(T.STRING, T.BIGINT), complexState: true, create: () => histogram }],
  ),
  aggregate(
    'ATTR',
    'The ATTR() aggregation indicates there are multiple values, but only one was expected. If the aggregation encounters more than a single value for the expected singular column, the entire aggregation will return null.',
    [{ params: [p('col1', GENERIC_T)], returns: GENERIC_T, complexState: true, create: () => attr }],
  ),
];
