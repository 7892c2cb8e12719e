/**
 * Higher-order (lambda) functions: TRANSFORM, FILTER and REDUCE over arrays and maps. Lambda
 * arguments arrive as plain JS functions. Java quirks kept: building a map result goes through
 * Collectors.toMap, so a duplicate key or a NULL value fails the call (NULL result + log).
 */
import { T } from '../../types/sql-type.js';
import type { ParamType, ScalarFunction } from '../types.js';
import { p } from './support.js';

const G = (name: string): ParamType => ({ kind: 'GENERIC', name });
const lambda = (params: readonly ParamType[], returns: ParamType): ParamType => ({ kind: 'LAMBDA_PARAM', params, returns });
const arrayOf = (element: ParamType): ParamType => ({ kind: 'ARRAY', element });
const mapOf = (key: ParamType, value: ParamType): ParamType => ({ kind: 'MAP', key, value });

type Fn1 = (a: unknown) => unknown;
type Fn2 = (a: unknown, b: unknown) => unknown;
type Fn3 = (a: unknown, b: unknown, c: unknown) => unknown;

/** Collectors.toMap semantics: duplicate keys and null values are errors. */
function putUnique(out: Map<unknown, unknown>, k: unknown, v: unknown): void {
  if (v === null || v === undefined) throw new Error('Map values must not be null');
  if (out.has(k)) throw new Error(`Duplicate key ${String(k)} (attempted merging values ${String(out.get(k))} and ${String(v)})`);
  out.set(k, v);
}

function transformMap(map: Map<unknown, unknown> | null, keyFn: Fn2, valueFn: Fn2): Map<unknown, unknown> | null {
  if (map === null) return null;
  const out = new Map<unknown, unknown>();
  for (const [k, v] of map) putUnique(out, keyFn(k, v) ?? null, valueFn(k, v));
  return out;
}

function filterMap(map: Map<unknown, unknown> | null, pred: Fn2): Map<unknown, unknown> | null {
  if (map === null) return null;
  const out = new Map<unknown, unknown>();
  for (const [k, v] of map) if (pred(k, v) === true) putUnique(out, k, v);
  return out;
}

function reduceArray(list: unknown[] | null, state: unknown, fn: Fn2): unknown {
  if (state === null || state === undefined) return null;
  if (list === null) return state;
  let s: unknown = state;
  for (const x of list) s = fn(s, x ?? null);
  return s ?? null;
}

function reduceMap(map: Map<unknown, unknown> | null, state: unknown, fn: Fn3): unknown {
  if (state === null || state === undefined) return null;
  if (map === null) return state;
  let s: unknown = state;
  for (const [k, v] of map) s = fn(s, k, v);
  return s ?? null;
}

export const lambdaFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'TRANSFORM',
    category: 'LAMBDA',
    description: 'Applies a function to each element of an array, or to each key and value of a map (two functions).',
    overloads: [
      {
        params: [p('array', arrayOf(G('T'))), p('function', lambda([G('T')], G('R')))],
        returns: arrayOf(G('R')),
        impl: (a: unknown[] | null, fn: Fn1) => {
          if (a === null) return null;
          const out = new Array<unknown>(a.length);
          for (let i = 0; i < a.length; i++) out[i] = fn(a[i] ?? null) ?? null;
          return out;
        },
      },
      {
        params: [
          p('map', mapOf(G('K'), G('V'))),
          p('keyFunction', lambda([G('K'), G('V')], G('R'))),
          p('valueFunction', lambda([G('K'), G('V')], G('S'))),
        ],
        returns: mapOf(G('R'), G('S')),
        impl: transformMap,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'FILTER',
    category: 'LAMBDA',
    description: 'Keeps the elements of an array, or the entries of a map, for which the function returns true.',
    overloads: [
      {
        params: [p('array', arrayOf(G('T'))), p('function', lambda([G('T')], T.BOOLEAN))],
        returns: arrayOf(G('T')),
        impl: (a: unknown[] | null, fn: Fn1) => (a === null ? null : a.filter((x) => fn(x ?? null) === true)),
      },
      {
        params: [p('map', mapOf(G('K'), G('V'))), p('function', lambda([G('K'), G('V')], T.BOOLEAN))],
        returns: mapOf(G('K'), G('V')),
        impl: filterMap,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'REDUCE',
    category: 'LAMBDA',
    description: 'Reduces an array or map to one value from an initial state; NULL when the state is NULL.',
    overloads: [
      {
        params: [p('array', arrayOf(G('T'))), p('initialState', G('S')), p('function', lambda([G('S'), G('T')], G('S')))],
        returns: G('S'),
        impl: reduceArray,
      },
      {
        params: [
          p('map', mapOf(G('K'), G('V'))),
          p('initialState', G('S')),
          p('function', lambda([G('S'), G('K'), G('V')], G('S'))),
        ],
        returns: G('S'),
        impl: reduceMap,
      },
    ],
  },
];
