/**
 * Function calls and lambdas: resolving a call's overload against its argument types, the call
 * closure (NULL-on-NULL input, variadic tail, row errors), and lambda arguments — their bodies
 * compiled with the parameters bound to slots of a frame, and the JS function a lambda becomes.
 */
import { AnalysisError } from '../errors.js';
import type { FunctionCall, Lambda } from '../parser/ast.js';
import { resolveOverload, type ArgInfo, type OverloadLike } from '../functions/resolve.js';
import type { SqlType } from '../types/sql-type.js';
import type { Compiler } from './compiler.js';
import { EMPTY_ROW, type CNode, type Eval, type LambdaBinding } from './compile-node.js';

// ------------------------------------------------------------------ lambda variables

/** The innermost binding of a lambda parameter name, if any lambda being compiled declares it. */
export function lambdaBinding(c: Compiler, name: string): LambdaBinding | undefined {
  for (let i = c.lambdaScopes.length - 1; i >= 0; i--) {
    const b = c.lambdaScopes[i]!.get(name);
    if (b) return b;
  }
  return undefined;
}

export function lambdaVarNode(b: LambdaBinding): CNode {
  const { frame, slot } = b;
  return { type: b.type, ev: () => frame[slot], constant: false };
}

// ------------------------------------------------------------------ function calls

export function functionCall(c: Compiler, e: FunctionCall): CNode {
  const fn = c.ctx.functions.scalar(e.name);
  if (!fn) {
    if (c.ctx.functions.table(e.name))
      throw new AnalysisError(`Table function ${e.name} can only be used in the SELECT clause of a query on a stream.`, e.pos);
    throw new AnalysisError(`Can't find any functions with the name '${e.name}'`, e.pos);
  }
  return compileCall(c, e, fn.overloads, true);
}

/** Compiles a lambda body for given parameter types; returns its node and the frame its parameters live in. */
function lambdaBody(c: Compiler, l: Lambda, params: readonly SqlType[]): { body: CNode; frame: unknown[] } {
  const frame = new Array<unknown>(l.params.length).fill(null);
  const bindings = new Map<string, LambdaBinding>();
  l.params.forEach((name, slot) => bindings.set(name, { frame, slot, type: params[slot]! }));
  c.lambdaScopes.push(bindings);
  try {
    return { body: c.compile(l.body), frame };
  } finally {
    c.lambdaScopes.pop();
  }
}

export function compileCall(
  c: Compiler,
  e: FunctionCall,
  overloads: readonly (OverloadLike & { readonly impl: (...args: never[]) => unknown })[],
  foldable: boolean,
): CNode {
  const args = e.args.filter((a) => a.kind !== 'Star');
  const nodes: (CNode | undefined)[] = args.map((a) => (a.kind === 'Lambda' ? undefined : c.compile(a)));
  const infos: ArgInfo[] = args.map((a, i) => {
    if (a.kind === 'Lambda')
      return { lambda: { arity: a.params.length, bodyType: (ps: readonly SqlType[]) => lambdaBody(c, a, ps).body.type } };
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
      const { body, frame } = lambdaBody(c, a, lt.params);
      const b = c.coerceNode(body, lt.returns).ev;
      const fn = makeLambda(a.params.length, frame, b, cell);
      return () => fn;
    }
    return c.coerceNode(nodes[i]!, target).ev;
  });
  const impl = (o.specialize ? o.specialize({ types: res.argTypes, generics: res.generics, literals: infos.map((x) => x.literal ?? null) }) : o.impl) as (
    ...xs: unknown[]
  ) => unknown;
  const nArgs = argEvs.length;
  const fixed = o.variadic ? o.params.length - 1 : nArgs;
  const variadic = o.variadic === true;
  const nullOnNull = o.nullOnNullInput === true;
  const sink = c.sink;
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
  return c.fold(res.returnType, ev, foldable && allConst);
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
