/**
 * Guessing a topic's key and value formats from the bytes alone, as ksqlDB's PRINT does
 * (RecordFormatter): every candidate format tries every record; one that fails a record is ruled
 * out for good, and each record is shown in the first candidate still standing. Candidates, in
 * order: AVRO, PROTOBUF, JSON, JSON_SR, KAFKA_INT, KAFKA_BIGINT, KAFKA_DOUBLE, KAFKA_STRING; keys
 * also try each one inside a SESSION, HOPPING and TUMBLING window (before the plain one). Bytes
 * nothing reads are shown as Kafka's Bytes.toString writes them.
 */
import type { RegisteredSchema, SchemaCatalog } from '../registry/schema.js';
import { parseSchema, type AvroNode } from './avro/model.js';
import { HEADER_SIZE, MAGIC_BYTE } from './confluent-wire.js';
import { framedMessage, loadSchema, type LoadedSchema } from './protobuf/load.js';
import { NotThisFormat } from './record-text.js';
import { avroText } from './record-text-avro.js';
import { protobufText } from './record-text-protobuf.js';
import { jacksonRead } from './record-text-json.js';
import { javaDoubleString } from '../types/java-text.js';

/** What getPossibleFormats says before any non-null data was seen. */
export const NO_DATA_PROCESSED = '¯\\_(ツ)_/¯ - no data processed';

interface Candidate {
  readonly name: string;
  /** The bytes as text; throws when they are not in this format. */
  read(bytes: Buffer): string;
}

const BASE_FORMATS = ['AVRO', 'PROTOBUF', 'JSON', 'JSON_SR', 'KAFKA_INT', 'KAFKA_BIGINT', 'KAFKA_DOUBLE', 'KAFKA_STRING'] as const;
type BaseFormat = (typeof BASE_FORMATS)[number];

/** The schema ids framed bytes name (to fetch them before detection), or undefined. */
export function framedSchemaId(bytes: Buffer | null): number | undefined {
  return bytes !== null && bytes.length >= HEADER_SIZE && bytes[0] === MAGIC_BYTE ? bytes.readInt32BE(1) : undefined;
}

/** Parsed registry schemas by id, shared by the key and value detectors of one PRINT. */
export class SchemaCache {
  private readonly avro = new Map<number, AvroNode | Error>();
  private readonly proto = new Map<number, LoadedSchema | Error>();

  constructor(readonly catalog: SchemaCatalog) {}

  private registered(bytes: Buffer, type: RegisteredSchema['schemaType']): RegisteredSchema {
    const id = framedSchemaId(bytes);
    if (id === undefined) throw new NotThisFormat('Unknown magic byte!');
    const schema = this.catalog.byId(id);
    if (!schema || schema.schemaType !== type) throw new NotThisFormat(`no ${type} schema with id ${id}`);
    return schema;
  }

  avroSchema(bytes: Buffer): AvroNode {
    const s = this.registered(bytes, 'AVRO');
    return cached(this.avro, s.id, () => parseSchema(s, this.catalog).root);
  }

  protobufSchema(bytes: Buffer): LoadedSchema {
    const s = this.registered(bytes, 'PROTOBUF');
    return cached(this.proto, s.id, () => loadSchema(s, this.catalog));
  }

  jsonSchema(bytes: Buffer): void {
    this.registered(bytes, 'JSON');
  }
}

function cached<T>(m: Map<number, T | Error>, id: number, make: () => T): T {
  let v = m.get(id);
  if (v === undefined) {
    try {
      v = make();
    } catch (e) {
      v = e instanceof Error ? e : new Error(String(e));
    }
    m.set(id, v);
  }
  if (v instanceof Error) throw v;
  return v;
}

const REPLACEMENT = '\uFFFD';

/** UTF-8 text, refused when empty or when decoding needed the replacement character (as ksqlDB checks). */
function utf8(bytes: Buffer): string {
  if (bytes.length === 0) throw new NotThisFormat('Empty data');
  const text = bytes.toString('utf8');
  if (text.includes(REPLACEMENT)) throw new NotThisFormat('String contains replacement char');
  return text;
}

function sized(bytes: Buffer, n: number, what: string): void {
  if (bytes.length !== n) throw new NotThisFormat(`Size of data received by ${what} is not ${n}`);
}

