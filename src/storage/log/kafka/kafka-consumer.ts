/**
 * A pull-style LogConsumer over kafkajs' push-style group consumer.
 *
 * kafkajs runs its own fetch loop and hands batches to `eachBatch`; we copy them into a bounded
 * queue that `poll` drains. When the queue is full, the partition that just delivered is paused
 * (kafkajs stops fetching it) and resumed once `poll` has drained the queue below half.
 *
 * Positions are ours, not kafkajs': after every group join (the first one and each rebalance) all
 * buffered records are dropped and every assigned partition is sought to (a) the position after
 * the last record poll returned, for a partition this member kept, or (b) the group's committed
 * offset, else the autoOffsetReset end, for a partition new to this member. kafkajs would
 * otherwise restart kept partitions from the last commit (redelivering polled records) and resolve
 * 'latest' lazily at its first fetch (missing records appended right after createConsumer).
 * Until a partition's seek has been issued its batches are dropped unread, so nothing is
 * delivered from a position we did not choose.
 *
 * Offsets are committed only by `commit()` (autoCommit off), as the position after the last record
 * poll returned (or the last seek), per partition.
 */
import type { Admin, Batch, Consumer, EachBatchPayload, IMemberAssignment } from 'kafkajs';
import { ExecutionError } from '../../../errors.js';
import type { ConsumerOptions, LogConsumer, LogRecord, TopicPartition } from '../log.js';
import { fromKafkaMessage } from './convert.js';

export interface KafkaConsumerTuning {
  /** Records buffered ahead of poll before partitions are paused. Default 50 000. */
  readonly maxBufferedRecords?: number;
  /** How long createConsumer waits for the first group join. Default 30 s. */
  readonly joinTimeoutMs?: number;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Next offset poll returns. -1 until the first join has resolved it. */
  position: number;
  /** Lowest offset accepted from kafkajs (position + records buffered); filters redelivered records. */
  fetchPos: number;
  /** A seek to `position` has been issued to kafkajs for the current generation. */
  ready: boolean;
  /** Set by an explicit seek before the join resolved it: keep it instead of the committed offset. */
  sought: boolean;
  /** Position moved since the last commit. */
  dirty: boolean;
  paused: boolean;
}

interface Chunk {
  readonly state: PartitionState;
  readonly records: LogRecord[];
  idx: number;
}

const key = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

