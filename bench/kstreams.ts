/**
 * The Kafka Streams side of the Kafka bench cases: bench/kstreams/ holds a small Kafka Streams 3.9
 * app (one stream thread) running q0, q2 and the tumbling count/sum over the same pre-loaded topic.
 * It is built once with Maven (`mvn package`: classes in target/classes, jars in target/lib) and
 * rebuilt only when its sources are newer than the build; without java or mvn the comparison is
 * skipped with the reason.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type KStreamsQuery = 'q0' | 'q2' | 'tumble';

/** The Kafka Streams query of a Kafka bench case, if it has one. */
export const KSTREAMS_QUERY: Readonly<Record<string, KStreamsQuery>> = {
  'kafka-q0-passthrough': 'q0',
  'kafka-q2-filter': 'q2',
  'kafka-tumbling-count-sum': 'tumble',
};

export interface KStreamsResult {
  readonly records: number;
  /** From KafkaStreams.start() until the last input record was processed. */
  readonly seconds: number;
  /** From start() until the first output was handed to the producer; null if none. */
  readonly firstOutputSeconds: number | null;
  readonly outputs: number;
  readonly finished: boolean;
}

// dist/bench/kstreams.js and bench/kstreams.ts both sit two levels below the repository root.
const APP_DIR = fileURLToPath(new URL('../../bench/kstreams/', import.meta.url));
const MAIN_CLASS = 'dev.sluice.bench.KStreamsBench';

function run(cmd: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, output: stdout + stderr });
    });
  });
}

const mtime = (p: string): number => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** Builds the app if needed; returns its classpath or why it cannot run. */
export async function ensureKStreamsApp(progress: (msg: string) => void): Promise<{ classpath: string } | { skip: string }> {
  if (!existsSync(join(APP_DIR, 'pom.xml'))) return { skip: `no Kafka Streams app at ${APP_DIR}` };
  const java = await run('java', ['-version'], APP_DIR, 30_000);
  if (java.code !== 0) return { skip: 'java not found (Java 17+ runs the Kafka Streams comparison)' };
  const classes = join(APP_DIR, 'target', 'classes');
  const built = join(classes, 'dev', 'sluice', 'bench', 'KStreamsBench.class');
  const source = join(APP_DIR, 'src', 'main', 'java', 'dev', 'sluice', 'bench', 'KStreamsBench.java');
  const lib = join(APP_DIR, 'target', 'lib');
  const stale = !existsSync(lib) || mtime(built) < Math.max(mtime(source), mtime(join(APP_DIR, 'pom.xml')));
  if (stale) {
    const mvn = await run('mvn', ['-v'], APP_DIR, 60_000);
    if (mvn.code !== 0) return { skip: 'mvn not found (Maven builds the Kafka Streams app once)' };
    progress('building the Kafka Streams app (bench/kstreams, mvn package) ...');
    const b = await run('mvn', ['-B', '-q', '-Dstyle.color=never', 'package'], APP_DIR, 15 * 60_000);
    if (b.code !== 0) return { skip: `mvn package failed in ${APP_DIR}: ${b.output.split('\n').slice(-15).join('\n')}` };
  }
  return { classpath: `${classes}:${join(lib, '*')}` };
}

export interface KStreamsRun {
  readonly classpath: string;
  readonly bootstrap: string;
  readonly input: string;
  readonly output: string;
  readonly query: KStreamsQuery;
  readonly records: number;
  readonly applicationId: string;
}

export function runKStreams(r: KStreamsRun): Promise<KStreamsResult | { error: string }> {
  return new Promise((resolve) => {
    const child = spawn('java', ['-Xmx1g', '-cp', r.classpath, MAIN_CLASS, r.bootstrap, r.input, r.output, r.query, String(r.records), r.applicationId], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 8 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const j = JSON.parse(line) as { records: number; seconds: number; firstOutputSeconds: number; outputs: number; finished: boolean };
        resolve({ records: j.records, seconds: j.seconds, firstOutputSeconds: j.firstOutputSeconds < 0 ? null : j.firstOutputSeconds, outputs: j.outputs, finished: j.finished });
      } catch {
        resolve({ error: `Kafka Streams app exited with ${code}: ${(err || out).split('\n').slice(-10).join(' ').slice(0, 600)}` });
      }
    });
  });
}
