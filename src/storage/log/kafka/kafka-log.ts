/**
 * The Log on Apache Kafka, through kafkajs: topics are Kafka topics, consumer groups are Kafka
 * consumer groups, so other Kafka clients can produce into and consume from Sluice's topics.
 *
 * - append: one idempotent producer (acks=all, maxInFlightRequests 1), appends serialized so that
 *   offsets follow call order. Partitions are chosen here with the shared Java-compatible murmur2
 *   partitioner (partitioner.ts), so a key lands where a Java producer (or the embedded log) puts it.
 *   Offsets per record = the partition's baseOffset in the produce response + the record's index
 *   among that partition's records of the request. Large appends are split into requests of about
 *   `maxRequestBytes` so a batch stays under the broker's message.max.bytes.
 * - read: see partition-reader.ts (one short-lived consumer per call).
 * - createConsumer: see kafka-consumer.ts.
 * - Headers: see convert.ts for what kafkajs cannot represent (null values on write, ordering).
 * - TopicConfig: only the fields given are set on the topic; absent ones take the broker's
 *   defaults (Kafka's retention.ms default is 7 days, unlike the embedded log's "keep forever"), and
 *   describeTopic reports the topic's effective values.
 * - onAppend is not offered.
 * - Deleted topics: a kafkajs client remembers every topic it touched and refreshes metadata for all
 *   of them; once one is deleted (by anyone) each refresh fails with UNKNOWN_TOPIC_OR_PARTITION, after
 *   its retries. deleteTopic therefore renews the admin and the producer (forgetting the topic); an
 *   admin or produce call that still fails that way on a topic that exists renews the client and is
 *   retried once (topics deleted by other clients). Consumers reach the admin through `adminView`,
 *   which always forwards to the current one.
 */
import type {
  PartitionAssigner,
  Admin,
  ConsumerConfig,
  ITopicConfig,
  Kafka as KafkaClient,
  KafkaConfig,
  logCreator,
  Message,
  Producer,
  RetryOptions,
  SASLOptions,
} from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { ExecutionError } from '../../../errors.js';
import type {
  AppendResult,
  ConsumerOptions,
  GroupMember,
  Log,
  LogConsumer,
  LogRecord,
  ProduceRecord,
  TopicConfig,
  TopicDescription,
  TopicPartition,
} from '../log.js';
import { RoundRobinPartitioner, choosePartition } from '../partitioner.js';
import { toKafkaMessage } from './convert.js';
import { KafkaConsumer, type KafkaConsumerTuning } from './kafka-consumer.js';
import { readPartition } from './partition-reader.js';
// kafkajs with its slow internals swapped (see the file).
import { kafkajs } from './kafkajs-patches.js';
import { sluiceAssigners } from './co-partitioned-assigner.js';

const { AssignerProtocol, Kafka, logLevel: KafkaLogLevel } = kafkajs;
type Kafka = KafkaClient;

export interface KafkaLogOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
  /** Prefixes the client id (sluice-<serviceId>), to tell Sluice servers apart in broker logs. */
  readonly serviceId?: string;
  /** kafkajs log level: 'nothing' | 'error' (default) | 'warn' | 'info' | 'debug'. */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** Retry policy of admin and producer requests (kafkajs RetryOptions). */
  readonly retry?: RetryOptions;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Group consumer timings (ms): defaults 10 000 / 1 000 / 10 000, fetch wait 500. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly maxWaitTimeMs?: number;
  readonly consumer?: KafkaConsumerTuning;
  /** Upper bound of one produce request's payload. Default 512 KiB. */
  readonly maxRequestBytes?: number;
  /** Timeout of one read() call. Default 30 s. */
  readonly readTimeoutMs?: number;
}

const LOG_LEVELS = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

/**
 * kafkajs' logger, minus the noise: its connections log every error response at ERROR, including
 * the retriable ones it then retries (e.g. "coordinator is loading" right after a broker starts).
 * Failures that matter reach the caller as exceptions; these go to debug.
 */
