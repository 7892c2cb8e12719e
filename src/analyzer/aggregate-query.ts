/**
 * Analysis of aggregation queries (GROUP BY, aggregate functions, windows, HAVING) with ksqlDB's
 * rules: the grouping expressions become the output key and must be selected; every other
 * selected expression must be built from grouping expressions, aggregates and window bounds.
 */
import type { Duration, Expr, FunctionCall, Query, WindowSpec } from '../parser/ast.js';
import type { DataSource } from '../engine/metastore.js';
import type { AggregateCall, AggregateQueryPlan, OutputColumn, WindowPlan } from '../plan/logical/plan.js';
import type { Column, LogicalSchema } from '../types/schema.js';
import { compileExpression, inferType, type CompileContext } from '../expr/compile.js';
import { resolveAggregate } from '../functions/aggregate/resolve-aggregate.js';
import { formatExpression } from '../parser/format.js';
import { formatType, T, type SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import { LayoutScope, sourceLayout, type LayoutColumn } from './row-scope.js';
import { exprEquals, mapExpr, visitExpr } from './expr-utils.js';
import { checkReservedNames, clauseType, expandSelect, nameColumns, type AnalyzeOptions } from './stream-query.js';
import { validateKeyType } from './source-schema.js';
import { validateTimestampColumn } from './with-properties.js';

const DEFAULT_GRACE_MS = 24 * 3600 * 1000;

export function isAggregateQuery(query: Query, ctx: CompileContext): boolean {
  if (query.groupBy || query.window) return true;
  let found = false;
  const check = (e: Expr) => visitExpr(e, (n) => {
    if (n.kind === 'FunctionCall' && ctx.functions.aggregate(n.name)) found = true;
  });
  for (const s of query.select) if (!('kind' in s && s.kind === 'Star')) check((s as { expr: Expr }).expr);
  if (query.having) check(query.having);
  return found;
}

export function durationMs(d: Duration): number {
  const f = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 }[d.unit];
  return d.value * f;
}

function windowPlan(w: WindowSpec): WindowPlan {
  const graceMs = w.grace ? durationMs(w.grace) : DEFAULT_GRACE_MS;
  if (w.kind === 'SESSION') {
    const gap = durationMs(w.gap);
    return { kind: 'SESSION', sizeMs: gap, advanceMs: gap, graceMs, retentionMs: w.retention ? durationMs(w.retention) : Math.max(gap + graceMs, 86_400_000) };
  }
  const sizeMs = durationMs(w.size);
  const advanceMs = w.kind === 'HOPPING' ? durationMs(w.advance) : sizeMs;
  if (w.kind === 'HOPPING' && (advanceMs <= 0 || advanceMs > sizeMs)) {
    throw new AnalysisError(`Window advance must be greater than zero and not larger than the window size.`);
  }
  return { kind: w.kind, sizeMs, advanceMs, graceMs, retentionMs: w.retention ? durationMs(w.retention) : Math.max(sizeMs + graceMs, 86_400_000) };
}

