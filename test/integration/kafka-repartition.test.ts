/**
 * Re-keying joins and aggregations through repartition topics on Kafka, on two servers sharing a
 * service id (so each query's partitions are split between them): a stream-table and a
 * stream-stream join on non-key columns, a GROUP BY over a table that moves rows between groups, and
 * an aggregation over a join. Each gives exactly the rows one server computes: no join row lost or
 * duplicated, counts exact. The inputs have 3 partitions, so the two servers hold different numbers
 * of them (partition p of every topic of a query must still meet on one server).
 * KAFKA_BOOTSTRAP (default 127.0.0.1:9092) picks the broker; with none the file fails on purpose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { LogRecord, ProduceRecord } from '../../src/storage/log/log.js';
import { openKafkaLog, type KafkaLog } from '../../src/storage/log/kafka/index.js';

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
const dirs: string[] = [];
const logs: KafkaLog[] = [];
let seq = 0;

afterAll(async () => {
  for (const l of logs) await l.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function kafkaLog(): Promise<KafkaLog> {
  const log = await openKafkaLog({ brokers: [BOOTSTRAP], clientId: 'sluice-it-repartition', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000 });
  logs.push(log);
  return log;
}

async function openEngine(serviceId: string): Promise<Engine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-repartition-it-'));
  dirs.push(dataDir);
  return Engine.open({ dataDir, log: await kafkaLog(), properties: { 'auto.offset.reset': 'earliest', 'ksql.service.id': serviceId, 'sluice.kafka.join.repartition': 'true' } });
}

/** Reads `topics` from the beginning until `done` holds for what was read, or fails after `timeoutMs`. */
async function readUntil(log: KafkaLog, topics: string[], done: (records: LogRecord[]) => boolean, timeoutMs = 90_000): Promise<LogRecord[]> {
  const c = await log.createConsumer({ groupId: `sluice-it-repartition-reader-${RUN}-${seq++}`, topics, autoOffsetReset: 'earliest' });
  const out: LogRecord[] = [];
  try {
    const deadline = Date.now() + timeoutMs;
    while (!done(out)) {
      if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms (${out.length} records read)`);
      out.push(...(await c.poll(10_000, 250)));
    }
    // Anything written after the condition held (a duplicate) shows up here.
    out.push(...(await c.poll(10_000, 1_500)));
    return out;
  } finally {
    await c.close();
  }
}

const intKey = (k: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
};
const record = (key: number, value: Record<string, unknown> | null, timestamp: number): ProduceRecord => ({ key: intKey(key), value: value === null ? null : Buffer.from(JSON.stringify(value)), timestamp });
const valueOf = <T>(r: LogRecord): T => JSON.parse(r.value!.toString()) as T;
/** The latest value per key of a table's topic (tombstones remove the key). */
const latest = <T>(rs: readonly LogRecord[]): Map<number, T> => {
  const out = new Map<number, T>();
  for (const r of rs) {
    if (r.value === null) out.delete(r.key!.readInt32BE(0));
    else out.set(r.key!.readInt32BE(0), valueOf<T>(r));
  }
  return out;
};
const sameMap = <T>(got: Map<number, T>, want: Map<number, T>): boolean => got.size === want.size && [...want].every(([k, v]) => JSON.stringify(got.get(k)) === JSON.stringify(v));

describe('re-keying joins and aggregations on two servers sharing a service id', () => {
  it('go through repartition topics and give exactly one server\'s results', async () => {
    const p = `sluice-it-rep-${RUN}`;
    const serviceId = `it_rep_${RUN}_`;
    const a = await openEngine(serviceId);
    const producer = await kafkaLog();
    let b: Engine | undefined;
    try {
      await a.execute(`
        CREATE TABLE customers (id INT PRIMARY KEY, name STRING, region INT) WITH (kafka_topic='${p}-customers', value_format='JSON', partitions=3);
        CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='${p}-orders', value_format='JSON', partitions=3);
        CREATE STREAM clicks (id INT KEY, k INT) WITH (kafka_topic='${p}-clicks', value_format='JSON', partitions=3);
        CREATE STREAM views (id INT KEY, k INT) WITH (kafka_topic='${p}-views', value_format='JSON', partitions=3);
        CREATE STREAM enriched WITH (kafka_topic='${p}-enriched') AS
          SELECT o.cust AS cust, o.id AS oid, o.amount AS amount, c.name AS name FROM orders o JOIN customers c ON o.cust = c.id;
        CREATE STREAM pairs WITH (kafka_topic='${p}-pairs') AS
          SELECT cl.k AS k, cl.id AS cid, v.id AS vid FROM clicks cl JOIN views v WITHIN 1 HOUR ON cl.k = v.k;
        CREATE TABLE per_region WITH (kafka_topic='${p}-per-region') AS
          SELECT region, COUNT(*) AS n, SUM(id) AS s FROM customers GROUP BY region;
        CREATE TABLE sales WITH (kafka_topic='${p}-sales') AS
          SELECT c.region AS region, COUNT(*) AS n, SUM(o.amount) AS total FROM orders o JOIN customers c ON o.cust = c.id GROUP BY c.region;`);
      b = await openEngine(serviceId);
      const ids = ['CSAS_ENRICHED_0', 'CSAS_PAIRS_1', 'CTAS_PER_REGION_2', 'CTAS_SALES_3'];
      expect(b.listQueries().map((q) => q.id).sort()).toEqual(ids);
      const split = () => ids.every((id) => (a.query(id)!.assignment()?.length ?? 0) > 0 && (b!.query(id)!.assignment()?.length ?? 0) > 0);
      for (const deadline = Date.now() + 60_000; !split() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      expect(split(), 'both servers own partitions of every query').toBe(true);
      // Partition p of every topic of a query is on one server.
      for (const e of [a, b]) {
        for (const id of ids) {
          const tps = e.query(id)!.assignment()!;
          const parts = (topic: string) => tps.filter((tp) => tp.topic === topic).map((tp) => tp.partition).sort().join();
          const topics = [...new Set(tps.map((tp) => tp.topic))];
          for (const t of topics) expect(parts(t), `${id}: ${t} co-assigned with ${topics[0]}`).toBe(parts(topics[0]!));
        }
      }

      // Customers first (the stream-table joins look them up), then the facts.
      const CUSTOMERS = 30;
      const REGIONS = 4;
      const region = new Map<number, number>();
      const customers: ProduceRecord[] = [];
      for (let c = 0; c < CUSTOMERS; c++) {
        region.set(c, c % REGIONS);
        customers.push(record(c, { NAME: `c${c}`, REGION: c % REGIONS }, 1_000 + c));
      }
      await producer.append(`${p}-customers`, customers);
      const tableSeen = () => ['CSAS_ENRICHED_0', 'CTAS_SALES_3'].every((id) => a.query(id)!.processed + b!.query(id)!.processed >= CUSTOMERS);
      for (const deadline = Date.now() + 60_000; !tableSeen() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      expect(tableSeen(), 'the joins read every customer').toBe(true);
      await new Promise((r) => setTimeout(r, 1_500)); // the table side's batches commit

      const ORDERS = 300;
      const orders: ProduceRecord[] = [];
      for (let i = 0; i < ORDERS; i++) orders.push(record(i, { CUST: (i * 7) % CUSTOMERS, AMOUNT: i }, 10_000 + i));
      await producer.append(`${p}-orders`, orders);
      const CLICKS = 120;
      const clicks: ProduceRecord[] = [];
      const views: ProduceRecord[] = [];
      for (let i = 0; i < CLICKS; i++) {
        clicks.push(record(i, { K: i % 12 }, 20_000 + i));
        views.push(record(1_000 + i, { K: (i * 5) % 12 }, 20_000 + i));
      }
      await producer.append(`${p}-clicks`, clicks);
      await producer.append(`${p}-views`, views);
      // Stream-table join: every order once, with its customer's name.
      const enriched = await readUntil(producer, [`${p}-enriched`], (rs) => new Set(rs.map((r) => valueOf<{ OID: number }>(r).OID)).size >= ORDERS);
      expect(enriched.length).toBe(ORDERS);
      expect(new Set(enriched.map((r) => valueOf<{ OID: number }>(r).OID)).size).toBe(ORDERS);
      for (const r of enriched) {
        const v = valueOf<{ OID: number }>(r);
        expect(r.key!.readInt32BE(0)).toBe((v.OID * 7) % CUSTOMERS);
        expect(v).toEqual({ OID: v.OID, AMOUNT: v.OID, NAME: `c${(v.OID * 7) % CUSTOMERS}` });
      }

      // Stream-stream join: each (click, view) pair with equal K once.
      const wantPairs = new Set<string>();
      for (let i = 0; i < CLICKS; i++) for (let j = 0; j < CLICKS; j++) if (i % 12 === (j * 5) % 12) wantPairs.add(`${i}:${1_000 + j}`);
      const pairs = await readUntil(producer, [`${p}-pairs`], (rs) => rs.length >= wantPairs.size);
      const gotPairs = pairs.map((r) => `${valueOf<{ CID: number }>(r).CID}:${valueOf<{ VID: number }>(r).VID}`);
      expect(gotPairs.length).toBe(wantPairs.size);
      expect(new Set(gotPairs)).toEqual(wantPairs);

      // Aggregation over the join: orders by their customer's region at the time of the order.
      const sales = new Map<number, { N: number; TOTAL: number }>();
      for (let i = 0; i < ORDERS; i++) {
        const r = ((i * 7) % CUSTOMERS) % REGIONS;
        const w = sales.get(r) ?? { N: 0, TOTAL: 0 };
        sales.set(r, { N: w.N + 1, TOTAL: w.TOTAL + i });
      }
      await readUntil(producer, [`${p}-sales`], (rs) => sameMap(latest<{ N: number; TOTAL: number }>(rs), sales));

      // Only now (the joins above looked the first versions up):
      // Customers move between regions, and some leave: the table aggregation subtracts then adds.
      const moves: ProduceRecord[] = [];
      for (let c = 0; c < CUSTOMERS; c += 3) {
        region.set(c, (c + 1) % REGIONS);
        moves.push(record(c, { NAME: `c${c}`, REGION: (c + 1) % REGIONS }, 30_000 + c));
      }
      for (let c = 1; c < CUSTOMERS; c += 5) {
        region.delete(c);
        moves.push(record(c, null, 31_000 + c));
      }
      await producer.append(`${p}-customers`, moves);

      // GROUP BY over a table: counts and sums of the final table, by region.
      const perRegion = new Map<number, { N: number; S: number }>();
      for (const [c, r] of region) {
        const w = perRegion.get(r) ?? { N: 0, S: 0 };
        perRegion.set(r, { N: w.N + 1, S: w.S + c });
      }
      await readUntil(producer, [`${p}-per-region`], (rs) => sameMap(latest<{ N: number; S: number }>(rs), perRegion));

      // Both servers did part of each query's work, through ksqlDB's repartition topics.
      for (const id of ids) {
        expect(a.query(id)!.processed, `${id} on A`).toBeGreaterThan(0);
        expect(b.query(id)!.processed, `${id} on B`).toBeGreaterThan(0);
      }
      const topics = (await producer.listTopics()).map((t) => t.name);
      const internal = (id: string, name: string) => `_confluent-ksql-${serviceId}query_${id}-${name}-repartition`;
      expect(topics).toContain(internal('CSAS_ENRICHED_0', 'Join-left'));
      expect(topics).toContain(internal('CSAS_PAIRS_1', 'Join-left'));
      expect(topics).toContain(internal('CSAS_PAIRS_1', 'Join-right'));
      expect(topics).toContain(internal('CTAS_PER_REGION_2', 'Aggregate-GroupBy'));
      expect(topics).toContain(internal('CTAS_SALES_3', 'Join-left'));
      expect(topics).toContain(internal('CTAS_SALES_3', 'Aggregate-GroupBy'));
    } finally {
      await a.close();
      await b?.close();
    }
  }, 240_000);
});
