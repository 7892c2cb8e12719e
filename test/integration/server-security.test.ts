/**
 * Server security on real sockets (127.0.0.1, port 0): HTTP Basic authentication over HTTP/1.1,
 * h2c, h2 over TLS and WebSocket, on every route; the CLI's --user/--password and `sluice user
 * add`; https:// listeners with certificates made here by openssl (h2 by ALPN, client
 * certificates required / requested); CORS preflights and WebSocket Origin checks; start-up
 * errors; and pull queries forwarded between two servers on Kafka over TLS with the caller's
 * credentials.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer, type ServerOptions } from '../../src/server/server.js';
import { parseListeners } from '../../src/server/listeners.js';
import { formatEntry, hashPassword } from '../../src/server/password-file.js';
import { serverSecurity } from '../../src/server/security-config.js';
import { openKafkaLog, type KafkaLog } from '../../src/storage/log/kafka/index.js';
import { basic, call, makeCerts, type TestCerts } from './fixtures/security.js';

let dir: string;
let engine: Engine;
let certs: TestCerts;
let passwordFile: string;
const servers: SluiceServer[] = [];

const ALICE = basic('alice', 'wonderland'); // role admin
const BOB = basic('bob', 'builder'); // role user only
const CAROL = basic('carol', 'no roles'); // no role at all

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-security-'));
  certs = makeCerts(dir);
  passwordFile = join(dir, 'passwords');
  const lines = [
    formatEntry({ user: 'alice', hash: await hashPassword('wonderland'), roles: ['admin', 'user'] }),
    formatEntry({ user: 'bob', hash: await hashPassword('builder'), roles: ['user'] }),
    formatEntry({ user: 'carol', hash: await hashPassword('no roles'), roles: [] }),
  ];
  writeFileSync(passwordFile, `# test users\n${lines.join('\n')}\n`);
  engine = await Engine.open({ dataDir: join(dir, 'data') });
  await engine.execute(`CREATE STREAM clicks (id STRING KEY, n INT) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
    INSERT INTO clicks (id, n) VALUES ('a', 7);`);
});

afterAll(async () => {
  for (const s of servers) await s.close(500);
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A server on the shared engine, configured by ksqlDB keys as `sluice server` reads them. */
async function start(props: Record<string, string>, options: Partial<ServerOptions> = {}, on: Engine = engine): Promise<SluiceServer> {
  const listeners = parseListeners(props['listeners'] ?? 'http://127.0.0.1:0');
  const server = new SluiceServer(on, { listeners, security: serverSecurity(props, listeners), closeGraceMs: 500, ...options });
  await server.listen();
  servers.push(server);
  return server;
}

const AUTH = () => ({ 'authentication.method': 'BASIC', 'authentication.realm': 'KsqlServer-Props', 'authentication.roles': 'admin', 'sluice.authentication.password.file': passwordFile });

