/**
 * The one door every request passes before routing, whatever its protocol (HTTP/1.1, h2c, h2 over
 * TLS) or path (REST, /schema-registry, anything added later), and every WebSocket upgrade:
 * CORS first (a preflight is answered without credentials, as in ksqlDB), then authentication.
 * The router only ever sees admitted requests, so a new route is protected by construction.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { AuthOutcome, BasicAuthenticator } from './auth.js';
import type { CorsPolicy } from './cors.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import type { ErrorBody } from './rest-errors.js';

/** A response of either protocol; both have setHeader (headers then merge into writeHead's). */
export type GateResponse = HttpResponse & { setHeader(name: string, value: string): unknown };
export type GateRequest = HttpRequest & { readonly socket?: unknown };

export type Handler = (req: HttpRequest, res: HttpResponse) => void;

export class RequestGate {
  constructor(
    private readonly auth: BasicAuthenticator | undefined,
    private readonly cors: CorsPolicy | undefined,
  ) {}

  get open(): boolean {
    return !this.auth && !this.cors;
  }

  /** The handler behind the gate. */
  wrap(handler: Handler): (req: GateRequest, res: GateResponse) => void {
    if (this.open) return handler;
    return (req, res) => {
      if (this.cors) {
        const method = (req.method ?? 'GET').toUpperCase();
        const d = this.cors.decide(method, header(req, 'origin'), selfOrigin(req), header(req, 'access-control-request-method'));
        switch (d.kind) {
          case 'pass':
            break;
          case 'refused':
            return send(res, 403, { '@type': 'generic_error', error_code: 40300, message: d.message }, {});
          case 'preflight':
            res.writeHead(204, d.headers);
            res.end();
            return;
          case 'allowed':
            for (const [k, v] of Object.entries(d.headers)) res.setHeader(k, v);
            break;
          default:
            d satisfies never;
        }
      }
      if (!this.auth) return handler(req, res);
      const outcome = this.auth.authenticate(requestPath(req.url), header(req, 'authorization'));
      if (!(outcome instanceof Promise)) return admit(outcome, req, res, handler);
      outcome.then(
        (o) => admit(o, req, res, handler),
        (e: unknown) => send(res, 500, { '@type': 'generic_error', error_code: 50000, message: `Authentication failed: ${(e as Error).message}` }, {}),
      );
    };
  }

  /**
   * Checks an upgrade request; resolves true when it may proceed, otherwise the refusal has been
   * written to the socket.
   */
  async admitUpgrade(req: IncomingMessage, socket: Duplex): Promise<boolean> {
    if (this.cors && !this.cors.upgradeAllowed(req.headers.origin, selfOrigin(req))) {
      refuseUpgrade(socket, 403, { '@type': 'generic_error', error_code: 40300, message: 'CORS Rejected - Invalid origin' }, {});
      return false;
    }
    if (!this.auth) return true;
    const o: AuthOutcome = await this.auth.authenticate(requestPath(req.url), req.headers.authorization);
    if (o.kind === 'allowed') return true;
    refuseUpgrade(socket, o.status, o.body, o.headers);
    return false;
  }
}

function admit(o: AuthOutcome, req: HttpRequest, res: GateResponse, handler: Handler): void {
  if (o.kind === 'allowed') return handler(req, res);
  // The body is not read: a refused request must not cost the server its upload.
  send(res, o.status, o.body, o.headers);
}

function send(res: GateResponse, status: number, body: ErrorBody, headers: Readonly<Record<string, string>>): void {
  if (res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' };

function refuseUpgrade(socket: Duplex, status: number, body: ErrorBody, headers: Readonly<Record<string, string>>): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'content-type: application/json', `content-length: ${Buffer.byteLength(text)}`, 'connection: close'];
  socket.end(lines.join('\r\n') + '\r\n\r\n' + text);
}

/** The path as the router sees it (rest-api.ts and the upgrade handler normalise it the same way). */
export function requestPath(url: string | undefined): string {
  return new URL(url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
}

function header(req: { readonly headers: IncomingMessage['headers'] }, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request's own origin, `scheme://host`, from its Host (or h2 :authority) header. */
function selfOrigin(req: { readonly headers: IncomingMessage['headers']; readonly socket?: unknown }): string | undefined {
  const host = header(req, ':authority') ?? header(req, 'host');
  if (host === undefined) return undefined;
  const encrypted = (req.socket as Partial<TLSSocket> | undefined)?.encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host}`;
}
