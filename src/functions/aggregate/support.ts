/** Helpers shared by the aggregate-function modules. */
import { AnalysisError, ExecutionError } from '../../errors.js';
import type { SqlType } from '../../types/sql-type.js';
import type { ParamType } from '../types.js';
import type { AggregateFunction, AggregateOverload } from './types.js';

export { p, ANY_DECIMAL, GENERIC_T } from '../scalar/support.js';

export const ANY: ParamType = { kind: 'ANY' };
export const generic = (name: string): ParamType => ({ kind: 'GENERIC', name });
export const arrayOf = (element: ParamType): ParamType => ({ kind: 'ARRAY', element });

export function aggregate(name: string, description: string, overloads: readonly AggregateOverload[]): AggregateFunction {
  return { kind: 'aggregate', name, category: 'AGGREGATE', description, overloads };
}

/** A bad init argument, found when the query is planned (ksqlDB's KsqlFunctionException at creation). */
export function initArgError(message: string): AnalysisError {
  return new AnalysisError(message);
}

/** A failure while aggregating that stops the query in ksqlDB (e.g. decimal overflow). */
export function aggregateFailure(message: string): ExecutionError {
  return new ExecutionError(message);
}

/** An integer engine property (a string, as config values arrive); a negative value means no limit. */
export function limitConfig(config: Readonly<Record<string, string>>, key: string): number {
  const raw = config[key];
  if (raw === undefined || raw === null) return Number.MAX_SAFE_INTEGER;
  const n = typeof raw === 'number' ? raw : Number.parseInt(String(raw), 10);
  if (!Number.isFinite(n)) throw initArgError(`Invalid value for ${key}: ${raw}`);
  return n < 0 ? Number.MAX_SAFE_INTEGER : Math.trunc(n);
}

/** The type the first argument resolved to. */
export const firstArgType = (args: { readonly types: readonly SqlType[] }): SqlType => args.types[0]!;

/** Java int arithmetic wraps at 32 bits. */
export const int32 = (n: number): number => n | 0;