function h2(url: string, o: { ca?: Buffer } = {}): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = h2connect(url, o.ca ? { ca: o.ca } : {});
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function h2call(s: ClientHttp2Session, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = s.request({ ':method': body === undefined ? 'GET' : 'POST', ':path': path, 'content-type': 'application/json', ...headers });
    let text = '';
    let status = 0;
    let hs: Record<string, unknown> = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      hs = h;
    });
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve({ status, text, headers: hs }));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Opens a WebSocket push query; resolves with its first frame (the schema), or the HTTP status of a refused upgrade. */
function wsQuery(base: string, sql: string, o: { headers?: Record<string, string>; origin?: string; ca?: Buffer } = {}): Promise<{ status: number; first?: unknown }> {
  const url = `${base.replace(/^http/, 'ws')}/ws/query?request=${encodeURIComponent(JSON.stringify({ ksql: sql, streamsProperties: {} }))}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: o.headers ?? {}, ...(o.origin ? { origin: o.origin } : {}), ...(o.ca ? { ca: o.ca } : {}) });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    // The first frame is the query's schema: the query runs.
    ws.on('message', (m: Buffer) => {
      resolve({ status: 101, first: JSON.parse(m.toString()) as unknown });
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('HTTP Basic authentication', () => {
  let server: SluiceServer;
  beforeAll(async () => {
    server = await start({ ...AUTH(), 'authentication.skip.paths': '/public/*' });
  });

  it('refuses every route without credentials with 401, the Basic challenge and ksqlDB error body, including unknown paths', async () => {
    const routes: [string, string, unknown?][] = [
      ['POST', '/ksql', { ksql: 'SHOW STREAMS;' }],
      ['POST', '/query', { ksql: 'SELECT * FROM clicks EMIT CHANGES;' }],
      ['POST', '/query-stream', { sql: 'SELECT * FROM clicks EMIT CHANGES;' }],
      ['POST', '/inserts-stream', '{"target":"clicks"}\n{"id":"x","n":1}\n'],
      ['POST', '/close-query', { queryId: 'x' }],
      ['GET', '/info'],
      ['GET', '/status'],
      ['GET', '/schema-registry/subjects'],
      ['GET', '/'], // a web console added at / later is covered by construction
      ['GET', '/no/such/route'],
    ];
    for (const [method, path, body] of routes) {
      const r = await call(server.url + path, { method, body });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="KsqlServer-Props"');
      expect(JSON.parse(r.text)).toEqual({ '@type': 'generic_error', error_code: 40100, message: 'Unauthorized' });
    }
    // Nothing ran: the refused insert wrote no row.
    const rows: unknown[][] = [];
    const q = await engine.executeQuery(`SELECT * FROM clicks WHERE id = 'x';`, { onRow: (r) => rows.push([...r]), onEnd: () => undefined, onError: () => undefined });
    await q.done;
    expect(rows).toEqual([]);
  });

  it('answers 401 to a wrong password, an unknown user or another scheme, 400 to a malformed header, 403 to a user without an allowed role', async () => {
    expect((await call(`${server.url}/info`, { headers: basic('alice', 'nope') })).status).toBe(401);
    expect((await call(`${server.url}/info`, { headers: basic('mallory', 'wonderland') })).status).toBe(401);
    expect((await call(`${server.url}/info`, { headers: { authorization: 'Bearer abc' } })).status).toBe(401);
    const malformed = await call(`${server.url}/info`, { headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ error_code: 40000, message: 'Malformed authorization header' });
    const bob = await call(`${server.url}/ksql`, { headers: BOB, body: { ksql: 'SHOW STREAMS;' } });
    expect(bob.status).toBe(403);
    expect(JSON.parse(bob.text)).toEqual({ '@type': 'generic_error', error_code: 40300, message: 'Forbidden' });
  });

  it('serves a user with an allowed role on REST routes and the schema registry', async () => {
    const info = await call(`${server.url}/info`, { headers: ALICE });
    expect(info.status).toBe(200);
    expect(JSON.parse(info.text)).toHaveProperty('KsqlServerInfo');
    const ksql = await call(`${server.url}/ksql`, { headers: ALICE, body: { ksql: 'SHOW STREAMS;' } });
    expect(ksql.status).toBe(200);
    expect(ksql.text).toContain('CLICKS');
    const ins = await call(`${server.url}/inserts-stream`, { headers: ALICE, body: '{"target":"clicks"}\n{"id":"b","n":8}\n' });
    expect(ins.status).toBe(200);
    expect(ins.text).toContain('"status":"ok"');
    expect((await call(`${server.url}/schema-registry/subjects`, { headers: ALICE })).status).toBe(200);
  });

  it("leaves open only ksqlDB's open paths and authentication.skip.paths", async () => {
    const health = await call(`${server.url}/healthcheck`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ isHealthy: true });
    expect((await call(`${server.url}/v1/metadata`)).status).toBe(404); // open, but not served
    expect((await call(`${server.url}/public/thing`)).status).toBe(404); // skipped by the pattern
    expect((await call(`${server.url}/publicity`)).status).toBe(401);
  });

  it('applies to HTTP/2 (h2c) requests', async () => {
    const s = await h2(server.url);
    try {
      const none = await h2call(s, '/info', {});
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Basic realm="KsqlServer-Props"');
      expect((await h2call(s, '/query-stream', BOB, { sql: `SELECT * FROM clicks WHERE id = 'a';` })).status).toBe(403);
      const ok = await h2call(s, '/query-stream', ALICE, { sql: `SELECT * FROM clicks WHERE id = 'a';` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('["a",7]');
    } finally {
      s.close();
    }
  });

  it('applies to WebSocket upgrades', async () => {
    const sql = 'SELECT id, n FROM clicks EMIT CHANGES;';
    expect((await wsQuery(server.url, sql)).status).toBe(401);
    expect((await wsQuery(server.url, sql, { headers: basic('alice', 'nope') })).status).toBe(401);
    expect((await wsQuery(server.url, sql, { headers: BOB })).status).toBe(403);
    const ok = await wsQuery(server.url, sql, { headers: ALICE });
    expect(ok.status).toBe(101);
    expect(ok.first).toEqual([{ name: 'ID', schema: { type: 'STRING', fields: null, memberSchema: null } }, { name: 'N', schema: { type: 'INTEGER', fields: null, memberSchema: null } }]);
  });

  it("admits any user with a role under the default '*', and every authenticated user under '**'", async () => {
    const star = await start({ ...AUTH(), 'authentication.roles': '*' });
    expect((await call(`${star.url}/info`, { headers: BOB })).status).toBe(200);
    expect((await call(`${star.url}/info`, { headers: CAROL })).status).toBe(403);
    const any = await start({ ...AUTH(), 'authentication.roles': '**' });
    expect((await call(`${any.url}/info`, { headers: CAROL })).status).toBe(200);
  });
});

/** The built CLI in a child process (asynchronously: the servers it talks to run in this process). */
function sluice(args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/sluice.js', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('the command line', () => {
  const cli = sluice;

  it('sluice cli sends --user/--password, reads the password from stdin when it is omitted, and reports a refusal', async () => {
    const server = await start(AUTH());
    const ok = await cli(['cli', '--server', server.url, '-u', 'alice', '-p', 'wonderland', '-e', 'SHOW STREAMS;']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('CLICKS');
    const fromStdin = await cli(['cli', '--server', server.url, '--user', 'alice', '-e', 'SHOW STREAMS;'], 'wonderland\n');
    expect(fromStdin.status, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toContain('CLICKS');
    const wrong = await cli(['cli', '--server', server.url, '-u', 'alice', '-p', 'nope', '-e', 'SHOW STREAMS;']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr + wrong.stdout).toContain('Unauthorized');
    const interactive = await cli(['cli', '--server', server.url, '-u', 'bob', '-p', 'builder', '--history', '']);
    expect(interactive.status).toBe(1);
    expect(interactive.stderr).toContain('Forbidden');
  });

  it('sluice user add writes a scrypt hash that a running server accepts, without a restart', async () => {
    const file = join(dir, 'added-passwords');
    const first = await cli(['user', 'add', '--file', file, '--role', 'admin', 'dave'], 'first password\n');
    expect(first.status, first.stderr).toBe(0);
    const server = await start({ ...AUTH(), 'sluice.authentication.password.file': file });
    expect((await call(`${server.url}/info`, { headers: basic('dave', 'first password') })).status).toBe(200);
    expect((await call(`${server.url}/info`, { headers: basic('erin', 'second') })).status).toBe(401);
    const second = await cli(['user', 'add', '--file', file, '--role', 'admin', 'erin'], 'second\n');
    expect(second.status, second.stderr).toBe(0);
    expect((await cli(['user', 'add', '--file', file, 'dave'], 'changed\n')).status).toBe(0); // keeps its role
    // The server re-reads the file when it changes (checked at most once a second).
    const deadline = Date.now() + 5000;
    while ((await call(`${server.url}/info`, { headers: basic('erin', 'second') })).status !== 200) {
      if (Date.now() > deadline) throw new Error('the added user was not accepted within 5 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await call(`${server.url}/info`, { headers: basic('dave', 'first password') })).status).toBe(401);
    expect((await call(`${server.url}/info`, { headers: basic('dave', 'changed') })).status).toBe(200);
  });

  it('refuses plain-text, MD5 and CRYPT entries and an https:// listener without a key store at start-up', async () => {
    const weak = join(dir, 'weak-passwords');
    for (const [entry, what] of [['harry: changeme,admin', 'a plain-text password'], ['tom: MD5:164c88b302622e17050af52c89945d44,user', 'a MD5 password'], ['dick: CRYPT:adpexzg3FUZAk,admin', 'a CRYPT password']] as const) {
      writeFileSync(weak, `# ksqlDB's example\n${entry}\n`);
      expect(() => serverSecurity({ ...AUTH(), 'sluice.authentication.password.file': weak })).toThrow(`line 2: user '${entry.split(':')[0]}' has ${what}; only SCRYPT hashes are accepted`);
    }
    const conf = join(dir, 'https-no-keystore.properties');
    writeFileSync(conf, 'listeners=https://127.0.0.1:0\n');
    const r = await cli(['server', '--config', conf, '--data-dir', join(dir, 'unused')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Cannot start the server: listeners: https://127.0.0.1:0 needs a key store: set ssl.keystore.location');
  });
});

