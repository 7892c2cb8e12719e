/**
 * The ksqlDB-compatible HTTP endpoints: /ksql, /query, /query-stream, /close-query,
 * /inserts-stream, /info, /healthcheck, /status; and the embedded schema registry's API under
 * /schema-registry (registry-routes.ts). Protocol-agnostic: the same handler serves
 * HTTP/1.1 and h2c requests (see http-types.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { Engine } from '../engine/engine.js';
import type { TransientQueryHandle } from '../runtime/transient-query.js';
import type { EntityContext } from './entities.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { serveInsertsStream } from './inserts.js';
import { readKsqlRequest, runKsqlRequest, stringRecord, variableMap } from './ksql-request.js';
import { ERROR_CODES, RestError, toRestError } from './rest-errors.js';
import { columnNames, columnTypes, runClientQuery, schemaText, type ClientQueryOutput, type RunningQuery } from './transient.js';
import { bodyTooLargeError, ServerGuards } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import type { HealthCheck } from './health.js';
import { BufferedResponse } from './buffered-response.js';
import { REGISTRY_PREFIX, serveRegistry } from './registry-routes.js';
import { KSQL_V1_PROTOBUF, protoRows, wantsProtobuf, type ProtoRows } from './proto-rows.js';
import { EmbeddedRegistry } from '../registry/embedded-registry.js';
import { isPrintRequest, printOverQuery, printOverQueryStream, type TrackPrint } from './print-routes.js';

export const KSQL_V1 = 'application/vnd.ksql.v1+json';
export const DELIMITED = 'application/vnd.ksqlapi.delimited.v1';

export interface RestApiOptions {
  /** Version reported by /info. */
  readonly version?: string;
  readonly serviceId?: string;
  /** TLS options of pull-query forwarding to other servers (the listener's key and trust stores). */
  readonly peerTls?: ConnectionOptions;
  /** Limits and push-query slots shared with the WebSocket endpoint (default: the default limits). */
  readonly guards?: ServerGuards;
  /** Serves GET /metrics and times requests, when given. */
  readonly metrics?: ServerMetrics;
  /** Answers GET /healthcheck, when given (else always healthy). */
  readonly health?: HealthCheck;
}

interface CommandStatus {
  readonly status: string;
  readonly message: string;
  readonly queryId?: string;
}

export class RestApi {
  /** Push/pull queries started through /query-stream, by id, for /close-query. */
  private readonly streams = new Map<string, TransientQueryHandle>();
  /** Every running client query, to end them on shutdown. */
  private readonly running = new Set<RunningQuery>();
  readonly guards: ServerGuards;
  private readonly commands = new Map<string, CommandStatus>();
  private sequence = 0;
  private shuttingDown = false;
  readonly entityContext: EntityContext;

  constructor(
    readonly engine: Engine,
    private readonly options: RestApiOptions = {},
    /** `host:port` of this server, as query statuses name it. */
    host?: () => string | undefined,
  ) {
    this.entityContext = { engine, nextSequence: () => this.sequence++, ...(host ? { host } : {}) };
    this.guards = options.guards ?? new ServerGuards();
  }

  /** Entry point for every HTTP request (both protocols). */
  handle(req: HttpRequest, res: HttpResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    this.options.metrics?.observeRequest(req, res, path);
    this.route(req, res, url, path).catch((e: unknown) => sendError(res, toRestError(e)));
  }