export class KafkaConsumer implements LogConsumer {
  private readonly states = new Map<string, PartitionState>();
  private queue: Chunk[] = [];
  private buffered = 0;
  private readonly maxBuffered: number;
  private generation = 0;
  private readyGeneration = 0;
  private readyWaiters: (() => void)[] = [];
  private dataWaiter: (() => void) | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly options: ConsumerOptions,
    tuning: KafkaConsumerTuning,
  ) {
    this.maxBuffered = Math.max(1, tuning.maxBufferedRecords ?? 50_000);
  }

  /** Connects, subscribes and waits for the first assignment (positions resolved). */
  static async start(consumer: Consumer, admin: Admin, options: ConsumerOptions, tuning: KafkaConsumerTuning): Promise<KafkaConsumer> {
    const c = new KafkaConsumer(consumer, admin, options, tuning);
    consumer.on(consumer.events.GROUP_JOIN, (e) => c.onGroupJoin(e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) c.fail(e.payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.autoOffsetReset === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => c.onBatch(payload),
      });
      await c.waitReady(1, tuning.joinTimeoutMs ?? 30_000);
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    return c;
  }

  // --- kafkajs callbacks ---------------------------------------------------------------------

  private onGroupJoin(assignment: IMemberAssignment): void {
    const gen = ++this.generation;
    this.dropAll();
    const assigned = new Set<string>();
    for (const topic of Object.keys(assignment)) {
      for (const partition of assignment[topic] ?? []) {
        const k = key(topic, partition);
        assigned.add(k);
        let st = this.states.get(k);
        if (st === undefined) {
          st = { topic, partition, position: -1, fetchPos: -1, ready: false, sought: false, dirty: false, paused: false };
          this.states.set(k, st);
        }
        st.ready = false;
      }
    }
    // Revoked partitions: their positions belong to the group (committed or not) from now on.
    for (const k of [...this.states.keys()]) if (!assigned.has(k)) this.states.delete(k);
    this.resolvePositions(gen).catch((e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))));
  }

  private async resolvePositions(gen: number): Promise<void> {
    const unresolved = [...this.states.values()].filter((s) => s.position < 0 && !s.sought);
    const start = new Map<string, number>();
    if (unresolved.length > 0) {
      const topics = [...new Set(unresolved.map((s) => s.topic))];
      const committed = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics });
      const needReset = new Set<string>();
      for (const t of committed) {
        for (const p of t.partitions) {
          const off = Number(p.offset);
          if (off >= 0) start.set(key(t.topic, p.partition), off);
          else needReset.add(t.topic);
        }
      }
      for (const topic of needReset) {
        for (const p of await this.admin.fetchTopicOffsets(topic)) {
          const k = key(topic, p.partition);
          if (!start.has(k)) start.set(k, Number(this.options.autoOffsetReset === 'earliest' ? p.low : p.high));
        }
      }
    }
    if (gen !== this.generation || this.closed) return; // a newer join superseded this one
    for (const st of this.states.values()) {
      if (st.position < 0) {
        const s = start.get(key(st.topic, st.partition));
        if (s === undefined) throw new ExecutionError(`no start offset for ${st.topic}-${st.partition}`);
        st.position = s;
      }
      st.fetchPos = st.position;
      st.ready = true;
      this.consumer.seek({ topic: st.topic, partition: st.partition, offset: String(st.position) });
    }
    this.readyGeneration = gen;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  private async onBatch({ batch, resolveOffset, isStale }: EachBatchPayload): Promise<void> {
    const st = this.states.get(key(batch.topic, batch.partition));
    // Not resolving leaves kafkajs' fetch position alone; the pending seek replaces it anyway.
    if (st === undefined || !st.ready || this.closed || isStale()) return;
    const records = this.convert(batch, st);
    const msgs = batch.messages;
    if (msgs.length > 0) resolveOffset(msgs[msgs.length - 1]!.offset);
    if (records.length === 0) return;
    st.fetchPos = records[records.length - 1]!.offset + 1;
    this.queue.push({ state: st, records, idx: 0 });
    this.buffered += records.length;
    if (this.buffered >= this.maxBuffered && !st.paused) {
      st.paused = true;
      this.consumer.pause([{ topic: st.topic, partitions: [st.partition] }]);
    }
    this.wake();
  }

  private convert(batch: Batch, st: PartitionState): LogRecord[] {
    const out: LogRecord[] = [];
    for (const m of batch.messages) {
      if (Number(m.offset) < st.fetchPos) continue;
      out.push(fromKafkaMessage(batch.topic, batch.partition, m));
    }
    return out;
  }

  // --- LogConsumer -----------------------------------------------------------------------------

  async poll(maxRecords: number, timeoutMs: number): Promise<LogRecord[]> {
    this.check();
    if (this.buffered === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.dataWaiter = null;
          resolve();
        }, timeoutMs);
        this.dataWaiter = () => {
          clearTimeout(timer);
          this.dataWaiter = null;
          resolve();
        };
      });
      if (this.failure !== null) throw this.failure;
    }
    const out: LogRecord[] = [];
    while (out.length < maxRecords && this.queue.length > 0) {
      const chunk = this.queue[0]!;
      const n = Math.min(maxRecords - out.length, chunk.records.length - chunk.idx);
      for (let i = 0; i < n; i++) out.push(chunk.records[chunk.idx + i]!);
      chunk.idx += n;
      chunk.state.position = chunk.records[chunk.idx - 1]!.offset + 1;
      chunk.state.dirty = true;
      if (chunk.idx === chunk.records.length) this.queue.shift();
    }
    this.buffered -= out.length;
    this.resumeIfDrained();
    return out;
  }

  async commit(): Promise<void> {
    this.check();
    for (let attempt = 0; ; attempt++) {
      const committed: [PartitionState, number][] = [];
      for (const st of this.states.values()) if (st.dirty && st.position >= 0) committed.push([st, st.position]);
      if (committed.length === 0) return;
      try {
        await this.consumer.commitOffsets(
          committed.map(([st, pos]) => ({ topic: st.topic, partition: st.partition, offset: String(pos) })),
        );
      } catch (e) {
        // Mid-rebalance: wait for the new generation and commit what this member still owns.
        const type = (e as { type?: string }).type;
        if (attempt < 3 && type !== undefined && REBALANCE_ERRORS.has(type)) {
          await this.waitReady(this.generation + 1, 30_000).catch(() => undefined);
          continue;
        }
        throw e;
      }
      for (const [st, pos] of committed) if (st.position === pos) st.dirty = false;
      return;
    }
  }

  seek(topic: string, partition: number, offset: number): void {
    this.check();
    const st = this.states.get(key(topic, partition));
    if (st === undefined) throw new ExecutionError(`partition ${topic}-${partition} is not assigned to this consumer`);
    if (!Number.isInteger(offset) || offset < 0) throw new ExecutionError(`invalid offset ${offset}`);
    this.dropPartition(st);
    st.position = offset;
    st.fetchPos = offset;
    st.dirty = true;
    if (st.ready) this.consumer.seek({ topic, partition, offset: String(offset) });
    else st.sought = true;
  }

  assignment(): { generation: number; partitions: TopicPartition[] } {
    const partitions: TopicPartition[] = [];
    for (const st of this.states.values()) if (st.ready || st.sought) partitions.push({ topic: st.topic, partition: st.partition });
    return { generation: this.readyGeneration, partitions };
  }

  positions(): ReadonlyMap<string, number[]> {
    const out = new Map<string, number[]>();
    for (const st of this.states.values()) {
      let arr = out.get(st.topic);
      if (arr === undefined) out.set(st.topic, (arr = []));
      while (arr.length <= st.partition) arr.push(-1);
      arr[st.partition] = st.position;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    for (const w of this.readyWaiters) w();
    this.readyWaiters = [];
    this.queue = [];
    this.buffered = 0;
    await this.consumer.disconnect();
  }

  // --- internals ---------------------------------------------------------------------------------

  private check(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new ExecutionError('consumer is closed');
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
    for (const w of this.readyWaiters) w();
    this.readyWaiters = [];
  }

  private wake(): void {
    this.dataWaiter?.();
  }

  private waitReady(generation: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ExecutionError(`consumer group '${this.options.groupId}' did not get an assignment within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        clearTimeout(timer);
        if (this.failure !== null) reject(this.failure);
        else if (this.closed) reject(new ExecutionError('consumer is closed'));
        else resolve();
      };
      if (this.readyGeneration >= generation || this.failure !== null || this.closed) check();
      else this.readyWaiters.push(check);
    });
  }

  private dropAll(): void {
    this.queue = [];
    this.buffered = 0;
    this.resumeIfDrained();
  }

  private dropPartition(st: PartitionState): void {
    let dropped = 0;
    this.queue = this.queue.filter((c) => {
      if (c.state !== st) return true;
      dropped += c.records.length - c.idx;
      return false;
    });
    this.buffered -= dropped;
    this.resumeIfDrained();
  }

  private resumeIfDrained(): void {
    if (this.buffered > this.maxBuffered / 2) return;
    for (const st of this.states.values()) {
      if (!st.paused) continue;
      st.paused = false;
      this.consumer.resume([{ topic: st.topic, partitions: [st.partition] }]);
    }
  }
}
