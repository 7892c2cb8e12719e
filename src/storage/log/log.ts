/**
 * The Log: where topics live. Two implementations share this interface: the embedded, durable log
 * (default, src/storage/log/embedded/) and Apache Kafka through kafkajs (src/storage/log/kafka/).
 * Everything above the storage layer (engine, runtime, server, conformance runner) talks only to this.
 */

export interface Header {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record to append. `partition` absent: chosen from the key (murmur2, as Kafka's default partitioner). */
export interface ProduceRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Epoch milliseconds; absent means "now". */
  readonly timestamp?: number;
  readonly headers?: readonly Header[];
  readonly partition?: number;
}

/** A record as stored. */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: readonly Header[];
}

export interface TopicConfig {
  readonly partitions: number;
  readonly replicas?: number;
  /** Records older than this are eligible for deletion; -1 or absent keeps forever. */
  readonly retentionMs?: number;
  /** Per-partition size bound in bytes; -1 or absent means unbounded. */
  readonly retentionBytes?: number;
  readonly cleanupPolicy?: 'delete' | 'compact';
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly config: TopicConfig;
}

export interface AppendResult {
  readonly partition: number;
  readonly offset: number;
}

/**
 * An exactly-once append (embedded log): `producer` names the writer (a query's consumer group),
 * `seq` grows with the input the records derive from. Each partition keeps the highest `seq` per
 * producer and skips its share of an append whose `seq` it already holds (see
 * embedded/producers.ts).
 */
export interface AppendIdentity {
  readonly producer: string;
  readonly seq: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ConsumerOptions {
  /** Consumer group: committed positions are stored under it and survive restarts. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where to start a partition that has no committed position for this group. */
  readonly autoOffsetReset: 'earliest' | 'latest';
  /**
   * Published with this member of the group (Kafka: the assignor's user data), so other servers can
   * find who owns a partition: Sluice puts the server's URL here for pull-query forwarding.
   */
  readonly memberInfo?: string;
}

/** One member of a consumer group and the partitions assigned to it. */
export interface GroupMember {
  readonly memberInfo: string;
  readonly partitions: readonly TopicPartition[];
}

/**
 * Pulls records from the subscribed topics. The embedded log returns records of all subscribed
 * partitions in the order they were appended to the log (a total order across topics), which the
 * conformance harness relies on; Kafka gives per-partition order only.
 */
export interface LogConsumer {
  /**
   * Up to `maxRecords` records after the current positions. Resolves as soon as at least one record
   * is available, or with [] after `timeoutMs` (0 = do not wait).
   */
  poll(maxRecords: number, timeoutMs: number): Promise<LogRecord[]>;
  /** Durably commit, for this group, positions just after every record returned by poll so far. */
  commit(): Promise<void>;
  /** Move the position of one partition (next poll reads from `offset`). */
  seek(topic: string, partition: number, offset: number): void;
  /** Current positions (next offset to read) of all assigned partitions. */
  positions(): ReadonlyMap<string, number[]>;
  /**
   * The partitions assigned to this member of the group, and a number that changes with every
   * (re)assignment. Absent when a consumer always owns every partition (the embedded log).
   */
  assignment?(): { readonly generation: number; readonly partitions: readonly TopicPartition[] };
  close(): Promise<void>;
}

export interface Log {
  readonly kind: 'embedded' | 'kafka';
  /** Create a topic; throws if it exists with a different partition count; no-op if identical. */
  createTopic(name: string, config: TopicConfig): Promise<void>;
  describeTopic(name: string): Promise<TopicDescription | undefined>;
  listTopics(): Promise<TopicDescription[]>;
  deleteTopic(name: string): Promise<void>;
  /**
   * Records a query polls and runs at a time within a micro-batch, its outputs appended after each
   * chunk (the batch still commits as one). Undefined: the whole batch at once.
   */
  readonly chunkRecords?: number;
  /**
   * Append records to a topic, in order. When the promise resolves the records are durable
   * (they survive a kill -9 of the process). Throws if the topic does not exist.
   */
  append(topic: string, records: readonly ProduceRecord[], identity?: AppendIdentity): Promise<AppendResult[]>;
  /**
   * Idempotent appends (the embedded log): the highest `seq` of `producer` held by each partition
   * of `topic` (-1: none). Skipped records of an append with `identity` have offset -1.
   */
  producerSeqs?(topic: string, producer: string): Promise<number[]>;
  /** Next offset to be written, per partition. */
  endOffsets(topic: string): Promise<number[]>;
  /** First offset still stored, per partition (after retention). */
  startOffsets(topic: string): Promise<number[]>;
  /** Read up to `maxRecords` records of one partition starting at `offset`. */
  read(topic: string, partition: number, offset: number, maxRecords: number): Promise<LogRecord[]>;
  createConsumer(options: ConsumerOptions): Promise<LogConsumer>;
  /** Current members of a consumer group with their assignments (Kafka; the embedded log has one member). */
  describeGroup?(groupId: string): Promise<GroupMember[]>;
  /**
   * Observe every record appended from now on, in append order, synchronously after it is stored.
   * Returns an unsubscribe function. (Used by tests and the conformance runner; Kafka may not offer it.)
   */
  onAppend?(listener: (record: LogRecord) => void): () => void;
  close(): Promise<void>;
}
