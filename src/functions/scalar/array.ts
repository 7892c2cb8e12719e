/**
 * Array functions: ARRAY_CONCAT, ARRAY_CONTAINS, ARRAY_DISTINCT, ARRAY_EXCEPT, ARRAY_INTERSECT,
 * ARRAY_JOIN, ARRAY_LENGTH, ARRAY_MAX, ARRAY_MIN, ARRAY_REMOVE, ARRAY_SORT, ARRAY_UNION,
 * GENERATE_SERIES, SLICE. Generic over the element type ('T'); element equality and ordering
 * follow Java's equals / compareTo (sql-values.ts).
 */
import { T, type SqlType } from '../../types/sql-type.js';
import type { ParamType, ResolvedArgs, ScalarFunction } from '../types.js';
import { ValueSet, compareValues, javaToString, javaToStringForType, sqlEquals } from './sql-values.js';
import { GENERIC_T, p, type SpecializableOverload } from './support.js';

const ARRAY_T: ParamType = { kind: 'ARRAY', element: GENERIC_T };
const arr = (name = 'array') => p(name, ARRAY_T);

function distinct(values: readonly unknown[], seen = new ValueSet()): unknown[] {
  const out: unknown[] = [];
  for (const v of values) if (seen.add(v)) out.push(v);
  return out;
}

function extreme(values: readonly unknown[] | null, sign: 1 | -1): unknown {
  if (values === null) return null;
  let best: unknown = null;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (best === null || sign * compareValues(v, best) > 0) best = v;
  }
  return best;
}

/** Sorted copy, nulls last in both directions (Comparator.nullsLast). */
function sortArray(values: readonly unknown[], descending: boolean): unknown[] {
  const nonNull: unknown[] = values.filter((v) => v !== null && v !== undefined);
  nonNull.sort(descending ? (a, b) => compareValues(b, a) : compareValues);
  for (let i = nonNull.length; i < values.length; i++) nonNull.push(null);
  return nonNull;
}

function sortDirection(direction: string | null): boolean | null {
  if (direction === null) throw new Error('Sort direction must not be null');
  const d = direction.toUpperCase();
  if (d === 'ASC' || d === 'ASCENDING') return false;
  if (d === 'DESC' || d === 'DESCENDING') return true;
  return null;
}

function joinArray(values: readonly unknown[] | null, delimiter: string | null, toStr: (v: unknown) => string): string | null {
  if (values === null) return null;
  const parts: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && typeof v === 'object' && !isDecimalLike(v)) {
      throw new Error(`error: hit element of type ${Array.isArray(v) ? 'ARRAY' : v instanceof Map ? 'MAP' : 'STRUCT'} which is currently not supported`);
    }
    parts[i] = v === null || v === undefined ? 'null' : toStr(v);
  }
  return parts.join(delimiter ?? '');
}

function isDecimalLike(v: object): boolean {
  return typeof (v as { unscaled?: unknown }).unscaled === 'bigint';
}

/** ARRAY_JOIN's element printer depends on the element type (DOUBLE 1.0 vs BIGINT 1 share a JS value). */
function joinOverload(withDelimiter: boolean): SpecializableOverload {
  const element = (args: ResolvedArgs): SqlType => {
    const t = args.types[0];
    return t && t.kind === 'ARRAY' ? t.element : T.NULL;
  };
  const params = withDelimiter ? [arr(), p('delimiter', T.STRING)] : [arr()];
  return {
    params,
    returns: T.STRING,
    impl: withDelimiter
      ? (a: unknown[] | null, d: string | null) => joinArray(a, d, javaToString)
      : (a: unknown[] | null) => joinArray(a, ',', javaToString),
    specialize: (args) => {
      const toStr = javaToStringForType(element(args));
      return withDelimiter
        ? (a: unknown[] | null, d: string | null) => joinArray(a, d, toStr)
        : (a: unknown[] | null) => joinArray(a, ',', toStr);
    },
  };
}

function series(start: number, end: number, step: number): number[] {
  if (step === 0) throw new Error('GENERATE_SERIES step cannot be zero');
  const diff = end - start;
  if ((diff > 0 && step < 0) || (diff < 0 && step > 0)) throw new Error('GENERATE_SERIES step has wrong sign');
  const size = 1 + Math.trunc(diff / step);
  const out: number[] = new Array(size);
  for (let i = 0, v = start; i < size; i++, v += step) out[i] = v;
  return out;
}

const defaultStep = (start: number, end: number): number => (end - start > 0 ? 1 : -1);

function slice(values: unknown[] | null, from: number | null, to: number | null): unknown[] | null {
  if (values === null) return null;
  const start = from === null ? 0 : from - 1;
  const end = to === null ? values.length : to;
  // List.subList bounds: out of range yields NULL, as in ksqlDB
  if (start < 0 || end > values.length || start > end) return null;
  return values.slice(start, end);
}

