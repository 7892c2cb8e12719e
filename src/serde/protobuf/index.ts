/**
 * PROTOBUF (Confluent Schema Registry framing) and PROTOBUF_NOSR (bare messages of the schema
 * generated from the columns), with ksqlDB's schema generation, inference and type mapping.
 */
import { AnalysisError } from '../../errors.js';
import type { SchemaFormat } from '../schema-format.js';
import { inferColumns } from './infer.js';
import { generateSchema, isUnwrappedNoSr } from './schema.js';
import { createProtobufSerde } from './serde.js';
import { decodeSpec, encodeSpec } from './spec.js';

export { protobufSchemaSupport } from './compat.js';

export const protobufFormat: SchemaFormat = {
  name: 'PROTOBUF',
  schemaType: 'PROTOBUF',
  schemaFor: (columns, options) => generateSchema(columns, options, false),
  columnsOf: (schema, options, isKey, catalog) => inferColumns(schema, options, isKey, catalog),
  createSerde: (columns, options, isKey, binding) => createProtobufSerde(columns, options, isKey, binding, false),
  encodeSpec,
  decodeSpec,
};

export const protobufNoSrFormat: SchemaFormat = {
  name: 'PROTOBUF_NOSR',
  schemaType: undefined,
  schemaFor: (columns, options, isKey) => generateSchema(columns, options, isUnwrappedNoSr(columns, options, isKey)),
  columnsOf: () => {
    throw new AnalysisError("The 'PROTOBUF_NOSR' format does not support schema inference.");
  },
  createSerde: (columns, options, isKey, binding) => createProtobufSerde(columns, options, isKey, binding, true),
  encodeSpec,
  decodeSpec,
};
