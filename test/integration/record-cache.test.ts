/**
 * The aggregation record cache (src/operators/record-cache.ts): with `cache.max.bytes.buffering`
 * above 0 (ksqlDB's default, 10,000,000) a micro-batch's updates of a key are written once, its
 * latest; with 0 every update is written; a cache too small for the keys writes early, never loses.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { readAll, tempDataDirs } from './fixtures/engine-data.js';
import type { LogRecord } from '../../src/storage/log/log.js';

const dataDir = tempDataDirs('sluice-cache-');

const KEYS = Array.from({ length: 10 }, (_, i) => `k${i}`);

/** A count over 1,000 records of 10 keys; returns the output records. */
async function countOutputs(
  properties: Record<string, string>,
  query = 'SELECT k, COUNT(*) AS n FROM s GROUP BY k EMIT CHANGES',
  keyOf = (i: number) => KEYS[i % 10]!,
): Promise<LogRecord[]> {
  const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest', ...properties } });
  try {
    await engine.execute(`
      CREATE STREAM s (k VARCHAR KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);
      CREATE TABLE counts WITH (kafka_topic='counts_out', partitions=2) AS ${query};`);
    await engine.log.append(
      's',
      Array.from({ length: 1000 }, (_, i) => ({ key: Buffer.from(keyOf(i)), value: Buffer.from(JSON.stringify({ V: i })), timestamp: 1000 + i })),
    );
    await engine.drain();
    return await readAll(engine, 'counts_out');
  } finally {
    await engine.close();
  }
}

function latestByKey(records: readonly LogRecord[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const r of [...records].sort((a, b) => a.timestamp - b.timestamp)) m.set(r.key!.toString(), r.value === null ? null : JSON.parse(r.value.toString()));
  return m;
}

describe('aggregation record cache', () => {
  it('at ksqlDB default size, writes a few rows per key; the latest are the full counts', async () => {
    const out = await countOutputs({});
    const perKey = new Map<string, number>();
    for (const r of out) perKey.set(r.key!.toString(), (perKey.get(r.key!.toString()) ?? 0) + 1);
    expect([...perKey.keys()].sort()).toEqual(KEYS);
    for (const n of perKey.values()) expect(n).toBeLessThanOrEqual(3);
    expect(latestByKey(out)).toEqual(new Map(KEYS.map((k) => [k, { N: 100 }])));
  });

  it('off (cache.max.bytes.buffering=0, as ksqlDB tests run), writes every update', async () => {
    const out = await countOutputs({ 'cache.max.bytes.buffering': '0' });
    expect(out).toHaveLength(1000);
    expect(latestByKey(out)).toEqual(new Map(KEYS.map((k) => [k, { N: 100 }])));
    // ksql.streams.-prefixed, as in a server's configuration file
    expect(await countOutputs({ 'ksql.streams.cache.max.bytes.buffering': '0' })).toHaveLength(1000);
  });

  it('too small for the keys, writes the longest-held rows early and loses nothing', async () => {
    // Room for about 3 of the 10 keys. Round robin over the keys: each update is evicted before the
    // key comes again, so every one is written.
    expect(await countOutputs({ 'cache.max.bytes.buffering': '400' })).toHaveLength(1000);
    // Runs of 10 updates of one key: each run is written once, when a later key evicts it.
    const out = await countOutputs({ 'cache.max.bytes.buffering': '400' }, undefined, (i) => KEYS[Math.floor(i / 10) % 10]!);
    expect(out).toHaveLength(100);
    expect(latestByKey(out)).toEqual(new Map(KEYS.map((k) => [k, { N: 100 }])));
  });

  it('collapses each window of a tumbling count; EMIT FINAL keeps one row per closed window', async () => {
    const windowed = 'SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 100 MILLISECONDS) GROUP BY k EMIT CHANGES';
    // 1,000 records over 1 s: 10 windows × 10 keys, 10 records each.
    expect(await countOutputs({}, windowed)).toHaveLength(100);
    expect(await countOutputs({ 'cache.max.bytes.buffering': '0' }, windowed)).toHaveLength(1000);
    const final = await countOutputs({}, windowed.replace('EMIT CHANGES', 'EMIT FINAL').replace('100 MILLISECONDS)', '100 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS)'));
    // Closed by stream time: every window but the last, whose end stream time has not passed.
    expect(final).toHaveLength(90);
    for (const r of final) expect(JSON.parse(r.value!.toString())).toEqual({ N: 10 });
  });
});
