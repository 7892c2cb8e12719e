/**
 * The two stages of what goes through a repartition topic on Kafka (see repartition-plan.ts), as
 * the task builder wires them: stage one is a RowConsumer at the end of the steps before the
 * repartition, writing records for the topic; stage two is the entry for the topic's records,
 * feeding the steps after it. Stage one is replayed from its last commit after a crash or a
 * rebalance, so the topic can hold a record twice: stage two skips what its task has already taken
 * (remembered with the task's state, so across restores too).
 */
import type { LogRecord, ProduceRecord } from '../storage/log/log.js';
import type { StateDb } from '../storage/state/state-db.js';
import { decodeValue, encodeValue } from '../storage/state/value-codec.js';
import type { AggregateOperator } from '../operators/aggregate.js';
import type { RecordContext, RowConsumer } from '../operators/operator.js';
import { rowRepartitionOrigin, toRowRepartitionRecord } from './repartition.js';

type Emit = (r: ProduceRecord) => void;

/**
 * Per task and input (topic and partition), the last (offset, index) taken from a repartition
 * topic: true when `r` comes at or before it (a replayed first stage wrote it again).
 */
export function replayGuard(state: StateDb, name: string): (task: number, r: LogRecord) => boolean {
  const seen = state.kv<[number, number]>(`repartition_seen_${name}`, { encode: (v) => JSON.stringify(v), decode: (t) => JSON.parse(t) as [number, number] });
  return (task, r) => {
    const origin = rowRepartitionOrigin(r);
    if (!origin) return false;
    const k = `${task}|${origin.source}`;
    const last = seen.get(k);
    if (last && (origin.offset < last[0] || (origin.offset === last[0] && origin.n <= last[1]))) return true;
    seen.put(k, [origin.offset, origin.n]);
    return false;
  };
}

/** Numbers the rows made from one input record (0, 1, ...), for the replay guard. */
function rowCounter(record: RecordContext): () => number {
  let at: LogRecord | undefined;
  let n = 0;
  return () => {
    if (record.current !== at) {
      at = record.current;
      n = 0;
    }
    return n++;
  };
}

/** Stage one of a re-keying aggregation over derived stream rows (a join's): each row, keyed by its group. */
export function streamRowsStageOne(op: AggregateOperator, record: RecordContext, emit: Emit): RowConsumer {
  const next = rowCounter(record);
  return {
    push: (row, ts, nullValue) => {
      const at = record.current;
      if (nullValue || !at) return;
      const key = op.groupKeyBytes(row);
      if (key !== null) emit(toRowRepartitionRecord(key, encodeValue(row), ts, at, next()));
    },
  };
}

/** Stage two of streamRowsStageOne: aggregate each row in the task of its partition. */
export function streamRowsStageTwo(op: AggregateOperator, state: StateDb): (r: LogRecord) => void {
  const seenBefore = replayGuard(state, 'rows');
  return (r) => {
    if (r.value === null || seenBefore(r.partition, r)) return;
    const key = op.groupKeyFromBytes(r.key);
    if (key === null) return;
    op.processKeyed(decodeValue(r.value.toString('utf8')) as unknown[], r.timestamp, key, r.partition);
  };
}

/**
 * Stage one of a re-keying aggregation over a table: keeps each table row's current version (by
 * `identity`, in the task of the table's partition) and writes each change as [old, new] to its
 * group, or, when the group changes, [old, null] to the old group and [null, new] to the new one.
 */
export function tableStageOne(op: AggregateOperator, state: StateDb, identity: (row: readonly unknown[]) => string, record: RecordContext, emit: Emit): RowConsumer {
  const rows = state.kv<unknown[]>('source', { encode: encodeValue, decode: (t) => decodeValue(t) as unknown[] });
  const next = rowCounter(record);
  return {
    push: (row, ts, nullValue) => {
      const at = record.current;
      if (!at) return;
      const id = identity(row);
      const old = rows.get(id);
      const neu = nullValue ? undefined : row;
      rows.put(id, neu);
      const oldKey = old ? op.groupKeyBytes(old) : null;
      const newKey = neu ? op.groupKeyBytes(neu) : null;
      if (oldKey !== null && newKey !== null && oldKey.equals(newKey)) {
        emit(toRowRepartitionRecord(newKey, encodeValue([old, neu]), ts, at, next()));
        return;
      }
      if (oldKey !== null) emit(toRowRepartitionRecord(oldKey, encodeValue([old, null]), ts, at, next()));
      if (newKey !== null) emit(toRowRepartitionRecord(newKey, encodeValue([null, neu]), ts, at, next()));
    },
  };
}

/** Stage two of tableStageOne: subtract the old row, add the new one. */
export function tableStageTwo(op: AggregateOperator, state: StateDb): (r: LogRecord) => void {
  const seenBefore = replayGuard(state, 'table');
  return (r) => {
    if (r.value === null || seenBefore(r.partition, r)) return;
    const [old, neu] = decodeValue(r.value.toString('utf8')) as [unknown[] | null, unknown[] | null];
    op.applyTableChange(old ?? undefined, neu ?? undefined, r.timestamp);
  };
}

/**
 * The replay guard of repartition topics that carry source records as they are (fromRepartitionRecord
 * gives `original`): per task, the last source offset taken from each source partition.
 */
export function sourceReplayGuard(state: StateDb, storeName: string): (task: number, original: LogRecord) => boolean {
  const lastTaken = state.kv<number[]>(storeName, { encode: (v) => JSON.stringify(v), decode: (t) => JSON.parse(t) as number[] });
  return (task, r) => {
    const k = String(task);
    const last = lastTaken.get(k) ?? [];
    if (r.offset <= (last[r.partition] ?? -1)) return true;
    // Updated in place: a failed batch's StateDb.rollback() drops the cached copy.
    last[r.partition] = r.offset;
    lastTaken.put(k, last);
    return false;
  };
}
