/**
 * A push query that aggregates (SELECT ... GROUP BY ... EMIT CHANGES): the aggregation operator on a
 * private, temporary state store, emitting every updated row of the projection to the client.
 */
import { rmSync } from 'node:fs';
import type { LogConsumer } from '../storage/log/log.js';
import type { AggregateQueryPlan } from '../plan/logical/plan.js';
import type { CompileContext } from '../expr/compile.js';
import { createSourceDecoder, type RecordErrorSink } from '../operators/source.js';
import { AggregateOperator } from '../operators/aggregate.js';
import { StateDb } from '../storage/state/state-db.js';
import type { Column } from '../types/schema.js';
import type { EndReason, RowSink, TransientQueryHandle } from './transient-query.js';

export function runTransientAggregate(
  id: string,
  plan: AggregateQueryPlan,
  consumer: LogConsumer,
  statePath: string,
  ctx: CompileContext,
  config: Readonly<Record<string, string>>,
  onRecordError: RecordErrorSink,
  sink: RowSink,
  limit: number | undefined,
): TransientQueryHandle {
  const state = new StateDb(statePath);
  const decoder = createSourceDecoder(plan.source, onRecordError);
  let emitted = 0;
  let stopped = false;
  let ended = false;
  const end = (reason: EndReason) => {
    if (ended) return;
    ended = stopped = true;
    sink.onEnd(reason);
  };
  const op = new AggregateOperator(
    plan,
    ctx,
    state,
    (key, value) => {
      if (stopped || value === null) return;
      sink.onRow(plan.projection.map((p) => (p.key ? key[p.index] : value[p.index])));
      if (limit !== undefined && ++emitted >= limit) end('Limit Reached');
    },
    config,
    undefined,
    1,
  );
  const rowtime = plan.layout.findIndex((c) => c.name === 'ROWTIME' && c.role === 'PSEUDO');
  const done = (async () => {
    try {
      if (limit === 0) return end('Limit Reached');
      while (!stopped) {
        const records = await consumer.poll(1000, 100);
        if (records.length === 0) continue;
        state.begin();
        for (const r of records) {
          if (stopped) break;
          const row = decoder.decode(r);
          if (row !== null) op.process({ row, nullValue: decoder.valueIsNull, ts: row[rowtime] as number, partition: r.partition, sourceKey: r.key === null ? '' : r.key.toString('base64') });
        }
        op.beforeCommit();
        state.commit(new Map());
      }
    } catch (e) {
      if (!ended) {
        ended = stopped = true;
        sink.onError(e as Error);
      }
    } finally {
      await consumer.close();
      state.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(statePath + suffix, { force: true });
    }
  })();
  const columns: Column[] = plan.projection.map((p) => ({ ...(p.key ? plan.outputSchema.key[p.index]! : plan.outputSchema.value[p.index]!), namespace: 'VALUE' as const }));
  return {
    id,
    kind: 'push',
    sourceType: 'TABLE',
    columns,
    done,
    async close() {
      if (!ended) end('Query Terminated');
      await done;
    },
  };
}
