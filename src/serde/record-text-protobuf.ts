/** PRINT's record text, Protobuf: TextFormat's short debug string (`name: "x" inner { n: 1 }`). */
import { javaDoubleString } from '../types/java-text.js';
import { javaFloatString } from './protobuf/convert.js';
import { isMapEntry, type ProtoField, type ProtoMessage, type ScalarType } from './protobuf/model.js';
import { fail } from './record-text.js';

interface WireField {
  readonly number: number;
  readonly wireType: number;
  /** VARINT, I64, I32: the raw value; LEN: the bytes. */
  readonly value: bigint | Buffer;
}

/** The message `msg` at bytes[offset..end), as TextFormat.printer().shortDebugString prints it. */
export function protobufText(msg: ProtoMessage, bytes: Buffer, offset: number, end = bytes.length): string {
  const parts: string[] = [];
  printMessage(msg, readWire(bytes, offset, end), parts);
  return parts.join(' ');
}

function readWire(buf: Buffer, start: number, end: number, depth = 0): WireField[] {
  if (depth > 100) fail('message nested too deeply');
  const out: WireField[] = [];
  let pos = start;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= end) fail('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result & 0xffffffffffffffffn;
      shift += 7n;
      if (shift > 63n) fail('malformed varint');
    }
  };
  const fixed = (n: number): bigint => {
    if (pos + n > end) fail('truncated fixed field');
    const v = n === 4 ? BigInt(buf.readUInt32LE(pos)) : buf.readBigUInt64LE(pos);
    pos += n;
    return v;
  };
  while (pos < end) {
    const tag = varint();
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (number === 0 || number > 536870911) fail('invalid field number');
    switch (wireType) {
      case 0:
        out.push({ number, wireType, value: varint() });
        break;
      case 1:
        out.push({ number, wireType, value: fixed(8) });
        break;
      case 5:
        out.push({ number, wireType, value: fixed(4) });
        break;
      case 2: {
        const len = Number(varint());
        if (len > end - pos) fail('truncated length-delimited field');
        out.push({ number, wireType, value: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      default:
        fail(`unsupported wire type ${wireType}`); // groups: not written by any registry client
    }
  }
  return out;
}

const SCALAR_WIRE: Readonly<Record<ScalarType, number>> = {
  double: 1, fixed64: 1, sfixed64: 1, float: 5, fixed32: 5, sfixed32: 5, string: 2, bytes: 2,
  int32: 0, int64: 0, uint32: 0, uint64: 0, sint32: 0, sint64: 0, bool: 0,
};

function expectedWire(f: ProtoField): number {
  if (f.message) return 2;
  if (f.enumType) return 0;
  return SCALAR_WIRE[f.scalar ?? 'bytes'];
}

/** A field's values: the wire fields of its number (packed repeated scalars unpacked). */
function fieldValues(f: ProtoField, wire: readonly WireField[]): WireField[] {
  const want = expectedWire(f);
  const out: WireField[] = [];
  for (const w of wire) {
    if (w.number !== f.number) continue;
    if (w.wireType === want) out.push(w);
    else if (w.wireType === 2 && want !== 2 && f.label === 'repeated') out.push(...unpack(w.value as Buffer, want, f.number));
  }
  return out;
}

function unpack(buf: Buffer, wireType: number, number: number): WireField[] {
  const out: WireField[] = [];
  if (wireType === 0) {
    // Re-read as a sequence of varints.
    let pos = 0;
    while (pos < buf.length) {
      let result = 0n;
      let shift = 0n;
      for (;;) {
        if (pos >= buf.length) fail('truncated packed varint');
        const b = buf[pos++]!;
        result |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
        shift += 7n;
      }
      out.push({ number, wireType, value: result & 0xffffffffffffffffn });
    }
  } else {
    const size = wireType === 1 ? 8 : 4;
    if (buf.length % size !== 0) fail('malformed packed field');
    for (let p = 0; p < buf.length; p += size) out.push({ number, wireType, value: size === 4 ? BigInt(buf.readUInt32LE(p)) : buf.readBigUInt64LE(p) });
  }
  return out;
}

function printMessage(msg: ProtoMessage, wire: readonly WireField[], parts: string[], depth = 0): void {
  const known = new Set<number>();
  const proto3 = msg.file.syntax === 'proto3';
  for (const f of msg.allFields) {
    known.add(f.number);
    const values = fieldValues(f, wire);
    if (values.length === 0) continue;
    if (f.label === 'repeated' || f.mapKey !== undefined) {
      const items = f.message && isMapEntry(f.message) ? sortMapEntries(f.message, values) : values;
      for (const v of items) printField(f, v, parts, depth);
      continue;
    }
    if (f.message) {
      // Occurrences of a singular message field merge: their bytes concatenated.
      const merged = Buffer.concat(values.map((v) => v.value as Buffer));
      printField(f, { number: f.number, wireType: 2, value: merged }, parts, depth);
      continue;
    }
    const last = values[values.length - 1]!;
    // proto3 fields without presence are absent at their default value.
    const hasPresence = !proto3 || f.proto3Optional || f.oneof !== undefined;
    if (!hasPresence && isDefault(last)) continue;
    printField(f, last, parts, depth);
  }
  for (const w of wire) if (!known.has(w.number)) parts.push(unknownField(w));
}

function isDefault(w: WireField): boolean {
  return typeof w.value === 'bigint' ? w.value === 0n : w.value.length === 0;
}

function printField(f: ProtoField, w: WireField, parts: string[], depth: number): void {
  if (f.message) {
    const inner: string[] = [];
    printMessage(f.message, readWire(w.value as Buffer, 0, (w.value as Buffer).length, depth + 1), inner, depth + 1);
    parts.push(`${f.name} { ${inner.length > 0 ? inner.join(' ') + ' ' : ''}}`);
    return;
  }
  parts.push(`${f.name}: ${scalarText(f, w.value)}`);
}

function scalarText(f: ProtoField, v: bigint | Buffer): string {
  if (f.enumType) {
    const n = Number(BigInt.asIntN(32, v as bigint));
    return f.enumType.values.find((e) => e.number === n)?.name ?? String(n);
  }
  switch (f.scalar) {
    case 'string':
    case 'bytes':
      return `"${escapeBytes(v as Buffer)}"`;
    case 'bool':
      return (v as bigint) !== 0n ? 'true' : 'false';
    case 'int32':
    case 'sfixed32':
      return String(BigInt.asIntN(32, v as bigint));
    case 'uint32':
    case 'fixed32':
      return String(BigInt.asUintN(32, v as bigint));
    case 'int64':
    case 'sfixed64':
      return String(BigInt.asIntN(64, v as bigint));
    case 'uint64':
    case 'fixed64':
      return String(v as bigint);
    case 'sint32':
    case 'sint64': {
      const z = v as bigint;
      return String((z >> 1n) ^ -(z & 1n));
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(v as bigint));
      return javaFloatString(b.readFloatLE(0));
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v as bigint);
      return javaDoubleString(b.readDoubleLE(0));
    }
    default:
      return typeof v === 'bigint' ? String(v) : `"${escapeBytes(v)}"`;
  }
}

