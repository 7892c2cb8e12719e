/**
 * Interoperability with a schema-registry client Sluice did not write
 * (@kafkajs/confluent-schema-registry, which encodes with avsc and protobufjs):
 * - it registers Avro and Protobuf schemas with Sluice's embedded registry (the server's
 *   /schema-registry API) and encodes records; Sluice infers the streams' columns and its queries
 *   read the records; its outputs decode with the same client;
 * - records it cannot decode (an unknown schema id, bytes that are not Avro) go to the processing
 *   log and the query keeps running;
 * - on the real Kafka broker, a schema the client registered through one server is found by a new
 *   server (empty data directory) through the `_schemas` topic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import type { Log } from '../../src/storage/log/log.js';
import { openKafkaLog, type KafkaLog } from '../../src/storage/log/kafka/index.js';
import { frame } from '../../src/serde/confluent-wire.js';

const BOOTSTRAP = process.env['KAFKA_BOOTSTRAP'] ?? '127.0.0.1:9092';
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const dirs: string[] = [];
const kafkaLogs: KafkaLog[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  const log = kafkaLogs[0];
  if (log) for (const t of await log.listTopics().catch(() => [])) if (t.name.includes(RUN)) await log.deleteTopic(t.name).catch(() => undefined);
  for (const l of kafkaLogs) await l.close().catch(() => undefined);
});
function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-sr-interop-'));
  dirs.push(d);
  return d;
}

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

const PAYMENT = `syntax = "proto3";
package shop;

message Payment {
  int64 id = 1;
  string method = 2;
  double amount = 3;
}
`;

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every record value of a topic's partitions, once there are `n`. */
async function values(log: Log, topic: string, n: number): Promise<Buffer[]> {
  return until(`${n} records on ${topic}`, async () => {
    const desc = await log.describeTopic(topic);
    if (!desc) return undefined;
    const out: Buffer[] = [];
    for (let p = 0; p < desc.partitions; p++) for (const r of await log.read(topic, p, 0, 1000)) if (r.value) out.push(r.value);
    return out.length >= n ? out : undefined;
  });
}

async function withServer<T>(engine: Engine, f: (registry: SchemaRegistry) => Promise<T>): Promise<T> {
  const server = new SluiceServer(engine, { port: 0 });
  await server.listen();
  try {
    return await f(new SchemaRegistry({ host: `${server.url.replace(/\/$/, '')}/schema-registry` }));
  } finally {
    await server.close();
  }
}

