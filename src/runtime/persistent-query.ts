/**
 * A running persistent query (CREATE STREAM/TABLE AS SELECT, INSERT INTO): consumes its source
 * topic in micro-batches, runs the compiled operators synchronously over each batch, appends the
 * outputs to the sink topic in one call, then commits.
 *
 * Stateless queries commit their consumer position. Stateful queries keep state in SQLite
 * (src/storage/state) and commit the input positions in the same transaction as the state, after
 * the outputs are durable; on start they resume from those positions. Either way a crash replays at
 * most the last batch: outputs are at-least-once, state is exactly the committed input.
 *
 * On Kafka, several servers may share the query's consumer group. State is then split by task
 * (input partition) and backed by a changelog topic (changelog.ts): each batch's state writes and
 * per-task checkpoints are appended before the local commit, and reconcileTasks drops or restores
 * tasks as the group's assignment changes. Re-keying aggregations over streams run in two stages
 * through a repartition topic (repartition.ts).
 */
import type { Log, LogConsumer, LogRecord, ProduceRecord, TopicPartition } from '../storage/log/log.js';
import { fromRepartitionRecord, toRepartitionRecord } from './repartition.js';
import type { AggregateQueryPlan, StreamQueryPlan, SinkSpec } from '../plan/logical/plan.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { SqlType } from '../types/sql-type.js';
import type { LogicalSchema } from '../types/schema.js';
import { createSourceDecoder, type RecordErrorSink } from '../operators/source.js';
import { compileStreamPipeline } from '../operators/stream-pipeline.js';
import { SinkWriter } from '../operators/sink.js';
import { compileTimestampExtractor } from '../operators/timestamp.js';
import { AggregateOperator } from '../operators/aggregate.js';
import { createSerde } from '../serde/index.js';
import type { StateDb } from '../storage/state/state-db.js';
import type { WindowBounds } from '../serde/windowed.js';
import type { ProcessingLog } from './processing-log.js';
import type { Changelog } from './changelog.js';
import { AggregateView, type TableView } from '../storage/state/materialized-view.js';
import type { JoinQueryPlan } from '../analyzer/join-query.js';
import { JoinScope } from '../analyzer/join-query.js';
import { JoinRuntime, type JoinEvent } from '../operators/join.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';

export type QueryState = 'RUNNING' | 'ERROR' | 'TERMINATED';

/**
 * Records per micro-batch: each batch ends with one commit, so larger batches amortise it
 * (measured: 5,000 → 20,000 cut the commit share of a passthrough query's profile).
 */
export const BATCH_RECORDS = 20_000;
/**
 * Stateful queries also write each changed key once per batch, so they gain from larger ones
 * (measured, 400K bids, in chunks: tumbling 50K → 100K records per batch +10%, 200K no further),
 * for a longer replay of outputs after a crash (state stays exact).
 */
export const STATEFUL_BATCH_RECORDS = 100_000;
/**
 * A batch also ends once it has run this long, so a slow query (joins, sessions) commits — and
 * after a crash replays — at most about this much work; ksqlDB commits every 2 s by default.
 */
export const BATCH_MAX_MS = 1_000;
export type QueryPlan = StreamQueryPlan | AggregateQueryPlan | JoinQueryPlan;

export interface QueryDeps {
  readonly log: Log;
  readonly functions: FunctionRegistry;
  readonly customTypes: (name: string) => SqlType | undefined;
  readonly processingLog: ProcessingLog;
  readonly consumer: LogConsumer;
  readonly groupId: string;
  /** State for stateful queries (null for stateless ones). */
  readonly state: StateDb | null;
  readonly config: Readonly<Record<string, string>>;
  /** Partitions of the source topic (stream time per task when re-keying). */
  readonly sourcePartitions: number;
  /** For table results: the view pull queries read, updated with every output. */
  readonly view?: TableView;
  /** On Kafka: the changelog backing `state` (state is then split by task, see reconcileTasks). */
  readonly changelog?: Changelog;
  /** On Kafka, for a re-keying aggregation over a stream: its repartition topic (src/runtime/repartition.ts). */
  readonly repartitionTopic?: string;
}

