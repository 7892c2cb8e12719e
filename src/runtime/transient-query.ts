/**
 * Transient queries over a stream, for clients: a push query (EMIT CHANGES) follows the topic from
 * earliest or latest until its LIMIT or until closed; a pull query scans what the topic holds now
 * and completes. Rows go to a callback sink as arrays of SQL values in projection order.
 */
import type { Log, LogConsumer, LogRecord } from '../storage/log/log.js';
import type { StreamQueryPlan } from '../plan/logical/plan.js';
import type { CompileContext } from '../expr/compile.js';
import { createSourceDecoder, type RecordErrorSink } from '../operators/source.js';
import { compileStreamPipeline } from '../operators/stream-pipeline.js';
import type { Column } from '../types/schema.js';

export type EndReason = 'Limit Reached' | 'Query Completed' | 'Query Terminated';

export interface RowSink {
  onRow(values: readonly unknown[]): void;
  onEnd(reason: EndReason): void;
  onError(error: Error): void;
}

export interface TransientQueryHandle {
  readonly id: string;
  /** Output columns, in order. */
  readonly columns: readonly Column[];
  readonly kind: 'push' | 'pull';
  /** Pull queries on tables end without a final message on the wire; on streams they say "Query Completed". */
  readonly sourceType: 'STREAM' | 'TABLE';
  /** Resolves when the query has ended (limit, completion, close or error). */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export function runTransientQuery(
  id: string,
  kind: 'push' | 'pull',
  plan: StreamQueryPlan,
  log: Log,
  consumer: LogConsumer | undefined,
  ctx: CompileContext,
  onRecordError: RecordErrorSink,
  sink: RowSink,
  /** Pull queries on tables: the materialized rows (as source rows) instead of a topic scan. */
  pullRows?: () => Iterable<unknown[]>,
  columns: readonly Column[] = plan.outputSchema.value,
): TransientQueryHandle {
  const decoder = createSourceDecoder(plan.source, onRecordError);
  const pipeline = compileStreamPipeline(plan, ctx);
  const limit = plan.limit;
  let emitted = 0;
  let stopped = false;
  let ended = false;
  const end = (reason: EndReason) => {
    if (ended) return;
    ended = true;
    stopped = true;
    sink.onEnd(reason);
  };
  const emit = (_key: unknown[], value: unknown[] | null) => {
    if (stopped || value === null) return;
    sink.onRow(value);
    emitted++;
    if (limit !== undefined && emitted >= limit) end('Limit Reached');
  };
  const process = (records: readonly LogRecord[]) => {
    for (const r of records) {
      if (stopped) return;
      const row = decoder.decode(r);
      if (row !== null) pipeline(row, emit, decoder.valueIsNull);
    }
  };

  const done = (async () => {
    try {
      if (limit === 0) return end('Limit Reached');
      if (kind === 'pull' && pullRows) {
        for (const row of pullRows()) {
          if (stopped) break;
          pipeline(row, emit, false);
        }
        return end('Query Completed');
      }
      if (kind === 'pull') {
        // A bounded scan: everything in the topic when the query starts, partition by partition.
        const ends = await log.endOffsets(plan.source.topic);
        const starts = await log.startOffsets(plan.source.topic);
        for (let p = 0; p < ends.length && !stopped; p++) {
          let offset = starts[p] ?? 0;
          while (offset < ends[p]! && !stopped) {
            const batch = await log.read(plan.source.topic, p, offset, Math.min(5000, ends[p]! - offset));
            if (batch.length === 0) break;
            process(batch);
            offset = batch[batch.length - 1]!.offset + 1;
          }
        }
        return end('Query Completed');
      }
      while (!stopped) {
        const records = await consumer!.poll(1000, 100);
        process(records);
      }
    } catch (e) {
      if (!ended) {
        ended = true;
        stopped = true;
        sink.onError(e as Error);
      }
    } finally {
      await consumer?.close();
    }
  })();

  return {
    id,
    kind,
    sourceType: plan.source.type,
    columns,
    done,
    async close() {
      if (!ended) end('Query Terminated');
      await done;
    },
  };
}
