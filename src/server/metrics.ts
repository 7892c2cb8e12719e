/**
 * GET /metrics: Prometheus text exposition (prom-client). Per persistent query: records in and
 * out, failed records (processing-log entries), consumer lag and micro-batch durations; server
 * wide: HTTP request latency by endpoint (route template, not the raw path), pull-query latency,
 * push queries running, and Node's default process metrics (event-loop lag, heap, GC, CPU).
 *
 * The query counters already exist per query (src/runtime/query-stats.ts, updated once per
 * batch): they are read when Prometheus scrapes (collect callbacks), so nothing is added to the
 * per-record path.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { PersistentQuery } from '../runtime/persistent-query.js';
import { BATCH_SECONDS_BUCKETS } from '../runtime/query-stats.js';
import type { HttpRequest, HttpResponse } from './http-types.js';

export interface MetricSources {
  /** Push queries clients are running (HTTP and WebSocket). */
  pushQueries(): number;
  /** WebSocket subscribers (several may share one query). */
  wsSubscribers(): number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The route template of a path, so labels stay few whatever the clients send. */
export function endpointOf(path: string): string {
  switch (path) {
    case '/ksql':
    case '/query':
    case '/query-stream':
    case '/close-query':
    case '/inserts-stream':
    case '/info':
    case '/healthcheck':
    case '/status':
    case '/metrics':
    case '/ws/query':
      return path;
  }
  if (/^\/status\/[^/]+\/[^/]+\/[^/]+$/.test(path)) return '/status/{type}/{entity}/{action}';
  if (path === '/schema-registry' || path.startsWith('/schema-registry/')) return '/schema-registry/*';
  return 'other';
}

function persistentQueries(engine: Engine): PersistentQuery[] {
  const out: PersistentQuery[] = [];
  for (const s of engine.listQueries()) {
    const q = engine.query(s.id);
    if (q) out.push(q);
  }
  return out;
}

const BATCH_HISTOGRAM = 'sluice_query_batch_duration_seconds';

interface ExportedValue {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A histogram whose buckets each query's stats keep (per batch): read at scrape time. prom-client
 * exports a histogram through getForPromString() (get() is built on it), so that is what this
 * provides, in the same shape.
 */
class BatchDurationHistogram extends Histogram<'query_id'> {
  constructor(
    private readonly engine: Engine,
    registry: Registry,
  ) {
    super({ name: BATCH_HISTOGRAM, help: 'Duration of persistent-query micro-batches (poll, process, append outputs).', labelNames: ['query_id'], buckets: [...BATCH_SECONDS_BUCKETS], registers: [registry] });
  }

  async getForPromString(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const values: ExportedValue[] = [];
    const bucket = (le: number | string, queryId: string, value: number): ExportedValue => ({ metricName: `${BATCH_HISTOGRAM}_bucket`, labels: { le, query_id: queryId }, sharedLabels: {}, value });
    for (const q of persistentQueries(this.engine)) {
      const d = q.stats.batchDurations();
      let cumulative = 0;
      BATCH_SECONDS_BUCKETS.forEach((le, i) => {
        cumulative += d.counts[i] ?? 0;
        values.push(bucket(le, q.id, cumulative));
      });
      cumulative += d.counts[BATCH_SECONDS_BUCKETS.length] ?? 0;
      values.push(bucket('+Inf', q.id, cumulative));
      values.push({ metricName: `${BATCH_HISTOGRAM}_sum`, labels: { query_id: q.id }, sharedLabels: {}, value: d.sumSeconds });
      values.push({ metricName: `${BATCH_HISTOGRAM}_count`, labels: { query_id: q.id }, sharedLabels: {}, value: d.count });
    }
    return { name: BATCH_HISTOGRAM, help: 'Duration of persistent-query micro-batches (poll, process, append outputs).', type: 'histogram', values, aggregator: 'sum' };
  }
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'endpoint' | 'status'>;
  private readonly pullDuration: Histogram<'source_type'>;

  constructor(engine: Engine, sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'sluice_http_request_duration_seconds',
      help: 'HTTP request latency, from the request to the end of its response, by endpoint (route template).',
      labelNames: ['method', 'endpoint', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.pullDuration = new Histogram({ name: 'sluice_pull_query_duration_seconds', help: 'Pull-query latency, from start to last row.', labelNames: ['source_type'], buckets: LATENCY_BUCKETS, registers });
    new Gauge({
      name: 'sluice_push_queries',
      help: 'Push queries clients are running (HTTP and WebSocket).',
      registers,
      collect() {
        this.set(sources.pushQueries());
      },
    });
    new Gauge({
      name: 'sluice_push_subscribers',
      help: 'WebSocket push subscribers (identical queries share one underlying query).',
      registers,
      collect() {
        this.set(sources.wsSubscribers());
      },
    });
    const perQuery = (name: string, help: string, read: (s: ReturnType<PersistentQuery['stats']['snapshot']>) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['query_id'],
        registers,
        collect() {
          this.reset();
          for (const q of persistentQueries(engine)) this.inc({ query_id: q.id }, read(q.stats.snapshot()));
        },
      });
    perQuery('sluice_query_records_in_total', 'Records a persistent query consumed.', (s) => s.consumedTotal);
    perQuery('sluice_query_records_out_total', 'Records a persistent query produced.', (s) => s.producedTotal);
    perQuery('sluice_query_errors_total', 'Records a persistent query failed to process (processing-log entries).', (s) => s.failedTotal);
    new Gauge({
      name: 'sluice_query_consumer_lag',
      help: "Records of a persistent query's input topics not consumed yet.",
      labelNames: ['query_id'],
      registers,
      async collect() {
        this.reset();
        for (const q of persistentQueries(engine)) this.set({ query_id: q.id }, await q.consumerLag().catch(() => Number.NaN));
      },
    });
    new Counter({
      name: 'sluice_processing_log_entries_total',
      help: 'Entries written to the processing log (all queries, transient ones included).',
      registers,
      collect() {
        this.reset();
        this.inc(engine.processingLog.count);
      },
    });
    new BatchDurationHistogram(engine, this.registry);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Times a request until its response finishes (or the client goes away). */
  observeRequest(req: HttpRequest, res: HttpResponse, path: string): void {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = (res as HttpResponse & { readonly statusCode?: number }).statusCode ?? 0;
      this.httpDuration.observe({ method, endpoint: endpointOf(path), status: String(status) }, (performance.now() - started) / 1000);
    };
    (res as HttpResponse & { once?(event: 'finish', f: () => void): unknown }).once?.('finish', finish);
    res.on('close', finish);
  }

  observePull(sourceType: 'STREAM' | 'TABLE', seconds: number): void {
    this.pullDuration.observe({ source_type: sourceType }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