type OutTimestamp = (key: readonly unknown[] | null, value: readonly unknown[] | null, rowTs: number) => number | null;

export class PersistentQuery {
  state: QueryState = 'RUNNING';
  /** The last fatal error, when state is ERROR. */
  error?: Error;
  private loop?: Promise<void>;
  private stopping = false;
  private process: (records: readonly LogRecord[]) => void = () => undefined;
  private beforeCommit?: () => void;
  private readonly rebuild: () => void;
  /** Tasks (input partitions) whose state this server holds, when state is split by task. */
  private readonly ownedTasks = new Set<number>();
  /** Assignment generation last reconciled: -1 before the first, NaN to force another. */
  private seenGeneration = -1;
  private readonly sink: SinkWriter;
  /** First-stage output of a re-keying aggregation on Kafka, appended to the repartition topic. */
  private repartitioned: ProduceRecord[] = [];
  /** Source records consumed (the repartition topic's records are not counted). */
  processed = 0;
  /**
   * Records this server wrote to the repartition topic minus those it aggregated from it: while it
   * is above 0 the second stage has not caught up (meaningful when one server runs the query).
   */
  repartitionBacklog = 0;

  constructor(
    readonly id: string,
    readonly statementText: string,
    readonly plan: QueryPlan,
    readonly sinkSpec: SinkSpec,
    private readonly deps: QueryDeps,
  ) {
    let current: LogRecord | undefined;
    const onError: RecordErrorSink = (type, message, record) => {
      const r = record ?? current;
      deps.processingLog.record({ queryId: id, type, message, timestamp: Date.now(), ...(r ? { topic: r.topic, partition: r.partition, offset: r.offset } : {}) });
    };
    const ctx = { functions: deps.functions, customTypes: deps.customTypes, onRowError: (e: Error) => onError('RECORD_PROCESSING_ERROR', e.message) };
    const sink = (this.sink = new SinkWriter(sinkSpec, plan.outputSchema, onError));
    const outTs = outputTimestamp(plan, onError);
    // An AggregateView reads the aggregation's own store: outputs need not update it.
    const view = deps.view instanceof AggregateView ? undefined : deps.view;
    const write = (key: readonly unknown[] | null, value: readonly unknown[] | null, rowTs: number, window?: WindowBounds) => {
      const ts = outTs(key, value, rowTs);
      if (ts === null) return;
      if (view && key !== null) view.apply(key, value, ts, window);
      if (!sinkSpec.materializeOnly) sink.write(key, value, ts, current?.headers, window);
    };

    const state = deps.state;
    // Builds the operators over the current state; run again after a task's state is restored or
    // dropped, so operators re-read what they keep in memory (stream time, held outer joins).
    this.rebuild = () => {
      if (plan.kind === 'joinQuery') {
        const first = plan.sources[0]!;
        const wi = sinkSpec.window ? first.offset + first.layout.findIndex((c) => c.name === 'WINDOWSTART') : -1;
        const run = buildJoin(plan, ctx, deps.state!, (k, v, ts, row) => write(k, v, ts, wi >= 0 ? { start: row[wi] as number, end: row[wi + 1] as number } : undefined));
        this.beforeCommit = run.beforeCommit;
        this.process = (records) => {
          for (const r of records) {
            current = r;
            state!.task = r.partition;
            run.process(r);
          }
          current = undefined;
        };
        return;
      }
      const decoder = createSourceDecoder(plan.source, onError);
      if (plan.kind === 'aggregateQuery') {
        const keySerde = plan.repartitioned ? createSerde(sinkSpec.keyFormat, plan.outputSchema.key, sinkSpec.keyOptions, true) : undefined;
        const op = new AggregateOperator(plan, ctx, deps.state!, (k, v, ts, w) => write(k, v, ts, w), deps.config, keySerde, deps.sourcePartitions);
        if (deps.view instanceof AggregateView) deps.view.attach(op);
        const isTable = plan.source.type === 'TABLE';
        const rowtime = plan.layout.findIndex((c) => c.name === 'ROWTIME' && c.role === 'PSEUDO');
        this.beforeCommit = () => op.beforeCommit();
        const sourceKey = (r: LogRecord) => (r.key === null || !isTable ? '' : r.key.toString('base64'));
        const repartitionTopic = deps.repartitionTopic;
        if (repartitionTopic === undefined) {
          this.process = (records) => {
            for (const r of records) {
              current = r;
              if (isTable && r.key === null) continue; // a table row needs a key
              state!.task = r.partition;
              const row = decoder.decode(r);
              if (row === null) continue;
              op.process({ row, nullValue: decoder.valueIsNull, ts: row[rowtime] as number, partition: r.partition, sourceKey: sourceKey(r) });
            }
            current = undefined;
          };
          return;
        }
        // Two stages through the repartition topic (src/runtime/repartition.ts), one consumer for both.
        const sourceTopic = plan.source.topic;
        const lastAggregated = deps.state!.kv<number[]>('repartition_seen', { encode: (v) => JSON.stringify(v), decode: (t) => JSON.parse(t) as number[] });
        /**
         * The first stage is replayed from its last commit after a crash or a rebalance, so the
         * repartition topic can hold a source record twice: each task skips source offsets it has
         * already aggregated (kept with its state, so this holds across restores too).
         */
        const seenBefore = (task: number, source: LogRecord): boolean => {
          const k = String(task);
          const last = lastAggregated.get(k) ?? [];
          if (source.offset <= (last[source.partition] ?? -1)) return true;
          // Updated in place: a failed batch's StateDb.rollback() drops the cached copy.
          last[source.partition] = source.offset;
          lastAggregated.put(k, last);
          return false;
        };
        this.process = (records) => {
          for (const rec of records) {
            current = rec;
            if (rec.topic !== repartitionTopic) {
              // First stage: route the source record to its group key's partition.
              const row = decoder.decode(rec);
              if (row === null || decoder.valueIsNull) continue;
              const groupKey = op.groupKeyBytes(row);
              if (groupKey !== null) this.repartitioned.push(toRepartitionRecord(rec, groupKey, row[rowtime] as number));
              continue;
            }
            // Second stage: aggregate, with the group key computed once by the first stage.
            const source = fromRepartitionRecord(rec, sourceTopic);
            state!.task = rec.partition;
            if (seenBefore(rec.partition, source)) continue;
            const groupKey = op.groupKeyFromBytes(rec.key);
            const row = groupKey === null ? null : decoder.decode(source);
            if (row === null || groupKey === null) continue;
            op.process({ row, nullValue: decoder.valueIsNull, ts: row[rowtime] as number, partition: rec.partition, sourceKey: '', groupKey });
          }
          current = undefined;
        };
        return;
      }

      const pipeline = compileStreamPipeline(plan, ctx);
      const rowtimeIndex = plan.layout.findIndex((c) => c.role === 'PSEUDO' && c.name === 'ROWTIME');
      const windowStart = sinkSpec.window ? plan.layout.findIndex((c) => c.role === 'PSEUDO' && c.name === 'WINDOWSTART') : -1;
      const passThroughKeys = !plan.rekeyed;
      const isTable = plan.source.type === 'TABLE';
      const emit = (key: unknown[], value: unknown[] | null, row: readonly unknown[]) => {
        const window = windowStart >= 0 && row[windowStart] !== null ? { start: row[windowStart] as number, end: row[windowStart + 1] as number } : undefined;
        // Without PARTITION BY a record without a key keeps having none.
        write(passThroughKeys && current?.key === null ? null : key, value, row[rowtimeIndex] as number, window);
      };
      this.process = (records) => {
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          current = r;
          if (isTable && r.key === null) continue; // a table row needs a key
          if (state !== null) state.task = r.partition;
          const row = decoder.decode(r);
          if (row !== null) pipeline(row, emit, decoder.valueIsNull);
        }
        current = undefined;
      };
    };
    this.rebuild();
  }

  /** Every topic the query consumes (its sources, and its repartition topic if any). */
  get inputTopics(): string[] {
    return [...queryTopics(this.plan), ...(this.deps.repartitionTopic !== undefined ? [this.deps.repartitionTopic] : [])];
  }

  /** The topics whose partitions are the tasks of this query's state. */
  stateTopics(): string[] {
    return this.deps.repartitionTopic !== undefined ? [this.deps.repartitionTopic] : queryTopics(this.plan);
  }

  /** The consumer group this query's servers share. */
  get groupId(): string {
    return this.deps.groupId;
  }

  /** Input partitions assigned to this server (undefined: all of them, the embedded log). */
  assignment(): readonly TopicPartition[] | undefined {
    return this.deps.consumer.assignment?.().partitions;
  }

  get hasRepartitionTopic(): boolean {
    return this.deps.repartitionTopic !== undefined;
  }

  get hasChangelog(): boolean {
    return this.deps.changelog !== undefined;
  }

  /** Where a stateful query's committed state says to resume, per topic; undefined when stateless or new. */
  resumePositions(): Map<string, number[]> | undefined {
    if (!this.deps.state) return undefined;
    const out = new Map<string, number[]>();
    for (const topic of queryTopics(this.plan)) {
      const p = this.deps.state.positions(topic);
      if (p) out.set(topic, p);
    }
    return out.size > 0 ? out : undefined;
  }

  /** Records per micro-batch for this query. */
  get batchRecords(): number {
    return this.deps.state ? STATEFUL_BATCH_RECORDS : BATCH_RECORDS;
  }

  /**
   * Process one micro-batch: poll, run, append outputs, commit. Returns the number of input records
   * consumed (0 when caught up).
   */
  async step(maxRecords = this.batchRecords, timeoutMs = 0): Promise<number> {
    const state = this.deps.state;
    const changelog = this.deps.changelog;
    if (changelog && state) await this.reconcileTasks(changelog, state);
    const consumer = this.deps.consumer;
    const before = consumer.positions();
    const chunk = Math.min(maxRecords, this.deps.log.chunkRecords ?? maxRecords);
    let records = await consumer.poll(chunk, timeoutMs);
    if (records.length === 0) return 0;
    const started = performance.now();
    let consumed = 0;
    let second = 0;
    try {
      state?.begin();
      for (;;) {
        await this.runChunk(records);
        consumed += records.length;
        if (this.deps.repartitionTopic !== undefined) for (const r of records) if (r.topic === this.deps.repartitionTopic) second++;
        if (records.length < chunk || consumed >= maxRecords || performance.now() - started > BATCH_MAX_MS) break;
        records = await consumer.poll(Math.min(chunk, maxRecords - consumed), 0);
        if (records.length === 0) break;
      }
      await this.finishBatch();
    } catch (e) {
      this.abandonBatch(before);
      throw e;
    }
    // Outputs and state are durable: a failure from here on is retried by the next commit.
    await consumer.commit();
    await this.deps.processingLog.flush();
    this.processed += consumed - second;
    this.repartitionBacklog -= second;
    return consumed;
  }

  /**
   * A batch that failed (e.g. its outputs could not be appended) is processed again from its start:
   * the consumer goes back to where it was, the state transaction and uncommitted writes are dropped,
   * and the operators are rebuilt over the committed state (so nothing is lost or counted twice).
   */
  private abandonBatch(before: ReadonlyMap<string, number[]>): void {
    for (const [topic, positions] of before) {
      positions.forEach((o, p) => {
        if (o < 0) return;
        try {
          this.deps.consumer.seek(topic, p, o);
        } catch {
          // no longer assigned (a rebalance): its new owner resumes it from the committed position
        }
      });
    }
    this.deps.state?.rollback();
    this.repartitioned = [];
    this.sink.take();
    this.rebuild();
  }

  /**
   * Run polled records and append their outputs. A batch is polled and run in chunks (see
   * Log.chunkRecords) so that a chunk's records and outputs die young.
   */
  private async runChunk(records: readonly LogRecord[]): Promise<void> {
    this.process(records);
    if (this.repartitioned.length > 0) {
      const out = this.repartitioned;
      this.repartitioned = [];
      await this.deps.log.append(this.deps.repartitionTopic!, out);
      this.repartitionBacklog += out.length;
    }
    if (this.sink.pending > 0) await this.deps.log.append(this.sinkSpec.topic, this.sink.take());
  }

  /** Make the batch's changelog and state durable (not the consumer commit). */
  private async finishBatch(): Promise<void> {
    const state = this.deps.state;
    const changelog = this.deps.changelog;
    if (state) {
      this.beforeCommit?.();
      const positions = this.deps.consumer.positions();
      if (changelog) {
        // State writes and per-task checkpoints are durable in Kafka before the state commits here.
        // Tasks that moved to another server during this batch are left out: their new owner may
        // already be writing, and a late checkpoint from here would end its changelog.
        const topics = this.stateTopics();
        const still = new Set<number>();
        for (const tp of this.deps.consumer.assignment?.().partitions ?? []) if (topics.includes(tp.topic) && this.ownedTasks.has(tp.partition)) still.add(tp.partition);
        const changes = state.takeChanges();
        await changelog.append(still.size === this.ownedTasks.size ? changes : changes.filter((c) => still.has(c.task)), still, positions);
      }
      state.commit(positions);
    }
  }

  /**
   * On Kafka, follow the consumer group's assignment: drop the state of tasks (partitions) that
   * moved to another server, and restore the state of tasks that arrived from the changelog,
   * resuming their input from its checkpoint. At the first assignment a task whose state survives in
   * the local data directory keeps it (and the positions committed with it).
   */
  private async reconcileTasks(changelog: Changelog, state: StateDb): Promise<void> {
    const consumer = this.deps.consumer;
    const a = consumer.assignment?.();
    if (a === undefined || a.generation === this.seenGeneration) return;
    const first = this.seenGeneration < 0;
    this.seenGeneration = a.generation;
    const topics = this.stateTopics();
    const assigned = new Set(a.partitions.filter((tp) => topics.includes(tp.topic)).map((tp) => tp.partition));
    let changed = false;
    for (const t of [...this.ownedTasks]) {
      if (assigned.has(t)) continue;
      state.dropTask(t);
      this.ownedTasks.delete(t);
      changed = true;
    }
    for (const t of assigned) {
      if (this.ownedTasks.has(t)) continue;
      this.ownedTasks.add(t);
      const local = first ? topics.map((topic) => state.positions(topic)?.[t] ?? -1) : [];
      if (first && local.some((o) => o >= 0)) {
        topics.forEach((topic, i) => {
          if (local[i]! >= 0) consumer.seek(topic, t, local[i]!);
        });
        continue;
      }
      if (!first) state.dropTask(t); // rows left from an earlier ownership are stale
      const restored = await changelog.restore(state, t);
      changed = true;
      if (consumer.assignment?.().generation !== a.generation) {
        // Reassigned while restoring: forget this task, and reconcile again at the next step.
        state.dropTask(t);
        this.ownedTasks.delete(t);
        this.seenGeneration = Number.NaN;
        break;
      }
      for (const [topic, offset] of restored ?? []) {
        if (topics.includes(topic) && a.partitions.some((tp) => tp.topic === topic && tp.partition === t)) consumer.seek(topic, t, offset);
      }
    }
    if (changed) this.rebuild();
  }

  /** Run continuously in the background until stop(). */
  start(pollTimeoutMs = 200): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.step(this.batchRecords, pollTimeoutMs);
          if (this.state === 'ERROR') this.state = 'RUNNING'; // recovered (e.g. a rebalance, a broker restart)
        } catch (e) {
          this.state = 'ERROR';
          this.error = e as Error;
          // Back off and retry: a failing append (e.g. a deleted sink topic) should not spin.
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.loop) await this.loop;
    this.loop = undefined;
    await this.deps.consumer.close();
    this.deps.state?.close();
  }
}

