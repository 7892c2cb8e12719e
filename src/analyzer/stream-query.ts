/**
 * Analysis of a SELECT over a single stream or table without aggregation: resolves the projection,
 * names unaliased expressions as ksqlDB does, decides the output key (source keys kept in the
 * projection, or PARTITION BY) and turns table-function calls into synthetic columns.
 */
import type { Expr, Query } from '../parser/ast.js';
import type { LogicalSchema } from '../types/schema.js';
import type { CompileContext } from '../expr/compile.js';
import { inferType } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import type { DataSource } from '../engine/metastore.js';
import type { AnalyzedQuery, OutputColumn } from './analysis.js';
import type { LayoutColumn } from './row-scope.js';
import type { LayoutScope } from './row-scope.js';
import { validateKeyType } from './source-schema.js';
import { validateTimestampColumn } from './with-properties.js';
import { AnalysisError } from '../errors.js';
import { mapExpr, exprEquals } from './expr-utils.js';
import { checkDuplicateNames, checkReservedNames, checkWhere, extractTableFunctions, typeColumns, type AnalyzeOptions, type Item } from './projection.js';
import type { SourceRelation } from './relation.js';

export function analyzeStreamQuery(query: Query, rel: SourceRelation, ctx: CompileContext, opts: AnalyzeOptions = {}): AnalyzedQuery {
  if (query.having) throw new AnalysisError('HAVING requires GROUP BY.');
  const source = rel.from.source;
  const layout: LayoutColumn[] = [...rel.layout];
  const scope = rel.scope('SELECT column') as LayoutScope;
  checkWhere(query.where, scope, ctx);

  // Expand and name the select list (names avoid the source's column names, as ksqlDB's do).
  const items = rel.expand(query.select, ctx, opts.transient === true);
  // Transient queries may select pseudo columns as they are.
  if (!opts.transient) checkReservedNames(items);
  const named = rel.name(items);

  let keyColumns: OutputColumn[];
  let valueColumns: OutputColumn[];
  let missingKeys: string[] = [];
  if (opts.transient) {
    // A transient (push/pull) query returns its projection as written: no key handling.
    if (query.partitionBy) throw new AnalysisError('PARTITION BY is not supported in transient queries.');
    keyColumns = [];
    valueColumns = named.map((c) => ({ name: c.name, expr: c.expr }));
  } else if (query.partitionBy) {
    ({ keyColumns, valueColumns } = partitionByKeys(query, named, items, scope, source, ctx, opts));
  } else {
    ({ keyColumns, valueColumns, missingKeys } = passThroughKeys(named, source, opts));
  }

  // Table functions become synthetic columns appended to the layout.
  const columns = { keyColumns, valueColumns };
  const tableFunctions = extractTableFunctions(columns, layout, scope, ctx);
  if (tableFunctions.length > 0 && source.type === 'TABLE') throw new AnalysisError('Table source is not supported with table functions');
  ({ keyColumns, valueColumns } = columns);
  const extScope = rel.scope('SELECT column', layout);

  const outputSchema: LogicalSchema = { key: typeColumns(keyColumns, 'KEY', extScope, ctx), value: typeColumns(valueColumns, 'VALUE', extScope, ctx), headers: [] };
  if (opts.timestampColumn !== undefined) validateTimestampColumn(opts.timestampColumn, [...outputSchema.key, ...outputSchema.value], opts.timestampFormat);
  if (missingKeys.length > 0) {
    const list = missingKeys.join(', ');
    throw new AnalysisError(
      `The query used to build \`${opts.sinkName ?? 'OUTPUT'}\` must include the key column${missingKeys.length > 1 ? 's' : ''} ${list} in its projection (eg, SELECT ${list}...).`,
    );
  }
  for (const k of outputSchema.key) validateKeyType(k);
  checkDuplicateNames([...outputSchema.key, ...outputSchema.value]);

  return {
    from: rel.from,
    resultType: source.type,
    layout,
    ...(query.where ? { where: query.where } : {}),
    tableFunctions,
    ...(query.partitionBy ? { partitionBy: keyColumns.map((k) => k.expr) } : {}),
    keyColumns,
    valueColumns,
    outputSchema,
    ...(opts.timestampColumn !== undefined ? { timestampColumn: opts.timestampColumn } : {}),
    ...(opts.timestampFormat !== undefined ? { timestampFormat: opts.timestampFormat } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
  };
}

/** Without PARTITION BY, source key columns selected as bare columns stay keys (in projection order). */
function passThroughKeys(
  named: readonly (OutputColumn & { fromStar?: boolean })[],
  source: DataSource,
  opts: AnalyzeOptions,
): { keyColumns: OutputColumn[]; valueColumns: OutputColumn[]; missingKeys: string[] } {
  const keyNames = new Set(source.schema.key.map((k) => k.name));
  const keyColumns: OutputColumn[] = [];
  const valueColumns: OutputColumn[] = [];
  const aliasesByKey = new Map<string, string[]>();
  for (const c of named) {
    if (c.expr.kind === 'ColumnRef' && keyNames.has(c.expr.name)) {
      const list = aliasesByKey.get(c.expr.name) ?? [];
      list.push(c.name);
      aliasesByKey.set(c.expr.name, list);
      if (list.length === 1) keyColumns.push({ name: c.name, expr: c.expr });
      continue;
    }
    valueColumns.push({ name: c.name, expr: c.expr });
  }
  for (const [key, aliases] of aliasesByKey) {
    if (aliases.length > 1) {
      throw new AnalysisError(`The projection contains a key column (\`${key}\`) more than once, aliased as: ${aliases.join(' and ')}.`);
    }
  }
  if (opts.newQueryPlanner) return { keyColumns, valueColumns, missingKeys: [] };
  // ksqlDB's default planner: every key column must be selected (reported once the projection has
  // been type-checked, as ksqlDB orders its checks), and keys keep the source's order.
  const missingKeys = source.schema.key.filter((k) => !aliasesByKey.has(k.name)).map((k) => k.name);
  if (missingKeys.length > 0) return { keyColumns, valueColumns, missingKeys };
  const order = source.schema.key.map((k) => aliasesByKey.get(k.name)![0]!);
  keyColumns.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return { keyColumns, valueColumns, missingKeys };
}

function partitionByKeys(
  query: Query,
  named: readonly (OutputColumn & { fromStar?: boolean })[],
  items: readonly Item[],
  scope: LayoutScope,
  source: DataSource,
  ctx: CompileContext,
  opts: AnalyzeOptions,
): { keyColumns: OutputColumn[]; valueColumns: OutputColumn[] } {
  const exprs = query.partitionBy!;
  if (exprs.length === 0) throw new AnalysisError('PARTITION BY requires at least one expression');
  const pbScope = scope.withClause('PARTITION BY column');
  for (const e of exprs) inferType(e, pbScope, ctx);
  const isNull = (e: Expr) => e.kind === 'NullLiteral';
  if (exprs.some(isNull)) {
    if (exprs.length > 1) throw new AnalysisError('Cannot PARTITION BY multiple columns including NULL');
    // PARTITION BY NULL: no key at all; every projected column is a value.
    return { keyColumns: [], valueColumns: named.map((c) => ({ name: c.name, expr: c.expr })) };
  }
  const selectStar = items.some((i) => i.fromStar);
  const keyColumns: OutputColumn[] = [];
  const used = new Set<number>();
  const missing: Expr[] = [];
  let generated = 0;
  for (const p of exprs) {
    const idx = named.findIndex((c, i) => !used.has(i) && exprEquals(c.expr, p));
    if (idx >= 0 && !(named[idx]!.fromStar && p.kind !== 'ColumnRef')) {
      used.add(idx);
      keyColumns.push({ name: named[idx]!.name, expr: named[idx]!.expr });
      const dup = named.findIndex((c, i) => !used.has(i) && !c.fromStar && exprEquals(c.expr, p));
      if (dup >= 0) {
        throw new AnalysisError(`The projection contains a key column (\`${named[idx]!.name}\`) more than once, aliased as: ${named[idx]!.name} and ${named[dup]!.name}.`);
      }
    } else if (selectStar) {
      // `SELECT *` includes the new key columns implicitly, named after the column or struct field.
      const name = p.kind === 'ColumnRef' ? p.name : p.kind === 'Dereference' ? p.field : `KSQL_COL_${generated++}`;
      keyColumns.push({ name, expr: p });
    } else {
      missing.push(p);
    }
  }
  if (missing.length > 0) {
    // ksqlDB names every partitioning expression when any is missing.
    const texts = exprs.map((m) => formatExpression(qualify(m, source.name, scope)));
    const plural = texts.length > 1;
    throw new AnalysisError(
      `The query used to build \`${opts.sinkName ?? 'OUTPUT'}\` must include the partitioning expression${plural ? 's' : ''} ${texts.join(' and ')} in its projection (eg, SELECT ${texts.join(', ')}...).`,
    );
  }
  // Value columns: the rest of the projection. With `*`, the old key columns move after the value columns.
  const keyNames = new Set(source.schema.key.map((k) => k.name));
  const values = named.filter((c, i) => !used.has(i) && !(c.fromStar && keyColumns.some((k) => k.name === c.name)));
  const ordered = selectStar
    ? [...values.filter((c) => !(c.fromStar && c.expr.kind === 'ColumnRef' && keyNames.has(c.expr.name))), ...values.filter((c) => c.fromStar && c.expr.kind === 'ColumnRef' && keyNames.has(c.expr.name))]
    : values;
  return { keyColumns, valueColumns: ordered.map((c) => ({ name: c.name, expr: c.expr })) };
}

/** Qualify bare column references with the source name, for error messages (`INPUT.ID`). */
function qualify(e: Expr, sourceName: string, scope: LayoutScope): Expr {
  return mapExpr(e, (n) => (n.kind === 'ColumnRef' && n.source === undefined && scope.indexOf(n.name) !== undefined ? { ...n, source: sourceName } : undefined));
}
