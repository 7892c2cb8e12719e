/**
 * PARTITION BY: computes each row's new key into synthetic columns appended to the row (no key
 * columns: PARTITION BY NULL). For a record without a value only the old key columns are known:
 * key expressions reading anything else are null (ksqlDB fails to evaluate them and uses null).
 */
import type { Expr } from '../parser/ast.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import type { LayoutScope } from '../analyzer/row-scope.js';
import type { WindowBounds } from '../serde/windowed.js';
import { readsOnlyKeys } from './project.js';
import type { RowConsumer } from './operator.js';

type Eval = (row: readonly unknown[]) => unknown;

export class SelectKey implements RowConsumer {
  private readonly keyFns: Eval[];
  private readonly nullValueKeyFns: Eval[];

  constructor(keys: readonly Expr[], scope: LayoutScope, ctx: CompileContext, private readonly down: RowConsumer) {
    this.keyFns = keys.map((k) => compileExpression(k, scope, ctx).evaluate);
    this.nullValueKeyFns = keys.map((k, i) => (readsOnlyKeys(k, scope) ? this.keyFns[i]! : () => null));
  }

  push(row: unknown[], ts: number, nullValue: boolean, window: WindowBounds | undefined): void {
    const fns = nullValue ? this.nullValueKeyFns : this.keyFns;
    const n = row.length;
    const out = row.slice();
    for (let i = 0; i < fns.length; i++) out[n + i] = fns[i]!(row);
    this.down.push(out, ts, nullValue, window);
  }
}
