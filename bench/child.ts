/**
 * Runs one benchmark case in a child process of its own, so that its peak RSS
 * (process.resourceUsage().maxRSS, the kernel's high-water mark) is the query's alone: a sampler on
 * a timer would miss peaks, as drain() runs whole batches without yielding to timers.
 *
 * Steps: open the prepared input log (and Kafka for the Kafka variants), declare the sources, create
 * the query (auto.offset.reset=earliest, queries not started), time engine.drain() — or, on Kafka,
 * steps until every input record is consumed — then read the peak RSS, run the plain-JS baseline on
 * the same input bytes, and report back over IPC.
 */
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import type { Log } from '../src/storage/log/log.js';
import { openEmbeddedLog } from '../src/storage/log/embedded/index.js';
import { openKafkaLog } from '../src/storage/log/kafka/index.js';
import { CompactInput, runBaseline } from './baselines.js';
import { CASES, sourceDdl, type InputTopic, type QueryCase, type ServerCase, type TopicMap } from './cases.js';
import { percentile, pullLatency, pushFanout, type LatencyResult } from './server-bench.js';

export interface ChildRequest {
  readonly caseName: string;
  /** The embedded log holding the generated input (also the baseline's input for Kafka cases). */
  readonly prepLogDir: string;
  /** Engine data directory (command log) for this case. */
  readonly workDir: string;
  readonly embeddedTopics: Readonly<Record<InputTopic, string>>;
  /** Server cases: events generated for the pull table, and the length of each measurement. */
  readonly serverEvents?: number;
  readonly serverSeconds?: number;
  readonly kafka?: {
    readonly brokers: readonly string[];
    readonly topics: Readonly<Record<InputTopic, string>>;
    readonly sinkPrefix: string;
    readonly serviceId: string;
    /** Records loaded into each Kafka input topic (the first ones of the embedded topic). */
    readonly records: number;
  };
}

export interface ChildResult {
  readonly name: string;
  readonly status: 'ok' | 'skipped' | 'error';
  readonly records: number | null;
  readonly seconds: number | null;
  readonly outputs: number | null;
  readonly baselineSeconds: number | null;
  readonly baselineOutputs: number | null;
  readonly peakRssMb: number | null;
  readonly p50Ms?: number | null;
  readonly p99Ms?: number | null;
  /** Kafka cases: seconds from the query's start until its first output was appended. */
  readonly firstOutputSeconds?: number | null;
  readonly note: string | null;
}

const KAFKA_TIMEOUT_MS = 120_000;

export async function runChild(req: ChildRequest): Promise<ChildResult> {
  const c = CASES.find((x) => x.name === req.caseName);
  if (c === undefined) throw new Error(`no such case: ${req.caseName}`);
  if (c.kind === 'server') return runServerCase(c, req);
  const prepLog = await openEmbeddedLog(req.prepLogDir);
  let kafkaLog: Log | undefined;
  try {
    if (c.backend === 'kafka') {
      if (req.kafka === undefined) throw new Error('no Kafka settings');
      kafkaLog = await openKafkaLog({ brokers: [...req.kafka.brokers], logLevel: 'nothing', clientId: 'sluice-bench' });
    }
    return await runQueryCase(c, req, prepLog, kafkaLog);
  } finally {
    await kafkaLog?.close();
    await prepLog.close();
  }
}

/** Pull latency at 2,000 requests/s (the target's rate); push fan-out at 50 rows/s to every subscriber. */
const PULL_RATE = 2_000;

async function runServerCase(c: ServerCase, req: ChildRequest): Promise<ChildResult> {
  const seconds = req.serverSeconds ?? 5;
  let r: LatencyResult;
  try {
    r = c.subscribers === undefined ? await pullLatency(req.workDir, req.serverEvents ?? 100_000, PULL_RATE, seconds) : await pushFanout(req.workDir, c.subscribers, 50, seconds);
  } catch (e) {
    const msg = (e as Error).message;
    return empty(c.name, /not supported yet/i.test(msg) ? 'skipped' : 'error', msg);
  }
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    name: c.name,
    status: 'ok',
    records: r.records,
    seconds: r.seconds,
    outputs: null,
    baselineSeconds: null,
    baselineOutputs: null,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    note: r.note,
  };
}

function empty(name: string, status: ChildResult['status'], note: string): ChildResult {
  return { name, status, records: null, seconds: null, outputs: null, baselineSeconds: null, baselineOutputs: null, peakRssMb: null, note };
}