function baseCandidate(format: BaseFormat, schemas: SchemaCache): Candidate {
  switch (format) {
    case 'AVRO':
      return { name: format, read: (b) => avroText(schemas.avroSchema(b), b, HEADER_SIZE) };
    case 'PROTOBUF':
      return {
        name: format,
        read: (b) => {
          const { msg, offset } = framedMessage(schemas.protobufSchema(b), b);
          return protobufText(msg, b, offset);
        },
      };
    case 'JSON':
      return {
        name: format,
        read: (b) => {
          const text = utf8(b);
          jacksonRead(text); // it must parse; the text is shown as it is
          return text;
        },
      };
    case 'JSON_SR':
      return {
        name: format,
        read: (b) => {
          schemas.jsonSchema(b);
          const body = b.subarray(HEADER_SIZE);
          const text = body.toString('utf8');
          if (text.includes(REPLACEMENT)) throw new NotThisFormat('Invalid UTF-8');
          const node = jacksonRead(text);
          if (node === '') throw new NotThisFormat('No content');
          return node;
        },
      };
    case 'KAFKA_INT':
      return {
        name: format,
        read: (b) => {
          sized(b, 4, 'IntegerDeserializer');
          return String(b.readInt32BE(0));
        },
      };
    case 'KAFKA_BIGINT':
      return {
        name: format,
        read: (b) => {
          sized(b, 8, 'LongDeserializer');
          return b.readBigInt64BE(0).toString();
        },
      };
    case 'KAFKA_DOUBLE':
      return {
        name: format,
        read: (b) => {
          sized(b, 8, 'DoubleDeserializer');
          return javaDoubleString(b.readDoubleBE(0));
        },
      };
    case 'KAFKA_STRING':
      return { name: format, read: utf8 };
    default: {
      const never: never = format;
      return never;
    }
  }
}

const LONG_MAX = 9223372036854775807n;

/** Kafka Streams' window bounds checks: a start before 0 or an end before the start is no window. */
function windowStart(bytes: Buffer, at: number): bigint {
  if (at < 0) throw new NotThisFormat('Windowed key too short');
  const start = bytes.readBigInt64BE(at);
  if (start < 0n) throw new NotThisFormat('Window startMs time cannot be negative.');
  return start;
}

function windowed(kind: 'SESSION' | 'HOPPING' | 'TUMBLING', inner: Candidate): Candidate {
  if (kind === 'SESSION') {
    // <key><8-byte end><8-byte start>
    return {
      name: `SESSION(${inner.name})`,
      read: (b) => {
        const n = b.length - 16;
        const start = windowStart(b, n + 8);
        const end = b.readBigInt64BE(n);
        if (end < start) throw new NotThisFormat('Window endMs time cannot be smaller than window startMs time.');
        return `[${inner.read(b.subarray(0, n))}@${start}/${end}]`;
      },
    };
  }
  // <key><8-byte start>; the end is not in the bytes (ksqlDB uses a 1 ms window to read them).
  return {
    name: `${kind}(${inner.name})`,
    read: (b) => {
      const n = b.length - 8;
      const start = windowStart(b, n);
      if (start === LONG_MAX) throw new NotThisFormat('Window endMs time cannot be smaller than window startMs time.');
      return `[${inner.read(b.subarray(0, n))}@${start}/-]`;
    },
  };
}

/** Kafka's Bytes.toString: printable ASCII as itself (but `\`), every other byte as \xNN. */
export function kafkaBytesText(b: Buffer): string {
  let out = '';
  for (const c of b) out += c >= 0x20 && c <= 0x7e && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/** The candidates of one side (key or value) of a topic, narrowed by every record it formats. */
export class FormatDetector {
  private candidates: Candidate[];
  private seenData = false;

  constructor(schemas: SchemaCache, isKey: boolean) {
    const base = BASE_FORMATS.map((f) => baseCandidate(f, schemas));
    this.candidates = isKey ? base.flatMap((c) => [windowed('SESSION', c), windowed('HOPPING', c), windowed('TUMBLING', c), c]) : base;
  }

  /** The record's bytes as text, in the first format that can still read everything seen. */
  format(bytes: Buffer | null): string {
    if (bytes === null) return '<null>';
    this.seenData = true;
    let first: string | undefined;
    const kept: Candidate[] = [];
    for (const c of this.candidates) {
      let text: string;
      try {
        text = c.read(bytes);
      } catch {
        continue; // ruled out
      }
      kept.push(c);
      if (first === undefined) first = text;
    }
    this.candidates = kept;
    return first ?? kafkaBytesText(bytes);
  }

  /** The formats that read every record so far ([] when none does), or the no-data marker. */
  possibleFormats(): string[] {
    return this.seenData ? this.candidates.map((c) => c.name) : [NO_DATA_PROCESSED];
  }
}
