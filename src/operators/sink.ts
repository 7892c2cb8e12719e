/**
 * Sink operator: serializes output rows with the sink's key and value formats into records for the
 * sink topic, buffering them so a whole micro-batch is appended to the log at once.
 */
import type { SinkSpec } from '../plan/logical/plan.js';
import type { LogicalSchema } from '../types/schema.js';
import type { Header, ProduceRecord } from '../storage/log/log.js';
import { createSerde } from '../serde/index.js';
import type { RecordErrorSink } from './source.js';
import { joinWindowedKey, type WindowBounds } from '../serde/windowed.js';

export class SinkWriter {
  private readonly keySerde;
  private readonly valueSerde;
  private buffer: ProduceRecord[] = [];
  private readonly hasKey: boolean;

  constructor(
    readonly spec: SinkSpec,
    schema: LogicalSchema,
    private readonly onError: RecordErrorSink,
  ) {
    this.keySerde = createSerde(spec.keyFormat, schema.key, spec.keyOptions, true);
    this.valueSerde = createSerde(spec.valueFormat, schema.value, spec.valueOptions, false);
    this.hasKey = schema.key.length > 0;
  }

  /** Serialize one output row; `value` null writes a tombstone. Input headers are forwarded, as Kafka Streams does. */
  write(key: readonly unknown[] | null, value: readonly unknown[] | null, timestamp: number, headers?: readonly Header[], window?: WindowBounds): void {
    let k: Buffer | null;
    let v: Buffer | null;
    try {
      k = this.hasKey && key !== null ? this.keySerde.serialize(key) : null;
      if (this.spec.window && window) k = joinWindowedKey(k, this.spec.window.type, window);
      v = value === null ? null : this.valueSerde.serialize(value);
    } catch (e) {
      this.onError('SERIALIZATION_ERROR', `Error serializing record for topic ${this.spec.topic}: ${(e as Error).message}`);
      return;
    }
    this.buffer.push(headers && headers.length > 0 ? { key: k, value: v, timestamp, headers } : { key: k, value: v, timestamp });
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

