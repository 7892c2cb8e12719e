/**
 * The Kafka Connect view of a JSON Schema, which ksqlDB works through: Confluent's JsonSchemaData
 * turns a registered JSON Schema into a Connect schema (parse.ts) and ksqlDB's columns into one
 * (connectOfSql below), and records are converted between JSON and ksqlDB values by way of it.
 *
 * The model keeps what decides types and encodings: the Connect type, optionality, the logical
 * name (Decimal, Date, Time, Timestamp; a union's marker name) and parameters.
 */
import { AnalysisError } from '../../errors.js';
import type { SqlType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';

export type ConnectPrimitive = 'boolean' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'string' | 'bytes';

interface Base {
  readonly optional: boolean;
  /** Connect's schema name: a logical type's (see LOGICAL), a union's, or a JSON Schema title. */
  readonly name?: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly version?: number;
}
export interface ConnectLeaf extends Base {
  readonly type: ConnectPrimitive;
}
export interface ConnectArray extends Base {
  readonly type: 'array';
  readonly items: ConnectSchema;
}
export interface ConnectMap extends Base {
  readonly type: 'map';
  readonly key: ConnectSchema;
  readonly value: ConnectSchema;
}
export interface ConnectField {
  readonly name: string;
  readonly schema: ConnectSchema;
}
export interface ConnectStruct extends Base {
  readonly type: 'struct';
  readonly fields: readonly ConnectField[];
  /** A oneOf/anyOf of several types: one field per alternative, of which a value sets one. */
  readonly union: boolean;
}
export type ConnectSchema = ConnectLeaf | ConnectArray | ConnectMap | ConnectStruct;

export const LOGICAL = {
  DECIMAL: 'org.apache.kafka.connect.data.Decimal',
  DATE: 'org.apache.kafka.connect.data.Date',
  TIME: 'org.apache.kafka.connect.data.Time',
  TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',
} as const;

/** JsonSchemaData's name for the struct standing for a oneOf/anyOf, and its fields' prefix. */
export const UNION_NAME = 'io.confluent.connect.json.OneOf';
export const PRECISION_PARAM = 'connect.decimal.precision';
/** DecimalUtil.PRECISION_DEFAULT: a Decimal schema without a precision parameter. */
const DEFAULT_PRECISION = 64;

export const isInteger = (s: ConnectSchema): boolean => s.type === 'int8' || s.type === 'int16' || s.type === 'int32' || s.type === 'int64';
export const isDecimal = (s: ConnectSchema): boolean => s.type === 'bytes' && s.name === LOGICAL.DECIMAL;

/** Precision and scale of a Decimal schema, as ksqlDB's DecimalUtil reads them. */
export function decimalOf(s: ConnectSchema): { precision: number; scale: number } {
  const scale = s.params?.['scale'];
  if (scale === undefined) throw new AnalysisError('Invalid Decimal schema: scale parameter not found.');
  if (!/^-?\d+$/.test(scale)) throw new AnalysisError('Invalid scale parameter found in Decimal schema: ');
  const precision = s.params?.[PRECISION_PARAM];
  if (precision !== undefined && !/^-?\d+$/.test(precision)) throw new AnalysisError('Invalid precision parameter found in Decimal schema: ');
  return { precision: precision === undefined ? DEFAULT_PRECISION : Number(precision), scale: Number(scale) };
}

/**
 * Maps are JSON objects when their keys are required strings, otherwise arrays of
 * {"key": k, "value": v} entries. ksqlDB's own map keys are optional strings, so the maps it writes
 * are entry arrays.
 */
export const isObjectMap = (m: ConnectMap): boolean => m.key.type === 'string' && !m.key.optional;

/** The Connect schema ksqlDB uses for a SQL type (SchemaConverters.sqlToConnectConverter): all optional. */
export function connectOfSql(t: SqlType): ConnectSchema {
  switch (t.kind) {
    case 'BOOLEAN':
      return { type: 'boolean', optional: true };
    case 'INTEGER':
      return { type: 'int32', optional: true };
    case 'BIGINT':
      return { type: 'int64', optional: true };
    case 'DOUBLE':
      return { type: 'float64', optional: true };
    case 'STRING':
      return { type: 'string', optional: true };
    case 'BYTES':
      return { type: 'bytes', optional: true };
    case 'DECIMAL':
      return { type: 'bytes', optional: true, name: LOGICAL.DECIMAL, version: 1, params: { scale: String(t.scale), [PRECISION_PARAM]: String(t.precision) } };
    case 'DATE':
      return { type: 'int32', optional: true, name: LOGICAL.DATE, version: 1 };
    case 'TIME':
      return { type: 'int32', optional: true, name: LOGICAL.TIME, version: 1 };
    case 'TIMESTAMP':
      return { type: 'int64', optional: true, name: LOGICAL.TIMESTAMP, version: 1 };
    case 'ARRAY':
      return { type: 'array', optional: true, items: connectOfSql(t.element) };
    case 'MAP':
      return { type: 'map', optional: true, key: connectOfSql(t.key), value: connectOfSql(t.value) };
    case 'STRUCT': {
      const fields = t.fields.map((f) => ({ name: f.name, schema: connectOfSql(f.type) }));
      // ksqlDB's SqlStruct.unionType: a struct whose fields are all JsonSchemaData's union fields
      // (as inference keeps them under KEY/VALUE_SCHEMA_ID) is written back as a oneOf.
      if (fields.length > 0 && fields.every((f) => f.name.startsWith(UNION_NAME + '.field'))) {
        return { type: 'struct', optional: true, union: true, name: UNION_NAME, fields };
      }
      return { type: 'struct', optional: true, union: false, fields };
    }
    default:
      throw new AnalysisError(`Unexpected sql type: ${t.kind}`);
  }
}

/** The schema of a row: the single column's own (unwrapped), or a required struct of the columns. */
export function connectOfColumns(columns: readonly Column[], unwrapped: boolean): ConnectSchema {
  if (unwrapped) return connectOfSql(columns[0]!.type);
  return { type: 'struct', optional: false, union: false, fields: columns.map((c) => ({ name: c.name, schema: connectOfSql(c.type) })) };
}

/** Whether the JSON format writes values of this schema as JSON_SR does: no maps (entry arrays here) and no unions. */
export function writesAsJson(s: ConnectSchema): boolean {
  switch (s.type) {
    case 'map':
      return false;
    case 'array':
      return writesAsJson(s.items);
    case 'struct':
      return !s.union && s.fields.every((f) => writesAsJson(f.schema));
    default:
      return true;
  }
}

/** Structural equality of two Connect schemas (names, parameters and optionality included). */
export function sameSchema(a: ConnectSchema, b: ConnectSchema): boolean {
  if (a.type !== b.type || a.optional !== b.optional || a.name !== b.name) return false;
  const pa = a.params ?? {};
  const pb = b.params ?? {};
  const ka = Object.keys(pa);
  if (ka.length !== Object.keys(pb).length || ka.some((k) => pa[k] !== pb[k])) return false;
  switch (a.type) {
    case 'array':
      return sameSchema(a.items, (b as ConnectArray).items);
    case 'map':
      return sameSchema(a.key, (b as ConnectMap).key) && sameSchema(a.value, (b as ConnectMap).value);
    case 'struct': {
      const bs = b as ConnectStruct;
      return a.union === bs.union && a.fields.length === bs.fields.length && a.fields.every((f, i) => f.name === bs.fields[i]!.name && sameSchema(f.schema, bs.fields[i]!.schema));
    }
    default:
      return true;
  }
}

/** Connect's upper-case type name, as in "Invalid null value for required INT32 field". */
export const typeName = (s: ConnectSchema): string => s.type.toUpperCase();
