/**
 * TLS and SASL settings for the Kafka connection, from the keys a Kafka (or ksqlDB) user already
 * writes in a properties file, mapped onto kafkajs' options:
 *
 *   security.protocol   PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
 *   sasl.mechanism      PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
 *   sasl.jaas.config    ... username="u" password="p";   (or sasl.username / sasl.password)
 *   ssl.ca.location     PEM file of the CA(s) to trust (librdkafka's name; Java keystores are not read)
 *   ssl.certificate.location / ssl.key.location / ssl.key.password   client certificate (mutual TLS)
 *   ssl.endpoint.identification.algorithm   '' turns host name verification off
 *
 * A missing or contradictory setting is an error at start-up, not a connection that hangs.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';

export interface KafkaSecurity {
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
}

const MECHANISMS = { PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' } as const;

export function kafkaSecurity(props: Readonly<Record<string, string | undefined>>, readFile: (path: string) => Buffer = readFileSync): KafkaSecurity {
  const protocol = (props['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new Error(`security.protocol: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got '${props['security.protocol']}'`);
  }
  const out: { ssl?: boolean | ConnectionOptions; sasl?: SASLOptions } = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls: ConnectionOptions = {};
    const file = (key: string): Buffer | undefined => {
      const path = props[key];
      if (path === undefined || path === '') return undefined;
      try {
        return readFile(path);
      } catch (e) {
        throw new Error(`${key}: cannot read '${path}': ${(e as Error).message}`);
      }
    };
    const ca = file('ssl.ca.location');
    const cert = file('ssl.certificate.location');
    const key = file('ssl.key.location');
    if (ca) tls.ca = [ca];
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
    if (props['ssl.key.password']) tls.passphrase = props['ssl.key.password'];
    if (props['ssl.endpoint.identification.algorithm'] === '') tls.checkServerIdentity = () => undefined;
    out.ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const name = (props['sasl.mechanism'] ?? 'PLAIN').toUpperCase();
    const mechanism = MECHANISMS[name as keyof typeof MECHANISMS];
    if (mechanism === undefined) throw new Error(`sasl.mechanism: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got '${props['sasl.mechanism']}'`);
    const jaas = props['sasl.jaas.config'] ?? '';
    const fromJaas = (field: string) => new RegExp(`${field}\\s*=\\s*"([^"]*)"`).exec(jaas)?.[1];
    const username = props['sasl.username'] ?? fromJaas('username');
    const password = props['sasl.password'] ?? fromJaas('password');
    if (username === undefined || password === undefined) {
      throw new Error(`${protocol} needs a user name and password: set sasl.jaas.config (username="..." password="...") or sasl.username and sasl.password`);
    }
    out.sasl = { mechanism, username, password } as SASLOptions;
  } else if (props['sasl.mechanism'] !== undefined) {
    throw new Error(`sasl.mechanism is set but security.protocol is ${protocol}: use SASL_PLAINTEXT or SASL_SSL`);
  }
  return out;
}
