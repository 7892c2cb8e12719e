/**
 * `npm run bench`: Nexmark-style throughput of Sluice's queries against the raw-JSON limit.
 *
 *   node dist/bench/run.js [--quick] [--json] [--only q0,q2,...] [--events N] [--keys N]
 *                          [--seed N] [--ooo FRACTION] [--partitions N] [--kafka-events N]
 *                          [--repeat N] [--no-kstreams]
 *
 * The parent generates the input once into an embedded log in a temporary directory (and copies the
 * bids into Kafka topics when a broker answers at KAFKA_BOOTSTRAP, default 127.0.0.1:9092), then runs
 * every case in a child process of its own (see child.ts for why) and prints a table, or with --json
 * one JSON array on stdout. Progress goes to stderr. Run with `node --cpu-prof` to get a profile of
 * each child (execArgv is passed on).
 *
 * Kafka cases also run the Kafka Streams app of bench/kstreams (kstreams.ts) on the same topic, right
 * after each Sluice run, --repeat times alternately (default 1); the table then adds each case's
 * medians beside Kafka Streams' and the ratio. --no-kstreams leaves Kafka Streams out.
 */
import { fork } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbeddedLog } from '../src/storage/log/embedded/index.js';
import { openKafkaLog } from '../src/storage/log/kafka/index.js';
import type { Log } from '../src/storage/log/log.js';
import { CASES, type BenchCase, type InputTopic } from './cases.js';
import { childWorkDir, runChild, type ChildRequest, type ChildResult } from './child.js';
import { DEFAULT_GENERATOR, distinctKeyBids, generateEvents, loadEvents, loadRecords, type GeneratorOptions } from './generator.js';
import { comparisonFields, formatComparisons, formatTable, rowFromChild, skippedRow, type BenchRow, type KafkaComparison, type RowDetail } from './report.js';
import { ensureKStreamsApp, KSTREAMS_QUERY, runKStreams } from './kstreams.js';
import { writeAvroBids } from './avro-input.js';

interface Args {
  quick: boolean;
  json: boolean;
  only: string[] | undefined;
  gen: GeneratorOptions;
  partitions: number;
  kafkaEvents: number;
  memKeys: number;
  repeat: number;
  kstreams: boolean;
}

function parseArgs(argv: string[]): Args {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number): number => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`invalid ${name}: ${v}`);
    return n;
  };
  const quick = flag('--quick');
  const events = num('--events', quick ? 100_000 : DEFAULT_GENERATOR.events);
  const keys = num('--keys', DEFAULT_GENERATOR.hotAuctions);
  return {
    quick,
    json: flag('--json'),
    only: value('--only')?.split(',').filter((s) => s.length > 0),
    gen: {
      ...DEFAULT_GENERATOR,
      events,
      seed: num('--seed', DEFAULT_GENERATOR.seed),
      hotAuctions: keys,
      hotBidders: keys,
      outOfOrderFraction: num('--ooo', DEFAULT_GENERATOR.outOfOrderFraction),
    },
    partitions: Math.max(1, num('--partitions', 1)),
    kafkaEvents: num('--kafka-events', Math.min(events, quick ? 100_000 : 300_000)),
    memKeys: num('--mem-keys', 1_000_000),
    repeat: Math.max(1, Math.floor(num('--repeat', 1))),
    kstreams: !flag('--no-kstreams'),
  };
}

const selected = (c: BenchCase, only: string[] | undefined): boolean =>
  only === undefined || only.some((o) => c.name === o || c.name.startsWith(o + '-'));

const progress = (msg: string): void => {
  process.stderr.write(msg + '\n');
};

const CHILD_TIMEOUT_MS = 8 * 60_000;

const EMBEDDED_TOPICS: Record<InputTopic, string> = { bid: 'bids', auction: 'auctions', person: 'persons', mem: 'bids_mem', bidAvro: 'bids_avro' };

