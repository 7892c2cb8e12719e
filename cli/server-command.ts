/**
 * `sluice server`: the engine behind the REST API, until SIGTERM/SIGINT (then a graceful
 * shutdown: stop accepting, end running queries with a final message, close the engine).
 */
import { hostname } from 'node:os';
import { Engine } from '../src/engine/engine.js';
import { kafkaSecurity, openKafkaLog } from '../src/storage/log/kafka/index.js';
import { SluiceServer } from '../src/server/server.js';
import { loadConfigFile, type ServerConfig } from '../src/server/config.js';
import type { Listener } from '../src/server/listeners.js';
import { ServerConfigError, serverSecurity, type ServerSecurity } from '../src/server/security-config.js';

export interface ServerCommandOptions {
  readonly port?: string;
  readonly host?: string;
  readonly dataDir?: string;
  readonly config?: string;
  readonly kafkaBrokers?: string;
  readonly kafkaSecurityProtocol?: string;
  readonly kafkaSaslMechanism?: string;
  readonly kafkaSaslUsername?: string;
  readonly kafkaSslCa?: string;
  readonly advertisedUrl?: string;
}

/** Command-line flags override the configuration file's Kafka security keys. */
function securityProperties(opts: ServerCommandOptions, props: Record<string, string>): Record<string, string | undefined> {
  return {
    ...props,
    ...(opts.kafkaSecurityProtocol !== undefined ? { 'security.protocol': opts.kafkaSecurityProtocol } : {}),
    ...(opts.kafkaSaslMechanism !== undefined ? { 'sasl.mechanism': opts.kafkaSaslMechanism } : {}),
    ...(opts.kafkaSaslUsername !== undefined ? { 'sasl.username': opts.kafkaSaslUsername } : {}),
    ...(process.env['SLUICE_KAFKA_SASL_PASSWORD'] !== undefined ? { 'sasl.password': process.env['SLUICE_KAFKA_SASL_PASSWORD'] } : {}),
    ...(opts.kafkaSslCa !== undefined ? { 'ssl.ca.location': opts.kafkaSslCa } : {}),
  };
}

export async function runServer(opts: ServerCommandOptions): Promise<void> {
  const config: ServerConfig = opts.config ? loadConfigFile(opts.config) : { properties: {} };
  const dataDir = opts.dataDir ?? config.dataDir ?? 'data';
  // --port / --host override the first listener of `listeners` (or make the only one, http://).
  const [first, ...rest]: Listener[] = config.listeners ?? [{ scheme: 'http', host: '127.0.0.1', port: 8088 }];
  const port = opts.port !== undefined ? Number(opts.port) : first!.port;
  const host = opts.host ?? first!.host;
  const listeners: Listener[] = [{ ...first!, host, port }, ...rest];
  // Start-up errors (a bad password file, an https:// listener without a key store) stop here.
  let security: ServerSecurity;
  try {
    security = serverSecurity(config.properties, listeners);
  } catch (e) {
    if (!(e instanceof ServerConfigError)) throw e;
    process.stderr.write(`Cannot start the server: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  // Apache Kafka instead of the embedded log: --kafka-brokers, or bootstrap.servers in the config file.
  const brokers = opts.kafkaBrokers ?? config.properties['bootstrap.servers'] ?? config.properties['ksql.streams.bootstrap.servers'];
  const log = brokers
    ? await openKafkaLog({
        brokers: brokers.split(',').map((b) => b.trim()).filter(Boolean),
        clientId: `sluice-${config.properties['ksql.service.id'] ?? 'default_'}`,
        ...kafkaSecurity(securityProperties(opts, config.properties)),
      })
    : undefined;
  // Peers forward pull queries here (ksqlDB's ksql.advertised.listener); a wildcard bind is not an address.
  const advertisedUrl = opts.advertisedUrl ?? config.properties['ksql.advertised.listener'] ?? `${first!.scheme}://${host === '0.0.0.0' || host === '::' ? hostname() : host}:${port}`;
  const engine = await Engine.open({ dataDir, properties: config.properties, advertisedUrl, ...(log ? { log } : {}) });
  const server = new SluiceServer(engine, {
    listeners,
    security,
    serviceId: config.properties['ksql.service.id'] ?? 'default_',
    ...(config.maxBufferedBytes !== undefined ? { maxBufferedBytes: config.maxBufferedBytes } : {}),
    ...(config.properties['auto.offset.reset'] !== undefined ? { defaultOffsetReset: config.properties['auto.offset.reset'] } : {}),
  });
  try {
    await server.listen();
  } catch (e) {
    await engine.close();
    throw e;
  }
  const auth = security.auth ? `, ${security.auth.config.passwordFile} for authentication` : '';
  process.stdout.write(`Sluice server listening on ${server.urls.join(', ')} (data directory '${dataDir}'${auth})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await server.close();
  await engine.close();
  await log?.close();
  process.stdout.write('Server stopped\n');
}
