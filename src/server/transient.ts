/**
 * Starting a transient query for a client connection. Rows can be produced before
 * Engine.executeQuery has handed back the handle (and with it the column types), so they are held
 * until the handle is known, then converted to wire JSON values and passed on in order.
 */
import type { Engine } from '../engine/engine.js';
import type { EndReason, TransientQueryHandle } from '../runtime/transient-query.js';
import type { Column } from '../types/schema.js';
import { formatType } from '../types/sql-type.js';
import { wireRowConverter } from './wire-values.js';
import type { ConnectionOptions } from 'node:tls';
import { LOCAL_ONLY_HEADER, fetchRemoteRows, type ForwardContext } from './pull-forward.js';
import { abandonAfter, bufferedBytes, connectionOf, pullTimeoutError, slowConsumerError, type ServerGuards } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { toRestError } from './rest-errors.js';

export interface QueryListener {
  /** The query started: columns are known. Called once, before any row. */
  onStart(handle: TransientQueryHandle): void;
  /** One row, already in wire form (JSON values). */
  onRow(row: unknown[]): void;
  onEnd(reason: EndReason): void;
  onError(error: Error): void;
  /** The query has read everything its topics held (push queries; may come before onStart). */
  onCaughtUp?(): void;
}

export interface QueryRequest {
  readonly sql: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly variables: ReadonlyMap<string, string>;
  /** A peer's forwarded pull query: answer from this server's partitions only. */
  readonly localOnly?: boolean;
  /** A pull query still running after this long ends with a timeout error (0 or absent: no limit). */
  readonly pullTimeoutMs?: number;
  /** Credentials and TLS settings for forwarding a pull query to the servers owning the rest of a table. */
  readonly forward?: ForwardContext;
}

/**
 * Starts the query; rejects (before onStart) if the statement is invalid, or if onStart throws (a
 * limit refused it: the query is closed again). A pull query on a table shared with other servers
 * also gets their rows (fetched first, delivered after the local ones). A pull query over its
 * time limit gets onError(timeout) and is closed.
 */
export async function startTransient(engine: Engine, req: QueryRequest, listener: QueryListener): Promise<TransientQueryHandle> {
  const route = req.localOnly ? undefined : await engine.pullRoute(req.sql, { properties: req.properties, variables: req.variables });
  const remote = route ? (await Promise.all(route.remote.map((url) => fetchRemoteRows(url, req)))).flat() : [];
  let budget = route?.limit ?? Infinity;
  let convert: ((row: readonly unknown[]) => unknown[]) | undefined;
  let pending: (() => void)[] | undefined = [];
  // Set once the listener has had its end (or error): nothing is delivered after it.
  let finished = false;
  const deliver = (f: () => void) => (finished ? undefined : pending ? pending.push(f) : f());
  let timer: NodeJS.Timeout | undefined;
  const handle = await engine.executeQuery(
    req.sql,
    {
      onRow: (values) =>
        deliver(() => {
          budget--;
          listener.onRow(convert!(values));
        }),
      onEnd: (reason) =>
        deliver(() => {
          finished = true;
          clearTimeout(timer);
          for (const row of remote) if (budget-- > 0) listener.onRow(row);
          listener.onEnd(reason);
        }),
      onError: (error) =>
        deliver(() => {
          finished = true;
          clearTimeout(timer);
          listener.onError(error);
        }),
      ...(listener.onCaughtUp ? { onCaughtUp: () => listener.onCaughtUp!() } : {}),
    },
    { properties: req.properties, variables: req.variables },
  );
  convert = wireRowConverter(handle.columns.map((c) => c.type));
  try {
    listener.onStart(handle);
  } catch (e) {
    finished = true;
    await handle.close();
    throw e;
  }
  const timeoutMs = req.pullTimeoutMs ?? 0;
  if (handle.kind === 'pull' && timeoutMs > 0) {
    timer = setTimeout(() => {
      if (finished) return;
      finished = true;
      listener.onError(pullTimeoutError(timeoutMs));
      void handle.close();
    }, timeoutMs);
    timer.unref();
  }
  const queued = pending;
  pending = undefined;
  for (const f of queued) f();
  return handle;
}

/** `/query` header schema text: "`ID` BIGINT KEY, `NAME` STRING" (KEY marks key columns of pull queries on tables). */
export function schemaText(columns: readonly Column[]): string {
  return columns.map((c) => `\`${c.name}\` ${formatType(c.type)}${c.namespace === 'KEY' ? ' KEY' : ''}`).join(', ');
}

