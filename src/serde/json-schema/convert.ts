/**
 * Reading a JSON value written with a writer schema into a column type, as ksqlDB does by default
 * (ksql.json_sr.converter.deserializer.enabled): Confluent's JsonSchemaConverter turns the JSON
 * into Connect data by the writer's schema (JsonSchemaData.toConnectData, no validation), then
 * ksqlDB's ConnectDataTranslator turns that into the column's type:
 *
 * - fields are read by the writer's property names, each going to the column field of that name
 *   or of its upper-cased name; column fields the writer lacks are null;
 * - the writer type must suit the column (ConnectDataTranslator.validateSchema): BIGINT takes any
 *   integer, INTEGER int8..int32, DOUBLE float32/float64, STRING any integer, float, boolean or
 *   string, the others their own type; otherwise every record fails ("Cannot deserialize type
 *   int64 as type int32 for path: ->A");
 * - Connect's own coercions: a required property holding null fails, numbers from non-numbers
 *   are 0, booleans from non-booleans false, strings from non-strings null; maps are read as JSON
 *   objects or as {"key", "value"} entry arrays as the writer's map says; a DATE must be an int.
 *
 * The two steps are fused into one compiled converter per (writer schema, column type).
 */
import { Decimal } from '../../types/decimal.js';
import type { SqlType, StructType } from '../../types/sql-type.js';
import { JsonNumber } from '../json-exact.js';
import { NEED_EXACT, fitDecimal } from '../json-read.js';
import { decodeBase64, javaDouble, jsonNumberText } from '../text.js';
import { LOGICAL, decimalOf, isObjectMap, typeName, type ConnectSchema, type ConnectStruct } from './connect.js';

/** A Connect DataException: the record cannot be read. */
export class ReadError extends Error {}

export type Converter = (v: unknown) => unknown;

export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

/** Jackson's JsonNodeType of a parsed value. */
export function nodeType(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (typeof v === 'number' || v instanceof JsonNumber) return 'NUMBER';
  if (typeof v === 'string') return 'STRING';
  return Array.isArray(v) ? 'ARRAY' : 'OBJECT';
}

const numOf = (v: unknown): number => (typeof v === 'number' ? v : v instanceof JsonNumber ? Number(v.text) : 0);
const isIntegral = (v: unknown): boolean => (typeof v === 'number' ? Number.isInteger(v) : v instanceof JsonNumber && v.integral);
const isInt = (v: unknown): boolean => isIntegral(v) && numOf(v) >= -2147483648 && numOf(v) <= 2147483647;

/** Jackson's intValue(): integers wrap to 32 bits, fractions truncate (saturating), non-numbers 0. */
function intValue(v: unknown): number {
  const n = numOf(v);
  if (Number.isInteger(n)) return n | 0;
  if (n !== n) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(n)));
}

/** Jackson's longValue(), as a number when it is safe and a bigint beyond. */
function longValue(v: unknown): number | bigint {
  if (v instanceof JsonNumber && v.integral) {
    const n = Number(v.text);
    return Number.isSafeInteger(n) ? n : BigInt.asIntN(64, BigInt(v.text));
  }
  const n = numOf(v);
  return n !== n ? 0 : Math.trunc(n);
}

/** Java's Float.toString of a float32 value. */
export function javaFloat(f: number): string {
  if (!Number.isFinite(f) || f === 0) return javaDouble(f);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return javaDouble(Number(s));
  }
  return javaDouble(f);
}

/** Decimal from Connect's bytes: a big-endian two's complement unscaled value. */
function decimalOfBytes(b: Buffer, scale: number): Decimal {
  if (b.length === 0) return new Decimal(0n, scale);
  let u = BigInt('0x' + b.toString('hex'));
  if (b[0]! & 0x80) u -= 1n << BigInt(8 * b.length);
  return new Decimal(u, scale);
}

/** The Connect type a column type is held in (for validateSchema). */
function connectTypeOfSql(t: SqlType): string {
  switch (t.kind) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return 'int32';
    case 'BIGINT':
    case 'TIMESTAMP':
      return 'int64';
    case 'DOUBLE':
      return 'float64';
    case 'STRING':
      return 'string';
    case 'BYTES':
    case 'DECIMAL':
      return 'bytes';
    default:
      return t.kind.toLowerCase();
  }
}

const ACCEPTS: Readonly<Record<string, readonly string[]>> = {
  int64: ['int64', 'int32', 'int16', 'int8'],
  int32: ['int32', 'int16', 'int8'],
  float64: ['float32', 'float64'],
  string: ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string'],
};

/** ConnectDataTranslator.validateSchema. */
export function accepts(w: ConnectSchema, c: SqlType): boolean {
  const target = connectTypeOfSql(c);
  return (ACCEPTS[target] ?? [target]).includes(w.type);
}

