/** Gathers every aggregate-function module. Add a module's export here when you add a module. */
import type { AggregateFunction } from './types.js';

export const allAggregateFunctions: readonly AggregateFunction[] = [];
