/** Helpers shared by the aggregate-function modules. */
import { AnalysisError, ExecutionError } from '../../errors.js';
import type { SqlType } from '../../types/sql-type.js';
import { compareValues } from '../scalar/sql-values.js';
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

/** Orders two non-null values of one SQL type. */
export type Comparator = (a: unknown, b: unknown) => number;

const cmpPlain: Comparator = (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);

/** The cheapest correct comparison for a type: integral numbers and strings compare directly. */
export function comparatorFor(t: SqlType): Comparator {
  switch (t.kind) {
    case 'INTEGER':
    case 'BIGINT':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
    case 'STRING':
      return cmpPlain;
    default:
      return compareValues; // Double.compareTo (NaN, -0.0), Decimal, Buffer
  }
}