/** The converter of JSON written with `w` into values of type `c`; `path` as ksqlDB names it. */
export function compile(w: ConnectSchema, c: SqlType, path: string): Converter {
  if (!accepts(w, c)) {
    const msg = `Cannot deserialize type ${w.type} as type ${connectTypeOfSql(c)} for path: ${path}`;
    return () => {
      throw new ReadError(msg);
    };
  }
  const required = !w.optional;
  const nullOf = (v: unknown): null => {
    if (v === null && required) throw new ReadError(`Invalid null value for required ${typeName(w)} field`);
    return null;
  };
  const leaf = leafOf(w, c);
  if (leaf !== undefined) return (v) => (v === undefined || v === null ? nullOf(v) : leaf(v));
  switch (w.type) {
    case 'array': {
      const el = compile(w.items, (c as { element: SqlType }).element, path + '->ARRAY');
      return (v) => {
        if (v === undefined || v === null) return nullOf(v);
        // Jackson iterates an object's values, and nothing of a scalar.
        const items = Array.isArray(v) ? v : isJsonObject(v) ? Object.values(v) : [];
        return items.map(el);
      };
    }
    case 'map': {
      const mt = c as { key: SqlType; value: SqlType };
      const key = compile(w.key, mt.key, path + '->MAP_KEY');
      const val = compile(w.value, mt.value, path + '->MAP_VAL');
      if (isObjectMap(w)) {
        return (v) => {
          if (v === undefined || v === null) return nullOf(v);
          if (!isJsonObject(v)) throw new ReadError(`Maps with string fields should be encoded as JSON objects, but found ${nodeType(v)}`);
          const out = new Map<unknown, unknown>();
          for (const k of Object.keys(v)) out.set(key(k), val(v[k]));
          return out;
        };
      }
      return (v) => {
        if (v === undefined || v === null) return nullOf(v);
        if (!Array.isArray(v)) throw new ReadError(`Maps with non-string fields should be encoded as JSON array of objects, but found ${nodeType(v)}`);
        const out = new Map<unknown, unknown>();
        for (const e of v) {
          if (!isJsonObject(e)) throw new ReadError(`Found invalid map entry instead of object: ${nodeType(e)}`);
          const n = Object.keys(e).length;
          if (n !== 2) throw new ReadError(`Found invalid map entry, expected length 2 but found :${n}`);
          out.set(key(own(e, 'key')), val(own(e, 'value')));
        }
        return out;
      };
    }
    case 'struct': {
      const st = c as StructType;
      const into = compileStruct(w, st, path);
      const names = st.fields.map((f) => f.name);
      return (v) => {
        if (v === undefined || v === null) return nullOf(v);
        const vals = new Array<unknown>(names.length).fill(null);
        into(v, vals, 0);
        const o: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) o[names[i]!] = vals[i];
        return o;
      };
    }
    default:
      throw new Error(`Unexpected writer type ${w.type}`);
  }
}

const PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/**
 * A struct (or a row) read into out[at...] in the column type's field order. Writer fields go to
 * the column field of their name, else of their upper-cased name; the others stay as they are.
 */
export function compileStruct(w: ConnectStruct, c: StructType, path: string): (v: unknown, out: unknown[], at: number) => void {
  const byName = new Map(c.fields.map((f, i) => [f.name, i]));
  const targets: { name: string; index: number; conv: Converter }[] = [];
  for (const f of w.fields) {
    const index = byName.get(f.name) ?? byName.get(f.name.toUpperCase());
    if (index === undefined) continue;
    targets.push({ name: f.name, index, conv: compile(f.schema, c.fields[index]!.type, path + '->' + c.fields[index]!.name) });
  }
  if (w.union) {
    return (v, out, at) => {
      const chosen = w.fields[pickUnion(w, v)]!.name;
      for (const t of targets) out[at + t.index] = t.conv(t.name === chosen ? v : undefined);
    };
  }
  // Names that Object.prototype also has need an own-property check; the others a plain load.
  const hazard = targets.some((t) => PROTO_NAMES.has(t.name));
  const n = targets.length;
  return (v, out, at) => {
    if (!isJsonObject(v)) throw new ReadError(`Structs should be encoded as JSON objects, but found ${nodeType(v)}`);
    for (let i = 0; i < n; i++) {
      const t = targets[i]!;
      out[at + t.index] = t.conv(hazard ? own(v, t.name) : v[t.name]);
    }
  };
}

/** JsonSchemaData's choice of a union alternative for a value: the first simple type it is, else the struct sharing most field names. */
export function pickUnion(w: ConnectStruct, v: unknown): number {
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < w.fields.length; i++) {
    const s = w.fields[i]!.schema;
    if (isSimpleInstance(s, v)) return i;
    const n = structMatch(s, v);
    if (n > bestCount) {
      bestCount = n;
      best = i;
    }
  }
  if (best < 0) throw new ReadError('Did not find matching oneof field for data');
  return best;
}

function isSimpleInstance(s: ConnectSchema, v: unknown): boolean {
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return isIntegral(v);
    case 'float32':
    case 'float64':
      return typeof v === 'number' || v instanceof JsonNumber;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'bytes':
      return v instanceof JsonNumber ? !v.integral : typeof v === 'number' && !Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'map':
      return isJsonObject(v) || Array.isArray(v);
    case 'struct':
      return false;
  }
}

