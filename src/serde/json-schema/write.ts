/**
 * Record bodies as ksqlDB's JSON_SR serializer writes them: the row put into the target schema's
 * Connect struct, then JsonSchemaData.fromConnectData (Jackson's compact JSON):
 *
 * - with the schema generated for the columns, the JSON format's bytes, except that maps are
 *   arrays of {"key": k, "value": v} (ksqlDB's map keys are optional strings);
 * - with a registered schema (KEY/VALUE_SCHEMA_ID): its fields, in its order; each column must be
 *   one of them by exact name ("Schema from Schema Registry misses field with name: X"); fields
 *   that are no column are null, or left out when required; a null in a required field fails;
 *   maps as that schema's maps are (objects for required string keys, else entry arrays).
 */
import type { SqlType, StructType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import { jsonRowBytes } from '../json-bytes.js';
import { jsonWriter, type Writer } from '../json-write.js';
import { connectOfColumns, isObjectMap, sameSchema, typeName, writesAsJson, type ConnectSchema } from './connect.js';

/** A serialization failure (Connect's DataException). */
export class WriteError extends Error {}

export type BodyWriter = (values: readonly unknown[]) => Buffer;

/** The writer of rows of `columns` with the target schema `s`. */
export function bodyWriter(s: ConnectSchema, columns: readonly Column[], unwrapped: boolean): BodyWriter {
  const types = columns.map((c) => c.type);
  if (writesAsJson(s) && sameSchema(s, connectOfColumns(columns, unwrapped))) {
    return jsonRowBytes(unwrapped ? null : columns.map((c) => c.name), types);
  }
  if (unwrapped) {
    const w = valueWriter(s, types[0]!, 'null');
    return (values) => Buffer.from(w(values[0]) ?? 'null');
  }
  if (s.type !== 'struct') throw new WriteError(`The ${s.type} schema cannot hold a row of ${columns.length} columns`);
  const missing = columns.find((c) => !s.fields.some((f) => f.name === c.name));
  if (missing !== undefined) throw new WriteError(`Schema from Schema Registry misses field with name: ${missing.name}`);
  const byName = new Map(columns.map((c, i) => [c.name, i]));
  const parts = s.fields.map((f) => {
    const index = byName.get(f.name);
    const w = index === undefined ? undefined : valueWriter(f.schema, types[index]!, f.name);
    return { prefix: JSON.stringify(f.name) + ':', index, w, optional: f.schema.optional };
  });
  return (values) => {
    let out = '{';
    let first = true;
    for (const p of parts) {
      let text: string | undefined;
      if (p.index === undefined) text = p.optional ? 'null' : undefined;
      else text = p.w!(values[p.index]);
      if (text === undefined) continue;
      out += (first ? '' : ',') + p.prefix + text;
      first = false;
    }
    return Buffer.from(out + '}');
  };
}

/**
 * Writes a value of SQL type `t` as schema `s` says; undefined for a null that is left out (a
 * required field's, which Connect's Struct refuses when it is a column).
 */
function valueWriter(s: ConnectSchema, t: SqlType, field: string): (v: unknown) => string | undefined {
  const nonNull = nonNullWriter(s, t);
  if (s.optional) return (v) => (v == null ? 'null' : nonNull(v));
  return (v) => {
    if (v == null) throw new WriteError(`Invalid value: null used for required field: "${field}", schema type: ${typeName(s)}`);
    return nonNull(v);
  };
}

function nonNullWriter(s: ConnectSchema, t: SqlType): Writer {
  switch (s.type) {
    case 'array': {
      if (t.kind !== 'ARRAY') return mismatch(s, t);
      const el = valueWriter(s.items, t.element, 'null');
      return (v) => '[' + (v as readonly unknown[]).map((x) => el(x) ?? 'null').join(',') + ']';
    }
    case 'map': {
      if (t.kind !== 'MAP') return mismatch(s, t);
      const val = valueWriter(s.value, t.value, 'null');
      const key = valueWriter(s.key, t.key, 'null');
      const entries = (v: unknown): Iterable<[unknown, unknown]> => (v instanceof Map ? v.entries() : Object.entries(v as object));
      if (isObjectMap(s)) {
        return (v) => {
          const parts: string[] = [];
          for (const [k, x] of entries(v)) parts.push(JSON.stringify(String(k)) + ':' + (val(x) ?? 'null'));
          return '{' + parts.join(',') + '}';
        };
      }
      return (v) => {
        const parts: string[] = [];
        for (const [k, x] of entries(v)) parts.push('{"key":' + (key(k) ?? 'null') + ',"value":' + (val(x) ?? 'null') + '}');
        return '[' + parts.join(',') + ']';
      };
    }
    case 'struct': {
      if (t.kind !== 'STRUCT') return mismatch(s, t);
      return s.union ? unionWriter(s.fields, t) : structWriter(s.fields, t);
    }
    default:
      return jsonWriter(t);
  }
}

/** A struct value (keyed by the SQL type's field names) written with the schema's fields. */
function structWriter(fields: readonly { name: string; schema: ConnectSchema }[], t: StructType): Writer {
  const parts = fields.map((f) => {
    const sf = t.fields.find((x) => x.name === f.name) ?? t.fields.find((x) => x.name === f.name.toUpperCase());
    return { prefix: JSON.stringify(f.name) + ':', name: sf?.name, w: sf === undefined ? undefined : valueWriter(f.schema, sf.type, f.name), optional: f.schema.optional };
  });
  return (v) => {
    const o = v as Record<string, unknown>;
    let out = '{';
    let first = true;
    for (const p of parts) {
      const text = p.w === undefined ? (p.optional ? 'null' : undefined) : p.w(o[p.name!]);
      if (text === undefined) continue;
      out += (first ? '' : ',') + p.prefix + text;
      first = false;
    }
    return out + '}';
  };
}

/** A union (oneOf) value: its first non-null alternative, written with that alternative's schema. */
function unionWriter(fields: readonly { name: string; schema: ConnectSchema }[], t: StructType): Writer {
  const alternatives = fields.flatMap((f) => {
    const sf = t.fields.find((x) => x.name === f.name) ?? t.fields.find((x) => x.name === f.name.toUpperCase());
    return sf === undefined ? [] : [{ name: sf.name, w: nonNullWriter(f.schema, sf.type) }];
  });
  return (v) => {
    const o = v as Record<string, unknown>;
    for (const a of alternatives) if (o[a.name] != null) return a.w(o[a.name]);
    return 'null';
  };
}

function mismatch(s: ConnectSchema, t: SqlType): Writer {
  return () => {
    throw new WriteError(`Invalid Java object for schema type ${typeName(s)}: a ${t.kind} value`);
  };
}
