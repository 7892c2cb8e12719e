/**
 * Runs one query-validation test case against a fresh engine on the embedded log, as ksqlDB's own
 * harness does: statements in order, then the inputs (all to partition 0), then every persistent
 * query runs until idle; the records appended to the expected output topics are compared in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import type { DataSource } from '../../src/engine/metastore.js';
import type { LogRecord } from '../../src/storage/log/log.js';
import { parseStatements } from '../../src/parser/parse.js';
import { resolveTypeNode } from '../../src/types/type-node.js';
import { formatType, typeEquals } from '../../src/types/sql-type.js';
import { JsonNumber } from '../../src/serde/json-exact.js';
import { Decimal } from '../../src/types/decimal.js';
import type { TestCase, VectorRecord } from './vectors.js';
import { decode, ensureTopic, produce, unwindow } from './records.js';
import { conformanceFunctions } from './functions.js';
import { checkPostTopics, registerTopicSchemas } from './schemas.js';
import type { CaseBackend } from './kafka-mode.js';

/** Built-ins plus the test functions ksqlDB's harness loads from its test sources. */
const functions = conformanceFunctions;

export interface CaseResult {
  readonly passed: boolean;
  /** First difference, for --verbose. */
  readonly detail?: string;
}

export interface RunOptions {
  /** Close and reopen the engine on the same data directory after half of the inputs (golden restart mode). */
  readonly restart?: boolean;
  /** Run on another Log (Kafka mode, kafka-mode.ts) instead of the embedded one. */
  readonly backend?: (tc: TestCase) => Promise<CaseBackend>;
}

