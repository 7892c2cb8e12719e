/**
 * A query's runtime counters, as ksqlDB reports them in DESCRIBE EXTENDED and EXPLAIN: messages
 * consumed (total and per second over the last 30 s), messages produced, records that failed
 * (processing-log entries), and when the last message was seen; and how long its micro-batches
 * take (a histogram, for /metrics). Updated once per micro-batch, never per record.
 */

/** Seconds the per-second rate is measured over (Kafka's metrics use 30 s samples too). */
const RATE_WINDOW_S = 30;

export interface QueryStatsSnapshot {
  readonly consumedTotal: number;
  readonly consumedPerSec: number;
  readonly producedTotal: number;
  readonly producedPerSec: number;
  readonly failedTotal: number;
  /** Epoch ms of the last consumed message; 0 before any. */
  readonly lastMessageAt: number;
  /** Epoch ms of the last failed record; 0 before any. */
  readonly lastFailedAt: number;
}

/** Upper bounds (seconds) of the batch-duration histogram's buckets; a last one is +Inf. */
export const BATCH_SECONDS_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface BatchDurations {
  /** Batches per bucket (not cumulative), BATCH_SECONDS_BUCKETS.length + 1 of them. */
  readonly counts: readonly number[];
  readonly sumSeconds: number;
  readonly count: number;
}

class Rate {
  /** Count per second, over the last RATE_WINDOW_S seconds (a ring indexed by second). */
  private readonly buckets = new Float64Array(RATE_WINDOW_S);
  private readonly seconds = new Float64Array(RATE_WINDOW_S).fill(-1);
  private readonly started = Date.now();
  total = 0;
  last = 0;

  add(n: number, now: number): void {
    if (n <= 0) return;
    const s = Math.floor(now / 1000);
    const i = s % RATE_WINDOW_S;
    if (this.seconds[i] !== s) {
      this.seconds[i] = s;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += n;
    this.total += n;
    this.last = now;
  }

  perSecond(now: number): number {
    const s = Math.floor(now / 1000);
    let sum = 0;
    for (let i = 0; i < RATE_WINDOW_S; i++) if (this.seconds[i]! > s - RATE_WINDOW_S) sum += this.buckets[i]!;
    // A query younger than the window is measured over its life so far.
    const span = Math.min(RATE_WINDOW_S, Math.max(1, (now - this.started) / 1000));
    return sum / span;
  }
}

export class QueryStats {
  private readonly consumed = new Rate();
  private readonly produced = new Rate();
  private failed = 0;
  private lastFailed = 0;
  private readonly batchCounts = new Float64Array(BATCH_SECONDS_BUCKETS.length + 1);
  private batchSeconds = 0;
  private batches = 0;

  /** One micro-batch done: records in and out, and how long it ran (ms), when measured. */
  recordBatch(consumed: number, produced: number, now = Date.now(), durationMs?: number): void {
    this.consumed.add(consumed, now);
    this.produced.add(produced, now);
    if (durationMs !== undefined) {
      const s = durationMs / 1000;
      let i = 0;
      while (i < BATCH_SECONDS_BUCKETS.length && s > BATCH_SECONDS_BUCKETS[i]!) i++;
      this.batchCounts[i]!++;
      this.batchSeconds += s;
      this.batches++;
    }
  }

  batchDurations(): BatchDurations {
    return { counts: [...this.batchCounts], sumSeconds: this.batchSeconds, count: this.batches };
  }

  recordFailure(now = Date.now()): void {
    this.failed++;
    this.lastFailed = now;
  }

  snapshot(now = Date.now()): QueryStatsSnapshot {
    return {
      consumedTotal: this.consumed.total,
      consumedPerSec: this.consumed.perSecond(now),
      producedTotal: this.produced.total,
      producedPerSec: this.produced.perSecond(now),
      failedTotal: this.failed,
      lastMessageAt: this.consumed.last,
      lastFailedAt: this.lastFailed,
    };
  }
}
