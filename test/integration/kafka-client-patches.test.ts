/**
 * The kafkajs patches (src/storage/log/kafka/kafkajs-patches.ts) against a real broker: the linear
 * per-partition grouping, the one-pass produce encoder and the ramping fetch sizes must write and
 * read exactly what unpatched kafkajs does. Needs a broker (npm run kafka:start); fails without one.
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsPatches, openKafkaLog, type KafkaLog } from '../../src/storage/log/kafka/index.js';
import type { LogRecord, ProduceRecord } from '../../src/storage/log/log.js';

const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';

async function brokerAnswers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(false));
    s.on('connect', () => (s.destroy(), resolve(true)));
  });
}

if (!(await brokerAnswers(BOOTSTRAP))) throw new Error(`No Kafka broker answers at ${BOOTSTRAP}. Run \`npm run kafka:start\` first.`);

const RUN = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
let log: KafkaLog;
const created: string[] = [];

async function newTopic(what: string, partitions: number): Promise<string> {
  const t = `sluice-it-${RUN}-${what}`;
  await log.createTopic(t, { partitions });
  created.push(t);
  return t;
}

beforeAll(async () => {
  log = await openKafkaLog({ brokers: [BOOTSTRAP], logLevel: 'nothing', clientId: 'sluice-it-patches' });
});

afterAll(async () => {
  for (const t of created) await log.deleteTopic(t).catch(() => undefined);
  await log.close();
});

describe('kafkajs patches', () => {
  it('are in force for kafkajs 2.2.4', () => {
    expect(kafkajsPatches()).toEqual({ version: '2.2.4', groupMessages: true, produceRequest: true, fetchRampUp: true, recordDecoder: true, reason: null });
  });

  it('keep per-partition order, offsets, timestamps (any order, any digit count) and headers of one large send', async () => {
    const topic = await newTopic('order', 3);
    const n = 3000;
    const records: ProduceRecord[] = [];
    // Timestamps out of order and of different lengths: the first/max of a batch are numeric, not
    // the default string sort's ("10" < "9").
    const ts = (i: number): number => (i % 7 === 0 ? 9 + (i % 5) : i % 11 === 0 ? 1_000 + i : 1_700_000_000_000 - i * 3);
    for (let i = 0; i < n; i++) {
      records.push({
        key: null,
        value: Buffer.from(`v${i}`),
        timestamp: ts(i),
        partition: (i * 7) % 3,
        ...(i % 100 === 0 ? { headers: [{ key: 'h', value: Buffer.from(String(i)) }] } : {}),
      });
    }
    const res = await log.append(topic, records);
    // Offsets: each partition's records numbered 0.. in send order.
    const nextOff = [0, 0, 0];
    for (let i = 0; i < n; i++) expect(res[i]).toEqual({ partition: (i * 7) % 3, offset: nextOff[(i * 7) % 3]!++ });
    const c = await log.createConsumer({ groupId: `sluice-it-${RUN}-g1`, topics: [topic], autoOffsetReset: 'earliest' });
    const got: LogRecord[] = [];
    const end = Date.now() + 20_000;
    while (got.length < n && Date.now() < end) got.push(...(await c.poll(n, 500)));
    await c.close();
    expect(got.length).toBe(n);
    const byValue = new Map(got.map((r) => [r.value!.toString(), r]));
    for (let i = 0; i < n; i++) {
      const r = byValue.get(`v${i}`)!;
      expect([r.partition, r.offset, r.timestamp]).toEqual([res[i]!.partition, res[i]!.offset, ts(i)]);
      expect(r.headers.map((h) => [h.key, h.value?.toString()])).toEqual(i % 100 === 0 ? [['h', String(i)]] : []);
    }
  });

  it('stamps records without a timestamp with the append time', async () => {
    const topic = await newTopic('now', 1);
    const before = Date.now();
    await log.append(topic, [
      { key: null, value: Buffer.from('a') },
      { key: null, value: Buffer.from('b'), timestamp: 5 },
    ]);
    const rs = await log.read(topic, 0, 0, 2);
    expect(rs.map((r) => r.value!.toString())).toEqual(['a', 'b']);
    expect(rs[0]!.timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(rs[0]!.timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    expect(rs[1]!.timestamp).toBe(5);
  });

  it('deliver a backlog larger than the first fetch completely and in order (fetch sizes ramp up)', async () => {
    const topic = await newTopic('ramp', 2);
    const n = 6000;
    const pad = 'x'.repeat(500); // ~3 MB: many times the 64 KiB first fetch per partition
    for (let start = 0; start < n; start += 1000) {
      const batch: ProduceRecord[] = [];
      for (let i = start; i < start + 1000; i++) batch.push({ key: null, value: Buffer.from(`${i}:${pad}`), partition: i % 2, timestamp: 1000 + i });
      await log.append(topic, batch);
    }
    const c = await log.createConsumer({ groupId: `sluice-it-${RUN}-g2`, topics: [topic], autoOffsetReset: 'earliest' });
    const got: LogRecord[] = [];
    const end = Date.now() + 30_000;
    while (got.length < n && Date.now() < end) got.push(...(await c.poll(5000, 500)));
    expect(await c.poll(10, 300)).toEqual([]);
    await c.close();
    expect(got.length).toBe(n);
    for (const p of [0, 1]) {
      const mine = got.filter((r) => r.partition === p);
      expect(mine.map((r) => r.offset)).toEqual(Array.from({ length: n / 2 }, (_, i) => i));
      expect(mine.map((r) => Number(r.value!.toString().split(':')[0]))).toEqual(Array.from({ length: n / 2 }, (_, i) => 2 * i + p));
    }
  });
});
