/**
 * The PROTOBUF and PROTOBUF_NOSR serdes.
 *
 * PROTOBUF records are Confluent-framed (magic byte, schema id, message indexes, body). Reading
 * compiles one decoder per (writer schema id, message) and keeps the last one for the common
 * case of a topic written with a single schema. Writing uses the registered schema named by
 * options.schemaId, or else the generated schema, whose id is looked up (once found, kept) at
 * the first record written.
 *
 * PROTOBUF_NOSR records are the bare message of the generated schema, which is both the reader's
 * and the writer's; a single column may be unwrapped (a google.protobuf wrapper message).
 */
import { AnalysisError } from '../../errors.js';
import type { Column } from '../../types/schema.js';
import { subjectName, type SchemaBinding, type SchemaText } from '../../registry/schema.js';
import { HEADER_SIZE, MAGIC_BYTE, UnknownSchemaError, schemaIdOf, writeMessageIndexes } from '../confluent-wire.js';
import { createEmptySerde } from '../none.js';
import { SerdeError, type FormatOptions, type Serde } from '../serde.js';
import { checkWrapping } from '../validate.js';
import { chooseMessage, viewOptions } from './infer.js';
import { framedMessage, loadSchema, type LoadedSchema } from './load.js';
import type { ProtoMessage } from './model.js';
import { compileRowDecoder, compileValueDecoder, type RowDecoder, type Target } from './reader.js';
import { checkMapKeys, generateSchema, isUnwrappedNoSr } from './schema.js';
import { WireWriter } from './wire.js';
import { compileRowEncoder, compileValueEncoder, type Matching } from './writer.js';

export function createProtobufSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean, binding: SchemaBinding, noSr: boolean): Serde {
  const format = noSr ? 'PROTOBUF_NOSR' : 'PROTOBUF';
  if (!isKey && options.wrapSingleValue === false && !noSr) {
    throw new AnalysisError("Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'.");
  }
  checkWrapping(format, columns, options, isKey);
  for (const c of columns) checkMapKeys(c.type);
  if (columns.length === 0 && isKey) return createEmptySerde();
  const unwrapped = noSr && isUnwrappedNoSr(columns, options, isKey);
  const generated = generateSchema(columns, options, unwrapped);
  const target = isKey ? 'key' : 'value';
  const where = options.topic === undefined ? '' : ' from topic: ' + options.topic;
  const readFailure = (e: unknown): unknown => {
    if (e instanceof UnknownSchemaError) return e;
    if (e instanceof Error) return new SerdeError(`Failed to deserialize ${target}${where}. ${e.message}`);
    return e;
  };
  const writeFailure = (e: unknown): unknown =>
    e instanceof Error ? new SerdeError(`Error serializing message to topic: ${options.topic ?? binding.topic}. ${e.message}`) : e;
  const targets: Target[] = columns.map((c) => ({ name: c.name, type: c.type }));
  const opts = viewOptions(options);
  const n = columns.length;

  const decoderOf = (loaded: LoadedSchema, msg: ProtoMessage): RowDecoder =>
    unwrapped ? compileValueDecoder(msg, columns[0]!.type, opts) : compileRowDecoder(msg, targets, opts);

  const encoderOf = (msg: ProtoMessage, matching: Matching): ((values: readonly unknown[], w: WireWriter) => void) => {
    if (!unwrapped) return compileRowEncoder(msg, targets, opts, matching);
    const enc = compileValueEncoder(msg, columns[0]!.type, opts);
    return (values, w) => enc(values[0], w);
  };

  let read: (bytes: Buffer, out: unknown[], at: number) => void;
  let write: (values: readonly unknown[]) => Buffer | null;
  if (noSr) {
    const loaded = loadSchema(generated, binding.catalog);
    const msg = loaded.first();
    const decode = decoderOf(loaded, msg);
    read = (bytes, out, at) => decode(bytes, 0, bytes.length, out, at);
    const encode = encoderOf(msg, 'name');
    const w = new WireWriter();
    write = (values) => {
      w.pos = 0;
      encode(values, w);
      return w.finish();
    };
  } else {
    read = frameReader(binding, decoderOf);
    write = frameWriter(binding, options, isKey, generated, encoderOf);
  }

  return {
    serialize(values) {
      if (values === null) return null;
      if (unwrapped && (values[0] === null || values[0] === undefined)) return null;
      try {
        return write(values);
      } catch (e) {
        throw writeFailure(e);
      }
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      const out = new Array<unknown>(n);
      try {
        read(bytes, out, 0);
      } catch (e) {
        throw readFailure(e);
      }
      return out;
    },
    deserializeInto(bytes, out, at) {
      if (bytes === null) return false;
      try {
        read(bytes, out, at);
      } catch (e) {
        throw readFailure(e);
      }
      return true;
    },
  };
}