describe('TLS listeners', () => {
  const tlsProps = () => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverKeystore, 'ssl.truststore.location': certs.caFile });

  it('serve HTTPS, h2 over TLS (ALPN) and wss on an https:// listener, while an http:// listener stays plain', async () => {
    const server = await start({ ...tlsProps(), ...AUTH(), listeners: 'https://127.0.0.1:0,http://127.0.0.1:0' });
    const [https, http] = server.urls;
    expect(https).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await call(`${https}/info`, { ca: certs.ca, headers: ALICE });
    expect(r.status).toBe(200);
    expect((await call(`${https}/info`, { ca: certs.ca })).status).toBe(401);
    // Not served as plain HTTP, and not trusted without the CA.
    await expect(call(`${https!.replace('https', 'http')}/info`, { headers: ALICE })).rejects.toThrow();
    await expect(call(`${https}/info`, { headers: ALICE })).rejects.toThrow(/self[- ]signed|unable to get local issuer/i);
    expect((await call(`${http}/info`, { headers: ALICE })).status).toBe(200);
    const s = await h2(https!, { ca: certs.ca });
    try {
      expect(s.alpnProtocol).toBe('h2');
      expect((await h2call(s, '/info', {})).status).toBe(401);
      const q = await h2call(s, '/query-stream', ALICE, { sql: `SELECT * FROM clicks WHERE id = 'a';` });
      expect(q.status).toBe(200);
      expect(q.text).toContain('["a",7]');
    } finally {
      s.close();
    }
    const ws = await wsQuery(https!, 'SELECT id, n FROM clicks EMIT CHANGES;', { headers: ALICE, ca: certs.ca });
    expect(ws.status).toBe(101);
  });

  it('require a client certificate of the trust store with ssl.client.authentication=REQUIRED', async () => {
    const server = await start({ ...tlsProps(), 'ssl.client.authentication': 'REQUIRED', listeners: 'https://127.0.0.1:0' });
    const ok = await call(`${server.url}/info`, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    expect(ok.status).toBe(200);
    await expect(call(`${server.url}/info`, { ca: certs.ca })).rejects.toThrow();
    await expect(call(`${server.url}/info`, { ca: certs.ca, cert: certs.rogueCert, key: certs.rogueKey })).rejects.toThrow();
  });

  it('accept no certificate but refuse a bad one with ssl.client.authentication=REQUESTED', async () => {
    const server = await start({ ...tlsProps(), 'ssl.client.authentication': 'REQUESTED', listeners: 'https://127.0.0.1:0' });
    expect((await call(`${server.url}/info`, { ca: certs.ca })).status).toBe(200);
    expect((await call(`${server.url}/info`, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey })).status).toBe(200);
    await expect(call(`${server.url}/info`, { ca: certs.ca, cert: certs.rogueCert, key: certs.rogueKey })).rejects.toThrow();
  });

  it('the CLI reaches an https:// server with --ca', async () => {
    const server = await start({ ...tlsProps(), ...AUTH(), listeners: 'https://127.0.0.1:0' });
    const run = (args: string[]) => sluice(['cli', '--server', server.url, '-u', 'alice', '-p', 'wonderland', '-e', 'SHOW STREAMS;', ...args]);
    const ok = await run(['--ca', certs.caFile]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('CLICKS');
    const untrusted = await run([]);
    expect(untrusted.status).toBe(1);
    expect(untrusted.stderr + untrusted.stdout).toMatch(/self[- ]signed|local issuer/i);
  });
});

