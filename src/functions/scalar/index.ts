/** Gathers every scalar-function module. Add a module's export here when you add a module. */
import type { ScalarFunction } from '../types.js';
import { stringFunctions } from './string.js';
import { regexFunctions } from './regex.js';
import { urlFunctions } from './url.js';
import { encodingFunctions } from './encoding.js';
import { jsonFunctions } from './json.js';
import { conditionalFunctions } from './conditional.js';
import { mathFunctions } from './math.js';
import { otherFunctions } from './other.js';
import { dateTimeFunctions } from './datetime.js';
import { arrayFunctions } from './array.js';
import { mapFunctions } from './map.js';
import { lambdaFunctions } from './lambda.js';

export const allScalarFunctions: readonly ScalarFunction[] = [
  ...stringFunctions,
  ...regexFunctions,
  ...urlFunctions,
  ...encodingFunctions,
  ...jsonFunctions,
  ...conditionalFunctions,
  ...mathFunctions,
  ...otherFunctions,
  ...dateTimeFunctions,
  ...arrayFunctions,
  ...mapFunctions,
  ...lambdaFunctions,
];
