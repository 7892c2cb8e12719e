/**
 * /metrics scraped as Prometheus text from a real server after data flowed (per-query records
 * in/out, errors, lag, batch durations; HTTP latency by route template; pull latency; push
 * queries; event-loop lag), /healthcheck healthy and then unhealthy once a part is really down
 * (the engine's embedded log closed, a Kafka log closed, the engine closed), and the
 * KSQL_PROCESSING_LOG stream ksqlDB creates with ksql.logging.processing.stream.auto.create.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import { openEmbeddedLog } from '../../src/storage/log/embedded/index.js';
import { openKafkaLog } from '../../src/storage/log/kafka/index.js';
import { commandTopicName } from '../../src/engine/command-log.js';

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-metrics-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(engine: Engine): Promise<{ server: SluiceServer; base: string }> {
  const server = new SluiceServer(engine, { port: 0, healthCheckIntervalMs: 0 });
  await server.listen();
  cleanups.push(() => server.close());
  return { server, base: server.url };
}

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly contentType: string;
}

function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data, contentType: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** One sample's value from Prometheus text, e.g. sample(text, 'x_total', { query_id: 'Q' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /metrics', () => {
  let engine: Engine;
  let base: string;

  beforeAll(async () => {
    engine = await Engine.open({ dataDir: tempDir(), properties: { 'auto.offset.reset': 'earliest' } });
    cleanups.push(() => engine.close());
    ({ base } = await serve(engine));
  });

  it('exposes per-query counters, lag and batch durations that change as data flows, HTTP and pull latency, push queries and event-loop lag', async () => {
    const created = await call(base, 'POST', '/ksql', {
      ksql: `CREATE STREAM src (id STRING KEY, n INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);
             CREATE STREAM doubled AS SELECT id, n * 2 AS n2 FROM src;`,
    });
    expect(created.status).toBe(200);
    const before = await call(base, 'GET', '/metrics');
    expect(before.status).toBe(200);
    expect(before.contentType).toContain('text/plain');
    expect(sample(before.text, 'sluice_query_records_in_total', { query_id: 'CSAS_DOUBLED_0' })).toBe(0);

    const rows = Array.from({ length: 10 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify({ N: i })) }));
    await engine.log.append('src', [...rows, { key: Buffer.from('bad'), value: Buffer.from('not json') }]);
    const text = await until('the query to consume every record', async () => {
      const t = (await call(base, 'GET', '/metrics')).text;
      return sample(t, 'sluice_query_records_in_total', { query_id: 'CSAS_DOUBLED_0' }) === 11 ? t : undefined;
    });
    expect(sample(text, 'sluice_query_records_out_total', { query_id: 'CSAS_DOUBLED_0' })).toBe(10);
    expect(sample(text, 'sluice_query_errors_total', { query_id: 'CSAS_DOUBLED_0' })).toBe(1);
    expect(sample(text, 'sluice_processing_log_entries_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sluice_query_consumer_lag', { query_id: 'CSAS_DOUBLED_0' })).toBe(0);
    const batches = sample(text, 'sluice_query_batch_duration_seconds_count', { query_id: 'CSAS_DOUBLED_0' })!;
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sluice_query_batch_duration_seconds_bucket', { query_id: 'CSAS_DOUBLED_0', le: '+Inf' })).toBe(batches);
    expect(sample(text, 'sluice_query_batch_duration_seconds_sum', { query_id: 'CSAS_DOUBLED_0' })).toBeGreaterThan(0);

    // HTTP latency by route template: /status/<id> paths are one label, not one per command.
    await call(base, 'GET', '/status/stream/DOUBLED/create');
    await call(base, 'GET', '/status/stream/SRC/create');
    const pull = await call(base, 'POST', '/query-stream', { sql: 'SELECT * FROM src;' });
    expect(pull.status).toBe(200);
    const after = (await call(base, 'GET', '/metrics')).text;
    expect(sample(after, 'sluice_http_request_duration_seconds_count', { method: 'POST', endpoint: '/ksql', status: '200' })).toBe(1);
    expect(sample(after, 'sluice_http_request_duration_seconds_count', { method: 'GET', endpoint: '/status/{type}/{entity}/{action}', status: '200' })).toBe(2);
    expect(after).not.toContain('endpoint="/status/stream/SRC/create"');
    expect(sample(after, 'sluice_pull_query_duration_seconds_count', { source_type: 'STREAM' })).toBe(1);
    expect(sample(after, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

    // Push queries running: a gauge read when scraped.
    const push = request(new URL('/query-stream', base), { method: 'POST', headers: { 'content-type': 'application/json' } });
    const opened = new Promise<void>((r) => push.on('response', () => r()));
    push.on('error', () => undefined);
    push.end(JSON.stringify({ sql: 'SELECT * FROM doubled EMIT CHANGES;' }));
    await opened;
    expect(sample((await call(base, 'GET', '/metrics')).text, 'sluice_push_queries')).toBe(1);
    push.destroy();
    await until('the push query to end', async () => (sample((await call(base, 'GET', '/metrics')).text, 'sluice_push_queries') === 0 ? true : undefined));
  });
});

describe('GET /healthcheck', () => {
  it('is healthy while every part answers, and 503 with the failed part once the log is closed, then the engine', async () => {
    const dir = tempDir();
    const log = await openEmbeddedLog(join(dir, 'log'));
    const engine = await Engine.open({ dataDir: dir, log });
    cleanups.push(() => engine.close());
    const { base } = await serve(engine);

    const ok = await call(base, 'GET', '/healthcheck');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ isHealthy: true, details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } }, serverState: 'READY' });

    await log.close();
    const logDown = await call(base, 'GET', '/healthcheck');
    expect(logDown.status).toBe(503);
    expect(JSON.parse(logDown.text)).toMatchObject({ isHealthy: false, details: { metastore: { isHealthy: true }, kafka: { isHealthy: false }, commandRunner: { isHealthy: true } } });

    await engine.close();
    const engineDown = await call(base, 'GET', '/healthcheck');
    expect(engineDown.status).toBe(503);
    expect(JSON.parse(engineDown.text)).toMatchObject({ isHealthy: false, details: { metastore: { isHealthy: false }, kafka: { isHealthy: false }, commandRunner: { isHealthy: false } } });
    // The server itself still answers.
    expect((await call(base, 'GET', '/info')).status).toBe(200);
  });

  it('probes the Kafka log: unhealthy once the engine loses it', async () => {
    const bootstrap = process.env['KAFKA_BOOTSTRAP'] ?? '127.0.0.1:9092';
    const i = bootstrap.lastIndexOf(':');
    const answers = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: bootstrap.slice(0, i), port: Number(bootstrap.slice(i + 1)) });
      s.setTimeout(2000, () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(false));
      s.on('connect', () => (s.destroy(), resolve(true)));
    });
    if (!answers) throw new Error(`No Kafka broker answers at ${bootstrap}. Run \`npm run kafka:start\` first (or set KAFKA_BOOTSTRAP).`);
    const serviceId = `sluice-it-health-${Date.now().toString(36)}_`;
    const log = await openKafkaLog({ brokers: [bootstrap], clientId: 'sluice-it-health' });
    const engine = await Engine.open({ dataDir: tempDir(), log, properties: { 'ksql.service.id': serviceId } });
    cleanups.push(async () => {
      await engine.close();
      const admin = await openKafkaLog({ brokers: [bootstrap], clientId: 'sluice-it-health-cleanup' });
      await admin.deleteTopic(commandTopicName(serviceId)).catch(() => undefined);
      await admin.close();
    });
    const { base } = await serve(engine);
    const ok = await call(base, 'GET', '/healthcheck');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).details.kafka).toEqual({ isHealthy: true });

    await log.close();
    const down = await call(base, 'GET', '/healthcheck');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({ isHealthy: false, details: { kafka: { isHealthy: false }, metastore: { isHealthy: true } } });
  }, 60_000);
});

describe('ksql.logging.processing.stream.auto.create', () => {
  it("creates KSQL_PROCESSING_LOG over the processing-log topic, whose records have ksqlDB's schema, once", async () => {
    const dir = tempDir();
    const properties = { 'ksql.logging.processing.stream.auto.create': 'true', 'ksql.service.id': 'plog_', 'auto.offset.reset': 'earliest' };
    let engine = await Engine.open({ dataDir: dir, properties });
    try {
      const source = engine.metastore.getSource('KSQL_PROCESSING_LOG');
      expect(source?.topic).toBe('plog_ksql_processing_log');
      await engine.execute(`CREATE STREAM src (id STRING KEY, n INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);
                            CREATE STREAM copy AS SELECT id, n FROM src;`);
      await engine.log.append('src', [{ key: Buffer.from('x'), value: Buffer.from('{not json') }]);
      await until('the processing-log entry', async () => (engine.processingLog.count >= 1 ? true : undefined));
      await engine.processingLog.flush();
      const { base } = await serve(engine);
      const r = await call(base, 'POST', '/query-stream', {
        sql: 'SELECT logger, level, message->`TYPE` AS t, message->deserializationError->target AS target, message->deserializationError->errorMessage AS msg FROM KSQL_PROCESSING_LOG;',
      });
      expect(r.status, r.text).toBe(200);
      const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[0].columnNames).toEqual(['LOGGER', 'LEVEL', 'T', 'TARGET', 'MSG']);
      expect(lines.length).toBe(2);
      expect(lines[1].slice(0, 4)).toEqual(['processing.CSAS_COPY_0', 'ERROR', 0, 'value']);
      expect(typeof lines[1][4]).toBe('string');
    } finally {
      await engine.close();
    }
    // Restarted: the stream comes back from the command log and is not created twice.
    engine = await Engine.open({ dataDir: dir, properties });
    try {
      expect(engine.metastore.listSources().filter((s) => s.name === 'KSQL_PROCESSING_LOG')).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });
});
