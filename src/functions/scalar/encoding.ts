/**
 * Encoding, conversion and hash functions: ENCODE, TO_BYTES, FROM_BYTES, MD5, INT_FROM_BYTES,
 * BIGINT_FROM_BYTES, DOUBLE_FROM_BYTES.
 */
import { createHash } from 'node:crypto';
import { T } from '../../types/sql-type.js';
import type { ScalarFunction } from '../types.js';
import { byteEncoding, bytesToText, decodeHex, textToBytes, type ByteEncoding } from './codec.js';
import { p } from './support.js';

/** ENCODE's hex input may be written 0xAB.. (odd digit count gets a leading 0) or X'AB..'. */
function stripHexPrefix(hex: string): string {
  if (hex.startsWith('0x')) return hex.length % 2 !== 0 ? '0' + hex.substring(2) : hex.substring(2);
  if (hex.length >= 3 && (hex[0] === 'x' || hex[0] === 'X') && hex[1] === "'" && hex.endsWith("'")) return hex.substring(2, hex.length - 1);
  return hex;
}

function encodingOrThrow(name: string): ByteEncoding {
  try {
    return byteEncoding(name);
  } catch {
    throw new Error('Supported input and output encodings are: hex, utf8, ascii and base64');
  }
}

function encode(s: string, from: string, to: string): string {
  const inEnc = encodingOrThrow(from);
  const outEnc = encodingOrThrow(to);
  if (inEnc === outEnc) throw new Error('Supported input and output encodings are: hex, utf8, ascii and base64');
  const bytes = inEnc === 'hex' ? decodeHex(stripHexPrefix(s)) : textToBytes(s, inEnc);
  return bytesToText(bytes, outEnc);
}

type ByteOrder = 'BE' | 'LE';
function byteOrder(name: string): ByteOrder {
  switch (name.toUpperCase()) {
    case 'BIG_ENDIAN':
      return 'BE';
    case 'LITTLE_ENDIAN':
      return 'LE';
    default:
      throw new Error(`Byte order must be BIG_ENDIAN or LITTLE_ENDIAN. Unknown byte order '${name}'.`);
  }
}

function checkLength(b: Buffer, n: number): void {
  if (b.length !== n) throw new Error(`Number of bytes must be equal to ${n}, but found ${b.length}`);
}

const intFromBytes = (b: Buffer, order: ByteOrder): number => (checkLength(b, 4), order === 'BE' ? b.readInt32BE(0) : b.readInt32LE(0));
const bigintFromBytes = (b: Buffer, order: ByteOrder): number => (checkLength(b, 8), Number(order === 'BE' ? b.readBigInt64BE(0) : b.readBigInt64LE(0)));
const doubleFromBytes = (b: Buffer, order: ByteOrder): number => (checkLength(b, 8), order === 'BE' ? b.readDoubleBE(0) : b.readDoubleLE(0));

function fromBytesFn(name: string, returns: typeof T.INTEGER, size: number, read: (b: Buffer, o: ByteOrder) => number): ScalarFunction {
  return {
    kind: 'scalar',
    name,
    category: 'CONVERSIONS',
    description: `Converts a ${size}-byte BYTES value to ${returns.kind} in the given byte order (BIG_ENDIAN by default).`,
    overloads: [
      { params: [p('bytes', T.BYTES)], returns, nullOnNullInput: true, impl: (b: Buffer) => read(b, 'BE') },
      {
        params: [p('bytes', T.BYTES), p('byteOrder', T.STRING)],
        returns,
        nullOnNullInput: true,
        impl: (b: Buffer, order: string) => read(b, byteOrder(order)),
      },
    ],
  };
}

export const encodingFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'ENCODE',
    category: 'STRING',
    description: 'Re-encodes a string from input_encoding to output_encoding (hex, utf8, ascii, base64).',
    overloads: [
      {
        params: [p('str', T.STRING), p('inputEncoding', T.STRING), p('outputEncoding', T.STRING)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: encode,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'TO_BYTES',
    category: 'STRING',
    description: 'Converts a STRING written in the given encoding (hex, utf8, ascii, base64) to BYTES.',
    overloads: [
      {
        params: [p('str', T.STRING), p('encoding', T.STRING)],
        returns: T.BYTES,
        nullOnNullInput: true,
        impl: (s: string, enc: string) => textToBytes(s, byteEncoding(enc)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'FROM_BYTES',
    category: 'STRING',
    description: 'Converts a BYTES value to a STRING in the given encoding (hex, utf8, ascii, base64).',
    overloads: [
      {
        params: [p('bytes', T.BYTES), p('encoding', T.STRING)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (b: Buffer, enc: string) => bytesToText(b, byteEncoding(enc)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'MD5',
    category: 'STRING',
    description: 'Returns the hex-encoded MD5 hash of the UTF-8 bytes of a string.',
    overloads: [
      {
        params: [p('input', T.STRING)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (s: string) => createHash('md5').update(s, 'utf8').digest('hex'),
      },
    ],
  },
  fromBytesFn('INT_FROM_BYTES', T.INTEGER, 4, intFromBytes),
  fromBytesFn('BIGINT_FROM_BYTES', T.BIGINT, 8, bigintFromBytes),
  fromBytesFn('DOUBLE_FROM_BYTES', T.DOUBLE, 8, doubleFromBytes),
];
