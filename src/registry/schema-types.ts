/** Per schemaType knowledge (validity, canonical form, evolution), from each format's module. */
import type { SchemaTypeSupport } from '../serde/schema-format.js';
import type { SchemaType } from './schema.js';
import { avroSchemaSupport } from '../serde/avro/index.js';
import { protobufSchemaSupport } from '../serde/protobuf/index.js';
import { jsonSchemaSupport } from '../serde/json-schema/index.js';

const SUPPORT: Readonly<Record<SchemaType, SchemaTypeSupport>> = {
  AVRO: avroSchemaSupport,
  PROTOBUF: protobufSchemaSupport,
  JSON: jsonSchemaSupport,
};

export function schemaTypeSupport(type: SchemaType): SchemaTypeSupport {
  return SUPPORT[type];
}

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

/** A schemaType as the REST API gives it: absent means AVRO. */
export function parseSchemaType(t: unknown): SchemaType | undefined {
  if (t === undefined || t === null) return 'AVRO';
  const u = String(t).toUpperCase();
  return (SCHEMA_TYPES as readonly string[]).includes(u) ? (u as SchemaType) : undefined;
}
