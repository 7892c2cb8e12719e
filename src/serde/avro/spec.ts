/**
 * Test vectors' JSON values to and from Avro, as ksqlDB's test harness (SpecToConnectConverter over
 * AvroData) converts them: record fields matched case-insensitively, numbers parsed from their
 * text, decimals as numbers (fitted to the schema's scale) or strings (rounded), bytes as base64,
 * maps as objects. Decoded decimals keep their scale (JsonNumber), bytes become base64 text and
 * records objects keyed by the schema's field names; a union of several types reads as an object
 * with a field per branch, as a Connect struct.
 */
import { Decimal } from '../../types/decimal.js';
import { JsonNumber } from '../json-exact.js';
import { unionShape, mapEntryParts } from './connect.js';
import { decimalOf, type AvroNode } from './model.js';
import { AvroDataError, type ReadTap, type WriteTap } from './tap.js';
import { decimalBytes, fitDecimal, unscaledOf } from './values.js';
import { writeDefault } from './writer.js';

function text(spec: unknown): string {
  if (spec instanceof JsonNumber) return spec.text;
  if (typeof spec === 'string') return spec;
  if (typeof spec === 'number' || typeof spec === 'boolean' || typeof spec === 'bigint') return String(spec);
  return JSON.stringify(spec);
}

function integer(spec: unknown, bits: 32 | 64): bigint {
  // JSON.parse reads 9223372036854775807 as 2^63: a long that big is taken as the largest long.
  if (bits === 64 && typeof spec === 'number' && Number.isInteger(spec) && !Number.isSafeInteger(spec)) {
    const v = BigInt(spec);
    return v > 9223372036854775807n ? 9223372036854775807n : v < -9223372036854775808n ? -9223372036854775808n : v;
  }
  const s = text(spec);
  if (!/^[+-]?\d+$/.test(s)) throw new AvroDataError(`For input string: "${s}"`);
  const v = BigInt(s);
  const max = bits === 32 ? 2147483647n : 9223372036854775807n;
  if (v > max || v < -max - 1n) throw new AvroDataError(`For input string: "${s}"`);
  return v;
}

function specDecimal(spec: unknown, precision: number, scale: number): Decimal {
  let d: Decimal;
  if (typeof spec === 'string') {
    // DecimalUtil.cast: legacy string decimals are rounded HALF_UP.
    d = Decimal.parse(spec.trim()).setScale(scale);
    return fitDecimal(d.unscaled, d.scale, precision, scale);
  }
  if (typeof spec !== 'number' && !(spec instanceof JsonNumber) && !(spec instanceof Decimal)) {
    throw new AvroDataError('DECIMAL type requires JSON number in test data');
  }
  d = spec instanceof Decimal ? spec : Decimal.parse(text(spec));
  return fitDecimal(d.unscaled, d.scale, precision, scale);
}

/** Writes a vector's value as `n`. */
export function writeSpec(w: WriteTap, n: AvroNode, spec: unknown): void {
  switch (n.kind) {
    case 'null':
      return;
    case 'boolean':
      return w.writeBoolean(text(spec).toLowerCase() === 'true');
    case 'int':
      return w.writeLong(Number(integer(spec, 32)));
    case 'long': {
      const v = integer(spec, 64);
      return v >= -9007199254740991n && v <= 9007199254740991n ? w.writeLong(Number(v)) : w.writeBigLong(v);
    }
    case 'float':
      return w.writeFloat(Number(text(spec)));
    case 'double':
      return w.writeDouble(Number(text(spec)));
    case 'string':
      return w.writeString(text(spec));
    case 'enum': {
      const i = n.symbols.indexOf(text(spec));
      if (i < 0) throw new AvroDataError(`Invalid enum symbol: ${text(spec)}`);
      return w.writeLong(i);
    }
    case 'bytes':
    case 'fixed': {
      const d = decimalOf(n);
      let b: Buffer;
      if (d) b = decimalBytes(specDecimal(spec, d.precision, d.scale).unscaled, n.kind === 'fixed' ? n.size : 0);
      else if (typeof spec === 'string') b = Buffer.from(spec, 'base64');
      else if (Buffer.isBuffer(spec)) b = spec;
      else throw new AvroDataError(`Expected base64 text for bytes, got ${text(spec)}`);
      if (n.kind !== 'fixed') return w.writeBytes(b);
      if (b.length !== n.size) throw new AvroDataError(`Fixed size ${n.size} does not match ${b.length} bytes`);
      return w.writeFixed(b);
    }
    case 'array': {
      const a = spec as unknown[];
      const parts = mapEntryParts(n);
      if (parts) {
        const entries = Object.entries(spec as object);
        if (entries.length) w.writeLong(entries.length);
        for (const [k, v] of entries) {
          if (parts.keyFirst) {
            writeSpec(w, parts.key, k);
            writeSpec(w, parts.value, v);
          } else {
            writeSpec(w, parts.value, v);
            writeSpec(w, parts.key, k);
          }
        }
        return w.writeLong(0);
      }
      if (!Array.isArray(a)) throw new AvroDataError(`Expected an array, got ${text(spec)}`);
      if (a.length) w.writeLong(a.length);
      for (const x of a) writeSpec(w, n.items, x);
      return w.writeLong(0);
    }
    case 'map': {
      const entries = Object.entries(spec as object);
      if (entries.length) w.writeLong(entries.length);
      for (const [k, v] of entries) {
        w.writeString(k);
        writeSpec(w, n.values, v);
      }
      return w.writeLong(0);
    }
    case 'union':
      return writeSpecUnion(w, n, spec);
    case 'record': {
      if (spec === null || typeof spec !== 'object') throw new AvroDataError(`Expected an object for record ${n.name}`);
      const byUpper = new Map<string, unknown>();
      for (const [k, v] of Object.entries(spec)) byUpper.set(k.toUpperCase(), v);
      for (const f of n.fields) {
        const v = byUpper.get(f.name.toUpperCase());
        if (v == null && f.hasDefault && f.default !== null) writeDefault(w, f.type, f.default);
        else if (v == null) writeNull(w, f.type, f.name);
        else writeSpec(w, f.type, v);
      }
      return;
    }
  }
}