describe('CORS', () => {
  const CORS = { 'access.control.allow.origin': 'https://console.example.com,https://*.trusted.example' };

  it('answers preflights before authentication and marks allowed cross-origin responses', async () => {
    const server = await start({ ...AUTH(), ...CORS });
    const pre = await call(`${server.url}/query-stream`, { method: 'OPTIONS', headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://console.example.com');
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST,HEAD');
    expect(pre.headers['access-control-allow-headers']).toBe('X-Requested-With,Content-Type,Accept,Origin');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    const wild = await call(`${server.url}/ksql`, { method: 'OPTIONS', headers: { origin: 'https://a.trusted.example', 'access-control-request-method': 'POST' } });
    expect(wild.status).toBe(204);
    const evil = await call(`${server.url}/ksql`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.text)).toMatchObject({ error_code: 40300, message: 'CORS Rejected - Invalid origin' });
    const actual = await call(`${server.url}/info`, { headers: { ...ALICE, origin: 'https://console.example.com' } });
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe('https://console.example.com');
    const refused = await call(`${server.url}/info`, { headers: { ...ALICE, origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);
    // Same origin needs no CORS.
    expect((await call(`${server.url}/info`, { headers: { ...ALICE, origin: server.url } })).status).toBe(200);
  });

  it('takes access.control.allow.methods and .headers', async () => {
    const server = await start({ ...CORS, 'access.control.allow.methods': 'GET,POST,DELETE', 'access.control.allow.headers': 'Authorization,Content-Type' });
    const pre = await call(`${server.url}/ksql`, { method: 'OPTIONS', headers: { origin: 'https://console.example.com', 'access-control-request-method': 'DELETE' } });
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST,DELETE');
    expect(pre.headers['access-control-allow-headers']).toBe('Authorization,Content-Type');
  });

  it('refuses WebSocket upgrades from origins not allowed (403); without CORS any origin is accepted, as before', async () => {
    const sql = 'SELECT id, n FROM clicks EMIT CHANGES;';
    const server = await start({ ...AUTH(), ...CORS });
    expect((await wsQuery(server.url, sql, { headers: ALICE, origin: 'https://evil.example' })).status).toBe(403);
    expect((await wsQuery(server.url, sql, { headers: ALICE, origin: 'https://console.example.com' })).status).toBe(101);
    expect((await wsQuery(server.url, sql, { headers: ALICE })).status).toBe(101); // no Origin: not a browser
    const open = await start({});
    expect((await wsQuery(open.url, sql, { origin: 'https://evil.example' })).status).toBe(101);
  });
});

// --------------------------------------------------------------------------------------------------

const BOOTSTRAP = process.env['KAFKA_BOOTSTRAP'] ?? '127.0.0.1:9092';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('pull queries forwarded between two servers on Kafka', () => {
  it('reach the owner over TLS with client certificates, authenticated with the caller’s credentials', async () => {
    const logs: KafkaLog[] = [];
    const engines: Engine[] = [];
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const p = `sluice-it-sec-${run}`;
    const serviceId = `it_secfwd_${run}_`;
    const urls: string[] = [];
    const props = { ...AUTH(), 'ssl.keystore.location': certs.serverKeystore, 'ssl.truststore.location': certs.caFile, 'ssl.client.authentication': 'REQUIRED' };
    try {
      const kafkaLog = async () => {
        const log = await openKafkaLog({ brokers: [BOOTSTRAP], clientId: 'sluice-it-security', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000 });
        logs.push(log);
        return log;
      };
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const url = `https://127.0.0.1:${port}`;
        const e = await Engine.open({ dataDir: join(dir, `fwd-${i}`), log: await kafkaLog(), advertisedUrl: url, properties: { 'auto.offset.reset': 'earliest', 'ksql.service.id': serviceId } });
        engines.push(e);
        if (i === 0) {
          await e.execute(`
            CREATE STREAM src (id INT KEY, v INT) WITH (kafka_topic='${p}-src', value_format='JSON', partitions=4);
            CREATE TABLE latest WITH (kafka_topic='${p}-latest') AS SELECT id, LATEST_BY_OFFSET(v) AS v FROM src GROUP BY id;`);
        }
        await start({ ...props, listeners: url }, {}, e);
        urls.push(url);
      }
      const producer = await kafkaLog();
      await producer.append(`${p}-src`, Array.from({ length: 20 }, (_, i) => {
        const key = Buffer.alloc(4);
        key.writeInt32BE(i);
        return { key, value: Buffer.from(JSON.stringify({ V: i * 10 })), timestamp: i };
      }));
      const local = async (e: Engine) => {
        const rows: unknown[][] = [];
        const q = await e.executeQuery('SELECT id FROM latest;', { onRow: (r) => rows.push([...r]), onEnd: () => undefined, onError: () => undefined });
        await q.done;
        return rows.map((r) => r[0] as number);
      };
      const deadline = Date.now() + 60_000;
      while ((await local(engines[0]!)).length + (await local(engines[1]!)).length < 20) {
        if (Date.now() > deadline) throw new Error('the table did not fill in 60 s');
        await new Promise((r) => setTimeout(r, 250));
      }
      const owned = await local(engines[0]!);
      expect(owned.length).toBeGreaterThan(0);
      expect(owned.length).toBeLessThan(20);
      const remoteId = [...Array(20).keys()].find((id) => !owned.includes(id))!;
      const query = (sql: string, headers: Record<string, string>) => call(`${urls[0]}/query`, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, headers, body: { ksql: sql, streamsProperties: {} } });
      const r = await query(`SELECT id, v FROM latest WHERE id = ${remoteId};`, ALICE);
      expect(r.status, r.text).toBe(200);
      const rows = (JSON.parse(r.text) as { row?: { columns: unknown[] } }[]).filter((x) => x.row).map((x) => x.row!.columns);
      expect(rows).toEqual([[remoteId, remoteId * 10]]);
      const all = await query('SELECT id FROM latest;', ALICE);
      expect((JSON.parse(all.text) as { row?: unknown }[]).filter((x) => x.row)).toHaveLength(20);
      expect((await query(`SELECT id, v FROM latest WHERE id = ${remoteId};`, BOB)).status).toBe(403);
    } finally {
      for (const s of servers.splice(-2)) await s.close(500);
      for (const e of engines) await e.close();
      for (const l of logs) await l.close();
    }
  }, 120_000);
});
