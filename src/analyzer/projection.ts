/**
 * What every query shape shares when analyzing its SELECT: the options, the WHERE check, reserved
 * names, ksqlDB's clause prefixes on type errors, table functions as synthetic columns, and the
 * typing of output columns.
 */
import type { Expr, FunctionCall } from '../parser/ast.js';
import type { Column } from '../types/schema.js';
import { inferType, type CompileContext, type Scope } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import type { LayoutColumn } from './row-scope.js';
import type { OutputColumn } from './analysis.js';
import { exprEquals, mapExpr } from './expr-utils.js';
import { resolveTableFunctionType } from './table-functions.js';

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

/** A select item after `*` expansion. */
export interface Item {
  readonly expr: Expr;
  readonly alias?: string;
  /** Expanded from `*`: the column keeps its role (a key stays a key). */
  readonly fromStar?: boolean;
}

/** A scope that can name the clause it resolves for ("WHERE column 'X' cannot be resolved."). */
export interface ClauseScope extends Scope {
  withClause(clause: string): ClauseScope;
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

/** WHERE must be boolean; ksqlDB names the offending expression after a type error. */
export function checkWhere(where: Expr | undefined, scope: ClauseScope, ctx: CompileContext): void {
  if (!where) return;
  let t: SqlType;
  try {
    t = clauseType('Error in WHERE expression: ', () => inferType(where, scope.withClause('WHERE column'), ctx));
  } catch (e) {
    if (e instanceof AnalysisError && e.message.startsWith('Error in WHERE expression: ')) throw new AnalysisError(`${e.message}\nStatement: ${formatExpression(where)}`, e.pos);
    throw e;
  }
  if (t.kind !== 'BOOLEAN' && t.kind !== 'NULL') {
    throw new AnalysisError(`Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(where)} (${formatType(t)}) instead.`);
  }
}

/**
 * Table-function calls in the output columns become SYNTHETIC columns appended to `layout` (one per
 * distinct call); the columns read them instead.
 */
export function extractTableFunctions(
  columns: { keyColumns: OutputColumn[]; valueColumns: OutputColumn[] },
  layout: LayoutColumn[],
  scope: Scope,
  ctx: CompileContext,
): { call: FunctionCall; index: number }[] {
  const tableFunctions: { call: FunctionCall; index: number }[] = [];
  const rewrite = (e: Expr): Expr =>
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
  columns.keyColumns = columns.keyColumns.map((c) => ({ name: c.name, expr: rewrite(c.expr) }));
  columns.valueColumns = columns.valueColumns.map((c) => ({ name: c.name, expr: rewrite(c.expr) }));
  return tableFunctions;
}

/** The output columns' types; a bare NULL has none. */
export function typeColumns(cols: readonly OutputColumn[], ns: 'KEY' | 'VALUE', scope: Scope, ctx: CompileContext, explain: <R>(f: () => R) => R = (f) => f()): Column[] {
  return cols.map((c) => {
    const type = explain(() => clauseType('Invalid Select: ', () => inferType(c.expr, scope, ctx)));
    if (type.kind === 'NULL') throw new AnalysisError(`Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).`);
    return { name: c.name, type, namespace: ns };
  });
}

/** Column names must be unique across key and value. */
export function checkDuplicateNames(columns: readonly Column[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new AnalysisError(`Duplicate column names:\n\t${c.name}`);
    seen.add(c.name);
  }
}
