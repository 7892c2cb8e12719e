/**
 * WebSocket push subscriptions (GET /ws/query). A client opens a query with `?request=<url-encoded
 * /ksql-style body>` or by sending that body as its first message; it gets the schema frame, then
 * one `{"row":{"columns":[...]}}` frame per row, and a `{"finalMessage": ...}` frame when the query
 * ends. It cancels by sending `{"cancel": true}` or by closing.
 *
 * Subscribers to the same push query (same text, properties and variables) share one transient
 * query: each row is serialized once and fanned out. Sharing is only done where a late joiner sees
 * what a fresh query would: push queries from the latest offset without LIMIT.
 *
 * A subscriber that does not keep up (its send buffer above `maxBufferedBytes`) is dropped with
 * close code 1008 and a reason saying so; the others are never held back by it.
 *
 * Every push subscription takes one of the server's push-query slots (limits.ts, shared with the
 * HTTP endpoints): over `ksql.max.push.queries` a new one gets ksqlDB's error and is closed.
 */
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/engine.js';
import { parseStatements } from '../parser/parse.js';
import { substituteVariables } from '../parser/variables.js';
import type { TransientQueryHandle } from '../runtime/transient-query.js';
import { schemaInfo } from './entities.js';
import { stringRecord, variableMap } from './ksql-request.js';
import { ERROR_CODES, RestError, toRestError } from './rest-errors.js';
import { startTransient } from './transient.js';
import { ServerGuards } from './limits.js';
import { isPrintRequest } from './print-routes.js';
import { printOverWebSocket, type WsPrint } from './ws-print.js';

export interface PushHubOptions {
  /** Bytes a subscriber may have waiting in its send buffer before it is dropped (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** How long a dropped or closing subscriber gets to complete the close handshake (default 5 s). */
  readonly closeGraceMs?: number;
  /** The engine's auto.offset.reset, when a request does not set it (default 'latest'). */
  readonly defaultOffsetReset?: string;
  /** Limits and push-query slots shared with the HTTP endpoints. */
  readonly guards?: ServerGuards;
  /** How long a connection without a `request` parameter may take to send its request (default 10 s). */
  readonly requestTimeoutMs?: number;
}

export const SLOW_CONSUMER_CODE = 1008;

interface Subscriber {
  readonly ws: WebSocket;
  group?: Group;
  /** Gives back its push-query slot. */
  release?: () => void;
  /** A PRINT instead of a query (ws-print.ts). */
  print?: WsPrint;
}

interface Group {
  readonly key: string;
  readonly shared: boolean;
  readonly subscribers: Set<Subscriber>;
  handle?: TransientQueryHandle;
  /** The schema frame, once the query has started. */
  header?: string;
  ended: boolean;
}

interface PushRequest {
  readonly ksql: string;
  readonly streamsProperties?: Record<string, unknown>;
  readonly sessionVariables?: Record<string, unknown>;
}

