/** JSON_SR: placeholder until the JSON Schema module lands. */
import type { SchemaFormat, SchemaTypeSupport } from '../schema-format.js';
import { notYet } from '../schema-format-stub.js';

export const jsonSchemaFormat: SchemaFormat = notYet('JSON_SR', 'JSON');
export const jsonSchemaSupport: SchemaTypeSupport = { schemaType: 'JSON', canonical: (s) => s.schema, backwardProblems: () => [] };
