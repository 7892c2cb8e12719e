/**
 * A running persistent query (CREATE STREAM/TABLE AS SELECT, INSERT INTO): consumes its source
 * topic in micro-batches, runs the compiled operators synchronously over each batch, appends the
 * outputs to the sink topic in one call, then commits.
 *
 * Stateless queries commit their consumer position. Stateful queries keep state in SQLite
 * (src/storage/state) and commit the input positions in the same transaction as the state, after
 * the outputs are durable; on start they resume from those positions. Either way a crash replays at
 * most the last batch: outputs are at-least-once, state is exactly the committed input. With
 * processing.guarantee=exactly_once_v2 on the embedded log, the writer (exactly-once.ts) makes the
 * replayed outputs idempotent, so none is written twice.
 *
 * On Kafka, several servers may share the query's consumer group. State is then split by task
 * (input partition) and backed by a changelog topic (changelog.ts): each batch's state writes and
 * per-task checkpoints are appended before the local commit, and reconcileTasks drops or restores
 * tasks as the group's assignment changes. Re-keying aggregations over streams run in two stages
 * through a repartition topic (repartition.ts).
 */
import type { Log, LogConsumer, LogRecord, TopicPartition } from '../storage/log/log.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { SqlType } from '../types/sql-type.js';
import type { StateDb } from '../storage/state/state-db.js';
import type { ProcessingLog } from './processing-log.js';
import type { Changelog } from './changelog.js';
import type { TableView } from '../storage/state/materialized-view.js';
import type { RecordErrorSink } from '../operators/source.js';
import type { RecordContext } from '../operators/operator.js';
import { sourceSteps, type QueryPlan, type SinkStep } from '../plan/steps.js';
import { buildTask, type QueryTask } from './task-builder.js';
import type { SchemaCatalog } from '../registry/schema.js';
import { schemaPrefetch, type SchemaPrefetch } from './schema-prefetch.js';
import { QueryStats } from './query-stats.js';
import { InternalError } from '../errors.js';
import { outputWriter, processingGuarantee, type OutputWriter } from './exactly-once.js';
import { InputMerge, maxTaskIdleMs } from './input-merge.js';
import type { AggregateRepartition } from './repartition-plan.js';
import type { JoinThrough } from './repartition-topics.js';

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
  /** On Kafka, for a re-keying aggregation: its repartition topic (src/runtime/repartition.ts). */
  readonly repartitionTopic?: string;
  /** On Kafka: how the aggregation goes through it (repartition-plan.ts). */
  readonly aggregateRepartition?: AggregateRepartition;
  /** On Kafka: re-keyed join sides, by side name (`Join-left`), and their repartition topics. */
  readonly joinRepartitions?: ReadonlyMap<string, JoinThrough>;
  /** On Kafka, with repartition topics: the topics whose partitions are the tasks of the state. */
  readonly stateTopics?: readonly string[];
  /** Partitions of the sink topic. */
  readonly sinkPartitions?: number;
  readonly schemas: SchemaCatalog;
}

export class PersistentQuery {
  state: QueryState = 'RUNNING';
  /** The last fatal error, when state is ERROR. */
  error?: Error;
  private loop?: Promise<void>;
  private stopping = false;
  private task!: QueryTask;
  private readonly rebuild: () => void;
  /** Tasks (input partitions) whose state this server holds, when state is split by task. */
  private readonly ownedTasks = new Set<number>();
  /** Assignment generation last reconciled: -1 before the first, NaN to force another. */
  private seenGeneration = -1;
  /** Source records consumed (the repartition topic's records are not counted). */
  processed = 0;
  /**
   * Records this server wrote to the repartition topic minus those it aggregated from it: while it
   * is above 0 the second stage has not caught up (meaningful when one server runs the query).
   */
  repartitionBacklog = 0;
  readonly stats = new QueryStats();
  readonly sinkStep: SinkStep;

