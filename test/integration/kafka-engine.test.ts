/**
 * The Engine on Apache Kafka (KafkaLog) against a real broker: interoperability with another Kafka
 * client (kcat), kill -9 and restart of a server, and two servers sharing a query's consumer group.
 * KAFKA_BOOTSTRAP (default 127.0.0.1:9092) picks the broker; with none the file fails on purpose
 * (test/global-setup.ts starts one for `npm test`). The kill -9 child runs the compiled engine
 * (dist/, built by `npm test`'s pretest).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { LogRecord, ProduceRecord } from '../../src/storage/log/log.js';
import { partitionForKey } from '../../src/storage/log/partitioner.js';
import { openKafkaLog, type KafkaLog } from '../../src/storage/log/kafka/index.js';
import { SluiceServer } from '../../src/server/server.js';
import { crashStatements } from './fixtures/kafka-statements.mjs';

const BOOTSTRAP = process.env['KAFKA_BOOTSTRAP'] ?? '127.0.0.1:9092';

async function brokerAnswers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(false));
    s.on('connect', () => (s.destroy(), resolve(true)));
  });
}

if (!(await brokerAnswers(BOOTSTRAP))) {
  throw new Error(`No Kafka broker answers at ${BOOTSTRAP}. Run \`npm run kafka:start\` first (or set KAFKA_BOOTSTRAP).`);
}

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const prefixes: string[] = [];
const dirs: string[] = [];
const logs: KafkaLog[] = [];
let seq = 0;

/** A unique topic-name prefix (`sluice-it-...`, which the conformance runner's Kafka mode leaves alone). */
function prefix(what: string): string {
  const p = `sluice-it-eng-${RUN}-${what}-${seq++}`;
  prefixes.push(p);
  return p;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-kafka-it-'));
  dirs.push(d);
  return d;
}

async function kafkaLog(): Promise<KafkaLog> {
  const log = await openKafkaLog({ brokers: [BOOTSTRAP], clientId: 'sluice-it-engine', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000 });
  logs.push(log);
  return log;
}

async function openEngine(dataDir: string, serviceId: string, log?: KafkaLog): Promise<Engine> {
  return Engine.open({
    dataDir,
    log: log ?? (await kafkaLog()),
    properties: { 'auto.offset.reset': 'earliest', 'ksql.service.id': serviceId },
  });
}

/**
 * Reads `topics` from the beginning in a throw-away group until `done` holds for what was read
 * (re-reading from scratch is not needed: records arrive in per-partition order), or fails after
 * `timeoutMs`. (One group for the whole wait: Log.read joins a new group per call, which proved
 * slower and flakier here.)
 */
