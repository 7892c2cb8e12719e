/**
 * Vitest global setup: the Kafka integration tests need a real broker. When none answers at
 * KAFKA_BOOTSTRAP (default 127.0.0.1:9092), start the project's own single-node broker
 * (scripts/kafka/start.sh: fetched with Maven, KRaft, loopback only) and stop it afterwards —
 * so `npm test` works on a fresh machine. A broker that was already running is left alone.
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

const bootstrap = process.env['KAFKA_BOOTSTRAP'] ?? '127.0.0.1:9092';

function answers(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const s = connect({ host: host!, port: Number(port) }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env['SLUICE_SKIP_KAFKA'] === '1' || (await answers(bootstrap))) return undefined;
  if (process.env['KAFKA_BOOTSTRAP'] !== undefined) return undefined; // a remote broker we must not start
  console.log('No Kafka broker at 127.0.0.1:9092: starting one (npm run kafka:start)...');
  execFileSync('bash', ['scripts/kafka/start.sh'], { stdio: 'inherit' });
  return () => {
    execFileSync('bash', ['scripts/kafka/stop.sh'], { stdio: 'inherit' });
  };
}
