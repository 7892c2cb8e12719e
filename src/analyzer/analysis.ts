/**
 * The analyzed query: what the analyzer makes of a SELECT (of a CSAS / CTAS / INSERT INTO, or a push
 * or pull query), whatever its shape, and what the planner (src/plan/planner.ts) turns into steps.
 * Expressions are ASTs here, resolved against the layouts named below.
 */
import type { Expr, FunctionCall } from '../parser/ast.js';
import type { AggregateOverload } from '../functions/aggregate/types.js';
import type { ResolvedArgs } from '../functions/types.js';
import type { SqlType } from '../types/sql-type.js';
import type { DataSource } from '../engine/metastore.js';
import type { LogicalSchema } from '../types/schema.js';
import type { LayoutColumn } from './row-scope.js';
import type { JoinNode, JoinSource } from './join-from.js';

export interface OutputColumn {
  readonly name: string;
  readonly expr: Expr;
}

/** What the query reads: one source, or a tree of joins. */
export type FromClause =
  | { readonly kind: 'source'; readonly source: DataSource; readonly alias: string }
  | { readonly kind: 'join'; readonly sources: readonly JoinSource[]; readonly root: JoinNode };

/** One aggregate call, resolved. */
export interface AggregateCall {
  readonly call: FunctionCall;
  readonly name: string;
  readonly overload: AggregateOverload;
  readonly resolved: ResolvedArgs;
  /** Column arguments, evaluated per row over the input layout. */
  readonly argExprs: readonly Expr[];
  /** Values of the literal init arguments. */
  readonly init: readonly unknown[];
  readonly type: SqlType;
}

export interface WindowPlan {
  readonly kind: 'TUMBLING' | 'HOPPING' | 'SESSION';
  /** Window size (TUMBLING, HOPPING), or session inactivity gap (SESSION). */
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
  readonly retentionMs: number;
}

/** GROUP BY (and aggregates without one): the output is a table keyed by the grouping expressions. */
export interface Aggregation {
  /** Over the input layout. */
  readonly groupBy: readonly Expr[];
  readonly aggregates: readonly AggregateCall[];
  readonly window?: WindowPlan;
  /** Row layout after aggregation: $KEY_i..., $AGG_j..., then WINDOWSTART, WINDOWEND when windowed. */
  readonly aggLayout: readonly LayoutColumn[];
  /** Over aggLayout. */
  readonly having?: Expr;
  /** EMIT FINAL: one result per window, when it closes. */
  readonly emitFinal: boolean;
  /** GROUP BY is not the input's key: ksqlDB would repartition (matters for per-partition stream time). */
  readonly repartitioned: boolean;
}

export interface AnalyzedQuery {
  readonly from: FromClause;
  /** STREAM or TABLE: what the query produces. */
  readonly resultType: 'STREAM' | 'TABLE';
  /** Rows entering WHERE: the FROM's layout, then one SYNTHETIC column per table-function call. */
  readonly layout: readonly LayoutColumn[];
  readonly where?: Expr;
  /** Table functions (EXPLODE...), each filling the SYNTHETIC column at `index` of the layout. */
  readonly tableFunctions: readonly { readonly call: FunctionCall; readonly index: number }[];
  /** PARTITION BY: the new key expressions over the layout (empty for PARTITION BY NULL). */
  readonly partitionBy?: readonly Expr[];
  readonly aggregation?: Aggregation;
  /** Output key columns, in key order: over the layout, or aggLayout when aggregating. */
  readonly keyColumns: readonly OutputColumn[];
  readonly valueColumns: readonly OutputColumn[];
  readonly outputSchema: LogicalSchema;
  /** The sink's TIMESTAMP / TIMESTAMP_FORMAT properties (validated against the output). */
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
  readonly limit?: number;
}

/** The names of the streams and tables a query reads, in FROM order. */
export function fromSources(from: FromClause): DataSource[] {
  return from.kind === 'source' ? [from.source] : from.sources.map((s) => s.source);
}
