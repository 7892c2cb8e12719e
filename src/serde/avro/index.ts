/**
 * The AVRO format (Confluent Schema Registry Avro), as ksqlDB's AvroFormat: generated schemas
 * (schema.ts), schema inference (infer.ts), the serde (serde.ts over reader.ts / writer.ts), test
 * vector conversion (spec.ts) and the registry's canonical form and compatibility (compat.ts).
 */
import { AnalysisError } from '../../errors.js';
import type { RegisteredSchema, SchemaCatalog, SchemaText } from '../../registry/schema.js';
import { HEADER_SIZE, MAGIC_BYTE, UnknownSchemaError, schemaIdOf } from '../confluent-wire.js';
import type { SchemaFormat } from '../schema-format.js';
import { SerdeError, type FormatOptions } from '../serde.js';
import { inferColumns } from './infer.js';
import { parseSchema } from './model.js';
import { generateSchema } from './schema.js';
import { createAvroSerde } from './serde.js';
import { readSpec, writeSpec } from './spec.js';
import { ReadTap, WriteTap } from './tap.js';

export { avroSchemaSupport } from './compat.js';

function parsed(schema: SchemaText, catalog: SchemaCatalog) {
  try {
    return parseSchema(schema, catalog).root;
  } catch (e) {
    throw new AnalysisError(`Invalid Avro schema: ${(e as Error).message}`);
  }
}

export const avroFormat: SchemaFormat = {
  name: 'AVRO',
  schemaType: 'AVRO',

  schemaFor(columns, options: FormatOptions, isKey): SchemaText {
    return { schemaType: 'AVRO', schema: generateSchema(columns, options, isKey) };
  },

  columnsOf(schema: RegisteredSchema, options, isKey, catalog) {
    const unwrapped = isKey || options.wrapSingleValue === false;
    return inferColumns(parsed(schema, catalog), isKey, unwrapped, options.schemaId !== undefined);
  },

  createSerde: createAvroSerde,

  encodeSpec(spec, schema, id, catalog) {
    const root = parsed(schema, catalog);
    const w = new WriteTap();
    for (;;) {
      w.pos = 0;
      if (id !== undefined) {
        w.buf[0] = MAGIC_BYTE;
        w.buf.writeInt32BE(id, 1);
        w.pos = HEADER_SIZE;
      }
      writeSpec(w, root, spec);
      if (w.fits()) return w.bytes();
      w.grow();
    }
  },

  decodeSpec(bytes, catalog, unframed) {
    let schema: SchemaText | undefined = unframed;
    let at = 0;
    if (!schema) {
      const id = schemaIdOf(bytes);
      schema = catalog.byId(id);
      if (!schema) throw new UnknownSchemaError(id);
      at = HEADER_SIZE;
    }
    const t = new ReadTap();
    t.reset(bytes, at);
    try {
      const v = readSpec(t, parsed(schema, catalog));
      t.check();
      return v;
    } catch (e) {
      if (e instanceof SerdeError) throw e;
      throw new SerdeError(`Error deserializing Avro message: ${(e as Error).message}`);
    }
  },
};
