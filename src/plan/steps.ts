/**
 * The physical plan: a tree of execution steps, as ksqlDB's execution steps. Every query — persistent
 * (CSAS / CTAS / INSERT INTO), push and pull — is one such tree, built by the planner (planner.ts)
 * and turned into running operators by the runtime (src/runtime/task-builder.ts).
 *
 * A step is immutable, JSON-serializable data: the plan of a persistent query is stored with the
 * command that created it and run as stored after a restart, also by later builds. So:
 *  - kinds are versioned (`streamFilterV1`); a change of a step's meaning is a new kind, and the
 *    runtime keeps instantiating the old ones;
 *  - expressions are SQL text (formatExpression's exact form, which parses back to the same AST),
 *    over the column names of the step's input;
 *  - every step lists the columns of the rows it outputs (`columns`), types as SQL text.
 */
import type { FormatName, FormatOptions } from '../serde/serde.js';

export const PLAN_VERSION = 1;

/** A column of a step's output row. */
export interface StepColumn {
  readonly name: string;
  /** SQL type text (formatType), parsed back with parseType. */
  readonly type: string;
  /** KEY / VALUE / HEADERS for source columns; PSEUDO for ROWTIME & co; SYNTHETIC for planner-made columns. */
  readonly role: 'KEY' | 'VALUE' | 'HEADERS' | 'PSEUDO' | 'SYNTHETIC';
  /** HEADER('k') columns: the header key. */
  readonly headerKey?: string;
}

export interface Formats {
  readonly keyFormat: FormatName;
  readonly valueFormat: FormatName;
  readonly keyOptions: FormatOptions;
  readonly valueOptions: FormatOptions;
}

export interface WindowStepInfo {
  readonly type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  readonly sizeMs?: number;
}

interface StepBase {
  /** ksqlDB's query context of the step ("KsqlTopic/Source", "Project", "Aggregate/GroupBy"...): its logger name. */
  readonly ctx: string;
  readonly columns: readonly StepColumn[];
}

/** Reads a topic: deserializes key and value, extracts the event time. Columns: key, value, headers, pseudo columns. */
export interface SourceStep extends StepBase {
  readonly kind: 'streamSourceV1' | 'tableSourceV1';
  /** The stream or table read (its name in the metastore). */
  readonly sourceName: string;
  /** Its alias in the query (the source name when not aliased). */
  readonly alias: string;
  readonly topic: string;
  readonly formats: Formats;
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
  /** Windowed keys (WINDOW_TYPE sources, or the output of a windowed aggregation). */
  readonly window?: WindowStepInfo;
}

/** A pull query's rows: a table's materialized rows, by key lookup or scan. Columns as its table source's. */
export interface PullSourceStep extends StepBase {
  readonly kind: 'pullSourceV1';
  readonly sourceName: string;
  readonly alias: string;
  readonly window?: WindowStepInfo;
  /** Key values to look up (literal expressions); absent: a table scan. */
  readonly lookup?: readonly string[];
}

/** WHERE / HAVING. On a table a row that stops matching is deleted downstream. */
export interface FilterStep extends StepBase {
  readonly kind: 'streamFilterV1' | 'tableFilterV1';
  readonly source: ExecutionStep;
  readonly filter: string;
}

/** Table functions (EXPLODE...): one output row per element, each result in a synthetic column. */
export interface FlatMapStep extends StepBase {
  readonly kind: 'streamFlatMapV1';
  readonly source: ExecutionStep;
  readonly tableFunctions: readonly { readonly call: string; readonly column: string }[];
}

/** PARTITION BY: computes the new key, appended to the row as synthetic columns (none: no key). */
export interface SelectKeyStep extends StepBase {
  readonly kind: 'streamSelectKeyV1' | 'tableSelectKeyV1';
  readonly source: ExecutionStep;
  readonly keys: readonly { readonly expr: string; readonly column: string }[];
}

/** The projection: output key columns, then value columns. */
export interface SelectStep extends StepBase {
  readonly kind: 'streamSelectV1' | 'tableSelectV1';
  readonly source: ExecutionStep;
  readonly keyColumns: readonly OutputExpr[];
  readonly valueColumns: readonly OutputExpr[];
}

export interface OutputExpr {
  readonly name: string;
  readonly expr: string;
}

/**
 * GROUP BY: the grouping expressions become the key. Columns: one key column per grouping
 * expression, then the input's columns (which aggregate arguments read). `...GroupByKey` kinds group
 * by the input's own key (ksqlDB does not repartition those).
 */
export interface GroupByStep extends StepBase {
  readonly kind: 'streamGroupByV1' | 'streamGroupByKeyV1' | 'tableGroupByV1' | 'tableGroupByKeyV1';
  readonly source: ExecutionStep;
  readonly groupBy: readonly string[];
}

/** Aggregation by the group key. Columns: the group key columns, one per aggregate, then WINDOWSTART / WINDOWEND when windowed. */
export interface AggregateStep extends StepBase {
  readonly kind: 'streamAggregateV1' | 'streamWindowedAggregateV1' | 'tableAggregateV1';
  readonly source: GroupByStep;
  /** Aggregate calls (`SUM(PRICE)`), each into the column named. Arguments read the GroupBy input's columns. */
  readonly aggregates: readonly { readonly call: string; readonly column: string }[];
  readonly window?: WindowSpecStep;
}

export interface WindowSpecStep {
  readonly kind: 'TUMBLING' | 'HOPPING' | 'SESSION';
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
  readonly retentionMs: number;
}

