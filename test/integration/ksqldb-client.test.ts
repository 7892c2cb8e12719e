/**
 * An existing ksqlDB client, unchanged: the npm package `ksqldb-client` (HTTP/2 cleartext) against a
 * real `SluiceServer` on a loopback port — create a stream, insert rows, run a push and a pull query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import KsqldbClient from 'ksqldb-client';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';

let dir: string;
let engine: Engine;
let server: SluiceServer;
let client: KsqldbClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-ksqldb-client-'));
  engine = await Engine.open({ dataDir: dir });
  server = new SluiceServer(engine, { port: 0, host: '127.0.0.1', serviceId: 'default_' });
  await server.listen();
  const port = new URL(server.url).port;
  client = new KsqldbClient({ host: 'http://127.0.0.1', port });
  await client.connect();
});

afterAll(async () => {
  await client?.disconnect();
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('creates a stream, inserts rows, and runs push and pull queries through ksqldb-client', async () => {
  const created = await client.executeStatement(
    "CREATE STREAM orders (id INT KEY, item STRING, qty INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);",
  );
  expect(created.error).toBeUndefined();
  expect((await client.listStreams()).map((s) => s.name)).toContain('ORDERS');

  // A push query from the beginning, collecting rows as they arrive.
  const pushed: unknown[] = [];
  const push = client.streamQuery('SELECT id, item, qty FROM orders EMIT CHANGES LIMIT 2;', (d) => {
    if (d.rows) pushed.push(...d.rows);
  }, { streamsProperties: { 'auto.offset.reset': 'earliest' } });

  const ins1 = await client.insertInto('ORDERS', { ID: 1, ITEM: 'pen', QTY: 3 });
  const ins2 = await client.insertInto('ORDERS', { ID: 2, ITEM: 'desk', QTY: 1 });
  expect(ins1.error).toBeUndefined();
  expect(ins2.error).toBeUndefined();

  await push;
  const deadline = Date.now() + 10_000;
  while (pushed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // The client turns each row into an object keyed by the header's column names.
  expect(pushed).toEqual([
    { ID: 1, ITEM: 'pen', QTY: 3 },
    { ID: 2, ITEM: 'desk', QTY: 1 },
  ]);

  // A pull query (a bounded scan of the stream).
  const pull = await client.query('SELECT item, qty FROM orders WHERE qty > 2;');
  expect(pull.error).toBeUndefined();
  expect(pull.data?.metadata.columnNames).toEqual(['ITEM', 'QTY']);
  expect(pull.data?.rows).toEqual([{ ITEM: 'pen', QTY: 3 }]);
});
