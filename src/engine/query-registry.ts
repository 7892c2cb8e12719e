/**
 * The persistent queries of an engine and their life cycle: start one from its plan (its consumer
 * group, its SQLite state, on Kafka its changelog and repartition topics, the view pull queries read),
 * stop it, run them all until idle (drain), and the links between queries and the sources they read
 * and write.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../storage/log/log.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { SqlType } from '../types/sql-type.js';
import { StateDb } from '../storage/state/state-db.js';
import { AggregateView, MaterializedView, type TableView } from '../storage/state/materialized-view.js';
import { AggregateOperator } from '../operators/aggregate.js';
import { PersistentQuery, queryTopics } from '../runtime/persistent-query.js';
import { Changelog, changelogTopicName } from '../runtime/changelog.js';
import { JOIN_REPARTITION, createRepartitionTopics } from '../runtime/repartition-topics.js';
import type { ProcessingLog } from '../runtime/processing-log.js';
import { parseStepExpr } from '../plan/step-codec.js';
import { isJoinStep, walkSteps, type AggregateStep, type ExecutionStep, type QueryPlan } from '../plan/steps.js';
import type { QuerySummary } from './results.js';
import type { SchemaCatalog } from '../registry/schema.js';

export interface RegistryDeps {
  readonly log: Log;
  readonly dataDir: string;
  readonly functions: FunctionRegistry;
  readonly customTypes: (name: string) => SqlType | undefined;
  readonly processingLog: ProcessingLog;
  /** Start queries in the background (false: tests drive them with drain()). */
  readonly runQueries: boolean;
  /** Published with consumer-group memberships, for pull-query forwarding. */
  readonly advertisedUrl?: string;
  readonly schemas: SchemaCatalog;
}

export class QueryRegistry {
  private readonly queries = new Map<string, PersistentQuery>();
  /** Materialized tables, by table name (pull queries read them). */
  private readonly views = new Map<string, TableView>();
  private counter = 0;

  constructor(private readonly deps: RegistryDeps) {}

