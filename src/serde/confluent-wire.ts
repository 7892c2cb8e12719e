/**
 * Confluent's wire format: a zero magic byte, the schema's registry id (4 bytes, big-endian), then
 * the encoded body. Protobuf adds, between the id and the body, the indexes of the message in its
 * .proto file (the message-index helpers below).
 */
import { SerdeError } from './serde.js';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** A record framed with a schema id this process does not know (see SchemaCatalog). */
export class UnknownSchemaError extends SerdeError {
  constructor(readonly schemaId: number) {
    super(`Schema not found for id ${schemaId} (error code 40403)`);
  }
}

/** The schema id of framed bytes; throws a SerdeError when the bytes are not framed. */
export function schemaIdOf(bytes: Buffer): number {
  if (bytes.length < HEADER_SIZE || bytes[0] !== MAGIC_BYTE) throw new SerdeError('Unknown magic byte!');
  return bytes.readInt32BE(1);
}

/** The header for `id`, followed by `body`. */
export function frame(id: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(id, 1);
  body.copy(out, HEADER_SIZE);
  return out;
}

/**
 * Protobuf's message indexes: the path of the message in the file (0 = first top-level message),
 * written as a zig-zag varint count then the indexes, with the common [0] shortened to one 0 byte.
 * Returns the indexes and the offset where the body starts.
 */
export function readMessageIndexes(bytes: Buffer, at = HEADER_SIZE): { indexes: number[]; offset: number } {
  let pos = at;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new SerdeError('Truncated Protobuf message indexes');
      const b = bytes[pos++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new SerdeError('Invalid Protobuf message indexes');
    }
    return (result >>> 1) ^ -(result & 1);
  };
  const count = varint();
  if (count === 0) return { indexes: [0], offset: pos };
  if (count < 0 || count > 100) throw new SerdeError('Invalid Protobuf message indexes');
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) indexes.push(varint());
  return { indexes, offset: pos };
}

export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const bytes: number[] = [];
  const varint = (n: number) => {
    let z = ((n << 1) ^ (n >> 31)) >>> 0;
    while (z > 0x7f) {
      bytes.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    bytes.push(z);
  };
  varint(indexes.length);
  for (const i of indexes) varint(i);
  return Buffer.from(bytes);
}
