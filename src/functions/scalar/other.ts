/** Miscellaneous functions: AS_VALUE. */
import type { ScalarFunction } from '../types.js';
import { GENERIC_T, p } from './support.js';

export const otherFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'AS_VALUE',
    category: 'OTHER',
    description: "Copies a row's key column into the row's value.",
    overloads: [{ params: [p('keyColumn', GENERIC_T)], returns: GENERIC_T, impl: (v: unknown) => v }],
  },
];
