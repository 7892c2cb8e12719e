/**
 * The Sluice server: ksqlDB's REST API, HTTP/1.1 and HTTP/2 cleartext (prior knowledge) on one
 * port, plus WebSocket push queries on /ws/query; https:// listeners serve the same over TLS
 * (ALPN h2 or http/1.1).
 *
 * Each connection's first bytes decide its protocol: the HTTP/2 client preface (`PRI * HTTP/2.0`)
 * hands the socket to an http2 server, anything else to the http server. A TLS connection that
 * negotiated h2 goes to the http2 server directly. Every listener feeds the same two servers,
 * and both call the same handler, behind the gate (CORS, authentication: gate.ts).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine/engine.js';
import { RequestGate, requestPath, type GateRequest, type GateResponse } from './gate.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { listenerUrl, type Listener } from './listeners.js';
import { PushHub, type PushHubOptions } from './push-hub.js';
import { RestApi, type RestApiOptions } from './rest-api.js';
import type { ServerSecurity } from './security-config.js';
import { ServerGuards, limitsFromProperties, type ServerLimits } from './limits.js';
import { ServerMetrics } from './metrics.js';
import { HEALTHCHECK_INTERVAL_KEY, HealthCheck } from './health.js';

export interface ServerOptions extends RestApiOptions, PushHubOptions {
  readonly port?: number;
  /** Default 127.0.0.1 (ksqlDB binds 0.0.0.0; pass '0.0.0.0' to listen on every interface). */
  readonly host?: string;
  /** ksqlDB's `listeners` (listeners.ts); default one http:// listener on host:port. */
  readonly listeners?: readonly Listener[];
  /** Authentication, TLS, CORS (security-config.ts: serverSecurity(properties, listeners)). */
  readonly security?: ServerSecurity;
  /** Limits over those set in the engine's properties (limits.ts has the keys and defaults). */
  readonly limits?: Partial<ServerLimits>;
  /** Minimum ms between two health evaluations (default: ksql.healthcheck.interval.ms, or 5000). */
  readonly healthCheckIntervalMs?: number;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

export class SluiceServer {
  readonly api: RestApi;
  readonly hub: PushHub;
  /** One listening server per listener, in the order of `listeners`. */
  private readonly fronts: { readonly listener: Listener; readonly server: NetServer }[];
  readonly guards: ServerGuards;
  readonly metrics: ServerMetrics;
  private readonly http: HttpServer;
  private readonly h2: Http2Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly gate: RequestGate;
  private closing?: Promise<void>;

