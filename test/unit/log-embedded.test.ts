import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedLog, type EmbeddedLog } from '../../src/storage/log/embedded/index.js';
import type { LogRecord } from '../../src/storage/log/log.js';
import { partitionForKey } from '../../src/storage/log/partitioner.js';

let dir: string;
const open: EmbeddedLog[] = [];

async function openLog(options?: Parameters<typeof openEmbeddedLog>[1]): Promise<EmbeddedLog> {
  const log = await openEmbeddedLog(dir, options);
  open.push(log);
  return log;
}

const b = (s: string): Buffer => Buffer.from(s);
const str = (r: LogRecord): string => `${r.key?.toString() ?? 'null'}=${r.value?.toString() ?? 'null'}`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-log-'));
});

afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('topics', () => {
  it('creates, describes, lists, is idempotent and rejects a different partition count', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 3, replicas: 1, retentionMs: 1000 });
    await log.createTopic('t', { partitions: 3 });
    await expect(log.createTopic('t', { partitions: 2 })).rejects.toThrow(/already exists with 3 partitions/);
    expect(await log.describeTopic('t')).toEqual({
      name: 't',
      partitions: 3,
      replicas: 1,
      config: { partitions: 3, replicas: 1, retentionMs: 1000 },
    });
    expect(await log.describeTopic('nope')).toBeUndefined();
    await log.createTopic('a/b c', { partitions: 1 });
    expect((await log.listTopics()).map((t) => t.name).sort()).toEqual(['a/b c', 't']);
    await expect(log.append('missing', [{ key: null, value: null }])).rejects.toThrow(/does not exist/);
  });

  it('deletes a topic and its files', async () => {
    const log = await openLog();
    await log.createTopic('gone', { partitions: 2 });
    await log.append('gone', [{ key: b('k'), value: b('v') }]);
    await log.deleteTopic('gone');
    expect(await log.describeTopic('gone')).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, 'topics'))).toEqual([]);
    await log.createTopic('gone', { partitions: 1 });
    expect(await log.endOffsets('gone')).toEqual([0]);
  });
});