export const arrayFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'ARRAY_CONCAT',
    category: 'ARRAY',
    description: 'Concatenates two arrays; NULL when both are NULL, the other one when one is NULL.',
    overloads: [
      {
        params: [arr('array1'), arr('array2')],
        returns: ARRAY_T,
        impl: (a: unknown[] | null, b: unknown[] | null) => (a === null ? (b === null ? null : [...b]) : b === null ? [...a] : a.concat(b)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_CONTAINS',
    category: 'ARRAY',
    description: 'Returns true if the array contains the value (false for a NULL array).',
    overloads: [
      {
        params: [arr(), p('value', GENERIC_T)],
        returns: T.BOOLEAN,
        impl: (a: unknown[] | null, v: unknown) => {
          if (a === null) return false;
          if (v === null || typeof v !== 'object') return a.includes(v) || (Number.isNaN(v) && a.some((x) => Number.isNaN(x)));
          return a.some((x) => sqlEquals(x, v));
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_DISTINCT',
    category: 'ARRAY',
    description: 'Returns the distinct values of an array, including NULL, in order of first occurrence.',
    overloads: [{ params: [arr()], returns: ARRAY_T, nullOnNullInput: true, impl: (a: unknown[]) => distinct(a) }],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_EXCEPT',
    category: 'ARRAY',
    description: 'Returns the distinct elements of the first array that are not in the second.',
    overloads: [
      {
        params: [arr('array1'), arr('array2')],
        returns: ARRAY_T,
        nullOnNullInput: true,
        impl: (a: unknown[], b: unknown[]) => distinct(a, ValueSet.of(b)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_INTERSECT',
    category: 'ARRAY',
    description: 'Returns the distinct elements present in both arrays, in the order of the first.',
    overloads: [
      {
        params: [arr('array1'), arr('array2')],
        returns: ARRAY_T,
        nullOnNullInput: true,
        impl: (a: unknown[], b: unknown[]) => {
          const inB = ValueSet.of(b);
          return distinct(a).filter((v) => inB.has(v));
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_JOIN',
    category: 'ARRAY',
    description: "Joins the elements of an array of primitives into a string, separated by a delimiter (default ',').",
    overloads: [joinOverload(false), joinOverload(true)],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_LENGTH',
    category: 'ARRAY',
    description: 'Returns the number of elements in an array, or NULL for a NULL array.',
    overloads: [{ params: [arr()], returns: T.INTEGER, nullOnNullInput: true, impl: (a: unknown[]) => a.length }],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_MAX',
    category: 'ARRAY',
    description: 'Returns the maximum non-NULL value of an array of primitives (NULL if none).',
    overloads: [{ params: [arr()], returns: GENERIC_T, impl: (a: unknown[] | null) => extreme(a, 1) }],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_MIN',
    category: 'ARRAY',
    description: 'Returns the minimum non-NULL value of an array of primitives (NULL if none).',
    overloads: [{ params: [arr()], returns: GENERIC_T, impl: (a: unknown[] | null) => extreme(a, -1) }],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_REMOVE',
    category: 'ARRAY',
    description: 'Removes all elements equal to the given value (which may be NULL).',
    overloads: [
      {
        params: [arr(), p('victim', GENERIC_T)],
        returns: ARRAY_T,
        impl: (a: unknown[] | null, v: unknown) => (a === null ? null : a.filter((x) => !sqlEquals(x, v ?? null))),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_SORT',
    category: 'ARRAY',
    description: "Sorts an array of primitives in natural order, 'ASC' (default) or 'DESC'; NULLs last.",
    overloads: [
      { params: [arr()], returns: ARRAY_T, nullOnNullInput: true, impl: (a: unknown[]) => sortArray(a, false) },
      {
        params: [arr(), p('direction', T.STRING)],
        returns: ARRAY_T,
        impl: (a: unknown[] | null, d: string | null) => {
          if (a === null) return null;
          const desc = sortDirection(d);
          return desc === null ? null : sortArray(a, desc);
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ARRAY_UNION',
    category: 'ARRAY',
    description: 'Returns the distinct elements of both arrays, in the order encountered.',
    overloads: [
      {
        params: [arr('array1'), arr('array2')],
        returns: ARRAY_T,
        nullOnNullInput: true,
        impl: (a: unknown[], b: unknown[]) => {
          const seen = new ValueSet();
          return distinct(a, seen).concat(distinct(b, seen));
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'GENERATE_SERIES',
    category: 'ARRAY',
    description: 'Constructs an array of values from start to end inclusive, with an optional INT step.',
    overloads: [
      {
        params: [p('start', T.INTEGER), p('end', T.INTEGER)],
        returns: T.array(T.INTEGER),
        nullOnNullInput: true,
        impl: (s: number, e: number) => series(s, e, defaultStep(s, e)),
      },
      {
        params: [p('start', T.INTEGER), p('end', T.INTEGER), p('step', T.INTEGER)],
        returns: T.array(T.INTEGER),
        nullOnNullInput: true,
        impl: series,
      },
      {
        params: [p('start', T.BIGINT), p('end', T.BIGINT)],
        returns: T.array(T.BIGINT),
        nullOnNullInput: true,
        impl: (s: number, e: number) => series(s, e, defaultStep(s, e)),
      },
      {
        params: [p('start', T.BIGINT), p('end', T.BIGINT), p('step', T.INTEGER)],
        returns: T.array(T.BIGINT),
        nullOnNullInput: true,
        impl: series,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'SLICE',
    category: 'ARRAY',
    description: 'Slices an array from a 1-based start index to an end index, both inclusive.',
    overloads: [
      {
        params: [arr(), p('from', T.INTEGER), p('to', T.INTEGER)],
        returns: ARRAY_T,
        impl: slice,
      },
    ],
  },
];