  private async route(req: HttpRequest, res: HttpResponse, url: URL, path: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (this.shuttingDown) throw RestError.generic(503, ERROR_CODES.SERVER_SHUTTING_DOWN, 'The server is shutting down.');
    if (path === REGISTRY_PREFIX || path.startsWith(REGISTRY_PREFIX + '/')) {
      const registry = this.engine.registry instanceof EmbeddedRegistry ? this.engine.registry : undefined;
      return serveRegistry(registry, req, res, path.slice(REGISTRY_PREFIX.length), url.searchParams);
    }
    if (method === 'POST') {
      switch (path) {
        case '/ksql':
          return this.ksql(req, res);
        case '/query':
          return this.query(req, res);
        case '/query-stream':
          return this.queryStream(req, res);
        case '/close-query':
          return this.closeQuery(req, res);
        case '/inserts-stream':
          return this.insertsStream(req, res);
      }
    } else if (method === 'GET') {
      if (path === '/info') return sendJson(res, 200, this.info());
      if (path === '/healthcheck') {
        const health = this.options.health ? await this.options.health.check() : { isHealthy: true, details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } }, serverState: 'READY' };
        return sendJson(res, health.isHealthy ? 200 : 503, health);
      }
      if (path === '/metrics' && this.options.metrics) {
        const text = await this.options.metrics.text();
        res.writeHead(200, { 'content-type': this.options.metrics.contentType, 'content-length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      if (path === '/status') return sendJson(res, 200, { commandStatuses: Object.fromEntries([...this.commands].map(([id, s]) => [id, s.status])) });
      const m = /^\/status\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
      if (m) {
        const id = m.slice(1).map(decodeURIComponent).join('/');
        const s = this.commands.get(id);
        if (!s) throw RestError.generic(404, ERROR_CODES.NOT_FOUND, `Command not found: ${id}`);
        return sendJson(res, 200, s);
      }
    }
    throw RestError.generic(404, ERROR_CODES.NOT_FOUND, `Not found: ${method} ${url.pathname}`);
  }

  info(): Record<string, unknown> {
    return {
      KsqlServerInfo: {
        version: this.options.version ?? '0.29.0',
        kafkaClusterId: 'sluice',
        ksqlServiceId: this.options.serviceId ?? 'default_',
        serverStatus: 'RUNNING',
      },
    };
  }

  // ---------------------------------------------------------------------------------------------

  private async ksql(req: HttpRequest, res: HttpResponse): Promise<void> {
    const body = readKsqlRequest(await this.readJson(req));
    const entities = await runKsqlRequest(this.engine, body, this.entityContext);
    for (const e of entities) {
      if (e['@type'] === 'currentStatus') {
        const cs = e['commandStatus'] as CommandStatus;
        this.commands.set(String(e['commandId']), cs);
      }
    }
    sendJson(res, 200, entities, responseType(req));
  }

  /** POST /query: one JSON array, streamed element by element (chunked). */
  /** /query (and /query-stream asked for Protobuf rows): a JSON array of header, rows, final message. */
  private async query(req: HttpRequest, res: HttpResponse): Promise<void> {
    const body = (await this.readJson(req)) as { ksql?: unknown; sql?: unknown; streamsProperties?: Record<string, unknown>; sessionVariables?: Record<string, unknown> };
    const sql = typeof body?.ksql === 'string' ? body.ksql : typeof body?.sql === 'string' ? body.sql : undefined;
    if (sql === undefined) throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, 'Invalid request: the body must be a JSON object with a "ksql" string field.');
    const request = { sql, properties: stringRecord(body.streamsProperties), variables: variableMap(body.sessionVariables) };
    if (isPrintRequest(sql)) return printOverQuery(this.engine, request, res, this.trackPrint);
    return this.queryWith(req, res, request);
  }

  /** A running PRINT, ended with the other queries on shutdown. */
  private readonly trackPrint: TrackPrint = (entry) => {
    this.running.add(entry);
    return () => this.running.delete(entry);
  };

