/**
 * The plan of a persistent (or transient push) query over a stream, as produced by the analyzer:
 * what to read, the steps (filter → table functions → project / re-key), and the output schema.
 * Expressions stay ASTs here; src/operators compiles them into closures when the query starts.
 */
import type { Expr, FunctionCall } from '../../parser/ast.js';
import type { AggregateOverload } from '../../functions/aggregate/types.js';
import type { ResolvedArgs } from '../../functions/types.js';
import type { SqlType } from '../../types/sql-type.js';
import type { DataSource, WindowInfo } from '../../engine/metastore.js';
import type { LogicalSchema } from '../../types/schema.js';
import type { FormatName, FormatOptions } from '../../serde/serde.js';
import type { LayoutColumn } from '../../analyzer/row-scope.js';

export interface OutputColumn {
  readonly name: string;
  /** Expression over the (extended) source row. */
  readonly expr: Expr;
}

export interface StreamQueryPlan {
  readonly kind: 'streamQuery';
  readonly source: DataSource;
  /** Names the source can be referred to by (its name and alias). */
  readonly sourceNames: readonly string[];
  /** Row layout of the source, extended with one SYNTHETIC column per table-function call. */
  readonly layout: readonly LayoutColumn[];
  readonly where?: Expr;
  /** Table functions (EXPLODE...), each filling the SYNTHETIC column at `index` of the layout. */
  readonly tableFunctions: readonly { readonly call: FunctionCall; readonly index: number }[];
  /** Output key columns, in key order. */
  readonly keyColumns: readonly OutputColumn[];
  /** Output value columns, in value order. */
  readonly valueColumns: readonly OutputColumn[];
  readonly outputSchema: LogicalSchema;
  /** PARTITION BY computed a new key; otherwise source keys pass through (a null input key stays null). */
  readonly rekeyed: boolean;
  /** Value column (by name in the output) whose value becomes the record timestamp (sink TIMESTAMP property). */
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
  readonly limit?: number;
}

export interface SinkSpec {
  readonly name: string;
  readonly topic: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly keyFormat: FormatName;
  readonly valueFormat: FormatName;
  readonly keyOptions: FormatOptions;
  readonly valueOptions: FormatOptions;
  /** Windowed keys (when the query passes through the keys of a windowed source). */
  readonly window?: WindowInfo;
  /** Only materialize the table (CREATE SOURCE TABLE): no records are written to the topic. */
  readonly materializeOnly?: boolean;
}

/** One aggregate call of an aggregation query, resolved. */
export interface AggregateCall {
  readonly call: FunctionCall;
  readonly name: string;
  readonly overload: AggregateOverload;
  readonly resolved: ResolvedArgs;
  /** Column arguments, evaluated per row over the source layout. */
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

/** GROUP BY over a stream or a table, optionally windowed; the output is a table. */
export interface AggregateQueryPlan {
  readonly kind: 'aggregateQuery';
  readonly source: DataSource;
  readonly sourceNames: readonly string[];
  readonly layout: readonly LayoutColumn[];
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly aggregates: readonly AggregateCall[];
  readonly window?: WindowPlan;
  /** Row layout after aggregation: $KEY_i..., $AGG_j..., then WINDOWSTART, WINDOWEND when windowed. */
  readonly aggLayout: readonly LayoutColumn[];
  readonly keyColumns: readonly OutputColumn[];
  readonly valueColumns: readonly OutputColumn[];
  readonly having?: Expr;
  readonly outputSchema: LogicalSchema;
  /** EMIT FINAL: one result per window, when it closes. */
  readonly emitFinal: boolean;
  /** GROUP BY is not the source key: ksqlDB would repartition (matters for per-partition stream time). */
  readonly repartitioned: boolean;
  /** The select list in order: each item is output key column `index` or value column `index`. */
  readonly projection: readonly { readonly key: boolean; readonly index: number }[];
}
