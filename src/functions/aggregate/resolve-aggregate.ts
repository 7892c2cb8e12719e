/**
 * Overload resolution for aggregate calls. Same rules as scalar functions (resolveOverload), plus
 * what UDAFs need: the variadic parameter may sit anywhere (VAR_ARG(col, STRING...),
 * MID_VAR_ARG(col, STRING..., INT, INT), MULTI_ARG(col, col, INT, STRING...)), non-variadic overloads
 * win over variadic ones, and the trailing init arguments must be literals.
 */
import { AnalysisError } from '../../errors.js';
import { formatType, type SqlType } from '../../types/sql-type.js';
import { formatParamType, resolveOverload, type ArgInfo } from '../resolve.js';
import type { Param } from '../types.js';
import type { AggregateFunction, AggregateOverload } from './types.js';

export interface AggregateResolution {
  readonly overload: AggregateOverload;
  /** Per call argument, the type it converts to (variadic arguments expanded). */
  readonly argTypes: readonly SqlType[];
  readonly generics: ReadonlyMap<string, SqlType>;
  readonly returnType: SqlType;
  /** The first `columnArgCount` call arguments are evaluated per row and passed to add(). */
  readonly columnArgCount: number;
  /** The remaining call arguments are literals, passed (as values) to create(). */
  readonly initArgCount: number;
}

interface Expanded {
  readonly params: readonly Param[];
  readonly returns: AggregateOverload['returns'];
  readonly variadic: false;
  readonly original: AggregateOverload;
  readonly initArgs: number;
}

function expand(o: AggregateOverload, argCount: number): Expanded | undefined {
  const init = o.initParams ?? 0;
  if (!o.variadic) {
    return o.params.length === argCount ? { params: o.params, returns: o.returns, variadic: false, original: o, initArgs: init } : undefined;
  }
  const vi = o.variadicIndex ?? o.params.length - 1;
  const reps = argCount - (o.params.length - 1);
  if (reps < 0) return undefined;
  const params = [...o.params.slice(0, vi), ...Array.from({ length: reps }, () => o.params[vi]!), ...o.params.slice(vi + 1)];
  const variadicIsInit = vi >= o.params.length - init;
  return { params, returns: o.returns, variadic: false, original: o, initArgs: variadicIsInit ? init - 1 + reps : init };
}

/**
 * Resolves `fn` for the call's arguments. `argText` (the arguments' SQL text) words the error when an
 * init argument is not a literal.
 */
export function resolveAggregate(fn: AggregateFunction, args: readonly ArgInfo[], argText?: readonly string[]): AggregateResolution {
  const fixed: Expanded[] = [];
  const variadic: Expanded[] = [];
  for (const o of fn.overloads) {
    const e = expand(o, args.length);
    if (e) (o.variadic ? variadic : fixed).push(e);
  }
  for (const group of [fixed, variadic]) {
    if (group.length === 0) continue;
    let r;
    try {
      r = resolveOverload(fn.name, group, args);
    } catch (err) {
      if (err instanceof AnalysisError && !/does not accept parameters/.test(err.message)) throw err;
      continue;
    }
    const initArgCount = r.overload.initArgs;
    const columnArgCount = args.length - initArgCount;
    for (let i = columnArgCount; i < args.length; i++) {
      if (args[i]!.literal === undefined) {
        throw new AnalysisError(
          `Parameter ${i + 1} passed to function ${fn.name} must be a literal constant, but was expression: '${argText?.[i] ?? '?'}'`,
        );
      }
    }
    return { overload: r.overload.original, argTypes: r.argTypes, generics: r.generics, returnType: r.returnType, columnArgCount, initArgCount };
  }
  throw new AnalysisError(
    `Function '${fn.name}' does not accept parameters (${args.map(describeArg).join(', ')}).\n` +
      `Valid alternatives are:\n${fn.overloads.map((o) => signature(fn.name, o)).join('\n')}\n` +
      'For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;',
  );
}

function describeArg(a: ArgInfo): string {
  if (a.lambda) return 'LAMBDA';
  return !a.type || a.type.kind === 'NULL' ? 'null' : formatType(a.type);
}

function signature(name: string, o: AggregateOverload): string {
  const vi = o.variadic ? (o.variadicIndex ?? o.params.length - 1) : -1;
  const ps = o.params.map((p, i) => `${formatParamType(p.type)}${i === vi ? '...' : ''} ${p.name}`);
  return `${name}(${ps.join(', ')})`;
}