  private async queryWith(req: HttpRequest, res: HttpResponse, request: { sql: string; properties: Record<string, string>; variables: Map<string, string> }): Promise<void> {
    // Each element ends its line (`,\n`, the last one `]\n`), so line-reading clients get every
    // row as soon as it is written, and the whole body is one valid JSON array.
    let first = true;
    // A pull query on a table is sent in one write (BufferedResponse); other queries stream.
    let out: HttpResponse = res;
    const write = (o: unknown, end: string) => {
      const text = (first ? '[' : '') + JSON.stringify(o) + end;
      first = false;
      if (!out.writableEnded) out.write(text);
    };
    const item = (o: unknown) => write(o, ',\n');
    const finish = (last: unknown) => {
      write(last, ']\n');
      if (!out.writableEnded) out.end();
    };
    let pull = false;
    let pending: unknown;
    // Rows are written one behind, so a pull query (which has no final message) can close the array after its last row.
    const proto = wantsProtobuf(req);
    let encoder: ProtoRows | undefined;
    const rowOf = (row: unknown[]) => (encoder ? { row: { protobufBytes: encoder.encode(row) } } : { row: { columns: row } });
    const flushPending = (end: string) => {
      if (pending !== undefined) write(pending, end);
      pending = undefined;
    };
    await this.runClientQuery(req, res, request, {
      start: (h) => {
        pull = h.kind === 'pull' && h.sourceType === 'TABLE';
        // Only table lookups and scans: a pull query over a stream scans a topic of any size.
        if (pull) out = new BufferedResponse(res);
        out.writeHead(200, { 'content-type': proto ? KSQL_V1_PROTOBUF : responseType(req) });
        if (proto) encoder = protoRows(h.columns);
        const header = { header: { queryId: h.id, schema: schemaText(h.columns), ...(encoder ? { protoSchema: encoder.protoSchema } : {}) } };
        if (pull) pending = header;
        else item(header);
      },
      row: (row) => {
        flushPending(',\n');
        // Only a pull query on a table (no final message) needs its last row held back.
        if (pull) pending = rowOf(row);
        else item(rowOf(row));
      },
      end: (reason) => {
        if (pull) {
          flushPending(']\n');
          if (!out.writableEnded) out.end();
          return;
        }
        flushPending(',\n');
        finish({ finalMessage: reason });
      },
      error: (e) => {
        flushPending(',\n');
        finish({ errorMessage: toRestError(e, request.sql).body });
      },
    });
  }

