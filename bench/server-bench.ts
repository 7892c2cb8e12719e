/**
 * Server benches, run in a child against an in-process SluiceServer on a fresh engine:
 * - pull: a table of bid counts per auction is built from the generated bids, then key lookups
 *   (POST /query-stream) are sent at a fixed rate by a client in a worker thread (pull-client.ts);
 *   latency is scheduled send → response complete, after a 2 s warm-up at the same rate.
 * - push: N WebSocket subscribers (in a worker thread, push-clients.ts) run the same push query over
 *   a fresh stream; rows are appended at a fixed rate and each delivery's latency is append → frame
 *   received.
 */
import { request, Agent } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { PullClientParams, PullClientResult } from './pull-client.js';
import type { PushClientMessage, PushClientParams } from './push-clients.js';
import { Engine } from '../src/engine/engine.js';
import { SluiceServer } from '../src/server/index.js';
import { DEFAULT_GENERATOR, generateEvents, loadEvents } from './generator.js';

export interface LatencyResult {
  readonly records: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly note: string | null;
}

function post(agent: Agent, port: number, path: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests at the target rate before measuring: the first ~1.5 s queue behind JIT compilation. */
const PULL_WARMUP_SECONDS = 2;

export async function pullLatency(workDir: string, events: number, rate: number, seconds: number): Promise<LatencyResult> {
  const engine = await Engine.open({ dataDir: workDir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
  const server = new SluiceServer(engine, { port: 0 });
  try {
    for (const t of ['bids', 'auctions', 'persons']) await engine.log.createTopic(t, { partitions: 1 });
    await loadEvents(engine.log, { person: 'persons', auction: 'auctions', bid: 'bids' }, generateEvents({ ...DEFAULT_GENERATOR, events }));
    await engine.execute(`CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime BIGINT, extra STRING) WITH (KAFKA_TOPIC='bids', VALUE_FORMAT='JSON');`);
    await engine.execute(`CREATE TABLE bid_counts AS SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction EMIT CHANGES;`);
    await engine.drain();
    const { port } = await server.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const first = await post(agent, port, '/query-stream', { sql: 'SELECT * FROM bid_counts WHERE auction = 1000;' });
    agent.destroy();
    const params: PullClientParams = { port, rate, seconds, warmupSeconds: PULL_WARMUP_SECONDS, firstKey: 1000, keyCount: Math.max(1, Math.floor((events * 3) / 50)) };
    const worker = new Worker(new URL('./pull-client.js', import.meta.url), { workerData: params });
    const r = await new Promise<PullClientResult>((resolve, reject) => {
      worker.once('message', (m: PullClientResult) => resolve(m));
      worker.once('error', reject);
    });
    await worker.terminate();
    const notes = [
      ...(first.includes('"N"') || first.includes('N') ? [] : [`unexpected first response: ${first.slice(0, 200)}`]),
      ...(r.errors > 0 ? [`${r.errors} failed requests, e.g. ${r.firstError}`] : []),
    ];
    return { records: r.latenciesMs.length, seconds: r.seconds, latenciesMs: r.latenciesMs, note: notes.length > 0 ? notes.join('; ') : null };
  } finally {
    await server.close();
    await engine.close();
  }
}

export async function pushFanout(workDir: string, subscribers: number, rate: number, seconds: number): Promise<LatencyResult> {
  const engine = await Engine.open({ dataDir: workDir, runQueries: false });
  const server = new SluiceServer(engine, { port: 0 });
  let worker: Worker | undefined;
  try {
    await engine.execute(`CREATE STREAM ticks (seq BIGINT, payload STRING) WITH (KAFKA_TOPIC='ticks', PARTITIONS=1, VALUE_FORMAT='JSON');`);
    const { port } = await server.listen();
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    const errors: string[] = [];
    const request = encodeURIComponent(JSON.stringify({ ksql: 'SELECT seq, payload FROM ticks EMIT CHANGES;', streamsProperties: {} }));
    const params: PushClientParams = { port, subscribers, request };
    const w = (worker = new Worker(new URL('./push-clients.js', import.meta.url), { workerData: params }));
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m: PushClientMessage) => {
        if ('ready' in m) resolve();
        else if ('error' in m) {
          errors.push(m.error);
          reject(new Error(m.error));
        } else {
          for (const [seq, at] of m.frames) {
            const s = sentAt.get(seq);
            if (s !== undefined) latencies.push(at - s);
          }
        }
      });
      w.once('error', reject);
    });
    await sleep(200);
    const total = Math.round(rate * seconds);
    const interval = 1000 / rate;
    const payload = 'x'.repeat(100);
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + i * interval - performance.now();
      if (wait > 1) await sleep(wait);
      sentAt.set(i, performance.timeOrigin + performance.now());
      await engine.log.append('ticks', [{ key: null, value: Buffer.from(JSON.stringify({ seq: i, payload })) }]);
    }
    const deadline = performance.now() + 10_000;
    while (latencies.length < total * subscribers && performance.now() < deadline) await sleep(20);
    const missing = total * subscribers - latencies.length;
    return {
      records: latencies.length,
      seconds: (performance.now() - t0) / 1000,
      latenciesMs: latencies,
      note: missing > 0 || errors.length > 0 ? `${missing} deliveries missing, ${errors.length} socket errors` : null,
    };
  } finally {
    worker?.postMessage({ stop: true });
    await worker?.terminate();
    await server.close();
    await engine.close();
  }
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
