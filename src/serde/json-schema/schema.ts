/**
 * The JSON Schema ksqlDB registers for columns: its Connect schema of the columns (all optional,
 * see connect.ts) written as Confluent's JsonSchemaData.fromConnectSchema writes it:
 *
 * - a row is {"type": "object", "properties": {...}}, each property carrying "connect.index" (its
 *   position); optional values are {"oneOf": [{"type": "null"}, <schema>]};
 * - INTEGER/BIGINT: {"type": "integer", "connect.type": "int32"/"int64"}; DOUBLE: number/float64;
 *   BYTES: {"type": "string", "connect.type": "bytes"}; DECIMAL: a number with "connect.type":
 *   "bytes", the Decimal title and connect.parameters scale/precision; DATE/TIME/TIMESTAMP:
 *   integers titled with their logical name, with "connect.version": 1;
 * - MAP: ksqlDB's keys are optional, so an array of {"key", "value"} objects with "connect.type":
 *   "map" (an object of additionalProperties only for required string keys);
 * - a single unwrapped key or value is its column's schema alone.
 */
import { AnalysisError } from '../../errors.js';
import type { SchemaText } from '../../registry/schema.js';
import type { SqlType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import { isUnwrapped } from '../json.js';
import type { FormatOptions } from '../serde.js';
import { checkWrapping } from '../validate.js';
import { connectOfColumns, isDecimal, isObjectMap, type ConnectSchema } from './connect.js';

type JsonSchemaNode = { [k: string]: unknown };

const NULL_SCHEMA: JsonSchemaNode = { type: 'null' };

/** JsonSchemaData.fromConnectSchema. `index`: the field's position, when the schema is a field's. */
export function jsonSchemaOf(s: ConnectSchema, index?: number): JsonSchemaNode {
  if (s.type === 'struct') {
    if (s.union) {
      const out: JsonSchemaNode = {};
      if (index !== undefined) out['connect.index'] = index;
      out['oneOf'] = [...(s.optional ? [NULL_SCHEMA] : []), ...s.fields.map((f, i) => jsonSchemaOf({ ...f.schema, optional: false }, i))];
      return out;
    }
    if (s.optional) {
      const out: JsonSchemaNode = {};
      if (index !== undefined) out['connect.index'] = index;
      out['oneOf'] = [NULL_SCHEMA, jsonSchemaOf({ ...s, optional: false })];
      return out;
    }
  }
  const body = bodyOf(s);
  if (s.name !== undefined) body['title'] = s.name;
  const props: JsonSchemaNode = {};
  if (s.version !== undefined) props['connect.version'] = s.version;
  const connectType = connectTypeOf(s);
  if (connectType !== undefined) props['connect.type'] = connectType;
  if (s.params !== undefined && Object.keys(s.params).length > 0) props['connect.parameters'] = { ...s.params };
  if (s.optional && s.type !== 'struct') {
    const out: JsonSchemaNode = {};
    if (index !== undefined) out['connect.index'] = index;
    out['oneOf'] = [NULL_SCHEMA, { ...body, ...props }];
    return out;
  }
  if (index !== undefined) props['connect.index'] = index;
  return { ...body, ...props };
}

function bodyOf(s: ConnectSchema): JsonSchemaNode {
  switch (s.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return { type: 'integer' };
    case 'float32':
    case 'float64':
      return { type: 'number' };
    case 'string':
      return { type: 'string' };
    case 'bytes':
      // Decimals are numbers: ksqlDB configures JsonSchemaData with decimal.format NUMERIC.
      return { type: isDecimal(s) ? 'number' : 'string' };
    case 'array':
      return { type: 'array', items: jsonSchemaOf(s.items) };
    case 'map':
      if (isObjectMap(s)) return { type: 'object', additionalProperties: jsonSchemaOf(s.value) };
      return { type: 'array', items: { type: 'object', properties: { key: jsonSchemaOf(s.key, 0), value: jsonSchemaOf(s.value, 1) } } };
    case 'struct': {
      const properties: JsonSchemaNode = {};
      s.fields.forEach((f, i) => (properties[f.name] = jsonSchemaOf(f.schema, i)));
      return { type: 'object', properties };
    }
  }
}

function connectTypeOf(s: ConnectSchema): string | undefined {
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'float32':
    case 'float64':
    case 'bytes':
      return s.type;
    case 'map':
      return 'map';
    default:
      return undefined;
  }
}

/** KsqlJsonSerdeFactory's check, made for JSON_SR too. */
export function checkMapKeys(t: SqlType): void {
  switch (t.kind) {
    case 'MAP':
      if (t.key.kind !== 'STRING') throw new AnalysisError('JSON only supports MAP types with STRING keys');
      return checkMapKeys(t.value);
    case 'ARRAY':
      return checkMapKeys(t.element);
    case 'STRUCT':
      return t.fields.forEach((f) => checkMapKeys(f.type));
  }
}

/** The checks ksqlDB makes when a JSON_SR serde or schema is made for columns. */
export function checkColumns(columns: readonly Column[], options: FormatOptions, isKey: boolean): void {
  checkWrapping('JSON_SR', columns, options, isKey);
  for (const c of columns) checkMapKeys(c.type);
}

/** SchemaFormat.schemaFor for JSON_SR. */
export function schemaFor(columns: readonly Column[], options: FormatOptions, isKey: boolean): SchemaText {
  checkColumns(columns, options, isKey);
  const unwrapped = columns.length === 1 && isUnwrapped(columns, options, isKey);
  return { schemaType: 'JSON', schema: JSON.stringify(jsonSchemaOf(connectOfColumns(columns, unwrapped))) };
}
