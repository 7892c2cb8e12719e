/**
 * Function descriptors: one per SQL function (scalar, aggregate, table). A descriptor carries its
 * documentation (DESCRIBE FUNCTION, SHOW FUNCTIONS) and its overloads; the expression compiler
 * resolves an overload from the argument types once, at plan time, and calls `impl` per row.
 */
import type { SqlType } from '../types/sql-type.js';

/**
 * A parameter type pattern. Concrete SqlTypes match by implicit-cast rules (INTEGER → BIGINT →
 * DECIMAL → DOUBLE widen; NULL matches anything). Generic variables bind to the argument type and
 * must agree across parameters ('T' in ARRAY<T> and T).
 */
export type ParamType =
  | SqlType
  | { readonly kind: 'ANY' }
  /** Any DECIMAL regardless of precision/scale. */
  | { readonly kind: 'ANY_DECIMAL' }
  | { readonly kind: 'GENERIC'; readonly name: string }
  | { readonly kind: 'ARRAY'; readonly element: ParamType }
  | { readonly kind: 'MAP'; readonly key: ParamType; readonly value: ParamType }
  /** Any STRUCT. */
  | { readonly kind: 'ANY_STRUCT' }
  /** A lambda argument: `params` are the types the function will pass in, `returns` the body's type. */
  | { readonly kind: 'LAMBDA_PARAM'; readonly params: readonly ParamType[]; readonly returns: ParamType };

export interface Param {
  readonly name: string;
  readonly type: ParamType;
  readonly description?: string;
}

/** Resolved argument types (after implicit casts), and generic bindings. */
export interface ResolvedArgs {
  readonly types: readonly SqlType[];
  readonly generics: ReadonlyMap<string, SqlType>;
  /**
   * Literal values of arguments that are constant at plan time (null entry when not constant).
   * Lets e.g. a function whose return type depends on a literal argument decide it.
   */
  readonly literals: readonly unknown[];
}

/**
 * One overload. `impl` receives the argument values in order (after implicit casts to the declared
 * parameter types); a variadic overload receives its trailing arguments as one array. Lambda
 * arguments arrive as plain JS functions. Values follow the representation in src/types/sql-type.ts.
 * An exception thrown by `impl` becomes a processing-log entry and a NULL result, as in ksqlDB.
 */
export interface ScalarOverload {
  readonly params: readonly Param[];
  /** The last param repeats (its type is the element type, e.g. STRING for `VARCHAR...`). */
  readonly variadic?: boolean;
  /** Result type: a pattern resolved with the generic bindings, or computed from the arguments. */
  readonly returns: ParamType | ((args: ResolvedArgs) => SqlType);
  /** When true the compiler returns NULL without calling impl if any argument is NULL. */
  readonly nullOnNullInput?: boolean;
  readonly impl: (...args: never[]) => unknown;
  /**
   * Optional: build a type-specialised impl once at plan time from the resolved argument types
   * (e.g. TO_JSON_STRING must tell a DATE from an INT, both JS numbers). The compiler calls it when
   * present and uses the returned function instead of `impl`.
   */
  readonly specialize?: (args: ResolvedArgs) => (...args: never[]) => unknown;
  readonly description?: string;
}

export type FunctionCategory =
  | 'STRING'
  | 'MATHEMATICAL'
  | 'DATE / TIME'
  | 'JSON'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT'
  | 'LAMBDA'
  | 'CONDITIONAL'
  | 'CONVERSIONS'
  | 'REGULAR EXPRESSION'
  | 'URL'
  | 'AGGREGATE'
  | 'TABLE'
  | 'OTHER';

export interface ScalarFunction {
  readonly kind: 'scalar';
  /** Upper-case SQL name. */
  readonly name: string;
  readonly category: FunctionCategory;
  readonly description: string;
  readonly overloads: readonly ScalarOverload[];
}

/** A table function (EXPLODE, CUBE_EXPLODE): one input row becomes zero or more output values. */
export interface TableFunction {
  readonly kind: 'table';
  readonly name: string;
  readonly category: 'TABLE';
  readonly description: string;
  readonly overloads: readonly (Omit<ScalarOverload, 'impl'> & { readonly impl: (...args: never[]) => readonly unknown[] | null })[];
}
