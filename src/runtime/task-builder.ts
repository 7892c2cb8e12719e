/**
 * Turns a query's plan (a tree of execution steps) into running operators: one operator per step,
 * wired child to parent, with entry points for the topics the sources read. Persistent, push and
 * pull queries all run through here; only what is at the top differs (a sink, or a client).
 *
 * Two places run several steps in one operator: an aggregation's group-by → aggregate → HAVING →
 * projection → suppress (see operators/aggregate.ts for why), and a join tree, whose nodes share
 * one row layout (every source's columns side by side, then the join key). On Kafka a re-keying
 * aggregation over a stream runs in two stages through its repartition topic (repartition.ts).
 */
import type { Expr, FunctionCall } from '../parser/ast.js';
import type { CompileContext } from '../expr/compile.js';
import { LayoutScope } from '../analyzer/row-scope.js';
import { resolveAggregateCall } from '../analyzer/aggregate-query.js';
import type { LogRecord, ProduceRecord } from '../storage/log/log.js';
import type { StateDb } from '../storage/state/state-db.js';
import { AggregateView, type TableView } from '../storage/state/materialized-view.js';
import { keyString } from '../storage/state/value-codec.js';
import { createSerde } from '../serde/index.js';
import { createSourceDecoder, type RecordErrorSink, type SourceDecoder } from '../operators/source.js';
import { StreamFilter, TableFilter } from '../operators/filter.js';
import { FlatMap } from '../operators/flat-map.js';
import { SelectKey } from '../operators/select-key.js';
import { Project } from '../operators/project.js';
import { SinkWriter } from '../operators/sink.js';
import { AggregateOperator, type AggregateSpec } from '../operators/aggregate.js';
import { JoinRuntime, type JoinEvent, type JoinSpec } from '../operators/join.js';
import type { OutputConsumer, RecordContext, RowConsumer } from '../operators/operator.js';
import { dataSourceOf, layoutOf, parseStepExpr, schemaOf } from '../plan/step-codec.js';
import { isJoinStep, unknownStep, type AggregateStep, type ExecutionStep, type Formats, type JoinStep, type PullSourceStep, type SelectStep, type SinkStep, type SourceStep, type StepColumn } from '../plan/steps.js';
import { fromRepartitionRecord, toRepartitionRecord } from './repartition.js';
import { sourceReplayGuard, streamRowsStageOne, streamRowsStageTwo, tableStageOne, tableStageTwo } from './repartition-stages.js';
import type { AggregateRepartition } from './repartition-plan.js';
import type { JoinThrough } from './repartition-topics.js';
import { compileExpression } from '../expr/compile.js';
import { InternalError } from '../errors.js';
import type { SchemaCatalog } from '../registry/schema.js';

export interface TaskDeps {
  readonly ctx: CompileContext;
  /** Records that cannot be deserialized (and other per-record failures of the sources). */
  readonly onRecordError: RecordErrorSink;
  /** State of stateful operators (joins, aggregations); null for stateless queries. */
  readonly state: StateDb | null;
  readonly config: Readonly<Record<string, string>>;
  /** Partitions of the source topic (a re-keyed group's task is the partition of its key). */
  readonly sourcePartitions: number;
  readonly record: RecordContext;
  /** A table result's materialized view (pull queries read it). */
  readonly view?: TableView;
  /** On Kafka, a re-keying aggregation goes through this topic. */
  readonly repartitionTopic?: string;
  /** On Kafka, how it goes through it (repartition-plan.ts); absent: 'source' over a stream source. */
  readonly aggregateRepartition?: AggregateRepartition;
  /** On Kafka, the join sides re-keyed through repartition topics: side name (`Join-left`) → topic. */
  readonly joinRepartitions?: ReadonlyMap<string, JoinThrough>;
  /** Partitions of the sink topic (windowed keys are partitioned without their window). */
  readonly sinkPartitions?: number;
  /** Pull queries: the rows of the table a pull source reads, as source rows. */
  readonly pullRows?: (step: PullSourceStep) => Iterable<unknown[]>;
  /** The ASTs of the plan's expression texts, when the planner just made them (planQuery's `asts`). */
  readonly asts?: ReadonlyMap<string, Expr>;
  /** Registered schemas (the schema-registry formats' serdes read them). */
  readonly schemas: SchemaCatalog;
}