/** EMIT FINAL: one row per window, once it closes. */
export interface SuppressStep extends StepBase {
  readonly kind: 'tableSuppressV1';
  readonly source: ExecutionStep;
}

/**
 * A join. Columns: the left input's columns, the right input's, then the join key (ROWKEY). A side
 * read straight from a source has its columns prefixed with the source's alias (`A_ID`); a nested
 * join on the left brings its own (already prefixed) columns.
 */
export interface JoinStep extends StepBase {
  readonly kind: 'streamStreamJoinV1' | 'streamTableJoinV1' | 'tableTableJoinV1' | 'fkTableTableJoinV1';
  readonly joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  readonly left: ExecutionStep;
  readonly right: ExecutionStep;
  /** Prefix of the left input's columns (absent when the left input is a join). */
  readonly leftAlias?: string;
  readonly rightAlias: string;
  /** The join expressions, over this step's column names. */
  readonly leftKey: string;
  readonly rightKey: string;
  /** Stream-stream joins: the WITHIN window. */
  readonly within?: { readonly beforeMs: number; readonly afterMs: number; readonly graceMs: number; readonly explicitGrace: boolean };
}

/** Writes the rows to a topic: key columns into the record key, value columns into its value. */
export interface SinkStep extends StepBase {
  readonly kind: 'streamSinkV1' | 'tableSinkV1';
  readonly source: ExecutionStep;
  readonly sinkName: string;
  readonly topic: string;
  readonly formats: Formats;
  /** Windowed output keys. */
  readonly window?: WindowStepInfo;
  /** The TIMESTAMP property: the output column holding each record's timestamp. */
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
  /** CREATE SOURCE TABLE: only materialize the table for pull queries; nothing is written. */
  readonly materializeOnly?: boolean;
}

/** Where and how a sink writes: its step without the step's plumbing. */
export type SinkSpec = Omit<SinkStep, 'kind' | 'ctx' | 'source' | 'columns'>;

export type ExecutionStep =
  | SourceStep
  | PullSourceStep
  | FilterStep
  | FlatMapStep
  | SelectKeyStep
  | SelectStep
  | GroupByStep
  | AggregateStep
  | SuppressStep
  | JoinStep
  | SinkStep;

export type StepKind = ExecutionStep['kind'];

/** A query's plan as stored with its command and shown by EXPLAIN. */
export interface QueryPlan {
  readonly planVersion: number;
  readonly queryId: string;
  readonly queryType: 'PERSISTENT' | 'PUSH' | 'PULL';
  /** Names of the streams and tables read. */
  readonly sources: readonly string[];
  /** The stream or table written (persistent queries). */
  readonly sink?: string;
  /** What the query produces. */
  readonly resultType: 'STREAM' | 'TABLE';
  readonly root: ExecutionStep;
}

/** The steps a step reads from, left before right. */
export function inputsOf(step: ExecutionStep): readonly ExecutionStep[] {
  switch (step.kind) {
    case 'streamSourceV1':
    case 'tableSourceV1':
    case 'pullSourceV1':
      return [];
    case 'streamStreamJoinV1':
    case 'streamTableJoinV1':
    case 'tableTableJoinV1':
    case 'fkTableTableJoinV1':
      return [step.left, step.right];
    default:
      return [step.source];
  }
}

/** Every step of a tree, parents before children. */
export function* walkSteps(step: ExecutionStep): IterableIterator<ExecutionStep> {
  yield step;
  for (const s of inputsOf(step)) yield* walkSteps(s);
}

/** The source steps of a tree, in FROM order. */
export function sourceSteps(step: ExecutionStep): (SourceStep | PullSourceStep)[] {
  const out: (SourceStep | PullSourceStep)[] = [];
  const visit = (s: ExecutionStep): void => {
    if (s.kind === 'streamSourceV1' || s.kind === 'tableSourceV1' || s.kind === 'pullSourceV1') out.push(s);
    else for (const i of inputsOf(s)) visit(i);
  };
  visit(step);
  return out;
}

export function isJoinStep(step: ExecutionStep): step is JoinStep {
  return step.kind === 'streamStreamJoinV1' || step.kind === 'streamTableJoinV1' || step.kind === 'tableTableJoinV1' || step.kind === 'fkTableTableJoinV1';
}

/** Whether the rows a step outputs are a table's changelog (tables, table joins, aggregations). */
export function producesTable(step: ExecutionStep): boolean {
  switch (step.kind) {
    case 'tableSourceV1':
    case 'pullSourceV1':
    case 'tableFilterV1':
    case 'tableSelectV1':
    case 'tableSelectKeyV1':
    case 'tableGroupByV1':
    case 'tableGroupByKeyV1':
    case 'streamAggregateV1':
    case 'streamWindowedAggregateV1':
    case 'tableAggregateV1':
    case 'tableSuppressV1':
    case 'tableTableJoinV1':
    case 'fkTableTableJoinV1':
    case 'tableSinkV1':
      return true;
    case 'streamSourceV1':
    case 'streamFilterV1':
    case 'streamFlatMapV1':
    case 'streamSelectKeyV1':
    case 'streamSelectV1':
    case 'streamGroupByV1':
    case 'streamGroupByKeyV1':
    case 'streamStreamJoinV1':
    case 'streamTableJoinV1':
    case 'streamSinkV1':
      return false;
    default:
      return unknownStep(step);
  }
}

/** For `never`-checked switches over step kinds: a kind this build does not know (a newer build's plan). */
export function unknownStep(step: never): never {
  throw new Error(`Unknown execution step kind '${(step as { kind?: unknown }).kind}': the plan was written by a newer version of Sluice.`);
}
