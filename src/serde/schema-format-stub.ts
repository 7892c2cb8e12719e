/** Temporary: a SchemaFormat that refuses every use (removed when the format modules land). */
import { AnalysisError } from '../errors.js';
import type { SchemaType } from '../registry/schema.js';
import type { SchemaFormat, SchemaFormatName } from './schema-format.js';

export function notYet(name: SchemaFormatName, schemaType: SchemaType | undefined): SchemaFormat {
  const no = (): never => {
    throw new AnalysisError(`The '${name}' format is not supported by Sluice yet (schema-registry formats are not implemented).`);
  };
  return { name, schemaType, schemaFor: no, columnsOf: no, createSerde: no, encodeSpec: no, decodeSpec: no };
}