/** Confluent-framed reading: one decoder per (schema id, message), the last one kept at hand. */
function frameReader(binding: SchemaBinding, decoderOf: (loaded: LoadedSchema, msg: ProtoMessage) => RowDecoder): (bytes: Buffer, out: unknown[], at: number) => void {
  const loadedById = new Map<number, LoadedSchema>();
  const decoders = new Map<ProtoMessage, RowDecoder>();
  let lastId = -1;
  let lastDecoder: RowDecoder | undefined;
  const load = (id: number): LoadedSchema => {
    let loaded = loadedById.get(id);
    if (!loaded) {
      const schema = binding.catalog.byId(id);
      if (!schema) throw new UnknownSchemaError(id);
      if (schema.schemaType !== 'PROTOBUF') throw new SerdeError(`Schema ${id} is not a Protobuf schema (${schema.schemaType})`);
      loaded = loadSchema(schema, binding.catalog);
      loadedById.set(id, loaded);
    }
    return loaded;
  };
  const compile = (loaded: LoadedSchema, msg: ProtoMessage): RowDecoder => {
    let d = decoders.get(msg);
    if (!d) decoders.set(msg, (d = decoderOf(loaded, msg)));
    return d;
  };
  return (bytes, out, at) => {
    const id = schemaIdOf(bytes);
    if (bytes.length > HEADER_SIZE && bytes[HEADER_SIZE] === 0) {
      // message indexes [0], written as a single zero byte: the common case
      if (id !== lastId || lastDecoder === undefined) {
        const loaded = load(id);
        lastDecoder = compile(loaded, loaded.first());
        lastId = id;
      }
      lastDecoder(bytes, HEADER_SIZE + 1, bytes.length, out, at);
      return;
    }
    const loaded = load(id);
    const { msg, offset } = framedMessage(loaded, bytes);
    compile(loaded, msg)(bytes, offset, bytes.length, out, at);
  };
}

/** Confluent-framed writing with the schema id's schema, or the generated one registered for the topic. */
function frameWriter(
  binding: SchemaBinding,
  options: FormatOptions,
  isKey: boolean,
  generated: SchemaText,
  encoderOf: (msg: ProtoMessage, matching: Matching) => (values: readonly unknown[], w: WireWriter) => void,
): (values: readonly unknown[]) => Buffer {
  let state: { id: number; header: Buffer; encode: (values: readonly unknown[], w: WireWriter) => void } | undefined;
  const w = new WireWriter();
  const resolve = () => {
    let id: number;
    let loaded: LoadedSchema;
    let msg: ProtoMessage;
    let matching: Matching;
    if (options.schemaId !== undefined) {
      id = options.schemaId;
      const schema = binding.catalog.byId(id);
      if (!schema) throw new SerdeError(`Schema id ${id} is not registered (error code 40403)`);
      loaded = loadSchema(schema, binding.catalog);
      msg = chooseMessage(loaded, options.fullSchemaName);
      matching = 'registered';
    } else {
      const subject = subjectName(binding.topic, isKey);
      const found = binding.catalog.idOf(subject, generated);
      if (found === undefined) throw new SerdeError(`The ${isKey ? 'key' : 'value'} schema of topic ${binding.topic} is not registered (subject ${subject})`);
      id = found;
      loaded = loadSchema(generated, binding.catalog);
      msg = loaded.first();
      matching = 'name';
    }
    const indexes = writeMessageIndexes(loaded.indexesOf(msg));
    const header = Buffer.alloc(HEADER_SIZE + indexes.length);
    header[0] = MAGIC_BYTE;
    header.writeInt32BE(id, 1);
    indexes.copy(header, HEADER_SIZE);
    return { id, header, encode: encoderOf(msg, matching) };
  };
  return (values) => {
    state ??= resolve();
    w.pos = 0;
    w.raw(state.header);
    state.encode(values, w);
    return w.finish();
  };
}