function structMatch(s: ConnectSchema, v: unknown): number {
  if (s.type !== 'struct' || !isJsonObject(v)) return 0;
  let n = 0;
  for (const f of s.fields) if (Object.prototype.hasOwnProperty.call(v, f.name)) n += 1 + structMatch(f.schema, v[f.name]);
  return n;
}

/** Converters of non-null scalar values; undefined for containers. */
function leafOf(w: ConnectSchema, c: SqlType): Converter | undefined {
  // Connect's logical types come first (by name, whatever the type).
  if (w.name === LOGICAL.DECIMAL) {
    const { scale } = decimalOfWriter(w);
    // A double gives back the decimal it was read from up to 15 significant digits; the rescale
    // to the column's scale makes the text's own scale irrelevant (but not for text output).
    const keepsText = c.kind === 'STRING';
    const read = (v: unknown): Decimal => {
      if (typeof v === 'number') {
        const t = String(v);
        if (keepsText || t.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length > 15) throw NEED_EXACT;
        return Decimal.parse(t);
      }
      if (v instanceof JsonNumber) return Decimal.parse(v.text);
      if (typeof v === 'string') {
        const b = decodeBase64(v);
        if (b === undefined) throw new ReadError('Invalid bytes for Decimal field');
        return decimalOfBytes(b, scale);
      }
      throw new ReadError(`Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(v)}`);
    };
    switch (c.kind) {
      case 'DECIMAL':
        return (v) => fitDecimal(read(v), c.precision, c.scale);
      // A Decimal title on a number schema: Connect's BigDecimal, then Number's conversions.
      case 'DOUBLE':
        return (v) => read(v).toNumber();
      case 'INTEGER':
      case 'DATE':
      case 'TIME':
        return (v) => Math.trunc(read(v).toNumber()) | 0;
      case 'BIGINT':
      case 'TIMESTAMP':
        return (v) => Math.trunc(read(v).toNumber());
      case 'STRING':
        return (v) => jsonNumberText(read(v).toString());
      default:
        return () => {
          throw new ReadError(`Cannot read a Decimal as ${c.kind}`);
        };
    }
  }
  const logical = w.name === LOGICAL.DATE || w.name === LOGICAL.TIME ? 'int' : w.name === LOGICAL.TIMESTAMP ? 'long' : undefined;
  const raw = logical !== undefined ? logicalRaw(w, logical) : rawOf(w, c.kind === 'STRING');
  if (raw === undefined) return undefined;
  switch (c.kind) {
    case 'BOOLEAN':
    case 'DOUBLE':
      return raw;
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return (v) => Number(raw(v)) | 0;
    case 'BIGINT':
    case 'TIMESTAMP':
      return (v) => Number(raw(v));
    case 'STRING': {
      const text = w.type === 'float32' ? javaFloat : w.type === 'float64' ? javaDouble : String;
      return (v) => {
        const x = raw(v);
        return x === null ? null : text(x as never);
      };
    }
    case 'BYTES':
      return (v) => {
        const x = raw(v);
        if (x !== null && !Buffer.isBuffer(x)) throw new ReadError(`Cannot read a ${w.type} value as BYTES`);
        return x;
      };
    default:
      return () => {
        throw new ReadError(`Cannot read a ${w.type} value as ${c.kind}`);
      };
  }
}

function decimalOfWriter(w: ConnectSchema): { scale: number } {
  try {
    return decimalOf(w);
  } catch (e) {
    throw new ReadError((e as Error).message);
  }
}

function logicalRaw(w: ConnectSchema, kind: 'int' | 'long'): Converter {
  const label = w.name!.slice(w.name!.lastIndexOf('.') + 1);
  if (kind === 'int') {
    return (v) => {
      if (!isInt(v)) throw new ReadError(`Invalid type for ${label}, underlying representation should be integer but was ${nodeType(v)}`);
      return numOf(v);
    };
  }
  return (v) => {
    if (!isIntegral(v)) throw new ReadError(`Invalid type for ${label}, underlying representation should be integral but was ${nodeType(v)}`);
    return Number(longValue(v));
  };
}

/** JsonSchemaData's JSON → Connect conversion of a scalar type; undefined for containers. */
function rawOf(w: ConnectSchema, asText: boolean): Converter | undefined {
  switch (w.type) {
    case 'boolean':
      return (v) => v === true;
    case 'int8':
      return (v) => (intValue(v) << 24) >> 24;
    case 'int16':
      return (v) => (intValue(v) << 16) >> 16;
    case 'int32':
      return intValue;
    case 'int64':
      // Digits beyond 2^53 need the number's text when it is read as text.
      return asText
        ? (v) => {
            if (typeof v === 'number' && !Number.isSafeInteger(v) && Number.isInteger(v)) throw NEED_EXACT;
            return longValue(v);
          }
        : longValue;
    case 'float32':
      return (v) => Math.fround(numOf(v));
    case 'float64':
      return numOf;
    case 'string':
      return (v) => (typeof v === 'string' ? v : null);
    case 'bytes':
      return (v) => {
        if (typeof v !== 'string') return null;
        const b = decodeBase64(v);
        if (b === undefined) throw new ReadError('Invalid bytes field');
        return b;
      };
    default:
      return undefined;
  }
}

