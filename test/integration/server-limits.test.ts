/**
 * The server's limits on real sockets (127.0.0.1, port 0): concurrent push queries server-wide
 * (HTTP/1.1, /query-stream, WebSocket) and per HTTP/2 connection, request body size, the
 * /inserts-stream line length (a 200 MB line without memory growth), slow HTTP/1.1 and HTTP/2
 * push clients dropped while a fast one keeps receiving, the pull-query timeout and the idle
 * connection timeout. Each refusal is a ksqlDB-style error, and the server keeps answering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as h2connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import type { ServerLimits } from '../../src/server/limits.js';
import { DEFAULT_LIMITS, limitsFromProperties } from '../../src/server/limits.js';

let dir: string;
let engine: Engine;
const servers: SluiceServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-limits-'));
  engine = await Engine.open({ dataDir: dir });
  await engine.execute(`
    CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
    CREATE STREAM big (id STRING KEY, payload STRING) WITH (kafka_topic='big', value_format='JSON', partitions=1);
    CREATE STREAM many (id STRING KEY, n INT) WITH (kafka_topic='many', value_format='JSON', partitions=1);`);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(limits: Partial<ServerLimits>): Promise<string> {
  const server = new SluiceServer(engine, { port: 0, limits, closeGraceMs: 1000 });
  await server.listen();
  servers.push(server);
  return server.url;
}

interface Reply {
  readonly status: number;
  readonly text: string;
  json(): any;
}

function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data, json: () => JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

function get(base: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request(new URL(path, base), (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data, json: () => JSON.parse(data) }));
    })
      .on('error', reject)
      .end();
  });
}

/** A push query over HTTP/1.1 /query-stream left open; `lines` fills as rows arrive. */
function openPush(base: string, sql: string): Promise<{ req: ClientRequest; res: IncomingMessage; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/query-stream', base), { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      const lines: string[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
      resolve({ req, res, lines });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ sql, properties: {} }));
  });
}

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function h2post(session: ClientHttp2Session, path: string, body: unknown): { stream: ClientHttp2Stream; status: Promise<number>; text: () => string; ended: Promise<void> } {
  const stream = session.request({ [h2.HTTP2_HEADER_METHOD]: 'POST', [h2.HTTP2_HEADER_PATH]: path, 'content-type': 'application/json' });
  stream.end(JSON.stringify(body));
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => (text += c));
  const status = new Promise<number>((r) => stream.on('response', (h) => r(Number(h[h2.HTTP2_HEADER_STATUS]))));
  const ended = new Promise<void>((r) => stream.on('close', () => r()));
  return { stream, status, text: () => text, ended };
}

describe('configuration', () => {
  it('reads the limit keys, ksqlDB names where ksqlDB has them, with documented defaults', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxPushQueries: 100, maxBodyBytes: 16 * 1024 * 1024, maxInsertLineBytes: 1024 * 1024, maxBufferedBytes: 4 * 1024 * 1024 });
    expect(limitsFromProperties({ 'ksql.max.push.queries': '7', 'ksql.idle.connection.timeout.seconds': '30', 'sluice.max.request.body.bytes': '1024' })).toEqual({ maxPushQueries: 7, idleConnectionTimeoutMs: 30_000, maxBodyBytes: 1024 });
    expect(() => limitsFromProperties({ 'ksql.max.push.queries': 'many' })).toThrow(/ksql.max.push.queries/);
  });
});

