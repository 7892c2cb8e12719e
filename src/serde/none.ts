/**
 * The NONE format, and any format used with no columns (e.g. the key of a keyless stream): nothing
 * is written (null bytes) and whatever is read is ignored.
 */
import { AnalysisError } from '../errors.js';
import type { Column } from '../types/schema.js';
import { columnsText } from './text.js';
import type { Serde } from './serde.js';

const EMPTY: Serde = {
  serialize: () => null,
  deserialize: () => [],
};

export function createEmptySerde(): Serde {
  return EMPTY;
}

export function createNoneSerde(columns: readonly Column[], isKey: boolean): Serde {
  if (columns.length > 0) {
    throw new AnalysisError(`The 'NONE' format can only be used when no columns are defined. Got: ${columnsText(columns, isKey)}`);
  }
  return EMPTY;
}
