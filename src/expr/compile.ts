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
 */
import { AnalysisError } from '../errors.js';
import type { ComparisonOp, Expr, FunctionCall, Lambda } from '../parser/ast.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { resolveOverload, type ArgInfo, type OverloadLike } from '../functions/resolve.js';
import { Decimal } from '../types/decimal.js';
import { T, formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { resolveTypeNode } from '../types/type-node.js';
import { arithmeticFn, arithmeticResultType, negateFn } from './arithmetic.js';
import { compileCast, type Converter } from './cast.js';
import { COMPARISON_NAMES, planComparison, type ComparisonPlan } from './compare.js';
import { formatExpression } from './format.js';
import { likeToRegExp } from './like.js';
import { parseDate, parseTime, parseTimestamp } from './temporal.js';
import { convertLiteral, decimalOf, isLiteral, resolveCommonType } from './user-list.js';
import { compareValues, valuesEqual } from './values.js';

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
  const n = new Compiler(scope, ctx).compileCall(call, fn.overloads, false);
  const ev = n.ev as (row: readonly unknown[]) => readonly unknown[] | null;
  return { type: n.type, evaluate: ev };
}

type Eval = (row: readonly unknown[]) => unknown;

interface CNode {
  readonly type: SqlType;
  readonly ev: Eval;
  readonly constant: boolean;
  /** The value, when constant. */
  readonly value?: unknown;
  /** Row slot, when the node is a plain column read. */
  readonly column?: number;
}

interface LambdaBinding {
  readonly frame: unknown[];
  readonly slot: number;
  readonly type: SqlType;
}

const EMPTY_ROW: readonly unknown[] = [];
const FOLD_ABORT = Symbol('fold-abort');
const MAGIC_TIMESTAMP_COLUMNS = new Set(['ROWTIME', 'WINDOWSTART', 'WINDOWEND']);