  /** POST /query-stream: delimited (default) or one JSON array (Accept: application/json). */
  private async queryStream(req: HttpRequest, res: HttpResponse): Promise<void> {
    const body = (await this.readJson(req)) as { sql?: unknown; ksql?: unknown; properties?: Record<string, unknown>; streamsProperties?: Record<string, unknown>; sessionVariables?: Record<string, unknown> };
    const sql = typeof body?.sql === 'string' ? body.sql : typeof body?.ksql === 'string' ? body.ksql : undefined;
    if (sql === undefined) throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, 'Invalid request: the body must be a JSON object with a "sql" string field.');
    // Protobuf rows come in /query's shape, as ksqlDB sends them.
    if (isPrintRequest(sql)) return printOverQueryStream(this.engine, { sql, properties: stringRecord(body.properties ?? body.streamsProperties), variables: variableMap(body.sessionVariables) }, res, this.trackPrint, wantsJson(req));
    if (wantsProtobuf(req)) return this.queryWith(req, res, { sql, properties: stringRecord(body.properties ?? body.streamsProperties), variables: variableMap(body.sessionVariables) });
    const asJson = wantsJson(req);
    let first = true;
    // A pull query on a table is sent in one write (BufferedResponse); other queries stream.
    let target: HttpResponse = res;
    const out = (o: unknown) => {
      if (target.writableEnded) return;
      if (asJson) {
        target.write((first ? '[' : ',') + JSON.stringify(o));
        first = false;
      } else target.write(JSON.stringify(o) + '\n');
    };
    const finish = () => {
      if (!target.writableEnded) target.end(asJson ? (first ? '[]' : ']') : undefined);
    };
    let id: string | undefined;
    await this.runClientQuery(req, res, { sql, properties: stringRecord(body.properties ?? body.streamsProperties), variables: variableMap(body.sessionVariables) }, {
      start: (h) => {
        id = h.id;
        if (h.kind === 'push') this.streams.set(h.id, h);
        else if (h.sourceType === 'TABLE') target = new BufferedResponse(res); // bounded by the table; stream scans stream
        target.writeHead(200, { 'content-type': asJson ? 'application/json' : DELIMITED });
        out({ queryId: h.id, columnNames: columnNames(h.columns), columnTypes: columnTypes(h.columns) });
      },
      row: (row) => out(row),
      end: () => {
        if (id !== undefined) this.streams.delete(id);
        finish();
      },
      error: (e) => {
        if (id !== undefined) this.streams.delete(id);
        out(toRestError(e, sql).body);
        finish();
      },
    });
  }

  private runClientQuery(req: HttpRequest, res: HttpResponse, request: { sql: string; properties: Record<string, string>; variables: Map<string, string> }, out: ClientQueryOutput): Promise<void> {
    const endpoint = new URL(req.url ?? '/', 'http://localhost').pathname.startsWith('/query-stream') ? 'query-stream' : 'query';
    return runClientQuery({ engine: this.engine, guards: this.guards, running: this.running, endpoint, ...(this.options.metrics ? { metrics: this.options.metrics } : {}), ...(this.options.peerTls ? { peerTls: this.options.peerTls } : {}) }, req, res, request, out);
  }

  private async closeQuery(req: HttpRequest, res: HttpResponse): Promise<void> {
    const body = (await this.readJson(req)) as { queryId?: unknown };
    const id = typeof body?.queryId === 'string' ? body.queryId : undefined;
    const h = id === undefined ? undefined : this.streams.get(id);
    if (!h) throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, `No query with id ${String(id)}`);
    this.streams.delete(id!);
    await h.close();
    res.writeHead(200, {});
    res.end();
  }

  /** POST /inserts-stream (inserts.ts). */
  private insertsStream(req: HttpRequest, res: HttpResponse): Promise<void> {
    return serveInsertsStream(this.engine, req, res, { maxLineBytes: this.guards.limits.maxInsertLineBytes, asJson: wantsJson(req), delimitedType: DELIMITED, graceMs: 5000 });
  }

  private async readJson(req: HttpRequest): Promise<unknown> {
    return parseJsonBody(await readBody(req, this.guards.limits.maxBodyBytes));
  }

  /** Ends every running query with a final message (graceful shutdown). */
  shutdown(): void {
    this.shuttingDown = true;
    for (const q of [...this.running]) q.shutdown();
    this.running.clear();
  }

  /** A new transient query id (for WebSocket subscriptions that share one query). */
  static newId(): string {
    return `transient_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  }
}

// -------------------------------------------------------------------------------------------------

/**
 * The request body (events, not an async iterator: cheaper per request, measured on pull-query
 * load), at most `maxBytes` of it: a larger one is refused with 413 as soon as its Content-Length
 * or its bytes pass the limit; the rest is read and dropped, and a client still sending after a
 * grace period is cut off.
 */
export function readBody(req: HttpRequest, maxBytes = DEFAULT_MAX_BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const refuse = () => {
      failed = true;
      chunks.length = 0;
      req.resume();
      const t = setTimeout(() => req.destroy(), 5000);
      t.unref();
      req.once('end', () => clearTimeout(t));
      reject(bodyTooLargeError(maxBytes));
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return refuse();
    req.on('data', (c: Buffer | string) => {
      if (failed) return;
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      size += b.length;
      if (size > maxBytes) return refuse();
      chunks.push(b);
    });
    req.once('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, 'Invalid request: empty body');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, `Invalid JSON in request: ${(e as Error).message}`);
  }
}

function wantsJson(req: HttpRequest): boolean {
  const accept = String(req.headers['accept'] ?? '');
  return accept.includes('application/json') && !accept.includes(DELIMITED);
}

/** /ksql and /query answer in the media type asked for: ksqlDB's v1 type unless plain JSON is wanted. */
function responseType(req: HttpRequest): string {
  const accept = String(req.headers['accept'] ?? '');
  return accept.includes('application/json') && !accept.includes(KSQL_V1) ? 'application/json' : KSQL_V1;
}

export function sendJson(res: HttpResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: HttpResponse, e: RestError): void {
  if (res.writableEnded) return;
  if (res.headersSent) {
    // Mid-stream: the error is written in-stream and the response ends.
    res.end(JSON.stringify(e.body) + '\n');
    return;
  }
  sendJson(res, e.status, e.body, 'application/json');
}