/** Output record timestamp: the input's ROWTIME, or the sink's TIMESTAMP column when given. */
function outputTimestamp(plan: QueryPlan, onError: RecordErrorSink): OutTimestamp {
  const column = plan.kind !== 'aggregateQuery' ? plan.timestampColumn : undefined;
  const format = plan.kind !== 'aggregateQuery' ? plan.timestampFormat : undefined;
  const check = (ts: number | null): number | null => {
    if (ts === null || ts < 0) {
      onError('RECORD_PROCESSING_ERROR', `Invalid timestamp ${String(ts)} for the output record`);
      return null;
    }
    return ts;
  };
  if (column === undefined) return (_k, _v, rowTs) => check(rowTs);
  const schema: LogicalSchema = plan.outputSchema;
  const vi = schema.value.findIndex((c) => c.name === column);
  const ki = schema.key.findIndex((c) => c.name === column);
  const extract = compileTimestampExtractor((vi >= 0 ? schema.value[vi] : schema.key[ki])!.type, format);
  return (k, v, rowTs) => {
    try {
      if (vi >= 0) return check(v === null ? rowTs : extract(v[vi]));
      return check(k === null ? rowTs : extract(k[ki]));
    } catch (e) {
      onError('RECORD_PROCESSING_ERROR', `Failed to extract timestamp: ${(e as Error).message}`);
      return null;
    }
  };
}

