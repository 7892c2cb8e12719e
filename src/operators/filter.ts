/**
 * WHERE / HAVING over rows. On a stream a row passes or is dropped (a record without a value never
 * passes); on a table a row that does not pass is deleted downstream, and a delete stays a delete.
 */
import type { Expr } from '../parser/ast.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import type { LayoutScope } from '../analyzer/row-scope.js';
import type { WindowBounds } from '../serde/windowed.js';
import type { RowConsumer } from './operator.js';

export class StreamFilter implements RowConsumer {
  private readonly where: (row: readonly unknown[]) => unknown;

  constructor(filter: Expr, scope: LayoutScope, ctx: CompileContext, private readonly down: RowConsumer) {
    this.where = compileExpression(filter, scope, ctx).evaluate;
  }

  push(row: unknown[], ts: number, nullValue: boolean, window: WindowBounds | undefined): void {
    if (!nullValue && this.where(row) === true) this.down.push(row, ts, false, window);
  }
}

export class TableFilter implements RowConsumer {
  private readonly where: (row: readonly unknown[]) => unknown;

  constructor(filter: Expr, scope: LayoutScope, ctx: CompileContext, private readonly down: RowConsumer) {
    this.where = compileExpression(filter, scope, ctx).evaluate;
  }

  push(row: unknown[], ts: number, nullValue: boolean, window: WindowBounds | undefined): void {
    this.down.push(row, ts, nullValue || this.where(row) !== true, window);
  }
}
