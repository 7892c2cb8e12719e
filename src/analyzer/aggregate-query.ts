/**
 * Analysis of aggregation queries (GROUP BY, aggregate functions, windows, HAVING) over any FROM (a
 * source or a join) with ksqlDB's rules: the grouping expressions become the output key and must be
 * selected; every other selected expression must be built from grouping expressions, aggregates and
 * window bounds.
 */
import type { Expr, FunctionCall, Query } from '../parser/ast.js';
import type { AggregateCall, Aggregation, AnalyzedQuery, OutputColumn } from './analysis.js';
import type { LogicalSchema } from '../types/schema.js';
import { compileExpression, inferType, type CompileContext, type Scope } from '../expr/compile.js';
import { resolveAggregate } from '../functions/aggregate/resolve-aggregate.js';
import { formatExpression } from '../parser/format.js';
import { formatType, T, type SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import { LayoutScope, type LayoutColumn } from './row-scope.js';
import { exprEquals, mapExpr, visitExpr } from './expr-utils.js';
import { checkReservedNames, checkWhere, typeColumns, type AnalyzeOptions } from './projection.js';
import type { Relation } from './relation.js';
import { validateKeyType } from './source-schema.js';
import { validateTimestampColumn } from './with-properties.js';
import { windowPlan } from './window.js';

export function isAggregateQuery(query: Query, ctx: CompileContext): boolean {
  return query.groupBy !== undefined || query.window !== undefined || callsAggregates(query, ctx);
}

/** Whether the SELECT or HAVING calls aggregate functions. */
function callsAggregates(query: Query, ctx: CompileContext): boolean {
  let found = false;
  const check = (e: Expr) => visitExpr(e, (n) => {
    if (n.kind === 'FunctionCall' && ctx.functions.aggregate(n.name)) found = true;
  });
  for (const s of query.select) if (!('kind' in s && s.kind === 'Star')) check((s as { expr: Expr }).expr);
  if (query.having) check(query.having);
  return found;
}

/**
 * Resolve an aggregate call over the input `scope`: its overload, the column arguments evaluated per
 * row, and the literal init arguments (which must be constant).
 */
export function resolveAggregateCall(call: FunctionCall, scope: Scope, ctx: CompileContext): AggregateCall {
  const fn = ctx.functions.aggregate(call.name);
  if (!fn) throw new AnalysisError(`Can't find any functions with the name '${call.name}'`);
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
  const init = args.slice(r.columnArgCount).map((a, i) => {
    const lit = literals[r.columnArgCount + i];
    if (lit === undefined) {
      throw new AnalysisError(`Parameter ${r.columnArgCount + i + 1} passed to function ${call.name} must be a literal constant, but was expression: '${formatExpression(a)}'`);
    }
    return lit;
  });
  return { call, name: fn.name, overload: r.overload, resolved: { types: r.argTypes, generics: r.generics, literals }, argExprs: args.slice(0, r.columnArgCount), init, type: r.returnType };
}

export function analyzeAggregateQuery(query: Query, rel: Relation, ctx: CompileContext, opts: AnalyzeOptions = {}): AnalyzedQuery {
  const layout = rel.layout;
  const scope = rel.scope('SELECT column');
  const window = query.window ? windowPlan(query.window) : undefined;
  if (window && rel.type === 'TABLE') throw new AnalysisError('WINDOW clause is not supported on tables: windowing is only supported on streams.');

  if (query.window && !query.groupBy && !callsAggregates(query, ctx)) throw new AnalysisError('WINDOW clause requires a GROUP BY clause.');
  if (window) checkWindowBounds(query, rel, ctx);
  checkWhere(query.where, scope, ctx);

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

  const items = rel.expand(query.select, ctx);
  // A push query may select the window bounds as they are.
  if (!opts.transient) checkReservedNames(rel.from.kind === 'join' ? items.filter((i) => !(i.expr.kind === 'ColumnRef' && i.expr.source !== undefined && i.alias === undefined)) : items);
  const named = rel.name(items);

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
    const index = aggregates.length;
    const a = resolveAggregateCall(call, scope, ctx);
    aggregates.push(a);
    aggLayout.push({ name: `$AGG${index}`, type: a.type, role: 'SYNTHETIC' });
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
  // A push query may aggregate without GROUP BY (one group); a persistent query's table needs a key.
  if (groupBy.length === 0 && aggregates.length > 0 && badSelect.length === 0 && !opts.transient) {
    throw new AnalysisError(
      `CREATE TABLE AS SELECT statement does not support aggregate function [${aggregates.map((a) => (a.call.args.some((x) => x.kind === 'Star') ? `${a.name}(ROWTIME)` : formatExpression(a.call))).join(', ')}] without a GROUP BY clause.`,
    );
  }
  if (badSelect.length > 0) throw new AnalysisError(`Non-aggregate SELECT expression(s) not part of GROUP BY: ${badSelect.join(', ')}`);
  if (badHaving.length > 0) throw new AnalysisError(`Non-aggregate HAVING expression not part of GROUP BY: ${badHaving.join(', ')}`);
  if (aggregates.length === 0) throw new AnalysisError('GROUP BY requires aggregate functions in either the SELECT or HAVING clause.');
  if (rel.type === 'TABLE') {
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
  const outputSchema: LogicalSchema = {
    key: typeColumns(keyColumns, 'KEY', aggScope, ctx, (f) => explain('', f)),
    value: typeColumns(valueColumns, 'VALUE', aggScope, ctx, (f) => explain('', f)),
    headers: [],
  };
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

  const aggregation: Aggregation = {
    groupBy,
    aggregates,
    ...(window ? { window } : {}),
    aggLayout,
    ...(having ? { having } : {}),
    emitFinal: query.emit === 'FINAL',
    repartitioned: !rel.groupsByKey(groupBy),
  };
  // A transient query returns the projection as written: every selected column, as values.
  const projection = opts.transient ? { keyColumns: [], valueColumns: rewritten.map((c) => ({ name: c.name, expr: c.expr })) } : { keyColumns, valueColumns };
  return {
    from: rel.from,
    resultType: 'TABLE',
    layout,
    ...(query.where ? { where: query.where } : {}),
    tableFunctions: [],
    aggregation,
    ...projection,
    outputSchema: opts.transient ? { key: [], value: rewritten.map((c) => [...outputSchema.key, ...outputSchema.value].find((o) => o.name === c.name)!).map((c) => ({ ...c, namespace: 'VALUE' as const })), headers: [] } : outputSchema,
    ...(opts.timestampColumn !== undefined ? { timestampColumn: opts.timestampColumn } : {}),
    ...(opts.timestampFormat !== undefined ? { timestampFormat: opts.timestampFormat } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
  };
}
/**
 * The window bounds of a windowed aggregation exist only after it: in its SELECT, outside aggregate
 * calls; not in WHERE, GROUP BY, HAVING or an aggregate's arguments.
 */
function checkWindowBounds(query: Query, rel: Relation, ctx: CompileContext): void {
  const bound = (e: Expr | undefined, insideAggregates = false): string | undefined => {
    let found: string | undefined;
    const visit = (x: Expr, inAggregate: boolean): void =>
      void mapExpr(x, (n) => {
        if (found !== undefined) return n;
        if (n.kind === 'FunctionCall' && ctx.functions.aggregate(n.name) && !inAggregate) {
          for (const a of n.args) visit(a, true);
          return n;
        }
        const counts = !insideAggregates || inAggregate;
        if (counts && n.kind === 'ColumnRef' && (n.name === 'WINDOWSTART' || n.name === 'WINDOWEND') && !rel.layout.some((c) => c.name === n.name)) found = n.name;
        return undefined;
      });
    if (e) visit(e, false);
    return found;
  };
  const inWhere = bound(query.where);
  if (inWhere) throw new AnalysisError(`Error in WHERE expression: Unknown column ${inWhere}.`);
  const misplaced = [...(query.groupBy ?? []).map((g) => bound(g)), bound(query.having), ...query.select.map((s) => ('expr' in s ? bound(s.expr, true) : undefined))].find((b) => b !== undefined);
  if (misplaced) throw new AnalysisError(`Window bounds column ${misplaced} can only be used in the SELECT clause of windowed aggregations and can not be passed to aggregate functions.`);
}

/** Whether an aggregate can retract a value (needed when the source is a table). */
function canUndo(a: AggregateCall): boolean {
  try {
    return typeof a.overload.create(a.resolved, a.init, {}).undo === 'function';
  } catch {
    return true;
  }
}
