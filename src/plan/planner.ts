/**
 * The planner: an analyzed query (any shape) → a tree of execution steps. One path for every query:
 *
 *   source | join(source, source)... → [filter] → [flat-map] → group-by → aggregate → [having filter]
 *     → project → [suppress] → [sink]
 *   source | join(...) → [filter] → [flat-map] → [select-key] → project → [sink]
 *
 * Persistent queries end in a sink; push and pull queries end at their projection (the client is the
 * output). Expressions are written as SQL text over the names of the step's input: a join's inputs
 * get their columns prefixed with the source alias (`A_ID`), as ksqlDB's do, so every step after the
 * FROM resolves plain names; the analyzer's internal names become ksqlDB-like ones
 * (`KSQL_AGG_VARIABLE_0`).
 */
import type { ColumnRef, Expr } from '../parser/ast.js';
import type { AnalyzedQuery, FromClause, OutputColumn } from '../analyzer/analysis.js';
import type { JoinNode, JoinSource } from '../analyzer/join-from.js';
import { JoinScope, joinKeyName } from '../analyzer/join-from.js';
import { mapExpr } from '../analyzer/expr-utils.js';
import type { LayoutColumn } from '../analyzer/row-scope.js';
import type { DataSource } from '../engine/metastore.js';
import { exprText, sourceStepColumns, toStepColumns } from './step-codec.js';
import { formatType } from '../types/sql-type.js';
import type { ExecutionStep, JoinStep, OutputExpr, SinkSpec, SourceStep, StepColumn } from './steps.js';

/** Where the query's rows go. */
export type PlanTarget =
  | ({ readonly kind: 'persistent' } & SinkSpec)
  | { readonly kind: 'push' }
  /** A pull query on a table: read its materialized rows (by key when `lookup` gives the key values). */
  | { readonly kind: 'pull'; readonly lookup?: readonly Expr[] };

/**
 * Plan `q`. `asts`: filled with the AST of every expression text of the plan, for a plan the task
 * builder runs at once in this process (see exprText).
 */
export function planQuery(q: AnalyzedQuery, target: PlanTarget, asts?: Map<string, Expr>): ExecutionStep {
  const names = new Names(q, asts);
  let step: ExecutionStep = target.kind === 'pull' ? pullSource(q.from, target.lookup, asts) : fromSteps(q.from);
  const table = q.from.kind === 'source' ? q.from.source.type === 'TABLE' : q.from.root.resultKind === 'TABLE';
  // Names of the FROM's columns as the steps after it see them, table-function columns appended.
  const layout = q.layout;
  const fromColumns = step.columns;
  const extColumns: StepColumn[] = [...fromColumns, ...toStepColumns(layout.slice(fromColumns.length)).map((c) => ({ ...c, name: names.column(c.name) }))];

  if (q.where) step = { kind: table ? 'tableFilterV1' : 'streamFilterV1', ctx: 'WhereFilter', source: step, filter: names.expr(q.where), columns: fromColumns };
  if (q.tableFunctions.length > 0) {
    step = {
      kind: 'streamFlatMapV1',
      ctx: 'FlatMap',
      source: step,
      tableFunctions: q.tableFunctions.map((tf) => ({ call: names.expr(tf.call), column: names.column(layout[tf.index]!.name) })),
      columns: extColumns,
    };
  }

  const agg = q.aggregation;
  let keyColumns: readonly OutputColumn[] = q.keyColumns;
  if (agg) {
    const input = step;
    const groupKeys = agg.aggLayout.slice(0, agg.groupBy.length);
    const groupByKind = table ? (agg.repartitioned ? 'tableGroupByV1' : 'tableGroupByKeyV1') : agg.repartitioned ? 'streamGroupByV1' : 'streamGroupByKeyV1';
    const groupBy = {
      kind: groupByKind,
      ctx: 'Aggregate/GroupBy',
      source: input,
      groupBy: agg.groupBy.map((g) => names.expr(g)),
      // The group key is the key now; the input's columns follow as values (what aggregates read).
      columns: [...groupKeys.map((k) => ({ name: names.column(k.name), type: formatType(k.type), role: 'KEY' as const })), ...input.columns.map((c) => (c.role === 'KEY' ? { ...c, role: 'VALUE' as const } : c))],
    } as const;
    const aggColumns = toStepColumns(agg.aggLayout).map((c, i) => ({ ...c, name: names.column(c.name), role: i < groupKeys.length ? ('KEY' as const) : c.role }));
    step = {
      kind: agg.window ? 'streamWindowedAggregateV1' : table ? 'tableAggregateV1' : 'streamAggregateV1',
      ctx: 'Aggregate/Aggregate',
      source: groupBy,
      aggregates: agg.aggregates.map((a, i) => ({ call: names.expr(a.call), column: names.column(`$AGG${i}`) })),
      ...(agg.window ? { window: agg.window } : {}),
      columns: aggColumns,
    };
    if (agg.having) step = { kind: 'tableFilterV1', ctx: 'Aggregate/HavingFilter', source: step, filter: names.expr(agg.having), columns: aggColumns };
    step = project('tableSelectV1', 'Aggregate/Project', step, q, keyColumns, names);
    if (agg.emitFinal) step = { kind: 'tableSuppressV1', ctx: 'Suppress', source: step, columns: step.columns };
  } else {
    if (q.partitionBy) {
      const keys = q.partitionBy.map((e, i) => ({ expr: names.expr(e), column: `KSQL_PARTITION_KEY_${i}` }));
      const keyTypes = q.outputSchema.key;
      step = {
        kind: table ? 'tableSelectKeyV1' : 'streamSelectKeyV1',
        ctx: 'PartitionBy',
        source: step,
        keys,
        columns: [...step.columns, ...keys.map((k, i) => ({ name: k.column, type: formatType(keyTypes[i]!.type), role: 'KEY' as const }))],
      };
      keyColumns = q.keyColumns.map((c, i) => ({ name: c.name, expr: { kind: 'ColumnRef', name: keys[i]!.column } as ColumnRef }));
    }
    step = project(table ? 'tableSelectV1' : 'streamSelectV1', 'Project', step, q, keyColumns, names);
  }

  if (target.kind !== 'persistent') return step;
  const { kind: _persistent, ...sink } = target;
  return { kind: q.resultType === 'TABLE' ? 'tableSinkV1' : 'streamSinkV1', ctx: target.sinkName, source: step, ...sink, columns: step.columns };
}