/** Whether something accepts TCP connections at host:port. */
function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function prepareEmbedded(dir: string, args: Args, cases: readonly BenchCase[]): Promise<void> {
  const log = await openEmbeddedLog(dir);
  try {
    for (const t of ['bids', 'auctions', 'persons']) await log.createTopic(t, { partitions: args.partitions });
    const t0 = performance.now();
    const counts = await loadEvents(log, { person: 'persons', auction: 'auctions', bid: 'bids' }, generateEvents(args.gen));
    const s = (performance.now() - t0) / 1000;
    progress(
      `generated and appended ${args.gen.events.toLocaleString('en-US')} events (${counts.bid} bids, ${counts.auction} auctions, ${counts.person} persons, ` +
        `${(counts.bytes / 1e6).toFixed(1)} MB of JSON) in ${s.toFixed(1)} s`,
    );
    if (cases.some((c) => c.kind === 'query' && c.inputs.includes('mem'))) {
      await log.createTopic('bids_mem', { partitions: args.partitions });
      const n = await loadRecords(log, 'bids_mem', distinctKeyBids(args.memKeys, args.gen.seed, args.gen.startTime));
      progress(`appended ${n.toLocaleString('en-US')} bids with distinct bidders for the state-size check`);
    }
    if (cases.some((c) => c.kind === 'query' && c.inputs.includes('bidAvro'))) {
      const n = await writeAvroBids(log, 'bids', 'bids_avro', args.partitions);
      progress(`re-encoded ${n.toLocaleString('en-US')} bids as Avro (schema registered for bids_avro-value)`);
    }
  } finally {
    await log.close();
  }
}

