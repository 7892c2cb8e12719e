/** Small helpers the statement modules share: results, WITH-clause format handling. */
import type { Properties, Statement } from '../parser/ast.js';
import { AnalysisError } from '../errors.js';
import type { DataSource } from './metastore.js';
import type { StatementResult, SourceSummary } from './results.js';
import type { Props } from './context.js';

export function ok(st: Statement): StatementResult {
  return { type: 'ok', statementText: st.text };
}

export function status(st: Statement, commandId: string, message: string, queryId?: string): StatementResult {
  return { type: 'currentStatus', statementText: st.text, commandId, message, ...(queryId !== undefined ? { queryId } : {}) };
}

export function summary(s: DataSource): SourceSummary {
  return { name: s.name, type: s.type, topic: s.topic, keyFormat: s.keyFormat, valueFormat: s.valueFormat, isWindowed: s.window !== undefined };
}

/** Invalid configuration values in a WITH clause fail statement preparation, in ksqlDB's words. */
export function prepare<R>(f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof AnalysisError && e.message.startsWith('Configuration ')) throw new AnalysisError(`Failed to prepare statement: ${e.message}`);
    throw e;
  }
}

export function formatDefaults(props: Props): { keyFormat?: string; valueFormat?: string; wrapSingleValues?: boolean } {
  const d: { keyFormat?: string; valueFormat?: string; wrapSingleValues?: boolean } = {};
  if (props['ksql.persistence.default.format.key'] !== undefined) d.keyFormat = props['ksql.persistence.default.format.key'];
  if (props['ksql.persistence.default.format.value'] !== undefined) d.valueFormat = props['ksql.persistence.default.format.value'];
  if (props['ksql.persistence.wrap.single.values'] !== undefined) d.wrapSingleValues = props['ksql.persistence.wrap.single.values'] === 'true';
  return d;
}

/** Schema-registry naming properties are only valid for the formats that use them. */
export function checkSchemaNameProperties(props: Properties, keyFormat: string, valueFormat: string): void {
  const usesSchemaName = (f: string) => f === 'AVRO' || f === 'PROTOBUF';
  if ((props['VALUE_SCHEMA_FULL_NAME'] !== undefined || props['VALUE_AVRO_SCHEMA_FULL_NAME'] !== undefined) && !usesSchemaName(valueFormat)) {
    throw new AnalysisError(`${valueFormat} does not support the following configs: [fullSchemaName]`);
  }
  if (props['KEY_SCHEMA_FULL_NAME'] !== undefined && !usesSchemaName(keyFormat)) {
    throw new AnalysisError(`${keyFormat} does not support the following configs: [fullSchemaName]`);
  }
}