describe('concurrent push queries', () => {
  it('refuses a push query over ksql.max.push.queries on every endpoint with ksqlDB errors, and admits one again once a slot is free', async () => {
    const base = await start({ maxPushQueries: 2 });
    const a = await openPush(base, 'SELECT * FROM s EMIT CHANGES;');
    const b = await openPush(base, 'SELECT * FROM s EMIT CHANGES;');
    expect(a.res.statusCode).toBe(200);
    expect(b.res.statusCode).toBe(200);

    const viaStream = await post(base, '/query-stream', { sql: 'SELECT * FROM s EMIT CHANGES;' });
    expect(viaStream.status).toBe(400);
    expect(viaStream.json()).toEqual({ '@type': 'generic_error', error_code: 40003, message: 'Maximum number of push queries exceeded' });

    const viaQuery = await post(base, '/query', { ksql: 'SELECT * FROM s EMIT CHANGES;' });
    expect(viaQuery.status).toBe(400);
    expect(viaQuery.json()).toMatchObject({ '@type': 'statement_error', error_code: 40001, statementText: 'SELECT * FROM s EMIT CHANGES;' });
    expect(viaQuery.json().message).toContain("increase the 'ksql.max.push.queries' setting");
    expect(viaQuery.json().message).toContain('Current push query count: 2. Configured limit: 2.');

    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/query?request=${encodeURIComponent(JSON.stringify({ ksql: 'SELECT * FROM s EMIT CHANGES;' }))}`);
    const frames: any[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    const code = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(code).toBe(1003);
    expect(frames[0]).toMatchObject({ '@type': 'statement_error', error_code: 40001 });

    // Pull queries are not push queries: they still run.
    const pull = await post(base, '/query-stream', { sql: 'SELECT * FROM s;' });
    expect(pull.status).toBe(200);
    expect((await get(base, '/info')).status).toBe(200);

    // One push query ends: a new one is admitted.
    a.req.destroy();
    const server = servers[servers.length - 1]!;
    await until('the slot to be given back', () => server.guards.pushSlots.active === 1);
    const c = await openPush(base, 'SELECT * FROM s EMIT CHANGES;');
    expect(c.res.statusCode).toBe(200);
    b.req.destroy();
    c.req.destroy();
    await until('every slot to be given back', () => server.guards.pushSlots.active === 0);
  });

  it('limits push queries per HTTP/2 connection (sluice.max.push.queries.per.connection); another connection may open its own', async () => {
    const base = await start({ maxPushQueriesPerConnection: 2 });
    const session = h2connect(base);
    const other = h2connect(base);
    try {
      const q1 = h2post(session, '/query-stream', { sql: 'SELECT * FROM s EMIT CHANGES;' });
      const q2 = h2post(session, '/query-stream', { sql: 'SELECT * FROM s EMIT CHANGES;' });
      expect(await q1.status).toBe(200);
      expect(await q2.status).toBe(200);
      const q3 = h2post(session, '/query-stream', { sql: 'SELECT * FROM s EMIT CHANGES;' });
      expect(await q3.status).toBe(400);
      await q3.ended;
      expect(JSON.parse(q3.text())).toMatchObject({ '@type': 'generic_error', error_code: 40003 });
      expect(JSON.parse(q3.text()).message).toContain("'sluice.max.push.queries.per.connection'");
      // The connection still serves other requests, and another connection has its own budget.
      const info = h2post(session, '/ksql', { ksql: 'SHOW STREAMS;' });
      expect(await info.status).toBe(200);
      const elsewhere = h2post(other, '/query-stream', { sql: 'SELECT * FROM s EMIT CHANGES;' });
      expect(await elsewhere.status).toBe(200);
      // Closing one stream frees its slot on the connection.
      q1.stream.close();
      const server = servers[servers.length - 1]!;
      await until('the stream slot to be given back', () => server.guards.pushSlots.active === 2);
      const q4 = h2post(session, '/query-stream', { sql: 'SELECT * FROM s EMIT CHANGES;' });
      expect(await q4.status).toBe(200);
    } finally {
      session.destroy();
      other.destroy();
    }
  });
});

describe('request body size', () => {
  it('refuses a body over sluice.max.request.body.bytes with 413, by its Content-Length or as it streams, and keeps serving', async () => {
    const base = await start({ maxBodyBytes: 64 * 1024 });
    const big = JSON.stringify({ ksql: `SHOW STREAMS; -- ${'x'.repeat(100 * 1024)}` });
    const declared = await post(base, '/ksql', big);
    expect(declared.status).toBe(413);
    expect(declared.json()).toEqual({ '@type': 'generic_error', error_code: 41300, message: "Request body too large: more than 65536 bytes ('sluice.max.request.body.bytes')" });

    // Chunked, no Content-Length: refused once the bytes pass the limit.
    const chunked = await new Promise<Reply>((resolve, reject) => {
      const req = request(new URL('/query-stream', base), { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data, json: () => JSON.parse(data) }));
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(chunked.json()).toMatchObject({ error_code: 41300 });
    const ok = await post(base, '/ksql', { ksql: 'SHOW STREAMS;' });
    expect(ok.status).toBe(200);
  });
});

describe('/inserts-stream line length', () => {
  it('refuses a 200 MB line with an error ack as soon as it passes the limit, without the server growing', async () => {
    const base = await start({});
    const total = 200 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 'a');
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    let sentAtAnswer = -1;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = request(new URL('/inserts-stream', base), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => {
          if (sentAtAnswer < 0) sentAtAnswer = sent;
          data += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data, json: () => JSON.parse(data) }));
      });
      req.on('error', (e) => (sentAtAnswer >= 0 ? undefined : reject(e)));
      req.write('{"target":"s"}\n{"id":"x","n":1}\n{"id":"');
      const pump = () => {
        while (sent < total && sentAtAnswer < 0) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    const grown = process.memoryUsage().rss - rssBefore;
    expect(reply.status).toBe(200);
    const acks = reply.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(acks).toEqual([
      { status: 'ok', seq: 0 },
      { status: 'error', seq: 1, error_code: 41300, message: "Inserts stream line too long: more than 1048576 bytes in one row ('sluice.inserts.max.line.bytes')" },
    ]);
    expect(sentAtAnswer).toBeGreaterThan(0);
    expect(sentAtAnswer).toBeLessThan(total);
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    expect((await get(base, '/info')).status).toBe(200);
  }, 60_000);

  it('refuses a too long target line with 413 before the response starts', async () => {
    const base = await start({ maxInsertLineBytes: 1024 });
    const r = await post(base, '/inserts-stream', `{"target":"${'s'.repeat(4096)}"}\n`);
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ '@type': 'generic_error', error_code: 41300 });
    // Rows shorter than the limit still go in.
    const ok = await post(base, '/inserts-stream', '{"target":"s"}\n{"id":"short","n":2}\n');
    expect(ok.text.trim()).toBe('{"status":"ok","seq":0}');
  });
});

describe('slow push clients', () => {
  it('drops slow HTTP/1.1 and HTTP/2 push clients with an error row while a fast one keeps receiving', async () => {
    const base = await start({ maxBufferedBytes: 1024 * 1024 });
    const server = servers[servers.length - 1]!;
    const sql = 'SELECT id, payload FROM big EMIT CHANGES;';
    const fast = await openPush(base, sql);
    const slow1 = await openPush(base, sql);
    slow1.res.pause();
    const session = h2connect(base);
    try {
      const slow2 = h2post(session, '/query-stream', { sql });
      expect(await slow2.status).toBe(200);
      slow2.stream.pause();
      await until('three push queries', () => server.guards.pushSlots.active === 3);
      const rssBefore = process.memoryUsage().rss;

      const payload = 'p'.repeat(4 * 1024);
      const append = async (from: number, count: number) => {
        const records = Array.from({ length: count }, (_, i) => ({ key: Buffer.from(String(from + i)), value: Buffer.from(JSON.stringify({ PAYLOAD: payload })) }));
        await engine.log.append('big', records);
      };
      // ~40 MB, far more than the kernel's socket buffers plus the 1 MiB bound, in small batches
      // the fast client (in this same process) reads between.
      for (let i = 0; i < 10_000; i += 50) {
        await append(i, 50);
        await new Promise((r) => setTimeout(r, 5));
      }
      await until('both slow clients to be dropped', () => server.guards.pushSlots.active === 1, 30_000);
      await until('the fast client to get every row', () => fast.lines.length >= 10_001, 30_000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);

      // The fast one keeps receiving.
      await append(10_000, 10);
      await until('the fast client to get the new rows', () => fast.lines.length >= 10_011);
      expect(JSON.parse(fast.lines[10_010]!)).toEqual(['10009', payload]);

      // The slow ones find ksqlDB's error row after the rows they did not read.
      slow1.res.resume();
      await until('the slow HTTP/1.1 response to end', () => slow1.res.complete, 10_000);
      const last1 = JSON.parse(slow1.lines[slow1.lines.length - 1]!);
      expect(last1).toMatchObject({ '@type': 'generic_error', error_code: 40900 });
      expect(last1.message).toContain('Slow consumer');
      expect(slow1.lines.length).toBeLessThan(10_001);
      slow2.stream.resume();
      await slow2.ended;
      const lines2 = slow2.text().trim().split('\n');
      expect(JSON.parse(lines2[lines2.length - 1]!).message).toContain('Slow consumer');
      fast.req.destroy();
    } finally {
      session.destroy();
    }
  }, 90_000);
});

describe('timeouts', () => {
  it('ends a pull query over sluice.query.pull.timeout.ms with an error row, and the server keeps answering', async () => {
    const base = await start({ pullTimeoutMs: 1 });
    for (let i = 0; i < 100_000; i += 10_000) {
      await engine.log.append('many', Array.from({ length: 10_000 }, (_, j) => ({ key: Buffer.from(String(i + j)), value: Buffer.from(`{"N":${i + j}}`) })));
    }
    const r = await post(base, '/query-stream', { sql: 'SELECT * FROM many;' });
    expect(r.status).toBe(200);
    const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ columnNames: ['ID', 'N'] });
    expect(lines.length).toBeLessThan(100_002);
    expect(lines[lines.length - 1]).toEqual({ '@type': 'generic_error', error_code: 40800, message: "Pull query timed out after 1 ms ('sluice.query.pull.timeout.ms'). Narrow it with a WHERE clause on the key or a LIMIT." });
    const q = await post(base, '/query', { ksql: 'SELECT * FROM many;' });
    const arr = q.json() as any[];
    expect(arr[arr.length - 1]).toMatchObject({ errorMessage: { error_code: 40800 } });
    expect((await get(base, '/info')).status).toBe(200);
  }, 60_000);

  it('closes a connection idle for ksql.idle.connection.timeout.seconds', async () => {
    const base = await start({ idleConnectionTimeoutMs: 300 });
    const url = new URL(base);
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const socket = netConnect({ host: url.hostname, port: Number(url.port) });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    expect(Date.now() - started).toBeLessThan(5000);
    // A busy connection is not idle: a request on a fresh one is answered.
    expect((await get(base, '/info')).status).toBe(200);
  });
});