/** Copies the first `n` bids into a fresh Kafka topic; returns the topic names, or the reason Kafka is unusable. */
async function prepareKafka(prepLogDir: string, prefix: string, args: Args): Promise<{ brokers: string[]; topic: string; copied: number } | { skip: string }> {
  const bootstrap = process.env['KAFKA_BOOTSTRAP'] ?? '127.0.0.1:9092';
  const [host, portText] = bootstrap.split(',')[0]!.split(':');
  if (!(await reachable(host ?? '127.0.0.1', Number(portText ?? 9092)))) return { skip: `no Kafka broker answers at ${bootstrap} (set KAFKA_BOOTSTRAP or run npm run kafka:start)` };
  const brokers = bootstrap.split(',');
  let kafka: Log;
  try {
    kafka = await openKafkaLog({ brokers, logLevel: 'nothing', clientId: 'sluice-bench', connectionTimeoutMs: 3000 });
  } catch (e) {
    return { skip: `Kafka at ${bootstrap} unusable: ${(e as Error).message}` };
  }
  const src = await openEmbeddedLog(prepLogDir);
  try {
    const topic = prefix + 'bids';
    await kafka.createTopic(topic, { partitions: args.partitions, replicas: 1 });
    const t0 = performance.now();
    let copied = 0;
    const ends = await src.endOffsets('bids');
    const perPartition = Math.ceil(args.kafkaEvents / ends.length);
    for (let p = 0; p < ends.length; p++) {
      for (let off = 0; off < Math.min(ends[p]!, perPartition) && copied < args.kafkaEvents; ) {
        const rs = await src.read('bids', p, off, Math.min(5000, args.kafkaEvents - copied));
        if (rs.length === 0) break;
        await kafka.append(topic, rs.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, partition: p })));
        off = rs[rs.length - 1]!.offset + 1;
        copied += rs.length;
      }
    }
    progress(`copied ${copied.toLocaleString('en-US')} bids into Kafka topic ${topic} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { brokers, topic, copied };
  } finally {
    await src.close();
    await kafka.close();
  }
}

async function deleteKafkaTopics(brokers: string[], prefix: string): Promise<void> {
  const kafka = await openKafkaLog({ brokers, logLevel: 'nothing', clientId: 'sluice-bench' });
  try {
    // The run's own topics, and those the engine made under the run's service ids (command,
    // changelog and repartition topics: _confluent-ksql-<service id>...).
    const serviceId = prefix.replace(/-/g, '_');
    for (const t of await kafka.listTopics()) if (t.name.startsWith(prefix) || t.name.includes(serviceId)) await kafka.deleteTopic(t.name);
  } finally {
    await kafka.close();
  }
}

function runInChild(req: ChildRequest): Promise<ChildResult> {
  return new Promise((resolve) => {
    // Child stdout goes to our stderr: with --json our stdout carries only the result array.
    const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: process.execArgv, stdio: ['ignore', 2, 2, 'ipc'] });
    let result: ChildResult | undefined;
    // A case that hangs (e.g. a Kafka consumer that never gets its records) must not stall the run.
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('message', (m) => {
      result = m as ChildResult;
    });
    // 'close', not 'exit': the result message may still be in flight when the process exits.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(
        result ?? {
          name: req.caseName,
          status: 'error',
          records: null,
          seconds: null,
          outputs: null,
          baselineSeconds: null,
          baselineOutputs: null,
          peakRssMb: null,
          note: `child exited with ${signal ?? code} before reporting${signal === 'SIGKILL' ? ` (killed after ${CHILD_TIMEOUT_MS / 60_000} min)` : ''}`,
        },
      );
    });
    child.send(req);
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cases = CASES.filter((c) => selected(c, args.only));
  if (cases.length === 0) throw new Error(`--only matches no case; cases: ${CASES.map((c) => c.name).join(', ')}`);
  const root = join(tmpdir(), `sluice-bench-${process.pid}`);
  const prepLogDir = join(root, 'input');
  mkdirSync(root, { recursive: true });
  const rows: { row: BenchRow; detail: RowDetail }[] = [];
  const runId = `sluice-bench-${Date.now().toString(36)}-`;
  let kafka: { brokers: string[]; topic: string; copied: number } | { skip: string } | undefined;
  let kstreams: { classpath: string } | { skip: string } | undefined;
  const comparisons: KafkaComparison[] = [];
  try {
    const runnable = cases.filter((c) => c.kind === 'query' && !(c.fullOnly && args.quick));
    await prepareEmbedded(prepLogDir, args, runnable);
    if (runnable.some((c) => c.kind === 'query' && c.backend === 'kafka')) kafka = await prepareKafka(prepLogDir, runId, args);
    if (kafka !== undefined && !('skip' in kafka)) {
      kstreams = args.kstreams ? await ensureKStreamsApp(progress) : { skip: 'left out (--no-kstreams)' };
      if ('skip' in kstreams) progress(`Kafka Streams comparison skipped: ${kstreams.skip}`);
    }

    for (const c of cases) {
      if (c.kind === 'query' && c.fullOnly && args.quick) {
        rows.push(skippedRow(c.name, 'full run only (run without --quick)'));
        continue;
      }
      if (c.kind === 'query' && c.backend === 'kafka' && (kafka === undefined || 'skip' in kafka)) {
        rows.push(skippedRow(c.name, kafka !== undefined && 'skip' in kafka ? kafka.skip : 'Kafka not prepared'));
        continue;
      }
      progress(`running ${c.name} ...`);
      const req: ChildRequest = {
        caseName: c.name,
        prepLogDir,
        workDir: childWorkDir(root, c.name),
        embeddedTopics: EMBEDDED_TOPICS,
        serverEvents: Math.min(args.gen.events, 200_000),
        serverSeconds: args.quick ? 3 : 10,
        ...(c.kind === 'query' && c.backend === 'kafka' && kafka !== undefined && !('skip' in kafka)
          ? {
              kafka: {
                brokers: kafka.brokers,
                topics: { bid: kafka.topic, auction: runId + 'auctions', person: runId + 'persons', mem: runId + 'bids_mem', bidAvro: runId + 'bids_avro' },
                sinkPrefix: runId,
                serviceId: runId.replace(/-/g, '_'),
                records: kafka.copied,
              },
            }
          : {}),
      };
      const ksQuery = KSTREAMS_QUERY[c.name];
      if (c.kind === 'query' && c.backend === 'kafka' && kafka !== undefined && !('skip' in kafka) && ksQuery !== undefined && kstreams !== undefined && !('skip' in kstreams)) {
        rows.push(await compareWithKStreams(c.name, req, kafka, kstreams.classpath, ksQuery, runId, args, comparisons));
        continue;
      }
      const r = rowFromChild(await runInChild(req));
      progress(`  ${r.row.name}: ${r.row.recordsPerSec ?? '-'} records/s, ratio ${r.row.baselineRatio ?? '-'}${r.row.note ? ' — ' + r.row.note : ''}`);
      rows.push(r);
    }
  } finally {
    if (kafka !== undefined && !('skip' in kafka)) await deleteKafkaTopics(kafka.brokers, runId).catch((e) => progress(`could not delete Kafka topics: ${(e as Error).message}`));
    rmSync(root, { recursive: true, force: true });
  }
  if (args.json) process.stdout.write(JSON.stringify(rows.map((r) => r.row)) + '\n');
  else process.stdout.write(formatTable(rows) + (comparisons.length > 0 ? '\n' + formatComparisons(comparisons) : '') + '\n');
}

/**
 * Runs a Kafka case and its Kafka Streams counterpart alternately, args.repeat times each (the
 * machine may be shared: alternating spreads its noise over both), and returns the Sluice row of the
 * median run with the Kafka Streams medians beside it.
 */
async function compareWithKStreams(
  name: string,
  req: ChildRequest,
  kafka: { brokers: string[]; topic: string; copied: number },
  classpath: string,
  query: 'q0' | 'q2' | 'tumble',
  runId: string,
  args: Args,
  comparisons: KafkaComparison[],
): Promise<{ row: BenchRow; detail: RowDetail }> {
  const sluiceRows: { row: BenchRow; detail: RowDetail }[] = [];
  const cmp = { sluicePerSec: [] as number[], sluiceFirstOutput: [] as (number | null)[], kstreamsPerSec: [] as number[], kstreamsFirstOutput: [] as (number | null)[] };
  const notes: string[] = [];
  const admin = await openKafkaLog({ brokers: kafka.brokers, logLevel: 'nothing', clientId: 'sluice-bench' });
  try {
    for (let i = 0; i < args.repeat; i++) {
      // Each run its own service id (command topic) and sink topics: Kafka keeps them across runs.
      const k0 = req.kafka!;
      const r = rowFromChild(
        await runInChild({ ...req, workDir: `${req.workDir}-${i}`, kafka: { ...k0, sinkPrefix: `${k0.sinkPrefix}r${i}-`, serviceId: `${k0.serviceId}r${i}_` } }),
      );
      sluiceRows.push(r);
      if (r.row.recordsPerSec !== null) cmp.sluicePerSec.push(r.row.recordsPerSec);
      cmp.sluiceFirstOutput.push(r.row.firstOutputSeconds ?? null);
      progress(`  ${name} #${i + 1}: Sluice ${r.row.recordsPerSec ?? '-'} records/s, first output ${r.row.firstOutputSeconds ?? '-'} s${r.row.note ? ' — ' + r.row.note : ''}`);
      const output = `${runId}ks_${query}_${i}`;
      await admin.createTopic(output, { partitions: args.partitions, replicas: 1 });
      const k = await runKStreams({ classpath, bootstrap: kafka.brokers.join(','), input: kafka.topic, output, query, records: kafka.copied, applicationId: `${runId}ks-${query}-${i}` });
      if ('error' in k) {
        notes.push(k.error);
        progress(`  ${name} #${i + 1}: Kafka Streams failed: ${k.error}`);
        continue;
      }
      if (!k.finished) notes.push(`Kafka Streams run ${i + 1} processed ${k.records} of ${kafka.copied} records before its timeout`);
      const perSec = k.seconds > 0 ? k.records / k.seconds : 0;
      cmp.kstreamsPerSec.push(perSec);
      cmp.kstreamsFirstOutput.push(k.firstOutputSeconds);
      progress(`  ${name} #${i + 1}: Kafka Streams ${Math.round(perSec)} records/s, first output ${k.firstOutputSeconds?.toFixed(2) ?? '-'} s, ${k.outputs} outputs`);
    }
  } finally {
    await admin.close();
  }
  const comparison: KafkaComparison = { name, runs: args.repeat, ...cmp, note: notes.length > 0 ? notes.join('; ') : null };
  comparisons.push(comparison);
  // The Sluice row shown is the run nearest the median rate, with the medians' fields.
  const med = comparisonFields(comparison);
  const nearest = sluiceRows.reduce((best, r) =>
    Math.abs((r.row.recordsPerSec ?? 0) - (med.recordsPerSec ?? 0)) < Math.abs((best.row.recordsPerSec ?? 0) - (med.recordsPerSec ?? 0)) ? r : best,
  );
  return { row: { ...nearest.row, ...med }, detail: nearest.detail };
}

if (process.argv.includes('--child')) {
  process.once('message', (req: ChildRequest) => {
    runChild(req)
      .catch((e: unknown): ChildResult => ({
        name: req.caseName,
        status: 'error',
        records: null,
        seconds: null,
        outputs: null,
        baselineSeconds: null,
        baselineOutputs: null,
        peakRssMb: null,
        note: (e as Error).stack ?? String(e),
      }))
      .then((res) => process.send!(res, () => process.exit(0)));
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(((e as Error).stack ?? String(e)) + '\n');
    process.exitCode = 1;
  });
}
