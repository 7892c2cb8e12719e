/**
 * A source's runtime statistics as ksqlDB's DESCRIBE EXTENDED prints them: the counters of the
 * queries reading its topic (consumer-*) and writing it, then the time of the last message.
 */
import type { PersistentQuery } from '../runtime/persistent-query.js';
import type { QueryStatsSnapshot } from '../runtime/query-stats.js';

interface Stat {
  readonly name: string;
  readonly value: number;
}

/** ksqlDB's Stat.formatted: `%16s:%10.0f`, or two decimals when the value is not whole. */
function formatted(s: Stat): string {
  const v = s.value === Math.round(s.value) ? s.value.toFixed(0) : s.value.toFixed(2);
  return `${s.name.padStart(16)}:${v.padStart(10)}`;
}

function timestamp(ms: number): string {
  return ms === 0 ? 'n/a' : new Date(ms).toISOString().replace('Z', '+00:00');
}

/** ksqlDB's MetricCollectors.format: each stat, then `last-message: <time>`. */
function format(stats: readonly Stat[], lastLabel: string, last: number): string {
  if (stats.length === 0) return '';
  return `${stats.map(formatted).join(' ')} ${lastLabel.padStart(16)}: ${timestamp(last).padStart(9)}`;
}

export function sourceStatistics(readers: readonly PersistentQuery[], writers: readonly PersistentQuery[]): { statistics: string; errorStats: string } {
  const now = Date.now();
  const read = readers.map((q) => q.stats.snapshot(now));
  const written = writers.map((q) => q.stats.snapshot(now));
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const stats: Stat[] = [];
  if (read.length > 0) {
    stats.push({ name: 'consumer-messages-per-sec', value: sum(read.map((s) => s.consumedPerSec)) }, { name: 'consumer-total-messages', value: sum(read.map((s) => s.consumedTotal)) });
  }
  if (written.length > 0) {
    stats.push({ name: 'messages-per-sec', value: sum(written.map((s) => s.producedPerSec)) }, { name: 'total-messages', value: sum(written.map((s) => s.producedTotal)) });
  }
  const last = Math.max(0, ...read.map((s) => s.lastMessageAt), ...written.map((s) => s.lastMessageAt));
  const errors: Stat[] = read.length > 0 ? [{ name: 'consumer-failed-messages', value: sum(read.map((s) => s.failedTotal)) }] : [];
  const lastFailed = Math.max(0, ...read.map((s) => s.lastFailedAt));
  return { statistics: format(stats, 'last-message', last), errorStats: format(errors, 'last-failed', lastFailed) };
}

/** One query's counters in the same format (EXPLAIN, SHOW QUERIES EXTENDED). */
export function queryStatistics(s: QueryStatsSnapshot & { readonly consumerLag: number }): { statistics: string; errorStats: string } {
  const stats: Stat[] = [
    { name: 'consumer-messages-per-sec', value: s.consumedPerSec },
    { name: 'consumer-total-messages', value: s.consumedTotal },
    { name: 'consumer-lag', value: s.consumerLag },
    { name: 'messages-per-sec', value: s.producedPerSec },
    { name: 'total-messages', value: s.producedTotal },
  ];
  return { statistics: format(stats, 'last-message', s.lastMessageAt), errorStats: format([{ name: 'failed-messages', value: s.failedTotal }], 'last-failed', s.lastFailedAt) };
}