  /** A new query id: `CSAS_NAME_3`, `INSERTQUERY_4` (numbered across all queries, as ksqlDB). */
  nextId(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** The id nextId would give (EXPLAIN of a statement not run). */
  peekId(prefix: string): string {
    return `${prefix}_${this.counter}`;
  }

  get(id: string): PersistentQuery | undefined {
    return this.queries.get(id);
  }

  has(id: string): boolean {
    return this.queries.has(id);
  }

  all(): PersistentQuery[] {
    return [...this.queries.values()];
  }

  ids(): string[] {
    return [...this.queries.keys()];
  }

  view(table: string): TableView | undefined {
    return this.views.get(table);
  }

  /** The query maintaining a table's view (the one pull queries on it read). */
  viewOwner(table: string): PersistentQuery | undefined {
    if (!this.views.has(table)) return undefined;
    return this.all().find((q) => q.sinkName === table);
  }

  /** Queries writing into a source. */
  writers(source: string): PersistentQuery[] {
    return this.all().filter((q) => q.sinkName === source);
  }

  /** Queries reading a source (a query reading what it writes counts as a writer only). */
  readers(source: string): PersistentQuery[] {
    return this.all().filter((q) => q.sourceNames.includes(source) && q.sinkName !== source);
  }

  summaries(): QuerySummary[] {
    return this.all().map(summary);
  }

  /** Start a persistent query from its plan (its root is the sink). */
  async start(text: string, plan: QueryPlan, props: Readonly<Record<string, string>>): Promise<PersistentQuery> {
    const id = plan.queryId;
    const log = this.deps.log;
    const serviceId = props['ksql.service.id'] ?? 'default_';
    const groupId = `_confluent-ksql-${serviceId}query_${id}`;
    const topics = queryTopics(plan);
    const sourcePartitions = (await log.describeTopic(topics[0]!))?.partitions ?? 1;
    // On Kafka re-keying aggregations and joins go through repartition topics, so that servers
    // sharing a query each own whole keys (on one server the routing is done in process).
    const through = log.kind === 'kafka' ? await createRepartitionTopics(log, plan.root, serviceId, id, sourcePartitions, props[JOIN_REPARTITION] === 'true') : undefined;
    const repartitionTopic = through?.aggregateTopic;
    const consumer = await log.createConsumer({
      groupId,
      topics: [...topics, ...(through?.topics ?? [])],
      autoOffsetReset: (props['auto.offset.reset'] ?? 'latest') === 'earliest' ? 'earliest' : 'latest',
      ...(this.deps.advertisedUrl !== undefined ? { memberInfo: this.deps.advertisedUrl } : {}),
    });
    // Stateful queries keep their state (and the input positions it reflects) in SQLite.
    // Tables are materialized (pull queries read them), so their queries are stateful too.
    const sink = plan.root.kind === 'tableSinkV1' || plan.root.kind === 'streamSinkV1' ? plan.root : undefined;
    const table = plan.root.kind === 'tableSinkV1';
    let state: StateDb | null = null;
    let view: TableView | undefined;
    let changelog: Changelog | undefined;
    if (table || [...walkSteps(plan.root)].some(isJoinStep) || aggregateOf(plan.root)) {
      mkdirSync(join(this.deps.dataDir, 'state'), { recursive: true });
      // On Kafka, state is backed by a changelog topic and split by task, so servers sharing the
      // query can hand partitions over and an empty data directory can be rebuilt.
      if (log.kind === 'kafka') changelog = await Changelog.open(log, changelogTopicName(serviceId, id), sourcePartitions);
      state = new StateDb(join(this.deps.dataDir, 'state', `${id}.db`), { tasks: changelog !== undefined });
      if (table && sink) {
        // An aggregation's table is read from its own store; other tables keep a view store.
        view = servesAggregateView(plan.root) ? new AggregateView() : new MaterializedView(state, sink.window !== undefined);
        this.views.set(sink.sinkName, view);
      }
    }
    const sinkPartitions = sink ? (await log.describeTopic(sink.topic))?.partitions : undefined;
    const q = new PersistentQuery(id, text, plan, {
      log,
      functions: this.deps.functions,
      customTypes: this.deps.customTypes,
      processingLog: this.deps.processingLog,
      schemas: this.deps.schemas,
      consumer,
      groupId,
      state,
      config: props,
      sourcePartitions,
      ...(view ? { view } : {}),
      ...(changelog ? { changelog } : {}),
      ...(repartitionTopic !== undefined ? { repartitionTopic } : {}),
      ...(through?.aggregate !== undefined ? { aggregateRepartition: through.aggregate } : {}),
      ...(through !== undefined && through.joins.size > 0 ? { joinRepartitions: through.joins } : {}),
      ...(through !== undefined && through.topics.length > 0 ? { stateTopics: through.stateTopics } : {}),
      ...(sinkPartitions !== undefined ? { sinkPartitions } : {}),
    });
    // With a changelog the query itself resumes each task as it is assigned (reconcileTasks).
    if (!changelog) for (const [topic, positions] of q.resumePositions() ?? []) positions.forEach((o, p) => o >= 0 && consumer.seek(topic, p, o));
    this.queries.set(id, q);
    const n = Number(/_(\d+)$/.exec(id)?.[1] ?? -1);
    if (n >= this.counter) this.counter = n + 1;
    if (this.deps.runQueries) q.start();
    return q;
  }

  /** Stop a query and delete what only it used: its state, and on Kafka its internal topics. */
  async stop(id: string, serviceId: string): Promise<void> {
    const q = this.queries.get(id);
    if (!q) return;
    this.queries.delete(id);
    await q.stop();
    q.state = 'TERMINATED';
    if (this.views.has(q.sinkName)) this.views.delete(q.sinkName);
    // A terminated query's state is not needed any more (a new query starts afresh).
    if (this.deps.log.kind === 'kafka' && q.hasChangelog) {
      // Internal topics go with the query, as in ksqlDB.
      await this.deps.log.deleteTopic(changelogTopicName(serviceId, id)).catch(() => undefined);
      for (const topic of q.repartitionTopics) await this.deps.log.deleteTopic(topic).catch(() => undefined);
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(this.deps.dataDir, 'state', `${id}.db${suffix}`), { force: true });
  }

  /** Run every query until none has input left (queries feeding each other included). */
  async drain(): Promise<void> {
    for (;;) {
      let progress = 0;
      for (const q of this.queries.values()) {
        for (;;) {
          const n = await q.step(q.batchRecords, 0);
          progress += n;
          if (n === 0) break;
        }
      }
      if (progress === 0) return;
    }
  }

  /** Stop every query, keeping its state (a close, not a TERMINATE). */
  async close(): Promise<void> {
    for (const q of this.queries.values()) await q.stop();
    this.queries.clear();
  }
}

function summary(q: PersistentQuery): QuerySummary {
  return { id: q.id, queryString: q.statementText, sinks: [q.sinkName], sinkKafkaTopics: [q.sinkTopic], state: q.state };
}

/** The aggregation of a plan, if it has one. */
export function aggregateOf(root: ExecutionStep): AggregateStep | undefined {
  for (const s of walkSteps(root)) if (s.kind === 'streamAggregateV1' || s.kind === 'streamWindowedAggregateV1' || s.kind === 'tableAggregateV1') return s;
  return undefined;
}


/**
 * Whether pull queries can read the aggregation's own store as the table (AggregateView): the
 * projection's key is the group key itself, and EMIT FINAL tables show only closed windows.
 */
function servesAggregateView(root: ExecutionStep): boolean {
  const top = root.kind === 'tableSinkV1' ? root.source : root;
  if (top.kind !== 'tableSelectV1') return false;
  const agg = aggregateOf(top);
  if (!agg) return false;
  const groupKeys = agg.columns.slice(0, agg.source.groupBy.length).map((c) => c.name);
  return AggregateOperator.servesView({
    emitFinal: false,
    groupBy: agg.source.groupBy.map(parseStepExpr),
    keyColumns: top.keyColumns.map((c) => parseStepExpr(c.expr)),
    aggLayout: groupKeys.map((name) => ({ name, type: { kind: 'NULL' }, role: 'KEY' })),
  });
}