describe('append and read', () => {
  it('assigns per-partition offsets from 0 and reads them back', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 1 });
    const res = await log.append('t', [
      { key: b('a'), value: b('1'), timestamp: 10 },
      { key: b('b'), value: b('2'), timestamp: 20 },
    ]);
    expect(res).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
    ]);
    await log.append('t', [{ key: b('c'), value: b('3'), timestamp: 30 }]);
    const recs = await log.read('t', 0, 0, 10);
    expect(recs.map(str)).toEqual(['a=1', 'b=2', 'c=3']);
    expect(recs.map((r) => [r.topic, r.partition, r.offset, r.timestamp])).toEqual([
      ['t', 0, 0, 10],
      ['t', 0, 1, 20],
      ['t', 0, 2, 30],
    ]);
    expect((await log.read('t', 0, 1, 1)).map(str)).toEqual(['b=2']);
    expect(await log.read('t', 0, 3, 10)).toEqual([]);
    expect(await log.endOffsets('t')).toEqual([3]);
    expect(await log.startOffsets('t')).toEqual([0]);
  });

  it('partitions by key like Kafka, honours explicit partitions, round-robins null keys', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 4 });
    const keys = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank'];
    const res = await log.append('t', keys.map((k) => ({ key: b(k), value: b(k) })));
    res.forEach((r, i) => expect(r.partition).toBe(partitionForKey(b(keys[i]!), 4)));
    const explicit = await log.append('t', [{ key: b('alice'), value: null, partition: 3 }]);
    expect(explicit[0]!.partition).toBe(3);
    await expect(log.append('t', [{ key: null, value: null, partition: 4 }])).rejects.toThrow(/partition 4/);
    const nulls = await log.append('t', [0, 1, 2, 3].map(() => ({ key: null, value: b('x') })));
    expect(nulls.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3]);
    for (let p = 0; p < 4; p++) {
      for (const r of await log.read('t', p, 0, 100)) {
        if (r.key !== null && r.partition !== 3) expect(partitionForKey(r.key, 4)).toBe(p);
      }
    }
  });

  it('stores headers, null keys and values, empty buffers and defaults the timestamp to now', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 1 });
    const before = Date.now();
    await log.append('t', [
      { key: null, value: null },
      { key: Buffer.alloc(0), value: b('v'), headers: [{ key: 'h1', value: b('x') }, { key: 'ünï', value: null }] },
    ]);
    const [r0, r1] = await log.read('t', 0, 0, 10);
    expect(r0!.key).toBeNull();
    expect(r0!.value).toBeNull();
    expect(r0!.headers).toEqual([]);
    expect(r0!.timestamp).toBeGreaterThanOrEqual(before);
    expect(r1!.key).toEqual(Buffer.alloc(0));
    expect(r1!.headers).toEqual([
      { key: 'h1', value: b('x') },
      { key: 'ünï', value: null },
    ]);
  });

  it('notifies onAppend synchronously in append order across topics', async () => {
    const log = await openLog();
    await log.createTopic('a', { partitions: 3 });
    await log.createTopic('b', { partitions: 1 });
    const seen: string[] = [];
    const off = log.onAppend((r) => seen.push(`${r.topic}:${r.value!.toString()}`));
    const p = log.append('a', ['1', '2', '3', '4'].map((v) => ({ key: b(v), value: b(v) })));
    expect(seen).toEqual(['a:1', 'a:2', 'a:3', 'a:4']); // before the promise is awaited
    await p;
    await log.append('b', [{ key: null, value: b('5') }]);
    off();
    await log.append('b', [{ key: null, value: b('6') }]);
    expect(seen).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'b:5']);
  });

  it('reads across segments, from files and from the tail cache', async () => {
    const log = await openLog({ segmentBytes: 4096, cacheBytes: 8192, indexIntervalBytes: 512 });
    await log.createTopic('t', { partitions: 1 });
    for (let i = 0; i < 500; i += 10) {
      await log.append('t', Array.from({ length: 10 }, (_, j) => ({ key: b(`k${i + j}`), value: b(`value-${i + j}`.padEnd(40, '.')) })));
    }
    expect(log.partitionLog('t', 0).segmentCount).toBeGreaterThanOrEqual(8);
    for (const start of [0, 1, 37, 250, 251, 480, 499]) {
      const recs = await log.read('t', 0, start, 15);
      expect(recs.map((r) => r.offset)).toEqual(Array.from({ length: Math.min(15, 500 - start) }, (_, j) => start + j));
      recs.forEach((r) => expect(r.key!.toString()).toBe(`k${r.offset}`));
    }
    expect((await log.read('t', 0, 0, 1000)).length).toBe(500);
  });
});

