/**
 * The JSON_SR serde: Confluent's framing (magic byte, schema id) around a JSON body.
 *
 * Reading, as ksqlDB's default JsonSchemaConverter-based deserializer: the bytes must be framed
 * ("Unknown magic byte!" otherwise — plain JSON is refused), the id must name a schema the catalog
 * knows (UnknownSchemaError), and the body is read by that writer schema (read.ts; the record is
 * not validated against it). Readers are compiled once per writer id; the hot path compares the
 * id with the last one's and hands the body (a subarray, no copy) to the compiled reader.
 *
 * Writing: with the schema of options.schemaId when set, else with the schema generated for the
 * columns (schemaFor), whose id is looked up in the catalog under the topic's subject at the first
 * record (the engine registers it when the statement runs).
 */
import { subjectName, type SchemaBinding } from '../../registry/schema.js';
import type { Column } from '../../types/schema.js';
import { HEADER_SIZE, MAGIC_BYTE, UnknownSchemaError, frame } from '../confluent-wire.js';
import { createJsonSerde, isUnwrapped } from '../json.js';
import { createEmptySerde } from '../none.js';
import { SerdeError, type FormatOptions, type Serde } from '../serde.js';
import { connectOfColumns, type ConnectSchema } from './connect.js';
import { connectSchemaOf } from './parse.js';
import { bodyReader, type BodyReader } from './read.js';
import { checkColumns, schemaFor } from './schema.js';
import { bodyWriter, type BodyWriter } from './write.js';

export function createJsonSchemaSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean, binding: SchemaBinding): Serde {
  checkColumns(columns, options, isKey);
  if (columns.length === 0) return createEmptySerde();
  const unwrapped = isUnwrapped(columns, options, isKey);
  const catalog = binding.catalog;
  const topic = options.topic ?? binding.topic;
  const target = isKey ? 'key' : 'value';
  const json = createJsonSerde(columns, { ...options, topic }, isKey);
  const n = columns.length;

  const readFailure = (msg: string) => new SerdeError(`Failed to deserialize ${target} from topic: ${topic}. ${msg}`);
  const readers = new Map<number, BodyReader>();
  let lastId = -1;
  let lastReader: BodyReader | undefined;

  function readerFor(id: number): BodyReader {
    let r = readers.get(id);
    if (r === undefined) {
      const registered = catalog.byId(id);
      if (registered === undefined) throw new UnknownSchemaError(id);
      let writer: ConnectSchema;
      try {
        writer = connectSchemaOf(registered, catalog);
      } catch (e) {
        throw readFailure(`The writer schema (id ${id}) cannot be read: ${(e as Error).message}`);
      }
      r = bodyReader(writer, columns, unwrapped, json);
      readers.set(id, r);
    }
    lastId = id;
    lastReader = r;
    return r;
  }

  function read(bytes: Buffer, out: unknown[], at: number): boolean {
    if (bytes.length < HEADER_SIZE || bytes[0] !== MAGIC_BYTE) throw readFailure('Unknown magic byte!');
    const id = bytes.readInt32BE(1);
    const reader = id === lastId ? lastReader! : readerFor(id);
    try {
      return reader(bytes.subarray(HEADER_SIZE), out, at);
    } catch (e) {
      if (e instanceof SerdeError) throw e;
      throw readFailure((e as Error).message);
    }
  }

  let writeId: number | undefined;
  let write: BodyWriter | undefined;
  const writeFailure = (msg: string) => new SerdeError(`Error serializing message to topic: ${topic}. ${msg}`);

  function resolveWriter(): BodyWriter {
    let schema: ConnectSchema;
    let id: number;
    if (options.schemaId !== undefined) {
      const registered = catalog.byId(options.schemaId);
      if (registered === undefined) throw new UnknownSchemaError(options.schemaId);
      try {
        schema = connectSchemaOf(registered, catalog);
      } catch (e) {
        throw writeFailure((e as Error).message);
      }
      id = options.schemaId;
    } else {
      const subject = subjectName(topic, isKey);
      const found = catalog.idOf(subject, schemaFor(columns, options, isKey));
      if (found === undefined) throw writeFailure(`The JSON_SR schema of the ${target} is not registered under subject '${subject}'.`);
      schema = connectOfColumns(columns, unwrapped);
      id = found;
    }
    try {
      write = bodyWriter(schema, columns, unwrapped);
    } catch (e) {
      throw writeFailure((e as Error).message);
    }
    writeId = id;
    return write;
  }

  return {
    serialize(values) {
      if (values === null) return null;
      // A bare null is no record at all (a tombstone), as ksqlDB's unwrapped serializer gives.
      if (unwrapped && values[0] == null) return null;
      const w = write ?? resolveWriter();
      let body: Buffer;
      try {
        body = w(values);
      } catch (e) {
        if (e instanceof SerdeError) throw e;
        throw writeFailure((e as Error).message);
      }
      return frame(writeId!, body);
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
