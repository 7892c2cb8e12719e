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
import type { SchemaFormat, SchemaFormatName } from './schema-format.js';
import { avroFormat } from './avro/index.js';
import { protobufFormat, protobufNoSrFormat } from './protobuf/index.js';
import { jsonSchemaFormat } from './json-schema/index.js';
import { EMPTY_CATALOG, type SchemaBinding } from '../registry/schema.js';

export { SerdeError } from './serde.js';
export type { FormatName, FormatOptions, Serde, SerdeFactory } from './serde.js';
export { formatFromProperties, parseFormatName, type FormatDefaults, type FormatSpec } from './properties.js';
export { delimiterChar } from './delimited.js';

export type { SchemaFormat, SchemaFormatName } from './schema-format.js';

const SCHEMA_FORMATS: Readonly<Record<SchemaFormatName, SchemaFormat>> = {
  AVRO: avroFormat,
  PROTOBUF: protobufFormat,
  PROTOBUF_NOSR: protobufNoSrFormat,
  JSON_SR: jsonSchemaFormat,
};

/** The schema format module of a format, or undefined for the formats without schemas. */
export function schemaFormat(format: FormatName): SchemaFormat | undefined {
  return SCHEMA_FORMATS[format as SchemaFormatName];
}

/**
 * A serde for the columns in a format. Schema-registry formats read and write their schemas
 * through `binding` (the topic's subjects in the engine's catalog); without one they know no
 * registered schema, which is enough to validate columns but not to read or write records.
 */
export function createSerde(format: FormatName, columns: readonly Column[], options: FormatOptions, isKey: boolean, binding?: SchemaBinding): Serde {
  if (isKey) checkKeyColumns(columns);
  if (format === 'NONE') return createNoneSerde(columns, isKey);
  const sr = schemaFormat(format);
  if (sr) return sr.createSerde(columns, options, isKey, binding ?? { topic: options.topic ?? '', catalog: EMPTY_CATALOG });
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
