/** Gathers every table-function module. */
import type { TableFunction } from '../types.js';
import { explodeFunctions } from './explode.js';

export const allTableFunctions: readonly TableFunction[] = [...explodeFunctions];
