/**
 * A consumer of the embedded log. It owns every partition of its topics (no group rebalancing: one
 * process owns the log) and returns records across all of them in the global append order, by
 * merging the per-partition runs on the sequence number each record carries.
 */
import { ExecutionError } from '../../../errors.js';
import type { ConsumerOptions, LogConsumer, LogRecord } from '../log.js';
import type { StoredRecord } from './codec.js';
import type { PartitionLog } from './partition-log.js';

/** What a consumer needs from its log. */
export interface ConsumerHost {
  /** The live partitions of a topic; a new array identity means the topic was re-created. */
  partitionsOf(topic: string): readonly PartitionLog[] | undefined;
  committed(groupId: string, topic: string, partition: number): number | undefined;
  commit(groupId: string, positions: ReadonlyMap<string, readonly number[]>): void;
  /** Calls `wake` (synchronously) after each append to one of `topics`; returns an unsubscribe. */
  watch(topics: readonly string[], wake: () => void): () => void;
  consumerClosed(consumer: EmbeddedConsumer): void;
}

interface Assignment {
  readonly plog: PartitionLog;
  /** Next offset to return. */
  position: number;
  /** Records fetched ahead of `position` but not yet returned. */
  buf: StoredRecord[];
  bufIdx: number;
}

interface TopicAssignment {
  readonly partitions: readonly PartitionLog[];
  readonly states: Assignment[];
}

const EMPTY: StoredRecord[] = [];

export class EmbeddedConsumer implements LogConsumer {
  private readonly assigned = new Map<string, TopicAssignment>();
  private pending: ((records: LogRecord[]) => void) | null = null;
  private closed = false;

  constructor(
    private readonly host: ConsumerHost,
    private readonly options: ConsumerOptions,
  ) {
    // Topics existing now start per autoOffsetReset; those created later start at their beginning
    // (all their records were appended after this subscription).
    this.refresh(true);
  }

  private refresh(initial: boolean): void {
    for (const topic of this.options.topics) {
      const parts = this.host.partitionsOf(topic);
      const cur = this.assigned.get(topic);
      if (parts === undefined) {
        if (cur !== undefined) this.assigned.delete(topic);
        continue;
      }
      if (cur !== undefined && cur.partitions === parts) continue;
      const states: Assignment[] = parts.map((plog, p) => {
        const committed = this.host.committed(this.options.groupId, topic, p);
        let position: number;
        if (committed !== undefined) position = Math.min(committed, plog.nextOffset);
        else if (initial && this.options.autoOffsetReset === 'latest') position = plog.nextOffset;
        else position = plog.startOffset;
        return { plog, position, buf: EMPTY, bufIdx: 0 };
      });
      this.assigned.set(topic, { partitions: parts, states });
    }
  }

  poll(maxRecords: number, timeoutMs: number): Promise<LogRecord[]> {
    if (this.closed) return Promise.resolve([]);
    if (this.pending !== null) return Promise.reject(new ExecutionError('poll() is already waiting on this consumer'));
    const first = this.collect(maxRecords);
    if (first.length > 0 || timeoutMs <= 0) return Promise.resolve(first);
    return new Promise<LogRecord[]>((resolve) => {
      let scheduled = false;
      const finish = (records: LogRecord[]): void => {
        if (this.pending !== finish) return;
        this.pending = null;
        unwatch();
        clearTimeout(timer);
        resolve(records);
      };
      // Appends wake us synchronously; collect after the appending call has returned.
      const unwatch = this.host.watch(this.options.topics, () => {
        if (scheduled) return;
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          if (this.pending !== finish) return;
          const records = this.collect(maxRecords);
          if (records.length > 0) finish(records);
        });
      });
      const timer = setTimeout(() => finish([]), timeoutMs);
      this.pending = finish;
    });
  }

  /** Takes up to `max` records in global append order and advances the positions past them. */
  private collect(max: number): LogRecord[] {
    if (max <= 0) return [];
    this.refresh(false);
    const sources: Assignment[] = [];
    for (const ta of this.assigned.values()) {
      for (const s of ta.states) if (s.bufIdx < s.buf.length || this.fill(s, max)) sources.push(s);
    }
    if (sources.length === 0) return [];
    if (sources.length === 1) return this.drainOne(sources[0]!, max);
    const out: LogRecord[] = [];
    while (out.length < max && sources.length > 0) {
      let best = 0;
      let bestSeq = sources[0]!.buf[sources[0]!.bufIdx]!.seq;
      for (let j = 1; j < sources.length; j++) {
        const s = sources[j]!;
        const seq = s.buf[s.bufIdx]!.seq;
        if (seq < bestSeq) {
          best = j;
          bestSeq = seq;
        }
      }
      const s = sources[best]!;
      const r = s.buf[s.bufIdx++]!;
      out.push(r);
      s.position = r.offset + 1;
      if (s.bufIdx >= s.buf.length && !this.fill(s, max)) sources.splice(best, 1);
    }
    return out;
  }

  private drainOne(s: Assignment, max: number): LogRecord[] {
    let out: StoredRecord[] | null = null;
    for (;;) {
      const take = Math.min(s.buf.length - s.bufIdx, max - (out === null ? 0 : out.length));
      if (out === null) out = s.bufIdx === 0 && take === s.buf.length ? s.buf : s.buf.slice(s.bufIdx, s.bufIdx + take);
      else for (let i = 0; i < take; i++) out.push(s.buf[s.bufIdx + i]!);
      s.bufIdx += take;
      s.position = out[out.length - 1]!.offset + 1;
      if (out.length >= max || !this.fill(s, max - out.length)) break;
    }
    if (s.bufIdx >= s.buf.length) {
      s.buf = EMPTY;
      s.bufIdx = 0;
    }
    return out;
  }

  private fill(s: Assignment, max: number): boolean {
    s.buf = s.plog.read(s.position, max, true);
    s.bufIdx = 0;
    return s.buf.length > 0;
  }

  async commit(): Promise<void> {
    if (this.closed) throw new ExecutionError('consumer is closed');
    this.host.commit(this.options.groupId, this.positions());
  }

  seek(topic: string, partition: number, offset: number): void {
    this.refresh(false);
    const s = this.assigned.get(topic)?.states[partition];
    if (s === undefined) throw new ExecutionError(`partition ${topic}-${partition} is not assigned to this consumer`);
    s.position = offset;
    s.buf = EMPTY;
    s.bufIdx = 0;
  }

  positions(): ReadonlyMap<string, number[]> {
    const m = new Map<string, number[]>();
    for (const [topic, ta] of this.assigned) m.set(topic, ta.states.map((s) => s.position));
    return m;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending?.([]);
    this.host.consumerClosed(this);
  }
}
