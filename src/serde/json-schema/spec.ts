/**
 * Test vectors' values ("specs") ↔ JSON_SR bytes, as ksqlDB's test harness converts them
 * (ValueSpecJsonSchemaSerdeSupplier): SpecToConnectConverter puts the spec into the schema's
 * Connect form, JsonSchemaData writes it as JSON; and back, the JSON read by the schema its id
 * names and given as the harness compares it.
 *
 * Encoding: struct fields matched case-insensitively (unknown ones ignored, absent ones null);
 * numbers and booleans parsed from their text (Integer.valueOf(spec.toString()), so "10" is 10);
 * strings from anything's text; decimals from numbers or strings, fitted to the scale; BYTES from
 * base64. Decoding: structs as objects with every schema field, decimals as numbers keeping their
 * text (JsonNumber), BYTES as base64, dates/times as numbers, map keys as text.
 */
import type { SchemaCatalog, SchemaText } from '../../registry/schema.js';
import { Decimal } from '../../types/decimal.js';
import { HEADER_SIZE, MAGIC_BYTE, UnknownSchemaError, frame } from '../confluent-wire.js';
import { JsonNumber, parseExact } from '../json-exact.js';
import { SerdeError } from '../serde.js';
import { decodeBase64, javaDouble, jsonNumberText } from '../text.js';
import { LOGICAL, decimalOf, isObjectMap, type ConnectSchema } from './connect.js';
import { isJsonObject, javaFloat, nodeType, pickUnion } from './convert.js';
import { connectSchemaOf } from './parse.js';

/** A spec value's text as Java's toString gives it (numbers read by Jackson: BigDecimal for fractions). */
function specText(v: unknown): string {
  if (v instanceof JsonNumber) return jsonNumberText(v.text);
  if (v instanceof Decimal) return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : jsonNumberText(String(v));
  if (Array.isArray(v)) return '[' + v.map(specText).join(', ') + ']';
  if (isJsonObject(v)) return '{' + Object.entries(v).map(([k, x]) => k + '=' + specText(x)).join(', ') + '}';
  return String(v);
}

function specInt(v: unknown, bits: 32 | 64): number {
  const t = specText(v);
  if (!/^[+-]?\d+$/.test(t)) throw new Error(`For input string: "${t}"`);
  const n = Number(t);
  if (bits === 32 && (n < -2147483648 || n > 2147483647)) throw new Error(`For input string: "${t}"`);
  return n;
}

/** The JSON text of a spec written with schema `s`; undefined when it is left out (null, required). */
function specJson(v: unknown, s: ConnectSchema): string | undefined {
  if (v === null || v === undefined) return s.optional ? 'null' : undefined;
  if (s.name === LOGICAL.DECIMAL) {
    const { precision, scale } = decimalOf(s);
    let d: Decimal;
    if (typeof v === 'string') d = Decimal.parse(v).setScale(scale);
    else {
      d = Decimal.parse(specText(v));
      if (d.setScale(scale).compareTo(d) !== 0) throw new Error(`Cannot fit decimal '${d.toString()}' into DECIMAL(${precision}, ${scale}) without rounding.`);
      d = d.setScale(scale);
    }
    if (!d.fits(precision, scale)) throw new Error(`Numeric field overflow: ${d.toString()} does not fit DECIMAL(${precision}, ${scale})`);
    return jsonNumberText(d.toString());
  }
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return String(specInt(v, 32));
    case 'int64':
      return String(BigInt(specText(v).replace(/^\+/, '')));
    case 'float32':
      return javaFloat(Math.fround(Number(specText(v))));
    case 'float64': {
      const d = Number(specText(v));
      return Number.isFinite(d) ? javaDouble(d) : JSON.stringify(javaDouble(d));
    }
    case 'boolean':
      return specText(v).toLowerCase() === 'true' ? 'true' : 'false';
    case 'string':
      return JSON.stringify(specText(v));
    case 'bytes':
      if (typeof v === 'string') return JSON.stringify((decodeBase64(v) ?? Buffer.from(v, 'base64')).toString('base64'));
      if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
      throw new Error(`Cannot encode ${nodeType(v)} as BYTES`);
    case 'array': {
      if (!Array.isArray(v)) throw new Error(`Expected an array for ${JSON.stringify(v)}`);
      return '[' + v.map((x) => specJson(x, s.items) ?? 'null').join(',') + ']';
    }
    case 'map': {
      if (!isJsonObject(v)) throw new Error(`Expected an object for a map`);
      const entries = Object.entries(v);
      if (isObjectMap(s)) return '{' + entries.map(([k, x]) => JSON.stringify(k) + ':' + (specJson(x, s.value) ?? 'null')).join(',') + '}';
      return '[' + entries.map(([k, x]) => `{"key":${specJson(k, s.key) ?? 'null'},"value":${specJson(x, s.value) ?? 'null'}}`).join(',') + ']';
    }
    case 'struct': {
      if (!isJsonObject(v)) throw new Error(`Expected an object for a struct`);
      if (s.union) {
        for (const f of s.fields) {
          const text = specJson(v[f.name], f.schema);
          if (text !== undefined && text !== 'null') return text;
        }
        return s.optional ? 'null' : undefined;
      }
      const byUpper = new Map<string, unknown>();
      for (const [k, x] of Object.entries(v)) byUpper.set(k.toUpperCase(), x);
      const parts: string[] = [];
      for (const f of s.fields) {
        const x = byUpper.get(f.name.toUpperCase());
        if ((x === null || x === undefined) && !f.schema.optional) throw new Error(`Invalid value: null used for required field: "${f.name}"`);
        const text = specJson(x, f.schema);
        if (text !== undefined) parts.push(JSON.stringify(f.name) + ':' + text);
      }
      return '{' + parts.join(',') + '}';
    }
  }
}

