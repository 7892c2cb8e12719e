/**
 * Predicates: comparisons, IS [NOT] DISTINCT FROM, BETWEEN, IN and LIKE — type-checking their
 * operands, planning how they compare (compare.ts), the ROWTIME-vs-timestamp-string rewrite, and
 * building the closures (the comparison closures themselves are in comparison-closures.ts).
 */
import { AnalysisError } from '../errors.js';
import type { ComparisonOp, Expr } from '../parser/ast.js';
import { T, formatType, type SqlType } from '../types/sql-type.js';
import type { Converter } from './cast.js';
import { COMPARISON_NAMES, planComparison, type ComparisonPlan } from './compare.js';
import type { Compiler } from './compiler.js';
import { constNode, type CNode, type Eval } from './compile-node.js';
import { comparisonClosure } from './comparison-closures.js';
import { formatExpression } from './format.js';
import { likeToRegExp } from './like.js';
import { parseTimestamp } from './temporal.js';
import { resolveCommonType } from './user-list.js';
import { compareValues, valuesEqual } from './values.js';

const MAGIC_TIMESTAMP_COLUMNS = new Set(['ROWTIME', 'WINDOWSTART', 'WINDOWEND']);

/** ksqlDB rewrites `ROWTIME > '2020-01-01T00:00:00'` to compare with the timestamp's epoch millis. */
function magicTimestamp(expr: Expr, other: Expr, otherType: SqlType): CNode | undefined {
  if (expr.kind !== 'StringLiteral' || otherType.kind !== 'BIGINT') return undefined;
  if (other.kind !== 'ColumnRef' || !MAGIC_TIMESTAMP_COLUMNS.has(other.name)) return undefined;
  try {
    return constNode(T.BIGINT, parseTimestamp(expr.value));
  } catch {
    throw new AnalysisError(`Failed to parse timestamp '${expr.value}' compared with ${other.name}`);
  }
}

function compileComparable(c: Compiler, left: Expr, right: Expr): [CNode, CNode] {
  let l = c.compile(left);
  let r = c.compile(right);
  l = magicTimestamp(left, right, r.type) ?? l;
  r = magicTimestamp(right, left, l.type) ?? r;
  return [l, r];
}

function planOrThrow(l: CNode, r: CNode, left: Expr, right: Expr, opName: string, symbol: string, equalityOnly: boolean): ComparisonPlan {
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
function converted(c: Compiler, n: CNode, conv: Converter | undefined): CNode {
  return conv ? c.guarded(n, conv, n.type) : n;
}

export function comparison(c: Compiler, op: ComparisonOp, left: Expr, right: Expr, whole: Expr): CNode {
  void whole;
  const [l0, r0] = compileComparable(c, left, right);
  const plan = planOrThrow(l0, r0, left, right, COMPARISON_NAMES[op], op, op === '=' || op === '<>');
  const l = converted(c, l0, plan.convertLeft);
  const r = converted(c, r0, plan.convertRight);
  return c.fold(T.BOOLEAN, comparisonClosure(op, plan.kind, l, r), l.constant && r.constant);
}

export function distinctFrom(c: Compiler, e: Extract<Expr, { kind: 'IsDistinctFrom' }>): CNode {
  const [l0, r0] = compileComparable(c, e.left, e.right);
  let plan: ComparisonPlan = { kind: 'structural' };
  if (l0.type.kind !== 'NULL' && r0.type.kind !== 'NULL') plan = planOrThrow(l0, r0, e.left, e.right, e.not ? 'IS_NOT_DISTINCT_FROM' : 'IS_DISTINCT_FROM', 'IS DISTINCT FROM', true);
  const l = converted(c, l0, plan.convertLeft);
  const r = converted(c, r0, plan.convertRight);
  const le = l.ev;
  const re = r.ev;
  const eq = plan.kind === 'generic' ? (a: unknown, b: unknown) => compareValues(a, b) === 0 : valuesEqual;
  const not = e.not;
  return c.fold(
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

export function between(c: Compiler, e: Extract<Expr, { kind: 'Between' }>): CNode {
  const v0 = c.compile(e.value);
  let lo = c.compile(e.low);
  let hi = c.compile(e.high);
  lo = magicTimestamp(e.low, e.value, v0.type) ?? lo;
  hi = magicTimestamp(e.high, e.value, v0.type) ?? hi;
  // ksqlDB checks BETWEEN as the two comparisons it stands for.
  const check = (r: CNode, bound: Expr, op: string) => {
    try {
      return planOrThrow(v0, r, e.value, bound, op, 'BETWEEN', false);
    } catch (err) {
      throw err instanceof AnalysisError && err.message.startsWith('Cannot compare') ? new AnalysisError(`Invalid expression: ${err.message.replace(/\.$/, '')}`, err.pos) : err;
    }
  };
  const pl = check(lo, e.low, 'GREATER_THAN_OR_EQUAL');
  const ph = check(hi, e.high, 'LESS_THAN_OR_EQUAL');
  const ge = comparisonClosure('>=', pl.kind, converted(c, v0, pl.convertLeft), converted(c, lo, pl.convertRight));
  const le = comparisonClosure('<=', ph.kind, converted(c, v0, ph.convertLeft), converted(c, hi, ph.convertRight));
  const vev = v0.ev;
  const ev: Eval = e.not
    ? (row) => vev(row) != null && !(ge(row) && le(row))
    : (row) => ge(row) === true && le(row) === true;
  return c.fold(T.BOOLEAN, ev, v0.constant && lo.constant && hi.constant);
}

export function inList(c: Compiler, e: Extract<Expr, { kind: 'InList' }>): CNode {
  const exprs = [e.value, ...e.list];
  const nodes = exprs.map((x) => c.compile(x));
  let common: SqlType | undefined;
  try {
    common = resolveCommonType(
      exprs.map((x, i) => ({ expr: x, type: nodes[i]!.type })),
      (x) => c.compile(x).type,
    );
  } catch (err) {
    if (err instanceof AnalysisError) throw new AnalysisError(`Invalid Predicate: ${err.message}`, e.pos);
    throw err;
  }
  if (!common) return constNode(T.BOOLEAN, false);
  const conv = nodes.map((n, i) => c.toCommon(n, exprs[i]!, common));
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
  return c.fold(T.BOOLEAN, ev, conv.every((n) => n.constant));
}

export function like(c: Compiler, e: Extract<Expr, { kind: 'Like' }>): CNode {
  const v = c.compile(e.value);
  const p = c.compile(e.pattern);
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
  return c.fold(T.BOOLEAN, ev, v.constant && p.constant);
}
