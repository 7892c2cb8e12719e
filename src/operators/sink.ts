/**
 * Sink operator: serializes output records with the sink's key and value formats for the sink
 * topic, buffering them so a whole chunk is appended to the log at once. The record timestamp is the
 * row's, or the sink's TIMESTAMP column; input headers are forwarded, as Kafka Streams does. A
 * table's sink also keeps the table's materialized view (pull queries) up to date.
 */
import type { SchemaCatalog } from '../registry/schema.js';
import type { LogicalSchema } from '../types/schema.js';
import type { ProduceRecord } from '../storage/log/log.js';
import { createSerde } from '../serde/index.js';
import type { Serde } from '../serde/serde.js';
import type { RecordErrorSink } from './source.js';
import { compileTimestampExtractor } from './timestamp.js';
import { joinWindowedKey, type WindowBounds } from '../serde/windowed.js';
import { partitionForKey } from '../storage/log/partitioner.js';
import type { TableView } from '../storage/state/materialized-view.js';
import type { SinkSpec } from '../plan/steps.js';
import type { OutputConsumer, RecordContext } from './operator.js';

export interface SinkOptions extends SinkSpec {
  /**
   * Partitions of the topic, for windowed keys: those go to the partition of the key without its
   * window, as Kafka Streams' WindowedStreamPartitioner does (absent: the log partitions them).
   */
  readonly partitions?: number;
}

export class SinkWriter implements OutputConsumer {
  private readonly keySerde: Serde;
  private readonly valueSerde: Serde;
  private buffer: ProduceRecord[] = [];
  private readonly hasKey: boolean;
  private readonly timestamp: (key: readonly unknown[] | null, value: readonly unknown[] | null, rowTs: number) => number | null;
  /** Records written (not counting those that failed to serialize). */
  written = 0;

  constructor(
    private readonly spec: SinkOptions,
    schema: LogicalSchema,
    private readonly onError: RecordErrorSink,
    private readonly record: RecordContext,
    schemas: SchemaCatalog,
    /** A table's view, updated with every row (absent: none, or one read from the aggregation's own store). */
    private readonly view?: TableView,
  ) {
    const binding = { topic: spec.topic, catalog: schemas };
    this.keySerde = createSerde(spec.formats.keyFormat, schema.key, spec.formats.keyOptions, true, binding);
    this.valueSerde = createSerde(spec.formats.valueFormat, schema.value, spec.formats.valueOptions, false, binding);
    this.hasKey = schema.key.length > 0;
    this.timestamp = outputTimestamp(spec, schema, onError);
  }

  /** Serialize one output record; `value` null writes a tombstone. */
  write(key: readonly unknown[] | null, value: readonly unknown[] | null, rowTs: number, window: WindowBounds | undefined): void {
    const timestamp = this.timestamp(key, value, rowTs);
    if (timestamp === null) return;
    if (this.view && key !== null) this.view.apply(key, value, timestamp, window);
    if (this.spec.materializeOnly) return;
    let k: Buffer | null;
    let v: Buffer | null;
    let partition: number | undefined;
    try {
      k = this.hasKey && key !== null ? this.keySerde.serialize(key) : null;
      if (this.spec.window && window) {
        if (k !== null && this.spec.partitions !== undefined) partition = partitionForKey(k, this.spec.partitions);
        k = joinWindowedKey(k, this.spec.window.type, window);
      }
      v = value === null ? null : this.valueSerde.serialize(value);
    } catch (e) {
      this.onError('SERIALIZATION_ERROR', `Error serializing record for topic ${this.spec.topic}: ${(e as Error).message}`);
      return;
    }
    const headers = this.record.current?.headers;
    // One literal per shape (no spread): the log's append loop stays monomorphic.
    if (partition === undefined) this.buffer.push(headers && headers.length > 0 ? { key: k, value: v, timestamp, headers } : { key: k, value: v, timestamp });
    else this.buffer.push(headers && headers.length > 0 ? { key: k, value: v, timestamp, headers, partition } : { key: k, value: v, timestamp, partition });
    this.written++;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Hand the buffered records over (the caller appends them to the log). */
  take(): ProduceRecord[] {
    const b = this.buffer;
    this.buffer = [];
    return b;
  }
}

/** Output record timestamp: the row's, or the sink's TIMESTAMP column when given; invalid ones are logged and the record skipped. */
function outputTimestamp(spec: SinkOptions, schema: LogicalSchema, onError: RecordErrorSink): (k: readonly unknown[] | null, v: readonly unknown[] | null, rowTs: number) => number | null {
  const check = (ts: number | null): number | null => {
    if (ts === null || ts < 0) {
      onError('RECORD_PROCESSING_ERROR', `Invalid timestamp ${String(ts)} for the output record`);
      return null;
    }
    return ts;
  };
  const column = spec.timestampColumn;
  if (column === undefined) return (_k, _v, rowTs) => check(rowTs);
  const vi = schema.value.findIndex((c) => c.name === column);
  const ki = schema.key.findIndex((c) => c.name === column);
  const extract = compileTimestampExtractor((vi >= 0 ? schema.value[vi] : schema.key[ki])!.type, spec.timestampFormat);
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
