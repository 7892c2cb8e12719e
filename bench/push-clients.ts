/**
 * The push fan-out subscribers, in a worker thread: N WebSocket clients of one push query, on their
 * own event loop (and core), so the delivery latency measured is the server's. Times are absolute
 * (performance.timeOrigin + now) so the server thread's append times compare with them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

export interface PushClientParams {
  readonly port: number;
  readonly subscribers: number;
  readonly request: string;
}

/** Messages: {ready} once every client has its header; {frames: [seq, receivedAt][]} batches; {error}. */
export type PushClientMessage = { readonly ready: true } | { readonly frames: [number, number][] } | { readonly error: string };

const now = (): number => performance.timeOrigin + performance.now();

function run(p: PushClientParams, port: NonNullable<typeof parentPort>): void {
  let ready = 0;
  let pending: [number, number][] = [];
  const flush = setInterval(() => {
    if (pending.length === 0) return;
    port.postMessage({ frames: pending } satisfies PushClientMessage);
    pending = [];
  }, 20);
  const sockets: WebSocket[] = [];
  port.on('message', (m: { stop?: boolean }) => {
    if (!m.stop) return;
    clearInterval(flush);
    if (pending.length > 0) port.postMessage({ frames: pending } satisfies PushClientMessage);
    for (const ws of sockets) ws.terminate();
    port.close();
  });
  for (let i = 0; i < p.subscribers; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/ws/query?request=${p.request}`);
    sockets.push(ws);
    let header = false;
    ws.on('message', (data: WebSocket.RawData) => {
      const t = now();
      const text = data.toString();
      if (!header) {
        header = true;
        if (++ready === p.subscribers) port.postMessage({ ready: true } satisfies PushClientMessage);
        return;
      }
      const m = /"columns":\[(\d+)/.exec(text);
      if (m) pending.push([Number(m[1]), t]);
    });
    ws.on('error', (e) => port.postMessage({ error: e.message } satisfies PushClientMessage));
  }
}

if (parentPort) run(workerData as PushClientParams, parentPort);
