/**
 * Records as text, the way the Java libraries ksqlDB's PRINT goes through write them:
 *   - Avro: GenericData.toString (`{"name": "x", "n": 1}`), a top-level string or enum bare;
 *   - Protobuf: TextFormat's short debug string (`name: "x" inner { n: 1 }`);
 *   - JSON: Jackson's reading (one value, trailing text ignored) and JsonNode's compact writing.
 * Each reader throws when the bytes are not what it reads (PRINT then rules that format out).
 */
import type { AvroNode } from './avro/model.js';
import { ReadTap } from './avro/tap.js';
import { javaDoubleString } from '../types/java-text.js';
import { javaFloatString } from './protobuf/convert.js';
import { isMapEntry, type ProtoField, type ProtoMessage, type ScalarType } from './protobuf/model.js';

export class NotThisFormat extends Error {}

const fail = (why: string): never => {
  throw new NotThisFormat(why);
};

// ---------------------------------------------------------------------------------------------
// Avro

/** The Avro datum at `offset` of `bytes` written with `schema`, as GenericData.toString writes it. */
export function avroText(schema: AvroNode, bytes: Buffer, offset: number): string {
  const tap = new ReadTap();
  tap.reset(bytes, offset);
  // KafkaAvroDeserializer hands back strings (Utf8) and enum symbols as themselves.
  const top = schema.kind === 'string' ? tap.readString() : schema.kind === 'enum' ? enumSymbol(schema.symbols, tap) : avroValue(schema, tap);
  tap.check();
  return top;
}

function enumSymbol(symbols: readonly string[], tap: ReadTap): string {
  const i = tap.readLong();
  return symbols[i] ?? fail(`enum index ${i} out of range`);
}

function avroValue(n: AvroNode, tap: ReadTap): string {
  switch (n.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return tap.readBoolean() ? 'true' : 'false';
    case 'int':
    case 'long':
      return String(tap.readLong());
    case 'float':
      return avroFloat(javaFloatString(tap.readFloat()));
    case 'double':
      return avroFloat(javaDoubleString(tap.readDouble()));
    case 'string':
      return `"${avroEscape(tap.readString())}"`;
    case 'bytes':
      return `"${avroEscape(tap.readBytes().toString('latin1'))}"`;
    case 'fixed':
      return `[${[...tap.readFixed(n.size)].map((b) => (b << 24) >> 24).join(', ')}]`;
    case 'enum':
      return `"${enumSymbol(n.symbols, tap)}"`;
    case 'array':
      return `[${avroBlocks(tap, () => avroValue(n.items, tap)).join(', ')}]`;
    case 'map':
      return `{${avroBlocks(tap, () => `"${avroEscape(tap.readString())}": ${avroValue(n.values, tap)}`).join(', ')}}`;
    case 'union': {
      const i = tap.readLong();
      const branch = n.branches[i] ?? fail(`union index ${i} out of range`);
      return avroValue(branch, tap);
    }
    case 'record':
      return `{${n.fields.map((f) => `"${avroEscape(f.name)}": ${avroValue(f.type, tap)}`).join(', ')}}`;
    default: {
      const never: never = n;
      return never;
    }
  }
}

/** NaN and the infinities are quoted by GenericData.toString. */
const avroFloat = (s: string) => (s === 'NaN' || s.endsWith('Infinity') ? `"${s}"` : s);

/** Array and map items come in blocks: a count (negative: followed by a byte size), 0 ends. */
function avroBlocks(tap: ReadTap, item: () => string): string[] {
  const out: string[] = [];
  for (;;) {
    let count = tap.readLong();
    tap.check();
    if (count === 0) return out;
    if (count < 0) {
      count = -count;
      tap.readLong();
    }
    if (count > tap.end - tap.pos + 1) fail('malformed block count');
    for (let i = 0; i < count; i++) out.push(item());
    tap.check();
  }
}

/** GenericData.writeEscapedString. */
function avroEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
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
      default:
        if (ch <= 0x1f || (ch >= 0x7f && ch <= 0x9f) || (ch >= 0x2000 && ch <= 0x20ff)) out += '\\u' + ch.toString(16).toUpperCase().padStart(4, '0');
        else out += s[i];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Protobuf

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

// ---------------------------------------------------------------------------------------------
// JSON (Jackson)

/**
 * Reads the first JSON value of `text` as Jackson's readTree does (whitespace alone is a missing
 * value, text after the value is not read) and returns it written compactly as JsonNode.toString
 * does (floating-point numbers as Java doubles). Throws NotThisFormat when it is not JSON.
 */
export function jacksonRead(text: string): string {
  let pos = 0;
  const n = text.length;
  const ws = () => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const value = (depth: number): string => {
    if (depth > 1000) fail('JSON nested too deeply');
    ws();
    if (pos >= n) fail('unexpected end of JSON');
    const c = text[pos]!;
    if (c === '{') {
      pos++;
      ws();
      const members: string[] = [];
      if (text[pos] === '}') {
        pos++;
        return '{}';
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a field name');
        const key = string();
        ws();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        members.push(`${key}:${value(depth + 1)}`);
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return `{${members.join(',')}}`;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      ws();
      const items: string[] = [];
      if (text[pos] === ']') {
        pos++;
        return '[]';
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return `[${items.join(',')}]`;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    const root = depth === 0;
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        // Jackson refuses `trueX`: a literal must not run into identifier characters.
        if (pos < n && /[\p{L}\p{N}_$]/u.test(text[pos]!)) fail('unrecognized token');
        return word;
      }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400));
    if (!m) fail('unrecognized token');
    pos += m![0].length;
    // A number at the root must be followed by whitespace or the end (Jackson's _verifyRootSpace).
    if (root && pos < n && !/[ \t\r\n]/.test(text[pos]!)) fail('unexpected character after a root-level number');
    if (!m![2] && !m![3]) return m![0] === '-0' ? '0' : m![0].replace(/^(-?)0+(?=\d)/, '$1');
    return javaDoubleString(Number(m![0]));
  };
  const string = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= n) fail('unterminated string');
      const ch = text.charCodeAt(pos++);
      if (ch === 0x22) break;
      if (ch < 0x20) fail('control character in string');
      if (ch !== 0x5c) {
        out += String.fromCharCode(ch);
        continue;
      }
      const e = text[pos++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          fail('invalid escape');
      }
    }
    return jacksonQuote(out);
  };
  ws();
  if (pos >= n) return '';
  return value(0);
}

/** A string as Jackson writes it: `"` and `\` escaped, control characters as short or \u00XX escapes. */
function jacksonQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
  return out + '"';
}
