/**
 * A stateful query's changelog topic on Kafka: every state write of a micro-batch, followed by one
 * checkpoint record per task (partition) with the input positions that state reflects, appended
 * before the state commits in SQLite and before the consumer group's offsets move.
 *
 * A server that gains a partition (a rebalance, or a start on an empty data directory) rebuilds that
 * task's state from partition p of the changelog, up to its last checkpoint, and resumes the input
 * from the checkpoint's positions: state and positions come from the same batch, so no input is
 * counted twice. Writes after the last checkpoint (a batch cut short by a crash) are ignored; they
 * are replayed from the input.
 *
 * One compacted topic per query, `_confluent-ksql-<service id>query_<query id>-changelog`, keyed by
 * `<store>\0<key>`: ksqlDB keeps one topic per store, but a single topic puts a batch's writes for a
 * task and its checkpoint in one partition, in order, which is what makes the checkpoint trustworthy
 * without Kafka transactions.
 */
import type { Log, ProduceRecord } from '../storage/log/log.js';
import type { StateChange, StateDb } from '../storage/state/state-db.js';

const CHECKPOINT = '\u0000checkpoint';
const READ_CHUNK = 10_000;

export const changelogTopicName = (serviceId: string, queryId: string): string => `_confluent-ksql-${serviceId}query_${queryId}-changelog`;

export class Changelog {
  private constructor(
    private readonly log: Log,
    readonly topic: string,
    readonly partitions: number,
  ) {}

  static async open(log: Log, topic: string, partitions: number, replicas?: number): Promise<Changelog> {
    const existing = await log.describeTopic(topic);
    if (existing === undefined) await log.createTopic(topic, { partitions, cleanupPolicy: 'compact', ...(replicas !== undefined ? { replicas } : {}) });
    return new Changelog(log, topic, existing?.partitions ?? partitions);
  }

  /** Append a batch's writes, then a checkpoint for each task in `tasks`. */
  async append(changes: readonly StateChange[], tasks: Iterable<number>, positions: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const records: ProduceRecord[] = [];
    for (const c of changes) {
      records.push({ key: Buffer.from(`${c.store}\u0000${c.key}`), value: c.value === null ? null : Buffer.from(c.value), partition: c.task % this.partitions });
    }
    const checkpoint = Buffer.from(JSON.stringify(Object.fromEntries(positions)));
    const key = Buffer.from(CHECKPOINT);
    for (const t of tasks) records.push({ key, value: checkpoint, partition: t % this.partitions });
    if (records.length > 0) await this.log.append(this.topic, records);
  }

  /**
   * Rebuild task `task` into `state` from the changelog. Returns the input positions of that task's
   * partition per topic from its last checkpoint, or undefined when there is none (nothing restored).
   */
  async restore(state: StateDb, task: number): Promise<Map<string, number> | undefined> {
    const p = task % this.partitions;
    const end = (await this.log.endOffsets(this.topic))[p] ?? 0;
    let offset = (await this.log.startOffsets(this.topic))[p] ?? 0;
    let pending: StateChange[] = [];
    let restored: Map<string, number> | undefined;
    while (offset < end) {
      const records = await this.log.read(this.topic, p, offset, READ_CHUNK);
      if (records.length === 0) break;
      for (const r of records) {
        offset = r.offset + 1;
        if (r.key === null) continue;
        const k = r.key.toString('utf8');
        if (k === CHECKPOINT) {
          if (r.value === null) continue;
          const all = JSON.parse(r.value.toString('utf8')) as Record<string, number[]>;
          const mine = new Map<string, number[]>();
          restored = new Map();
          for (const [topic, positions] of Object.entries(all)) {
            const o = positions[task];
            if (o === undefined || o < 0) continue;
            restored.set(topic, o);
            const arr = new Array<number>(task + 1).fill(-1);
            arr[task] = o;
            mine.set(topic, arr);
          }
          state.restore(pending, mine);
          pending = [];
          continue;
        }
        const sep = k.indexOf('\u0000');
        if (sep < 0) continue;
        pending.push({ store: k.slice(0, sep), key: k.slice(sep + 1), value: r.value === null ? null : r.value.toString('utf8'), task });
      }
    }
    return restored;
  }
}