  constructor(
    readonly id: string,
    readonly statementText: string,
    readonly plan: QueryPlan,
    private readonly deps: QueryDeps,
  ) {
    const root = plan.root;
    if (root.kind !== 'streamSinkV1' && root.kind !== 'tableSinkV1') throw new InternalError(`A persistent query's plan must end in a sink, not ${root.kind}`);
    this.sinkStep = root;
    const record: RecordContext = { current: undefined };
    const onError: RecordErrorSink = (type, message, r) => {
      const at = r ?? record.current;
      this.stats.recordFailure();
      deps.processingLog.record({ queryId: id, type, message, timestamp: Date.now(), ...(at ? { topic: at.topic, partition: at.partition, offset: at.offset } : {}) });
    };
    const ctx = { functions: deps.functions, customTypes: deps.customTypes, onRowError: (e: Error) => onError('RECORD_PROCESSING_ERROR', e.message) };
    // Builds the operators over the current state; run again after a task's state is restored or
    // dropped, so operators re-read what they keep in memory (stream time, held outer joins).
    this.rebuild = () => {
      this.task = buildTask(root, {
        ctx,
        onRecordError: onError,
        state: deps.state,
        config: deps.config,
        sourcePartitions: deps.sourcePartitions,
        record,
        schemas: deps.schemas,
        ...(deps.view ? { view: deps.view } : {}),
        ...(deps.repartitionTopic !== undefined ? { repartitionTopic: deps.repartitionTopic } : {}),
        ...(deps.aggregateRepartition !== undefined ? { aggregateRepartition: deps.aggregateRepartition } : {}),
        ...(deps.joinRepartitions !== undefined ? { joinRepartitions: deps.joinRepartitions } : {}),
        ...(deps.sinkPartitions !== undefined ? { sinkPartitions: deps.sinkPartitions } : {}),
      });
    };
    this.rebuild();
    this.prefetch = schemaPrefetch(root, deps.schemas);
    const outputs = [root.topic, ...(deps.repartitionTopic !== undefined ? [deps.repartitionTopic] : [])];
    this.writer = outputWriter(deps.log, processingGuarantee(deps.config), deps.groupId, outputs);
    // Several input topics (joins): records run in event-time order across them (input-merge.ts).
    if (queryTopics(plan).length > 1) this.merge = new InputMerge(deps.consumer, deps.log, this.inputTopics, maxTaskIdleMs(deps.config));
  }

  /** Orders a multi-input query's records by timestamp across its input partitions. */
  private readonly merge: InputMerge | undefined;

  private pollInput(max: number, timeoutMs: number): Promise<LogRecord[]> {
    return this.merge ? this.merge.poll(max, max, timeoutMs, this.batchRecords) : this.deps.consumer.poll(max, timeoutMs);
  }

  /** Appends the outputs: at-least-once, or exactly-once (exactly-once.ts). */
  private readonly writer: OutputWriter;

  /** Fetches the schemas a batch's records name, before it runs (an external registry only). */
  private readonly prefetch: SchemaPrefetch | undefined;

  /** The stream or table this query writes. */
  get sinkName(): string {
    return this.sinkStep.sinkName;
  }

  get sinkTopic(): string {
    return this.sinkStep.topic;
  }

  /** Every topic the query consumes (its sources, and its repartition topic if any). */
  get inputTopics(): string[] {
    return [...queryTopics(this.plan), ...this.repartitionTopics];
  }

  /** Every repartition topic of the query (the aggregation's, the join sides'). */
  get repartitionTopics(): string[] {
    return [...(this.deps.repartitionTopic !== undefined ? [this.deps.repartitionTopic] : []), ...[...(this.deps.joinRepartitions?.values() ?? [])].map((j) => j.topic)];
  }

  /** The streams and tables this query reads. */
  get sourceNames(): readonly string[] {
    return this.plan.sources;
  }

  /** The topics whose partitions are the tasks of this query's state. */
  stateTopics(): string[] {
    if (this.deps.stateTopics !== undefined) return [...this.deps.stateTopics];
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
    return this.repartitionTopics.length > 0;
  }

