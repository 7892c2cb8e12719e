/**
 * EARLIEST_BY_OFFSET / LATEST_BY_OFFSET, with optional N (array result) and ignoreNulls (default
 * true). As in ksqlDB, each kept value carries a sequence number from a process-wide counter; it
 * orders values when session windows merge. The counter starts from the wall clock (x1000) and is
 * raised past any sequence read back from the state store, so order survives restarts.
 *
 * Merge rules are ksqlDB's, including its quirks: a LATEST accumulator starts as a null value with a
 * fresh sequence; merging N-lists sorts by sequence and keeps the *first* N for both functions.
 */
import { T } from '../../types/sql-type.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { deserializeState, serializeState } from './state-codec.js';
import { aggregate, arrayOf, GENERIC_T, initArgError, p } from './support.js';

/** A value and the sequence number it was seen at. */
interface Entry {
  readonly s: number;
  readonly v: unknown;
}

let sequence = Date.now() * 1000;
const nextSeq = (): number => sequence++;
function observe(s: number): void {
  if (s >= sequence) sequence = s + 1;
}

const bySeq = (a: Entry, b: Entry): number => a.s - b.s;

const entryCodec = {
  serialize: (acc: unknown): string => serializeState(acc),
  deserialize: <A>(text: string): A => {
    const state = deserializeState<Entry | Entry[] | null>(text);
    if (Array.isArray(state)) for (const e of state) observe(e.s);
    else if (state) observe(state.s);
    return state as A;
  },
};

function earliest(ignoreNulls: boolean): Aggregator<Entry | null> {
  return {
    initial: () => null,
    add: (acc, args) => {
      if (acc !== null) return acc;
      const v = args[0] ?? null;
      if (v === null && ignoreNulls) return null;
      return { s: nextSeq(), v };
    },
    merge: (a, b) => (a === null ? b : b === null ? a : a.s < b.s ? a : b),
    result: (acc) => (acc === null ? null : acc.v),
    ...entryCodec,
  };
}

function latest(ignoreNulls: boolean): Aggregator<Entry> {
  // ignoreNulls: an entry holding a value beats one holding null, whatever their order
  const compare = (a: Entry, b: Entry): number => {
    if (ignoreNulls) {
      if (a.v === null && b.v === null) return 0;
      if (a.v === null) return -1;
      if (b.v === null) return 1;
    }
    return a.s - b.s;
  };
  return {
    initial: () => ({ s: nextSeq(), v: null }),
    add: (acc, args) => {
      const v = args[0] ?? null;
      if (v === null && ignoreNulls) return acc;
      return { s: nextSeq(), v };
    },
    merge: (a, b) => (compare(a, b) >= 0 ? a : b),
    result: (acc) => acc.v,
    ...entryCodec,
  };
}

function mergeFirstN(n: number): (a: Entry[], b: Entry[]) => Entry[] {
  return (a, b) => {
    const merged = a.concat(b);
    merged.sort(bySeq);
    return merged.length > n ? merged.slice(0, n) : merged;
  };
}

const values = (acc: Entry[]): unknown[] => acc.map((e) => e.v);

function earliestN(n: number, ignoreNulls: boolean): Aggregator<Entry[]> {
  return {
    initial: () => [],
    add: (acc, args) => {
      const v = args[0] ?? null;
      if (v === null && ignoreNulls) return acc;
      if (acc.length < n) acc.push({ s: nextSeq(), v });
      return acc;
    },
    merge: mergeFirstN(n),
    result: values,
    ...entryCodec,
  };
}

function latestN(n: number, ignoreNulls: boolean): Aggregator<Entry[]> {
  return {
    initial: () => [],
    add: (acc, args) => {
      const v = args[0] ?? null;
      if (v === null && ignoreNulls) return acc;
      acc.push({ s: nextSeq(), v });
      if (acc.length > n) acc.shift();
      return acc;
    },
    merge: mergeFirstN(n),
    result: values,
    ...entryCodec,
  };
}

function nArg(value: unknown, what: string): number {
  const n = Number(value);
  if (value === null || !Number.isFinite(n) || n <= 0) throw initArgError(`${what} must be 1 or greater`);
  return n;
}

const flag = (value: unknown): boolean => value !== false; // null literal keeps the default

function overloads(kind: 'earliest' | 'latest'): AggregateOverload[] {
  const single = kind === 'earliest' ? earliest : latest;
  const multi = kind === 'earliest' ? earliestN : latestN;
  const nName = `${kind}N`;
  return [
    { params: [p('col1', GENERIC_T)], returns: GENERIC_T, complexState: true, create: () => single(true) },
    {
      params: [p('col1', GENERIC_T), p('ignoreNulls', T.BOOLEAN)],
      initParams: 1,
      returns: GENERIC_T,
      complexState: true,
      create: (_a, init) => single(flag(init[0])),
    },
    {
      params: [p('col1', GENERIC_T), p(nName, T.INTEGER)],
      initParams: 1,
      returns: arrayOf(GENERIC_T),
      complexState: true,
      create: (_a, init) => multi(nArg(init[0], nName), true),
    },
    {
      params: [p('col1', GENERIC_T), p(nName, T.INTEGER), p('ignoreNulls', T.BOOLEAN)],
      initParams: 2,
      returns: arrayOf(GENERIC_T),
      complexState: true,
      create: (_a, init) => multi(nArg(init[0], nName), flag(init[1])),
    },
  ];
}

export const offsetFunctions = [
  aggregate('EARLIEST_BY_OFFSET', 'This function returns the oldest N values for the column, computed by offset.', overloads('earliest')),
  aggregate('LATEST_BY_OFFSET', 'This function returns the most recent N values for the column, computed by offset.', overloads('latest')),
];
