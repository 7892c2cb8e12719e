/**
 * The Compiler core: per-compilation state (scope, context, lambda scopes, error sink), constant
 * folding, implicit coercion, the dispatch over expression kinds, and the leaves (literals, column
 * reads). Each other kind of expression is compiled by a plain function in a compile-*.ts module
 * that takes this compiler as its first argument; those modules import this one for its type only.
 */
import { AnalysisError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { Decimal } from '../types/decimal.js';
import { T, formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { resolveTypeNode } from '../types/type-node.js';
import { compileCast, type Converter } from './cast.js';
import type { ColumnInfo, CompileContext, Scope } from './compile.js';
import { arithmetic, negation } from './compile-arithmetic.js';
import { functionCall, lambdaBinding, lambdaVarNode } from './compile-calls.js';
import { caseExpr, logical, requireBoolean } from './compile-logic.js';
import { EMPTY_ROW, ErrorSink, constNode, type CNode, type Eval, type LambdaBinding } from './compile-node.js';
import { between, comparison, distinctFrom, inList, like } from './compile-predicates.js';
import { arrayConstructor, dereference, mapConstructor, structConstructor, subscript } from './compile-structured.js';
import { formatExpression } from './format.js';
import { parseDate, parseTime, parseTimestamp } from './temporal.js';
import { convertLiteral, decimalOf, isLiteral, resolveCommonType } from './user-list.js';

export class Compiler {
  /** Innermost last: the parameters of the lambdas whose bodies are being compiled. */
  readonly lambdaScopes: Map<string, LambdaBinding>[] = [];
  readonly sink: ErrorSink;

  constructor(
    private readonly scope: Scope,
    readonly ctx: CompileContext,
  ) {
    this.sink = new ErrorSink(ctx.onRowError);
  }

  /** Folds a node whose inputs are all constant by evaluating it once. */
  fold(type: SqlType, ev: Eval, inputsConstant: boolean): CNode {
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
  guarded(node: CNode, conv: Converter, type: SqlType): CNode {
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
  coerceNode(node: CNode, to: SqlType): CNode {
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
        const b = lambdaBinding(this, e.name);
        if (!b) throw new AnalysisError(`Lambda variable '${e.name}' is not bound`, e.pos);
        return lambdaVarNode(b);
      }
      case 'Lambda':
        throw new AnalysisError(`Lambda expressions can only be used as function arguments: ${formatExpression(e)}`, e.pos);
      case 'Star':
        throw new AnalysisError(`'*' is not valid in this expression`, e.pos);
      case 'IntervalUnit':
        // A bare time-unit keyword argument (DATEADD(DAYS, ...)): functions take it as its name.
        return constNode(T.STRING, e.unit);
      case 'Dereference':
        return dereference(this, e);
      case 'Subscript':
        return subscript(this, e);
      case 'FunctionCall':
        return functionCall(this, e);
      case 'Cast': {
        const to = resolveTypeNode(e.type, this.ctx.customTypes);
        const inner = this.compile(e.expr);
        if (inner.type.kind === 'NULL') return constNode(to, null);
        if (typeEquals(inner.type, to)) return inner;
        return this.guarded(inner, compileCast(inner.type, to), to);
      }
      case 'CaseExpr':
        return caseExpr(this, e);
      case 'Between':
        return between(this, e);
      case 'InList':
        return inList(this, e);
      case 'Like':
        return like(this, e);
      case 'IsNull': {
        const v = this.compile(e.value);
        const ev = v.ev;
        return this.fold(T.BOOLEAN, e.not ? (row) => ev(row) != null : (row) => ev(row) == null, v.constant);
      }
      case 'IsDistinctFrom':
        return distinctFrom(this, e);
      case 'Comparison':
        return comparison(this, e.op, e.left, e.right, e);
      case 'Arithmetic':
        return arithmetic(this, e);
      case 'Negation':
        return negation(this, e);
      case 'Not': {
        const v = this.compile(e.value);
        requireBoolean(v, e.value, 'NOT');
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
        return logical(this, e);
      case 'ArrayConstructor':
        return arrayConstructor(this, e);
      case 'MapConstructor':
        return mapConstructor(this, e);
      case 'StructConstructor':
        return structConstructor(this, e);
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

  private columnRef(source: string | undefined, name: string, e: Expr): CNode {
    if (source === undefined) {
      const b = lambdaBinding(this, name);
      if (b) return lambdaVarNode(b);
    }
    const c = this.scope.resolveColumn(source, name);
    if (!c) {
      const text = source ? `${source}.${name}` : name;
      const clause = this.ctx.clause;
      throw new AnalysisError(clause ? `${clause} column '${text}' cannot be resolved.` : `Column '${text}' cannot be resolved.`, e.pos);
    }
    return this.columnNode(c);
  }

  // ------------------------------------------------------------------ common types of user lists

  /** Converts a list item to the list's common type: literals at plan time, expressions by CAST. */
  toCommon(n: CNode, e: Expr, common: SqlType): CNode {
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
  toListType(n: CNode, e: Expr, target: SqlType): CNode {
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

  commonOf(exprs: readonly Expr[], nodes: readonly CNode[]): SqlType | undefined {
    return resolveCommonType(
      exprs.map((x, i) => ({ expr: x, type: nodes[i]!.type })),
      (x) => this.compile(x).type,
    );
  }
}
