/**
 * Table functions EXPLODE and CUBE_EXPLODE. Each returns the output values for one input row
 * (an empty array for NULL input, as ksqlDB emits no rows). Zipping several table functions in one
 * SELECT is the planner's job.
 */
import type { SqlType } from '../../types/sql-type.js';
import type { ParamType, ResolvedArgs, TableFunction } from '../types.js';

const T_: ParamType = { kind: 'GENERIC', name: 'T' };
const ARRAY_T: ParamType = { kind: 'ARRAY', element: T_ };

/** CUBE_EXPLODE produces 2^n rows; ksqlDB caps n to keep a bad query from exhausting memory. */
export const CUBE_MAX_COLUMNS = 20;

/**
 * All combinations of the columns being kept or replaced by NULL, in ksqlDB's order (bit i of the
 * mask, counted from the right, keeps column n-1-i). A NULL column yields one combination, not two.
 */
export function cubeCombinations(columns: readonly unknown[] | null): unknown[][] {
  if (columns === null) return [];
  const n = columns.length;
  if (n > CUBE_MAX_COLUMNS) {
    throw new Error(
      `CUBE_EXPLODE input size (${n}) exceeds the maximum of ${CUBE_MAX_COLUMNS} columns. The output cardinality is 2^N rows and would exhaust server memory.`,
    );
  }
  let nonNullMask = 0;
  for (let i = 0; i < n; i++) if (columns[i] !== null && columns[i] !== undefined) nonNullMask |= 1 << (n - 1 - i);
  const out: unknown[][] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    if ((mask & nonNullMask) !== mask) continue; // would duplicate a row where a NULL column is "kept"
    const row = new Array<unknown>(n);
    for (let i = 0; i < n; i++) row[i] = mask & (1 << (n - 1 - i)) ? columns[i] : null;
    out.push(row);
  }
  return out;
}

const elementOf = (args: ResolvedArgs): SqlType => {
  const t = args.types[0];
  if (!t || t.kind !== 'ARRAY') throw new Error('explode should be provided with an ARRAY');
  return t.element;
};

export const explodeFunctions: TableFunction[] = [
  {
    kind: 'table',
    name: 'EXPLODE',
    category: 'TABLE',
    description: 'Explodes an array. This function outputs one value for each element of the array.',
    overloads: [
      // ksqlDB lists the DECIMAL overload separately (it appears in "Valid alternatives").
      {
        params: [{ name: 'input', type: { kind: 'ARRAY', element: { kind: 'ANY_DECIMAL' } } }],
        returns: elementOf,
        impl: (a: unknown[] | null) => a ?? [],
      },
      { params: [{ name: 'list', type: ARRAY_T }], returns: T_, impl: (a: unknown[] | null) => a ?? [] },
    ],
  },
  {
    kind: 'table',
    name: 'CUBE_EXPLODE',
    category: 'TABLE',
    description:
      'Takes as argument a list of columns and outputs all possible combinations of them. It produces 2^d new rows where d is the number of columns given as parameter. Duplicate entries for columns with null value are skipped.',
    overloads: [{ params: [{ name: 'columns', type: ARRAY_T }], returns: ARRAY_T, impl: cubeCombinations }],
  },
];
