/**
 * Aggregate functions (UDAFs): COUNT, SUM, AVG, TOPK, LATEST_BY_OFFSET, ...
 *
 * A call such as `TOPK(price, 3)` has column arguments (evaluated per row) followed by literal
 * "init" arguments (constants fixed at plan time). The planner resolves the overload from the
 * argument types (same rules as scalar functions, src/functions/resolve.ts), evaluates the init
 * arguments once, and calls `create` to get an Aggregator for the query.
 *
 * Accumulators live in memory for hot keys and in SQLite otherwise, so they must round-trip
 * through `serialize` / `deserialize` exactly.
 */
import type { SqlType } from '../../types/sql-type.js';
import type { Param, ParamType, ResolvedArgs } from '../types.js';

export interface Aggregator<A = unknown> {
  /** A fresh accumulator for a new group (or window). */
  initial(): A;
  /**
   * Fold one row's column-argument values in (one value per column argument as called, in order,
   * variadic ones expanded; for a single column parameter `args[0]`). May mutate and return `acc`.
   * `args` is reused for the next row: keep its values, never the array.
   */
  add(acc: A, args: readonly unknown[]): A;
  /**
   * Remove a row previously added (table aggregation: a row of the source table changed or was
   * deleted). Absent when the function cannot be undone — ksqlDB rejects it on table sources.
   */
  undo?(acc: A, args: readonly unknown[]): A;
  /** Combine two accumulators (session windows merging). Absent: not usable with SESSION windows. */
  merge?(a: A, b: A): A;
  /** The value of the aggregate column (a fresh value: later add() calls do not change it). */
  result(acc: A): unknown;
  serialize(acc: A): string;
  deserialize(text: string): A;
}

export interface AggregateOverload {
  /** Column parameters, then init parameters (the last `initParams` of them are literals). */
  readonly params: readonly Param[];
  /** How many trailing params are literal init arguments (e.g. 1 for TOPK(col, k)). */
  readonly initParams?: number;
  /**
   * One param repeats (zero or more times). Which one: `variadicIndex`, else the last param. It may be
   * a column param (VAR_ARG(col, STRING...)), a middle one (MID_VAR_ARG(col, STRING..., INT, INT)) or
   * an init param (MULTI_ARG(col, col, INT, STRING...)). Use resolveAggregate (resolve-aggregate.ts).
   */
  readonly variadic?: boolean;
  readonly variadicIndex?: number;
  /**
   * True when ksqlDB's intermediate (aggregate) type is a STRUCT, ARRAY or MAP: formats that cannot
   * hold such values (DELIMITED, KAFKA) reject the query ("One of the functions used in the statement
   * has an intermediate type that the value format can not handle. ...").
   */
  readonly complexState?: boolean;
  /** Result type: a pattern resolved with the generic bindings, or computed from the arguments. */
  readonly returns: ParamType | ((args: ResolvedArgs) => SqlType);
  /**
   * Build the aggregator. `args.types` are the resolved types of all arguments as called (variadic
   * ones expanded); `init` the values of the init arguments in call order (variadic ones expanded); `config` the engine properties (e.g. ksql.functions.collect_list.limit).
   * Throws an Error with ksqlDB's message for invalid init arguments.
   */
  create(args: ResolvedArgs, init: readonly unknown[], config: Readonly<Record<string, string>>): Aggregator;
  readonly description?: string;
}

export interface AggregateFunction {
  readonly kind: 'aggregate';
  /** Upper-case SQL name. */
  readonly name: string;
  readonly category: 'AGGREGATE';
  readonly description: string;
  readonly overloads: readonly AggregateOverload[];
}