  constructor(
    readonly engine: Engine,
    private readonly options: ServerOptions = {},
  ) {
    const security = options.security ?? {};
    const listeners = options.listeners ?? [{ scheme: 'http', host: options.host ?? '127.0.0.1', port: options.port ?? 8088 }];
    if (listeners.some((l) => l.scheme === 'https') && !security.tls) throw new Error('An https:// listener needs TLS settings (ssl.keystore.location)');
    this.gate = new RequestGate(security.auth, security.cors);
    // Limits: the engine's properties (the --config file), then maxBufferedBytes, then options.limits.
    this.guards = new ServerGuards({ ...limitsFromProperties(engine.properties), ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}), ...options.limits });
    this.metrics = new ServerMetrics(engine, { pushQueries: () => this.guards.pushSlots.active, wsSubscribers: () => this.hub.subscriberCount });
    const interval = options.healthCheckIntervalMs ?? Number(engine.properties[HEALTHCHECK_INTERVAL_KEY] ?? 5000);
    const health = new HealthCheck(engine, { intervalMs: interval });
    const apiOptions = { ...options, guards: this.guards, metrics: this.metrics, health, ...(security.tls ? { peerTls: security.tls.client } : {}) };
    this.api = new RestApi(engine, apiOptions, () => (this.fronts[0]!.server.listening ? this.url.replace(/^https?:\/\//, '') : undefined));
    this.hub = new PushHub(engine, { ...options, guards: this.guards, maxBufferedBytes: this.guards.limits.maxBufferedBytes });
    const handler = this.gate.wrap((req: HttpRequest, res: HttpResponse) => this.api.handle(req, res));
    this.http = createHttpServer((req, res) => handler(req as GateRequest, res as unknown as GateResponse));
    this.http.keepAliveTimeout = 30_000;
    // Long /inserts-stream and push requests are legitimate: no whole-request deadline (Node's 300 s);
    // idle connections are closed by ksql.idle.connection.timeout.seconds, slow headers by headersTimeout.
    this.http.requestTimeout = 0;
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.h2 = createHttp2Server((req, res) => handler(req as unknown as GateRequest, res as unknown as GateResponse));
    this.h2.on('session', (s: ServerHttp2Session) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.fronts = listeners.map((listener) => ({ listener, server: this.front(listener, security) }));
  }

  private front(listener: Listener, security: ServerSecurity): NetServer {
    if (listener.scheme === 'http') return createNetServer((socket) => this.sniff(socket));
    const tls = security.tls!;
    const server = createTlsServer(tls.server, (socket: TLSSocket) => {
      // REQUESTED: a certificate is optional, but one that does not verify is refused.
      if (tls.clientAuthentication === 'REQUESTED' && !socket.authorized && socket.getPeerCertificate()?.raw !== undefined) {
        socket.destroy();
        return;
      }
      if (socket.alpnProtocol === 'h2') this.h2.emit('connection', socket);
      else this.sniff(socket);
    });
    // The raw TCP sockets, so that close() can end connections still in their handshake.
    server.on('connection', (raw: Socket) => this.track(raw));
    server.on('tlsClientError', (_e: Error, socket: TLSSocket) => socket.destroy());
    return server;
  }

  /** Starts every listener; resolves with the first one's address (port 0 picks a free port). */
  async listen(): Promise<AddressInfo> {
    try {
      for (const { listener, server } of this.fronts) {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(listener.port, listener.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      }
    } catch (e) {
      // One listener failed (port in use, ...): do not leave the others open.
      for (const { server } of this.fronts) if (server.listening) server.close();
      throw e;
    }
    return this.address;
  }

  get address(): AddressInfo {
    return this.fronts[0]!.server.address() as AddressInfo;
  }

  /** `http(s)://host:port` of the first listener. */
  get url(): string {
    return this.urls[0]!;
  }

  /** The URL of every listener, in the order of `listeners`. */
  get urls(): string[] {
    return this.fronts.map(({ listener, server }) => {
      const a = server.address() as AddressInfo;
      return listenerUrl(listener.scheme, a.address, a.port, a.family);
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // ksql.idle.connection.timeout.seconds: no data either way for that long closes the connection.
    const idle = this.guards.limits.idleConnectionTimeoutMs;
    if (idle > 0) socket.setTimeout(idle, () => socket.destroy());
  }

  private sniff(socket: Socket): void {
    this.track(socket);
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2Prefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2Prefix && seen.length < H2_PREFACE.length) return; // need more bytes to decide
      socket.off('data', onData);
      socket.pause();
      if (isH2Prefix) {
        this.h2.emit('connection', replaying(socket, seen));
      } else {
        socket.unshift(seen);
        this.http.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.gate.open) return this.route(req, socket, head);
    socket.on('error', () => socket.destroy());
    this.gate.admitUpgrade(req, socket).then(
      (ok) => {
        if (ok && !socket.destroyed) this.route(req, socket, head);
      },
      () => socket.destroy(),
    );
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (requestPath(req.url) !== '/ws/query') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\r\n' + JSON.stringify({ '@type': 'generic_error', error_code: 40400, message: `Not found: ${url.pathname}` }));
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.hub.accept(ws, url.searchParams.get('request')));
  }

  /**
   * Graceful shutdown: stop accepting connections, end running queries with a final message,
   * let responses finish, then close the remaining connections. The engine is the caller's.
   */
  close(graceMs = 2000): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const stopped = Promise.all(this.fronts.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
      this.api.shutdown();
      await this.hub.close();
      for (const s of this.sessions) s.close();
      this.http.closeIdleConnections();
      // These timers are deliberately not unref'd: a caller awaiting close() must see it finish,
      // even when nothing else keeps the process alive (an unref'd wait let Node exit mid-close).
      let deadlineTimer: NodeJS.Timeout | undefined;
      let checkTimer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        deadlineTimer = setTimeout(resolve, graceMs);
      });
      const drained = new Promise<void>((resolve) => {
        const check = () => {
          if (this.sockets.size === 0) resolve();
          else checkTimer = setTimeout(check, 20);
        };
        check();
      });
      await Promise.race([drained, deadline]);
      clearTimeout(deadlineTimer);
      clearTimeout(checkTimer);
      for (const s of this.sockets) s.destroy();
      for (const c of this.wss.clients) c.terminate();
      this.wss.close();
      await stopped;
    })();
    return this.closing;
  }
}

/**
 * The socket as a Duplex that first yields the bytes already read from it. The http2 core reads
 * a net.Socket's native handle directly (bytes put back with unshift() would be lost), but it
 * accepts any Duplex.
 */
function replaying(socket: Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(head);
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  return d;
}