function writeNull(w: WriteTap, n: AvroNode, name: string): void {
  if (n.kind === 'null') return;
  if (n.kind === 'union') {
    const i = n.branches.findIndex((b) => b.kind === 'null');
    if (i >= 0) return w.writeLong(i);
  }
  throw new AvroDataError(`Invalid value: null used for required field: "${name}"`);
}

function writeSpecUnion(w: WriteTap, n: AvroNode & { kind: 'union' }, spec: unknown): void {
  const shape = unionShape(n);
  if (spec == null) return writeNull(w, n, 'value');
  if (shape.kind === 'simple') {
    w.writeLong(shape.index);
    return writeSpec(w, shape.node, spec);
  }
  // A Connect union struct: {"int": 1} (names matched case-insensitively); the first non-null branch.
  if (typeof spec === 'object' && !Array.isArray(spec) && !(spec instanceof JsonNumber)) {
    for (const [k, v] of Object.entries(spec as object)) {
      const m = shape.members.find((x) => x.name.toUpperCase() === k.toUpperCase());
      if (m && v != null) {
        w.writeLong(m.index);
        return writeSpec(w, m.node, v);
      }
    }
    return writeNull(w, n, 'value');
  }
  throw new AvroDataError(`A value of a union of several types must be an object with a field per type: ${text(spec)}`);
}

/** Reads a value of `n` into the vectors' JSON shape. */
export function readSpec(t: ReadTap, n: AvroNode): unknown {
  switch (n.kind) {
    case 'null':
      return null;
    case 'boolean':
      return t.readBoolean();
    case 'int':
    case 'long':
      return t.readLong();
    case 'float':
      return t.readFloat();
    case 'double':
      return t.readDouble();
    case 'string':
      return t.readString();
    case 'enum': {
      const s = n.symbols[t.readLong()];
      if (s === undefined) throw new AvroDataError('Malformed data: invalid enum index');
      return s;
    }
    case 'bytes':
    case 'fixed': {
      const b = n.kind === 'fixed' ? t.readFixed(n.size) : t.readBytes();
      const d = decimalOf(n);
      return d ? new JsonNumber(new Decimal(unscaledOf(b, 0, b.length), d.scale).toString()) : b.toString('base64');
    }
    case 'array': {
      const parts = mapEntryParts(n);
      const out: unknown[] = [];
      const obj: Record<string, unknown> = {};
      for (let count = t.readBlockCount(); count > 0; count = t.readBlockCount()) {
        for (; count > 0; count--) {
          t.check();
          if (!parts) {
            out.push(readSpec(t, n.items));
            continue;
          }
          const a = readSpec(t, parts.keyFirst ? parts.key : parts.value);
          const b = readSpec(t, parts.keyFirst ? parts.value : parts.key);
          obj[String(parts.keyFirst ? a : b)] = parts.keyFirst ? b : a;
        }
      }
      return parts ? obj : out;
    }
    case 'map': {
      const obj: Record<string, unknown> = {};
      for (let count = t.readBlockCount(); count > 0; count = t.readBlockCount()) {
        for (; count > 0; count--) {
          t.check();
          const k = t.readString();
          obj[k] = readSpec(t, n.values);
        }
      }
      return obj;
    }
    case 'union': {
      const i = t.readLong();
      const b = n.branches[i];
      if (!b) throw new AvroDataError(`Malformed data: invalid union index ${i}`);
      const shape = unionShape(n);
      if (shape.kind === 'simple' || b.kind === 'null') return readSpec(t, b);
      const o: Record<string, unknown> = {};
      for (const m of shape.members) o[m.name] = m.index === i ? readSpec(t, b) : null;
      return o;
    }
    case 'record': {
      const o: Record<string, unknown> = {};
      for (const f of n.fields) o[f.name] = readSpec(t, f.type);
      return o;
    }
  }
}
