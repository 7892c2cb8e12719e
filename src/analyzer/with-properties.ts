/**
 * The WITH (...) clause of CREATE statements: property validation and typed access. (Formats are
 * resolved by src/serde/properties.ts.)
 */
import type { Properties } from '../parser/ast.js';
import { AnalysisError } from '../errors.js';
import type { SqlType } from '../types/sql-type.js';

const VALID_PROPERTIES = new Set([
  'KAFKA_TOPIC', 'VALUE_FORMAT', 'KEY_FORMAT', 'FORMAT', 'PARTITIONS', 'REPLICAS', 'TIMESTAMP', 'TIMESTAMP_FORMAT',
  'WRAP_SINGLE_VALUE', 'VALUE_DELIMITER', 'KEY_DELIMITER', 'WINDOW_TYPE', 'WINDOW_SIZE', 'RETENTION_MS',
  'KEY_SCHEMA_ID', 'VALUE_SCHEMA_ID', 'KEY_SCHEMA_FULL_NAME', 'VALUE_SCHEMA_FULL_NAME', 'VALUE_AVRO_SCHEMA_FULL_NAME',
  'KEY_PROTOBUF_NULLABLE_REPRESENTATION', 'VALUE_PROTOBUF_NULLABLE_REPRESENTATION', 'SOURCE_CONNECTOR', 'CLEANUP_POLICY',
]);

export function intProperty(props: Properties, name: string): number | undefined {
  const v = props[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw new AnalysisError(`Invalid value for ${name}: ${String(v)}`);
  return n;
}

export function str(props: Properties, name: string): string | undefined {
  const v = props[name];
  return v === undefined ? undefined : String(v);
}

export function validateProperties(props: Properties): void {
  for (const k of Object.keys(props)) {
    if (!VALID_PROPERTIES.has(k)) throw new AnalysisError(`Invalid config variable(s) in the WITH clause: ${k}`);
  }
}

/** The TIMESTAMP column must hold epoch millis, a TIMESTAMP, or a string parsed with TIMESTAMP_FORMAT. */
export function validateTimestampColumn(name: string, columns: readonly { name: string; type: SqlType }[], format: string | undefined): void {
  const col = columns.find((c) => c.name === name);
  if (!col) throw new AnalysisError(`The TIMESTAMP column set in the WITH clause does not exist in the schema: '${name}'`);
  const ok = col.type.kind === 'BIGINT' || col.type.kind === 'TIMESTAMP' || (col.type.kind === 'STRING' && format !== undefined);
  if (!ok) throw new AnalysisError(`Timestamp column, \`${name}\`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.`);
}