export async function runQueryCase(tc: TestCase, opts: RunOptions = {}): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-conf-'));
  const backend = opts.backend ? await opts.backend(tc) : undefined;
  // As ksqlDB's TestExecutor: the record cache off (every update is an output), max.task.idle.ms 0.
  const properties = { 'auto.offset.reset': 'earliest', 'cache.max.bytes.buffering': '0', ...tc.properties, ...backend?.properties };
  const open = () => Engine.open({ dataDir, properties, runQueries: false, functions, commandStore: 'local', ...(backend ? { log: backend.log } : {}) });
  const drain = (e: Engine) => (backend ? backend.drain(e) : e.drain());
  // ksqlDB's TopologyTestDriver processes each input as it is piped in. Queries over several topics
  // order their input by timestamp across them, so inputs spanning topics are run one at a time.
  const feed = async (e: Engine, inputs: readonly VectorRecord[]) => {
    if (new Set(inputs.map((i) => i.topic)).size <= 1) {
      await produce(e, inputs);
      return drain(e);
    }
    for (const i of inputs) {
      await produce(e, [i]);
      await drain(e);
    }
  };
  let engine = await open();
  const captured = new Map<string, LogRecord[]>();
  const capture = (e: Engine) =>
    backend ? () => undefined : e.log.onAppend!((r) => {
      let list = captured.get(r.topic);
      if (!list) captured.set(r.topic, (list = []));
      list.push(r);
    });
  let unsubscribe = capture(engine);
  try {
    const expected = tc.test.expectedException;
    for (const t of tc.test.topics ?? []) await ensureTopic(engine, t.name, t.partitions ?? 4);
    await registerTopicSchemas(engine, tc.test, tc.statements, properties);
    for (const i of tc.test.inputs ?? []) await ensureTopic(engine, i.topic, 4);

    // ksqlDB's harness creates the topics that CREATE STREAM/TABLE statements name...
    for (const sql of tc.statements) {
      try {
        for (const st of parseStatements(sql)) {
          if (st.kind === 'CreateSource' && st.properties['KAFKA_TOPIC'] !== undefined && st.properties['PARTITIONS'] === undefined) {
            await ensureTopic(engine, String(st.properties['KAFKA_TOPIC']), 4);
          }
        }
      } catch {
        // a parse error is reported by execute below
      }
    }
    // ...and runs the statements as one script (so error positions count lines across statements).
    const script = tc.statements.join('\n');
    try {
      await engine.execute(script);
    } catch (e) {
      const msg = (e as Error).message;
      if (!expected) return fail(`statement failed: ${(e as Error).name}: ${msg}`);
      // ksqlDB's statement errors end with the statement text.
      const matches = !expected.message || msg.includes(expected.message) || tc.statements.some((st) => `${msg}\nStatement: ${st}`.includes(expected.message!));
      if (!matches) return fail(`wrong error\n  expected message containing: ${expected.message}\n  got: ${msg}`);
      return { passed: true };
    }

    const inputs = tc.test.inputs ?? [];
    const half = opts.restart ? Math.floor(inputs.length / 2) : inputs.length;
    try {
      await feed(engine, inputs.slice(0, half));
      if (opts.restart) {
        unsubscribe();
        await engine.close();
        engine = await open();
        unsubscribe = capture(engine);
        await feed(engine, inputs.slice(half));
      }
    } catch (e) {
      // A query that fails while processing: ksqlDB's harness sees its StreamsException and cause.
      const msg = (e as Error).message;
      if (expected && (expected.causeMessage ?? expected.message) !== undefined && msg.includes((expected.causeMessage ?? expected.message)!)) return { passed: true };
      throw e;
    }

    if (expected) {
      return fail(`expected an error (${expected.type ?? ''}: ${expected.message ?? ''}) but every statement succeeded`);
    }

    // Outputs, per topic, in order.
    const byTopic = new Map<string, VectorRecord[]>();
    for (const o of tc.test.outputs ?? []) {
      let l = byTopic.get(o.topic);
      if (!l) byTopic.set(o.topic, (l = []));
      l.push(o);
    }
    // Kafka has no onAppend: read the outputs back from the broker.
    if (backend) for (const [t, rs] of await backend.readOutputs([...byTopic.keys()])) captured.set(t, rs);
    // Through a real repartition topic (Kafka), records of different keys reach the output in the
    // order the partitions were fetched, as on ksqlDB with Kafka: only each key's order is defined.
    const perKeyOrder = backend !== undefined && engine.listQueries().some((q) => engine.query(q.id)?.hasRepartitionTopic);
    for (const [topic, exp] of byTopic) {
      const source = engine.metastore.sourcesForTopic(topic)[0];
      const got = perKeyOrder ? alignByKey(engine, exp, captured.get(topic) ?? [], source) : (captured.get(topic) ?? []);
      for (let i = 0; i < Math.max(exp.length, got.length); i++) {
        const e = exp[i];
        const g = got[i];
        if (!e) return fail(`topic ${topic}: unexpected extra record #${i}: ${describe(engine, g!, source)}`);
        if (!g) return fail(`topic ${topic}: missing record #${i}, expected ${JSON.stringify(e)} (got ${got.length} records)`);
        const diff = compareRecord(engine, e, g, source);
        if (diff) return fail(`topic ${topic} record #${i}: ${diff}\n  expected ${JSON.stringify(e)}\n  got      ${describe(engine, g, source)}`);
      }
    }

    const postDiff = checkPost(tc, engine, backend ? backend.writtenTopics() : [...captured.keys()]) ?? checkPostTopics(engine, tc.test);
    if (postDiff) return fail(postDiff);
    return { passed: true };
  } catch (e) {
    return fail(`error: ${(e as Error).stack ?? String(e)}`);
  } finally {
    unsubscribe();
    await engine.close().catch(() => undefined);
    await backend?.finish(engine);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function fail(detail: string): CaseResult {
  return { passed: false, detail };
}







/**
 * `got` reordered to follow the key sequence of `expected`, keeping the order of each key's records:
 * each expected record takes the first remaining record with its key (and window). A difference in
 * any one key's order, values or count still shows as a failure.
 */
function alignByKey(engine: Engine, expected: readonly VectorRecord[], got: readonly LogRecord[], source: DataSource | undefined): LogRecord[] {
  const remaining = [...got];
  const out: LogRecord[] = [];
  for (const e of expected) {
    const i = remaining.findIndex((g) => {
      const { key, window } = unwindow(g, source);
      if (!jsonEquals(e.key ?? null, decode(engine, key, source, true))) return false;
      return e.window === undefined ? window === undefined : window !== undefined && window.start === e.window.start && window.end === e.window.end;
    });
    if (i < 0) continue;
    out.push(remaining[i]!);
    remaining.splice(i, 1);
  }
  return [...out, ...remaining];
}

function describe(engine: Engine, r: LogRecord, source: DataSource | undefined): string {
  const { key, window } = unwindow(r, source);
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof JsonNumber ? Number(x.text) : x)));
  return JSON.stringify({ key: plain(decode(engine, key, source, true)), value: plain(decode(engine, r.value, source, false)), timestamp: r.timestamp, ...(window ? { window } : {}) });
}

function compareRecord(engine: Engine, e: VectorRecord, g: LogRecord, source: DataSource | undefined): string | undefined {
  const { key: keyBytes, window } = unwindow(g, source);
  const key = decode(engine, keyBytes, source, true);
  if (!jsonEquals(e.key ?? null, key)) return 'key differs';
  const value = decode(engine, g.value, source, false);
  if (!jsonEquals(e.value, value)) return 'value differs';
  if (e.timestamp !== undefined && e.timestamp !== g.timestamp) return `timestamp differs (${g.timestamp})`;
  if (e.headers !== undefined) {
    const gh = g.headers.map((h) => ({ KEY: h.key, VALUE: h.value === null ? null : h.value.toString('base64') }));
    if (!jsonEquals(e.headers, gh)) return 'headers differ';
  }
  if (e.window !== undefined) {
    if (!window) return 'expected a windowed key';
    if (window.start !== e.window.start || window.end !== e.window.end || window.type !== e.window.type.toLowerCase()) return 'window differs';
  } else if (window) return 'unexpected windowed key';
  return undefined;
}

