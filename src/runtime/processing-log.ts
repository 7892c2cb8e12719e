/**
 * The processing log: where per-record failures go (a record that cannot be deserialized, an
 * expression that throws, a value that cannot be serialized). The query keeps running; the entry is
 * kept in a bounded in-memory ring (for DESCRIBE / tests) and appended to the processing-log topic
 * (`ksql.logging.processing.topic.name`, default `<service id>ksql_processing_log`) as a record of
 * ksqlDB's processing-log schema, so the KSQL_PROCESSING_LOG stream ksqlDB declares over that topic
 * (`ksql.logging.processing.stream.auto.create=true`) reads Sluice's entries too:
 *
 *   {"level":"ERROR","logger":"processing.<query id>","time":<ms>,
 *    "message":{"type":0,"deserializationError":{"target":"value","errorMessage":..,"recordB64":null,
 *               "cause":[],"topic":..},"recordProcessingError":null,"productionError":null,
 *               "serializationError":null,"kafkaStreamsThreadError":null}}
 */
import type { Log } from '../storage/log/log.js';
import type { MetaStore } from '../engine/metastore.js';

export interface ProcessingLogEntry {
  readonly queryId: string;
  readonly type: 'DESERIALIZATION_ERROR' | 'RECORD_PROCESSING_ERROR' | 'SERIALIZATION_ERROR' | 'PRODUCTION_ERROR';
  readonly message: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly timestamp: number;
}

export const PROCESSING_LOG_TOPIC = 'default_ksql_processing_log';
const RING_SIZE = 1000;

/** ksqlDB's processing-log configuration keys. */
export const PROCESSING_LOG_KEYS = {
  topicName: 'ksql.logging.processing.topic.name',
  topicPartitions: 'ksql.logging.processing.topic.partitions',
  streamAutoCreate: 'ksql.logging.processing.stream.auto.create',
  streamName: 'ksql.logging.processing.stream.name',
} as const;

type Props = Readonly<Record<string, string | undefined>>;

/** `ksql.logging.processing.topic.name`, default `<service id>ksql_processing_log` (as ksqlDB). */
export function processingLogTopic(props: Props): string {
  return props[PROCESSING_LOG_KEYS.topicName] ?? `${props['ksql.service.id'] ?? 'default_'}ksql_processing_log`;
}

/** ksqlDB's MessageType ids. */
const TYPE_IDS: Record<ProcessingLogEntry['type'], number> = { DESERIALIZATION_ERROR: 0, RECORD_PROCESSING_ERROR: 1, PRODUCTION_ERROR: 2, SERIALIZATION_ERROR: 3 };

/** An entry as a record value of ksqlDB's processing-log schema (field names as ksqlDB writes them). */
export function processingLogRecord(e: ProcessingLogEntry): Record<string, unknown> {
  const topic = e.topic ?? null;
  return {
    level: 'ERROR',
    logger: `processing.${e.queryId}`,
    time: e.timestamp,
    message: {
      type: TYPE_IDS[e.type],
      deserializationError: e.type === 'DESERIALIZATION_ERROR' ? { target: 'value', errorMessage: e.message, recordB64: null, cause: [], topic } : null,
      recordProcessingError: e.type === 'RECORD_PROCESSING_ERROR' ? { errorMessage: e.message, record: null, cause: [] } : null,
      productionError: e.type === 'PRODUCTION_ERROR' ? { errorMessage: e.message } : null,
      serializationError: e.type === 'SERIALIZATION_ERROR' ? { target: 'value', errorMessage: e.message, record: null, cause: [], topic } : null,
      kafkaStreamsThreadError: null,
    },
  };
}

/** The CREATE STREAM ksqlDB runs for the processing-log stream (its schema, over the topic). */
export function processingLogStreamStatement(props: Props): string {
  const name = props[PROCESSING_LOG_KEYS.streamName] ?? 'KSQL_PROCESSING_LOG';
  return (
    `CREATE STREAM ${name} (logger VARCHAR, level VARCHAR, \`TIME\` BIGINT, message STRUCT<` +
    '`TYPE` INT, ' +
    'deserializationError STRUCT<target VARCHAR, errorMessage VARCHAR, recordB64 VARCHAR, cause ARRAY<VARCHAR>, `topic` VARCHAR>, ' +
    'recordProcessingError STRUCT<errorMessage VARCHAR, record VARCHAR, cause ARRAY<VARCHAR>>, ' +
    'productionError STRUCT<errorMessage VARCHAR>, ' +
    'serializationError STRUCT<target VARCHAR, errorMessage VARCHAR, record VARCHAR, cause ARRAY<VARCHAR>, `topic` VARCHAR>, ' +
    'kafkaStreamsThreadError STRUCT<errorMessage VARCHAR, threadName VARCHAR, cause ARRAY<VARCHAR>>' +
    `>) WITH (KAFKA_TOPIC='${processingLogTopic(props).replace(/'/g, "''")}', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA');`
  );
}

/**
 * With `ksql.logging.processing.stream.auto.create=true`: creates the processing-log topic if
 * missing and declares the stream over it, unless a source of that name exists (start-up, after
 * the command log's replay; the statement is recorded like any other).
 */
export async function ensureProcessingLogStream(engine: { readonly log: Log; readonly metastore: MetaStore; readonly properties: Props; execute(sql: string): Promise<unknown> }): Promise<void> {
  const props = engine.properties;
  if (String(props[PROCESSING_LOG_KEYS.streamAutoCreate] ?? 'false').toLowerCase() !== 'true') return;
  const name = (props[PROCESSING_LOG_KEYS.streamName] ?? 'KSQL_PROCESSING_LOG').toUpperCase();
  if (engine.metastore.getSource(name)) return;
  const topic = processingLogTopic(props);
  if (!(await engine.log.describeTopic(topic))) await engine.log.createTopic(topic, { partitions: Number(props[PROCESSING_LOG_KEYS.topicPartitions] ?? 1) || 1 });
  await engine.execute(processingLogStreamStatement(props));
}

export class ProcessingLog {
  private readonly ring: ProcessingLogEntry[] = [];
  private pending: ProcessingLogEntry[] = [];
  private total = 0;

  constructor(
    private readonly log?: Log,
    /** The processing-log topic (see processingLogTopic). */
    readonly topic: string = PROCESSING_LOG_TOPIC,
  ) {}

  record(entry: ProcessingLogEntry): void {
    this.total++;
    if (this.ring.length >= RING_SIZE) this.ring.shift();
    this.ring.push(entry);
    this.pending.push(entry);
  }

  /** Entries recorded so far (the last RING_SIZE), optionally for one query. */
  entries(queryId?: string): ProcessingLogEntry[] {
    return queryId === undefined ? [...this.ring] : this.ring.filter((e) => e.queryId === queryId);
  }

  get count(): number {
    return this.total;
  }

  /** Append buffered entries to the processing-log topic (called by queries after each batch). */
  async flush(): Promise<void> {
    if (!this.log || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    if (!(await this.log.describeTopic(this.topic))) await this.log.createTopic(this.topic, { partitions: 1 });
    await this.log.append(
      this.topic,
      batch.map((e) => ({ key: null, value: Buffer.from(JSON.stringify(processingLogRecord(e))), timestamp: e.timestamp })),
    );
  }
}
