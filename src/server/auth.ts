/**
 * HTTP Basic authentication and role check, as ksqlDB's `authentication.method=BASIC`:
 *
 * - no `Authorization` header, or another scheme: 401 `Unauthorized` (40100) with
 *   `WWW-Authenticate: Basic realm="<authentication.realm>"`;
 * - a Basic header that does not decode to `user:password`: 400 `Malformed authorization header`;
 * - an unknown user or a wrong password: 401;
 * - a known user without one of `authentication.roles`: 403 `Forbidden` (40300);
 * - ksqlDB's open paths (`/v1/metadata`, `/v1/metadata/id`, `/healthcheck`) and those of
 *   `authentication.skip.paths` (comma-separated, `*` matches anything) need no credentials.
 *
 * Roles: `**` admits every authenticated user, `*` (the default) every user with at least one role
 * (Jetty's meaning; ksqlDB's current code drops `*`, so its default admits nobody), anything else is
 * a list of roles of which the user needs one.
 *
 * Verifying a password costs a scrypt derivation (tens of ms, off the event loop), so accepted
 * credentials are remembered by the SHA-256 of their header until the password file changes; the
 * file is checked for changes at most once a second, so `sluice user add` needs no restart.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ERROR_CODES, type ErrorBody } from './rest-errors.js';
import { DUMMY_HASH, parsePasswordFile, verifyPassword, type PasswordEntry } from './password-file.js';

export interface BasicAuthConfig {
  /** `authentication.realm` (ksqlDB's default is empty). */
  readonly realm: string;
  /** `authentication.roles`, as listed (default `*`). */
  readonly roles: readonly string[];
  /** The password file (`sluice.authentication.password.file`, or the JAAS section's `file`). */
  readonly passwordFile: string;
  /** `authentication.skip.paths`. */
  readonly skipPaths: readonly string[];
}

export type AuthOutcome =
  | { readonly kind: 'allowed'; readonly user: string | undefined }
  | { readonly kind: 'refused'; readonly status: 400 | 401 | 403; readonly body: ErrorBody; readonly headers: Readonly<Record<string, string>> };

/** Paths ksqlDB serves without authentication (AuthHandlers.KSQL_AUTHENTICATION_SKIP_PATHS). */
export const KSQL_AUTHENTICATION_SKIP_PATHS = ['/v1/metadata', '/v1/metadata/id', '/healthcheck'] as const;

const RELOAD_CHECK_MS = 1000;
const CACHE_LIMIT = 10_000;

interface Known {
  readonly user: string;
  readonly roles: readonly string[];
}

export class BasicAuthenticator {
  private users: Map<string, PasswordEntry>;
  private fileStamp: string;
  private lastCheck = 0;
  private readonly accepted = new Map<string, Known>();
  private readonly skip: RegExp;
  private readonly admit: (roles: readonly string[]) => boolean;
  private readonly challenge: Readonly<Record<string, string>>;

  /** Loads the password file; throws (with the file and line) when it cannot be used. */
  constructor(readonly config: BasicAuthConfig) {
    this.fileStamp = stamp(config.passwordFile);
    this.users = load(config.passwordFile);
    this.skip = skipPattern([...KSQL_AUTHENTICATION_SKIP_PATHS, ...config.skipPaths]);
    this.admit = roleCheck(config.roles);
    this.challenge = { 'www-authenticate': `Basic realm="${config.realm.replace(/["\\]/g, '\\$&')}"` };
  }

  /** Whether the (normalised) path is served without credentials. */
  isOpen(path: string): boolean {
    return this.skip.test(path);
  }

  /**
   * The outcome for a request to `path` with this `Authorization` header. Synchronous when the
   * answer is known without deriving a key (open path, remembered credentials, malformed header).
   */
  authenticate(path: string, authorization: string | undefined): AuthOutcome | Promise<AuthOutcome> {
    if (this.isOpen(path)) return { kind: 'allowed', user: undefined };
    this.reloadIfChanged();
    if (authorization === undefined || !/^basic /i.test(authorization)) return this.unauthorized();
    const digest = createHash('sha256').update(authorization).digest('base64');
    const known = this.accepted.get(digest);
    if (known) return this.decide(known);
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return refused(400, ERROR_CODES.BAD_REQUEST, 'Malformed authorization header');
    return this.verify(digest, decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  private async verify(digest: string, user: string, password: string): Promise<AuthOutcome> {
    const users = this.users;
    const entry = users.get(user);
    // An unknown user costs the same derivation, so answers do not tell which users exist.
    const ok = await verifyPassword(password, entry?.hash ?? DUMMY_HASH);
    if (!ok || !entry) return this.unauthorized();
    const known = { user: entry.user, roles: entry.roles };
    // Remember only if the file did not change while the key was derived.
    if (this.users === users) {
      if (this.accepted.size >= CACHE_LIMIT) this.accepted.clear();
      this.accepted.set(digest, known);
    }
    return this.decide(known);
  }

  private decide(known: Known): AuthOutcome {
    return this.admit(known.roles) ? { kind: 'allowed', user: known.user } : refused(403, 40300, 'Forbidden');
  }

  private unauthorized(): AuthOutcome {
    return refused(401, 40100, 'Unauthorized', this.challenge);
  }

  private reloadIfChanged(): void {
    const now = Date.now();
    if (now - this.lastCheck < RELOAD_CHECK_MS) return;
    this.lastCheck = now;
    const s = stamp(this.config.passwordFile);
    if (s === this.fileStamp) return;
    this.fileStamp = s;
    try {
      this.users = load(this.config.passwordFile);
      this.accepted.clear();
    } catch (e) {
      // Keep serving with the users last read; a half-written or bad file must not lock everyone out.
      process.stderr.write(`Password file not reloaded, keeping the previous users: ${(e as Error).message}\n`);
    }
  }
}

function refused(status: 400 | 401 | 403, code: number, message: string, headers: Readonly<Record<string, string>> = {}): AuthOutcome {
  return { kind: 'refused', status, body: { '@type': 'generic_error', error_code: code, message }, headers };
}

function load(path: string): Map<string, PasswordEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read the password file '${path}': ${(e as Error).message}`);
  }
  return parsePasswordFile(text, path);
}

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

/** ksqlDB's comma-separated wildcards (`*` matches any characters) as one anchored pattern. */
function skipPattern(paths: readonly string[]): RegExp {
  const alternatives = paths
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

function roleCheck(configured: readonly string[]): (roles: readonly string[]) => boolean {
  const roles = configured.map((r) => r.trim()).filter((r) => r !== '');
  if (roles.includes('**')) return () => true;
  const anyRole = roles.length === 0 || roles.includes('*');
  const allowed = new Set(roles.filter((r) => r !== '*'));
  return (userRoles) => (anyRole && userRoles.length > 0) || userRoles.some((r) => allowed.has(r));
}
