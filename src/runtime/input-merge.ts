/**
 * Event-time order across a query's inputs, as Kafka Streams' PartitionGroup does it: of the records
 * at the heads of the input partitions' buffers, the one with the lowest timestamp runs next (ties:
 * the order the consumer returned them). Used by queries that read several topics (joins), so that
 * a table's earlier records are loaded before later stream records, whatever order the topics were
 * written in.
 *
 * Per micro-batch: the polled chunks are buffered per partition and merged, and what the batch did
 * not process is sought back at its end (rewind), so the committed positions cover exactly the
 * records that ran. Within each partition the order is the log's, as in Kafka Streams.
 *
 * Waiting (`max.task.idle.ms`, ksqlDB's default 0 as Kafka Streams' since KIP-695): a partition with
 * nothing buffered whose end offset (read at the batch's start) says it has records not fetched yet
 * stops the merge until they are polled; a partition known to be at its end does not (-1: never
 * wait). A value above 0 also waits up to that long, once per batch, for new records of an empty
 * partition. The wait for known records is bounded by the batch's buffer (`budget`) and by
 * LAG_WAIT_MS, after which the buffered records run anyway (Kafka Streams' "enforced processing").
 */
import type { Log, LogConsumer, LogRecord } from '../storage/log/log.js';

/** How long one poll() waits for records a partition is known to have before processing without them. */
export const LAG_WAIT_MS = 1_000;

/** ksqlDB passes `max.task.idle.ms` to Kafka Streams (default 0); also read with its `ksql.streams.` prefix. */
export function maxTaskIdleMs(config: Readonly<Record<string, string>>): number {
  const raw = config['max.task.idle.ms'] ?? config['ksql.streams.max.task.idle.ms'];
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isFinite(n) ? Math.max(-1, Math.trunc(n)) : 0;
}

/** The polled, not yet processed records of one input partition. */
interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  records: LogRecord[];
  /** Arrival order of each record (the tie-break between equal timestamps). */
  seqs: number[];
  head: number;
  /** The offset after the last record polled. */
  next: number;
  /** The partition's end offset when the batch started (-1: unknown). */
  end: number;
}

export class InputMerge {
  /** Queues per topic, indexed by partition. */
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  private queues: PartitionQueue[] = [];
  private started = false;
  private buffered = 0;
  private arrival = 0;
  private idled = false;

  constructor(
    private readonly consumer: LogConsumer,
    private readonly log: Log,
    private readonly topics: readonly string[],
    private readonly idleMs: number,
  ) {}

  /**
   * Up to `max` records in event-time order, polling `chunk` records at a time and buffering at most
   * `budget`. [] when there is nothing to run.
   */
  async poll(max: number, chunk: number, timeoutMs: number, budget: number): Promise<LogRecord[]> {
    if (!this.started) await this.start();
    const out: LogRecord[] = [];
    let waitUntil = -1;
    let first = true;
    while (out.length < max) {
      if (this.buffered === 0) {
        const got = await this.consumer.poll(chunk, first && out.length === 0 ? timeoutMs : 0);
        first = false;
        if (got.length === 0) break;
        this.add(got);
      }
      let enforced = false;
      // Fetch what partitions are known to hold before merging past them.
      while (this.idleMs >= 0 && this.lagging()) {
        if (this.buffered >= budget) {
          enforced = true;
          break;
        }
        const now = performance.now();
        if (waitUntil < 0) waitUntil = now + LAG_WAIT_MS;
        const got = await this.consumer.poll(chunk, 0);
        if (got.length > 0) {
          this.add(got);
          continue;
        }
        if (now >= waitUntil) {
          enforced = true;
          break;
        }
        const more = await this.consumer.poll(chunk, Math.min(50, waitUntil - now));
        this.add(more);
      }
      if (!enforced && this.idleMs > 0 && !this.idled && this.anyEmpty()) {
        this.idled = true;
        this.add(await this.consumer.poll(chunk, this.idleMs));
        continue;
      }
      const before = out.length;
      this.merge(out, max, enforced || this.idleMs < 0);
      if (out.length === before && this.buffered === 0) break;
    }
    return out;
  }