describe('reopen', () => {
  it("works with fsync 'batch'", async () => {
    let log = await openLog({ fsync: 'batch' });
    await log.createTopic('t', { partitions: 1 });
    await log.append('t', [{ key: b('a'), value: b('1') }]);
    await log.close();
    open.length = 0;
    log = await openLog({ fsync: 'batch' });
    expect((await log.read('t', 0, 0, 10)).map(str)).toEqual(['a=1']);
  });

  it('keeps topics, records, offsets and config after a clean close', async () => {
    let log = await openLog({ segmentBytes: 2048 });
    await log.createTopic('t', { partitions: 2, retentionBytes: 1e9 });
    for (let i = 0; i < 100; i++) await log.append('t', [{ key: b(`k${i}`), value: b(`v${i}`) }]);
    const ends = await log.endOffsets('t');
    await log.close();
    open.length = 0;
    log = await openLog({ segmentBytes: 2048 });
    expect((await log.describeTopic('t'))!.config.retentionBytes).toBe(1e9);
    expect(await log.endOffsets('t')).toEqual(ends);
    const all = [...(await log.read('t', 0, 0, 1000)), ...(await log.read('t', 1, 0, 1000))];
    expect(all.map((r) => r.key!.toString()).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `k${i}`).sort());
    const more = await log.append('t', [{ key: b('k0'), value: b('again') }]);
    expect(more[0]!.offset).toBe(ends[more[0]!.partition]);
  });

  it('recovers from a torn write: truncates the partial batch, keeps complete ones, appends after', async () => {
    let log = await openLog();
    await log.createTopic('t', { partitions: 1 });
    await log.append('t', [{ key: b('a'), value: b('1') }, { key: b('b'), value: b('2') }]);
    await log.append('t', [{ key: b('c'), value: b('3') }]);
    await log.close();
    open.length = 0;
    const seg = path.join(dir, 'topics', 't', '0', `${'0'.padStart(20, '0')}.log`);
    const full = fs.statSync(seg).size;
    // Simulate a crash in the middle of writing the last batch, then a garbage tail.
    fs.truncateSync(seg, full - 5);
    log = await openLog();
    expect((await log.read('t', 0, 0, 10)).map(str)).toEqual(['a=1', 'b=2']);
    expect(await log.endOffsets('t')).toEqual([2]);
    await log.append('t', [{ key: b('d'), value: b('4') }]);
    await log.close();
    open.length = 0;
    fs.appendFileSync(seg, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    log = await openLog();
    expect((await log.read('t', 0, 0, 10)).map(str)).toEqual(['a=1', 'b=2', 'd=4']);
    expect((await log.append('t', [{ key: b('e'), value: b('5') }]))[0]!.offset).toBe(3);
  });

  it('rebuilds a missing or corrupt index', async () => {
    let log = await openLog({ segmentBytes: 2048, indexIntervalBytes: 128 });
    await log.createTopic('t', { partitions: 1 });
    for (let i = 0; i < 200; i++) await log.append('t', [{ key: b(`k${i}`), value: b(`v${i}`) }]);
    await log.close();
    open.length = 0;
    const pdir = path.join(dir, 'topics', 't', '0');
    const indexes = fs.readdirSync(pdir).filter((f) => f.endsWith('.index'));
    fs.rmSync(path.join(pdir, indexes[0]!));
    fs.writeFileSync(path.join(pdir, indexes[indexes.length - 1]!), Buffer.alloc(16, 0xff));
    log = await openLog({ segmentBytes: 2048, indexIntervalBytes: 128 });
    for (const start of [0, 5, 77, 150, 199]) {
      expect((await log.read('t', 0, start, 2)).map((r) => r.key!.toString())).toEqual(
        [start, start + 1].filter((o) => o < 200).map((o) => `k${o}`),
      );
    }
  });
});

describe('retention', () => {
  it('deletes whole old segments by size, on roll and on enforceRetention', async () => {
    const log = await openLog({ segmentBytes: 1024 });
    await log.createTopic('t', { partitions: 1, retentionBytes: 3000 });
    for (let i = 0; i < 200; i++) await log.append('t', [{ key: b(`k${i}`), value: Buffer.alloc(50, 1) }]);
    const p = log.partitionLog('t', 0);
    expect(p.sizeBytes).toBeLessThan(3000 + 1024);
    const [start] = await log.startOffsets('t');
    expect(start).toBeGreaterThan(0);
    const recs = await log.read('t', 0, 0, 5); // below the start: reads from the start
    expect(recs[0]!.offset).toBe(start);
    expect(recs[0]!.key!.toString()).toBe(`k${start}`);
  });

  it('deletes segments whose records are all older than retentionMs, never the active one', async () => {
    const log = await openLog({ segmentBytes: 1024 });
    await log.createTopic('t', { partitions: 1, retentionMs: 60_000 });
    const now = Date.now();
    for (let i = 0; i < 100; i++) await log.append('t', [{ key: null, value: Buffer.alloc(50, 1), timestamp: now - 3_600_000 }]);
    // Each roll removed the segments it closed: only the active one is left.
    expect(log.partitionLog('t', 0).segmentCount).toBe(1);
    const start = (await log.startOffsets('t'))[0]!;
    expect(start).toBeGreaterThan(50);
    // Fresh records: rolls keep them; nothing is old enough at `now`.
    for (let i = 0; i < 60; i++) await log.append('t', [{ key: null, value: Buffer.alloc(50, 2), timestamp: now }]);
    const segs = log.partitionLog('t', 0).segmentCount;
    expect(segs).toBeGreaterThan(1);
    expect(await log.enforceRetention(now)).toBe(0);
    expect((await log.read('t', 0, 0, 1000)).filter((r) => r.timestamp === now).length).toBe(60);
    // An hour later everything but the active segment goes.
    expect(await log.enforceRetention(now + 3_600_000)).toBe(segs - 1);
    expect(log.partitionLog('t', 0).segmentCount).toBe(1);
    expect((await log.startOffsets('t'))[0]!).toBeGreaterThan(start);
  });
});

