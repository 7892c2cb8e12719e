/** Type resolution of table-function calls (EXPLODE(ARRAY<T>) → T, ...). */
import type { FunctionCall } from '../parser/ast.js';
import type { CompileContext, Scope } from '../expr/compile.js';
import { inferType } from '../expr/compile.js';
import type { SqlType } from '../types/sql-type.js';
import type { TableFunction } from '../functions/types.js';
import { resolveOverload, type Resolution } from '../functions/resolve.js';
import { AnalysisError } from '../errors.js';

export type TableOverload = TableFunction['overloads'][number];

export function pickTableOverload(call: FunctionCall, argTypes: readonly SqlType[], ctx: CompileContext): Resolution<TableOverload> {
  const fn = ctx.functions.table(call.name);
  if (!fn) throw new AnalysisError(`Can't find any functions with the name '${call.name}'`);
  return resolveOverload(fn.name, fn.overloads, argTypes.map((type) => ({ type })));
}

export function resolveTableFunctionType(call: FunctionCall, scope: Scope, ctx: CompileContext): SqlType {
  const argTypes = call.args.map((a) => inferType(a, scope, ctx));
  return pickTableOverload(call, argTypes, ctx).returnType;
}
