/**
 * Value conversions shared by reading and writing: Confluent's decimal message parts, Google's
 * Date / TimeOfDay / Timestamp parts, scalar readers and writers by Protobuf type, and the
 * Java text of floating-point values (ksqlDB reads a FLOAT field into STRING with Float.toString).
 */
import { Decimal } from '../../types/decimal.js';
import { javaDoubleString } from '../../types/java-text.js';
import type { ScalarType } from './model.js';
import { WireType, type WireReader, type WireWriter } from './wire.js';

const MS_PER_DAY = 86_400_000;

/** The unscaled value of a decimal: two's-complement big-endian bytes (Java's BigInteger). */
export function unscaledFromBytes(b: Buffer): bigint {
  if (b.length === 0) return 0n;
  let v = BigInt('0x' + b.toString('hex'));
  if (b[0]! & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

/** The minimal two's-complement big-endian bytes of an integer (BigInteger.toByteArray). */
export function unscaledToBytes(v: bigint): Buffer {
  const neg = v < 0n;
  let bits = 0;
  for (let x = neg ? -v - 1n : v; x > 0n; x >>= 1n) bits++;
  const len = Math.floor(bits / 8) + 1;
  const u = neg ? (1n << BigInt(len * 8)) + v : v;
  const hex = u.toString(16).padStart(len * 2, '0');
  return Buffer.from(hex, 'hex');
}

/** A decimal as Confluent's message carries it, rounded HALF_UP to `precision` digits when given. */
export function decimalFromParts(value: Buffer, precision: number, scale: number): Decimal {
  let unscaled = unscaledFromBytes(value);
  let s = scale;
  if (precision > 0) {
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
    if (digits > precision) {
      const drop = digits - precision;
      const d = new Decimal(unscaled, s).setScale(s - drop);
      unscaled = d.unscaled;
      s = d.scale;
    }
  }
  return new Decimal(unscaled, s);
}

/** Days since the epoch of a proleptic Gregorian date. */
export function daysFromYmd(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.floor(d.getTime() / MS_PER_DAY);
}

export function ymdFromDays(days: number): [number, number, number] {
  const d = new Date(days * MS_PER_DAY);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

export function timeOfDayMillis(hours: number, minutes: number, seconds: number, nanos: number): number {
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + Math.trunc(nanos / 1_000_000);
}

/** Java's Float.toString of a float32 value. */
export function javaFloatString(f: number): string {
  if (!Number.isFinite(f) || f === 0) return javaDoubleString(f);
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return javaDoubleString(n);
  }
  return javaDoubleString(f);
}

/** The wire type a scalar is written with. */
export function scalarWireType(s: ScalarType): number {
  switch (s) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return WireType.I64;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return WireType.I32;
    case 'string':
    case 'bytes':
      return WireType.LEN;
    default:
      return WireType.VARINT;
  }
}

export type ScalarRead = (r: WireReader) => unknown;

/** Reads one scalar: integers as numbers (uint32 unsigned, 64-bit signed as Java's long), bool, string, Buffer. */
export function scalarReader(s: ScalarType): ScalarRead {
  switch (s) {
    case 'int32':
      return (r) => r.int32();
    case 'uint32':
      return (r) => r.uint32();
    case 'int64':
    case 'uint64':
      return (r) => r.int64();
    case 'sint32':
      return (r) => r.sint32();
    case 'sint64':
      return (r) => r.sint64();
    case 'fixed32':
      return (r) => r.fixed32();
    case 'sfixed32':
      return (r) => r.sfixed32();
    case 'fixed64':
    case 'sfixed64':
      return (r) => r.fixed64();
    case 'float':
      return (r) => r.float();
    case 'double':
      return (r) => r.double();
    case 'bool':
      return (r) => r.bool();
    case 'string':
      return (r) => r.string();
    case 'bytes':
      return (r) => r.bytes();
  }
}

export type ScalarWrite = (w: WireWriter, v: unknown) => void;

/** Writes one scalar value (no tag). Numbers are truncated as Java's Number.intValue/longValue. */
export function scalarWriter(s: ScalarType): ScalarWrite {
  switch (s) {
    case 'int32':
      return (w, v) => w.int32(toInt32(v));
    case 'uint32':
      return (w, v) => w.uvarint(toInt32(v) >>> 0);
    case 'int64':
    case 'uint64':
      return (w, v) => w.int64(toLong(v));
    case 'sint32':
      return (w, v) => w.sint32(toInt32(v));
    case 'sint64':
      return (w, v) => w.sint64(toLong(v));
    case 'fixed32':
      return (w, v) => w.fixed32(toInt32(v));
    case 'sfixed32':
      return (w, v) => w.sfixed32(toInt32(v));
    case 'fixed64':
    case 'sfixed64':
      return (w, v) => w.fixed64(toLong(v));
    case 'float':
      return (w, v) => w.float(toNumber(v));
    case 'double':
      return (w, v) => w.double(toNumber(v));
    case 'bool':
      return (w, v) => w.uvarint(asBool(v) ? 1 : 0);
    case 'string':
      return (w, v) => w.string(asString(v));
    case 'bytes':
      return (w, v) => w.bytes(asBytes(v));
  }
}

/** Whether a scalar value is the proto3 default (not written without presence). */
export function isDefaultScalar(v: unknown): boolean {
  if (typeof v === 'number') return v === 0 && !Object.is(v, -0);
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'string') return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return false;
}

export class ValueTypeError extends Error {}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof Decimal) return v.toNumber();
  throw new ValueTypeError(`Invalid type for a number: ${typeName(v)}`);
}

function toInt32(v: unknown): number {
  return Math.trunc(toNumber(v)) | 0;
}

function toLong(v: unknown): number {
  const n = Math.trunc(toNumber(v));
  return Number.isFinite(n) ? n : 0;
}

function asBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new ValueTypeError(`Invalid type for BOOLEAN: ${typeName(v)}`);
}

function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  throw new ValueTypeError(`Invalid type for STRING: ${typeName(v)}`);
}

function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new ValueTypeError(`Invalid type for BYTES: ${typeName(v)}`);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof Decimal) return 'decimal';
  return typeof v;
}