function project(kind: 'streamSelectV1' | 'tableSelectV1', ctx: string, source: ExecutionStep, q: AnalyzedQuery, keyColumns: readonly OutputColumn[], names: Names): ExecutionStep {
  const out = (cols: readonly OutputColumn[]): OutputExpr[] => cols.map((c) => ({ name: c.name, expr: names.expr(c.expr) }));
  return {
    kind,
    ctx,
    source,
    keyColumns: out(keyColumns),
    valueColumns: out(q.valueColumns),
    columns: [
      ...q.outputSchema.key.map((c) => ({ name: c.name, type: formatType(c.type), role: 'KEY' as const })),
      ...q.outputSchema.value.map((c) => ({ name: c.name, type: formatType(c.type), role: 'VALUE' as const })),
    ],
  };
}

function sourceStep(source: DataSource, alias: string, ctx: string): SourceStep {
  return {
    kind: source.type === 'TABLE' ? 'tableSourceV1' : 'streamSourceV1',
    ctx,
    sourceName: source.name,
    alias,
    topic: source.topic,
    formats: { keyFormat: source.keyFormat, valueFormat: source.valueFormat, keyOptions: source.keyOptions, valueOptions: source.valueOptions },
    ...(source.timestampColumn !== undefined ? { timestampColumn: source.timestampColumn } : {}),
    ...(source.timestampFormat !== undefined ? { timestampFormat: source.timestampFormat } : {}),
    ...(source.window ? { window: source.window } : {}),
    columns: sourceStepColumns(source),
  };
}

function pullSource(from: FromClause, lookup: readonly Expr[] | undefined, asts: Map<string, Expr> | undefined): ExecutionStep {
  if (from.kind !== 'source') throw new Error('pull queries read one table');
  const s = from.source;
  return {
    kind: 'pullSourceV1',
    ctx: lookup ? 'KeyLookup' : 'TableScan',
    sourceName: s.name,
    alias: from.alias,
    ...(s.window ? { window: s.window } : {}),
    ...(lookup ? { lookup: lookup.map((e) => exprText(e, asts)) } : {}),
    columns: sourceStepColumns(s),
  };
}

function fromSteps(from: FromClause): ExecutionStep {
  if (from.kind === 'source') return sourceStep(from.source, from.alias, 'KsqlTopic/Source');
  return joinStep(from.root, from.sources, '');
}

/**
 * One join of the tree, its left input first (nested joins are always on the left). Contexts follow
 * ksqlDB's: `Join`, `KafkaTopic_Left/Source`, ...; a nested join's are prefixed `L_`.
 */
