/**
 * Cross-origin requests, as ksqlDB's KsqlCorsHandler (a Vert.x CorsHandler), configured by
 * `access.control.allow.origin` (comma-separated, `*` wildcards; empty = CORS off, the default),
 * `access.control.allow.methods` (default GET, POST, HEAD) and `access.control.allow.headers`
 * (default X-Requested-With, Content-Type, Accept, Origin), with credentials allowed.
 *
 * With CORS on, a request whose `Origin` is not allowed is refused (403), a preflight (`OPTIONS`
 * with `Access-Control-Request-Method`) is answered here (204), before authentication, and an
 * allowed cross-origin request gets `Access-Control-Allow-Origin` / `-Credentials`. Unlike ksqlDB,
 * WebSocket upgrades are checked too (ksqlDB exempts /ws/): a page of another origin must not open
 * a push query with the browser's credentials. A same-origin request (Origin equal to the
 * request's own scheme://host) is always allowed, as a browser needs no CORS for it.
 */

export interface CorsConfig {
  readonly allowOrigin: string;
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
}

const DEFAULT_METHODS = ['GET', 'POST', 'HEAD'] as const;
const DEFAULT_HEADERS = ['X-Requested-With', 'Content-Type', 'Accept', 'Origin'] as const;

export type CorsDecision =
  /** Not a cross-origin request, or CORS off: nothing to add. */
  | { readonly kind: 'pass' }
  /** Allowed cross-origin request: add these headers to the response. */
  | { readonly kind: 'allowed'; readonly headers: Readonly<Record<string, string>> }
  /** Preflight: answer 204 with these headers, do not route. */
  | { readonly kind: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'refused'; readonly message: string };

export class CorsPolicy {
  private readonly origins: RegExp;
  private readonly methods: string;
  private readonly headers: string;

  constructor(readonly config: CorsConfig) {
    const patterns = config.allowOrigin
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '')
      .map((o) => o.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*'));
    this.origins = new RegExp(`^(?:${patterns.join('|')})$`);
    this.methods = (config.allowMethods.length > 0 ? config.allowMethods : DEFAULT_METHODS).map((m) => m.trim().toUpperCase()).join(',');
    this.headers = (config.allowHeaders.length > 0 ? config.allowHeaders : DEFAULT_HEADERS).map((h) => h.trim()).join(',');
  }

  /** `undefined` when `access.control.allow.origin` is empty: CORS stays off, as in ksqlDB. */
  static of(config: CorsConfig): CorsPolicy | undefined {
    return config.allowOrigin.trim() === '' ? undefined : new CorsPolicy(config);
  }

  originAllowed(origin: string): boolean {
    return this.origins.test(origin);
  }

  /** The decision for an HTTP request; `self` is the request's own origin (scheme://host). */
  decide(method: string, origin: string | undefined, self: string | undefined, requestMethod: string | undefined): CorsDecision {
    if (origin === undefined || origin === self) return { kind: 'pass' };
    if (!this.originAllowed(origin)) return { kind: 'refused', message: 'CORS Rejected - Invalid origin' };
    const base = { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
    if (method === 'OPTIONS' && requestMethod !== undefined) {
      return { kind: 'preflight', headers: { ...base, 'access-control-allow-methods': this.methods, 'access-control-allow-headers': this.headers } };
    }
    return { kind: 'allowed', headers: base };
  }

  /** Whether a WebSocket upgrade from `origin` may proceed (no Origin: not a browser). */
  upgradeAllowed(origin: string | undefined, self: string | undefined): boolean {
    return origin === undefined || origin === self || this.originAllowed(origin);
  }
}