function constNode(type: SqlType, value: unknown): CNode {
  const v = value ?? null;
  return { type, ev: () => v, constant: true, value: v };
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Reports row errors; while folding constants it aborts instead, so the fold is abandoned. */
class ErrorSink {
  folding = false;
  constructor(private readonly onRowError?: (error: Error) => void) {}
  report(e: unknown): void {
    if (this.folding) throw FOLD_ABORT;
    this.onRowError?.(toError(e));
  }
}

class Compiler {
  private readonly lambdaScopes: Map<string, LambdaBinding>[] = [];
  private readonly sink: ErrorSink;

  constructor(
    private readonly scope: Scope,
    private readonly ctx: CompileContext,
  ) {
    this.sink = new ErrorSink(ctx.onRowError);
  }

  /** Folds a node whose inputs are all constant by evaluating it once. */
  private fold(type: SqlType, ev: Eval, inputsConstant: boolean): CNode {
    if (!inputsConstant) return { type, ev, constant: false };
    this.sink.folding = true;
    try {
      return constNode(type, ev(EMPTY_ROW));
    } catch {
      return { type, ev, constant: false };
    } finally {
      this.sink.folding = false;
    }
  }

  /** Wraps a converter so a failing conversion reports a row error and yields null. */
  private guarded(node: CNode, conv: Converter, type: SqlType): CNode {
    const ev = node.ev;
    const sink = this.sink;
    return this.fold(
      type,
      (row) => {
        const v = ev(row);
        if (v == null) return null;
        try {
          return conv(v);
        } catch (e) {
          sink.report(e);
          return null;
        }
      },
      node.constant,
    );
  }

  /** Implicit conversion of a node to `to` (no-op when the types agree). */
  private coerceNode(node: CNode, to: SqlType): CNode {
    if (node.type.kind === 'NULL' || typeEquals(node.type, to)) return node.type.kind === 'NULL' ? { ...node, type: to } : node;
    return this.guarded(node, compileCast(node.type, to), to);
  }

  compile(e: Expr): CNode {
    if (this.scope.resolveExpression && !isLiteral(e) && e.kind !== 'Lambda' && e.kind !== 'LambdaVariable') {
      const c = this.scope.resolveExpression(e);
      if (c) return this.columnNode(c);
    }
    switch (e.kind) {
      case 'NullLiteral':
        return constNode(T.NULL, null);
      case 'BooleanLiteral':
        return constNode(T.BOOLEAN, e.value);
      case 'IntegerLiteral':
        return constNode(T.INTEGER, e.value);
      case 'BigIntLiteral':
        return constNode(T.BIGINT, e.value);
      case 'DecimalLiteral': {
        const d = Decimal.parse(e.text);
        return constNode(decimalOf(d), d);
      }
      case 'DoubleLiteral':
        return constNode(T.DOUBLE, e.value);
      case 'StringLiteral':
        return constNode(T.STRING, e.value);
      case 'BytesLiteral':
        return constNode(T.BYTES, Buffer.from(e.hex, 'hex'));
      case 'TypedLiteral':
        return this.typedLiteral(e.type, e.value);
      case 'IntervalLiteral':
        throw new AnalysisError(`Interval literal not supported in expressions: ${formatExpression(e)}`, e.pos);
      case 'ColumnRef':
        return this.columnRef(e.source, e.name, e);
      case 'LambdaVariable': {
        const b = this.lambdaBinding(e.name);
        if (!b) throw new AnalysisError(`Lambda variable '${e.name}' is not bound`, e.pos);
        return this.lambdaVarNode(b);
      }
      case 'Lambda':
        throw new AnalysisError(`Lambda expressions can only be used as function arguments: ${formatExpression(e)}`, e.pos);
      case 'Star':
        throw new AnalysisError(`'*' is not valid in this expression`, e.pos);
      case 'IntervalUnit':
        // A bare time-unit keyword argument (DATEADD(DAYS, ...)): functions take it as its name.
        return constNode(T.STRING, e.unit);
      case 'Dereference':
        return this.dereference(e);
      case 'Subscript':
        return this.subscript(e);
      case 'FunctionCall':
        return this.functionCall(e);
      case 'Cast': {
        const to = resolveTypeNode(e.type, this.ctx.customTypes);
        const inner = this.compile(e.expr);
        if (inner.type.kind === 'NULL') return constNode(to, null);
        if (typeEquals(inner.type, to)) return inner;
        return this.guarded(inner, compileCast(inner.type, to), to);
      }
      case 'CaseExpr':
        return this.caseExpr(e);
      case 'Between':
        return this.between(e);
      case 'InList':
        return this.inList(e);
      case 'Like':
        return this.like(e);
      case 'IsNull': {
        const v = this.compile(e.value);
        const ev = v.ev;
        return this.fold(T.BOOLEAN, e.not ? (row) => ev(row) != null : (row) => ev(row) == null, v.constant);
      }
      case 'IsDistinctFrom':
        return this.distinctFrom(e);
      case 'Comparison':
        return this.comparison(e.op, e.left, e.right, e);
      case 'Arithmetic':
        return this.arithmetic(e);
      case 'Negation':
        return this.negation(e);
      case 'Not': {
        const v = this.compile(e.value);
        this.requireBoolean(v, e.value, 'NOT');
        const ev = v.ev;
        return this.fold(
          T.BOOLEAN,
          (row) => {
            const x = ev(row);
            return x == null ? null : !x;
          },
          v.constant,
        );
      }
      case 'LogicalBinary':
        return this.logical(e);
      case 'ArrayConstructor':
        return this.arrayConstructor(e);
      case 'MapConstructor':
        return this.mapConstructor(e);
      case 'StructConstructor':
        return this.structConstructor(e);
    }
  }

  // ------------------------------------------------------------------ leaves

  private typedLiteral(type: 'DATE' | 'TIME' | 'TIMESTAMP', text: string): CNode {
    try {
      if (type === 'DATE') return constNode(T.DATE, parseDate(text));
      if (type === 'TIME') return constNode(T.TIME, parseTime(text));
      return constNode(T.TIMESTAMP, parseTimestamp(text));
    } catch {
      throw new AnalysisError(`Invalid ${type} literal: '${text}'`);
    }
  }

  private columnNode(c: ColumnInfo): CNode {
    const i = c.index;
    return { type: c.type, ev: (row) => row[i], constant: false, column: i };
  }

  private lambdaBinding(name: string): LambdaBinding | undefined {
    for (let i = this.lambdaScopes.length - 1; i >= 0; i--) {
      const b = this.lambdaScopes[i]!.get(name);
      if (b) return b;
    }
    return undefined;
  }

  private lambdaVarNode(b: LambdaBinding): CNode {
    const { frame, slot } = b;
    return { type: b.type, ev: () => frame[slot], constant: false };
  }

  private columnRef(source: string | undefined, name: string, e: Expr): CNode {
    if (source === undefined) {
      const b = this.lambdaBinding(name);
      if (b) return this.lambdaVarNode(b);
    }
    const c = this.scope.resolveColumn(source, name);
    if (!c) {
      const text = source ? `${source}.${name}` : name;
      const clause = this.ctx.clause;
      throw new AnalysisError(clause ? `${clause} column '${text}' cannot be resolved.` : `Column '${text}' cannot be resolved.`, e.pos);
    }
    return this.columnNode(c);
  }

  // ------------------------------------------------------------------ structured access

  private dereference(e: Extract<Expr, { kind: 'Dereference' }>): CNode {
    const base = this.compile(e.base);
    if (base.type.kind !== 'STRUCT')
      throw new AnalysisError(`Expected STRUCT type for dereference of ${formatExpression(e.base)} but got ${formatType(base.type)}`, e.pos);
    const field = base.type.fields.find((f) => f.name === e.field) ?? base.type.fields.find((f) => f.name.toUpperCase() === e.field.toUpperCase());
    if (!field) throw new AnalysisError(`Could not find field '${e.field}' in '${formatExpression(e.base)}'.`, e.pos);
    const name = field.name;
    const ev = base.ev;
    return this.fold(
      field.type,
      (row) => {
        const s = ev(row) as Record<string, unknown> | null | undefined;
        return s == null ? null : (s[name] ?? null);
      },
      base.constant,
    );
  }

  private subscript(e: Extract<Expr, { kind: 'Subscript' }>): CNode {
    const base = this.compile(e.base);
    const idx = this.compile(e.index);
    const bev = base.ev;
    if (base.type.kind === 'ARRAY') {
      if (idx.type.kind !== 'INTEGER' && idx.type.kind !== 'BIGINT' && idx.type.kind !== 'NULL')
        throw new AnalysisError(`Array index must be an INTEGER: ${formatExpression(e)} has index of type ${formatType(idx.type)}`, e.pos);
      const iev = idx.ev;
      return this.fold(
        base.type.element,
        (row) => {
          const a = bev(row) as unknown[] | null | undefined;
          if (a == null) return null;
          const i = iev(row) as number | null | undefined;
          if (i == null) return null;
          const at = i > 0 ? i - 1 : a.length + i;
          return at >= 0 && at < a.length ? (a[at] ?? null) : null;
        },
        base.constant && idx.constant,
      );
    }
    if (base.type.kind === 'MAP') {
      const key = this.toListType(idx, e.index, base.type.key);
      const kev = key.ev;
      return this.fold(
        base.type.value,
        (row) => {
          const m = bev(row) as Map<unknown, unknown> | null | undefined;
          if (m == null) return null;
          const k = kev(row);
          return k == null ? null : (m.get(k) ?? null);
        },
        base.constant && key.constant,
      );
    }
    throw new AnalysisError(`Subscript is only supported on ARRAY and MAP, but ${formatExpression(e.base)} is ${formatType(base.type)}`, e.pos);
  }

  // ------------------------------------------------------------------ operators

  private requireBoolean(n: CNode, e: Expr, what: string): void {
    if (n.type.kind !== 'BOOLEAN' && n.type.kind !== 'NULL')
      throw new AnalysisError(`${what} operand must be of type BOOLEAN, but ${formatExpression(e)} is ${formatType(n.type)}`, e.pos);
  }

  private logical(e: Extract<Expr, { kind: 'LogicalBinary' }>): CNode {
    const l = this.compile(e.left);
    const r = this.compile(e.right);
    this.requireBoolean(l, e.left, e.op);
    this.requireBoolean(r, e.right, e.op);
    const le = l.ev;
    const re = r.ev;
    const ev: Eval =
      e.op === 'AND'
        ? (row) => {
            const a = le(row);
            if (a === false) return false;
            const b = re(row);
            if (b === false) return false;
            return a == null || b == null ? null : true;
          }
        : (row) => {
            const a = le(row);
            if (a === true) return true;
            const b = re(row);
            if (b === true) return true;
            return a == null || b == null ? null : false;
          };
    return this.fold(T.BOOLEAN, ev, l.constant && r.constant);
  }

  /** ksqlDB rewrites `ROWTIME > '2020-01-01T00:00:00'` to compare with the timestamp's epoch millis. */
  private magicTimestamp(expr: Expr, other: Expr, otherType: SqlType): CNode | undefined {
    if (expr.kind !== 'StringLiteral' || otherType.kind !== 'BIGINT') return undefined;
    if (other.kind !== 'ColumnRef' || !MAGIC_TIMESTAMP_COLUMNS.has(other.name)) return undefined;
    try {
      return constNode(T.BIGINT, parseTimestamp(expr.value));
    } catch {
      throw new AnalysisError(`Failed to parse timestamp '${expr.value}' compared with ${other.name}`);
    }
  }

  private compileComparable(left: Expr, right: Expr): [CNode, CNode] {
    let l = this.compile(left);
    let r = this.compile(right);
    l = this.magicTimestamp(left, right, r.type) ?? l;
    r = this.magicTimestamp(right, left, l.type) ?? r;
    return [l, r];
  }

  private planOrThrow(l: CNode, r: CNode, left: Expr, right: Expr, opName: string, symbol: string, equalityOnly: boolean): ComparisonPlan {
    if (l.type.kind === 'NULL' || r.type.kind === 'NULL') {
      const lt = l.type.kind === 'NULL' ? 'NULL' : formatType(l.type);
      const rt = r.type.kind === 'NULL' ? 'NULL' : formatType(r.type);
      throw new AnalysisError(`Comparison with NULL not supported: ${lt} ${symbol} ${rt}\nUse 'IS NULL' or 'IS NOT NULL' instead.`);
    }
    const plan = planComparison(l.type, r.type, equalityOnly);
    if (!plan)
      throw new AnalysisError(
        `Cannot compare ${formatExpression(left)} (${formatType(l.type)}) to ${formatExpression(right)} (${formatType(r.type)}) with ${opName}.`,
      );
    return plan;
  }

  /** Applies a plan's operand conversion (which may throw on unparseable strings). */
  private converted(n: CNode, conv: Converter | undefined): CNode {
    return conv ? this.guarded(n, conv, n.type) : n;
  }

  private comparison(op: ComparisonOp, left: Expr, right: Expr, whole: Expr): CNode {
    void whole;
    const [l0, r0] = this.compileComparable(left, right);
    const plan = this.planOrThrow(l0, r0, left, right, COMPARISON_NAMES[op], op, op === '=' || op === '<>');
    const l = this.converted(l0, plan.convertLeft);
    const r = this.converted(r0, plan.convertRight);
    return this.fold(T.BOOLEAN, comparisonClosure(op, plan.kind, l, r), l.constant && r.constant);
  }

  private distinctFrom(e: Extract<Expr, { kind: 'IsDistinctFrom' }>): CNode {
    const [l0, r0] = this.compileComparable(e.left, e.right);
    let plan: ComparisonPlan = { kind: 'structural' };
    if (l0.type.kind !== 'NULL' && r0.type.kind !== 'NULL') plan = this.planOrThrow(l0, r0, e.left, e.right, e.not ? 'IS_NOT_DISTINCT_FROM' : 'IS_DISTINCT_FROM', 'IS DISTINCT FROM', true);
    const l = this.converted(l0, plan.convertLeft);
    const r = this.converted(r0, plan.convertRight);
    const le = l.ev;
    const re = r.ev;
    const eq = plan.kind === 'generic' ? (a: unknown, b: unknown) => compareValues(a, b) === 0 : valuesEqual;
    const not = e.not;
    return this.fold(
      T.BOOLEAN,
      (row) => {
        const a = le(row);
        const b = re(row);
        const same = a == null || b == null ? a == null && b == null : eq(a, b);
        return not ? same : !same;
      },
      l.constant && r.constant,
    );
  }

  private between(e: Extract<Expr, { kind: 'Between' }>): CNode {
    const v0 = this.compile(e.value);
    let lo = this.compile(e.low);
    let hi = this.compile(e.high);
    lo = this.magicTimestamp(e.low, e.value, v0.type) ?? lo;
    hi = this.magicTimestamp(e.high, e.value, v0.type) ?? hi;
    // ksqlDB checks BETWEEN as the two comparisons it stands for.
    const check = (r: CNode, bound: Expr, op: string) => {
      try {
        return this.planOrThrow(v0, r, e.value, bound, op, 'BETWEEN', false);
      } catch (err) {
        throw err instanceof AnalysisError && err.message.startsWith('Cannot compare') ? new AnalysisError(`Invalid expression: ${err.message.replace(/\.$/, '')}`, err.pos) : err;
      }
    };
    const pl = check(lo, e.low, 'GREATER_THAN_OR_EQUAL');
    const ph = check(hi, e.high, 'LESS_THAN_OR_EQUAL');
    const ge = comparisonClosure('>=', pl.kind, this.converted(v0, pl.convertLeft), this.converted(lo, pl.convertRight));
    const le = comparisonClosure('<=', ph.kind, this.converted(v0, ph.convertLeft), this.converted(hi, ph.convertRight));
    const vev = v0.ev;
    const ev: Eval = e.not
      ? (row) => vev(row) != null && !(ge(row) && le(row))
      : (row) => ge(row) === true && le(row) === true;
    return this.fold(T.BOOLEAN, ev, v0.constant && lo.constant && hi.constant);
  }

  private inList(e: Extract<Expr, { kind: 'InList' }>): CNode {
    const exprs = [e.value, ...e.list];
    const nodes = exprs.map((x) => this.compile(x));
    let common: SqlType | undefined;
    try {
      common = resolveCommonType(
        exprs.map((x, i) => ({ expr: x, type: nodes[i]!.type })),
        (x) => this.compile(x).type,
      );
    } catch (err) {
      if (err instanceof AnalysisError) throw new AnalysisError(`Invalid Predicate: ${err.message}`, e.pos);
      throw err;
    }
    if (!common) return constNode(T.BOOLEAN, false);
    const conv = nodes.map((n, i) => this.toCommon(n, exprs[i]!, common));
    const value = conv[0]!;
    const items = conv.slice(1).filter((n) => !(n.constant && n.value === null));
    const vev = value.ev;
    const not = e.not;
    const simple = common.kind === 'INTEGER' || common.kind === 'BIGINT' || common.kind === 'DOUBLE' || common.kind === 'STRING' || common.kind === 'BOOLEAN';
    let ev: Eval;
    if (simple && items.every((n) => n.constant)) {
      const set = new Set(items.map((n) => n.value));
      ev = (row) => {
        const v = vev(row);
        return v != null && set.has(v) !== not;
      };
    } else {
      const evs = items.map((n) => n.ev);
      const eq = simple ? (a: unknown, b: unknown) => a === b : valuesEqual;
      ev = (row) => {
        const v = vev(row);
        if (v == null) return false;
        for (let i = 0; i < evs.length; i++) {
          const x = evs[i]!(row);
          if (x != null && eq(v, x)) return !not;
        }
        return not;
      };
    }
    return this.fold(T.BOOLEAN, ev, conv.every((n) => n.constant));
  }

  private like(e: Extract<Expr, { kind: 'Like' }>): CNode {
    const v = this.compile(e.value);
    const p = this.compile(e.pattern);
    for (const [n, x] of [
      [v, e.value],
      [p, e.pattern],
    ] as const) {
      if (n.type.kind !== 'STRING' && n.type.kind !== 'NULL')
        throw new AnalysisError(`The column type for Like condition must be VARCHAR. The column type is ${formatType(n.type)}`, x.pos);
    }
    const vev = v.ev;
    const not = e.not;
    const escape = e.escape;
    let ev: Eval;
    if (p.constant) {
      if (p.value === null) return constNode(T.BOOLEAN, false);
      const re = likeToRegExp(p.value as string, escape);
      ev = (row) => {
        const s = vev(row) as string | null | undefined;
        return s != null && re.test(s) !== not;
      };
    } else {
      const pev = p.ev;
      let lastPattern: string | undefined;
      let lastRe: RegExp | undefined;
      ev = (row) => {
        const s = vev(row) as string | null | undefined;
        if (s == null) return false;
        const pat = pev(row) as string | null | undefined;
        if (pat == null) return false;
        if (pat !== lastPattern) {
          lastPattern = pat;
          lastRe = likeToRegExp(pat, escape);
        }
        return lastRe!.test(s) !== not;
      };
    }
    return this.fold(T.BOOLEAN, ev, v.constant && p.constant);
  }

  private arithmetic(e: Extract<Expr, { kind: 'Arithmetic' }>): CNode {
    const l = this.compile(e.left);
    const r = this.compile(e.right);
    if (l.type.kind === 'NULL' || r.type.kind === 'NULL') {
      const fmt = (t: SqlType): string => (t.kind === 'NULL' ? 'null' : formatType(t));
      throw new AnalysisError(`Error processing expression: ${formatExpression(e)}. Arithmetic on types ${fmt(l.type)} and ${fmt(r.type)} are not supported.`, e.pos);
    }
    const type = arithmeticResultType(e.op, l.type, r.type);
    if (!type)
      throw new AnalysisError(`Error processing expression: ${formatExpression(e)}. Unsupported arithmetic types. ${formatType(l.type)} ${formatType(r.type)}`, e.pos);
    const f = arithmeticFn(e.op, l.type, r.type, type);
    const canThrow = (e.op === '/' || e.op === '%') && type.kind !== 'DOUBLE';
    const le = l.ev;
    const sink = this.sink;
    let ev: Eval;
    if (r.constant && !canThrow) {
      const b = r.value;
      if (b === null) return constNode(type, null);
      ev = l.column !== undefined ? columnArith(l.column, b, f) : (row) => {
        const a = le(row);
        return a == null ? null : f(a, b);
      };
    } else {
      const re = r.ev;
      ev = canThrow
        ? (row) => {
            const a = le(row);
            if (a == null) return null;
            const b = re(row);
            if (b == null) return null;
            try {
              return f(a, b);
            } catch (err) {
              sink.report(err);
              return null;
            }
          }
        : (row) => {
            const a = le(row);
            if (a == null) return null;
            const b = re(row);
            return b == null ? null : f(a, b);
          };
    }
    return this.fold(type, ev, l.constant && r.constant);
  }

  private negation(e: Extract<Expr, { kind: 'Negation' }>): CNode {
    const v = this.compile(e.value);
    if (v.type.kind === 'NULL') return v;
    const f = negateFn(v.type);
    if (!f) throw new AnalysisError(`Error processing expression: ${formatExpression(e)}. Unsupported arithmetic types. ${formatType(v.type)}`, e.pos);
    const ev = v.ev;
    return this.fold(
      v.type,
      (row) => {
        const x = ev(row);
        return x == null ? null : f(x);
      },
      v.constant,
    );
  }

  // ------------------------------------------------------------------ CASE and constructors

  /** Converts a list item to the list's common type: literals at plan time, expressions by CAST. */
  private toCommon(n: CNode, e: Expr, common: SqlType): CNode {
    if (n.type.kind === 'NULL') return { ...n, type: common };
    if (typeEquals(n.type, common)) return n;
    if (isLiteral(e) && n.constant) {
      try {
        return constNode(common, convertLiteral(n.value, n.type, common));
      } catch (err) {
        throw new AnalysisError(`invalid input syntax for type ${common.kind}: "${String(n.value)}".`, e.pos ?? undefined);
        void err;
      }
    }
    return this.coerceNode(n, common);
  }

  /** Coerces an expression to a given type as a one-item user list would (e.g. a map subscript key). */
  private toListType(n: CNode, e: Expr, target: SqlType): CNode {
    const common = resolveCommonType(
      [
        { expr: { kind: 'NullLiteral' }, type: target },
        { expr: e, type: n.type },
      ],
      (x) => this.compile(x).type,
    );
    if (common && !typeEquals(common, target) && n.type.kind !== 'NULL')
      throw new AnalysisError(`Cannot use ${formatExpression(e)} (${formatType(n.type)}) as a key of a MAP<${formatType(target)}, ...>`, e.pos);
    return this.toCommon(n, e, target);
  }

  private commonOf(exprs: readonly Expr[], nodes: readonly CNode[]): SqlType | undefined {
    return resolveCommonType(
      exprs.map((x, i) => ({ expr: x, type: nodes[i]!.type })),
      (x) => this.compile(x).type,
    );
  }

  private caseExpr(e: Extract<Expr, { kind: 'CaseExpr' }>): CNode {
    const conds: CNode[] = e.whens.map((w) => {
      if (e.operand) return this.comparison('=', e.operand, w.when, w.when);
      const c = this.compile(w.when);
      if (c.type.kind !== 'BOOLEAN' && c.type.kind !== 'NULL')
        throw new AnalysisError(`WHEN operand type should be boolean. Type for '${formatExpression(w.when)}' is ${formatType(c.type)}`, w.when.pos);
      return c;
    });
    const resultExprs = [...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])];
    const results = resultExprs.map((x) => this.compile(x));
    let common: SqlType | undefined;
    try {
      common = this.commonOf(resultExprs, results);
    } catch (err) {
      if (err instanceof AnalysisError) throw new AnalysisError(`Invalid Case expression. ${err.message}`, e.pos);
      throw err;
    }
    if (!common) throw new AnalysisError('Invalid Case expression. All case branches have NULL type', e.pos);
    const conv = results.map((n, i) => this.toCommon(n, resultExprs[i]!, common));
    const condEvs = conds.map((c) => c.ev);
    const thenEvs = conv.slice(0, e.whens.length).map((c) => c.ev);
    const elseEv = e.else ? conv[conv.length - 1]!.ev : undefined;
    const n = condEvs.length;
    const ev: Eval = (row) => {
      for (let i = 0; i < n; i++) if (condEvs[i]!(row) === true) return thenEvs[i]!(row);
      return elseEv ? elseEv(row) : null;
    };
    return this.fold(common, ev, conds.every((c) => c.constant) && conv.every((c) => c.constant));
  }

  private arrayConstructor(e: Extract<Expr, { kind: 'ArrayConstructor' }>): CNode {
    if (e.items.length === 0)
      throw new AnalysisError('Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).', e.pos);
    const nodes = e.items.map((x) => this.compile(x));
    const common = this.commonOf(e.items, nodes);
    if (!common)
      throw new AnalysisError(
        'Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.',
        e.pos,
      );
    const evs = nodes.map((n, i) => this.toCommon(n, e.items[i]!, common).ev);
    const len = evs.length;
    return this.fold(
      T.array(common),
      (row) => {
        const out = new Array<unknown>(len);
        for (let i = 0; i < len; i++) out[i] = evs[i]!(row) ?? null;
        return out;
      },
      nodes.every((n) => n.constant),
    );
  }

  private mapConstructor(e: Extract<Expr, { kind: 'MapConstructor' }>): CNode {
    if (e.entries.length === 0)
      throw new AnalysisError('Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).', e.pos);
    const keyExprs = e.entries.map((x) => x.key);
    const valExprs = e.entries.map((x) => x.value);
    const keys = keyExprs.map((x) => this.compile(x));
    const vals = valExprs.map((x) => this.compile(x));
    const kt = this.commonOf(keyExprs, keys);
    if (!kt) throw new AnalysisError('Cannot construct a map with all NULL keys', e.pos);
    const vt = this.commonOf(valExprs, vals);
    if (!vt) throw new AnalysisError('Cannot construct a map with all NULL values', e.pos);
    const kevs = keys.map((n, i) => this.toCommon(n, keyExprs[i]!, kt).ev);
    const vevs = vals.map((n, i) => this.toCommon(n, valExprs[i]!, vt).ev);
    const len = kevs.length;
    return this.fold(
      T.map(kt, vt),
      (row) => {
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < len; i++) m.set(kevs[i]!(row) ?? null, vevs[i]!(row) ?? null);
        return m;
      },
      keys.every((n) => n.constant) && vals.every((n) => n.constant),
    );
  }

  private structConstructor(e: Extract<Expr, { kind: 'StructConstructor' }>): CNode {
    const seen = new Set<string>();
    for (const f of e.fields) {
      if (seen.has(f.name)) throw new AnalysisError(`Duplicate field names found in STRUCT: '${f.name}'`, e.pos);
      seen.add(f.name);
    }
    const nodes = e.fields.map((f) => this.compile(f.value));
    const names = e.fields.map((f) => f.name);
    const evs = nodes.map((n) => n.ev);
    const len = names.length;
    return this.fold(
      T.struct(names.map((name, i) => ({ name, type: nodes[i]!.type }))),
      (row) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < len; i++) out[names[i]!] = evs[i]!(row) ?? null;
        return out;
      },
      nodes.every((n) => n.constant),
    );
  }

  // ------------------------------------------------------------------ function calls

  private functionCall(e: FunctionCall): CNode {
    const fn = this.ctx.functions.scalar(e.name);
    if (!fn) {
      if (this.ctx.functions.table(e.name))
        throw new AnalysisError(`Table function ${e.name} can only be used in the SELECT clause of a query on a stream.`, e.pos);
      throw new AnalysisError(`Can't find any functions with the name '${e.name}'`, e.pos);
    }
    return this.compileCall(e, fn.overloads, true);
  }

  /** Compiles a lambda body for given parameter types; returns its node and the frame its parameters live in. */
  private lambdaBody(l: Lambda, params: readonly SqlType[]): { body: CNode; frame: unknown[] } {
    const frame = new Array<unknown>(l.params.length).fill(null);
    const bindings = new Map<string, LambdaBinding>();
    l.params.forEach((name, slot) => bindings.set(name, { frame, slot, type: params[slot]! }));
    this.lambdaScopes.push(bindings);
    try {
      return { body: this.compile(l.body), frame };
    } finally {
      this.lambdaScopes.pop();
    }
  }

  compileCall(e: FunctionCall, overloads: readonly (OverloadLike & { readonly impl: (...args: never[]) => unknown })[], foldable: boolean): CNode {
    const args = e.args.filter((a) => a.kind !== 'Star');
    const nodes: (CNode | undefined)[] = args.map((a) => (a.kind === 'Lambda' ? undefined : this.compile(a)));
    const infos: ArgInfo[] = args.map((a, i) => {
      if (a.kind === 'Lambda')
        return { lambda: { arity: a.params.length, bodyType: (ps: readonly SqlType[]) => this.lambdaBody(a, ps).body.type } };
      const n = nodes[i]!;
      return { type: n.type, stringLiteral: a.kind === 'StringLiteral' ? a.value : undefined, literal: n.constant ? n.value : undefined };
    });
    const res = resolveOverload(e.name, overloads, infos);
    const o = res.overload;
    // Row cell shared with this call's lambdas: they read columns of the row being evaluated.
    const cell: { row: readonly unknown[] } = { row: EMPTY_ROW };
    let hasLambda = false;
    const argEvs: Eval[] = args.map((a, i) => {
      const target = res.argTypes[i]!;
      if (a.kind === 'Lambda') {
        hasLambda = true;
        const lt = target as Extract<SqlType, { kind: 'LAMBDA' }>;
        const { body, frame } = this.lambdaBody(a, lt.params);
        const b = this.coerceNode(body, lt.returns).ev;
        const fn = makeLambda(a.params.length, frame, b, cell);
        return () => fn;
      }
      return this.coerceNode(nodes[i]!, target).ev;
    });
    const impl = (o.specialize ? o.specialize({ types: res.argTypes, generics: res.generics, literals: infos.map((x) => x.literal ?? null) }) : o.impl) as (
      ...xs: unknown[]
    ) => unknown;
    const nArgs = argEvs.length;
    const fixed = o.variadic ? o.params.length - 1 : nArgs;
    const variadic = o.variadic === true;
    const nullOnNull = o.nullOnNullInput === true;
    const sink = this.sink;
    const ev: Eval = (row) => {
      if (hasLambda) cell.row = row;
      const vals = new Array<unknown>(variadic ? fixed + 1 : nArgs);
      for (let i = 0; i < fixed; i++) {
        const v = argEvs[i]!(row) ?? null;
        if (v === null && nullOnNull) return null;
        vals[i] = v;
      }
      if (variadic) {
        const rest = new Array<unknown>(nArgs - fixed);
        for (let i = fixed; i < nArgs; i++) {
          const v = argEvs[i]!(row) ?? null;
          if (v === null && nullOnNull) return null;
          rest[i - fixed] = v;
        }
        vals[fixed] = rest;
      }
      try {
        return impl(...vals) ?? null;
      } catch (err) {
        sink.report(err);
        return null;
      }
    };
    const allConst = args.length > 0 && nodes.every((n) => n === undefined || n.constant) && !hasLambda;
    return this.fold(res.returnType, ev, foldable && allConst);
  }
}

