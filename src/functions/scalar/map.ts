/**
 * Map functions: AS_MAP, ENTRIES, MAP_KEYS, MAP_VALUES, MAP_UNION. Maps are JS Maps keyed by string.
 */
import { T, type SqlType } from '../../types/sql-type.js';
import type { ParamType, ResolvedArgs, ScalarFunction, ScalarOverload } from '../types.js';
import { GENERIC_T, p } from './support.js';

const MAP_T: ParamType = { kind: 'MAP', key: T.STRING, value: GENERIC_T };

function mapUnion(a: Map<string, unknown> | null, b: Map<string, unknown> | null): Map<string, unknown> | null {
  if (a === null && b === null) return null;
  const out = new Map(a ?? undefined);
  if (b !== null) for (const [k, v] of b) out.set(k, v);
  return out;
}

function asMap(keys: readonly (string | null)[], values: readonly unknown[]): Map<string | null, unknown> {
  const out = new Map<string | null, unknown>();
  for (let i = 0; i < keys.length; i++) out.set(keys[i] ?? null, i < values.length ? (values[i] ?? null) : null);
  return out;
}

function entries(map: Map<string, unknown>, sorted: boolean): { K: string; V: unknown }[] {
  const out: { K: string; V: unknown }[] = [];
  for (const [K, V] of map) out.push({ K, V });
  // String.compareTo order (UTF-16 code units), as Entry.comparingByKey
  if (sorted) out.sort((x, y) => (x.K < y.K ? -1 : x.K > y.K ? 1 : 0));
  return out;
}

const entryType = (value: SqlType): SqlType =>
  T.array(T.struct([{ name: 'K', type: T.STRING }, { name: 'V', type: value }]));

/** ksqlDB declares ENTRIES for these value types (and STRUCT) only. */
function entriesOverload(value: SqlType | { kind: 'ANY_STRUCT' }): ScalarOverload {
  return {
    params: [p('map', { kind: 'MAP', key: T.STRING, value }), p('sorted', T.BOOLEAN)],
    returns:
      value.kind === 'ANY_STRUCT'
        ? (args: ResolvedArgs) => {
            const m = args.types[0];
            return entryType(m && m.kind === 'MAP' ? m.value : T.struct([]));
          }
        : entryType(value as SqlType),
    nullOnNullInput: true,
    impl: entries,
  };
}

export const mapFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'AS_MAP',
    category: 'MAP',
    description: 'Constructs a map from an array of keys and an array of values.',
    overloads: [
      {
        params: [p('keys', T.array(T.STRING)), p('values', { kind: 'ARRAY', element: GENERIC_T })],
        returns: MAP_T,
        nullOnNullInput: true,
        impl: asMap,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ENTRIES',
    category: 'MAP',
    description: 'Creates an array of structs with fields K and V from the entries of a map, optionally sorted by key.',
    overloads: [T.INTEGER, T.BIGINT, T.DOUBLE, T.BOOLEAN, T.STRING, { kind: 'ANY_STRUCT' as const }].map(entriesOverload),
  },
  {
    kind: 'scalar',
    name: 'MAP_KEYS',
    category: 'MAP',
    description: 'Returns an array of the keys of a map.',
    overloads: [{ params: [p('map', MAP_T)], returns: T.array(T.STRING), nullOnNullInput: true, impl: (m: Map<string, unknown>) => [...m.keys()] }],
  },
  {
    kind: 'scalar',
    name: 'MAP_VALUES',
    category: 'MAP',
    description: 'Returns an array of the values of a map.',
    overloads: [
      {
        params: [p('map', MAP_T)],
        returns: { kind: 'ARRAY', element: GENERIC_T },
        nullOnNullInput: true,
        impl: (m: Map<string, unknown>) => [...m.values()],
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'MAP_UNION',
    category: 'MAP',
    description: 'Returns the union of two maps; for keys in both, the value of the second wins. NULL when both are NULL.',
    overloads: [{ params: [p('map1', MAP_T), p('map2', MAP_T)], returns: MAP_T, impl: mapUnion }],
  },
];
