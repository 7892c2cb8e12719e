/**
 * Idempotent appends on the embedded log (exactly-once outputs): a partition skips its share of an
 * append whose producer sequence number it already holds, across a reopen, and an intent whose
 * records never reached the file (a crash between the two writes) does not count.
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { EmbeddedLog } from '../../src/storage/log/embedded/embedded-log.js';
import { Engine } from '../../src/engine/engine.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sluice-idem-'));
  dirs.push(d);
  return d;
};
const rec = (p: number, v: string) => ({ key: null, value: Buffer.from(v), partition: p });

it('skips, per partition, what a producer already wrote, also after a reopen', async () => {
  const dir = tmp();
  let log = EmbeddedLog.open(dir);
  await log.createTopic('out', { partitions: 2 });
  await log.append('out', [rec(0, 'a'), rec(1, 'b')], { producer: 'q', seq: 10 });
  // Partition 1 only got as far as seq 10; partition 0 also has 20.
  await log.append('out', [rec(0, 'c')], { producer: 'q', seq: 20 });
  await log.close();
  log = EmbeddedLog.open(dir);
  expect(await log.producerSeqs('out', 'q')).toEqual([20, 10]);
  const res = await log.append('out', [rec(0, 'c'), rec(1, 'd')], { producer: 'q', seq: 20 });
  expect(res.map((r) => r.offset)).toEqual([-1, 1]);
  await log.append('out', [rec(0, 'x')], { producer: 'other', seq: 5 }); // another producer is not affected
  expect(await log.endOffsets('out')).toEqual([3, 2]);
  expect((await log.read('out', 0, 0, 10)).map((r) => r.value!.toString())).toEqual(['a', 'c', 'x']);
  expect((await log.read('out', 1, 0, 10)).map((r) => r.value!.toString())).toEqual(['b', 'd']);
  await log.close();
});

it('ignores an intent whose records were not written, and a torn journal line', async () => {
  const dir = tmp();
  let log = EmbeddedLog.open(dir);
  await log.createTopic('out', { partitions: 1 });
  await log.append('out', [rec(0, 'a')], { producer: 'q', seq: 1 });
  await log.close();
  // As a crash between the intent and the records would leave it; then a torn line.
  appendFileSync(join(dir, 'topics', 'out', 'producers.log'), JSON.stringify({ id: 'q', seq: 2, parts: [[0, 2]] }) + '\n{"id":"q","se');
  log = EmbeddedLog.open(dir);
  expect(await log.producerSeqs('out', 'q')).toEqual([1]);
  await log.append('out', [rec(0, 'plain')]); // fills offset 1: the stale intent must stay ignored
  await log.close();
  log = EmbeddedLog.open(dir);
  expect(await log.producerSeqs('out', 'q')).toEqual([1]);
  expect((await log.append('out', [rec(0, 'b')], { producer: 'q', seq: 2 }))[0]!.offset).toBe(2);
  await log.close();
});

it('processing.guarantee from the statement properties turns exactly-once on for that query only', async () => {
  const dir = tmp();
  const engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
  try {
    await engine.execute(`CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`);
    await engine.execute(`CREATE STREAM e AS SELECT * FROM s;`, { properties: { 'processing.guarantee': 'exactly_once_v2' } });
    await engine.execute(`CREATE STREAM a AS SELECT * FROM s;`);
    const key = Buffer.alloc(4);
    await engine.log.append('s', [{ key, value: Buffer.from('{"V":1}') }]);
    await engine.drain();
    expect(await engine.log.endOffsets('E')).toEqual([1]);
    expect(await engine.log.endOffsets('A')).toEqual([1]);
    expect(existsSync(join(dir, 'log', 'topics', 'E', 'producers.log'))).toBe(true);
    expect(existsSync(join(dir, 'log', 'topics', 'A', 'producers.log'))).toBe(false);
  } finally {
    await engine.close();
  }
});
