/**
 * Transient queries, for clients: a push query (EMIT CHANGES) follows its topics from earliest or
 * latest until its LIMIT or until closed; a pull query reads a table's materialized rows, or scans
 * what a stream's topic holds now, and completes. Any plan runs: joins and aggregations keep their
 * state in a private SQLite file that goes when the query ends. Rows go to a callback sink as arrays
 * of SQL values in projection order.
 */
import { rmSync } from 'node:fs';
import type { Log, LogConsumer, LogRecord } from '../storage/log/log.js';
import type { CompileContext } from '../expr/compile.js';
import type { Expr } from '../parser/ast.js';
import type { RecordErrorSink } from '../operators/source.js';
import type { OutputConsumer, RecordContext } from '../operators/operator.js';
import type { ExecutionStep, PullSourceStep } from '../plan/steps.js';
import { StateDb } from '../storage/state/state-db.js';
import type { Column } from '../types/schema.js';
import { buildTask } from './task-builder.js';
import type { SchemaCatalog } from '../registry/schema.js';
import { schemaPrefetch } from './schema-prefetch.js';

export type EndReason = 'Limit Reached' | 'Query Completed' | 'Query Terminated';

export interface RowSink {
  onRow(values: readonly unknown[]): void;
  onEnd(reason: EndReason): void;
  onError(error: Error): void;
  /** A push query's poll found nothing new: every record present so far has been processed. */
  onCaughtUp?(): void;
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

export interface TransientQuerySpec {
  readonly id: string;
  readonly kind: 'push' | 'pull';
  /** The plan, its projection at the root. */
  readonly root: ExecutionStep;
  readonly columns: readonly Column[];
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly limit?: number;
  readonly log: Log;
  /** Push queries: the consumer of the plan's topics. */
  readonly consumer?: LogConsumer;
  /** Stateful plans (joins, aggregations): where their private state lives while the query runs. */
  readonly statePath?: string;
  readonly ctx: CompileContext;
  readonly config: Readonly<Record<string, string>>;
  readonly onRecordError: RecordErrorSink;
  /** Pull queries on tables: the table's rows, as source rows. */
  readonly pullRows?: (step: PullSourceStep) => Iterable<unknown[]>;
  /** Pull queries on streams: the topic to scan. */
  readonly scanTopic?: string;
  /** The ASTs of the plan's expressions, from the planner. */
  readonly asts?: ReadonlyMap<string, Expr>;
  readonly schemas: SchemaCatalog;
}

export function runTransientQuery(spec: TransientQuerySpec, sink: RowSink): TransientQueryHandle {
  const { limit, log, consumer } = spec;
  let emitted = 0;
  let stopped = false;
  let ended = false;
  const end = (reason: EndReason) => {
    if (ended) return;
    ended = stopped = true;
    sink.onEnd(reason);
  };
  const output: OutputConsumer = {
    write(_key, value) {
      if (stopped || value === null) return;
      sink.onRow(value);
      emitted++;
      if (limit !== undefined && emitted >= limit) end('Limit Reached');
    },
  };
  const state = spec.statePath !== undefined ? new StateDb(spec.statePath) : null;
  const record: RecordContext = { current: undefined };
  const task = buildTask(
    spec.root,
    {
      ctx: spec.ctx,
      onRecordError: spec.onRecordError,
      state,
      config: spec.config,
      sourcePartitions: 1,
      record,
      schemas: spec.schemas,
      ...(spec.pullRows ? { pullRows: spec.pullRows } : {}),
      ...(spec.asts ? { asts: spec.asts } : {}),
    },
    output,
  );
  const prefetch = schemaPrefetch(spec.root, spec.schemas);
  const process = async (records: readonly LogRecord[]) => {
    if (records.length === 0) return;
    if (prefetch) await prefetch(records);
    state?.begin();
    task.process(records);
    if (state) {
      task.beforeCommit();
      state.commit(new Map());
    }
  };

  const done = (async () => {
    try {
      if (limit === 0) return end('Limit Reached');
      if (spec.kind === 'pull' && spec.pullRows) {
        task.scan();
        return end('Query Completed');
      }
      if (spec.kind === 'pull') {
        // A bounded scan: everything in the topic when the query starts, partition by partition.
        const topic = spec.scanTopic!;
        const ends = await log.endOffsets(topic);
        const starts = await log.startOffsets(topic);
        for (let p = 0; p < ends.length && !stopped; p++) {
          let offset = starts[p] ?? 0;
          while (offset < ends[p]! && !stopped) {
            const batch = await log.read(topic, p, offset, Math.min(5000, ends[p]! - offset));
            if (batch.length === 0) break;
            await process(batch);
            offset = batch[batch.length - 1]!.offset + 1;
            // Let other requests (and the pull-query timeout) run between batches of a long scan.
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }
        return end('Query Completed');
      }
      while (!stopped) {
        const records = await consumer!.poll(1000, 100);
        if (records.length > 0) {
          await process(records);
          // A backlog is polled without waiting: yield between batches, so the server's other work
          // (and this query's client sockets) run, and a batch's rows are one burst of writes.
          await new Promise<void>((resolve) => setImmediate(resolve));
        } else if (!stopped) sink.onCaughtUp?.();
      }
    } catch (e) {
      if (!ended) {
        ended = stopped = true;
        sink.onError(e as Error);
      }
    } finally {
      await consumer?.close();
      if (state) {
        state.close();
        for (const suffix of ['', '-wal', '-shm']) rmSync(spec.statePath! + suffix, { force: true });
      }
    }
  })();

  return {
    id: spec.id,
    kind: spec.kind,
    sourceType: spec.sourceType,
    columns: spec.columns,
    done,
    async close() {
      if (!ended) end('Query Terminated');
      await done;
    },
  };
}
