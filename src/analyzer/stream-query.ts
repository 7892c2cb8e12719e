/**
 * Analysis of a SELECT over a single stream (no aggregation, no join, no window): resolves the
 * projection, names unaliased expressions as ksqlDB does, decides the output key (source keys kept
 * in the projection, or PARTITION BY) and produces a StreamQueryPlan.
 */
import type { Expr, FunctionCall, Query, SelectItem, Star } from '../parser/ast.js';
import type { Column, LogicalSchema } from '../types/schema.js';
import type { CompileContext } from '../expr/compile.js';
import { inferType } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import type { DataSource } from '../engine/metastore.js';
import type { OutputColumn, StreamQueryPlan } from '../plan/logical/plan.js';
import { LayoutScope, sourceLayout, type LayoutColumn } from './row-scope.js';
import { validateKeyType } from './source-schema.js';
import { validateTimestampColumn } from './with-properties.js';
import { resolveTableFunctionType } from './table-functions.js';
import { AnalysisError } from '../errors.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import { mapExpr, exprEquals } from './expr-utils.js';

export interface AnalyzeOptions {
  /** Name of the sink for error messages (`OUTPUT`), absent for transient queries. */
  readonly sinkName?: string;
  /**
   * ksql.new.query.planner.enabled: source key columns may be left out of the projection (the
   * output then has fewer key columns) and keys follow projection order.
   */
  readonly newQueryPlanner?: boolean;
  /** A transient query: output columns are the projection in order, all as values. */
  readonly transient?: boolean;
  /** The sink's TIMESTAMP / TIMESTAMP_FORMAT properties, validated against the output schema. */
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
}

const RESERVED = new Set(['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND']);

export function checkReservedNames(items: readonly Item[]): void {
  for (const it of items) {
    if (it.alias !== undefined && RESERVED.has(it.alias)) {
      throw new AnalysisError(`\`${it.alias}\` is a reserved column name. You cannot use it as an alias for a column.`);
    }
    if (it.alias === undefined && it.expr.kind === 'ColumnRef' && RESERVED.has(it.expr.name)) {
      throw new AnalysisError(`Reserved column name in select: \`${it.expr.name}\`. Please remove or alias the column.`);
    }
  }
}

/** Prefix type errors of a clause as ksqlDB does; unresolved-column errors keep their own wording. */
export function clauseType(prefix: string, f: () => SqlType): SqlType {
  try {
    return f();
  } catch (e) {
    if (e instanceof AnalysisError && !/cannot be resolved\.$/.test(e.message) && !e.message.startsWith(prefix)) {
      if (prefix.startsWith('Invalid Select') && !e.message.startsWith('Cast of')) throw e;
      throw new AnalysisError(prefix + e.message, e.pos);
    }
    throw e;
  }
}