describe('the embedded registry with @kafkajs/confluent-schema-registry', () => {
  it('reads Avro records the client encoded, and writes Avro the client decodes', async () => {
    const engine = await Engine.open({ dataDir: newDir(), properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await withServer(engine, async (client) => {
        const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER) }, { subject: 'orders-value' });
        await engine.log.createTopic('orders', { partitions: 1 });
        const orders = [
          { id: 1, item: 'apple', qty: 3, note: null },
          { id: 2, item: 'pear', qty: 1, note: 'ripe' },
          { id: 3, item: 'plum', qty: 5, note: 'sweet' },
        ];
        const encoded = await Promise.all(orders.map((o) => client.encode(id, o)));
        await engine.log.append('orders', encoded.map((value, i) => ({ key: null, value, timestamp: 1000 + i })));

        // No columns: they come from the registered schema.
        await engine.execute(`CREATE STREAM orders WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='AVRO');`);
        const desc = await engine.execute('DESCRIBE orders;');
        expect(JSON.stringify(desc)).toContain('"NOTE"');
        expect(engine.metastore.getSource('ORDERS')!.schema.value.map((c) => c.name)).toEqual(['ID', 'ITEM', 'QTY', 'NOTE']);

        await engine.execute(`CREATE STREAM big_orders AS SELECT id, item, qty * 2 AS doubled, note FROM orders WHERE qty > 1;`);
        const out = await values(engine.log, 'BIG_ORDERS', 2);
        const decoded = await Promise.all(out.map((b) => client.decode(b)));
        expect(decoded).toEqual([
          { ID: 1, ITEM: 'apple', DOUBLED: 6, NOTE: null },
          { ID: 3, ITEM: 'plum', DOUBLED: 10, NOTE: 'sweet' },
        ]);
        // The output's schema is registered under the sink's subject, as ksqlDB names it.
        const outId = await client.getLatestSchemaId('BIG_ORDERS-value');
        expect(out[0]!.readInt32BE(1)).toBe(outId);

        // An unknown schema id and bytes that are not Avro go to the processing log; the query goes on.
        const before = engine.processingLog.count;
        await engine.log.append('orders', [
          { key: null, value: frame(987_654, Buffer.from([2, 4])), timestamp: 2000 },
          { key: null, value: Buffer.from('not avro'), timestamp: 2001 },
          { key: null, value: await client.encode(id, { id: 4, item: 'fig', qty: 9, note: null }), timestamp: 2002 },
        ]);
        const more = await values(engine.log, 'BIG_ORDERS', 3);
        expect(await client.decode(more[2]!)).toEqual({ ID: 4, ITEM: 'fig', DOUBLED: 18, NOTE: null });
        await until('processing-log entries', async () => (engine.processingLog.count >= before + 2 ? true : undefined));
        const messages = engine.processingLog.entries().slice(-2).map((e) => e.message);
        expect(messages[0]).toMatch(/987654/);
      });
    } finally {
      await engine.close();
    }
  });

  it('reads Protobuf records the client encoded, and writes Protobuf the client decodes', async () => {
    const engine = await Engine.open({ dataDir: newDir(), properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await withServer(engine, async (client) => {
        const { id } = await client.register({ type: SchemaType.PROTOBUF, schema: PAYMENT }, { subject: 'payments-value' });
        await engine.log.createTopic('payments', { partitions: 1 });
        const payments = [
          { id: 10, method: 'card', amount: 12.5 },
          { id: 11, method: 'cash', amount: 99.25 },
        ];
        const encoded = await Promise.all(payments.map((p) => client.encode(id, p)));
        await engine.log.append('payments', encoded.map((value, i) => ({ key: null, value, timestamp: i })));
        await engine.execute(`CREATE STREAM payments WITH (KAFKA_TOPIC='payments', VALUE_FORMAT='PROTOBUF');`);
        expect(engine.metastore.getSource('PAYMENTS')!.schema.value.map((c) => `${c.name} ${c.type.kind}`)).toEqual(['ID BIGINT', 'METHOD STRING', 'AMOUNT DOUBLE']);
        await engine.execute(`CREATE STREAM card_payments AS SELECT id, amount * 2 AS twice FROM payments WHERE method = 'card';`);
        const out = await values(engine.log, 'CARD_PAYMENTS', 1);
        const decoded = (await client.decode(out[0]!)) as Record<string, unknown>;
        expect(Number(decoded['ID'])).toBe(10);
        expect(decoded['TWICE']).toBe(25);
      });
    } finally {
      await engine.close();
    }
  });
});

async function brokerAnswers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(false));
    s.on('connect', () => (s.destroy(), resolve(true)));
  });
}

describe('the embedded registry on Kafka', () => {
  it('finds a schema registered through another server in the _schemas topic, after a restart', async () => {
    if (!(await brokerAnswers(BOOTSTRAP))) throw new Error(`No Kafka broker answers at ${BOOTSTRAP}`);
    const topic = `sluice-it-sr-${RUN}-users`;
    const props = { 'auto.offset.reset': 'earliest', 'ksql.service.id': `sr_${RUN}_` };
    const schema = { ...ORDER, name: `User${RUN}` };
    let id: number;
    let encoded: Buffer;
    {
      const log = await openKafkaLog({ brokers: [BOOTSTRAP], clientId: 'sluice-it-sr' });
      kafkaLogs.push(log);
      const engine = await Engine.open({ dataDir: newDir(), log, properties: props });
      try {
        ({ id, encoded } = await withServer(engine, async (client) => {
          const r = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` });
          return { id: r.id, encoded: await client.encode(r.id, { id: 7, item: 'kiwi', qty: 2, note: null }) };
        }));
        await log.createTopic(topic, { partitions: 1 });
        await log.append(topic, [{ key: null, value: encoded, timestamp: 5 }]);
      } finally {
        await engine.close();
      }
    }
    // A new server, nothing in its data directory: the schema comes back from `_schemas`.
    const log = await openKafkaLog({ brokers: [BOOTSTRAP], clientId: 'sluice-it-sr-2' });
    kafkaLogs.push(log);
    const engine = await Engine.open({ dataDir: newDir(), log, properties: { ...props, 'ksql.service.id': `sr_${RUN}_b_` } });
    try {
      expect(await engine.registry.latest(`${topic}-value`)).toMatchObject({ id });
      await engine.execute(`CREATE STREAM users WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='AVRO');`);
      const rows: unknown[][] = [];
      await new Promise<void>((resolve, reject) => {
        void engine.executeQuery('SELECT * FROM users;', { onRow: (r) => rows.push([...r]), onEnd: () => resolve(), onError: reject });
      });
      expect(rows).toEqual([[7, 'kiwi', 2, null]]);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
