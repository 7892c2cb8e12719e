/**
 * The KAFKA format: a single primitive column in Kafka's own serializations — INTEGER as 4 bytes
 * and BIGINT as 8 bytes big-endian two's complement, DOUBLE as 8 bytes IEEE-754 big-endian, STRING
 * as UTF-8, BYTES as-is.
 */
import type { Column } from '../types/schema.js';
import { columnsText } from './text.js';
import { readInt64BE, writeInt64BE } from './int64.js';
import { unsupportedSchema } from './validate.js';
import { SerdeError, type FormatOptions, type Serde } from './serde.js';

type Read = (b: Buffer) => unknown;
type Write = (v: unknown) => Buffer;

function fixed(size: number, name: string, read: (b: Buffer) => unknown): Read {
  return (b) => {
    if (b.length !== size) throw new Error(`Size of data received by ${name} is not ${size}`);
    return read(b);
  };
}

const CODECS: Readonly<Record<string, { read: Read; write: Write }>> = {
  INTEGER: {
    read: fixed(4, 'IntegerDeserializer', (b) => b.readInt32BE(0)),
    write: (v) => {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE((v as number) | 0, 0);
      return b;
    },
  },
  BIGINT: {
    read: fixed(8, 'LongDeserializer', (b) => readInt64BE(b, 0)),
    write: (v) => {
      const b = Buffer.allocUnsafe(8);
      writeInt64BE(b, Math.trunc(v as number), 0);
      return b;
    },
  },
  DOUBLE: {
    read: fixed(8, 'DoubleDeserializer', (b) => b.readDoubleBE(0)),
    write: (v) => {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(v as number, 0);
      return b;
    },
  },
  STRING: {
    read: (b) => b.toString('utf8'),
    write: (v) => Buffer.from(v as string, 'utf8'),
  },
  BYTES: {
    // Copy: the record's buffer may be a slice of a larger, reused one.
    read: (b) => Buffer.from(b),
    write: (v) => v as Buffer,
  },
};

export function createKafkaSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean): Serde {
  if (columns.length !== 1) {
    const reason = `The 'KAFKA' format only supports a single field. Got: ${columnsText(columns, isKey)}`;
    throw unsupportedSchema('KAFKA', columns, options, isKey, reason);
  }
  const kind = columns[0]!.type.kind;
  const codec = CODECS[kind];
  if (codec === undefined) {
    throw unsupportedSchema('KAFKA', columns, options, isKey, `The 'KAFKA' format does not support type '${kind}'`);
  }
  const { read, write } = codec;
  const target = isKey ? 'key' : 'value';
  const where = options.topic === undefined ? '' : ' from topic: ' + options.topic;
  return {
    serialize(values) {
      if (values === null) return null;
      const v = values[0];
      return v == null ? null : write(v);
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      try {
        return [read(bytes)];
      } catch (e) {
        throw new SerdeError(`Failed to deserialize ${target}${where}. ${(e as Error).message}`);
      }
    },
  };
}
