/**
 * Serde factory: one module per format (json.ts, delimited.ts, kafka.ts, none.ts). Schema problems
 * are reported here, when the serde is created, with ksqlDB's messages (AnalysisError); per-record
 * problems later, as SerdeError.
 */
import { AnalysisError } from '../errors.js';
import type { Column } from '../types/schema.js';
import { createDelimitedSerde } from './delimited.js';
import { createJsonSerde } from './json.js';
import { createKafkaSerde } from './kafka.js';
import { createEmptySerde, createNoneSerde } from './none.js';
import { checkKeyColumns, checkWrapping } from './validate.js';
import type { FormatName, FormatOptions, Serde } from './serde.js';

export { SerdeError } from './serde.js';
export type { FormatName, FormatOptions, Serde, SerdeFactory } from './serde.js';
export { formatFromProperties, parseFormatName, type FormatDefaults, type FormatSpec } from './properties.js';
export { delimiterChar } from './delimited.js';

export function createSerde(format: FormatName, columns: readonly Column[], options: FormatOptions, isKey: boolean): Serde {
  if (isKey) checkKeyColumns(columns);
  switch (format) {
    case 'NONE':
      return createNoneSerde(columns, isKey);
    case 'AVRO':
    case 'PROTOBUF':
    case 'PROTOBUF_NOSR':
    case 'JSON_SR':
      throw new AnalysisError(`The '${format}' format is not supported by Sluice yet (schema-registry formats are not implemented).`);
  }
  checkWrapping(format, columns, options, isKey);
  // No columns (e.g. the key of a keyless stream): nothing is written and anything read is ignored.
  if (columns.length === 0 && (isKey || format !== 'JSON')) return createEmptySerde();
  switch (format) {
    case 'JSON':
      return createJsonSerde(columns, options, isKey);
    case 'DELIMITED':
      return createDelimitedSerde(columns, options, isKey);
    case 'KAFKA':
      return createKafkaSerde(columns, options, isKey);
    default:
      throw new AnalysisError(`Unknown format: ${String(format)}`);
  }
}
