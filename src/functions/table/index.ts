/** Gathers every table-function module. */
import type { TableFunction } from '../types.js';

export const allTableFunctions: readonly TableFunction[] = [];