function unknownField(w: WireField): string {
  if (w.wireType === 0) return `${w.number}: ${String(w.value)}`;
  if (w.wireType === 5) return `${w.number}: 0x${(w.value as bigint).toString(16).padStart(8, '0')}`;
  if (w.wireType === 1) return `${w.number}: 0x${(w.value as bigint).toString(16).padStart(16, '0')}`;
  return `${w.number}: "${escapeBytes(w.value as Buffer)}"`;
}

/** TextFormat prints map entries ordered by key. */
function sortMapEntries(entry: ProtoMessage, values: WireField[]): WireField[] {
  const keyField = entry.fields[0]!;
  const keyOf = (w: WireField): string | bigint => {
    const k = fieldValues(keyField, readWire(w.value as Buffer, 0, (w.value as Buffer).length)).pop();
    if (!k) return keyField.scalar === 'string' ? '' : 0n;
    if (keyField.scalar === 'string') return (k.value as Buffer).toString('utf8');
    const raw = k.value as bigint;
    if (keyField.scalar === 'sint32' || keyField.scalar === 'sint64') return (raw >> 1n) ^ -(raw & 1n);
    if (keyField.scalar === 'uint32' || keyField.scalar === 'uint64' || keyField.scalar === 'fixed32' || keyField.scalar === 'fixed64' || keyField.scalar === 'bool') return raw;
    return BigInt.asIntN(keyField.scalar === 'int32' || keyField.scalar === 'sfixed32' ? 32 : 64, raw);
  };
  const keyed = values.map((w) => ({ w, k: keyOf(w) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((e) => e.w);
}

/** TextFormat.escapeBytes: C-style escapes, bytes outside printable ASCII as three octal digits. */
function escapeBytes(b: Buffer): string {
  let out = '';
  for (const c of b) {
    switch (c) {
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x0b:
        out += '\\v';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x27:
        out += "\\'";
        break;
      case 0x22:
        out += '\\"';
        break;
      default:
        out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\' + c.toString(8).padStart(3, '0');
    }
  }
  return out;
}
