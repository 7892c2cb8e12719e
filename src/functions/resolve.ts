/**
 * Overload resolution for scalar and table functions, from argument types, as ksqlDB's UdfIndex:
 * first without implicit casts, then with them; among matching overloads a non-variadic one beats a
 * variadic one, then more declared parameters win, then fewer generic parameters; a remaining tie
 * is ambiguous. NULL arguments match any parameter. Generic variables bind to argument types
 * (widening to a wider type when casts are allowed). Lambda arguments are typed against the
 * LAMBDA_PARAM pattern once the generics of the other arguments are bound.
 */
import { AnalysisError } from '../errors.js';
import { T, formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { canImplicitlyCast, coerceType, isTemporal, toDecimalType } from '../expr/coerce.js';
import type { ParamType, ResolvedArgs, ScalarOverload } from './types.js';

/** What the resolver knows about one argument. */
export interface ArgInfo {
  /** Type of a non-lambda argument (kind NULL for a bare NULL literal). */
  readonly type?: SqlType;
  /** For a lambda argument: its arity, and a callback typing its body for given parameter types (throws AnalysisError). */
  readonly lambda?: { readonly arity: number; readonly bodyType: (params: readonly SqlType[]) => SqlType };
  /** The text of a string literal argument (may convert to DATE/TIME/TIMESTAMP implicitly). */
  readonly stringLiteral?: string;
  /** Plan-time value when the argument is constant, else undefined. */
  readonly literal?: unknown;
}

export type OverloadLike = Omit<ScalarOverload, 'impl'>;

export interface Resolution<O extends OverloadLike> {
  readonly overload: O;
  /** Per argument, the type the argument must be converted to (a LambdaType for lambdas). */
  readonly argTypes: readonly SqlType[];
  readonly generics: ReadonlyMap<string, SqlType>;
  readonly returnType: SqlType;
}

interface Candidate<O extends OverloadLike> {
  readonly overload: O;
  readonly generics: Map<string, SqlType>;
  readonly lambdaTypes: Map<number, SqlType>;
}

export function resolveOverload<O extends OverloadLike>(name: string, overloads: readonly O[], args: readonly ArgInfo[]): Resolution<O> {
  let lambdaError: unknown;
  for (const allowCasts of [false, true]) {
    const found: Candidate<O>[] = [];
    for (const o of overloads) {
      try {
        const c = tryMatch(o, args, allowCasts);
        if (c) found.push(c);
      } catch (e) {
        lambdaError ??= e;
      }
    }
    if (found.length === 0) continue;
    found.sort((a, b) => rank(b.overload) - rank(a.overload) || genericCount(a.overload) - genericCount(b.overload));
    if (found.length > 1 && rank(found[0]!.overload) === rank(found[1]!.overload) && genericCount(found[0]!.overload) === genericCount(found[1]!.overload)) {
      throw new AnalysisError(
        `Function '${displayName(name)}' cannot be resolved due to ambiguous method parameters ${argList(args)}.\n` +
          'Use CAST() to explicitly cast your parameters to one of the supported function calls.\n' +
          `Valid function calls are:\n${signatures(name, overloads)}\nFor detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;`,
      );
    }
    return finish(name, found[0]!, args);
  }
  if (lambdaError instanceof AnalysisError) throw lambdaError;
  throw new AnalysisError(
    `Function '${displayName(name)}' does not accept parameters ${argList(args)}.\nValid alternatives are:\n${signatures(name, overloads)}\n` +
      'For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;',
  );
}

function displayName(name: string): string {
  return name.toLowerCase();
}

/** Non-variadic beats variadic, then more declared parameters. */
function rank(o: OverloadLike): number {
  return (o.variadic ? 0 : 1000) + o.params.length;
}

function genericCount(o: OverloadLike): number {
  return o.params.filter((p) => hasGenerics(p.type)).length;
}

function hasGenerics(p: ParamType): boolean {
  switch (p.kind) {
    case 'GENERIC':
      return true;
    case 'ARRAY':
      return hasGenerics(p.element as ParamType);
    case 'MAP':
      return hasGenerics(p.key as ParamType) || hasGenerics(p.value as ParamType);
    case 'LAMBDA_PARAM':
      return p.params.some(hasGenerics) || hasGenerics(p.returns);
    default:
      return false;
  }
}

function paramFor(o: OverloadLike, i: number): ParamType | undefined {
  const n = o.params.length;
  if (o.variadic && i >= n - 1) return o.params[n - 1]?.type;
  return o.params[i]?.type;
}

function tryMatch<O extends OverloadLike>(o: O, args: readonly ArgInfo[], allowCasts: boolean): Candidate<O> | undefined {
  const n = o.params.length;
  if (o.variadic ? args.length < n - 1 : args.length !== n) return undefined;
  const generics = new Map<string, SqlType>();
  // Non-lambda arguments first: they bind the generics the lambdas' parameters need.
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const p = paramFor(o, i)!;
    if (a.lambda) {
      if (p.kind !== 'LAMBDA_PARAM' || p.params.length !== a.lambda.arity) return undefined;
      continue;
    }
    if (p.kind === 'LAMBDA_PARAM') return undefined;
    if (!matches(p, a.type ?? T.NULL, generics, allowCasts, a.stringLiteral !== undefined)) return undefined;
  }
  const lambdaTypes = new Map<number, SqlType>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.lambda) continue;
    const p = paramFor(o, i) as Extract<ParamType, { kind: 'LAMBDA_PARAM' }>;
    const paramTypes: SqlType[] = [];
    for (const lp of p.params) {
      const t = substitute(lp, generics);
      if (!t) return undefined;
      paramTypes.push(t);
    }
    const body = a.lambda.bodyType(paramTypes);
    if (!matches(p.returns, body, generics, true, false)) return undefined;
    const returns = substitute(p.returns, generics) ?? body;
    lambdaTypes.set(i, { kind: 'LAMBDA', params: paramTypes, returns });
  }
  return { overload: o, generics, lambdaTypes };
}