export function analyzeStreamQuery(query: Query, source: DataSource, alias: string | undefined, ctx: CompileContext, opts: AnalyzeOptions = {}): StreamQueryPlan {
  if (query.groupBy) throw new AnalysisError('Aggregations (GROUP BY) are not supported yet.');
  if (query.window) throw new AnalysisError('Windowed queries are not supported yet.');
  if (query.having) throw new AnalysisError('HAVING requires GROUP BY.');

  const sourceNames = alias ? [alias, source.name] : [source.name];
  const layout: LayoutColumn[] = sourceLayout(source);
  const scope = new LayoutScope(layout, sourceNames, 'SELECT column');

  if (query.where) {
    let t: SqlType;
    try {
      t = clauseType('Error in WHERE expression: ', () => inferType(query.where!, scope.withClause('WHERE column'), ctx));
    } catch (e) {
      // ksqlDB names the offending expression after its message.
      if (e instanceof AnalysisError && e.message.startsWith('Error in WHERE expression: ')) throw new AnalysisError(`${e.message}\nStatement: ${formatExpression(query.where)}`, e.pos);
      throw e;
    }
    if (t.kind !== 'BOOLEAN' && t.kind !== 'NULL') {
      throw new AnalysisError(`Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(query.where)} (${formatType(t)}) instead.`);
    }
  }

  // Expand and name the select list (names avoid the source's column names, as ksqlDB's do).
  const items = expandSelect(query.select, source, sourceNames, scope, ctx, opts.transient === true);
  // Transient queries may select pseudo columns as they are.
  if (!opts.transient) checkReservedNames(items);
  const sourceColumnNames = new Set([...source.schema.key, ...source.schema.value, ...source.schema.headers].map((c) => c.name));
  const named = nameColumns(items, sourceColumnNames);

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
  const tableFunctions: { call: FunctionCall; index: number }[] = [];
  const rewriteTableFunctions = (e: Expr): Expr =>
    mapExpr(e, (node) => {
      if (node.kind !== 'FunctionCall' || !ctx.functions.table(node.name)) return undefined;
      const existing = tableFunctions.find((tf) => exprEquals(tf.call, node));
      if (existing) return { kind: 'ColumnRef', name: layout[existing.index]!.name };
      const type = resolveTableFunctionType(node, scope, ctx);
      const index = layout.length;
      layout.push({ name: `$TF${tableFunctions.length}`, type, role: 'SYNTHETIC' });
      tableFunctions.push({ call: node, index });
      return { kind: 'ColumnRef', name: layout[index]!.name };
    });
  const rewrite = (cols: OutputColumn[]) => cols.map((c) => ({ name: c.name, expr: rewriteTableFunctions(c.expr) }));
  keyColumns = rewrite(keyColumns);
  valueColumns = rewrite(valueColumns);
  const extScope = new LayoutScope(layout, sourceNames, 'SELECT column');

  // Types of the output columns.
  const typed = (cols: OutputColumn[], ns: 'KEY' | 'VALUE'): Column[] =>
    cols.map((c) => {
      const type = clauseType('Invalid Select: ', () => inferType(c.expr, extScope, ctx));
      if (type.kind === 'NULL') throw new AnalysisError(`Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).`);
      return { name: c.name, type, namespace: ns };
    });
  const outputSchema: LogicalSchema = { key: typed(keyColumns, 'KEY'), value: typed(valueColumns, 'VALUE'), headers: [] };
  if (opts.timestampColumn !== undefined) validateTimestampColumn(opts.timestampColumn, [...outputSchema.key, ...outputSchema.value], opts.timestampFormat);
  if (missingKeys.length > 0) {
    const list = missingKeys.join(', ');
    throw new AnalysisError(
      `The query used to build \`${opts.sinkName ?? 'OUTPUT'}\` must include the key column${missingKeys.length > 1 ? 's' : ''} ${list} in its projection (eg, SELECT ${list}...).`,
    );
  }
  for (const k of outputSchema.key) validateKeyType(k);
  const seen = new Set<string>();
  for (const c of [...outputSchema.key, ...outputSchema.value]) {
    if (seen.has(c.name)) throw new AnalysisError(`Duplicate column names:\n\t${c.name}`);
    seen.add(c.name);
  }

  return {
    kind: 'streamQuery',
    source,
    sourceNames,
    layout,
    ...(query.where ? { where: query.where } : {}),
    tableFunctions,
    keyColumns,
    valueColumns,
    outputSchema,
    rekeyed: query.partitionBy !== undefined,
    ...(opts.timestampColumn !== undefined ? { timestampColumn: opts.timestampColumn } : {}),
    ...(opts.timestampFormat !== undefined ? { timestampFormat: opts.timestampFormat } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
  };
}

export interface Item {
  readonly expr: Expr;
  readonly alias?: string;
  /** Expanded from `*`: the column keeps its role (a key stays a key). */
  readonly fromStar?: boolean;
}

export function expandSelect(
  select: readonly (SelectItem | Star)[],
  source: DataSource,
  sourceNames: readonly string[],
  scope: LayoutScope,
  ctx: CompileContext,
  /** Transient queries on windowed sources: `*` includes WINDOWSTART and WINDOWEND after the keys. */
  withWindowBounds = false,
): Item[] {
  const out: Item[] = [];
  for (const s of select) {
    if ('kind' in s && s.kind === 'Star' && s.base !== undefined) {
      // `struct->*`: one column per field of the struct, named after the field.
      const t = inferType(s.base, scope, ctx);
      if (t.kind !== 'STRUCT') throw new AnalysisError(`Expected STRUCT type for ${formatExpression(s.base)}->*, got ${formatType(t)}`);
      for (const f of t.fields) out.push({ expr: { kind: 'Dereference', base: s.base, field: f.name }, alias: f.name });
      continue;
    }
    if ('kind' in s && s.kind === 'Star') {
      if (s.source !== undefined && !sourceNames.includes(s.source)) throw new AnalysisError(`'${s.source}' is not a valid stream/table name or alias.`);
      for (const c of source.schema.key) out.push({ expr: { kind: 'ColumnRef', name: c.name }, fromStar: true });
      if (withWindowBounds && source.window) {
        for (const b of ['WINDOWSTART', 'WINDOWEND']) out.push({ expr: { kind: 'ColumnRef', name: b }, fromStar: true });
      }
      for (const c of [...source.schema.value, ...source.schema.headers]) out.push({ expr: { kind: 'ColumnRef', name: c.name }, fromStar: true });
      continue;
    }
    const item = s as SelectItem;
    if (item.expr.kind === 'Star') {
      out.push(...expandSelect([item.expr], source, sourceNames, scope, ctx, withWindowBounds));
      continue;
    }
    out.push(item.alias !== undefined ? { expr: item.expr, alias: item.alias } : { expr: item.expr });
  }
  return out;
}

/** ksqlDB naming: aliases as given; columns keep their name; struct fields their field name; the rest KSQL_COL_n. */
export function nameColumns(items: readonly Item[], sourceColumnNames: ReadonlySet<string>): (OutputColumn & { fromStar?: boolean })[] {
  const taken = new Set<string>(sourceColumnNames);
  for (const it of items) if (it.alias) taken.add(it.alias);
  // Names of plain column references are theirs; only struct fields and expressions get new names.
  const explicit = new Set<string>();
  for (const it of items) {
    if (it.alias) explicit.add(it.alias);
    else if (it.expr.kind === 'ColumnRef') explicit.add(it.expr.name);
  }
  let generated = 0;
  const out: (OutputColumn & { fromStar?: boolean })[] = [];
  for (const it of items) {
    let name = it.alias;
    if (name === undefined) {
      if (it.expr.kind === 'ColumnRef') name = it.expr.name;
      else if (it.expr.kind === 'Dereference') name = it.expr.field;
      if (name !== undefined && it.expr.kind === 'Dereference' && (taken.has(name) || explicit.has(name))) {
        let n = 1;
        while (taken.has(`${name}_${n}`)) n++;
        name = `${name}_${n}`;
      }
      if (name === undefined) {
        while (taken.has(`KSQL_COL_${generated}`)) generated++;
        name = `KSQL_COL_${generated++}`;
      }
      taken.add(name);
    }
    out.push({ name, expr: it.expr, ...(it.fromStar ? { fromStar: true } : {}) });
  }
  return out;
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