async function runQueryCase(c: QueryCase, req: ChildRequest, prepLog: Log, kafkaLog: Log | undefined): Promise<ChildResult> {
  const log = kafkaLog ?? prepLog;
  const topics: TopicMap =
    kafkaLog !== undefined ? { inputs: req.kafka!.topics, sinkPrefix: req.kafka!.sinkPrefix } : { inputs: req.embeddedTopics, sinkPrefix: '' };
  const engine = await Engine.open({
    dataDir: req.workDir,
    log,
    runQueries: false,
    properties: { 'auto.offset.reset': 'earliest', 'ksql.service.id': req.kafka?.serviceId ?? 'bench_', ...c.properties },
  });
  const sinkTopic = topics.sinkPrefix + c.sink;
  try {
    const ddlErrors: string[] = [];
    for (const d of sourceDdl(topics)) {
      if ((await log.describeTopic(topics.inputs[d.topic])) === undefined) continue;
      try {
        await engine.execute(d.sql);
      } catch (e) {
        ddlErrors.push(`${d.sql.slice(0, 40)}...: ${(e as Error).message}`);
      }
    }
    let queryId: string | undefined;
    // Kafka cases count from the query's start (creating its consumer and joining its group
    // included), as the Kafka Streams side counts from KafkaStreams.start().
    const started = performance.now();
    try {
      const res = await engine.execute(c.sql(topics), c.properties ? { properties: c.properties } : {});
      const r = res[0];
      queryId = r !== undefined && r.type === 'currentStatus' ? r.queryId : undefined;
    } catch (e) {
      const msg = (e as Error).message;
      const extra = ddlErrors.length > 0 ? ` (source DDL failures: ${ddlErrors.join('; ')})` : '';
      return empty(c.name, /not supported yet/i.test(msg) ? 'skipped' : 'error', msg + extra);
    }
    const q = queryId === undefined ? undefined : engine.query(queryId);
    if (q === undefined) return empty(c.name, 'error', 'the statement started no query');

    const expected = kafkaLog !== undefined ? req.kafka!.records * c.inputs.length : undefined;
    const t0 = expected === undefined ? performance.now() : started;
    let firstOutputSeconds: number | null = null;
    try {
      if (expected === undefined) await engine.drain();
      else {
        const deadline = Date.now() + KAFKA_TIMEOUT_MS;
        while (q.processed < expected && Date.now() < deadline) {
          await q.step(5000, 1000);
          if (firstOutputSeconds === null && q.stats.snapshot().producedTotal > 0) firstOutputSeconds = (performance.now() - t0) / 1000;
        }
        // A re-keying aggregation's second stage still has the repartition topic to aggregate.
        while (q.repartitionBacklog > 0 && Date.now() < deadline) await q.step(5000, 1000);
      }
    } catch (e) {
      const msg = (e as Error).message;
      return empty(c.name, /not supported yet/i.test(msg) ? 'skipped' : 'error', msg);
    }
    const seconds = (performance.now() - t0) / 1000;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const records = q.processed;
    const outputs = (await log.endOffsets(sinkTopic)).reduce((a, b) => a + b, 0);
    const engineSample = (await log.read(sinkTopic, 0, 0, 3)).map((r) => r.value);
    const notes: string[] = [];
    if (expected !== undefined && records < expected) notes.push(`timed out after ${records} of ${expected} records`);
    if (engine.processingLog.count > 0) notes.push(`${engine.processingLog.count} processing-log entries, e.g. ${engine.processingLog.entries()[0]?.message}`);

    // The baseline reads the same input bytes, in the order the engine saw them (held in memory, untimed).
    const input = await readInput(prepLog, c.inputs.map((t) => req.embeddedTopics[t]), expected);
    const base = runBaseline(c.baseline, input);
    if (base.outputs !== outputs) notes.push(`outputs ${outputs} vs baseline ${base.outputs}`);
    if (c.compareOutputs) {
      const same = engineSample.length === base.sample.length && engineSample.every((v, i) => (v === null ? base.sample[i] === null : v.equals(base.sample[i] ?? Buffer.alloc(0))));
      if (!same) notes.push(`first outputs differ from baseline: ${engineSample[0]?.toString()} vs ${base.sample[0]?.toString()}`);
    }
    return {
      name: c.name,
      status: 'ok',
      records,
      seconds,
      outputs,
      baselineSeconds: base.seconds,
      baselineOutputs: base.outputs,
      peakRssMb,
      ...(expected !== undefined ? { firstOutputSeconds } : {}),
      note: notes.length > 0 ? notes.join('; ') : null,
    };
  } finally {
    await log.deleteTopic(sinkTopic).catch(() => undefined);
    await engine.close();
  }
}

/** The records of `topics` in append order, through a consumer of the embedded log (at most `limit`). */
async function readInput(log: Log, topics: string[], limit: number | undefined): Promise<CompactInput> {
  const consumer = await log.createConsumer({ groupId: `bench-baseline-${process.pid}-${Date.now()}`, topics, autoOffsetReset: 'earliest' });
  const out = new CompactInput();
  try {
    for (;;) {
      const batch = await consumer.poll(5000, 0);
      if (batch.length === 0) break;
      for (const r of batch) {
        if (limit !== undefined && out.count >= limit) return out;
        out.add(r);
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

export function childWorkDir(root: string, name: string): string {
  return join(root, 'work', name);
}