/** Does an argument of type `actual` fit pattern `p`? Binds generics as a side effect. */
function matches(p: ParamType, actual: SqlType, generics: Map<string, SqlType>, allowCasts: boolean, isStringLiteral: boolean): boolean {
  if (actual.kind === 'NULL') return true;
  switch (p.kind) {
    case 'ANY':
      return true;
    case 'ANY_DECIMAL':
      return actual.kind === 'DECIMAL' || (allowCasts && (actual.kind === 'INTEGER' || actual.kind === 'BIGINT'));
    case 'ANY_STRUCT':
      return actual.kind === 'STRUCT';
    case 'GENERIC': {
      const bound = generics.get(p.name);
      if (!bound || bound.kind === 'NULL') {
        generics.set(p.name, actual);
        return true;
      }
      if (typeEquals(bound, actual)) return true;
      if (!allowCasts) return false;
      if (coerceType(actual, bound)) return true;
      const wider = coerceType(bound, actual);
      if (wider) {
        generics.set(p.name, wider);
        return true;
      }
      return false;
    }
    case 'ARRAY':
      return actual.kind === 'ARRAY' && matches(p.element as ParamType, actual.element, generics, allowCasts, false);
    case 'MAP':
      return actual.kind === 'MAP' && matches(p.key as ParamType, actual.key, generics, allowCasts, false) && matches(p.value as ParamType, actual.value, generics, allowCasts, false);
    case 'LAMBDA_PARAM':
      return false;
    case 'DECIMAL':
      if (actual.kind === 'DECIMAL') return true;
      return allowCasts && (actual.kind === 'INTEGER' || actual.kind === 'BIGINT');
    default: {
      const concrete = p as SqlType;
      if (typeEquals(concrete, actual)) return true;
      if (!allowCasts) return false;
      if (isStringLiteral && actual.kind === 'STRING' && isTemporal(concrete)) return true;
      return canImplicitlyCast(actual, concrete);
    }
  }
}