/** A JS function for a lambda: binds its arguments into the frame and evaluates the body on the current row. */
function makeLambda(arity: number, frame: unknown[], body: Eval, cell: { row: readonly unknown[] }): (...xs: unknown[]) => unknown {
  switch (arity) {
    case 1:
      return (a: unknown) => {
        frame[0] = a ?? null;
        return body(cell.row) ?? null;
      };
    case 2:
      return (a: unknown, b: unknown) => {
        frame[0] = a ?? null;
        frame[1] = b ?? null;
        return body(cell.row) ?? null;
      };
    case 3:
      return (a: unknown, b: unknown, c: unknown) => {
        frame[0] = a ?? null;
        frame[1] = b ?? null;
        frame[2] = c ?? null;
        return body(cell.row) ?? null;
      };
    default:
      return (...xs: unknown[]) => {
        for (let i = 0; i < arity; i++) frame[i] = xs[i] ?? null;
        return body(cell.row) ?? null;
      };
  }
}

/** `column op constant` with the column read inlined. */
function columnArith(i: number, b: unknown, f: (a: unknown, b: unknown) => unknown): Eval {
  return (row) => {
    const a = row[i];
    return a == null ? null : f(a, b);
  };
}

/**
 * The closure for a comparison: `number` / `string` kinds use JS operators directly, `generic`
 * uses compareValues, `structural` deep equality. NULL on either side gives false.
 */
