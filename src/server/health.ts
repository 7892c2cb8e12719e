/**
 * GET /healthcheck, as ksqlDB answers it: `{"isHealthy", "details": {"metastore", "kafka",
 * "commandRunner"}, "serverState"}`, HTTP 200 when every check passes and 503 when one fails.
 * Each check is a real probe with a time bound:
 * - metastore: the engine is open and its catalogue lists its streams, tables and queries;
 * - kafka (the log backend, embedded or Apache Kafka): a topic lookup round trip (on Kafka, the
 *   service's command topic);
 * - commandRunner: the engine is open and a statement goes through its statement queue (it is
 *   not stuck behind a statement that does not finish).
 * Results are cached for `ksql.healthcheck.interval.ms` (ksqlDB's key, default 5000), so a
 * client polling health cannot load the server or the broker.
 */
import type { Engine } from '../engine/engine.js';
import { commandTopicName } from '../engine/command-log.js';
import { serviceId } from '../engine/context.js';

export interface HealthStatus {
  readonly isHealthy: boolean;
  readonly details: {
    readonly metastore: { readonly isHealthy: boolean };
    readonly kafka: { readonly isHealthy: boolean };
    readonly commandRunner: { readonly isHealthy: boolean };
  };
  readonly serverState: 'READY';
}

export interface HealthOptions {
  /** Minimum ms between two evaluations (default 5000; 0 evaluates every request). */
  readonly intervalMs?: number;
  /** How long one probe may take before it counts as failed (default 3000). */
  readonly probeTimeoutMs?: number;
}

export const HEALTHCHECK_INTERVAL_KEY = 'ksql.healthcheck.interval.ms';

async function probe(timeoutMs: number, f: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([f().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class HealthCheck {
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private cached?: { readonly at: number; readonly status: Promise<HealthStatus> };

  constructor(
    private readonly engine: Engine,
    options: HealthOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.timeoutMs = options.probeTimeoutMs ?? 3000;
  }

  check(): Promise<HealthStatus> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.intervalMs) return this.cached.status;
    const status = this.evaluate();
    this.cached = { at: now, status };
    return status;
  }

  private async evaluate(): Promise<HealthStatus> {
    const engine = this.engine;
    const t = this.timeoutMs;
    const [metastore, kafka, commandRunner] = await Promise.all([
      probe(t, async () => {
        if (engine.isClosed) throw new Error('engine closed');
        engine.metastore.listSources();
        engine.listQueries();
      }),
      probe(t, () => engine.log.describeTopic(commandTopicName(serviceId(engine.properties)))),
      probe(t, async () => {
        if (engine.isClosed) throw new Error('engine closed');
        await engine.execute('SHOW PROPERTIES;');
      }),
    ]);
    return {
      isHealthy: metastore && kafka && commandRunner,
      details: { metastore: { isHealthy: metastore }, kafka: { isHealthy: kafka }, commandRunner: { isHealthy: commandRunner } },
      serverState: 'READY',
    };
  }
}
