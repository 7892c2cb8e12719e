/** PROTOBUF and PROTOBUF_NOSR: placeholder until the Protobuf module lands. */
import type { SchemaFormat, SchemaTypeSupport } from '../schema-format.js';
import { notYet } from '../schema-format-stub.js';

export const protobufFormat: SchemaFormat = notYet('PROTOBUF', 'PROTOBUF');
export const protobufNoSrFormat: SchemaFormat = notYet('PROTOBUF_NOSR', undefined);
export const protobufSchemaSupport: SchemaTypeSupport = { schemaType: 'PROTOBUF', canonical: (s) => s.schema, backwardProblems: () => [] };
