/**
 * The aggregation record cache, as Kafka Streams' (ksqlDB's `cache.max.bytes.buffering`, default
 * 10,000,000): an aggregation's output rows are held by group key (and window) and only the latest row of
 * each is written on flush, so a key updated many times between flushes is written once.
 *
 * Kafka Streams flushes at each commit (`commit.interval.ms`, 2 s in ksqlDB) and evicts the least
 * recently updated entries when the cache is full. Sluice commits once per micro-batch, so the cache
 * is flushed at the end of each batch (before the commit; a push query: after each poll), and when
 * its estimated size passes the limit the longest-held rows are written early (Kafka Streams evicts
 * the least recently used; first-in is cheaper and as safe: nothing is lost, only written sooner). 0 turns the
 * cache off: every update is written, as ksqlDB's test driver runs. EMIT FINAL does not use it.
 */
import type { WindowBounds } from '../serde/windowed.js';
import { keyString } from '../storage/state/value-codec.js';
import type { OutputConsumer } from './operator.js';

/** ksqlDB's default (KsqlConstants.defaultCacheMaxBytesBufferingConfig). */
export const DEFAULT_CACHE_MAX_BYTES = 10_000_000;

/** `cache.max.bytes.buffering` (also with ksqlDB's `ksql.streams.` prefix, or as Kafka's newer `statestore.cache.max.bytes`). */
export function cacheMaxBytes(config: Readonly<Record<string, string>>): number {
  const raw = config['cache.max.bytes.buffering'] ?? config['ksql.streams.cache.max.bytes.buffering'] ?? config['statestore.cache.max.bytes'] ?? config['ksql.streams.statestore.cache.max.bytes'];
  if (raw === undefined) return DEFAULT_CACHE_MAX_BYTES;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

interface CacheEntry {
  key: readonly unknown[] | null;
  value: readonly unknown[] | null;
  ts: number;
  window: WindowBounds | undefined;
  bytes: number;
}

/** Per-entry overhead in the size estimate (the map slot, the entry, the id). */
const ENTRY_OVERHEAD = 96;

export class RecordCache {
  /** By group (and window), in the order of each entry's first update since the last flush. */
  private readonly entries = new Map<string, CacheEntry>();
  private bytes = 0;

  constructor(
    private readonly down: OutputConsumer,
    private readonly maxBytes: number,
  ) {}

  /** Rows held, not yet written. */
  get size(): number {
    return this.entries.size;
  }

  /** An output row of `group` (the aggregation's group key); replaces the group's (window's) held row. */
  put(group: readonly unknown[], key: readonly unknown[] | null, value: readonly unknown[] | null, ts: number, window: WindowBounds | undefined): void {
    const ks = keyString(group);
    const id = window ? `${ks}|${window.start}|${window.end}` : ks;
    const bytes = ENTRY_OVERHEAD + id.length * 2 + estimate(value);
    const e = this.entries.get(id);
    if (e !== undefined) {
      // Updated in place: the map keeps first-update order (moving it would cost a delete and a set per record).
      e.key = key;
      e.value = value;
      e.ts = ts;
      this.bytes += bytes - e.bytes;
      e.bytes = bytes;
    } else {
      // The aggregation reuses its window bounds object: keep a copy.
      this.entries.set(id, { key, value, ts, window: window ? { start: window.start, end: window.end } : undefined, bytes });
      this.bytes += bytes;
    }
    if (this.bytes > this.maxBytes) this.evict();
  }

  /** Write every held row (in first-update order) and empty the cache. */
  flush(): void {
    for (const e of this.entries.values()) this.down.write(e.key, e.value, e.ts, e.window);
    this.entries.clear();
    this.bytes = 0;
  }

  /** Full: write the longest-held rows until the cache is within its limit. */
  private evict(): void {
    for (const [id, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(id);
      this.bytes -= e.bytes;
      this.down.write(e.key, e.value, e.ts, e.window);
    }
  }
}

/** A cheap size estimate of a row: strings by length, anything else 8 bytes. */
function estimate(row: readonly unknown[] | null): number {
  if (row === null) return 0;
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    n += typeof v === 'string' ? 2 * v.length + 16 : 8;
  }
  return n;
}
