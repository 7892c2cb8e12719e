/**
 * Schema inference: the columns a registered JSON Schema gives, as ksqlDB's
 * ConnectFormatSchemaTranslator and ConnectKsqlSchemaTranslator derive them from its Connect schema:
 *
 * - int8/int16/int32 → INTEGER (DATE/TIME with those logical names), int64 → BIGINT (TIMESTAMP),
 *   float32/float64 → DOUBLE, string → STRING, boolean → BOOLEAN, bytes → BYTES or DECIMAL,
 *   array → ARRAY, map → MAP<STRING, V> (keys must be integers, booleans or strings), struct → STRUCT;
 * - a key, and a value with WRAP_SINGLE_VALUE=false, is one column (ROWKEY / ROWVAL) of the whole
 *   schema; a wrapped value must be an object, whose properties are the columns;
 * - field names are upper-cased, unless the schema was named by KEY/VALUE_SCHEMA_ID (then kept);
 * - a field of a type ksqlDB cannot hold is left out; no field left is an error.
 */
import { AnalysisError } from '../../errors.js';
import type { RegisteredSchema, SchemaCatalog } from '../../registry/schema.js';
import { T, formatType, type SqlType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import type { FormatOptions } from '../serde.js';
import { LOGICAL, decimalOf, isDecimal, type ConnectSchema } from './connect.js';
import { connectSchemaOf } from './parse.js';

/** A type ksqlDB does not support in a field (the field is dropped). */
class UnsupportedType extends Error {}

function sqlTypeOf(s: ConnectSchema, upper: boolean): SqlType {
  switch (s.type) {
    case 'int8':
    case 'int16':
      return T.INTEGER;
    case 'int32':
      return s.name === LOGICAL.TIME ? T.TIME : s.name === LOGICAL.DATE ? T.DATE : T.INTEGER;
    case 'int64':
      return s.name === LOGICAL.TIMESTAMP ? T.TIMESTAMP : T.BIGINT;
    case 'float32':
    case 'float64':
      return T.DOUBLE;
    case 'string':
      return T.STRING;
    case 'boolean':
      return T.BOOLEAN;
    case 'bytes': {
      if (!isDecimal(s)) return T.BYTES;
      const { precision, scale } = decimalOf(s);
      // SqlDecimal's checks (no upper bound: a Decimal without a precision parameter has 64).
      if (precision < 1) throw new AnalysisError(`DECIMAL precision must be >= 1: DECIMAL(${precision},${scale})`);
      if (scale < 0) throw new AnalysisError(`DECIMAL scale must be >= 0: DECIMAL(${precision},${scale})`);
      if (precision < scale) throw new AnalysisError(`DECIMAL precision must be >= scale: DECIMAL(${precision},${scale})`);
      return T.decimal(precision, scale);
    }
    case 'array':
      return T.array(sqlTypeOf(s.items, upper));
    case 'map': {
      const key = s.key;
      if (!['int8', 'int16', 'int32', 'int64', 'boolean', 'string'].includes(key.type)) throw new UnsupportedType(`Unsupported type for map key: ${key.type}`);
      return T.map(T.STRING, sqlTypeOf(s.value, upper));
    }
    case 'struct':
      return T.struct(structFields(s.fields, upper));
  }
}

function structFields(fields: readonly { name: string; schema: ConnectSchema }[], upper: boolean): { name: string; type: SqlType }[] {
  const out: { name: string; type: SqlType }[] = [];
  for (const f of fields) {
    try {
      const type = sqlTypeOf(f.schema, upper);
      const name = upper ? f.name.toUpperCase() : f.name;
      // Connect's SchemaBuilder refuses a second field of a name (e.g. "a" and "A" upper-cased).
      if (out.some((x) => x.name === name)) throw new AnalysisError(`Cannot create field because of field name duplication ${name}`);
      out.push({ name, type });
    } catch (e) {
      if (!(e instanceof UnsupportedType)) throw e;
    }
  }
  return out;
}

/** ksqlDB's SqlSchemaFormatter text of a Connect struct, in the no-columns error. */
function schemaText(s: ConnectSchema): string {
  if (s.type !== 'struct') return s.type.toUpperCase();
  return s.fields.map((f) => `\`${f.name}\` ${connectText(f.schema)}`).join(', ');
}

function connectText(s: ConnectSchema): string {
  switch (s.type) {
    case 'array':
      return `ARRAY<${connectText(s.items)}>`;
    case 'map':
      return `MAP<${connectText(s.key)}, ${connectText(s.value)}>`;
    case 'struct':
      return `STRUCT<${s.fields.map((f) => `\`${f.name}\` ${connectText(f.schema)}`).join(', ')}>`;
    default:
      try {
        return formatType(sqlTypeOf(s, false));
      } catch {
        return s.type.toUpperCase();
      }
  }
}

/** SchemaFormat.columnsOf for JSON_SR. */
export function columnsOf(schema: RegisteredSchema, options: FormatOptions, isKey: boolean, catalog: SchemaCatalog): Column[] {
  let root: ConnectSchema;
  try {
    root = connectSchemaOf(schema, catalog);
  } catch (e) {
    throw new AnalysisError((e as Error).message);
  }
  const unwrapped = isKey || options.wrapSingleValue === false;
  const row: ConnectSchema = unwrapped ? { type: 'struct', optional: false, union: false, fields: [{ name: isKey ? 'ROWKEY' : 'ROWVAL', schema: root }] } : root;
  if (row.type !== 'struct') {
    throw new AnalysisError(
      "Schema returned from schema registry is anonymous type. To use this schema with ksqlDB, set 'WRAP_SINGLE_VALUE=false' in the WITH clause properties.",
    );
  }
  const upper = options.schemaId === undefined;
  // The wrapper's own field keeps its name; the policy applies to the schema's fields.
  const fields = unwrapped
    ? (() => {
        try {
          return [{ name: row.fields[0]!.name, type: sqlTypeOf(root, upper) }];
        } catch (e) {
          if (e instanceof UnsupportedType) return [];
          throw e;
        }
      })()
    : structFields(row.fields, upper);
  if (fields.length === 0) {
    throw new AnalysisError(`Schema does not include any columns with types that ksqlDB supports.\nschema: ${schemaText(row)}`);
  }
  const namespace = isKey ? 'KEY' : 'VALUE';
  return fields.map((f) => ({ name: f.name, type: f.type, namespace }));
}