/** The running operators of one query. */
export interface QueryTask {
  /** Topics whose records process() takes (the sources', and the repartition topic). */
  readonly topics: readonly string[];
  /** Run records through the operators (any of `topics`, in order). */
  process(records: readonly LogRecord[]): void;
  /** Pull queries on tables: run the table's rows through the operators. */
  scan(): void;
  /** Before the state commits: operators persist what they keep in memory, expire old windows. */
  beforeCommit(): void;
  /** First-stage records for the repartition topics since the last call, by topic. */
  takeRepartitioned(): ReadonlyMap<string, ProduceRecord[]>;
  /** The sink, for a persistent query. */
  readonly sink?: SinkWriter;
}

type Entry = (record: LogRecord) => void;

/** Build the operators of `root`. A sink at the root writes to its topic; otherwise rows go to `output`. */
export function buildTask(root: ExecutionStep, deps: TaskDeps, output?: OutputConsumer): QueryTask {
  return new TaskBuilder(deps).build(root, output);
}

class TaskBuilder {
  private readonly entries = new Map<string, Entry>();
  private readonly scans: (() => void)[] = [];
  private readonly commits: (() => void)[] = [];
  private repartitioned = new Map<string, ProduceRecord[]>();
  private sink?: SinkWriter;
  private sinkStep?: SinkStep;

  constructor(private readonly deps: TaskDeps) {}

