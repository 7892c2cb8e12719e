/**
 * The AVRO serde: Confluent-framed Avro binary. Records are read with the schema their id names,
 * through a reader compiled once per writer id (the last one kept for the common case of a topic
 * written with one schema). Records are written with KEY/VALUE_SCHEMA_ID's schema when given,
 * otherwise with the generated schema under the id the registry gave it — looked up on the first
 * write, so a serde that only reads needs no registration.
 */
import { subjectName, type SchemaBinding } from '../../registry/schema.js';
import type { Column } from '../../types/schema.js';
import { HEADER_SIZE, MAGIC_BYTE, UnknownSchemaError } from '../confluent-wire.js';
import { createEmptySerde } from '../none.js';
import { SerdeError, type FormatOptions, type Serde } from '../serde.js';
import { checkWrapping } from '../validate.js';
import { parseSchema } from './model.js';
import { compileRowReader, type RowRead } from './reader.js';
import { generateSchema, isUnwrapped } from './schema.js';
import { ReadTap, WriteTap } from './tap.js';
import { compileRowWriter, type RowWrite } from './writer.js';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createAvroSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean, binding: SchemaBinding): Serde {
  checkWrapping('AVRO', columns, options, isKey);
  // Checks the columns can be Avro (names, map keys) as ksqlDB does when the serde is made.
  const generated = generateSchema(columns, options, isKey);
  if (columns.length === 0) return createEmptySerde();

  const unwrapped = isUnwrapped(columns, options, isKey);
  const catalog = binding.catalog;
  const topic = options.topic ?? binding.topic;
  const subject = subjectName(binding.topic, isKey);
  const n = columns.length;

  const readers = new Map<number, RowRead>();
  let lastId = -1;
  let lastReader: RowRead | undefined;
  const tap = new ReadTap();

  const readerFor = (id: number): RowRead => {
    let r = readers.get(id);
    if (!r) {
      const schema = catalog.byId(id);
      if (!schema) throw new UnknownSchemaError(id);
      try {
        r = compileRowReader(parseSchema(schema, catalog).root, columns, unwrapped);
      } catch (e) {
        throw new SerdeError(`Error deserializing message from topic: ${topic}. Invalid schema for id ${id}: ${message(e)}`);
      }
      readers.set(id, r);
    }
    lastId = id;
    lastReader = r;
    return r;
  };

  const read = (bytes: Buffer, out: unknown[], at: number): boolean => {
    if (bytes.length < HEADER_SIZE || bytes[0] !== MAGIC_BYTE) {
      throw new SerdeError(`Error deserializing message from topic: ${topic}. Unknown magic byte!`);
    }
    const id = bytes.readInt32BE(1);
    const r = id === lastId ? lastReader! : readerFor(id);
    tap.reset(bytes, HEADER_SIZE);
    try {
      const ok = r(tap, out, at);
      tap.check();
      return ok;
    } catch (e) {
      throw new SerdeError(`Error deserializing message from topic: ${topic}. Error deserializing Avro message for id ${id}: ${message(e)}`);
    }
  };

  let writer: { id: number; write: RowWrite } | undefined;
  const w = new WriteTap();
  const prepareWriter = (): { id: number; write: RowWrite } => {
    if (options.schemaId !== undefined) {
      const schema = catalog.byId(options.schemaId);
      if (!schema) throw new UnknownSchemaError(options.schemaId);
      try {
        return { id: options.schemaId, write: compileRowWriter(parseSchema(schema, catalog).root, columns, unwrapped, true) };
      } catch (e) {
        throw serializeError(message(e));
      }
    }
    const id = catalog.idOf(subject, { schemaType: 'AVRO', schema: generated });
    if (id === undefined) {
      throw new SerdeError(`Error serializing message to topic: ${topic}. The schema is not registered under subject '${subject}': ${generated}`);
    }
    return { id, write: compileRowWriter(parseSchema({ schemaType: 'AVRO', schema: generated }, catalog).root, columns, unwrapped, false) };
  };
  const serializeError = (msg: string) =>
    new SerdeError(`Error serializing message to topic: ${topic}. ${msg}\nHint: You probably forgot to add ${isKey ? 'KEY' : 'VALUE'}_SCHEMA_ID when creating the source.`);

  return {
    serialize(values) {
      if (values === null || (unwrapped && values[0] == null)) return null;
      writer ??= prepareWriter();
      const { id, write } = writer;
      for (;;) {
        const b = w.buf;
        b[0] = MAGIC_BYTE;
        b[1] = id >>> 24;
        b[2] = (id >>> 16) & 0xff;
        b[3] = (id >>> 8) & 0xff;
        b[4] = id & 0xff;
        w.pos = HEADER_SIZE;
        try {
          write(w, values);
        } catch (e) {
          throw serializeError(message(e));
        }
        if (w.fits()) return w.bytes();
        w.grow();
      }
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      const out = new Array<unknown>(n);
      return read(bytes, out, 0) ? out : null;
    },
    deserializeInto(bytes, out, at) {
      return bytes !== null && read(bytes, out, at);
    },
  };
}
