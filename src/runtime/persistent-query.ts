/**
 * A running persistent query (CREATE STREAM AS SELECT / INSERT INTO): consumes its source topic in
 * micro-batches, runs the compiled pipeline synchronously over each batch, appends the outputs to the
 * sink topic in one call, then commits the consumer position — so after a crash the query resumes
 * from the last batch whose outputs are durable (at-least-once; no committed output is lost).
 */
import type { Log, LogConsumer, LogRecord } from '../storage/log/log.js';
import type { StreamQueryPlan, SinkSpec } from '../plan/logical/plan.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { SqlType } from '../types/sql-type.js';
import { createSourceDecoder, type RecordErrorSink } from '../operators/source.js';
import { compileStreamPipeline } from '../operators/stream-pipeline.js';
import { SinkWriter } from '../operators/sink.js';
import { compileTimestampExtractor } from '../operators/timestamp.js';
import type { ProcessingLog } from './processing-log.js';

export type QueryState = 'RUNNING' | 'ERROR' | 'TERMINATED';

export interface QueryDeps {
  readonly log: Log;
  readonly functions: FunctionRegistry;
  readonly customTypes: (name: string) => SqlType | undefined;
  readonly processingLog: ProcessingLog;
  readonly consumer: LogConsumer;
}

export class PersistentQuery {
  state: QueryState = 'RUNNING';
  /** The last fatal error, when state is ERROR. */
  error?: Error;
  private loop?: Promise<void>;
  private stopping = false;
  private readonly process: (records: readonly LogRecord[]) => void;
  private readonly sink: SinkWriter;
  processed = 0;

  constructor(
    readonly id: string,
    readonly statementText: string,
    readonly plan: StreamQueryPlan,
    readonly sinkSpec: SinkSpec,
    private readonly deps: QueryDeps,
  ) {
    let current: LogRecord | undefined;
    const onError: RecordErrorSink = (type, message, record) =>
      deps.processingLog.record({
        queryId: id,
        type,
        message,
        timestamp: Date.now(),
        ...(record ?? current ? { topic: (record ?? current)!.topic, partition: (record ?? current)!.partition, offset: (record ?? current)!.offset } : {}),
      });
    const ctx = {
      functions: deps.functions,
      customTypes: deps.customTypes,
      onRowError: (e: Error) => onError('RECORD_PROCESSING_ERROR', e.message),
    };
    const decoder = createSourceDecoder(plan.source, onError);
    const pipeline = compileStreamPipeline(plan, ctx);
    this.sink = new SinkWriter(sinkSpec, plan.outputSchema, onError);
    const sink = this.sink;
    const passThroughKeys = !plan.rekeyed;
    const windowStart = sinkSpec.window ? plan.layout.findIndex((c) => c.role === 'PSEUDO' && c.name === 'WINDOWSTART') : -1;
    const rowtimeIndex = plan.layout.findIndex((c) => c.role === 'PSEUDO' && c.name === 'ROWTIME');

    // Output timestamp: the input's ROWTIME, or the sink's TIMESTAMP column when given.
    let outTs: (key: unknown[], value: unknown[] | null, row: readonly unknown[]) => number | null = (_k, _v, row) => row[rowtimeIndex] as number;
    if (plan.timestampColumn !== undefined) {
      const vi = plan.valueColumns.findIndex((c) => c.name === plan.timestampColumn);
      const ki = plan.keyColumns.findIndex((c) => c.name === plan.timestampColumn);
      const col = vi >= 0 ? plan.outputSchema.value[vi]! : plan.outputSchema.key[ki]!;
      const extract = compileTimestampExtractor(col.type, plan.timestampFormat);
      outTs = vi >= 0 ? (_k, v, row) => (v === null ? (row[rowtimeIndex] as number) : extract(v[vi])) : (k) => extract(k[ki]);
    }
    const emit = (key: unknown[], value: unknown[] | null, row: readonly unknown[]) => {
      let ts: number | null;
      try {
        ts = outTs(key, value, row);
      } catch (e) {
        onError('RECORD_PROCESSING_ERROR', `Failed to extract timestamp: ${(e as Error).message}`);
        return;
      }
      if (ts === null || ts < 0) {
        onError('RECORD_PROCESSING_ERROR', `Invalid timestamp ${String(ts)} for the output record`);
        return;
      }
      // Without PARTITION BY a record without a key keeps having none.
      const window = windowStart >= 0 && row[windowStart] !== null ? { start: row[windowStart] as number, end: row[windowStart + 1] as number } : undefined;
      sink.write(passThroughKeys && current?.key === null ? null : key, value, ts, current?.headers, window);
    };
    this.process = (records) => {
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        current = r;
        const row = decoder.decode(r);
        if (row !== null) pipeline(row, emit, decoder.valueIsNull);
      }
      current = undefined;
    };
  }

  /**
   * Process one micro-batch: poll, run, append outputs, commit. Returns the number of input records
   * consumed (0 when caught up).
   */
  async step(maxRecords = 5000, timeoutMs = 0): Promise<number> {
    const records = await this.deps.consumer.poll(maxRecords, timeoutMs);
    if (records.length === 0) return 0;
    this.process(records);
    if (this.sink.pending > 0) await this.deps.log.append(this.sinkSpec.topic, this.sink.take());
    await this.deps.consumer.commit();
    await this.deps.processingLog.flush();
    this.processed += records.length;
    return records.length;
  }

  /** Run continuously in the background until stop(). */
  start(pollTimeoutMs = 200): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.step(5000, pollTimeoutMs);
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
  }
}