/** Column names as /query-stream lists them. */
export function columnNames(columns: readonly Column[]): string[] {
  return columns.map((c) => c.name);
}

export function columnTypes(columns: readonly Column[]): string[] {
  return columns.map((c) => formatType(c.type));
}


/** A running client query, as the server keeps it to end it on shutdown. */
export interface RunningQuery {
  handle?: TransientQueryHandle;
  shutdown(): void;
}

export interface ClientQueryContext {
  readonly engine: Engine;
  readonly guards: ServerGuards;
  readonly metrics?: ServerMetrics;
  /** Running client queries (the server ends them on shutdown). */
  readonly running: Set<RunningQuery>;
  /** Which endpoint asks: the push-query limit's error is the endpoint's own in ksqlDB. */
  readonly endpoint: 'query' | 'query-stream';
  /** TLS options of pull-query forwarding to other servers (the listener's key and trust stores). */
  readonly peerTls?: ConnectionOptions;
}

export interface ClientQueryOutput {
  start(h: TransientQueryHandle): void;
  row(r: unknown[]): void;
  end(reason: string): void;
  error(e: Error): void;
}

/**
 * Runs a transient query for an HTTP request: statement errors before the start are HTTP errors;
 * a push query takes one of the server's push-query slots (refused before the response starts
 * when none is free); a push client that still has more than `maxBufferedBytes` unread when the
 * next burst of rows starts (or 8 times that within one burst) gets an error row, its query is
 * closed and its response torn down after a grace period; a pull query over its time limit ends
 * with an error row. The query is closed when the client goes away; the
 * server's shutdown ends it with a final message.
 */
export async function runClientQuery(ctx: ClientQueryContext, req: HttpRequest, res: HttpResponse, request: QueryRequest, out: ClientQueryOutput): Promise<void> {
  const { guards } = ctx;
  const maxBuffered = guards.limits.maxBufferedBytes;
  const entry: RunningQuery = {
    shutdown: () => {
      out.end('Server shutting down');
      void entry.handle?.close();
    },
  };
  const started = performance.now();
  let ended = false;
  let release: (() => void) | undefined;
  let push = false;
  let dropped = false;
  let inBurst = false;
  try {
    // A forwarded pull query carries the caller's credentials, as ksqlDB's inter-node client does.
    const forward: ForwardContext = { authorization: req.headers.authorization, tls: ctx.peerTls };
    entry.handle = await startTransient(ctx.engine, { ...request, localOnly: req.headers[LOCAL_ONLY_HEADER] === 'true', pullTimeoutMs: guards.limits.pullTimeoutMs, forward }, {
      onStart: (h) => {
        if (h.kind === 'push') {
          push = true;
          release = guards.pushSlots.acquire(connectionOf(req), ctx.endpoint, request.sql);
        }
        out.start(h);
      },
      onRow: (r) => {
        if (dropped) return;
        out.row(r);
        if (!push) return;
        // Rows come in bursts (one poll's batch, written in one go): a client is slow when what it
        // left unread is still over the bound when the next burst starts, or far over it at once.
        const buffered = bufferedBytes(res);
        if (buffered > maxBuffered * HARD_CAP_FACTOR || (!inBurst && buffered > maxBuffered)) {
          dropped = true;
          ended = true;
          out.error(slowConsumerError(maxBuffered));
          void entry.handle?.close();
          abandonAfter(res, SLOW_CONSUMER_GRACE_MS);
          return;
        }
        if (!inBurst) {
          inBurst = true;
          setImmediate(() => (inBurst = false));
        }
      },
      onEnd: (reason) => {
        ended = true;
        if (!dropped) out.end(reason);
      },
      onError: (e) => {
        ended = true;
        if (!dropped) out.error(e);
      },
    });
  } catch (e) {
    throw toRestError(e, request.sql);
  }
  ctx.running.add(entry);
  const handle = entry.handle;
  res.on('close', () => {
    if (!ended) void handle.close();
  });
  await handle.done.catch(() => undefined);
  release?.();
  ctx.running.delete(entry);
  if (handle.kind === 'pull') ctx.metrics?.observePull(handle.sourceType, (performance.now() - started) / 1000);
}

/** How long a dropped slow HTTP client gets to take its error row before its stream is destroyed. */
const SLOW_CONSUMER_GRACE_MS = 5000;
/** Within one burst, a client is dropped once this many times the bound waits for it. */
const HARD_CAP_FACTOR = 8;
