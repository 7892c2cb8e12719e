/** Generic helpers over expression trees: rewriting, structural equality, visiting. */
import type { Expr } from '../parser/ast.js';

/**
 * Rebuild an expression bottom-up-on-demand: `fn` may return a replacement for a node (its children
 * are then not visited); returning undefined recurses into the node's children.
 */
export function mapExpr(e: Expr, fn: (node: Expr) => Expr | undefined): Expr {
  const r = fn(e);
  if (r !== undefined) return r;
  const m = (x: Expr) => mapExpr(x, fn);
  switch (e.kind) {
    case 'Dereference':
      return { ...e, base: m(e.base) };
    case 'Subscript':
      return { ...e, base: m(e.base), index: m(e.index) };
    case 'FunctionCall':
      return { ...e, args: e.args.map(m) };
    case 'Lambda':
      return { ...e, body: m(e.body) };
    case 'Cast':
      return { ...e, expr: m(e.expr) };
    case 'CaseExpr':
      return {
        ...e,
        ...(e.operand ? { operand: m(e.operand) } : {}),
        whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })),
        ...(e.else ? { else: m(e.else) } : {}),
      };
    case 'Between':
      return { ...e, value: m(e.value), low: m(e.low), high: m(e.high) };
    case 'InList':
      return { ...e, value: m(e.value), list: e.list.map(m) };
    case 'Like':
      return { ...e, value: m(e.value), pattern: m(e.pattern) };
    case 'IsNull':
      return { ...e, value: m(e.value) };
    case 'IsDistinctFrom':
    case 'Comparison':
    case 'Arithmetic':
    case 'LogicalBinary':
      return { ...e, left: m(e.left), right: m(e.right) };
    case 'Negation':
    case 'Not':
      return { ...e, value: m(e.value) };
    case 'ArrayConstructor':
      return { ...e, items: e.items.map(m) };
    case 'MapConstructor':
      return { ...e, entries: e.entries.map((en) => ({ key: m(en.key), value: m(en.value) })) };
    case 'StructConstructor':
      return { ...e, fields: e.fields.map((f) => ({ name: f.name, value: m(f.value) })) };
    default:
      return e;
  }
}

/** Visit every node (pre-order). */
export function visitExpr(e: Expr, fn: (node: Expr) => void): void {
  mapExpr(e, (n) => {
    fn(n);
    return undefined;
  });
}

/** Structural equality ignoring positions and source qualifiers of column references. */
export function exprEquals(a: Expr, b: Expr): boolean {
  return canonical(a) === canonical(b);
}

function canonical(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'pos' || (k === 'source' && typeof v === 'string') ? undefined : v));
}
