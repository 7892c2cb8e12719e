/**
 * The server's resource limits, and the errors a client over one gets: concurrent push queries
 * (server-wide and per connection), request body size, /inserts-stream line length, bytes waiting
 * for a slow push client, pull-query run time and idle connections. Every limit has a
 * configuration key (ksqlDB's name where ksqlDB has the setting) read from the server's
 * properties, and a default.
 */
import type { HttpRequest, HttpResponse } from './http-types.js';
import { RestError } from './rest-errors.js';

export interface ServerLimits {
  /** Push queries running at once, server-wide (HTTP and WebSocket). */
  readonly maxPushQueries: number;
  /** Push queries running at once on one connection (an HTTP/2 connection carries many). */
  readonly maxPushQueriesPerConnection: number;
  /** Bytes of a request body read into memory (/ksql, /query, /query-stream, ...). */
  readonly maxBodyBytes: number;
  /** Bytes of one /inserts-stream line (one row). */
  readonly maxInsertLineBytes: number;
  /** Bytes a push client may have waiting to be sent before it is dropped (all protocols). */
  readonly maxBufferedBytes: number;
  /** How long a pull query may run (0: no limit). */
  readonly pullTimeoutMs: number;
  /** A connection with no data in either direction for this long is closed (0: never). */
  readonly idleConnectionTimeoutMs: number;
}

/** The configuration keys, as written in the server's --config file. */
export const LIMIT_KEYS = {
  maxPushQueries: 'ksql.max.push.queries',
  maxPushQueriesPerConnection: 'sluice.max.push.queries.per.connection',
  maxBodyBytes: 'sluice.max.request.body.bytes',
  maxInsertLineBytes: 'sluice.inserts.max.line.bytes',
  maxBufferedBytes: 'sluice.ws.max.buffered.bytes',
  pullTimeoutMs: 'sluice.query.pull.timeout.ms',
  idleConnectionTimeoutMs: 'ksql.idle.connection.timeout.seconds',
} as const satisfies Record<keyof ServerLimits, string>;

export const DEFAULT_LIMITS: ServerLimits = {
  maxPushQueries: 100, // ksqlDB's default
  maxPushQueriesPerConnection: 20,
  maxBodyBytes: 16 * 1024 * 1024,
  maxInsertLineBytes: 1024 * 1024, // Kafka's default message.max.bytes
  maxBufferedBytes: 4 * 1024 * 1024,
  pullTimeoutMs: 30_000,
  idleConnectionTimeoutMs: 600_000, // ksqlDB documents 10 minutes
};

/** ksqlDB's codes (HTTP status × 100 + n). */
export const LIMIT_ERROR_CODES = {
  MAX_PUSH_QUERIES_EXCEEDED: 40003,
  BODY_TOO_LARGE: 41300,
  SLOW_CONSUMER: 40900,
  REQUEST_TIMEOUT: 40800,
} as const;

/** The limits set in `props` (server properties); others keep their defaults. Bad values throw. */
export function limitsFromProperties(props: Readonly<Record<string, string | undefined>>): Partial<ServerLimits> {
  const out: { -readonly [K in keyof ServerLimits]?: number } = {};
  for (const [field, key] of Object.entries(LIMIT_KEYS) as [keyof ServerLimits, string][]) {
    const raw = props[key];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`Invalid value for ${key}: '${raw}' (expected a non-negative number)`);
    out[field] = field === 'idleConnectionTimeoutMs' ? n * 1000 : n;
  }
  return out;
}

export function resolveLimits(...layers: readonly (Partial<ServerLimits> | undefined)[]): ServerLimits {
  return Object.assign({}, DEFAULT_LIMITS, ...layers.filter((l) => l !== undefined)) as ServerLimits;
}

type PushEndpoint = 'query' | 'query-stream' | 'ws';

/**
 * Counts the push queries clients are running, server-wide and per connection. acquire() either
 * takes a slot (the returned function gives it back, once) or throws the error ksqlDB sends.
 */
export class PushQuerySlots {
  private total = 0;
  private readonly perConnection = new WeakMap<object, number>();

  constructor(private readonly limits: Pick<ServerLimits, 'maxPushQueries' | 'maxPushQueriesPerConnection'>) {}

  get active(): number {
    return this.total;
  }

