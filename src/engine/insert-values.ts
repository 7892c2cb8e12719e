/** INSERT INTO ... VALUES: one record, serialized with the target's formats, appended to its topic. */
import type { Expr, InsertValues, Statement } from '../parser/ast.js';
import { compileExpression } from '../expr/compile.js';
import { castValue, toJavaString } from '../expr/cast.js';
import { coerceType } from '../expr/coerce.js';
import { formatExpression } from '../parser/format.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import { createSerde } from '../serde/index.js';
import { AnalysisError } from '../errors.js';
import { schemaBinding, type EngineContext } from './context.js';
import { ensureWriterSchemas } from './source-schemas.js';
import type { StatementResult } from './results.js';
import { ok } from './statement-support.js';

export async function insertValues(engine: EngineContext, st: Statement & InsertValues): Promise<StatementResult> {
  const target = engine.metastore.getSource(st.target);
  if (!target) throw new AnalysisError(`Cannot insert values into an unknown stream/table: \`${st.target}\`${caseHint(engine, st.target)}`);
  if (target.isSource) throw new AnalysisError(`Cannot insert values into read-only ${target.type.toLowerCase()}: ${target.name}`);
  const schema = target.schema;
  const all = [...schema.key, ...schema.value];
  const headerNames = new Set(schema.headers.map((h) => h.name));
  const names = st.columns ?? [...all, ...schema.headers].map((c) => c.name);
  const intoHeaders = names.filter((n) => headerNames.has(n));
  if (intoHeaders.length > 0) throw new AnalysisError(`Cannot insert into HEADER columns: ${intoHeaders.join(', ')}`);
  if (names.length !== st.values.length) {
    // ksqlDB prints the column list as written (empty when implied) and the values as SQL.
    const written = (st.columns ?? []).map((n) => '`' + n + '`').join(', ');
    throw new AnalysisError(
      `${failed(st)} Expected a value for each column. Expected Columns: [${written}]. Got [${st.values.map((v) => formatExpression(v)).join(', ')}]`,
    );
  }
  const ctx = engine.compileContext();
  const noColumns = { resolveColumn: () => undefined };
  const byName = new Map<string, unknown>();
  let rowtime: number | undefined;
  names.forEach((name, i) => {
    const expr: Expr = st.values[i]!;
    const compiled = compileExpression(expr, noColumns, ctx);
    const value = compiled.evaluate([]);
    if (name === 'ROWTIME') {
      rowtime = value === null ? undefined : Number(value);
      return;
    }
    if (name === 'ROWPARTITION' || name === 'ROWOFFSET') throw new AnalysisError(`Inserting into column \`${name}\` is not allowed.`);
    const col = all.find((c) => c.name === name);
    if (!col) throw new AnalysisError(`Column name ${name} does not exist.`);
    byName.set(name, value === null ? null : coerceInsertValue(st, name, value, compiled.type, col.type));
  });
  const key = schema.key.map((c) => byName.get(c.name) ?? null);
  const value = schema.value.map((c) => byName.get(c.name) ?? null);
  await ensureWriterSchemas(engine, target.topic, target, schema);
  const keySerde = createSerde(target.keyFormat, schema.key, target.keyOptions, true, schemaBinding(engine, target.topic));
  const valueSerde = createSerde(target.valueFormat, schema.value, target.valueOptions, false, schemaBinding(engine, target.topic));
  await engine.log.append(target.topic, [
    { key: schema.key.length ? keySerde.serialize(key) : null, value: valueSerde.serialize(value), timestamp: rowtime ?? Date.now() },
  ]);
  return ok(st);
}

function failed(st: InsertValues): string {
  return `Failed to insert values into '${st.target}'.`;
}

/**
 * ksqlDB's strict coercion of a VALUES expression to its column (DefaultSqlValueCoercer.STRICT):
 * numbers widen (INTEGER → BIGINT → DECIMAL → DOUBLE, a DECIMAL only if it fits), strings may be
 * read as TIMESTAMP / DATE / TIME / BYTES, containers element by element; nothing narrows, and
 * nothing becomes a STRING. Anything else is the user's error, naming the column.
 */
function coerceInsertValue(st: InsertValues, column: string, value: unknown, from: SqlType, to: SqlType): unknown {
  const mismatch = (): AnalysisError =>
    new AnalysisError(`${failed(st)} Expected type ${formatType(to)} for field \`${column}\` but got ${from.kind}(${toJavaString(value, from)})`);
  if (!strictlyCoercible(from, to)) throw mismatch();
  try {
    return castValue(value, from, to);
  } catch {
    throw mismatch(); // a DECIMAL that does not fit, a string that is no timestamp...
  }
}

function strictlyCoercible(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return true;
  if (from.kind === 'DECIMAL' && to.kind === 'DECIMAL') return true; // fits or not: decided by the value
  if (from.kind === 'STRING') return to.kind === 'STRING' || to.kind === 'TIMESTAMP' || to.kind === 'DATE' || to.kind === 'TIME' || to.kind === 'BYTES';
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') return strictlyCoercible(from.element, to.element);
  if (from.kind === 'MAP' && to.kind === 'MAP') return strictlyCoercible(from.key, to.key) && strictlyCoercible(from.value, to.value);
  return coerceType(from, to) !== undefined;
}

/** ksqlDB's hint when a name only differs by case from an existing source. */
function caseHint(engine: EngineContext, name: string): string {
  const other = engine.metastore.listSources().find((s) => s.name !== name && s.name.toUpperCase() === name.toUpperCase());
  if (!other) return '';
  return other.name === other.name.toUpperCase()
    ? `\nDid you mean ${other.name}? Hint: try removing double quotes from the source name.`
    : `\nDid you mean "${other.name}"? Hint: wrap the source name in double quotes to make it case-sensitive.`;
}