const quietLogCreator: logCreator = () => (entry) => {
  const { message, ...extra } = entry.log;
  const level = entry.level === KafkaLogLevel.ERROR && entry.namespace === 'Connection' ? KafkaLogLevel.DEBUG : entry.level;
  if (level === KafkaLogLevel.DEBUG || level === KafkaLogLevel.INFO) return; // below the configured level, filtered by kafkajs too
  const line = `[kafkajs ${entry.namespace}] ${message} ${JSON.stringify(extra)}`;
  if (level === KafkaLogLevel.ERROR) console.error(line);
  else console.warn(line);
};

/** Rough serialized size of a record (payload + framing), to split large appends. */
function approxSize(r: ProduceRecord): number {
  let n = 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headers !== undefined) for (const h of r.headers) n += 8 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return n;
}

interface TopicState {
  readonly partitions: number;
  readonly roundRobin: RoundRobinPartitioner;
}

export class KafkaLog implements Log {
  readonly kind = 'kafka' as const;
  private readonly topics = new Map<string, TopicState>();
  private appendChain: Promise<unknown> = Promise.resolve();
  private readonly consumers = new Set<KafkaConsumer>();
  private readonly consumerConfig: Omit<ConsumerConfig, 'groupId'>;
  private readonly maxRequestBytes: number;
  private closed = false;
  /** The current admin, whatever renewals happened (given to consumers and reads). */
  private readonly adminView: Admin;

  private constructor(
    private readonly kafka: Kafka,
    private admin: Admin,
    private producer: Producer,
    private readonly options: KafkaLogOptions,
  ) {
    this.adminView = new Proxy(Object.create(null) as Admin, {
      get: (_t, prop) => {
        const v = Reflect.get(this.admin, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(this.admin) : v;
      },
    });
    this.maxRequestBytes = options.maxRequestBytes ?? 512 * 1024;
    this.consumerConfig = {
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 10_000,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
      // Larger fetches than kafkajs' 1 MiB per partition: a micro-batch is up to 20,000 records
      // (measured on q2 through the broker: 37K → ~110K records/s).
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    };
  }

  static async open(options: KafkaLogOptions): Promise<KafkaLog> {
    if (options.brokers.length === 0) throw new ExecutionError('no Kafka brokers given');
    const clientId = options.clientId ?? (options.serviceId !== undefined ? `sluice-${options.serviceId}` : 'sluice');
    const config: KafkaConfig = {
      clientId,
      brokers: [...options.brokers],
      logLevel: LOG_LEVELS[options.logLevel ?? 'error'],
      ...(options.logLevel === 'info' || options.logLevel === 'debug' ? {} : { logCreator: quietLogCreator }),
      retry: options.retry ?? { retries: 5, initialRetryTime: 100, maxRetryTime: 5_000 },
    };
    if (options.ssl !== undefined) config.ssl = options.ssl;
    if (options.sasl !== undefined) config.sasl = options.sasl;
    if (options.connectionTimeoutMs !== undefined) config.connectionTimeout = options.connectionTimeoutMs;
    if (options.requestTimeoutMs !== undefined) config.requestTimeout = options.requestTimeoutMs;
    const kafka = new Kafka(config);
    const admin = kafka.admin();
    const producer = newProducer(kafka, options);
    try {
      await admin.connect();
      await producer.connect();
    } catch (e) {
      await admin.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      throw new ExecutionError(`cannot connect to Kafka at ${options.brokers.join(',')}: ${(e as Error).message}`);
    }
    return new KafkaLog(kafka, admin, producer, options);
  }

  private check(): void {
    if (this.closed) throw new ExecutionError('the log is closed');
  }

  // --- client renewal (see "Deleted topics" above) -----------------------------------------------

  private renewingAdmin: Promise<void> | null = null;

  private renewAdmin(): Promise<void> {
    this.renewingAdmin ??= (async () => {
      const fresh = this.kafka.admin();
      await fresh.connect();
      const old = this.admin;
      this.admin = fresh;
      // Calls in flight on the old client finish first.
      setTimeout(() => void old.disconnect().catch(() => undefined), 30_000).unref();
    })().finally(() => {
      this.renewingAdmin = null;
    });
    return this.renewingAdmin;
  }

  /** Runs inside the append chain, so no send is in flight on the old producer. */
  private async renewProducer(): Promise<void> {
    const fresh = newProducer(this.kafka, this.options);
    await fresh.connect();
    const old = this.producer;
    this.producer = fresh;
    await old.disconnect().catch(() => undefined);
  }

  /** An admin call, retried once on a renewed admin when a deleted topic poisoned its metadata. */
  private async withAdmin<T>(f: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await f(this.admin);
    } catch (e) {
      if (!isUnknownTopic(e) || this.closed) throw e;
      await this.renewAdmin();
      return f(this.admin);
    }
  }