  acquire(connection: object, endpoint: PushEndpoint, statementText: string): () => void {
    const max = this.limits.maxPushQueries;
    if (this.total >= max) {
      // /query (and the WebSocket endpoint, which shares its resource in ksqlDB) answer with a
      // statement error; /query-stream with the API server's error.
      if (endpoint === 'query-stream') throw RestError.generic(400, LIMIT_ERROR_CODES.MAX_PUSH_QUERIES_EXCEEDED, 'Maximum number of push queries exceeded');
      throw RestError.statement(
        40001,
        `Not executing statement(s) as it would cause the number of active, push queries to exceed the configured limit. Terminate existing PUSH queries, or increase the '${LIMIT_KEYS.maxPushQueries}' setting via the 'ksql-server.properties' file. Current push query count: ${this.total}. Configured limit: ${max}.`,
        statementText,
      );
    }
    const onConnection = this.perConnection.get(connection) ?? 0;
    const perMax = this.limits.maxPushQueriesPerConnection;
    if (onConnection >= perMax) {
      throw RestError.generic(
        400,
        LIMIT_ERROR_CODES.MAX_PUSH_QUERIES_EXCEEDED,
        `Maximum number of push queries on one connection exceeded: ${onConnection} running, limit ${perMax} ('${LIMIT_KEYS.maxPushQueriesPerConnection}'). Close a query or open another connection.`,
      );
    }
    this.total++;
    this.perConnection.set(connection, onConnection + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const n = (this.perConnection.get(connection) ?? 1) - 1;
      if (n > 0) this.perConnection.set(connection, n);
      else this.perConnection.delete(connection);
    };
  }
}

/** What the request handlers share: the limits and the push-query slots. */
export class ServerGuards {
  readonly limits: ServerLimits;
  readonly pushSlots: PushQuerySlots;

  constructor(limits: Partial<ServerLimits> = {}) {
    this.limits = resolveLimits(limits);
    this.pushSlots = new PushQuerySlots(this.limits);
  }
}

/** The connection a request came on: its HTTP/2 session, or its socket (HTTP/1.1). */
export function connectionOf(req: HttpRequest): object {
  const r = req as HttpRequest & { readonly stream?: { readonly session?: object }; readonly socket?: object };
  return r.stream?.session ?? r.socket ?? req;
}

/** Bytes written to a response and not yet handed to the network (both protocols expose it). */
export function bufferedBytes(res: HttpResponse): number {
  return (res as HttpResponse & { readonly writableLength?: number }).writableLength ?? 0;
}

/** Tears down a response's stream (HTTP/2) or socket (HTTP/1.1). */
export function destroyResponse(res: HttpResponse): void {
  (res as HttpResponse & { destroy?(): void }).destroy?.();
}

export function slowConsumerError(maxBuffered: number): RestError {
  return RestError.generic(
    409,
    LIMIT_ERROR_CODES.SLOW_CONSUMER,
    `Slow consumer: more than ${maxBuffered} bytes waiting to be sent ('${LIMIT_KEYS.maxBufferedBytes}'); the query was closed. Read the response faster, or add a LIMIT or a WHERE clause.`,
  );
}

export function bodyTooLargeError(maxBytes: number): RestError {
  return RestError.generic(413, LIMIT_ERROR_CODES.BODY_TOO_LARGE, `Request body too large: more than ${maxBytes} bytes ('${LIMIT_KEYS.maxBodyBytes}')`);
}

export function lineTooLongError(maxBytes: number): RestError {
  return RestError.generic(413, LIMIT_ERROR_CODES.BODY_TOO_LARGE, `Inserts stream line too long: more than ${maxBytes} bytes in one row ('${LIMIT_KEYS.maxInsertLineBytes}')`);
}

export function pullTimeoutError(timeoutMs: number): RestError {
  return RestError.generic(
    408,
    LIMIT_ERROR_CODES.REQUEST_TIMEOUT,
    `Pull query timed out after ${timeoutMs} ms ('${LIMIT_KEYS.pullTimeoutMs}'). Narrow it with a WHERE clause on the key or a LIMIT.`,
  );
}

/**
 * Ends a response a client is not reading: the error goes out behind what is already queued, and
 * if the response has not finished within `graceMs` its stream or socket is destroyed, so the
 * queued bytes are freed either way.
 */
export function abandonAfter(res: HttpResponse, graceMs: number): void {
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const t = setTimeout(() => {
    if (!closed) destroyResponse(res);
  }, graceMs);
  t.unref();
}