/** The topics a query reads. */
export function queryTopics(plan: QueryPlan): string[] {
  return plan.kind === 'joinQuery' ? [...new Set(plan.sources.map((s) => s.source.topic))] : [plan.source.topic];
}

/**
 * Wire a join query: one decoder per source, the join tree, then WHERE and the projection over the
 * joined row. Records of each source enter the join node that has that source as a direct input.
 */
function buildJoin(
  plan: JoinQueryPlan,
  ctx: CompileContext,
  state: StateDb,
  write: (key: readonly unknown[] | null, value: readonly unknown[] | null, ts: number, row: readonly unknown[]) => void,
): { process(r: LogRecord): void; beforeCommit(): void } {
  const scope = new JoinScope(plan.sources, plan.layout, 'SELECT column');
  const where = plan.where ? compileExpression(plan.where, scope, ctx).evaluate : undefined;
  const keyFns = plan.keyColumns.map((c) => compileExpression(c.expr, scope, ctx).evaluate);
  const valueFns = plan.valueColumns.map((c) => compileExpression(c.expr, scope, ctx).evaluate);
  const tableResult = plan.resultType === 'TABLE';
  const out = (e: JoinEvent) => {
    const key = keyFns.map((f) => f(e.row));
    if (e.deleted) {
      if (tableResult) write(key, null, e.ts, e.row);
      return;
    }
    if (where && where(e.row) !== true) {
      // A table row that stops matching is deleted downstream.
      if (tableResult) write(key, null, e.ts, e.row);
      return;
    }
    write(key, valueFns.map((f) => f(e.row)), e.ts, e.row);
  };
  const root = new JoinRuntime(plan.root, plan, ctx, state, out, 'j');
  // Route each source to the runtime node that takes it directly, and on which side.
  const routes = new Map<number, { node: JoinRuntime; side: 'L' | 'R' }>();
  let node: JoinRuntime | undefined = root;
  let plannode = plan.root;
  while (node) {
    routes.set(plannode.right, { node, side: 'R' });
    if (typeof plannode.left === 'number') {
      routes.set(plannode.left, { node, side: 'L' });
      break;
    }
    plannode = plannode.left;
    node = node.leftChild;
  }
  const width = plan.layout.length;
  const decoders = plan.sources.map((s, i) => ({
    topic: s.source.topic,
    offset: s.offset,
    rowtime: s.layout.findIndex((c) => c.name === 'ROWTIME' && c.role === 'PSEUDO'),
    isTable: s.source.type === 'TABLE',
    decoder: createSourceDecoder(s.source, (type, message) => ctx.onRowError?.(new Error(`${type}: ${message}`))),
    route: routes.get(i)!,
  }));
  return {
    process(r: LogRecord) {
      for (const d of decoders) {
        if (d.topic !== r.topic) continue;
        if (d.isTable && r.key === null) continue;
        const row = d.decoder.decode(r);
        if (row === null) continue;
        const full = new Array<unknown>(width).fill(null);
        for (let i = 0; i < row.length; i++) full[d.offset + i] = row[i];
        const e: JoinEvent = { row: full, ts: row[d.rowtime] as number, deleted: d.decoder.valueIsNull };
        if (!d.isTable && e.deleted) continue;
        if (d.route.side === 'L') d.route.node.onLeft(e);
        else d.route.node.onRight(e);
      }
    },
    beforeCommit: () => root.beforeCommit(),
  };
}