  // --- topics ----------------------------------------------------------------------------------

  /** Whether the topic exists, asked with a renewed admin. */
  private async existsFresh(name: string): Promise<boolean> {
    await this.renewAdmin();
    return (await this.admin.listTopics()).includes(name);
  }

  private async exists(name: string): Promise<boolean> {
    return (await this.withAdmin((a) => a.listTopics())).includes(name);
  }

  /** Partition count (cached); throws if the topic does not exist. */
  private async topic(name: string): Promise<TopicState> {
    const cached = this.topics.get(name);
    if (cached !== undefined) return cached;
    const d = await this.describeTopic(name);
    if (d === undefined) throw new ExecutionError(`Topic '${name}' does not exist`);
    return this.topics.get(name)!;
  }

  async createTopic(name: string, config: TopicConfig): Promise<void> {
    this.check();
    if (!Number.isInteger(config.partitions) || config.partitions < 1) {
      throw new ExecutionError(`invalid partition count ${config.partitions} for topic '${name}'`);
    }
    const existing = await this.describeTopic(name);
    if (existing === undefined) {
      const spec: ITopicConfig = {
        topic: name,
        numPartitions: config.partitions,
        replicationFactor: config.replicas ?? -1, // -1: the broker's default.replication.factor
        configEntries: topicConfigEntries(config),
      };
      try {
        const created = await this.withAdmin((a) => a.createTopics({ topics: [spec], waitForLeaders: true }));
        if (created) return;
      } catch (e) {
        throw new ExecutionError(`cannot create topic '${name}': ${(e as Error).message}`);
      }
    }
    // Exists (before, or created concurrently): fine if the partition count matches.
    const d = existing ?? (await this.describeTopic(name));
    if (d !== undefined && d.partitions === config.partitions) return;
    throw new ExecutionError(
      `Topic '${name}' already exists with ${d?.partitions ?? '?'} partitions; cannot create it with ${config.partitions}`,
    );
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    this.check();
    if (await this.exists(name)) {
      try {
        return (await this.describe([name]))[0];
      } catch (e) {
        if (!isUnknownTopic(e)) throw e; // deleted between the two requests
      }
    }
    this.topics.delete(name);
    return undefined;
  }

