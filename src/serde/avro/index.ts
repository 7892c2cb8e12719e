/** AVRO: placeholder until the Avro module lands. */
import type { SchemaFormat, SchemaTypeSupport } from '../schema-format.js';
import { notYet } from '../schema-format-stub.js';

export const avroFormat: SchemaFormat = notYet('AVRO', 'AVRO');
export const avroSchemaSupport: SchemaTypeSupport = { schemaType: 'AVRO', canonical: (s) => s.schema, backwardProblems: () => [] };