function joinStep(node: JoinNode, sources: readonly JoinSource[], prefix: string): JoinStep {
  const leaf = (i: number, side: 'Left' | 'Right') => sourceStep(sources[i]!.source, sources[i]!.alias, `${prefix}KafkaTopic_${side}/Source`);
  const left = typeof node.left === 'number' ? leaf(node.left, 'Left') : joinStep(node.left, sources, `L_${prefix}`);
  const right = leaf(node.right, 'Right');
  const leftColumns = typeof node.left === 'number' ? prefixed(sources[node.left]!) : left.columns.slice(0, -1);
  const kind =
    node.leftKind === 'STREAM' ? (node.rightKind === 'STREAM' ? 'streamStreamJoinV1' : 'streamTableJoinV1') : node.foreignKey ? 'fkTableTableJoinV1' : 'tableTableJoinV1';
  const columns: StepColumn[] = [...leftColumns, ...prefixed(sources[node.right]!), { name: joinKeyName(sources), type: formatType(node.keyType), role: 'KEY' }];
  // The join expressions are over the whole joined row; every name they use is in this step's columns.
  const names = joinNames(sources);
  return {
    kind,
    ctx: `${prefix}Join`,
    joinType: node.type,
    left,
    right,
    ...(typeof node.left === 'number' ? { leftAlias: sources[node.left]!.alias } : {}),
    rightAlias: sources[node.right]!.alias,
    leftKey: names(node.leftKey),
    rightKey: names(node.rightKey),
    ...(node.within ? { within: node.within } : {}),
    columns,
  };
}

/** A join input's columns as the join outputs them: prefixed with its alias; only the join key is a key. */
function prefixed(s: JoinSource): StepColumn[] {
  return toStepColumns(s.layout).map((c) => ({ ...c, name: `${s.alias}_${c.name}`, role: c.role === 'PSEUDO' ? 'PSEUDO' : 'VALUE' }));
}

/** Join expressions over the joined row → text over the join's column names. */
function joinNames(sources: readonly JoinSource[]): (e: Expr) => string {
  const layout: LayoutColumn[] = [...sources.flatMap((s) => s.layout), { name: joinKeyName(sources), type: { kind: 'NULL' }, role: 'SYNTHETIC' }];
  const scope = new JoinScope(sources, layout, 'JOIN ON column');
  return (e) => exprText(renameColumns(e, (ref) => joinColumnName(scope, layout, ref)));
}

function joinColumnName(scope: JoinScope, layout: readonly LayoutColumn[], ref: ColumnRef): string | undefined {
  const i = scope.find(ref.source, ref.name);
  if (i === undefined) return undefined;
  const si = scope.sourceOf(i);
  if (si === undefined) return layout[i]!.name;
  const s = scope.sources[si]!;
  return `${s.alias}_${s.layout[i - s.offset]!.name}`;
}

/** Internal names of the analyzer → the plan's (ksqlDB-like) names. */
const INTERNAL: readonly [RegExp, string][] = [
  [/^\$KEY(\d+)$/, 'KSQL_GROUP_KEY_'],
  [/^\$AGG(\d+)$/, 'KSQL_AGG_VARIABLE_'],
  [/^\$TF(\d+)$/, 'KSQL_SYNTH_'],
];

/** Resolves the analyzer's column references to the names of the plan's rows. */
class Names {
  private readonly resolve: (ref: ColumnRef) => string | undefined;

  constructor(
    q: AnalyzedQuery,
    private readonly asts: Map<string, Expr> | undefined,
  ) {
    if (q.from.kind === 'source') {
      this.resolve = (ref) => this.column(ref.name);
    } else {
      const scope = new JoinScope(q.from.sources, q.layout, 'SELECT column');
      this.resolve = (ref) => {
        const internal = INTERNAL.some(([re]) => re.test(ref.name));
        if (internal || ref.name === 'WINDOWSTART' || ref.name === 'WINDOWEND') {
          if (ref.source === undefined && (internal || !q.layout.some((c) => c.name === ref.name && c.role !== 'PSEUDO'))) return this.column(ref.name);
        }
        const name = joinColumnName(scope, q.layout, ref);
        return name === undefined ? undefined : this.column(name);
      };
    }
  }

  column(name: string): string {
    for (const [re, prefix] of INTERNAL) {
      const m = re.exec(name);
      if (m) return prefix + m[1]!;
    }
    return name;
  }

  expr(e: Expr): string {
    return exprText(renameColumns(e, this.resolve), this.asts);
  }
}

/**
 * Rename column references (lambda variables excepted: a name a lambda binds is its parameter);
 * `rename` returning undefined leaves a reference alone, without its qualifier.
 */
function renameColumns(e: Expr, rename: (ref: ColumnRef) => string | undefined, bound: ReadonlySet<string> = new Set()): Expr {
  return mapExpr(e, (n) => {
    if (n.kind === 'Lambda') {
      const inner = new Set([...bound, ...n.params]);
      return { ...n, body: renameColumns(n.body, rename, inner) };
    }
    if (n.kind !== 'ColumnRef') return undefined;
    if (n.source === undefined && bound.has(n.name)) return n;
    const name = rename(n) ?? n.name;
    return { kind: 'ColumnRef', name };
  });
}
