/**
 * The pull-query load generator, in a worker thread: its own event loop (and core), so the latency
 * it measures is the server's, not time spent queued behind the client's own work. Requests follow
 * a fixed schedule; latency is counted from each request's scheduled time (a client that falls
 * behind does not hide the server's slowness: no coordinated omission).
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface PullClientParams {
  readonly port: number;
  readonly rate: number;
  readonly seconds: number;
  /** Seconds at the same rate before measuring (JIT warm-up: the first ~1.5 s queue behind compilation). */
  readonly warmupSeconds: number;
  /** Keys are drawn from [firstKey, firstKey + keyCount). */
  readonly firstKey: number;
  readonly keyCount: number;
}

export interface PullClientResult {
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly firstError: string | null;
  readonly seconds: number;
}

function post(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/query-stream', method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(p: PullClientParams): Promise<PullClientResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  if (p.warmupSeconds > 0) await phase(agent, p, p.warmupSeconds);
  const r = await phase(agent, p, p.seconds);
  agent.destroy();
  return r;
}

async function phase(agent: Agent, p: PullClientParams, seconds: number): Promise<PullClientResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const interval = 1000 / p.rate;
  const total = Math.round(p.rate * seconds);
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const key = p.firstKey + ((i * 7919) % p.keyCount);
    inflight.push(
      post(agent, p.port, JSON.stringify({ sql: `SELECT * FROM bid_counts WHERE auction = ${key};` })).then(
        (status) => {
          if (status === 200) latencies.push(performance.now() - due);
          else if (errors++ === 0) firstError = `HTTP ${status}`;
        },
        (e: unknown) => {
          if (errors++ === 0) firstError = (e as Error).message;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return { latenciesMs: latencies, errors, firstError, seconds: (performance.now() - t0) / 1000 };
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as PullClientParams).then((r) => port.postMessage(r));
}