export function analyzeAggregateQuery(query: Query, source: DataSource, alias: string | undefined, ctx: CompileContext, opts: AnalyzeOptions = {}): AggregateQueryPlan {
  const sourceNames = alias ? [alias, source.name] : [source.name];
  const layout: LayoutColumn[] = sourceLayout(source);
  const scope = new LayoutScope(layout, sourceNames, 'SELECT column');
  const window = query.window ? windowPlan(query.window) : undefined;
  if (window && source.type === 'TABLE') throw new AnalysisError('WINDOW clause is not supported on tables: windowing is only supported on streams.');

  if (query.where) {
    const t = clauseType('Error in WHERE expression: ', () => inferType(query.where!, scope.withClause('WHERE column'), ctx));
    if (t.kind !== 'BOOLEAN' && t.kind !== 'NULL') throw new AnalysisError(`Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(query.where)} (${formatType(t)}) instead.`);
  }

  // Grouping expressions.
  const groupBy = query.groupBy ?? [];
  for (const g of groupBy) {
    visitExpr(g, (n) => {
      if (n.kind === 'FunctionCall' && ctx.functions.aggregate(n.name)) {
        throw new AnalysisError(`GROUP BY does not support aggregate functions: ${n.name} is an aggregate function.`);
      }
    });
  }
  groupBy.forEach((g, i) => {
    if (groupBy.slice(0, i).some((h) => exprEquals(h, g))) throw new AnalysisError(`Duplicate GROUP BY expression: ${formatExpression(g)}`);
  });
  for (const g of groupBy) {
    if (g.kind === 'ColumnRef' && (g.name === 'WINDOWSTART' || g.name === 'WINDOWEND')) {
      throw new AnalysisError(`Reserved column name in select: \`${g.name}\`. Please remove or alias the column.`);
    }
  }
  const gbScope = scope.withClause('GROUP BY column');
  const groupTypes = groupBy.map((g) => inferType(g, gbScope, ctx));

  const items = expandSelect(query.select, source, sourceNames, scope, ctx);
  checkReservedNames(items);
  const sourceColumnNames = new Set([...source.schema.key, ...source.schema.value, ...source.schema.headers].map((c) => c.name));
  const named = nameColumns(items, sourceColumnNames);

  // The aggregated row: grouping values, aggregate results, window bounds.
  const aggLayout: LayoutColumn[] = groupBy.map((_g, i) => ({ name: `$KEY${i}`, type: groupTypes[i]!, role: 'SYNTHETIC' as const }));
  const aggregates: AggregateCall[] = [];
  const aggStart = aggLayout.length;
  const windowBounds = window ? ['WINDOWSTART', 'WINDOWEND'] : [];

  /** Rewrite an expression over the source row into one over the aggregated row; returns uncovered column refs. */
  const rewrite = (e: Expr, uncovered: Expr[]): Expr =>
    mapExpr(e, (n) => {
      const gi = groupBy.findIndex((g) => exprEquals(g, n));
      if (gi >= 0) return { kind: 'ColumnRef', name: `$KEY${gi}` };
      if (n.kind === 'FunctionCall' && ctx.functions.aggregate(n.name)) {
        const existing = aggregates.findIndex((a) => exprEquals(a.call, n));
        const ai = existing >= 0 ? existing : registerAggregate(n);
        return { kind: 'ColumnRef', name: aggLayout[aggStart + ai]!.name };
      }
      if (n.kind === 'ColumnRef') {
        if (windowBounds.includes(n.name)) return { kind: 'ColumnRef', name: n.name };
        uncovered.push(n);
        return n;
      }
      return undefined;
    });

  const registerAggregate = (call: FunctionCall): number => {
    const fn = ctx.functions.aggregate(call.name)!;
    const args = call.args.filter((a) => a.kind !== 'Star');
    for (const a of args) {
      visitExpr(a, (n) => {
        if (n.kind === 'FunctionCall' && ctx.functions.aggregate(n.name)) throw new AnalysisError(`Aggregate functions can not be nested: ${call.name}(${n.name}())`);
      });
    }
    const argTypes = args.map((a) => inferType(a, scope, ctx));
    const literals = args.map((a) => {
      try {
        const c = compileExpression(a, scope, ctx);
        return c.constant ? c.evaluate([]) : undefined;
      } catch {
        return undefined;
      }
    });
    const r = resolveAggregate(
      fn,
      args.map((_a, i) => ({ type: argTypes[i]!, ...(literals[i] !== undefined ? { literal: literals[i] } : {}) })),
      args.map((a) => formatExpression(a)),
    );
    const columnArgs = args.slice(0, r.columnArgCount);
    const init = args.slice(r.columnArgCount).map((a, i) => {
      const lit = literals[r.columnArgCount + i];
      if (lit === undefined) {
        throw new AnalysisError(`Parameter ${r.columnArgCount + i + 1} passed to function ${call.name} must be a literal constant, but was expression: '${formatExpression(a)}'`);
      }
      return lit;
    });
    const index = aggregates.length;
    aggregates.push({ call, name: fn.name, overload: r.overload, resolved: { types: r.argTypes, generics: r.generics, literals }, argExprs: columnArgs, init, type: r.returnType });
    aggLayout.push({ name: `$AGG${index}`, type: r.returnType, role: 'SYNTHETIC' });
    return index;
  };

  // Rewrite the projection; collect non-aggregate expressions that are not built from the grouping.
  const badSelect: string[] = [];
  const rewritten = named.map((c) => {
    const uncovered: Expr[] = [];
    const expr = rewrite(c.expr, uncovered);
    if (uncovered.length > 0) badSelect.push(formatExpression(c.expr));
    return { name: c.name, expr, original: c.expr };
  });
  let having: Expr | undefined;
  const badHaving: string[] = [];
  if (query.having) {
    const uncovered: Expr[] = [];
    having = rewrite(query.having, uncovered);
    for (const u of uncovered) badHaving.push(formatExpression(u));
  }
  if (groupBy.length === 0 && aggregates.length > 0 && badSelect.length === 0) {
    throw new AnalysisError(
      `CREATE TABLE AS SELECT statement does not support aggregate function [${aggregates.map((a) => (a.call.args.some((x) => x.kind === 'Star') ? `${a.name}(ROWTIME)` : formatExpression(a.call))).join(', ')}] without a GROUP BY clause.`,
    );
  }
  if (badSelect.length > 0) throw new AnalysisError(`Non-aggregate SELECT expression(s) not part of GROUP BY: ${badSelect.join(', ')}`);
  if (badHaving.length > 0) throw new AnalysisError(`Non-aggregate HAVING expression not part of GROUP BY: ${badHaving.join(', ')}`);
  if (aggregates.length === 0) throw new AnalysisError('GROUP BY requires aggregate functions in either the SELECT or HAVING clause.');
  if (source.type === 'TABLE') {
    const notUndoable = [...new Set(aggregates.filter((a) => !canUndo(a)).map((a) => a.name))];
    if (notUndoable.length > 0) {
      const list = notUndoable.length === 1 ? notUndoable[0]! : `${notUndoable.slice(0, -1).join(', ')} and ${notUndoable[notUndoable.length - 1]}`;
      throw new AnalysisError(`The aggregation function${notUndoable.length > 1 ? 's' : ''} ${list} cannot be applied to a table source, only to a stream source.`);
    }
  }
  if (window) {
    aggLayout.push({ name: 'WINDOWSTART', type: T.BIGINT, role: 'PSEUDO' }, { name: 'WINDOWEND', type: T.BIGINT, role: 'PSEUDO' });
  }

  // Output key: the grouping expressions, named after the projection items that select them.
  const keyColumns: OutputColumn[] = [];
  const usedAsKey = new Set<number>();
  const missing: string[] = [];
  groupBy.forEach((g, gi) => {
    const matches = rewritten.map((c, i) => (c.expr.kind === 'ColumnRef' && c.expr.name === `$KEY${gi}` ? i : -1)).filter((i) => i >= 0);
    if (matches.length === 0) {
      missing.push(formatExpression(g));
      return;
    }
    if (matches.length > 1) {
      throw new AnalysisError(`The projection contains a key column more than once: ${matches.map((i) => '`' + rewritten[i]!.name + '`').join(' and ')}.`);
    }
    usedAsKey.add(matches[0]!);
    keyColumns.push({ name: rewritten[matches[0]!]!.name, expr: rewritten[matches[0]!]!.expr });
  });
  const valueColumns: OutputColumn[] = rewritten.filter((_c, i) => !usedAsKey.has(i)).map((c) => ({ name: c.name, expr: c.expr }));

  const aggScope = new LayoutScope(aggLayout, [], 'SELECT column');
  // Errors about the aggregated row name its synthetic columns; put the user's expressions back.
  const explain = <R>(prefix: string, f: () => R): R => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof AnalysisError)) throw e;
      const msg = e.message
        .replace(/\$AGG(\d+)/g, (_m, i: string) => formatExpression(aggregates[Number(i)]!.call))
        .replace(/\$KEY(\d+)/g, (_m, i: string) => formatExpression(groupBy[Number(i)]!));
      throw new AnalysisError(prefix && !/cannot be resolved\.$/.test(msg) ? prefix + msg : msg, e.pos);
    }
  };
  const typed = (cols: OutputColumn[], ns: 'KEY' | 'VALUE'): Column[] =>
    cols.map((c) => {
      const type = explain('', () => clauseType('Invalid Select: ', () => inferType(c.expr, aggScope, ctx)));
      if (type.kind === 'NULL') throw new AnalysisError(`Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).`);
      return { name: c.name, type, namespace: ns };
    });
  const outputSchema: LogicalSchema = { key: typed(keyColumns, 'KEY'), value: typed(valueColumns, 'VALUE'), headers: [] };
  if (having) {
    const t = explain('Error in HAVING expression: ', () => inferType(having!, aggScope.withClause('HAVING column'), ctx));
    if (t.kind !== 'BOOLEAN') throw new AnalysisError(`Type error in HAVING expression: Should evaluate to boolean but is ${formatExpression(query.having!)} (${formatType(t)}) instead.`);
  }
  if (missing.length > 0 && !opts.transient) {
    throw new AnalysisError(
      `The query used to build \`${opts.sinkName ?? 'OUTPUT'}\` must include the grouping expression${missing.length > 1 ? 's' : ''} ${missing.join(' and ')} in its projection (eg, SELECT ${missing.join(', ')}...).`,
    );
  }
  for (const k of outputSchema.key) validateKeyType(k);
  if (outputSchema.value.length === 0 && !opts.transient) throw new AnalysisError('The projection contains no value columns.');
  const seen = new Map<string, SqlType>();
  for (const c of outputSchema.value) {
    if (seen.has(c.name) || outputSchema.key.some((k) => k.name === c.name)) {
      throw new AnalysisError(`Duplicate value columns found in schema: \`${c.name}\` ${formatType(c.type)}`);
    }
    seen.set(c.name, c.type);
  }
  if (opts.timestampColumn !== undefined) validateTimestampColumn(opts.timestampColumn, [...outputSchema.key, ...outputSchema.value], opts.timestampFormat);
  if (query.emit === 'FINAL' && !window) throw new AnalysisError('EMIT FINAL is only supported for windowed aggregations.');

  const sourceKeys = source.schema.key.map((k) => k.name);
  const repartitioned = !(groupBy.length === sourceKeys.length && groupBy.every((g, i) => g.kind === 'ColumnRef' && g.name === sourceKeys[i]));
  return {
    kind: 'aggregateQuery',
    source,
    sourceNames,
    layout,
    ...(query.where ? { where: query.where } : {}),
    groupBy,
    aggregates,
    ...(window ? { window } : {}),
    aggLayout,
    keyColumns,
    valueColumns,
    ...(having ? { having } : {}),
    outputSchema,
    emitFinal: query.emit === 'FINAL',
    repartitioned,
    // Where each selected column lands (key or value), for transient queries that return the projection as written.
    projection: rewritten.map((c, i) =>
      usedAsKey.has(i) ? { key: true, index: keyColumns.findIndex((kc) => kc.name === c.name) } : { key: false, index: valueColumns.findIndex((vc) => vc.name === c.name) },
    ),
  };
}

/** Whether an aggregate can retract a value (needed when the source is a table). */
function canUndo(a: AggregateCall): boolean {
  try {
    return typeof a.overload.create(a.resolved, a.init, {}).undo === 'function';
  } catch {
    return true;
  }
}
