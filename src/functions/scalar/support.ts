/**
 * Small helpers shared by the scalar-function modules (part A): parameter shorthands and the
 * optional plan-time specialisation hook.
 */
import type { Param, ParamType, ResolvedArgs, ScalarOverload } from '../types.js';

export const p = (name: string, type: ParamType, description?: string): Param =>
  description === undefined ? { name, type } : { name, type, description };

export const ANY_DECIMAL: ParamType = { kind: 'ANY_DECIMAL' };
export const GENERIC_T: ParamType = { kind: 'GENERIC', name: 'T' };

/**
 * An overload whose implementation depends on the resolved argument types, not only on values:
 * e.g. TO_JSON_STRING must tell a DATE from an INTEGER, and a DOUBLE 1.0 from a BIGINT 1, which
 * share one JS representation. When `specialize` is present the expression compiler should call it
 * once at plan time and use the function it returns instead of `impl`; `impl` stays a best-effort
 * fallback that infers what it can from the values.
 */
export interface SpecializableOverload extends ScalarOverload {
  readonly specialize: (args: ResolvedArgs) => (...args: never[]) => unknown;
}

export function isSpecializable(o: ScalarOverload): o is SpecializableOverload {
  return typeof (o as Partial<SpecializableOverload>).specialize === 'function';
}
