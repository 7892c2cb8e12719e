/**
 * The repartition topic of a re-keying aggregation on Kafka (GROUP BY other than the source key),
 * as ksqlDB writes `..._query_<id>-Aggregate-GroupBy-repartition`: the first stage reads the source,
 * computes each record's group key and writes the record, unchanged, keyed by it; the second stage
 * aggregates the repartition topic. Each group key then lives in exactly one partition, so servers
 * sharing the query each aggregate whole groups.
 *
 * The repartitioned record carries the source record's key and position in headers, so the second
 * stage decodes exactly what the source held (key columns, ROWPARTITION, ROWOFFSET). On the embedded
 * log (one server) the same routing happens in process, without the topic.
 */
import type { Header, LogRecord, ProduceRecord } from '../storage/log/log.js';

const KEY_HEADER = '__sluice.source.key';
const POS_HEADER = '__sluice.source.position';

export const repartitionTopicName = (serviceId: string, queryId: string): string => `_confluent-ksql-${serviceId}query_${queryId}-Aggregate-GroupBy-repartition`;

/** The source record `r`, re-keyed by `groupKey`, with its timestamp (possibly extracted from the value). */
export function toRepartitionRecord(r: LogRecord, groupKey: Buffer, timestamp: number): ProduceRecord {
  const headers: Header[] = [...r.headers, { key: POS_HEADER, value: Buffer.from(`${r.partition}:${r.offset}`) }];
  // A null key is the header's absence (kafkajs cannot write null header values).
  if (r.key !== null) headers.push({ key: KEY_HEADER, value: r.key });
  return { key: groupKey, value: r.value, timestamp, headers };
}

/** The source record a repartition record was made from, as `sourceTopic` held it. */
export function fromRepartitionRecord(r: LogRecord, sourceTopic: string): LogRecord {
  let key: Buffer | null = null;
  let partition = r.partition;
  let offset = r.offset;
  const headers: Header[] = [];
  for (const h of r.headers) {
    if (h.key === KEY_HEADER) key = h.value;
    else if (h.key === POS_HEADER && h.value !== null) {
      const [p, o] = h.value.toString('latin1').split(':');
      partition = Number(p);
      offset = Number(o);
    } else headers.push(h);
  }
  return { topic: sourceTopic, partition, offset, key, value: r.value, timestamp: r.timestamp, headers };
}

// ------------------------------------------------------------------------------------------------
// Rows through a repartition topic: a re-keying aggregation over a join (or another derived stream),
// and over a table (each change as the old row to subtract and the new row to add, as ksqlDB's
// KGroupedTable repartitions a table's changes). The value is the row (or [old, new]) in the state's
// value encoding; the headers name the input record the row came from and its index among that
// record's rows, so that a replayed first stage is recognised downstream.

const SEQ_HEADER = '__sluice.source.seq';

/** `value`, re-keyed by `groupKey`, the `n`-th row made from input record `at`. */
export function toRowRepartitionRecord(groupKey: Buffer, value: string, timestamp: number, at: LogRecord, n: number): ProduceRecord {
  return { key: groupKey, value: Buffer.from(value, 'utf8'), timestamp, headers: [{ key: SEQ_HEADER, value: Buffer.from(`${n}:${at.offset}:${at.partition}:${at.topic}`) }] };
}

/** Where a row repartition record came from: `source` (topic and partition), its offset there and index. */
export function rowRepartitionOrigin(r: LogRecord): { source: string; offset: number; n: number } | undefined {
  const h = r.headers.find((x) => x.key === SEQ_HEADER)?.value;
  if (!h) return undefined;
  const text = h.toString('utf8');
  const a = text.indexOf(':');
  const b = text.indexOf(':', a + 1);
  return { n: Number(text.slice(0, a)), offset: Number(text.slice(a + 1, b)), source: text.slice(b + 1) };
}
