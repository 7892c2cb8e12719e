/**
 * PRINT against a real server (127.0.0.1, port 0) on a real embedded log: ksqlDB's format detection
 * (JSON, KAFKA_INT / BIGINT / DOUBLE / STRING keys, AVRO / PROTOBUF / JSON_SR values framed with the
 * embedded registry's ids, windowed keys, bytes no format reads), FROM BEGINNING, INTERVAL, LIMIT and
 * "latest", through /query (format lines and records), /query-stream (records only), WebSocket
 * (records as JSON strings) and the CLI; unknown topics; a WebSocket that sends no request.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import type { ProduceRecord } from '../../src/storage/log/log.js';
import { RestBackend } from '../../cli/backend.js';

const run = promisify(execFile);
const TS = 1588344313111; // 2020/05/01 14:45:13.111 Z
const ROWTIME = 'rowtime: 2020/05/01 14:45:13.111 Z';

let dir: string;
let engine: Engine;
let server: SluiceServer;

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const double = (d: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(d);
  return b;
};
/** Session-windowed key bytes: <key><end><start>. */
const session = (key: string, start: bigint, end: bigint) => Buffer.concat([Buffer.from(key), int64(end), int64(start)]);

async function raw(topic: string, records: { key: Buffer | null; value: Buffer | null }[]): Promise<void> {
  await engine.log.createTopic(topic, { partitions: 1 });
  await engine.log.append(topic, records.map((r): ProduceRecord => ({ ...r, timestamp: TS })));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-print-'));
  engine = await Engine.open({ dataDir: join(dir, 'data'), properties: { 'auto.offset.reset': 'earliest' } });
  server = new SluiceServer(engine, { port: 0, requestTimeoutMs: 300 });
  await server.listen();
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  await raw('k-int', [{ key: int32(24), value: json({ a: 1 }) }, { key: int32(-7), value: json({ a: 2 }) }]);
  await raw('k-bigint', [{ key: int64(199n), value: json({ a: 1 }) }]);
  await raw('k-double', [{ key: double(24.199), value: json({ a: 1 }) }]);
  await raw('k-string', [{ key: Buffer.from('κόσμε'), value: Buffer.from('plain text') }]);
  await raw('k-session', [{ key: session('abc', 1000n, 2000n), value: json([10, 22]) }]);
  await raw('undetectable', [{ key: null, value: Buffer.from([0xff, 0xfe, 0x5c, 0x41, 0x00]) }]);
  await raw('numbers', [0, 1, 2, 3, 4].map((i) => ({ key: Buffer.from(String(i + 18)), value: json({ n: i }) })));
  await engine.execute(`
    CREATE STREAM av (id INT KEY, name STRING, amount DOUBLE) WITH (kafka_topic='av', key_format='KAFKA', value_format='AVRO', partitions=1);
    CREATE STREAM pb (id INT KEY, name STRING, amount DOUBLE) WITH (kafka_topic='pb', key_format='KAFKA', value_format='PROTOBUF', partitions=1);
    CREATE STREAM js (id INT KEY, name STRING, amount DOUBLE) WITH (kafka_topic='js', key_format='KAFKA', value_format='JSON_SR', partitions=1);
    INSERT INTO av (id, name, amount) VALUES (1, 'alice', 10.5);
    INSERT INTO pb (id, name, amount) VALUES (1, 'alice', 10.5);
    INSERT INTO js (id, name, amount) VALUES (1, 'alice', 10.5);
    CREATE STREAM clicks (user STRING KEY, page STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
    INSERT INTO clicks (user, page) VALUES ('alice', '/home');
    CREATE TABLE per_minute AS SELECT user, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY user;
  `);
  // The windowed table's topic has its row.
  const deadline = Date.now() + 10_000;
  while ((await engine.log.endOffsets('PER_MINUTE'))[0] === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  contentType: string;
  text: string;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const printQuery = (sql: string) => post('/query', { ksql: sql, streamsProperties: {} });
/** The non-empty lines of a /query PRINT response. */
const lines = (r: Reply) => r.text.split('\n').filter((l) => l !== '');

describe('PRINT over /query', () => {
  it('guesses KAFKA_INT keys and JSON values, FROM BEGINNING, and ends at LIMIT', async () => {
    const r = await printQuery("PRINT 'k-int' FROM BEGINNING LIMIT 2;");
    expect(r.status).toBe(200);
    expect(r.contentType).toContain('text/plain');
    expect(lines(r)).toEqual([
      // -7 (ff ff ff f9) is no UTF-8 text: KAFKA_STRING is ruled out.
      'Key format: KAFKA_INT',
      'Value format: JSON or KAFKA_STRING',
      `${ROWTIME}, key: 24, value: {"a":1}, partition: 0`,
      `${ROWTIME}, key: -7, value: {"a":2}, partition: 0`,
    ]);
  });

  it('KAFKA_BIGINT, KAFKA_DOUBLE (read as the BIGINT of its bytes, as ksqlDB does) and KAFKA_STRING keys', async () => {
    expect(lines(await printQuery('PRINT `k-bigint` FROM BEGINNING LIMIT 1;'))).toEqual([
      'Key format: KAFKA_BIGINT or KAFKA_DOUBLE',
      'Value format: JSON or KAFKA_STRING',
      `${ROWTIME}, key: 199, value: {"a":1}, partition: 0`,
    ]);
    const d = lines(await printQuery("PRINT 'k-double' FROM BEGINNING LIMIT 1;"));
    expect(d[0]).toBe('Key format: KAFKA_BIGINT or KAFKA_DOUBLE');
    expect(d[2]).toBe(`${ROWTIME}, key: ${double(24.199).readBigInt64BE(0)}, value: {"a":1}, partition: 0`);
    expect(lines(await printQuery("PRINT 'k-string' FROM BEGINNING LIMIT 1;"))).toEqual([
      'Key format: KAFKA_STRING',
      'Value format: KAFKA_STRING',
      `${ROWTIME}, key: κόσμε, value: plain text, partition: 0`,
    ]);
  });

  it('AVRO, PROTOBUF and JSON_SR values framed with registry ids', async () => {
    const value = (topic: string) => printQuery(`PRINT '${topic}' FROM BEGINNING LIMIT 1;`).then(lines);
    const av = await value('av');
    expect(av[1]).toMatch(/^Value format: AVRO\b/);
    expect(av[2]).toMatch(/^rowtime: \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3} Z, key: 1, value: \{"NAME": "alice", "AMOUNT": 10\.5\}, partition: 0$/);
    const pb = await value('pb');
    expect(pb[1]).toMatch(/^Value format: PROTOBUF\b/);
    expect(pb[2]).toMatch(/, key: 1, value: NAME: "alice" AMOUNT: 10\.5, partition: 0$/);
    const js = await value('js');
    expect(js[1]).toMatch(/^Value format: JSON_SR\b/);
    expect(js[2]).toMatch(/, key: 1, value: \{"NAME":"alice","AMOUNT":10\.5\}, partition: 0$/);
  });

  it('windowed keys: a TUMBLING table and a SESSION key', async () => {
    const t = lines(await printQuery("PRINT 'PER_MINUTE' FROM BEGINNING LIMIT 1;"));
    expect(t[0]).toBe('Key format: HOPPING(KAFKA_STRING) or TUMBLING(KAFKA_STRING)');
    expect(t[2]).toMatch(/, key: \[alice@\d+\/-\], value: \{"N":1\}, partition: 0$/);
    expect(lines(await printQuery("PRINT 'k-session' FROM BEGINNING LIMIT 1;"))).toEqual([
      'Key format: SESSION(KAFKA_STRING)',
      'Value format: JSON or KAFKA_STRING',
      `${ROWTIME}, key: [abc@1000/2000], value: [10,22], partition: 0`,
    ]);
  });

  it('bytes no format reads, and null keys', async () => {
    expect(lines(await printQuery("PRINT 'undetectable' FROM BEGINNING LIMIT 1;"))).toEqual([
      'Key format: ¯\\_(ツ)_/¯ - no data processed',
      'Value format:  does not match any supported format. It may be a STRING with encoding other than UTF8, or some other format.',
      `${ROWTIME}, key: <null>, value: \\xFF\\xFE\\x5CA\\x00, partition: 0`,
    ]);
  });

  it('INTERVAL prints every n-th record', async () => {
    const r = lines(await printQuery("PRINT 'numbers' FROM BEGINNING INTERVAL 2 LIMIT 3;"));
    expect(r.slice(2).map((l) => /key: (\d+)/.exec(l)?.[1])).toEqual(['18', '20', '22']);
    expect(r[0]).toBe('Key format: JSON or KAFKA_STRING');
  });

  it('without FROM BEGINNING starts at the latest records', async () => {
    const { engine: e } = { engine };
    await e.execute("CREATE STREAM live (k STRING KEY, v INT) WITH (kafka_topic='live', value_format='JSON', partitions=1); INSERT INTO live (k, v) VALUES ('old', 1);");
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${server.url}/query`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
        // The response has started: PRINT's positions are fixed. Only what comes next is printed.
        void e.execute("INSERT INTO live (k, v) VALUES ('new', 2);");
      });
      req.on('error', reject);
      req.end(JSON.stringify({ ksql: "PRINT 'live' LIMIT 1;", streamsProperties: { 'auto.offset.reset': 'latest' } }));
    });
    const recs = text.split('\n').filter((l) => l.startsWith('rowtime'));
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatch(/key: new, value: \{"V":2\}/);
  });

  it('an unknown topic: 400 naming the topics that differ only in case; /ksql refers PRINT to /query', async () => {
    const r = await printQuery("PRINT 'K-INT';");
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({
      '@type': 'generic_error',
      error_code: 40000,
      message: "Could not find topic 'K-INT', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.\nDid you mean:\n\tprint k-int;",
    });
    const k = await post('/ksql', { ksql: "PRINT 'k-int';" });
    expect(k.status).toBe(400);
    expect(JSON.parse(k.text)).toMatchObject({ error_code: 40002 });
  });
});

describe('PRINT over /query-stream', () => {
  it('records only, one per line; 406 when JSON is asked for; 40001 for an unknown topic', async () => {
    const r = await post('/query-stream', { sql: "PRINT 'k-int' FROM BEGINNING LIMIT 2;" });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/vnd.ksqlapi.delimited.v1');
    expect(r.text).toBe(`${ROWTIME}, key: 24, value: {"a":1}, partition: 0\n${ROWTIME}, key: -7, value: {"a":2}, partition: 0\n`);
    const j = await post('/query-stream', { sql: "PRINT 'k-int' FROM BEGINNING LIMIT 2;" }, { accept: 'application/json' });
    expect(j.status).toBe(406);
    const u = await post('/query-stream', { sql: 'PRINT nope;' });
    expect(u.status).toBe(400);
    expect(JSON.parse(u.text)).toMatchObject({ error_code: 40001, message: 'Topic does not exist: nope' });
  });
});

describe('PRINT over WebSocket', () => {
  const wsUrl = (sql?: string) => `${server.url.replace('http', 'ws')}/ws/query${sql === undefined ? '' : `?request=${encodeURIComponent(JSON.stringify({ ksql: sql }))}`}`;
  const collect = (ws: WebSocket) =>
    new Promise<{ frames: string[]; code: number; reason: string }>((resolve) => {
      const frames: string[] = [];
      ws.on('message', (d) => frames.push(d.toString()));
      ws.on('close', (code, reason) => resolve({ frames, code, reason: reason.toString() }));
    });

  it('records as JSON strings, closed with 1000 at LIMIT', async () => {
    const r = await collect(new WebSocket(wsUrl("PRINT 'k-session' FROM BEGINNING LIMIT 1;")));
    expect(r.frames.map((f) => JSON.parse(f) as unknown)).toEqual([`${ROWTIME}, key: [abc@1000/2000], value: [10,22], partition: 0`]);
    expect(r.code).toBe(1000);
  });

  it('the request as the first message works too; an unknown topic is an error frame and close 1003', async () => {
    const ws = new WebSocket(wsUrl());
    ws.on('open', () => ws.send(JSON.stringify({ ksql: "PRINT 'numbers' FROM BEGINNING LIMIT 2;" })));
    expect((await collect(ws)).frames).toHaveLength(2);
    const bad = await collect(new WebSocket(wsUrl('PRINT nope;')));
    expect(bad.code).toBe(1003);
    expect(bad.reason).toBe('Topic does not exist, or KSQL does not have permission to list the topic: nope');
    expect(JSON.parse(bad.frames[0]!)).toMatchObject({ error_code: 40000 });
  });

  it('a connection that sends no request, or an invalid one, is told so and closed', async () => {
    const started = Date.now();
    const silent = await collect(new WebSocket(wsUrl()));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(silent.code).toBe(1003);
    expect(JSON.parse(silent.frames[0]!)).toMatchObject({ '@type': 'generic_error', error_code: 40000, message: expect.stringContaining('No request received') });
    const ws = new WebSocket(wsUrl());
    ws.on('open', () => ws.send('not json'));
    const invalid = await collect(ws);
    expect(invalid.code).toBe(1003);
    expect(JSON.parse(invalid.frames[0]!)).toMatchObject({ error_code: 40000, message: expect.stringContaining('Invalid request') });
  });
});

describe('PRINT in the CLI', () => {
  it('prints the format lines and records, then "Topic printing ceased"', async () => {
    const { stdout, stderr } = await run(process.execPath, ['dist/cli/sluice.js', 'cli', '--server', server.url, '--history', '', '-e', "PRINT 'k-int' FROM BEGINNING LIMIT 2;"], { encoding: 'utf8' });
    expect(stdout).toBe(
      ['Key format: KAFKA_INT', 'Value format: JSON or KAFKA_STRING', `${ROWTIME}, key: 24, value: {"a":1}, partition: 0`, `${ROWTIME}, key: -7, value: {"a":2}, partition: 0`, 'Topic printing ceased', ''].join('\n'),
    );
    // Not a terminal: no "Press CTRL-C to interrupt".
    expect(stderr).toBe('');
    let err: { code?: number; stderr?: string } = {};
    try {
      await run(process.execPath, ['dist/cli/sluice.js', 'cli', '--server', server.url, '--history', '', '-e', 'PRINT nope;'], { encoding: 'utf8' });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe(1);
    expect(err.stderr).toContain("Could not find topic 'nope'");
  });

  it('completion names come from the server: streams, tables, columns, functions', async () => {
    const names = await new RestBackend(server.url).names();
    expect(names.sources).toEqual(expect.arrayContaining(['AV', 'CLICKS', 'PER_MINUTE']));
    expect(names.columns).toEqual(expect.arrayContaining(['NAME', 'AMOUNT', 'PAGE']));
    expect(names.functions).toEqual(expect.arrayContaining(['SUBSTRING', 'EXPLODE']));
  });
});