async function readUntil(log: KafkaLog, topics: string[], done: (records: LogRecord[]) => boolean, timeoutMs = 60_000): Promise<LogRecord[]> {
  const c = await log.createConsumer({ groupId: `sluice-it-reader-${RUN}-${seq++}`, topics, autoOffsetReset: 'earliest' });
  const out: LogRecord[] = [];
  try {
    const deadline = Date.now() + timeoutMs;
    while (!done(out)) {
      if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms (${out.length} records read)`);
      out.push(...(await c.poll(10_000, 250)));
    }
    return out;
  } finally {
    await c.close();
  }
}

const intKey = (r: LogRecord): number => r.key!.readInt32BE(0);

/** Input records i in [from, to): key `keyOf(i)` as a 4-byte INT (KAFKA format), value {"V": valueOf(i)}, timestamp i. */
function intRecords(from: number, to: number, keyOf = (i: number) => i, valueOf = (i: number) => i): ProduceRecord[] {
  const out: ProduceRecord[] = [];
  for (let i = from; i < to; i++) {
    const key = Buffer.alloc(4);
    key.writeInt32BE(keyOf(i));
    out.push({ key, value: Buffer.from(JSON.stringify({ V: valueOf(i) })), timestamp: i });
  }
  return out;
}

/** Rows of a pull query. */
async function pull(engine: Engine, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  let error: Error | undefined;
  const q = await engine.executeQuery(sql, { onRow: (r) => rows.push([...r]), onEnd: () => undefined, onError: (e) => (error = e) });
  await q.done;
  if (error) throw error;
  return rows;
}
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Every id in [0, n) is the key of some record. */
function coversIds(n: () => number): (rs: LogRecord[]) => boolean {
  return (rs) => {
    const seen = new Set(rs.map(intKey));
    for (let i = 0; i < n(); i++) if (!seen.has(i)) return false;
    return true;
  };
}

beforeAll(async () => {
  await kafkaLog(); // fail early, with the connection error, when the broker is unusable
});

afterAll(async () => {
  const log = logs[0];
  if (log) {
    for (const t of await log.listTopics().catch(() => [])) {
      // The tests' topics, and the internal topics of their service ids (which all contain RUN).
      if (prefixes.some((p) => t.name.startsWith(p)) || t.name.includes(RUN)) await log.deleteTopic(t.name).catch(() => undefined);
    }
  }
  await Promise.allSettled(logs.map((l) => l.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// --------------------------------------------------------------------------------------------------

const kcat = spawnSync('kcat', ['-V']).status === 0 ? 'kcat' : undefined;

describe.skipIf(kcat === undefined)('kcat interoperability (skipped: kcat is not installed)', () => {
  it('kcat produces, a persistent query transforms, kcat consumes what ksqlDB would write', async () => {
    const p = prefix('kcat');
    const engine = await openEngine(tempDir(), `it_kcat_${RUN}_`);
    try {
      await engine.execute(`
        CREATE STREAM orders (id STRING KEY, qty INT, price DOUBLE, ts BIGINT, trace BYTES HEADER('trace'))
          WITH (kafka_topic='${p}-in', key_format='KAFKA', value_format='JSON', partitions=3, timestamp='ts');
        CREATE STREAM by_qty WITH (kafka_topic='${p}-out', partitions=4) AS
          SELECT qty, id, qty * price AS total, trace FROM orders PARTITION BY qty;`);
      const input = [
        `a|{"QTY": 1, "PRICE": 2.5, "TS": 1700000000001}`,
        `b|{"QTY": 2, "PRICE": 10, "TS": 1700000000002}`,
        `c|{"QTY": 7, "PRICE": 0.5, "TS": 1700000000003}`,
        `d|{"QTY": 1000, "PRICE": 1, "TS": 1700000000004}`,
      ].join('\n');
      // The Java client's partitioner, so input keys land where a Java producer puts them.
      execFileSync(kcat!, ['-b', BOOTSTRAP, '-P', '-t', `${p}-in`, '-K', '|', '-H', 'trace=abc', '-H', 'other=x', '-X', 'partitioner=murmur2_random'], { input });

      // Consume with kcat: partition, 4-byte big-endian INT key (KAFKA format), value, timestamp, headers.
      const deadline = Date.now() + 60_000;
      let lines: string[] = [];
      while (lines.length < 4 && Date.now() < deadline) {
        const out = execFileSync(kcat!, ['-b', BOOTSTRAP, '-C', '-t', `${p}-out`, '-o', 'beginning', '-e', '-q', '-s', 'key=i', '-f', '%p|%k|%s|%T|%h\\n'], { encoding: 'utf8' });
        lines = out.split('\n').filter((l) => l !== '');
        if (lines.length < 4) await new Promise((r) => setTimeout(r, 250));
      }
      const rows = lines.map((l) => {
        const [partition, key, value, ts, headers] = l.split('|');
        return { partition: Number(partition), key: Number(key), value: JSON.parse(value!) as Record<string, unknown>, ts: Number(ts), headers };
      });
      rows.sort((x, y) => x.ts - y.ts);
      const abc = Buffer.from('abc').toString('base64');
      expect(rows.map((r) => ({ key: r.key, value: r.value, ts: r.ts }))).toEqual([
        { key: 1, value: { ID: 'a', TOTAL: 2.5, TRACE: abc }, ts: 1700000000001 },
        { key: 2, value: { ID: 'b', TOTAL: 20, TRACE: abc }, ts: 1700000000002 },
        { key: 7, value: { ID: 'c', TOTAL: 3.5, TRACE: abc }, ts: 1700000000003 },
        { key: 1000, value: { ID: 'd', TOTAL: 1000, TRACE: abc }, ts: 1700000000004 },
      ]);
      for (const r of rows) {
        // Input headers are forwarded to the output, as Kafka Streams does.
        expect(r.headers).toBe('trace=abc,other=x');
        // Keyed like the Java producer of a ksqlDB server: murmur2 of the serialized key.
        const k = Buffer.alloc(4);
        k.writeInt32BE(r.key);
        expect(r.partition).toBe(partitionForKey(k, 4));
      }
    } finally {
      await engine.close();
    }
  });
});

// --------------------------------------------------------------------------------------------------

describe('kill -9 of a server on Kafka', () => {
  it('a restarted server resumes with no lost output; one on an empty data directory gets its statements from the command topic and its state from the changelog', async () => {
    expect(existsSync(`${process.env['SLUICE_DIST'] ?? 'dist'}/src/index.js`), 'run `npm run build` first').toBe(true);
    const p = prefix('crash');
    const dir = tempDir();
    const serviceId = `it_crash_${RUN}_`;
    const child = spawn(process.execPath, ['test/integration/fixtures/kafka-crash-child.mjs', BOOTSTRAP, dir, serviceId, p], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        for (const m of chunk.matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(m[1]));
        if (acked >= 3000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited early: ${code}`))));
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));

    const log = await kafkaLog();
    const inputs = async () => sum(await log.endOffsets(`${p}-src`));
    const n1 = await inputs();
    expect(n1).toBeGreaterThanOrEqual(acked); // `acked n`: the first n inputs are durable

    // 1. Same data directory: command log, SQLite state and committed offsets all survive.
    let engine = await openEngine(dir, serviceId, log);
    try {
      expect(engine.listQueries().map((q) => q.id).sort()).toEqual(['CSAS_DST_0', 'CTAS_COUNTS_1']);
      await readUntil(log, [`${p}-dst`], coversIds(() => n1));
      // The latest count per bucket is exact: state and input positions commit together.
      const expected = new Map<number, number>();
      for (let i = 0; i < n1; i++) expected.set(i % 10, (expected.get(i % 10) ?? 0) + 1);
      const latest = new Map<number, number>();
      await readUntil(log, [`${p}-counts`], (rs) => {
        for (const r of rs) latest.set(intKey(r), (JSON.parse(r.value!.toString()) as { N: number }).N);
        return [...expected].every(([b, n]) => latest.get(b) === n);
      });
    } finally {
      await engine.close();
    }

    // 2. An empty data directory, same service id: the statements come back from the command topic,
    // the stateless query resumes from the consumer group's committed offsets, and the table's state
    // is rebuilt from its changelog topic, so counts stay exact.
    await log.append(`${p}-src`, intRecords(n1, n1 + 500));
    engine = await openEngine(tempDir(), serviceId, log);
    try {
      expect(engine.listQueries().map((q) => q.id).sort()).toEqual(['CSAS_DST_0', 'CTAS_COUNTS_1']);
      const n2 = await inputs();
      const out = await readUntil(log, [`${p}-dst`], coversIds(() => n2));
      // It resumed: records before the crash's last commit were not processed again.
      expect(engine.query('CSAS_DST_0')!.processed).toBeLessThan(n2);
      expect(out.length).toBeLessThan(2 * n2);
      const expected = new Map<number, number>();
      for (let i = 0; i < n2; i++) expected.set(i % 10, (expected.get(i % 10) ?? 0) + 1);
      const latest = new Map<number, number>();
      await readUntil(log, [`${p}-counts`], (rs) => {
        for (const r of rs) latest.set(intKey(r), (JSON.parse(r.value!.toString()) as { N: number }).N);
        return [...expected].every(([b, n]) => latest.get(b) === n);
      });
      // Restored, not recomputed: only the input after the checkpoint was aggregated.
      expect(engine.query('CTAS_COUNTS_1')!.processed).toBeLessThan(n2);
      // The materialized table answers pull queries with the exact counts too.
      const pulled = await pull(engine, 'SELECT bucket, n FROM counts;');
      expect(new Map(pulled.map((r) => [r[0] as number, r[1] as number]))).toEqual(expected);
    } finally {
      await engine.close();
    }
  }, 180_000);
});