function comparisonClosure(op: ComparisonOp, kind: ComparisonPlan['kind'], l: CNode, r: CNode): (row: readonly unknown[]) => boolean {
  if (kind === 'structural') {
    const le = l.ev;
    const re = r.ev;
    const want = op === '=';
    return (row) => {
      const a = le(row);
      if (a == null) return false;
      const b = re(row);
      return b != null && valuesEqual(a, b) === want;
    };
  }
  if (kind === 'generic') {
    const le = l.ev;
    const re = r.ev;
    const test = ORDER_TESTS[op];
    return (row) => {
      const a = le(row);
      if (a == null) return false;
      const b = re(row);
      return b != null && test(compareValues(a, b));
    };
  }
  // number / string: JS operators agree with Java's for these.
  if (r.constant) {
    const b = r.value;
    if (b === null) return () => false;
    if (l.column !== undefined) return columnVsConstant(op, l.column, b);
    const le = l.ev;
    switch (op) {
      case '=':
        return (row) => le(row) === b;
      case '<>':
        return (row) => {
          const a = le(row);
          return a != null && a !== b;
        };
      case '<':
        return (row) => {
          const a = le(row) as number;
          return a != null && a < (b as number);
        };
      case '<=':
        return (row) => {
          const a = le(row) as number;
          return a != null && a <= (b as number);
        };
      case '>':
        return (row) => {
          const a = le(row) as number;
          return a != null && a > (b as number);
        };
      case '>=':
        return (row) => {
          const a = le(row) as number;
          return a != null && a >= (b as number);
        };
    }
  }
  const le = l.ev;
  const re = r.ev;
  switch (op) {
    case '=':
      return (row) => {
        const a = le(row);
        if (a == null) return false;
        return a === re(row);
      };
    case '<>':
      return (row) => {
        const a = le(row);
        if (a == null) return false;
        const b = re(row);
        return b != null && a !== b;
      };
    case '<':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a < b;
      };
    case '<=':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a <= b;
      };
    case '>':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a > b;
      };
    case '>=':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a >= b;
      };
  }
}

function columnVsConstant(op: ComparisonOp, i: number, b: unknown): (row: readonly unknown[]) => boolean {
  const n = b as number;
  switch (op) {
    case '=':
      return (row) => row[i] === b;
    case '<>':
      return (row) => {
        const a = row[i];
        return a != null && a !== b;
      };
    case '<':
      return (row) => {
        const a = row[i] as number;
        return a != null && a < n;
      };
    case '<=':
      return (row) => {
        const a = row[i] as number;
        return a != null && a <= n;
      };
    case '>':
      return (row) => {
        const a = row[i] as number;
        return a != null && a > n;
      };
    case '>=':
      return (row) => {
        const a = row[i] as number;
        return a != null && a >= n;
      };
  }
}

const ORDER_TESTS: Record<ComparisonOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};