describe('consumers', () => {
  it('polls all partitions and topics in global append order', async () => {
    const log = await openLog();
    await log.createTopic('a', { partitions: 3 });
    await log.createTopic('b', { partitions: 2 });
    const c = await log.createConsumer({ groupId: 'g', topics: ['a', 'b'], autoOffsetReset: 'earliest' });
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const topic = i % 3 === 0 ? 'b' : 'a';
      await log.append(topic, [{ key: b(`k${i}`), value: b(`${i}`) }]);
      expected.push(`${topic}:${i}`);
    }
    const got: string[] = [];
    for (;;) {
      const recs = await c.poll(7, 0);
      if (recs.length === 0) break;
      expect(recs.length).toBeLessThanOrEqual(7);
      got.push(...recs.map((r) => `${r.topic}:${r.value!.toString()}`));
    }
    expect(got).toEqual(expected);
  });

  it('keeps the global order after a reopen (from files)', async () => {
    let log = await openLog({ cacheBytes: 0 });
    await log.createTopic('a', { partitions: 2 });
    await log.createTopic('b', { partitions: 1 });
    for (let i = 0; i < 30; i++) await log.append(i % 2 ? 'a' : 'b', [{ key: b(`k${i}`), value: b(`${i}`) }]);
    await log.close();
    open.length = 0;
    log = await openLog({ cacheBytes: 0 });
    await log.append('a', [{ key: b('x'), value: b('30') }]);
    const c = await log.createConsumer({ groupId: 'g', topics: ['b', 'a'], autoOffsetReset: 'earliest' });
    const recs = await c.poll(1000, 0);
    expect(recs.map((r) => Number(r.value!.toString()))).toEqual(Array.from({ length: 31 }, (_, i) => i));
  });

  it('small polls from files walk large batches without gaps or repeats, and resume mid-batch after a commit', async () => {
    let log = await openLog({ cacheBytes: 0 });
    await log.createTopic('t', { partitions: 1 });
    // One append: batches of ~256 KiB, each holding a few thousand of these records.
    await log.append('t', Array.from({ length: 20_000 }, (_, i) => ({ key: null, value: b(`${i}:${'x'.repeat(i % 40)}`) })));
    await log.close();
    open.length = 0;
    log = await openLog({ cacheBytes: 0 });
    let c = await log.createConsumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest' });
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const recs = await c.poll(333, 0);
      expect(recs.length).toBe(333);
      for (const r of recs) seen.push(Number(r.value!.toString().split(':')[0]));
      expect(c.positions().get('t')).toEqual([seen.length]);
    }
    await c.commit();
    await c.close();
    c = await log.createConsumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest' });
    for (;;) {
      const recs = await c.poll(1000, 0);
      if (recs.length === 0) break;
      for (const r of recs) {
        expect(r.offset).toBe(seen.length);
        seen.push(Number(r.value!.toString().split(':')[0]));
      }
    }
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  });

  it('waits for appends, resolves early, and times out with []', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 2 });
    const c = await log.createConsumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'latest' });
    const t0 = Date.now();
    expect(await c.poll(10, 50)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    const pending = c.poll(10, 10_000);
    setTimeout(() => void log.append('t', [{ key: b('k'), value: b('v') }]), 20);
    const recs = await pending;
    expect(recs.map(str)).toEqual(['k=v']);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('starts from latest for existing topics and from the beginning for topics created later', async () => {
    const log = await openLog();
    await log.createTopic('old', { partitions: 1 });
    await log.append('old', [{ key: null, value: b('before') }]);
    const c = await log.createConsumer({ groupId: 'g', topics: ['old', 'new'], autoOffsetReset: 'latest' });
    await log.append('old', [{ key: null, value: b('after') }]);
    await log.createTopic('new', { partitions: 1 });
    await log.append('new', [{ key: null, value: b('n1') }]);
    expect((await c.poll(10, 0)).map((r) => r.value!.toString())).toEqual(['after', 'n1']);
  });

  it('commits positions that survive a restart, per group', async () => {
    let log = await openLog();
    await log.createTopic('t', { partitions: 2 });
    await log.append('t', Array.from({ length: 10 }, (_, i) => ({ key: b(`k${i}`), value: b(`${i}`) })));
    let c = await log.createConsumer({ groupId: 'g1', topics: ['t'], autoOffsetReset: 'earliest' });
    const first = await c.poll(4, 0);
    expect(first.length).toBe(4);
    await c.commit();
    const committed = c.positions().get('t')!;
    await c.poll(3, 0); // not committed
    await log.close();
    open.length = 0;
    expect(fs.readdirSync(path.join(dir, 'groups'))).toEqual(['g1.json']);

    log = await openLog();
    c = await log.createConsumer({ groupId: 'g1', topics: ['t'], autoOffsetReset: 'latest' });
    expect(c.positions().get('t')).toEqual(committed);
    const rest = await c.poll(100, 0);
    expect([...first, ...rest].map((r) => r.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));
    const other = await log.createConsumer({ groupId: 'g2', topics: ['t'], autoOffsetReset: 'earliest' });
    expect((await other.poll(100, 0)).length).toBe(10);
  });

  it('seeks', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 1 });
    await log.append('t', Array.from({ length: 5 }, (_, i) => ({ key: null, value: b(`${i}`) })));
    const c = await log.createConsumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest' });
    expect((await c.poll(2, 0)).length).toBe(2);
    c.seek('t', 0, 4);
    expect((await c.poll(10, 0)).map((r) => r.offset)).toEqual([4]);
    c.seek('t', 0, 0);
    expect((await c.poll(10, 0)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(() => c.seek('t', 1, 0)).toThrow(/not assigned/);
  });

  it('drops committed positions of a deleted topic', async () => {
    const log = await openLog();
    await log.createTopic('t', { partitions: 1 });
    await log.append('t', [{ key: null, value: b('1') }]);
    const c = await log.createConsumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest' });
    await c.poll(10, 0);
    await c.commit();
    await log.deleteTopic('t');
    await log.createTopic('t', { partitions: 1 });
    await log.append('t', [{ key: null, value: b('2') }]);
    const c2 = await log.createConsumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest' });
    expect((await c2.poll(10, 0)).map((r) => r.value!.toString())).toEqual(['2']);
    expect((await c.poll(10, 0)).map((r) => r.value!.toString())).toEqual(['2']);
  });
});

describe('lock', () => {
  it('refuses a second open of the same directory and allows it after close', async () => {
    const log = await openLog();
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await expect(openEmbeddedLog(dir)).rejects.toThrow(/already open/);
    await log.close();
    open.length = 0;
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    await openLog();
  });

  it('takes over a stale lock left by a dead process', async () => {
    fs.writeFileSync(path.join(dir, 'LOCK'), '999999999\n');
    await openLog();
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
  });
});