  /**
   * The batch is done: partitions whose buffered records did not run go back to the first of them,
   * so the commit covers only what ran. The next batch starts afresh.
   */
  rewind(): void {
    for (const q of this.queues) {
      if (q.head < q.records.length) {
        try {
          this.consumer.seek(q.topic, q.partition, q.records[q.head]!.offset);
        } catch {
          // no longer assigned (a rebalance): its new owner resumes from the committed position
        }
      }
    }
    this.reset();
  }

  /** Forget the buffers (the consumer was sought back already, e.g. after a failed batch). */
  reset(): void {
    this.byTopic.clear();
    this.queues = [];
    this.buffered = 0;
    this.arrival = 0;
    this.started = false;
    this.idled = false;
  }

  /** Queues for the assigned partitions, with their end offsets as the batch starts. */
  private async start(): Promise<void> {
    this.started = true;
    const positions = this.consumer.positions();
    const ends = await Promise.all(this.topics.map((t) => this.log.endOffsets(t).catch(() => [] as number[])));
    this.topics.forEach((topic, i) => {
      const pos = positions.get(topic) ?? [];
      const end = ends[i]!;
      pos.forEach((p, partition) => {
        if (p >= 0) this.queue(topic, partition, p, end[partition] ?? -1);
      });
    });
  }

  private queue(topic: string, partition: number, next: number, end: number): PartitionQueue {
    let list = this.byTopic.get(topic);
    if (list === undefined) this.byTopic.set(topic, (list = []));
    let q = list[partition];
    if (q === undefined) {
      q = { topic, partition, records: [], seqs: [], head: 0, next, end };
      list[partition] = q;
      this.queues.push(q);
    }
    return q;
  }

  private add(records: readonly LogRecord[]): void {
    let list: PartitionQueue[] | undefined;
    let listTopic = '';
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.topic !== listTopic || list === undefined) {
        listTopic = r.topic;
        list = this.byTopic.get(r.topic);
      }
      const q = list?.[r.partition] ?? this.queue(r.topic, r.partition, r.offset, -1);
      if (list === undefined) list = this.byTopic.get(r.topic);
      q.records.push(r);
      q.seqs.push(this.arrival++);
      q.next = r.offset + 1;
    }
    this.buffered += records.length;
  }

  /** A partition with nothing buffered that has records not polled yet. */
  private lagging(): boolean {
    for (const q of this.queues) if (q.head >= q.records.length && q.end > q.next) return true;
    return false;
  }

  private anyEmpty(): boolean {
    for (const q of this.queues) if (q.head >= q.records.length) return true;
    return false;
  }

  /** Move records to `out` by lowest head timestamp, until `max`, or a drained partition still has unpolled records. */
  private merge(out: LogRecord[], max: number, enforced: boolean): void {
    const queues = this.queues;
    while (out.length < max) {
      let best: PartitionQueue | undefined;
      let bestTs = 0;
      let bestSeq = 0;
      for (let i = 0; i < queues.length; i++) {
        const q = queues[i]!;
        if (q.head >= q.records.length) continue;
        const ts = q.records[q.head]!.timestamp;
        const seq = q.seqs[q.head]!;
        if (best === undefined || ts < bestTs || (ts === bestTs && seq < bestSeq)) {
          best = q;
          bestTs = ts;
          bestSeq = seq;
        }
      }
      if (best === undefined) return;
      out.push(best.records[best.head]!);
      best.head++;
      this.buffered--;
      if (best.head >= best.records.length) {
        best.records = [];
        best.seqs = [];
        best.head = 0;
        if (!enforced && best.end > best.next) return;
      }
    }
  }
}
