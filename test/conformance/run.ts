/**
 * `npm run conformance -- <dir> [--verbose] [--filter text] [--format AVRO|PROTOBUF|PROTOBUF_NOSR|JSON_SR] [--restart] [--stateless] [--kafka [host:port]]`
 *
 * Runs every test of every ksqlDB vector file under <dir> and prints one line per file and a final
 * `N passed, N failed, N skipped`. Skips are only for named reasons (unsupported formats, tests
 * disabled in ksqlDB, ...), counted per reason at the end, followed by the totals of the cases in
 * each schema-registry format.
 */
import { isStateless, listVectorFiles, loadCases, schemaFormatsOf, type TestCase } from './vectors.js';
import { runQueryCase, type CaseResult } from './query-runner.js';
import { runRestCase } from './rest-runner.js';
import { KafkaConformance } from './kafka-mode.js';

export interface Args {
  dirs: string[];
  verbose: boolean;
  filter?: string;
  restart: boolean;
  /** Only cases without tables, aggregation, windows or joins. */
  stateless: boolean;
  /** Bootstrap address: run query cases on a KafkaLog there (kafka-mode.ts) instead of the embedded log. */
  kafka?: string;
  /** Only cases using this schema-registry format. */
  format?: string;
}

export function parseArgs(argv: readonly string[]): Args {
  const a: Args = { dirs: [], verbose: false, restart: false, stateless: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--verbose' || x === '-v') a.verbose = true;
    else if (x === '--restart') a.restart = true;
    else if (x === '--stateless') a.stateless = true;
    else if (x === '--filter') a.filter = argv[++i];
    else if (x === '--format') a.format = argv[++i]?.toUpperCase();
    else if (x === '--kafka') a.kafka = /^[^-/.][^/]*:\d+$/.test(argv[i + 1] ?? '') ? argv[++i] : '127.0.0.1:9092';
    else a.dirs.push(x);
  }
  if (a.dirs.length === 0) a.dirs.push('../shared/conformance/ksqldb/query-validation-tests');
  return a;
}

/** A case that neither passes nor fails within this time counts as failed (and the run goes on). */
const CASE_TIMEOUT_MS = 60_000;

function withTimeout(p: Promise<CaseResult>, ms: number): Promise<CaseResult> {
  let timer: NodeJS.Timeout | undefined;
  // The timer also keeps the event loop alive while a case waits on something that holds no handle.
  const timeout = new Promise<CaseResult>((resolve) => {
    timer = setTimeout(() => resolve({ passed: false, detail: `timed out after ${ms / 1000} s` }), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export async function runConformance(args: Args, out: (line: string) => void = console.log): Promise<Totals> {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0 };
  const skipReasons = new Map<string, number>();
  const failCauses = new Map<string, number>();
  const byFormat = new Map<string, Totals>();
  const kafka = args.kafka !== undefined ? await KafkaConformance.open(args.kafka) : undefined;
  const runOpts = { restart: args.restart, ...(kafka ? { backend: kafka.openCase.bind(kafka) } : {}) };
  for (const root of args.dirs) {
    for (const file of listVectorFiles(root)) {
      let cases: TestCase[];
      try {
        cases = loadCases(file, root);
      } catch (e) {
        out(`${file}: cannot read: ${(e as Error).message}`);
        totals.failed++;
        continue;
      }
      if (args.stateless) cases = cases.filter(isStateless);
      if (args.filter) cases = cases.filter((c) => c.name.includes(args.filter!) || c.file.includes(args.filter!));
      if (args.format) cases = cases.filter((c) => schemaFormatsOf(c).includes(args.format!));
      if (cases.length === 0) continue;
      const t: Totals = { passed: 0, failed: 0, skipped: 0 };
      const failures: string[] = [];
      for (const tc of cases) {
        const isRest = tc.test.responses !== undefined || tc.test.expectedError !== undefined;
        const skip = tc.skip;
        const formats = schemaFormatsOf(tc);
        const count = (k: keyof Totals) => {
          for (const f of formats) {
            const ft = byFormat.get(f) ?? { passed: 0, failed: 0, skipped: 0 };
            ft[k]++;
            byFormat.set(f, ft);
          }
        };
        if (skip) {
          t.skipped++;
          count('skipped');
          skipReasons.set(skip, (skipReasons.get(skip) ?? 0) + 1);
          continue;
        }
        const r = await withTimeout(isRest ? runRestCase(tc) : runQueryCase(tc, runOpts), CASE_TIMEOUT_MS);
        count(r.passed ? 'passed' : 'failed');
        if (r.passed) t.passed++;
        else {
          t.failed++;
          const cause = (r.detail ?? '').split('\n').find((l) => l.trim().startsWith('got') || l.includes('Error') || l.includes('error')) ?? r.detail ?? '';
          const key = cause.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').slice(0, 140).trim();
          failCauses.set(key, (failCauses.get(key) ?? 0) + 1);
          failures.push(`  FAIL ${tc.name}${args.verbose && r.detail ? `\n    ${r.detail.split('\n').join('\n    ')}` : ''}`);
        }
      }
      totals.passed += t.passed;
      totals.failed += t.failed;
      totals.skipped += t.skipped;
      out(`${cases[0]!.file}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
      if (args.verbose) for (const f of failures) out(f);
    }
  }
  await kafka?.close();
  if (skipReasons.size > 0) {
    out('');
    out('Skipped, by reason:');
    for (const [r, n] of [...skipReasons].sort((a, b) => b[1] - a[1])) out(`  ${n}  ${r}`);
  }
  if (args.verbose && failCauses.size > 0) {
    out('');
    out('Failures, by first cause:');
    for (const [r, n] of [...failCauses].sort((a, b) => b[1] - a[1]).slice(0, 60)) out(`  ${n}  ${r}`);
  }
  if (byFormat.size > 0) {
    out('');
    out('Cases in schema-registry formats:');
    for (const [f, ft] of [...byFormat].sort()) out(`  ${f}: ${ft.passed} passed, ${ft.failed} failed, ${ft.skipped} skipped`);
  }
  out('');
  out(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  return totals;
}

const isMain = process.argv[1] !== undefined && /run\.(js|ts)$/.test(process.argv[1]);
if (isMain) {
  runConformance(parseArgs(process.argv.slice(2))).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(2);
    },
  );
}
