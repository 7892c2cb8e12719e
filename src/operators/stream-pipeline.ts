/**
 * The stateless part of a stream query, compiled once into one function per record:
 * filter (WHERE) → table functions (EXPLODE...) → projection into output key and value columns.
 * Everything is synchronous and allocation-light: one output array pair per emitted row.
 */
import type { StreamQueryPlan } from '../plan/logical/plan.js';
import { LayoutScope } from '../analyzer/row-scope.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import { compileTableFunction } from './table-function.js';
import { visitExpr } from '../analyzer/expr-utils.js';
import type { Expr } from '../parser/ast.js';

/**
 * Receives each output row: key column values, value column values (null for a record without a
 * value), and the input row (for ROWTIME etc.).
 */
export type Emit = (key: unknown[], value: unknown[] | null, row: readonly unknown[]) => void;

/** `nullValue`: the input record had no value; its value columns in `row` are null. */
export type RowProcessor = (row: unknown[], emit: Emit, nullValue: boolean) => void;

export function compileStreamPipeline(plan: StreamQueryPlan, ctx: CompileContext): RowProcessor {
  const scope = new LayoutScope(plan.layout, plan.sourceNames, 'SELECT column');
  const where = plan.where ? compileExpression(plan.where, scope, ctx).evaluate : undefined;
  const keyFns = plan.keyColumns.map((c) => compileExpression(c.expr, scope, ctx).evaluate);
  // For a record without a value only source key columns are known; other key expressions are null.
  // (ksqlDB fails to evaluate anything that reads the missing value, and uses null.)
  const nullValueKeyFns = plan.keyColumns.map((c, i) => (readsOnlyKeys(c.expr, scope) ? keyFns[i]! : () => null));
  const valueFns = plan.valueColumns.map((c) => compileExpression(c.expr, scope, ctx).evaluate);
  const nk = keyFns.length;
  const nv = valueFns.length;

  const project = (row: unknown[], emit: Emit, nullValue: boolean): void => {
    const key = new Array<unknown>(nk);
    // ksqlDB forwards a record without a value as a record without a value, re-keyed if need be.
    if (nullValue) {
      for (let i = 0; i < nk; i++) key[i] = nullValueKeyFns[i]!(row);
      emit(key, null, row);
      return;
    }
    for (let i = 0; i < nk; i++) key[i] = keyFns[i]!(row);
    const value = new Array<unknown>(nv);
    for (let i = 0; i < nv; i++) value[i] = valueFns[i]!(row);
    emit(key, value, row);
  };

  let body: RowProcessor = project;
  if (plan.tableFunctions.length > 0) {
    const fns = plan.tableFunctions.map((tf) => ({ index: tf.index, fn: compileTableFunction(tf.call, scope, ctx) }));
    const width = plan.layout.length;
    // Several table functions in one SELECT are zipped: as many rows as the longest result,
    // shorter results padded with NULL (ksqlDB's behaviour).
    body = (row, emit, nullValue) => {
      if (nullValue) return;
      const results = fns.map((f) => f.fn(row));
      let n = 0;
      for (const r of results) if (r !== null && r.length > n) n = r.length;
      for (let i = 0; i < n; i++) {
        const ext = row.length === width ? row.slice() : row.concat(new Array(width - row.length).fill(null));
        for (let j = 0; j < fns.length; j++) {
          const r = results[j];
          ext[fns[j]!.index] = r !== null && r !== undefined && i < r.length ? r[i] : null;
        }
        project(ext, emit, false);
      }
    };
  }
  if (plan.source.type === 'TABLE') {
    // A table is a changelog: a row that no longer matches is deleted downstream (a tombstone),
    // and a deleted row stays deleted.
    if (!where) return body;
    return (row, emit, nullValue) => {
      if (nullValue || where(row) !== true) body(row, emit, true);
      else body(row, emit, false);
    };
  }
  if (!where) return body;
  // A record without a value never matches a WHERE clause.
  return (row, emit, nullValue) => {
    if (!nullValue && where(row) === true) body(row, emit, false);
  };
}

function readsOnlyKeys(e: Expr, scope: LayoutScope): boolean {
  let ok = true;
  visitExpr(e, (n) => {
    if (n.kind !== 'ColumnRef') return;
    const idx = scope.indexOf(n.name);
    if (idx === undefined || scope.layout[idx]!.role !== 'KEY') ok = false;
  });
  return ok;
}
