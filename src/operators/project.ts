/**
 * The projection (a SELECT list): output key columns and value columns computed from each row,
 * handed to the query's output apart, as a topic record holds them. Allocation-light: one key array
 * and one value array per row.
 */
import type { Expr } from '../parser/ast.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import type { LayoutScope } from '../analyzer/row-scope.js';
import { visitExpr } from '../analyzer/expr-utils.js';
import type { WindowBounds } from '../serde/windowed.js';
import type { OutputConsumer, RecordContext, RowConsumer } from './operator.js';

type Eval = (row: readonly unknown[]) => unknown;

export interface ProjectOptions {
  /**
   * The key passes through from the source (no PARTITION BY, no join): a record read without a key
   * is written without one.
   */
  readonly keyFromSource?: RecordContext;
  /** Where the input row holds WINDOWSTART / WINDOWEND (windowed input), to keep the output windowed. */
  readonly windowAt?: number;
}

export class Project implements RowConsumer {
  private readonly keyFns: Eval[];
  private readonly nullValueKeyFns: Eval[];
  private readonly valueFns: Eval[];
  private readonly windowAt: number;
  private readonly record: RecordContext | undefined;

  constructor(keys: readonly Expr[], values: readonly Expr[], scope: LayoutScope, ctx: CompileContext, private readonly out: OutputConsumer, options: ProjectOptions = {}) {
    this.keyFns = keys.map((c) => compileExpression(c, scope, ctx).evaluate);
    // For a record without a value only key columns are known; other key expressions are null.
    // (ksqlDB fails to evaluate anything that reads the missing value, and uses null.)
    this.nullValueKeyFns = keys.map((c, i) => (readsOnlyKeys(c, scope) ? this.keyFns[i]! : () => null));
    this.valueFns = values.map((c) => compileExpression(c, scope, ctx).evaluate);
    this.windowAt = options.windowAt ?? -1;
    this.record = options.keyFromSource;
  }

  push(row: unknown[], ts: number, nullValue: boolean, window: WindowBounds | undefined): void {
    const nk = this.keyFns.length;
    const key = new Array<unknown>(nk);
    // ksqlDB forwards a record without a value as a record without a value, re-keyed if need be.
    const keyFns = nullValue ? this.nullValueKeyFns : this.keyFns;
    for (let i = 0; i < nk; i++) key[i] = keyFns[i]!(row);
    let value: unknown[] | null = null;
    if (!nullValue) {
      const fns = this.valueFns;
      const nv = fns.length;
      value = new Array<unknown>(nv);
      for (let i = 0; i < nv; i++) value[i] = fns[i]!(row);
    }
    const w = this.windowAt;
    const win = w >= 0 && row[w] !== null ? { start: row[w] as number, end: row[w + 1] as number } : window;
    // Without PARTITION BY a record without a key keeps having none.
    this.out.write(this.record !== undefined && this.record.current?.key === null ? null : key, value, ts, win);
  }
}

/** Whether an expression reads only key columns (computable for a record without a value). */
export function readsOnlyKeys(e: Expr, scope: LayoutScope): boolean {
  let ok = true;
  visitExpr(e, (n) => {
    if (n.kind !== 'ColumnRef') return;
    const idx = scope.indexOf(n.name);
    if (idx === undefined || scope.layout[idx]!.role !== 'KEY') ok = false;
  });
  return ok;
}
