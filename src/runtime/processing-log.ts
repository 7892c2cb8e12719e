/**
 * The processing log: where per-record failures go (a record that cannot be deserialized, an
 * expression that throws, a value that cannot be serialized). The query keeps running; the entry is
 * kept in a bounded in-memory ring (for DESCRIBE / tests) and appended to the processing-log topic,
 * as ksqlDB's KSQL_PROCESSING_LOG stream does.
 */
import type { Log } from '../storage/log/log.js';

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

export class ProcessingLog {
  private readonly ring: ProcessingLogEntry[] = [];
  private pending: ProcessingLogEntry[] = [];
  private total = 0;

  constructor(private readonly log?: Log) {}

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
    if (!(await this.log.describeTopic(PROCESSING_LOG_TOPIC))) await this.log.createTopic(PROCESSING_LOG_TOPIC, { partitions: 1 });
    await this.log.append(
      PROCESSING_LOG_TOPIC,
      batch.map((e) => ({
        key: null,
        value: Buffer.from(
          JSON.stringify({
            LOGGER: `processing.${e.queryId}`,
            LEVEL: 'ERROR',
            TIME: e.timestamp,
            MESSAGE: { TYPE: e.type, MESSAGE: e.message, TOPIC: e.topic ?? null, PARTITION: e.partition ?? null, OFFSET: e.offset ?? null },
          }),
        ),
        timestamp: e.timestamp,
      })),
    );
  }
}
