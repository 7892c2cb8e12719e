/** The function registry the conformance runners use: the built-ins plus ksqlDB's test functions. */
import { FunctionRegistry } from '../../src/functions/registry.js';
import { allScalarFunctions } from '../../src/functions/scalar/index.js';
import { allTableFunctions } from '../../src/functions/table/index.js';
import { allAggregateFunctions } from '../../src/functions/aggregate/index.js';
import { testAggregateFunctions, testScalarFunctions, testTableFunctions } from './test-udfs.js';

export const conformanceFunctions = new FunctionRegistry(
  [...allScalarFunctions, ...testScalarFunctions],
  [...allTableFunctions, ...testTableFunctions],
  [...allAggregateFunctions, ...testAggregateFunctions],
);
