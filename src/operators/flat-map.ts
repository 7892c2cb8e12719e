/**
 * Table functions (EXPLODE, CUBE_EXPLODE...) over stream rows: one output row per element, each
 * function's element in its synthetic column. Several table functions in one SELECT are zipped: as
 * many rows as the longest result, shorter results padded with NULL (ksqlDB's behaviour).
 */
import type { FunctionCall } from '../parser/ast.js';
import type { CompileContext } from '../expr/compile.js';
import type { LayoutScope } from '../analyzer/row-scope.js';
import type { WindowBounds } from '../serde/windowed.js';
import { compileTableFunction, type TableFunctionEval } from './table-function.js';
import type { RowConsumer } from './operator.js';

export class FlatMap implements RowConsumer {
  private readonly fns: { readonly index: number; readonly fn: TableFunctionEval }[];

  constructor(
    calls: readonly { readonly call: FunctionCall; readonly index: number }[],
    scope: LayoutScope,
    ctx: CompileContext,
    /** Width of the output row (the input's columns, then the synthetic ones). */
    private readonly width: number,
    private readonly down: RowConsumer,
  ) {
    this.fns = calls.map((tf) => ({ index: tf.index, fn: compileTableFunction(tf.call, scope, ctx) }));
  }

  push(row: unknown[], ts: number, nullValue: boolean, window: WindowBounds | undefined): void {
    if (nullValue) return;
    const fns = this.fns;
    const results = fns.map((f) => f.fn(row));
    let n = 0;
    for (const r of results) if (r !== null && r.length > n) n = r.length;
    const width = this.width;
    for (let i = 0; i < n; i++) {
      const ext = row.length === width ? row.slice() : row.concat(new Array(width - row.length).fill(null));
      for (let j = 0; j < fns.length; j++) {
        const r = results[j];
        ext[fns[j]!.index] = r !== null && r !== undefined && i < r.length ? r[i] : null;
      }
      this.down.push(ext, ts, false, window);
    }
  }
}