  async listTopics(): Promise<TopicDescription[]> {
    this.check();
    for (let attempt = 0; ; attempt++) {
      const names = (await this.withAdmin((a) => a.listTopics())).filter((t) => !t.startsWith('__')).sort();
      if (names.length === 0) return [];
      try {
        return await this.describe(names);
      } catch (e) {
        if (!isUnknownTopic(e) || attempt >= 5) throw e; // one was deleted between the two requests: list again
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async describe(names: readonly string[]): Promise<TopicDescription[]> {
    const [meta, configs] = await this.withAdmin((a) =>
      Promise.all([
        a.fetchTopicMetadata({ topics: [...names] }),
        a.describeConfigs({
          includeSynonyms: false,
          resources: names.map((n) => ({ type: 2 /* ConfigResourceTypes.TOPIC */, name: n })),
        }),
      ]),
    );
    const configOf = new Map(configs.resources.map((r) => [r.resourceName, r.configEntries]));
    return meta.topics.map((t) => {
      const entries = new Map((configOf.get(t.name) ?? []).map((e) => [e.configName, e.configValue]));
      const partitions = t.partitions.length;
      const cached = this.topics.get(t.name);
      if (cached === undefined || cached.partitions !== partitions) {
        this.topics.set(t.name, { partitions, roundRobin: new RoundRobinPartitioner() });
      }
      const retentionMs = entries.get('retention.ms');
      const retentionBytes = entries.get('retention.bytes');
      const policy = entries.get('cleanup.policy');
      const config: { -readonly [K in keyof TopicConfig]: TopicConfig[K] } = { partitions };
      const replicas = t.partitions[0]?.replicas.length ?? 1;
      config.replicas = replicas;
      if (retentionMs != null) config.retentionMs = Number(retentionMs);
      if (retentionBytes != null) config.retentionBytes = Number(retentionBytes);
      if (policy != null) config.cleanupPolicy = policy.includes('compact') ? 'compact' : 'delete';
      return { name: t.name, partitions, replicas, config };
    });
  }

  async deleteTopic(name: string): Promise<void> {
    this.check();
    this.topics.delete(name);
    if (!(await this.exists(name))) return;
    try {
      await this.admin.deleteTopics({ topics: [name], timeout: 30_000 });
    } catch (e) {
      if (!isUnknownTopic(e)) throw e; // deleted meanwhile (or the admin's metadata is poisoned: renewed below)
      if (await this.existsFresh(name)) throw e;
    }
    // Forget the topic in every client that may have touched it.
    const renewed = this.appendChain.then(() => this.renewProducer());
    this.appendChain = renewed.catch(() => undefined);
    await Promise.all([this.renewAdmin(), renewed]);
  }

  // --- append ----------------------------------------------------------------------------------

  append(topic: string, records: readonly ProduceRecord[]): Promise<AppendResult[]> {
    this.check();
    const run = this.appendChain.then(() => this.appendNow(topic, records));
    this.appendChain = run.catch(() => undefined);
    return run;
  }

  private async appendNow(topicName: string, records: readonly ProduceRecord[]): Promise<AppendResult[]> {
    const n = records.length;
    if (n === 0) return [];
    const t = await this.topic(topicName);
    const np = t.partitions;
    const parts = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const p = choosePartition(r, np, t.roundRobin, topicName);
      parts[i] = p;
    }
    const results = new Array<AppendResult>(n);
    let start = 0;
    while (start < n) {
      // One request per ~maxRequestBytes; always at least one record.
      let end = start;
      let bytes = 0;
      do bytes += approxSize(records[end++]!);
      while (end < n && bytes + approxSize(records[end]!) <= this.maxRequestBytes);
      await this.send(topicName, records, parts, start, end, results);
      start = end;
    }
    return results;
  }

  private async send(
    topic: string,
    records: readonly ProduceRecord[],
    parts: Int32Array,
    start: number,
    end: number,
    results: AppendResult[],
  ): Promise<void> {
    const messages: Message[] = new Array<Message>(end - start);
    for (let i = start; i < end; i++) messages[i - start] = toKafkaMessage(records[i]!, parts[i]!);
    let meta;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          meta = await this.producer.send({ topic, messages, acks: -1 });
          break;
        } catch (e) {
          // Metadata poisoned by a topic another client deleted, or a new topic whose partitions the
          // broker does not serve yet: renew the producer and retry a few times (nothing was written).
          if (attempt >= 4 || !isUnknownTopic(e) || !(await this.exists(topic))) throw e;
          await new Promise((r) => setTimeout(r, 200 * attempt));
          await this.renewProducer();
        }
      }
    } catch (e) {
      this.topics.delete(topic); // maybe deleted or re-created elsewhere: re-read its metadata next time
      throw new ExecutionError(`append to topic '${topic}' failed: ${(e as Error).message}`);
    }
    // kafkajs puts all of a partition's messages of one send into one batch, in order.
    const next = new Map<number, number>();
    for (const m of meta) next.set(m.partition, Number(m.baseOffset ?? m.offset));
    for (let i = start; i < end; i++) {
      const p = parts[i]!;
      const off = next.get(p);
      if (off === undefined) throw new ExecutionError(`no produce response for ${topic}-${p}`);
      results[i] = { partition: p, offset: off };
      next.set(p, off + 1);
    }
  }

  // --- offsets and reads -----------------------------------------------------------------------

  private async offsets(topic: string): Promise<{ partition: number; high: number; low: number }[]> {
    await this.topic(topic);
    for (let attempt = 0; ; attempt++) {
      try {
        const o = await this.withAdmin((a) => a.fetchTopicOffsets(topic));
        return o.map((x) => ({ partition: x.partition, high: Number(x.high), low: Number(x.low) })).sort((a, b) => a.partition - b.partition);
      } catch (e) {
        // kafkajs fails with a TypeError ("Cannot destructure property 'partitions' of 'low.pop(...)'")
        // when the broker answers before the topic's partition metadata is complete, e.g. just after
        // the topic was created: ask again with fresh metadata.
        if (!(e instanceof TypeError) || attempt >= 5 || this.closed) throw e;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        await this.renewAdmin();
      }
    }
  }

  async endOffsets(topic: string): Promise<number[]> {
    this.check();
    return (await this.offsets(topic)).map((o) => o.high);
  }

  async startOffsets(topic: string): Promise<number[]> {
    this.check();
    return (await this.offsets(topic)).map((o) => o.low);
  }

  async read(topic: string, partition: number, offset: number, maxRecords: number): Promise<LogRecord[]> {
    this.check();
    const offs = await this.offsets(topic);
    const p = offs[partition];
    if (p === undefined || p.partition !== partition) {
      throw new ExecutionError(`partition ${partition} does not exist in topic '${topic}'`);
    }
    if (maxRecords <= 0 || offset >= p.high) return [];
    return readPartition(
      this.kafka,
      this.adminView,
      this.consumerConfig,
      { topic, partition, offset, maxRecords, partitions: offs.length, highWatermark: p.high },
      this.options.readTimeoutMs ?? 30_000,
    );
  }

  // --- consumers -------------------------------------------------------------------------------

  async describeGroup(groupId: string): Promise<GroupMember[]> {
    this.check();
    const { groups } = await this.withAdmin((a) => a.describeGroups([groupId]));
    const out: GroupMember[] = [];
    for (const m of groups[0]?.members ?? []) {
      if (m.memberAssignment.length === 0) continue; // joined, not assigned yet
      const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
      const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      const partitions: TopicPartition[] = [];
      for (const [topic, ps] of Object.entries(assignment?.assignment ?? {})) for (const partition of ps) partitions.push({ topic, partition });
      out.push({ memberInfo: meta?.userData.toString('utf8') ?? '', partitions });
    }
    return out;
  }

  async createConsumer(options: ConsumerOptions): Promise<LogConsumer> {
    this.check();
    const existing = new Set(await this.withAdmin((a) => a.listTopics()));
    for (const t of options.topics) if (!existing.has(t)) throw new ExecutionError(`Topic '${t}' does not exist`);
    const kc = this.kafka.consumer({
      ...this.consumerConfig,
      groupId: options.groupId,
      partitionAssigners: sluiceAssigners(options.memberInfo),
    });
    const c = await KafkaConsumer.start(kc, this.adminView, options, this.options.consumer ?? {});
    this.consumers.add(c);
    const close = c.close.bind(c);
    c.close = async () => {
      this.consumers.delete(c);
      await close();
    };
    return c;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appendChain;
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}

function newProducer(kafka: Kafka, options: KafkaLogOptions): Producer {
  // Idempotent: broker-side dedup of retried batches (needs acks=all and one request in flight).
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Retries are bounded so an append to a vanished topic or dead cluster fails instead of hanging.
    retry: options.retry ?? { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
}

/** kafkajs' error for a topic (or partition) the broker does not know, possibly wrapped by its retrier. */
function isUnknownTopic(e: unknown): boolean {
  for (let x = e as { type?: string; originalError?: unknown; cause?: unknown } | undefined, i = 0; x && i < 5; i++) {
    if (x.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    x = (x.originalError ?? x.cause) as typeof x;
  }
  return false;
}

function topicConfigEntries(config: TopicConfig): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  if (config.retentionMs !== undefined) out.push({ name: 'retention.ms', value: String(config.retentionMs) });
  if (config.retentionBytes !== undefined) out.push({ name: 'retention.bytes', value: String(config.retentionBytes) });
  if (config.cleanupPolicy !== undefined) out.push({ name: 'cleanup.policy', value: config.cleanupPolicy });
  return out;
}
