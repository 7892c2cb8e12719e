/** Gathers every scalar-function module. Add a module's export here when you add a module. */
import type { ScalarFunction } from '../types.js';

export const allScalarFunctions: readonly ScalarFunction[] = [];
