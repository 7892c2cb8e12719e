/**
 * The server's security from its configuration keys (ksqlDB's names): authentication
 * (`authentication.*`, see auth.ts), TLS (`ssl.*`, see tls.ts) and CORS (`access.control.*`, see
 * cors.ts). Everything is read and checked here, at start-up: a missing file, a weak password
 * entry or an https:// listener without a key store stops the server with the reason.
 *
 * The password file is `sluice.authentication.password.file`, or, as in ksqlDB, the `file` option
 * of the `authentication.realm` section of the JAAS file named by `java.security.auth.login.config`.
 */
import { readFileSync } from 'node:fs';
import { BasicAuthenticator } from './auth.js';
import { CorsPolicy } from './cors.js';
import type { Listener } from './listeners.js';
import { tlsSettings, type TlsSettings } from './tls.js';

export interface ServerSecurity {
  readonly auth?: BasicAuthenticator;
  readonly cors?: CorsPolicy;
  readonly tls?: TlsSettings;
}

export class ServerConfigError extends Error {}

type Props = Readonly<Record<string, string | undefined>>;

export function serverSecurity(props: Props, listeners: readonly Listener[] = []): ServerSecurity {
  try {
    const tls = tlsSettings(props);
    const https = listeners.find((l) => l.scheme === 'https');
    if (https && !tls) {
      throw new ServerConfigError(`listeners: https://${https.host}:${https.port} needs a key store: set ssl.keystore.location (a PEM file with the private key and certificate chain; ssl.keystore.type=PEM) or a PKCS12 file with ssl.keystore.type=PKCS12`);
    }
    const auth = basicAuth(props);
    const cors = CorsPolicy.of({ allowOrigin: props['access.control.allow.origin'] ?? '', allowMethods: list(props['access.control.allow.methods']), allowHeaders: list(props['access.control.allow.headers']) });
    return { ...(tls ? { tls } : {}), ...(auth ? { auth } : {}), ...(cors ? { cors } : {}) };
  } catch (e) {
    if (e instanceof ServerConfigError) throw e;
    throw new ServerConfigError((e as Error).message);
  }
}

function basicAuth(props: Props): BasicAuthenticator | undefined {
  const method = (props['authentication.method'] ?? 'NONE').trim().toUpperCase();
  if (method === 'NONE') return undefined;
  if (method !== 'BASIC') throw new ServerConfigError(`authentication.method: expected NONE or BASIC, got '${props['authentication.method']}'`);
  const realm = props['authentication.realm'] ?? '';
  const passwordFile = props['sluice.authentication.password.file']?.trim() || jaasPasswordFile(props, realm);
  if (!passwordFile) {
    throw new ServerConfigError('authentication.method=BASIC needs a password file: set sluice.authentication.password.file (create it with `sluice user add --file <file> <user>`)');
  }
  return new BasicAuthenticator({ realm, roles: list(props['authentication.roles'] ?? '*'), passwordFile, skipPaths: list(props['authentication.skip.paths']) });
}

/** The `file="..."` option of the realm's section in a JAAS configuration file, if one is named. */
function jaasPasswordFile(props: Props, realm: string): string | undefined {
  const path = props['java.security.auth.login.config']?.trim();
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ServerConfigError(`java.security.auth.login.config: cannot read '${path}': ${(e as Error).message}`);
  }
  for (const m of text.matchAll(/([A-Za-z0-9_.-]+)\s*\{([^}]*)\}\s*;/g)) {
    if (m[1] !== realm) continue;
    const file = /\bfile\s*=\s*"([^"]*)"/.exec(m[2]!)?.[1];
    if (file) return file;
    throw new ServerConfigError(`${path}: section '${realm}' has no file="..." option`);
  }
  throw new ServerConfigError(`${path}: no section named '${realm}' (authentication.realm)`);
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