// --------------------------------------------------------------------------------------------------

describe('two servers sharing queries', () => {
  it('split a 4-partition input; when one stops, the other takes over its partitions and their state, with no lost output', async () => {
    const p = prefix('pair');
    const serviceId = `it_pair_${RUN}_`;
    const KEYS = 40;
    const a = await openEngine(tempDir(), serviceId);
    const producer = await kafkaLog();
    let aClosed = false;
    let b: Engine | undefined;
    try {
      await a.execute(`
        CREATE STREAM src (id INT KEY, v INT) WITH (kafka_topic='${p}-src', value_format='JSON', partitions=4);
        CREATE STREAM dst WITH (kafka_topic='${p}-dst') AS SELECT id, v + 1 AS w FROM src;
        CREATE TABLE totals WITH (kafka_topic='${p}-totals') AS SELECT id, COUNT(*) AS n, SUM(v) AS s FROM src GROUP BY id;
        CREATE TABLE by_rest WITH (kafka_topic='${p}-rest') AS SELECT v % 7 AS r, COUNT(*) AS n FROM src GROUP BY v % 7;`);
      // B learns the statements from the command topic: no statement is run on it.
      b = await openEngine(tempDir(), serviceId);
      expect(b.listQueries().map((q) => q.id).sort()).toEqual(['CSAS_DST_0', 'CTAS_BY_REST_2', 'CTAS_TOTALS_1']);
      const append = async (from: number, to: number) => {
        await producer.append(`${p}-src`, intRecords(from, to, (i) => i % KEYS));
      };
      const totalsAfter = (n: number) => {
        const want = new Map<number, { N: number; S: number }>();
        for (let i = 0; i < n; i++) {
          const w = want.get(i % KEYS) ?? { N: 0, S: 0 };
          want.set(i % KEYS, { N: w.N + 1, S: w.S + i });
        }
        return want;
      };
      const latestTotals = (rs: LogRecord[]) => {
        const latest = new Map<number, { N: number; S: number }>();
        for (const r of rs) latest.set(intKey(r), JSON.parse(r.value!.toString()) as { N: number; S: number });
        return latest;
      };
      const seenAll = (n: number) => (rs: LogRecord[]) => rs.length >= n && new Set(rs.map((r) => (JSON.parse(r.value!.toString()) as { W: number }).W)).size >= n;
      // Both members of each group own partitions before data flows (else A may consume it all
      // before the group rebalances and B has nothing to show).
      const ids = ['CSAS_DST_0', 'CTAS_TOTALS_1', 'CTAS_BY_REST_2'];
      const split = () => ids.every((id) => (a.query(id)!.assignment()?.length ?? 0) > 0 && (b!.query(id)!.assignment()?.length ?? 0) > 0);
      for (const deadline = Date.now() + 60_000; !split() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      expect(split(), 'both servers own partitions of every query').toBe(true);
      await append(0, 400);
      await readUntil(producer, [`${p}-dst`], seenAll(400));
      const want400 = totalsAfter(400);
      await readUntil(producer, [`${p}-totals`], (rs) => {
        const l = latestTotals(rs);
        return [...want400].every(([k, v]) => l.get(k)?.N === v.N && l.get(k)?.S === v.S);
      });
      // Both members of each group processed records of their partitions.
      for (const id of ids) {
        expect(a.query(id)!.processed, `${id} on A`).toBeGreaterThan(0);
        expect(b.query(id)!.processed, `${id} on B`).toBeGreaterThan(0);
      }

      // Keep appending while A leaves the groups.
      const writing = (async () => {
        for (let i = 400; i < 1200; i += 50) {
          await append(i, i + 50);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      const beforeStop = b.query('CTAS_TOTALS_1')!.processed;
      await a.close();
      aClosed = true;
      await writing;
      const out = await readUntil(producer, [`${p}-dst`], seenAll(1200));
      for (const r of out) {
        const { W } = JSON.parse(r.value!.toString()) as { W: number };
        expect(intKey(r)).toBe((W - 1) % KEYS);
      }
      // B took A's partitions over with their state (restored from the changelog): totals are exact.
      const want = totalsAfter(1200);
      await readUntil(producer, [`${p}-totals`], (rs) => {
        const l = latestTotals(rs);
        return [...want].every(([k, v]) => l.get(k)?.N === v.N && l.get(k)?.S === v.S);
      });
      expect(b.query('CTAS_TOTALS_1')!.processed).toBeGreaterThan(beforeStop);
      // The re-keyed aggregation went through its repartition topic: each remainder was counted
      // whole by one server at a time, none twice.
      const rests = new Map<number, number>();
      for (let i = 0; i < 1200; i++) rests.set(i % 7, (rests.get(i % 7) ?? 0) + 1);
      await readUntil(producer, [`${p}-rest`], (rs) => {
        const l = new Map(rs.map((r) => [intKey(r), (JSON.parse(r.value!.toString()) as { N: number }).N]));
        return [...rests].every(([k, n]) => l.get(k) === n);
      });
      const topics = (await producer.listTopics()).map((t) => t.name);
      expect(topics).toContain(`_confluent-ksql-${serviceId}query_CTAS_BY_REST_2-Aggregate-GroupBy-repartition`);
      expect(topics).toContain(`_confluent-ksql-${serviceId}query_CTAS_BY_REST_2-changelog`);
      // B now holds every key: its pull queries see them all.
      const pulled = await pull(b, 'SELECT id, n, s FROM totals;');
      expect(new Map(pulled.map((r) => [r[0] as number, { N: r[1] as number, S: r[2] as number }]))).toEqual(want);
    } finally {
      if (!aClosed) await a.close();
      await b?.close();
    }
  }, 180_000);
});

// --------------------------------------------------------------------------------------------------

/** A free loopback port (so a server's advertised URL is known before its engine opens). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('pull queries on a table split between two servers', () => {
  it('are answered with the rows of both servers, whichever server is asked', async () => {
    const p = prefix('pullfwd');
    const serviceId = `it_pullfwd_${RUN}_`;
    const servers: { engine: Engine; server: SluiceServer; url: string }[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const engine = await Engine.open({ dataDir: tempDir(), log: await kafkaLog(), advertisedUrl: url, properties: { 'auto.offset.reset': 'earliest', 'ksql.service.id': serviceId } });
        if (i === 0) {
          await engine.execute(`
            CREATE STREAM src (id INT KEY, v INT) WITH (kafka_topic='${p}-src', value_format='JSON', partitions=4);
            CREATE TABLE latest WITH (kafka_topic='${p}-latest') AS SELECT id, LATEST_BY_OFFSET(v) AS v FROM src GROUP BY id;
            CREATE TABLE by_rest WITH (kafka_topic='${p}-rest') AS SELECT v % 7 AS r, COUNT(*) AS n FROM src GROUP BY v % 7;`);
        }
        const server = new SluiceServer(engine, { port, host: '127.0.0.1' });
        await server.listen();
        servers.push({ engine, server, url });
      }
      const producer = await kafkaLog();
      await producer.append(`${p}-src`, intRecords(0, 20, (i) => i, (i) => i * 10));
      // Both servers own partitions of the table's query, and between them all 20 rows.
      const deadline = Date.now() + 60_000;
      const localCount = async (e: Engine) => (await pull(e, 'SELECT * FROM latest;')).length;
      while ((await localCount(servers[0]!.engine)) + (await localCount(servers[1]!.engine)) < 20) {
        if (Date.now() > deadline) throw new Error('the table did not fill in 60 s');
        await new Promise((r) => setTimeout(r, 250));
      }
      const a = servers[0]!;
      const owned = await pull(a.engine, 'SELECT id FROM latest;');
      expect(owned.length).toBeGreaterThan(0);
      expect(owned.length).toBeLessThan(20); // the other server owns the rest
      const remoteId = [...Array(20).keys()].find((id) => !owned.some((r) => r[0] === id))!;

      const query = async (url: string, sql: string) => {
        const res = await fetch(`${url}/query`, { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json' }, body: JSON.stringify({ ksql: sql, streamsProperties: {} }) });
        expect(res.status).toBe(200);
        const body = (await res.json()) as ({ header?: unknown; row?: { columns: unknown[] } })[];
        return body.filter((e) => e.row).map((e) => e.row!.columns);
      };
      for (const s of servers) {
        // A key lookup is forwarded to the owner when needed; a scan gathers every server's rows.
        expect(await query(s.url, `SELECT id, v FROM latest WHERE id = ${remoteId};`)).toEqual([[remoteId, remoteId * 10]]);
        const all = await query(s.url, 'SELECT id, v FROM latest;');
        expect(all.map((r) => r[0] as number).sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
        for (const r of all) expect(r[1]).toBe((r[0] as number) * 10);
        expect(await query(s.url, 'SELECT id FROM latest LIMIT 3;')).toHaveLength(3);
      }
      // A re-keyed table: its keys live in the partitions of its repartition topic.
      const rests = new Map<number, number>();
      for (let i = 0; i < 20; i++) rests.set((i * 10) % 7, (rests.get((i * 10) % 7) ?? 0) + 1);
      const restDeadline = Date.now() + 60_000;
      while ((await query(a.url, 'SELECT r, n FROM by_rest;')).reduce((t, r) => t + (r[1] as number), 0) < 20) {
        if (Date.now() > restDeadline) throw new Error('by_rest did not fill in 60 s');
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const s of servers) {
        for (const [r, n] of rests) expect(await query(s.url, `SELECT r, n FROM by_rest WHERE r = ${r};`)).toEqual([[r, n]]);
      }
    } finally {
      for (const s of servers) {
        await s.server.close();
        await s.engine.close();
      }
    }
  }, 120_000);
});

// --------------------------------------------------------------------------------------------------

describe('sluice server on Kafka (the command line)', () => {
  it('starts with --kafka-brokers and serves statements; a bad security setting fails at start-up with the reason', async () => {
    const p = prefix('cli');
    const port = await freePort();
    const dir = tempDir();
    const serviceId = `it_cli_${RUN}_`;
    writeFileSync(join(dir, 'server.properties'), `ksql.service.id=${serviceId}\nsecurity.protocol=PLAINTEXT\n`);
    const child = spawn(
      process.execPath,
      ['dist/cli/sluice.js', 'server', '--kafka-brokers', BOOTSTRAP, '--port', String(port), '--data-dir', join(dir, 'data'), '--config', join(dir, 'server.properties')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (c: string) => {
          out += c;
          if (out.includes('listening on')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
      });
      const ksql = async (sql: string) => {
        const res = await fetch(`http://127.0.0.1:${port}/ksql`, { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json' }, body: JSON.stringify({ ksql: sql, streamsProperties: {} }) });
        return { status: res.status, body: (await res.json()) as unknown };
      };
      const created = await ksql(`CREATE STREAM ${p.replace(/-/g, '_')} (id INT KEY, v INT) WITH (kafka_topic='${p}-src', value_format='JSON', partitions=2);`);
      expect(created.status).toBe(200);
      const log = await kafkaLog();
      expect((await log.describeTopic(`${p}-src`))?.partitions).toBe(2);
      // The statement is in the service's command topic, where another server would find it.
      const commands = await readUntil(log, [`_confluent-ksql-${serviceId}_command_topic`], (rs) => rs.some((r) => r.value!.toString().includes(`${p}-src`)));
      expect(commands.length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }

    const bad = spawnSync(process.execPath, ['dist/cli/sluice.js', 'server', '--kafka-brokers', BOOTSTRAP, '--port', '0', '--data-dir', join(dir, 'data2'), '--kafka-security-protocol', 'TLS'], { encoding: 'utf8', timeout: 30_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('security.protocol: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL');
  }, 120_000);
});