export class PushHub {
  private readonly groups = new Map<string, Group>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly maxBuffered: number;
  private readonly graceMs: number;
  private readonly defaultOffsetReset: string;
  private readonly guards: ServerGuards;
  private readonly requestTimeoutMs: number;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    options: PushHubOptions = {},
  ) {
    this.guards = options.guards ?? new ServerGuards(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {});
    this.maxBuffered = options.maxBufferedBytes ?? this.guards.limits.maxBufferedBytes;
    this.graceMs = options.closeGraceMs ?? 5000;
    this.defaultOffsetReset = options.defaultOffsetReset ?? 'latest';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Number of underlying transient queries (for tests and metrics). */
  get queryCount(): number {
    return this.groups.size;
  }

  /** Connected WebSocket subscribers. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** A new WebSocket connection; `requestParam` is the `request` query parameter, if any. */
  accept(ws: WebSocket, requestParam: string | null): void {
    const sub: Subscriber = { ws };
    this.subscribers.add(sub);
    ws.on('close', () => this.leave(sub));
    ws.on('error', () => this.leave(sub));
    if (this.closed) return this.fail(sub, RestError.generic(503, ERROR_CODES.SERVER_SHUTTING_DOWN, 'The server is shutting down.'));
    let opened = false;
    const open = (text: string) => {
      opened = true;
      let body: PushRequest;
      try {
        body = JSON.parse(text) as PushRequest;
        if (typeof body?.ksql !== 'string') throw new Error('missing "ksql"');
      } catch (e) {
        return this.fail(sub, RestError.generic(400, ERROR_CODES.BAD_REQUEST, `Invalid request: ${(e as Error).message}`));
      }
      if (isPrintRequest(body.ksql)) return this.print(sub, body);
      this.subscribe(sub, body).catch((e: unknown) => this.fail(sub, toRestError(e, body.ksql)));
    };
    if (requestParam !== null) open(requestParam);
    else {
      // Said and closed, not left open in silence: a connection that never sends its request.
      const timer = setTimeout(() => {
        if (!opened) this.fail(sub, RestError.generic(400, ERROR_CODES.BAD_REQUEST, `No request received within ${this.requestTimeoutMs} ms: send {"ksql": "<statement>"} as the first message, or pass it as the 'request' query parameter.`));
      }, this.requestTimeoutMs);
      timer.unref();
      ws.once('close', () => clearTimeout(timer));
    }
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (!sub.group && !sub.print) {
        if (requestParam === null && !opened) open(text);
        return;
      }
      try {
        if ((JSON.parse(text) as { cancel?: unknown }).cancel) {
          if (sub.print) sub.print.cancel();
          else this.cancel(sub);
        }
      } catch {
        // Anything else from the client is ignored, as ksqlDB does.
      }
    });
  }

  private print(sub: Subscriber, body: PushRequest): void {
    const request = { sql: body.ksql, properties: stringRecord(body.streamsProperties), variables: variableMap(body.sessionVariables) };
    printOverWebSocket(this.engine, sub.ws, request, { maxBufferedBytes: this.maxBuffered, close: (code, reason) => this.closeSocket(sub.ws, code, reason) }).then(
      (p) => {
        sub.print = p;
        if (sub.ws.readyState !== sub.ws.OPEN) p.cancel();
      },
      (e: unknown) => this.fail(sub, toRestError(e, body.ksql)),
    );
  }

  private async subscribe(sub: Subscriber, body: PushRequest): Promise<void> {
    const properties = stringRecord(body.streamsProperties);
    const variables = variableMap(body.sessionVariables);
    const shared = (properties['auto.offset.reset'] ?? this.defaultOffsetReset) !== 'earliest' && isShareable(body.ksql, variables);
    const key = shared ? JSON.stringify([body.ksql.trim().replace(/\s+/g, ' '), properties, [...variables]]) : `#${Math.random()}`;
    // A shareable query is a push query: its slot is taken now; others' once the query has started.
    if (shared) sub.release = this.guards.pushSlots.acquire(sub.ws, 'ws', body.ksql);
    let group = this.groups.get(key);
    if (group && !group.ended) {
      group.subscribers.add(sub);
      sub.group = group;
      if (group.header !== undefined) sub.ws.send(group.header);
      return;
    }
    group = { key, shared, subscribers: new Set([sub]), ended: false };
    sub.group = group;
    this.groups.set(key, group);
    const g = group;
    try {
      g.handle = await startTransient(this.engine, { sql: body.ksql, properties, variables }, {
        onStart: (h) => {
          if (h.kind === 'push' && !shared) sub.release = this.guards.pushSlots.acquire(sub.ws, 'ws', body.ksql);
          g.header = JSON.stringify(h.columns.map((c) => ({ name: c.name, schema: schemaInfo(c.type) })));
          for (const s of g.subscribers) s.ws.send(g.header);
        },
        onRow: (row) => this.fanOut(g, JSON.stringify({ row: { columns: row } })),
        onEnd: (reason) => this.endGroup(g, JSON.stringify({ finalMessage: reason }), 1000, reason),
        onError: (e) => this.endGroup(g, JSON.stringify({ errorMessage: toRestError(e, body.ksql).body }), 1011, 'Query failed'),
      });
    } catch (e) {
      this.groups.delete(key);
      g.ended = true;
      for (const s of g.subscribers) {
        s.group = undefined;
        this.releaseSlot(s);
        this.fail(s, toRestError(e, body.ksql));
      }
      return;
    }
    // Everyone left while the query was starting.
    if (g.subscribers.size === 0) this.closeGroup(g);
  }

  private fanOut(g: Group, text: string): void {
    // Encoded once for every subscriber (ws would otherwise encode the string per send).
    const frame = Buffer.from(text, 'utf8');
    for (const s of g.subscribers) {
      if (s.ws.readyState !== s.ws.OPEN) continue;
      if (s.ws.bufferedAmount > this.maxBuffered) {
        this.drop(s, `Slow consumer: more than ${this.maxBuffered} bytes waiting to be sent; subscription dropped`);
        continue;
      }
      s.ws.send(frame, { binary: false });
    }
  }

  private drop(s: Subscriber, reason: string): void {
    this.detach(s);
    this.closeSocket(s.ws, SLOW_CONSUMER_CODE, reason);
  }

  private cancel(s: Subscriber): void {
    this.detach(s);
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify({ finalMessage: 'Query Terminated' }));
    this.closeSocket(s.ws, 1000, 'Query Terminated');
  }

  private leave(s: Subscriber): void {
    this.detach(s);
    this.subscribers.delete(s);
  }

  /** Removes a subscriber from its group; the last one out closes the query. */
  private releaseSlot(s: Subscriber): void {
    s.release?.();
    s.release = undefined;
  }

  private detach(s: Subscriber): void {
    this.releaseSlot(s);
    const g = s.group;
    if (!g) return;
    s.group = undefined;
    g.subscribers.delete(s);
    if (g.subscribers.size === 0 && g.handle) this.closeGroup(g);
  }

  private closeGroup(g: Group): void {
    if (this.groups.get(g.key) === g) this.groups.delete(g.key);
    if (!g.ended) {
      g.ended = true;
      void g.handle?.close();
    }
  }

  private endGroup(g: Group, frame: string, code: number, reason: string): void {
    g.ended = true;
    if (this.groups.get(g.key) === g) this.groups.delete(g.key);
    for (const s of g.subscribers) {
      s.group = undefined;
      this.releaseSlot(s);
      if (s.ws.readyState === s.ws.OPEN) s.ws.send(frame);
      this.closeSocket(s.ws, code, reason);
    }
    g.subscribers.clear();
  }

  private fail(s: Subscriber, e: RestError): void {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify(e.body));
    this.closeSocket(s.ws, e.status >= 500 ? 1011 : 1003, e.message);
  }

  private closeSocket(ws: WebSocket, code: number, reason: string): void {
    if (ws.readyState === ws.CLOSED) return;
    // Close reasons are limited to 123 bytes.
    ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
    const t = setTimeout(() => ws.terminate(), this.graceMs);
    t.unref();
    ws.once('close', () => clearTimeout(t));
  }

  /** Ends every subscription with a final message (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subscribers) s.print?.cancel();
    const handles: Promise<void>[] = [];
    for (const g of [...this.groups.values()]) {
      const h = g.handle;
      this.endGroup(g, JSON.stringify({ finalMessage: 'Server shutting down' }), 1001, 'Server shutting down');
      if (h) handles.push(h.close());
    }
    await Promise.all(handles);
  }
}

/** Whether late joiners would see what a fresh query shows them: push, no LIMIT, from latest. */
function isShareable(sql: string, variables: Map<string, string>): boolean {
  try {
    const sts = parseStatements(variables.size > 0 ? substituteVariables(sql, variables) : sql);
    const st = sts[0];
    return sts.length === 1 && st !== undefined && st.kind === 'Select' && st.query.emit === 'CHANGES' && st.query.limit === undefined;
  } catch {
    return false;
  }
}