  build(root: ExecutionStep, output: OutputConsumer | undefined): QueryTask {
    let out = output;
    let top = root;
    if (root.kind === 'streamSinkV1' || root.kind === 'tableSinkV1') {
      this.sinkStep = root;
      const view = this.deps.view instanceof AggregateView ? undefined : this.deps.view;
      const options = this.deps.sinkPartitions !== undefined ? { ...root, partitions: this.deps.sinkPartitions } : root;
      this.sink = new SinkWriter(options, schemaOf(root.source.columns), this.deps.onRecordError, this.deps.record, this.deps.schemas, view);
      out = this.sink;
      top = root.source;
    }
    if (!out) throw new InternalError(`A plan without a sink needs an output (root: ${root.kind})`);
    this.output(top, out);

    const entries = [...this.entries.entries()];
    const record = this.deps.record;
    const state = this.deps.state;
    const single = entries.length === 1 ? entries[0]![1] : undefined;
    const byTopic = this.entries;
    return {
      topics: entries.map(([t]) => t),
      process(records) {
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          record.current = r;
          if (state !== null) state.task = r.partition;
          const entry = single ?? byTopic.get(r.topic);
          if (entry) entry(r);
        }
        record.current = undefined;
      },
      scan: () => {
        for (const s of this.scans) s();
      },
      beforeCommit: () => {
        for (const c of this.commits) c();
      },
      takeRepartitioned: () => {
        const out = this.repartitioned;
        this.repartitioned = new Map();
        return out;
      },
      ...(this.sink ? { sink: this.sink } : {}),
    };
  }

  /** Steps share column lists (a filter's are its input's): one scope per list and build. */
  private readonly scopes = new Map<readonly StepColumn[], LayoutScope>();

  private scope(columns: readonly StepColumn[]): LayoutScope {
    let scope = this.scopes.get(columns);
    if (scope === undefined) {
      scope = new LayoutScope(layoutOf(columns), [], 'SELECT column');
      this.scopes.set(columns, scope);
    }
    return scope;
  }

  private expr(text: string): Expr {
    return this.deps.asts?.get(text) ?? parseStepExpr(text);
  }

  private exprs(texts: readonly string[]): Expr[] {
    return texts.map((t) => this.expr(t));
  }

  /** The step whose rows become the output: a projection, or an aggregation's (suppressed) projection. */
  private output(step: ExecutionStep, out: OutputConsumer): void {
    if (step.kind === 'tableSuppressV1') {
      if (step.source.kind !== 'tableSelectV1') throw new InternalError(`Suppress over ${step.source.kind}`);
      return this.aggregate(step.source, out, true);
    }
    if (step.kind !== 'streamSelectV1' && step.kind !== 'tableSelectV1') throw new InternalError(`A query's output must come from a projection, not ${step.kind}`);
    const below = step.source.kind === 'tableFilterV1' ? step.source.source : step.source;
    if (isAggregate(below)) return this.aggregate(step, out, false);
    const input = step.source;
    const scope = this.scope(input.columns);
    const layout = scope.layout;
    const windowAt = layout.findIndex((c) => c.role === 'PSEUDO' && (c.name === 'WINDOWSTART' || c.name.endsWith('_WINDOWSTART')));
    const project = new Project(
      this.exprs(step.keyColumns.map((c) => c.expr)),
      this.exprs(step.valueColumns.map((c) => c.expr)),
      scope,
      this.deps.ctx,
      out,
      { ...(keyFromSource(input) ? { keyFromSource: this.deps.record } : {}), ...(windowAt >= 0 ? { windowAt } : {}) },
    );
    this.rows(input, project);
  }

  /** Build `step` so that its rows reach `down`. */
  private rows(step: ExecutionStep, down: RowConsumer): void {
    const ctx = this.deps.ctx;
    switch (step.kind) {
      case 'streamSourceV1':
      case 'tableSourceV1':
        return this.source(step, down);
      case 'pullSourceV1':
        return this.pullSource(step, down);
      case 'streamFilterV1':
        return this.rows(step.source, new StreamFilter(this.expr(step.filter), this.scope(step.source.columns), ctx, down));
      case 'tableFilterV1':
        return this.rows(step.source, new TableFilter(this.expr(step.filter), this.scope(step.source.columns), ctx, down));
      case 'streamFlatMapV1': {
        const calls = step.tableFunctions.map((tf) => ({ call: this.expr(tf.call) as FunctionCall, index: step.columns.findIndex((c) => c.name === tf.column) }));
        return this.rows(step.source, new FlatMap(calls, this.scope(step.source.columns), ctx, step.columns.length, down));
      }
      case 'streamSelectKeyV1':
      case 'tableSelectKeyV1':
        return this.rows(step.source, new SelectKey(this.exprs(step.keys.map((k) => k.expr)), this.scope(step.source.columns), ctx, down));
      case 'streamStreamJoinV1':
      case 'streamTableJoinV1':
      case 'tableTableJoinV1':
      case 'fkTableTableJoinV1':
        return this.join(step, down);
      case 'streamSelectV1':
      case 'tableSelectV1':
      case 'streamGroupByV1':
      case 'streamGroupByKeyV1':
      case 'tableGroupByV1':
      case 'tableGroupByKeyV1':
      case 'streamAggregateV1':
      case 'streamWindowedAggregateV1':
      case 'tableAggregateV1':
      case 'tableSuppressV1':
      case 'streamSinkV1':
      case 'tableSinkV1':
        throw new InternalError(`${step.kind} cannot feed another step here`);
      default:
        return unknownStep(step);
    }
  }

  private decoder(step: SourceStep): SourceDecoder {
    return createSourceDecoder(dataSourceOf(step), this.deps.onRecordError, this.deps.schemas);
  }

  private source(step: SourceStep, down: RowConsumer): void {
    const decoder = this.decoder(step);
    const rowtime = step.columns.findIndex((c) => c.role === 'PSEUDO' && c.name === 'ROWTIME');
    const isTable = step.kind === 'tableSourceV1';
    this.entry(step.topic, (r) => {
      if (isTable && r.key === null) return; // a table row needs a key
      const row = decoder.decode(r);
      if (row !== null) down.push(row, row[rowtime] as number, decoder.valueIsNull, undefined);
    });
  }

  private pullSource(step: PullSourceStep, down: RowConsumer): void {
    const rows = this.deps.pullRows;
    if (!rows) throw new InternalError('A pull source without the rows of its table');
    const rowtime = step.columns.findIndex((c) => c.role === 'PSEUDO' && c.name === 'ROWTIME');
    this.scans.push(() => {
      for (const row of rows(step)) down.push(row, row[rowtime] as number, false, undefined);
    });
  }

  private entry(topic: string, entry: Entry): void {
    if (this.entries.has(topic)) throw new InternalError(`Topic ${topic} is read twice by one query`);
    this.entries.set(topic, entry);
  }

  // --------------------------------------------------------------------------------------------
  // Aggregation

  private aggregate(select: SelectStep, out: OutputConsumer, emitFinal: boolean): void {
    const having = select.source.kind === 'tableFilterV1' ? select.source : undefined;
    const agg = (having ? having.source : select.source) as AggregateStep;
    const groupBy = agg.source;
    const input = groupBy.source;
    const inputScope = this.scope(input.columns);
    const ctx = this.deps.ctx;
    const spec: AggregateSpec = {
      inputScope,
      groupBy: this.exprs(groupBy.groupBy),
      aggregates: agg.aggregates.map((a) => resolveAggregateCall(this.expr(a.call) as FunctionCall, inputScope, ctx)),
      ...(agg.window ? { window: agg.window } : {}),
      aggLayout: layoutOf(agg.columns),
      keyColumns: this.exprs(select.keyColumns.map((c) => c.expr)),
      valueColumns: this.exprs(select.valueColumns.map((c) => c.expr)),
      ...(having ? { having: this.expr(having.filter) } : {}),
      emitFinal,
      tableInput: groupBy.kind === 'tableGroupByV1' || groupBy.kind === 'tableGroupByKeyV1',
      repartitioned: groupBy.kind === 'streamGroupByV1' || groupBy.kind === 'tableGroupByV1',
    };
    const state = this.requireState();
    const record = this.deps.record;
    // A table row's identity: the raw key of a table source's record (as stored by earlier
    // versions), or the key columns of a join's row.
    const fromSource = tableSourceBelow(input);
    const keyAt = inputScope.layout.flatMap((c, i) => (c.role === 'KEY' ? [i] : []));
    const identity = fromSource
      ? () => (record.current?.key ? record.current.key.toString('base64') : '')
      : (row: readonly unknown[]) => keyString(keyAt.map((i) => row[i]));
    // Re-keyed groups: their task is the partition of the new key, as written to the sink.
    const sink = this.sinkStep;
    const keySerde = spec.repartitioned && sink ? createSerde(sink.formats.keyFormat, schemaOf(select.columns).key, sink.formats.keyOptions, true, { topic: sink.topic, catalog: this.deps.schemas }) : undefined;
    const op = new AggregateOperator(spec, ctx, state, out, { partition: () => record.current?.partition ?? 0, identity }, this.deps.config, keySerde, this.deps.sourcePartitions);
    if (this.deps.view instanceof AggregateView) this.deps.view.attach(op);
    this.commits.push(() => op.beforeCommit());
    const topic = this.deps.repartitionTopic;
    if (topic === undefined || !spec.repartitioned) return this.rows(input, op);
    const emit = this.emitTo(topic);
    switch (this.deps.aggregateRepartition ?? 'source') {
      case 'source':
        return this.twoStages(input, op, topic);
      case 'rows':
        this.rows(input, streamRowsStageOne(op, record, emit));
        return this.entry(topic, streamRowsStageTwo(op, state));
      case 'table':
        this.rows(input, tableStageOne(op, state, identity, record, emit));
        return this.entry(topic, tableStageTwo(op, state));
    }
  }

  /**
   * Kafka: the first stage routes each source record (after WHERE) to its group key's partition of
   * the repartition topic, unchanged; the second stage decodes it again and aggregates it there.
   */
  private twoStages(input: ExecutionStep, op: AggregateOperator, repartitionTopic: string): void {
    const source = input.kind === 'streamFilterV1' ? input.source : input;
    if (source.kind !== 'streamSourceV1') throw new InternalError(`A repartition topic after ${source.kind}`);
    const record = this.deps.record;
    this.rows(input, {
      push: (row, ts, nullValue) => {
        if (nullValue || !record.current) return;
        const groupKey = op.groupKeyBytes(row);
        if (groupKey !== null) this.emitTo(repartitionTopic)(toRepartitionRecord(record.current, groupKey, ts));
      },
    });
    const decoder = this.decoder(source);
    const rowtime = source.columns.findIndex((c) => c.role === 'PSEUDO' && c.name === 'ROWTIME');
    const state = this.requireState();
    // A replayed first stage's records are skipped (see repartition-stages.ts).
    const seenBefore = sourceReplayGuard(state, 'repartition_seen');
    this.entry(repartitionTopic, (rec) => {
      const original = fromRepartitionRecord(rec, source.topic);
      if (seenBefore(rec.partition, original)) return;
      const groupKey = op.groupKeyFromBytes(rec.key);
      if (groupKey === null) return;
      record.current = original;
      const row = decoder.decode(original);
      if (row !== null) op.processKeyed(row, row[rowtime] as number, groupKey, rec.partition);
    });
  }

  /** Appends a first-stage record for `topic` (taken by the query after each chunk). */
  private emitTo(topic: string): (r: ProduceRecord) => void {
    let list = this.repartitioned.get(topic);
    return (r) => {
      if (list === undefined || this.repartitioned.get(topic) !== list) {
        list = this.repartitioned.get(topic) ?? [];
        this.repartitioned.set(topic, list);
      }
      list.push(r);
    };
  }

  private requireState(): StateDb {
    if (!this.deps.state) throw new InternalError('A stateful step without state');
    return this.deps.state;
  }

  // --------------------------------------------------------------------------------------------
  // Joins

  /**
   * A join tree: the root's columns are the row every node of the tree works on (each source's
   * columns at its offset, the join key last). Source records enter the node that reads that source
   * directly, on its side.
   */
  private join(root: JoinStep, down: RowConsumer): void {
    const layout = layoutOf(root.columns);
    const scope = new LayoutScope(layout, [], 'JOIN ON column');
    const width = layout.length;
    const keyIndex = width - 1;
    // The sources in FROM order, each at its offset in the row.
    const leaves: { step: SourceStep; offset: number }[] = [];
    const collect = (s: ExecutionStep): void => {
      if (isJoinStep(s)) {
        collect(s.left);
        collect(s.right);
      } else if (s.kind === 'streamSourceV1' || s.kind === 'tableSourceV1') {
        const offset = leaves.reduce((n, l) => n + l.step.columns.length, 0);
        leaves.push({ step: s, offset });
      } else throw new InternalError(`A join over ${s.kind}`);
    };
    collect(root);
    const leafOf = (s: ExecutionStep) => leaves.find((l) => l.step === s)!;
    const range = (l: { step: SourceStep; offset: number }): [number, number] => [l.offset, l.offset + l.step.columns.length];
    const windowAt = (l: { step: SourceStep; offset: number }) => (l.step.window ? l.offset + l.step.columns.findIndex((c) => c.name === 'WINDOWSTART') : -1);
    const kindOf = (s: ExecutionStep): 'STREAM' | 'TABLE' => (s.kind === 'tableSourceV1' || s.kind === 'tableTableJoinV1' || s.kind === 'fkTableTableJoinV1' ? 'TABLE' : 'STREAM');
    const leavesUnder = (s: ExecutionStep): { step: SourceStep; offset: number }[] => (isJoinStep(s) ? [...leavesUnder(s.left), ...leavesUnder(s.right)] : [leafOf(s)]);
    const spec = (node: JoinStep): JoinSpec => {
      const right = leafOf(node.right);
      return {
        type: node.joinType,
        leftKind: kindOf(node.left),
        rightKind: kindOf(node.right),
        foreignKey: node.kind === 'fkTableTableJoinV1',
        ...(node.within ? { within: node.within } : {}),
        leftKey: this.expr(node.leftKey),
        rightKey: this.expr(node.rightKey),
        scope,
        leftRanges: [...leavesUnder(node.left).map(range), [keyIndex, keyIndex + 1]],
        rightRange: range(right),
        leftWindowAt: isJoinStep(node.left) ? -1 : windowAt(leafOf(node.left)),
        rightWindowAt: windowAt(right),
        sessionWindows: right.step.window?.type === 'SESSION',
        ...(isJoinStep(node.left) ? { left: spec(node.left) } : {}),
      };
    };
    const state = this.requireState();
    const top = new JoinRuntime(spec(root), this.deps.ctx, state, (e: JoinEvent) => down.push(e.row, e.ts, e.deleted, undefined), 'j');
    this.commits.push(() => top.beforeCommit());
    // Each source enters the node that reads it directly: the leftmost at the deepest node's left.
    let node: JoinRuntime | undefined = top;
    let step: ExecutionStep = root;
    while (node && isJoinStep(step)) {
      const through = (side: string) => this.deps.joinRepartitions?.get(`${step.ctx}-${side}`);
      this.joinInput(step.right as SourceStep, leafOf(step.right).offset, width, node, 'R', through('right'), step.rightKey, scope, root);
      if (!isJoinStep(step.left)) this.joinInput(step.left as SourceStep, leafOf(step.left).offset, width, node, 'L', through('left'), step.leftKey, scope, root);
      step = step.left;
      node = node.leftChild;
    }
  }

  /**
   * A join side read from its source, or, `through` a repartition topic (Kafka, a stream joined on
   * other than its key): stage one writes each source record keyed by its join expression, in the
   * other side's key format, and the join reads the topic (co-partitioned with the other side).
   */
  private joinInput(
    step: SourceStep,
    offset: number,
    width: number,
    node: JoinRuntime,
    side: 'L' | 'R',
    through: JoinThrough | undefined,
    keyExpr: string,
    scope: LayoutScope,
    root: JoinStep,
  ): void {
    const decoder = this.decoder(step);
    const rowtime = step.columns.findIndex((c) => c.role === 'PSEUDO' && c.name === 'ROWTIME');
    const isTable = step.kind === 'tableSourceV1';
    const toRow = (r: LogRecord): unknown[] | null => {
      if (isTable && r.key === null) return null;
      const row = decoder.decode(r);
      if (row === null) return null;
      // A stream record without a value joins nothing; a table's is a delete.
      if (!isTable && decoder.valueIsNull) return null;
      const full = new Array<unknown>(width).fill(null);
      for (let i = 0; i < row.length; i++) full[offset + i] = row[i];
      return full;
    };
    const join = (full: unknown[]): void => {
      const e: JoinEvent = { row: full, ts: full[offset + rowtime] as number, deleted: decoder.valueIsNull };
      if (side === 'L') node.onLeft(e);
      else node.onRight(e);
    };
    if (through === undefined) {
      this.entry(step.topic, (r) => {
        const full = toRow(r);
        if (full !== null) join(full);
      });
      return;
    }
    const key = compileExpression(this.expr(keyExpr), scope, this.deps.ctx).evaluate;
    const keyColumn = root.columns[root.columns.length - 1]!;
    const f = through.keyFormats;
    const binding = through.keyBinding;
    const keySerde = createSerde(f.keyFormat, schemaOf(binding ? binding.columns : [{ ...keyColumn, role: 'KEY' }]).key, f.keyOptions, true, { topic: binding ? binding.topic : through.topic, catalog: this.deps.schemas });
    const emit = this.emitTo(through.topic);
    this.entry(step.topic, (r) => {
      const full = toRow(r);
      if (full === null) return;
      const k = key(full);
      if (k === null || k === undefined) return; // a null join key joins nothing
      const bytes = keySerde.serialize([k]);
      if (bytes !== null) emit(toRepartitionRecord(r, bytes, full[offset + rowtime] as number));
    });
    const seenBefore = sourceReplayGuard(this.requireState(), `repartition_seen_${side}`);
    // record.current stays the repartition record: a re-keying aggregation after the join numbers
    // its rows by the record this task consumed (repartition-stages.ts).
    this.entry(through.topic, (rec) => {
      const original = fromRepartitionRecord(rec, step.topic);
      if (seenBefore(rec.partition, original)) return;
      const full = toRow(original);
      if (full !== null) join(full);
    });
  }
}

function isAggregate(step: ExecutionStep): step is AggregateStep {
  return step.kind === 'streamAggregateV1' || step.kind === 'streamWindowedAggregateV1' || step.kind === 'tableAggregateV1';
}

/** The rows come from a source through filters and table functions only: their key is the source record's. */
function keyFromSource(step: ExecutionStep): boolean {
  switch (step.kind) {
    case 'streamSourceV1':
    case 'tableSourceV1':
      return true;
    case 'streamFilterV1':
    case 'tableFilterV1':
    case 'streamFlatMapV1':
      return keyFromSource(step.source);
    default:
      return false;
  }
}

/** A table source below (through filters): its records' raw keys identify the rows. */
function tableSourceBelow(step: ExecutionStep): boolean {
  if (step.kind === 'tableSourceV1') return true;
  if (step.kind === 'tableFilterV1') return tableSourceBelow(step.source);
  return false;
}
