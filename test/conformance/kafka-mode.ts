/**
 * Kafka mode of the conformance runner (`--kafka [bootstrap]`): every query case runs on an Engine
 * whose Log is a KafkaLog against a real broker, instead of the embedded log.
 *
 * - Isolation: each case gets its own `ksql.service.id` (so its consumer groups are new) and schema
 *   registry topic, and every
 *   topic the case names or creates is deleted before and after it (ksqlDB's vectors reuse topic
 *   names such as `test_topic` with different partition counts). Topics other clients create while
 *   a case runs (integration tests, benchmarks sharing the broker) are left alone.
 * - Drain: Engine.drain() polls with a 0 ms timeout and stops at the first empty poll, which on
 *   Kafka happens while a fetch is still in flight. `drain` here repeats it until every persistent
 *   query's committed offsets (read from the broker, group `_confluent-ksql-<service id>query_<id>`)
 *   reach the end offsets of its source topic, or nothing moved for `quietMs`.
 * - Outputs: Kafka has no onAppend. The outputs are read back from the broker after the run, with one
 *   group consumer over all expected topics, and put in append order: the Log handed to the engine
 *   is a thin wrapper that notes (topic, partition, offset) of every append in call order. Kafka only
 *   orders records within a partition; that note is the tie-breaker across partitions (records the
 *   wrapper did not see come last, by partition then offset).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Engine } from '../../src/engine/engine.js';
import { parseStatements } from '../../src/parser/parse.js';
import { openKafkaLog, type KafkaLog } from '../../src/storage/log/kafka/index.js';
import type {
  AppendResult,
  ConsumerOptions,
  Log,
  LogConsumer,
  LogRecord,
  ProduceRecord,
  TopicConfig,
  TopicDescription,
} from '../../src/storage/log/log.js';
import type { TestCase } from './vectors.js';

/** What the query runner needs from a non-embedded backend, per case. */
export interface CaseBackend {
  /** The Log the case's engines run on (not closed by the engine). */
  readonly log: Log;
  /** Engine properties that override the case's (the per-case service id). */
  readonly properties: Readonly<Record<string, string>>;
  /** Run the persistent queries until every input has been processed. */
  drain(engine: Engine): Promise<void>;
  /** Records of `topics` as stored by the broker, each list in append order. */
  readOutputs(topics: readonly string[]): Promise<Map<string, LogRecord[]>>;
  /** Topics that received records during the case (for `post.topics.blacklist`). */
  writtenTopics(): string[];
  /** Delete the case's topics and consumer groups. */
  finish(engine: Engine | undefined): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class KafkaConformance {
  private seq = 0;
  private readonly run = Date.now().toString(36);

  private constructor(
    private readonly log: KafkaLog,
    private readonly kafka: Kafka,
  ) {}

  static async open(bootstrap: string): Promise<KafkaConformance> {
    const log = await openKafkaLog({ brokers: [bootstrap], clientId: 'sluice-conformance', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 });
    return new KafkaConformance(log, new Kafka({ clientId: 'sluice-conformance-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING }));
  }

  /**
   * A kafkajs admin refreshes metadata for every topic it ever looked at, and fails once one of them
   * is deleted by another client: the runner's own admin (group offsets, group deletion) is per case.
   * Topics are deleted through the KafkaLog, which keeps its admin and its metadata cache consistent.
   */
  async openCase(tc: TestCase): Promise<CaseBackend> {
    const serviceId = `conf_${this.run}_${this.seq++}_`;
    const named = topicsNamedBy(tc);
    if (process.env['KAFKA_MODE_DEBUG']) console.log(`case ${serviceId} ${tc.name}: topics ${[...named].join(',')}`);
    await deleteTopics(this.log, named); // leftovers of an earlier, interrupted run
    const admin = this.kafka.admin();
    await admin.connect();
    return new KafkaCase(this.log, admin, serviceId, named);
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}

/** Delete the topics that exist, and wait until they are gone (deletion completes asynchronously). */
async function deleteTopics(log: Log, names: Iterable<string>, timeoutMs = 30_000): Promise<void> {
  const existing = async () => new Set((await log.listTopics()).map((t) => t.name));
  const wanted = [...new Set(names)].filter((t) => !t.startsWith('__'));
  const have = await existing();
  let left = wanted.filter((t) => have.has(t));
  if (left.length === 0) return;
  for (const t of left) await log.deleteTopic(t);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await existing();
    left = left.filter((t) => now.has(t));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`topics not deleted after ${timeoutMs} ms: ${left.join(', ')}`);
    await sleep(50);
  }
}

class KafkaCase implements CaseBackend {
  readonly log: OrderRecordingLog;
  readonly properties: Readonly<Record<string, string>>;

  constructor(
    kafkaLog: KafkaLog,
    private readonly admin: Admin,
    private readonly serviceId: string,
    private readonly named: ReadonlySet<string>,
  ) {
    this.log = new OrderRecordingLog(kafkaLog);
    // The embedded schema registry's topic too is the case's own (deleted with its other topics).
    this.properties = { 'ksql.service.id': serviceId, 'sluice.schema.registry.topic': `_schemas_${serviceId}` };
  }

  private groupOf(queryId: string): string {
    return `_confluent-ksql-${this.serviceId}query_${queryId}`;
  }

  /** Records not yet committed by the persistent queries, summed; and the sum of committed offsets. */
  private async lag(engine: Engine): Promise<{ lag: number; committed: number }> {
    let lag = 0;
    let committed = 0;
    for (const { id } of engine.listQueries()) {
      const q = engine.query(id);
      if (q === undefined) continue;
      const topics = q.inputTopics;
      const offsets = await this.admin.fetchOffsets({ groupId: this.groupOf(id), topics });
      for (const t of offsets) {
        const ends = await this.admin.fetchTopicOffsets(t.topic);
        const at = new Map<number, number>();
        for (const p of t.partitions) at.set(p.partition, Number(p.offset));
        for (const e of ends) {
          const c = at.get(e.partition) ?? -1;
          // No commit yet: the query starts at the reset end ('earliest' in the vectors' runs).
          const pos = c >= 0 ? c : Number(e.low);
          committed += pos;
          lag += Math.max(0, Number(e.high) - pos);
        }
      }
    }
    return { lag, committed };
  }

  async drain(engine: Engine, quietMs = 3_000): Promise<void> {
    let last = -1;
    let lastMove = Date.now();
    for (;;) {
      await engine.drain();
      const { lag, committed } = await this.lag(engine);
      if (lag === 0) return;
      if (committed !== last) {
        last = committed;
        lastMove = Date.now();
      } else if (Date.now() - lastMove > quietMs) return; // stuck (e.g. 'latest' reset): compare what is there
      await sleep(5);
    }
  }

  async readOutputs(topics: readonly string[]): Promise<Map<string, LogRecord[]>> {
    const out = new Map<string, LogRecord[]>();
    const existing = new Set((await this.log.listTopics()).map((t) => t.name));
    const wanted = [...new Set(topics)].filter((t) => existing.has(t));
    for (const t of topics) out.set(t, []);
    if (wanted.length === 0) return out;
    // High watermarks now: the queries are drained, nothing else appends.
    const ends = new Map<string, number[]>();
    let total = 0;
    for (const t of wanted) {
      const e = await this.log.endOffsets(t);
      const s = await this.log.startOffsets(t);
      ends.set(t, e);
      for (let p = 0; p < e.length; p++) total += e[p]! - s[p]!;
    }
    const groupId = `${this.serviceId}reader_${randomUUID()}`;
    if (total > 0) {
      const c = await this.log.createConsumer({ groupId, topics: wanted, autoOffsetReset: 'earliest' });
      try {
        const deadline = Date.now() + 30_000;
        let got = 0;
        while (got < total && Date.now() < deadline) {
          for (const r of await c.poll(10_000, 200)) {
            if (r.offset >= ends.get(r.topic)![r.partition]!) continue;
            out.get(r.topic)!.push(r);
            got++;
          }
        }
      } finally {
        await c.close();
        await this.admin.deleteGroups([groupId]).catch(() => undefined);
      }
    }
    for (const list of out.values()) list.sort((a, b) => this.log.orderOf(a) - this.log.orderOf(b) || a.partition - b.partition || a.offset - b.offset);
    return out;
  }

  writtenTopics(): string[] {
    return this.log.writtenTopics();
  }

  /** Never throws: a failed cleanup is reported, and the next case deletes the topics it names first. */
  async finish(engine: Engine | undefined): Promise<void> {
    await this.cleanUp(engine).catch((e: unknown) => console.warn(`kafka-mode: cleanup of ${this.serviceId} failed: ${(e as Error).message}`));
  }

  private async cleanUp(engine: Engine | undefined): Promise<void> {
    try {
      const groups = (await this.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(this.serviceId));
      if (groups.length > 0) await this.admin.deleteGroups(groups).catch(() => undefined);
    } finally {
      await this.admin.disconnect().catch(() => undefined);
    }
    const doomed = new Set(this.named);
    for (const s of engine?.metastore.listSources() ?? []) doomed.add(s.topic);
    // Only what this case made: other clients (tests, benchmarks) may share the broker.
    for (const t of await this.log.listTopics()) {
      if (t.name.includes(this.serviceId) || this.log.createdTopics().has(t.name)) doomed.add(t.name);
    }
    await deleteTopics(this.log, doomed);
  }
}

/** Every topic name a case mentions: declared topics, inputs, outputs, KAFKA_TOPIC and sink names. */
function topicsNamedBy(tc: TestCase): Set<string> {
  const names = new Set<string>();
  for (const t of tc.test.topics ?? []) names.add(t.name);
  for (const r of [...(tc.test.inputs ?? []), ...(tc.test.outputs ?? [])]) names.add(r.topic);
  for (const sql of tc.statements) {
    try {
      for (const st of parseStatements(sql)) {
        if (st.kind === 'CreateSource' || st.kind === 'CreateAsSelect') {
          const t = st.properties['KAFKA_TOPIC'];
          names.add(t !== undefined ? String(t) : st.name);
        }
      }
    } catch {
      // unparseable statements name nothing
    }
  }
  return names;
}

/** A Log that forwards to a KafkaLog and notes the order of its appends (the cross-partition tie-breaker). */
export class OrderRecordingLog implements Log {
  readonly kind = 'kafka' as const;
  private readonly order = new Map<string, number>();
  private readonly written = new Set<string>();
  private readonly created = new Set<string>();
  private next = 0;

  constructor(private readonly inner: Log) {}

  orderOf(r: LogRecord): number {
    return this.order.get(`${r.partition}\u0000${r.offset}\u0000${r.topic}`) ?? Number.MAX_SAFE_INTEGER;
  }

  writtenTopics(): string[] {
    return [...this.written];
  }

  async append(topic: string, records: readonly ProduceRecord[]): Promise<AppendResult[]> {
    const res = await this.inner.append(topic, records);
    if (res.length > 0) this.written.add(topic);
    for (const r of res) this.order.set(`${r.partition}\u0000${r.offset}\u0000${topic}`, this.next++);
    return res;
  }

  async createTopic(name: string, config: TopicConfig): Promise<void> {
    await this.inner.createTopic(name, config);
    this.created.add(name);
  }

  /** Topics created through this log (the case's sinks and internal topics). */
  createdTopics(): ReadonlySet<string> {
    return this.created;
  }
  describeTopic(name: string): Promise<TopicDescription | undefined> {
    return this.inner.describeTopic(name);
  }
  listTopics(): Promise<TopicDescription[]> {
    return this.inner.listTopics();
  }
  deleteTopic(name: string): Promise<void> {
    return this.inner.deleteTopic(name);
  }
  endOffsets(topic: string): Promise<number[]> {
    return this.inner.endOffsets(topic);
  }
  startOffsets(topic: string): Promise<number[]> {
    return this.inner.startOffsets(topic);
  }
  read(topic: string, partition: number, offset: number, maxRecords: number): Promise<LogRecord[]> {
    return this.inner.read(topic, partition, offset, maxRecords);
  }
  createConsumer(options: ConsumerOptions): Promise<LogConsumer> {
    return this.inner.createConsumer(options);
  }
  /** The shared KafkaLog outlives the case. */
  async close(): Promise<void> {}
}
