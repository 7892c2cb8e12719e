/**
 * JSON_SR: JSON records framed with a schema registry id, described by JSON Schemas.
 *
 * schema.ts generates the schema ksqlDB registers for columns; parse.ts reads a registered
 * schema into its Connect form, infer.ts into columns; serde.ts frames and reads/writes records
 * (read.ts, convert.ts, write.ts); spec.ts converts test vectors' values; compat.ts gives the
 * registry canonical forms and compatibility.
 */
import type { SchemaFormat, SchemaTypeSupport } from '../schema-format.js';
import { backwardProblems, canonical } from './compat.js';
import { columnsOf } from './infer.js';
import { schemaFor } from './schema.js';
import { createJsonSchemaSerde } from './serde.js';
import { decodeSpec, encodeSpec } from './spec.js';

export const jsonSchemaFormat: SchemaFormat = {
  name: 'JSON_SR',
  schemaType: 'JSON',
  schemaFor,
  columnsOf,
  createSerde: createJsonSchemaSerde,
  encodeSpec,
  decodeSpec,
};

export const jsonSchemaSupport: SchemaTypeSupport = {
  schemaType: 'JSON',
  canonical: (schema) => canonical(schema),
  backwardProblems,
};
