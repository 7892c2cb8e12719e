/**
 * Table functions (EXPLODE, CUBE_EXPLODE...): compiled once against the source row; each call yields
 * the list of values that become one output row each.
 */
import type { FunctionCall } from '../parser/ast.js';
import type { CompileContext, Scope } from '../expr/compile.js';
import { compileExpression } from '../expr/compile.js';
import { compileCast } from '../expr/cast.js';
import { typeEquals } from '../types/sql-type.js';
import { pickTableOverload } from '../analyzer/table-functions.js';

export type TableFunctionEval = (row: readonly unknown[]) => readonly unknown[] | null;

export function compileTableFunction(call: FunctionCall, scope: Scope, ctx: CompileContext): TableFunctionEval {
  const args = call.args.map((a) => compileExpression(a, scope, ctx));
  const resolution = pickTableOverload(call, args.map((a) => a.type), ctx);
  const overload = resolution.overload;
  const impl = overload.impl as (...a: unknown[]) => readonly unknown[] | null;
  // Arguments converted to the parameter types the overload declares (implicit casts).
  const evals = args.map((a, i) => {
    const target = resolution.argTypes[i];
    if (!target || typeEquals(a.type, target) || a.type.kind === 'NULL') return a.evaluate;
    const conv = compileCast(a.type, target);
    return (row: readonly unknown[]) => {
      const v = a.evaluate(row);
      return v === null ? null : conv(v);
    };
  });
  const fixed = overload.variadic ? overload.params.length - 1 : evals.length;
  const onError = ctx.onRowError;
  return (row) => {
    const values = evals.map((e) => e(row));
    try {
      return overload.variadic ? impl(...values.slice(0, fixed), values.slice(fixed)) : impl(...values);
    } catch (e) {
      onError?.(e as Error);
      return null;
    }
  };
}
