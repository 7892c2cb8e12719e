/**
 * TLS of the server's https:// listeners, from ksqlDB's (Kafka's) key and trust store keys:
 *
 *   ssl.keystore.type      PEM (default) or PKCS12; JKS cannot be read
 *   ssl.keystore.location  PEM: one file with the private key and the certificate chain (Kafka's
 *                          PEM key store); PKCS12: the .p12 file
 *   ssl.key.password       passphrase of an encrypted PEM private key
 *   ssl.keystore.password  password of a PKCS12 key store
 *   ssl.truststore.type    PEM (only)
 *   ssl.truststore.location  PEM file of the CA certificates that client certificates (and, for
 *                          pull-query forwarding, the other servers' certificates) must chain to
 *   ssl.client.authentication  NONE (default) | REQUESTED | REQUIRED  (`ssl.client.auth=true`,
 *                          deprecated, is REQUIRED)
 *   ssl.enabled.protocols  e.g. TLSv1.2,TLSv1.3 (default: Node's, TLS 1.2 and 1.3)
 *
 * The same key store is this server's client certificate when it forwards a pull query to another
 * server, as ksqlDB's inter-node client uses its key store.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates, type ConnectionOptions, type SecureVersion, type TlsOptions } from 'node:tls';

export type ClientAuthentication = 'NONE' | 'REQUESTED' | 'REQUIRED';

export interface TlsSettings {
  /** Options of the listeners' TLS servers (ALPN h2 + http/1.1 included). */
  readonly server: TlsOptions;
  readonly clientAuthentication: ClientAuthentication;
  /** Options of this server's own TLS connections to other servers (pull-query forwarding). */
  readonly client: ConnectionOptions;
}

export class TlsConfigError extends Error {}

const PEM_KEY = /-----BEGIN (?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----[\s\S]+?-----END (?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PROTOCOLS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** The TLS settings, or undefined when no key store is configured. Throws TlsConfigError. */
export function tlsSettings(props: Readonly<Record<string, string | undefined>>, readFile: (path: string) => Buffer = readFileSync): TlsSettings | undefined {
  const location = nonEmpty(props['ssl.keystore.location']);
  const clientAuthentication = clientAuth(props);
  if (location === undefined) {
    if (clientAuthentication !== 'NONE') throw new TlsConfigError(`ssl.client.authentication=${clientAuthentication} needs an https:// listener with ssl.keystore.location`);
    return undefined;
  }
  const file = (key: string, path: string): Buffer => {
    try {
      return readFile(path);
    } catch (e) {
      throw new TlsConfigError(`${key}: cannot read '${path}': ${(e as Error).message}`);
    }
  };
  const identity: { key?: string; cert?: string; passphrase?: string; pfx?: Buffer } = {};
  const type = (props['ssl.keystore.type'] ?? 'PEM').trim().toUpperCase();
  switch (type) {
    case 'PEM': {
      const text = file('ssl.keystore.location', location).toString('utf8');
      const key = PEM_KEY.exec(text)?.[0];
      const certs = text.match(PEM_CERT) ?? [];
      if (key === undefined) throw new TlsConfigError(`ssl.keystore.location: '${location}' holds no PEM private key (a PEM key store is the private key followed by the certificate chain)`);
      if (certs.length === 0) throw new TlsConfigError(`ssl.keystore.location: '${location}' holds no PEM certificate (a PEM key store is the private key followed by the certificate chain)`);
      identity.key = key;
      identity.cert = certs.join('\n');
      const passphrase = nonEmpty(props['ssl.key.password']);
      if (passphrase !== undefined) identity.passphrase = passphrase;
      break;
    }
    case 'PKCS12':
      identity.pfx = file('ssl.keystore.location', location);
      if (props['ssl.keystore.password'] !== undefined) identity.passphrase = props['ssl.keystore.password'];
      break;
    default:
      throw new TlsConfigError(`ssl.keystore.type: ${type} key stores cannot be read; use PEM (key and certificate chain in one file) or PKCS12`);
  }
  const trustType = (props['ssl.truststore.type'] ?? 'PEM').trim().toUpperCase();
  const trustLocation = nonEmpty(props['ssl.truststore.location']);
  let ca: string[] | undefined;
  if (trustLocation !== undefined) {
    if (trustType !== 'PEM') throw new TlsConfigError(`ssl.truststore.type: ${trustType} trust stores cannot be read; use a PEM file of CA certificates`);
    ca = file('ssl.truststore.location', trustLocation).toString('utf8').match(PEM_CERT) ?? [];
    if (ca.length === 0) throw new TlsConfigError(`ssl.truststore.location: '${trustLocation}' holds no PEM certificate`);
  }
  const versions = protocols(props['ssl.enabled.protocols']);
  const server: TlsOptions = {
    ...identity,
    ...versions,
    ALPNProtocols: ['h2', 'http/1.1'],
    requestCert: clientAuthentication !== 'NONE',
    // REQUESTED: verified below (server.ts) when a certificate is presented; REQUIRED: by the handshake.
    rejectUnauthorized: clientAuthentication === 'REQUIRED',
    ...(ca ? { ca } : {}),
  };
  const client: ConnectionOptions = { ...identity, ...versions, ...(ca ? { ca: [...rootCertificates, ...ca] } : {}) };
  return { server, clientAuthentication, client };
}

function clientAuth(props: Readonly<Record<string, string | undefined>>): ClientAuthentication {
  const value = nonEmpty(props['ssl.client.authentication']);
  if (value === undefined) return props['ssl.client.auth']?.trim().toLowerCase() === 'true' ? 'REQUIRED' : 'NONE';
  const v = value.toUpperCase();
  if (v === 'NONE' || v === 'REQUESTED' || v === 'REQUIRED') return v;
  throw new TlsConfigError(`ssl.client.authentication: expected NONE, REQUESTED or REQUIRED, got '${value}'`);
}

function protocols(value: string | undefined): { minVersion?: SecureVersion; maxVersion?: SecureVersion } {
  const list = (value ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (list.length === 0) return {};
  const idx = list.map((p) => {
    const i = PROTOCOLS.indexOf(p as SecureVersion);
    if (i < 0) throw new TlsConfigError(`ssl.enabled.protocols: unknown protocol '${p}' (expected ${PROTOCOLS.join(', ')})`);
    return i;
  });
  return { minVersion: PROTOCOLS[Math.min(...idx)]!, maxVersion: PROTOCOLS[Math.max(...idx)]! };
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t === undefined || t === '' ? undefined : t;
}