/** SchemaFormat.encodeSpec for JSON_SR. */
export function encodeSpec(spec: unknown, schema: SchemaText, id: number | undefined, catalog: SchemaCatalog): Buffer {
  const s = connectSchemaOf(schema, catalog);
  const body = Buffer.from(specJson(spec, s) ?? 'null');
  return id === undefined ? body : frame(id, body);
}

const numText = (v: unknown): string => (v instanceof JsonNumber ? v.text : typeof v === 'number' ? String(v) : '0');

/** A JSON value read with schema `s` in the harness's shape (JsonSchemaData.toConnectData, connectToSpec). */
function specOf(v: unknown, s: ConnectSchema): unknown {
  if (v === null || v === undefined) {
    if (v === null && !s.optional) throw new Error(`Invalid null value for required ${s.type.toUpperCase()} field`);
    return null;
  }
  if (s.name === LOGICAL.DECIMAL) {
    if (typeof v === 'string') {
      const b = decodeBase64(v);
      if (b === undefined) throw new Error('Invalid bytes for Decimal field');
      let u = b.length === 0 ? 0n : BigInt('0x' + b.toString('hex'));
      if (b.length > 0 && b[0]! & 0x80) u -= 1n << BigInt(8 * b.length);
      return new JsonNumber(new Decimal(u, decimalOf(s).scale).toString());
    }
    return new JsonNumber(numText(v));
  }
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64': {
      const t = numText(v);
      const n = Number(t);
      return Number.isSafeInteger(n) || !/^-?\d+$/.test(t) ? Math.trunc(n) : new JsonNumber(t);
    }
    case 'float32':
      return Math.fround(Number(numText(v)));
    case 'float64':
      return Number(numText(v));
    case 'boolean':
      return v === true;
    case 'string':
      return typeof v === 'string' ? v : null;
    case 'bytes':
      return typeof v === 'string' ? v : null;
    case 'array':
      return (Array.isArray(v) ? v : isJsonObject(v) ? Object.values(v) : []).map((x) => specOf(x, s.items));
    case 'map': {
      const out: Record<string, unknown> = {};
      if (isObjectMap(s)) {
        if (!isJsonObject(v)) throw new Error(`Maps with string fields should be encoded as JSON objects, but found ${nodeType(v)}`);
        for (const [k, x] of Object.entries(v)) out[k] = specOf(x, s.value);
      } else {
        if (!Array.isArray(v)) throw new Error(`Maps with non-string fields should be encoded as JSON array of objects, but found ${nodeType(v)}`);
        for (const e of v) {
          if (!isJsonObject(e)) throw new Error(`Found invalid map entry instead of object: ${nodeType(e)}`);
          const k = specOf(e['key'], s.key);
          out[k instanceof JsonNumber ? k.text : String(k)] = specOf(e['value'], s.value);
        }
      }
      return out;
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      if (s.union) {
        const chosen = pickUnion(s, v);
        s.fields.forEach((f, i) => (out[f.name] = i === chosen ? specOf(v, f.schema) : null));
        return out;
      }
      if (!isJsonObject(v)) throw new Error(`Structs should be encoded as JSON objects, but found ${nodeType(v)}`);
      for (const f of s.fields) out[f.name] = specOf(Object.prototype.hasOwnProperty.call(v, f.name) ? v[f.name] : undefined, f.schema);
      return out;
    }
  }
}

/** SchemaFormat.decodeSpec for JSON_SR. */
export function decodeSpec(bytes: Buffer, catalog: SchemaCatalog, unframed?: SchemaText): unknown {
  let schema: SchemaText;
  let body: Buffer;
  if (bytes.length >= HEADER_SIZE && bytes[0] === MAGIC_BYTE) {
    const id = bytes.readInt32BE(1);
    const registered = catalog.byId(id);
    if (registered === undefined) throw new UnknownSchemaError(id);
    schema = registered;
    body = bytes.subarray(HEADER_SIZE);
  } else if (unframed !== undefined) {
    schema = unframed;
    body = bytes;
  } else {
    throw new SerdeError('Unknown magic byte!');
  }
  return specOf(parseExact(body.toString()), connectSchemaOf(schema, catalog));
}
