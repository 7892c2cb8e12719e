/**
 * The REST server end to end on 127.0.0.1 (port 0): every endpoint over HTTP/1.1, the streaming
 * endpoints over h2c (prior knowledge, same port), and WebSocket push queries with fan-out,
 * cancellation and a slow consumer being dropped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, constants as h2 } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';

let dir: string;
let engine: Engine;
let server: SluiceServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-server-'));
  engine = await Engine.open({ dataDir: dir });
  server = new SluiceServer(engine, { port: 0, maxBufferedBytes: 64 * 1024, closeGraceMs: 5000 });
  await server.listen();
  base = server.url;
  const r = await post('/ksql', {
    ksql: `CREATE STREAM pv (id STRING KEY, n INT, price DECIMAL(5,2), tags MAP<STRING, INT>, b BYTES, d DATE, ts TIMESTAMP)
             WITH (kafka_topic='pv', value_format='JSON', partitions=1);
           CREATE STREAM big (id STRING KEY, payload STRING) WITH (kafka_topic='big', value_format='JSON', partitions=1);`,
  });
  expect(r.status).toBe(200);
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: () => unknown; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data, json: () => JSON.parse(data), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

function get(path: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    request(new URL(path, base), (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) }));
    })
      .on('error', reject)
      .end();
  });
}

const insert = (values: string) => post('/ksql', { ksql: `INSERT INTO pv (id, n, price, tags, b, d, ts) VALUES ${values};` });

describe('POST /ksql', () => {
  it('runs several statements, one entity each, with SET and DEFINE scoped to the request', async () => {
    const r = await post('/ksql', {
      ksql: `DEFINE t = 'side'; SET 'auto.offset.reset' = 'earliest';
             CREATE STREAM \${t} AS SELECT id, n FROM pv;
             SHOW STREAMS; SHOW QUERIES; DESCRIBE \${t}; SHOW TOPICS; SHOW PROPERTIES; SHOW FUNCTIONS; DESCRIBE FUNCTION ucase; SHOW VARIABLES; SHOW TYPES;`,
    });
    expect(r.status).toBe(200);
    const es = r.json() as Record<string, any>[];
    expect(es.map((e) => e['@type'])).toEqual(['currentStatus', 'streams', 'queries', 'sourceDescription', 'kafka_topics', 'properties', 'function_names', 'describe_function', 'variables', 'type_list']);
    const cs = es[0]!;
    expect(cs).toMatchObject({ commandId: 'stream/SIDE/create', commandStatus: { status: 'SUCCESS', message: 'Created query with ID CSAS_SIDE_0', queryId: 'CSAS_SIDE_0' }, warnings: [] });
    expect(typeof cs['commandSequenceNumber']).toBe('number');
    expect(es[1]!['streams'].map((s: { name: string }) => s.name).sort()).toEqual(['BIG', 'PV', 'SIDE']);
    expect(es[2]!['queries'][0]).toMatchObject({ id: 'CSAS_SIDE_0', sinks: ['SIDE'], sinkKafkaTopics: ['SIDE'], queryType: 'PERSISTENT', state: 'RUNNING' });
    expect(es[3]!['sourceDescription']).toMatchObject({ name: 'SIDE', type: 'STREAM', topic: 'SIDE', fields: [{ name: 'ID', schema: { type: 'STRING' }, type: 'KEY' }, { name: 'N', schema: { type: 'INTEGER' } }] });
    expect(es[4]!['topics']).toContainEqual({ name: 'pv', replicaInfo: [1] });
    expect(es[7]).toMatchObject({ name: 'UCASE', type: 'SCALAR' });
    expect(es[8]!['variables']).toHaveLength(1);
    expect(es[8]!['variables'][0].value).toBe('side');
    // The status endpoint knows the command.
    expect((await get('/status/stream/SIDE/create')).json).toMatchObject({ status: 'SUCCESS' });
    expect(((await get('/status')).json as { commandStatuses: Record<string, string> }).commandStatuses['stream/SIDE/create']).toBe('SUCCESS');
    await post('/ksql', { ksql: 'TERMINATE CSAS_SIDE_0; DROP STREAM side;' });
  });

  it('refuses SELECT with 40002 and reports errors as JSON with the position and the succeeded entities', async () => {
    const q = await post('/ksql', { ksql: 'SELECT * FROM pv;' });
    expect(q.status).toBe(400);
    expect(q.json()).toMatchObject({ '@type': 'statement_error', error_code: 40002, statementText: 'SELECT * FROM pv;' });

    const bad = await post('/ksql', { ksql: "CREATE STREAM ok1 (a INT) WITH (kafka_topic='ok1', value_format='JSON', partitions=1);\nCREATE STREAM x (a INT) WITH (kafka_topic=);" });
    expect(bad.status).toBe(400);
    const body = bad.json() as Record<string, any>;
    expect(body).toMatchObject({ '@type': 'statement_error', error_code: 40001 });
    expect(body['message']).toContain('line 2:');
    expect(body['entities']).toHaveLength(1);

    const unknown = await post('/ksql', { ksql: 'DESCRIBE nope;' });
    expect(unknown.status).toBe(400);
    expect((unknown.json() as { message: string }).message).toContain('NOPE');

    const notJson = await post('/ksql', '{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.json()).toMatchObject({ '@type': 'generic_error', error_code: 40000 });
    expect((await post('/nowhere', {})).json()).toMatchObject({ error_code: 40400 });
  });
});

describe('small endpoints', () => {
  it('GET /info, /healthcheck', async () => {
    expect((await get('/info')).json).toMatchObject({ KsqlServerInfo: { version: expect.any(String), ksqlServiceId: 'default_', serverStatus: 'RUNNING' } });
    expect((await get('/healthcheck')).json).toMatchObject({ isHealthy: true, details: { metastore: { isHealthy: true }, kafka: { isHealthy: true } } });
  });
});

describe('queries over HTTP/1.1', () => {
  it('POST /query: pull query as a JSON array with header, wire values and final message', async () => {
    await insert("('a', 1, 12.50, MAP('x' := 1), TO_BYTES('AQI=', 'base64'), FROM_DAYS(19000), FROM_UNIXTIME(1000))");
    const r = await post('/query', { ksql: "SELECT * FROM pv WHERE id = 'a';" });
    expect(r.status).toBe(200);
    const items = r.json() as Record<string, any>[];
    expect(items[0]!['header']['schema']).toBe('`ID` STRING, `N` INTEGER, `PRICE` DECIMAL(5, 2), `TAGS` MAP<STRING, INTEGER>, `B` BYTES, `D` DATE, `TS` TIMESTAMP');
    expect(items[1]).toEqual({ row: { columns: ['a', 1, 12.5, { x: 1 }, 'AQI=', '2022-01-08', '1970-01-01T00:00:01.000'] } });
    expect(items[2]).toEqual({ finalMessage: 'Query Completed' });
  });

  it('POST /query: push query with LIMIT ends with "Limit Reached"; statement errors are HTTP 400 JSON', async () => {
    const pending = post('/query', { ksql: "SELECT id, n FROM pv WHERE id = 'p' EMIT CHANGES LIMIT 2;" });
    await new Promise((r) => setTimeout(r, 300));
    await insert("('p', 7, 1.00, MAP('y' := 2), NULL, NULL, NULL)");
    await insert("('p', 8, 1.00, NULL, NULL, NULL, NULL)");
    const r = await pending;
    const items = r.json() as Record<string, any>[];
    expect(items.filter((x) => x['row']).map((x) => x['row']['columns'])).toEqual([['p', 7], ['p', 8]]);
    expect(items[items.length - 1]).toEqual({ finalMessage: 'Limit Reached' });

    const bad = await post('/query', { ksql: 'SELECT * FROM nowhere;' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ '@type': 'statement_error', error_code: 40001 });
    const syntax = await post('/query', { ksql: 'SELECT * FROM pv ORDER BY id;' });
    expect((syntax.json() as { message: string }).message).toMatch(/line 1:\d+/);
  });

  it('POST /query-stream (HTTP/1.1): delimited by default, one JSON array with Accept: application/json', async () => {
    const d = await post('/query-stream', { sql: "SELECT id, n FROM pv WHERE id = 'a';" });
    expect(d.headers['content-type']).toContain('application/vnd.ksqlapi.delimited.v1');
    const lines = d.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ queryId: expect.any(String), columnNames: ['ID', 'N'], columnTypes: ['STRING', 'INTEGER'] });
    expect(lines[1]).toEqual(['a', 1]);
    const j = await post('/query-stream', { sql: "SELECT id FROM pv WHERE id = 'a';" }, { accept: 'application/json' });
    expect(j.json()).toEqual([expect.objectContaining({ columnNames: ['ID'] }), ['a']]);
  });

  it('POST /inserts-stream: acks per row, then the rows are in the stream', async () => {
    const body = ['{"target":"pv"}', '{"id":"ins","N":5,"price":2.5}', '{"ID":"ins","n":6,"TAGS":{"k":3}}', ''].join('\n');
    const r = await post('/inserts-stream', body);
    expect(r.status).toBe(200);
    expect(r.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ status: 'ok', seq: 0 }, { status: 'ok', seq: 1 }]);
    const q = await post('/query', { ksql: "SELECT n, price, tags FROM pv WHERE id = 'ins';" });
    const rows = (q.json() as Record<string, any>[]).filter((x) => x['row']).map((x) => x['row']['columns']);
    expect(rows).toEqual([[5, 2.5, null], [6, null, { k: 3 }]]);
    const bad = await post('/inserts-stream', '{"target":"nope"}\n');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error_code: 40001 });
  });
});

describe('h2c on the same port', () => {
  function h2Request(session: ReturnType<typeof connect>, path: string, body: unknown, accept?: string) {
    const stream = session.request({ [h2.HTTP2_HEADER_METHOD]: 'POST', [h2.HTTP2_HEADER_PATH]: path, 'content-type': 'application/json', ...(accept ? { accept } : {}) });
    stream.end(JSON.stringify(body));
    return stream;
  }

  it('serves /query-stream, /close-query and /ksql over HTTP/2 with prior knowledge', async () => {
    const session = connect(base);
    try {
      // A push query: each row arrives as its own DATA frame, parseable on its own.
      const stream = h2Request(session, '/query-stream', { sql: "SELECT id, n FROM pv WHERE id = 'h2' EMIT CHANGES;", properties: {} });
      const frames: unknown[] = [];
      let status = 0;
      stream.on('response', (h) => (status = Number(h[h2.HTTP2_HEADER_STATUS])));
      stream.on('data', (c: Buffer) => frames.push(JSON.parse(c.toString())));
      const ended = new Promise<void>((r) => stream.on('end', () => r()));
      await until(() => frames.length >= 1);
      expect(status).toBe(200);
      const header = frames[0] as { queryId: string; columnNames: string[] };
      expect(header.columnNames).toEqual(['ID', 'N']);
      await insert("('h2', 42, NULL, NULL, NULL, NULL, NULL)");
      await until(() => frames.length >= 2);
      expect(frames[1]).toEqual(['h2', 42]);
      // Close it through /close-query, over the same session.
      const close = h2Request(session, '/close-query', { queryId: header.queryId });
      const closeStatus = await new Promise<number>((r) => close.on('response', (h) => r(Number(h[h2.HTTP2_HEADER_STATUS]))));
      close.resume();
      expect(closeStatus).toBe(200);
      await ended;
      // Unknown id → 400 with a JSON body.
      const again = h2Request(session, '/close-query', { queryId: header.queryId });
      let text = '';
      again.on('data', (c: Buffer) => (text += c.toString()));
      await new Promise((r) => again.on('end', r));
      expect(JSON.parse(text)).toMatchObject({ error_code: 40000 });

      const ksql = h2Request(session, '/ksql', { ksql: 'SHOW STREAMS;' });
      let k = '';
      ksql.on('data', (c: Buffer) => (k += c.toString()));
      await new Promise((r) => ksql.on('end', r));
      expect((JSON.parse(k) as { '@type': string }[])[0]!['@type']).toBe('streams');
    } finally {
      session.close();
    }
  });
});

describe('WebSocket push queries', () => {
  const wsUrl = (sql: string) => `${base.replace('http', 'ws')}/ws/query?request=${encodeURIComponent(JSON.stringify({ ksql: sql, streamsProperties: {} }))}`;

  function subscribe(sql: string) {
    const ws = new WebSocket(wsUrl(sql));
    const frames: any[] = [];
    let close: { code: number; reason: string } | undefined;
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    ws.on('close', (code, reason) => (close = { code, reason: reason.toString() }));
    return { ws, frames, closed: () => close };
  }

  it('fans one query out to many subscribers, and cancels', async () => {
    const sql = "SELECT id, n FROM pv WHERE id = 'ws' EMIT CHANGES;";
    const a = subscribe(sql);
    const b = subscribe(sql);
    await until(() => a.frames.length >= 1 && b.frames.length >= 1);
    expect(a.frames[0]).toEqual([{ name: 'ID', schema: { type: 'STRING', fields: null, memberSchema: null } }, { name: 'N', schema: { type: 'INTEGER', fields: null, memberSchema: null } }]);
    expect(server.hub.queryCount).toBe(1);
    await insert("('ws', 1, NULL, NULL, NULL, NULL, NULL)");
    await until(() => a.frames.length >= 2 && b.frames.length >= 2);
    expect(a.frames[1]).toEqual({ row: { columns: ['ws', 1] } });
    expect(b.frames[1]).toEqual({ row: { columns: ['ws', 1] } });

    a.ws.send(JSON.stringify({ cancel: true }));
    await until(() => a.closed() !== undefined);
    expect(a.closed()!.code).toBe(1000);
    expect(a.frames[a.frames.length - 1]).toEqual({ finalMessage: 'Query Terminated' });
    expect(server.hub.queryCount).toBe(1);
    b.ws.close();
    await until(() => server.hub.queryCount === 0);
  });

  it('opens a query from the first message, and reports errors as JSON before closing', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/query`);
    const frames: any[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ ksql: "SELECT n FROM pv WHERE id = 'a' EMIT CHANGES LIMIT 1;", streamsProperties: { 'auto.offset.reset': 'earliest' } }));
    const code = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(code).toBe(1000);
    expect(frames.slice(1)).toEqual([{ row: { columns: [1] } }, { finalMessage: 'Limit Reached' }]);

    const bad = subscribe('SELECT * FROM nowhere EMIT CHANGES;');
    await until(() => bad.closed() !== undefined);
    expect(bad.frames[0]).toMatchObject({ '@type': 'statement_error', error_code: 40001 });
  });

  it('drops a slow subscriber with a clear reason without stalling the others', async () => {
    const sql = 'SELECT id, payload FROM big EMIT CHANGES;';
    const slow = subscribe(sql);
    const fast = subscribe(sql);
    await until(() => slow.frames.length >= 1 && fast.frames.length >= 1);
    // The slow client stops reading from its socket.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const payload = 'x'.repeat(16 * 1024);
    const rows = 600; // ~10 MB: more than the kernel's socket buffers plus the 64 KiB bound
    for (let i = 0; i < rows; i += 50) {
      const lines = ['{"target":"big"}', ...Array.from({ length: 50 }, (_, j) => JSON.stringify({ id: String(i + j), payload }))].join('\n');
      await post('/inserts-stream', lines);
    }
    await until(() => fast.frames.length >= rows + 1, 30_000);
    expect(fast.closed()).toBeUndefined();
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => slow.closed() !== undefined, 10_000);
    expect(slow.closed()!.code).toBe(1008);
    expect(slow.closed()!.reason).toContain('Slow consumer');
    expect(slow.frames.length).toBeLessThan(rows + 1);
    fast.ws.close();
  }, 60_000);
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
