/**
 * Boolean logic and conditionals: the BOOLEAN operand check, three-valued AND / OR, and CASE
 * (searched and simple), whose branches are brought to a common type.
 */
import { AnalysisError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { T, formatType, type SqlType } from '../types/sql-type.js';
import type { Compiler } from './compiler.js';
import type { CNode, Eval } from './compile-node.js';
import { comparison } from './compile-predicates.js';
import { formatExpression } from './format.js';

export function requireBoolean(n: CNode, e: Expr, what: string): void {
  if (n.type.kind !== 'BOOLEAN' && n.type.kind !== 'NULL')
    throw new AnalysisError(`${what} operand must be of type BOOLEAN, but ${formatExpression(e)} is ${formatType(n.type)}`, e.pos);
}

export function logical(c: Compiler, e: Extract<Expr, { kind: 'LogicalBinary' }>): CNode {
  const l = c.compile(e.left);
  const r = c.compile(e.right);
  requireBoolean(l, e.left, e.op);
  requireBoolean(r, e.right, e.op);
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
  return c.fold(T.BOOLEAN, ev, l.constant && r.constant);
}

export function caseExpr(c: Compiler, e: Extract<Expr, { kind: 'CaseExpr' }>): CNode {
  const conds: CNode[] = e.whens.map((w) => {
    if (e.operand) return comparison(c, '=', e.operand, w.when, w.when);
    const cond = c.compile(w.when);
    if (cond.type.kind !== 'BOOLEAN' && cond.type.kind !== 'NULL')
      throw new AnalysisError(`WHEN operand type should be boolean. Type for '${formatExpression(w.when)}' is ${formatType(cond.type)}`, w.when.pos);
    return cond;
  });
  const resultExprs = [...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])];
  const results = resultExprs.map((x) => c.compile(x));
  let common: SqlType | undefined;
  try {
    common = c.commonOf(resultExprs, results);
  } catch (err) {
    if (err instanceof AnalysisError) throw new AnalysisError(`Invalid Case expression. ${err.message}`, e.pos);
    throw err;
  }
  if (!common) throw new AnalysisError('Invalid Case expression. All case branches have NULL type', e.pos);
  const conv = results.map((n, i) => c.toCommon(n, resultExprs[i]!, common));
  const condEvs = conds.map((x) => x.ev);
  const thenEvs = conv.slice(0, e.whens.length).map((x) => x.ev);
  const elseEv = e.else ? conv[conv.length - 1]!.ev : undefined;
  const n = condEvs.length;
  const ev: Eval = (row) => {
    for (let i = 0; i < n; i++) if (condEvs[i]!(row) === true) return thenEvs[i]!(row);
    return elseEv ? elseEv(row) : null;
  };
  return c.fold(common, ev, conds.every((x) => x.constant) && conv.every((x) => x.constant));
}
