/** Gathers every aggregate-function module. Add a module's export here when you add a module. */
import type { AggregateFunction } from './types.js';
import { collectFunctions } from './collect.js';
import { countDistinctFunctions } from './count-distinct.js';
import { countFunctions } from './count.js';
import { minMaxFunctions } from './minmax.js';
import { offsetFunctions } from './offset.js';
import { statsFunctions } from './stats.js';
import { sumFunctions } from './sum.js';
import { topKFunctions } from './topk.js';

export const allAggregateFunctions: readonly AggregateFunction[] = [
  ...countFunctions,
  ...countDistinctFunctions,
  ...sumFunctions,
  ...statsFunctions,
  ...minMaxFunctions,
  ...collectFunctions,
  ...topKFunctions,
  ...offsetFunctions,
];