function decimalEquals(a: string, b: string): boolean {
  try {
    return Decimal.parse(a).equals(Decimal.parse(b));
  } catch {
    return a === b;
  }
}

/** Structural equality as ksqlDB's harness: field names as written or upper-cased, doubles within 1e-6. */
export function jsonEquals(expected: unknown, actual: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (actual instanceof JsonNumber) {
    // A decimal expected as a string must match digit for digit (same scale); numbers numerically.
    // ksqlDB's comparator: new BigDecimal(text).equals(actual), same value and scale ("005.4" is 5.4).
    if (typeof expected === 'string') return decimalEquals(expected, actual.text);
    return jsonEquals(expected, Number(actual.text));
  }
  if (typeof expected === 'number') {
    if (typeof actual === 'string' && actual.trim() !== '' && !Number.isNaN(Number(actual))) return Math.abs(expected - Number(actual)) <= 1e-6;
    return typeof actual === 'number' && (expected === actual || Math.abs(expected - actual) <= 1e-6 * Math.max(1, Math.abs(expected)));
  }
  if (typeof expected !== 'object') return expected === actual;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((x, i) => jsonEquals(x, actual[i]));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const eo = expected as Record<string, unknown>;
  const ao = actual as Record<string, unknown>;
  const ek = Object.keys(eo);
  if (ek.length !== Object.keys(ao).length) return false;
  // As ksqlDB's harness: a field is looked up by its name as written, then upper-cased; a field
  // that is not there reads as null.
  return ek.every((k) => jsonEquals(eo[k], k in ao ? ao[k] : ao[k.toUpperCase()]));
}

function checkPost(tc: TestCase, engine: Engine, topics: readonly string[]): string | undefined {
  const post = tc.test.post;
  if (!post) return undefined;
  for (const s of post.sources ?? []) {
    const src = engine.metastore.getSource(s.name) ?? engine.metastore.getSource(s.name.toUpperCase());
    if (!src) return `post: source ${s.name} not found`;
    if (s.type && s.type.toUpperCase() !== src.type) return `post: source ${s.name} is a ${src.type}, expected ${s.type}`;
    if (s.schema) {
      const diff = compareSchema(s.schema, src);
      if (diff) return `post: source ${s.name} schema: ${diff}`;
    }
    if (s.keyFormat?.format && s.keyFormat.format.toUpperCase() !== src.keyFormat) return `post: source ${s.name} key format ${src.keyFormat}, expected ${s.keyFormat.format}`;
    const vf = typeof s.valueFormat === 'string' ? s.valueFormat : s.valueFormat?.format;
    if (vf && vf.toUpperCase() !== src.valueFormat) return `post: source ${s.name} value format ${src.valueFormat}, expected ${vf}`;
  }
  const bl = post.topics?.blacklist;
  if (bl) {
    const re = new RegExp(bl);
    const bad = topics.find((t) => re.test(t));
    if (bad) return `post: topic ${bad} matches blacklist ${bl}`;
  }
  return undefined;
}

function compareSchema(text: string, src: DataSource): string | undefined {
  const cols = text.trim() === '' ? '' : text.replace(/PRIMARY KEY/gi, 'KEY');
  const st = parseStatements(`CREATE STREAM X (${cols}) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='JSON');`)[0]!;
  if (st.kind !== 'CreateSource') return 'unparseable expected schema';
  const expected = st.columns.map((c) => ({ name: c.name, type: resolveTypeNode(c.type, () => undefined), key: c.constraint === 'KEY' || c.constraint === 'PRIMARY_KEY' }));
  const actual = [...src.schema.key.map((c) => ({ ...c, key: true })), ...src.schema.value.map((c) => ({ ...c, key: false })), ...src.schema.headers.map((c) => ({ ...c, key: false }))];
  const show = (l: readonly { name: string; type: Parameters<typeof formatType>[0]; key: boolean }[]) => l.map((c) => `${c.name} ${formatType(c.type)}${c.key ? ' KEY' : ''}`).join(', ');
  if (expected.length !== actual.length) return `expected ${show(expected)}, got ${show(actual)}`;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (e.name !== a.name || e.key !== a.key || !typeEquals(e.type, a.type)) return `expected ${show(expected)}, got ${show(actual)}`;
  }
  return undefined;
}