  get repartitionTopic(): string | undefined {
    return this.deps.repartitionTopic;
  }

  /** Records of the query's input topics not consumed yet (over the partitions this server holds). */
  async consumerLag(): Promise<number> {
    let lag = 0;
    for (const [topic, positions] of this.deps.consumer.positions()) {
      const ends = await this.deps.log.endOffsets(topic);
      positions.forEach((p, i) => {
        if (p >= 0) lag += Math.max(0, (ends[i] ?? 0) - p);
      });
    }
    return lag;
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
    await this.writer.begin(before);
    let want = this.writer.limit(chunk, before);
    let records = await this.pollInput(want, timeoutMs);
    if (records.length === 0) {
      this.merge?.rewind();
      return 0;
    }
    const started = performance.now();
    let consumed = 0;
    let second = 0;
    const repartitionTopics = new Set(this.repartitionTopics);
    try {
      state?.begin();
      for (;;) {
        await this.runChunk(records);
        consumed += records.length;
        if (repartitionTopics.size > 0) for (const r of records) if (repartitionTopics.has(r.topic)) second++;
        if (records.length < want || consumed >= maxRecords || performance.now() - started > BATCH_MAX_MS) break;
        want = this.writer.limit(Math.min(chunk, maxRecords - consumed), consumer.positions());
        records = await this.pollInput(want, 0);
        if (records.length === 0) break;
      }
      this.merge?.rewind(); // buffered records that did not run are read again by the next batch
      await this.finishBatch();
    } catch (e) {
      this.abandonBatch(before);
      this.produced = 0;
      throw e;
    }
    // Outputs and state are durable: the batch is processed (a failure from here on is retried by
    // the next commit, which covers these positions too).
    this.processed += consumed - second;
    this.repartitionBacklog -= second;
    this.stats.recordBatch(consumed - second, this.produced, Date.now(), performance.now() - started);
    this.produced = 0;
    await consumer.commit();
    await this.deps.processingLog.flush();
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
    this.merge?.reset();
    this.deps.state?.rollback();
    this.task.takeRepartitioned();
    this.task.sink?.take();
    this.rebuild();
  }

  /**
   * Run polled records and append their outputs. A batch is polled and run in chunks (see
   * Log.chunkRecords) so that a chunk's records and outputs die young.
   */
  private async runChunk(records: readonly LogRecord[]): Promise<void> {
    if (this.prefetch) await this.prefetch(records);
    this.task.process(records);
    // Exactly-once: a replay cuts its chunks where the first run's appends were, but its batches
    // may end elsewhere; so what the aggregation record cache holds is flushed with each chunk's
    // outputs (under the chunk's sequence number), never at the end of a batch.
    if (this.writer.idempotent) this.task.beforeCommit();
    const positions = this.deps.consumer.positions();
    for (const [topic, repartitioned] of this.task.takeRepartitioned()) {
      if (repartitioned.length === 0) continue;
      await this.writer.append(topic, repartitioned, positions);
      this.repartitionBacklog += repartitioned.length;
    }
    await this.appendOutputs(positions);
  }

  private async appendOutputs(positions: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const sink = this.task.sink!;
    if (sink.pending > 0) {
      const out = sink.take();
      await this.writer.append(this.sinkStep.topic, out, positions);
      this.produced += out.length;
    }
  }

  /** Records written to the sink topic in the batch being run. */
  private produced = 0;

  /** Make the batch's changelog and state durable (not the consumer commit). */
  private async finishBatch(): Promise<void> {
    const state = this.deps.state;
    const changelog = this.deps.changelog;
    if (state) {
      this.task.beforeCommit();
      const positions = this.deps.consumer.positions();
      await this.appendOutputs(positions); // what beforeCommit flushed (the aggregation record cache)
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

/** The topics a query reads. */
export function queryTopics(plan: QueryPlan): string[] {
  return [...new Set(sourceSteps(plan.root).flatMap((s) => (s.kind === 'pullSourceV1' ? [] : [s.topic])))];
}
