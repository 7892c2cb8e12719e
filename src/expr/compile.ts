/**
 * The expression compiler: type-checks an expression AST against a scope and turns it into a tree
 * of closures, once, at plan time. Column positions, operator variants (by operand types), function
 * overloads and implicit casts are all decided here; constant subtrees are folded. The closures are
 * the per-record hot path: no type switches, no allocation beyond the values they produce.
 *
 * Null semantics follow ksqlDB: arithmetic and functions on NULL give NULL, comparisons / BETWEEN /
 * IN / LIKE with a NULL operand are false, AND / OR / NOT are three-valued. A failure while
 * evaluating a row (function threw, bad cast, integer division by zero) is reported through
 * `ctx.onRowError` and the failing sub-expression yields NULL.
 *
 * This module is the public entry point: the options and result types and the three entry
 * functions. The compiler itself is `Compiler` (compiler.ts: dispatch, coercion, column reads)
 * and the compile-*.ts modules it delegates each kind of expression to.
 */
import { AnalysisError } from '../errors.js';
import type { Expr, FunctionCall } from '../parser/ast.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { SqlType } from '../types/sql-type.js';
import { compileCall } from './compile-calls.js';
import { Compiler } from './compiler.js';

export interface ColumnInfo {
  readonly index: number;
  readonly type: SqlType;
}

/** Resolves column references to positions in the row array the closure will receive. */
export interface Scope {
  resolveColumn(source: string | undefined, name: string): ColumnInfo | undefined;
  /**
   * Optional: a whole sub-expression already computed into the row (aggregate results, GROUP BY
   * expressions). Consulted for every non-literal node before it is compiled.
   */
  resolveExpression?(expr: Expr): ColumnInfo | undefined;
}

export interface CompileContext {
  readonly functions: FunctionRegistry;
  readonly customTypes?: (name: string) => SqlType | undefined;
  /** A row failed to evaluate (function threw, bad cast, division by zero...): the expression yields null. */
  readonly onRowError?: (error: Error) => void;
  /** Clause for "<clause> column 'X' cannot be resolved." messages: 'SELECT', 'WHERE', 'PARTITION BY', 'JOIN ON'... */
  readonly clause?: string;
}

export interface CompiledExpression {
  readonly type: SqlType;
  readonly evaluate: (row: readonly unknown[]) => unknown;
  /** True when the value does not depend on the row (folded at compile time). */
  readonly constant: boolean;
}

export function compileExpression(expr: Expr, scope: Scope, ctx: CompileContext): CompiledExpression {
  const n = new Compiler(scope, ctx).compile(expr);
  if (n.constant) {
    const v = n.value ?? null;
    return { type: n.type, evaluate: () => v, constant: true };
  }
  const ev = n.ev;
  // Internal closures read row slots raw (treating undefined as null); normalise at the root.
  return { type: n.type, evaluate: n.column !== undefined ? (row) => row[n.column!] ?? null : ev, constant: false };
}

export function inferType(expr: Expr, scope: Scope, ctx: CompileContext): SqlType {
  return new Compiler(scope, ctx).compile(expr).type;
}

/**
 * A table-function call (EXPLODE, CUBE_EXPLODE) in a SELECT list: its overload resolved like a
 * scalar call; `evaluate` returns the values to emit one row each (null or empty: none).
 */
export function compileTableFunction(
  call: FunctionCall,
  scope: Scope,
  ctx: CompileContext,
): { readonly type: SqlType; readonly evaluate: (row: readonly unknown[]) => readonly unknown[] | null } {
  const fn = ctx.functions.table(call.name);
  if (!fn) throw new AnalysisError(`Can't find any functions with the name '${call.name}'`);
  const n = compileCall(new Compiler(scope, ctx), call, fn.overloads, false);
  const ev = n.ev as (row: readonly unknown[]) => readonly unknown[] | null;
  return { type: n.type, evaluate: ev };
}
