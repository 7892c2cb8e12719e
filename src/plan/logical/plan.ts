/**
 * The plan of a persistent (or transient push) query over a stream, as produced by the analyzer:
 * what to read, the steps (filter → table functions → project / re-key), and the output schema.
 * Expressions stay ASTs here; src/operators compiles them into closures when the query starts.
 */
import type { Expr, FunctionCall } from '../../parser/ast.js';
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
}