/** A pattern with generics replaced; undefined when a generic is unbound. */
function substitute(p: ParamType, generics: ReadonlyMap<string, SqlType>): SqlType | undefined {
  switch (p.kind) {
    case 'GENERIC':
      return generics.get(p.name);
    case 'ARRAY': {
      const e = substitute(p.element as ParamType, generics);
      return e && T.array(e);
    }
    case 'MAP': {
      const k = substitute(p.key as ParamType, generics);
      const v = substitute(p.value as ParamType, generics);
      return k && v && T.map(k, v);
    }
    case 'ANY':
    case 'ANY_DECIMAL':
    case 'ANY_STRUCT':
      return undefined;
    case 'LAMBDA_PARAM': {
      const ps = p.params.map((x) => substitute(x, generics));
      const r = substitute(p.returns, generics);
      if (!r || ps.some((x) => !x)) return undefined;
      return { kind: 'LAMBDA', params: ps as SqlType[], returns: r };
    }
    default:
      return p as SqlType;
  }
}

/** The type an argument converts to for parameter pattern `p`. */
function targetType(p: ParamType, actual: SqlType, generics: ReadonlyMap<string, SqlType>): SqlType {
  if (actual.kind === 'NULL') return substitute(p, generics) ?? T.NULL;
  switch (p.kind) {
    case 'ANY':
    case 'ANY_STRUCT':
      return actual;
    case 'ANY_DECIMAL':
    case 'DECIMAL':
      return actual.kind === 'DECIMAL' ? actual : toDecimalType(actual);
    default: {
      // Patterns that nest ANY inside ARRAY/MAP do not substitute: keep the argument's own type.
      return substitute(p, generics) ?? actual;
    }
  }
}

function finish<O extends OverloadLike>(name: string, c: Candidate<O>, args: readonly ArgInfo[]): Resolution<O> {
  const argTypes = args.map((a, i) => c.lambdaTypes.get(i) ?? targetType(paramFor(c.overload, i)!, a.type ?? T.NULL, c.generics));
  const r = c.overload.returns;
  let returnType: SqlType | undefined;
  if (typeof r === 'function') {
    const resolved: ResolvedArgs = { types: argTypes, generics: c.generics, literals: args.map((a) => (a.literal === undefined ? null : a.literal)) };
    returnType = r(resolved);
  } else {
    returnType = substitute(r, c.generics);
  }
  if (!returnType)
    throw new AnalysisError(`Function '${displayName(name)}' cannot be resolved: cannot infer its return type from parameters ${argList(args)}.`);
  return { overload: c.overload, argTypes, generics: c.generics, returnType };
}

function argList(args: readonly ArgInfo[]): string {
  return '(' + args.map((a) => (a.lambda ? 'LAMBDA' : !a.type || a.type.kind === 'NULL' ? 'null' : formatType(a.type))).join(', ') + ')';
}

/** A parameter pattern as DESCRIBE FUNCTION / error messages print it. */
export function formatParamType(p: ParamType): string {
  switch (p.kind) {
    case 'GENERIC':
      return p.name;
    case 'ANY':
      return 'ANY';
    case 'ANY_DECIMAL':
    case 'DECIMAL':
      return 'DECIMAL';
    case 'ANY_STRUCT':
      return 'STRUCT';
    case 'ARRAY':
      return `ARRAY<${formatParamType(p.element as ParamType)}>`;
    case 'MAP':
      return `MAP<${formatParamType(p.key as ParamType)}, ${formatParamType(p.value as ParamType)}>`;
    case 'LAMBDA_PARAM':
      return `LAMBDA (${p.params.map(formatParamType).join(', ')}) => ${formatParamType(p.returns)}`;
    default:
      return formatType(p as SqlType);
  }
}

function signatures(name: string, overloads: readonly OverloadLike[]): string {
  return overloads
    .map((o) => {
      const ps = o.params.map((p, i) => {
        const t = formatParamType(p.type) + (o.variadic && i === o.params.length - 1 ? '...' : '');
        return p.name ? `${t} ${p.name}` : t;
      });
      return `${displayName(name)}(${ps.join(', ')})`;
    })
    .join('\n');
}
