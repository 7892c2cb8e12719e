/**
 * Runs one REST test vector (rest-query-validation-tests) against a real Sluice server on a
 * loopback port, as ksqlDB's RestQueryTranslationTest does: the statements before the first SELECT
 * go to /ksql as one request, then the inputs are produced (after the first push query is active
 * when `inputConditions.waitForActivePushQuery`), then each remaining statement goes to /query
 * (SELECT) or /ksql. Responses are matched positionally as subset matches; row columns compare as
 * a multiset unless `outputConditions.verifyOrder`; `expectedError` checks status and message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { parseStatements } from '../../src/parser/parse.js';
import { SluiceServer } from '../../src/server/server.js';
import type { LogRecord } from '../../src/storage/log/log.js';
import { jsonEquals, type CaseResult } from './query-runner.js';
import { conformanceFunctions } from './functions.js';
import { decode, ensureTopic, produce } from './records.js';
import { registerTopicSchemas } from './schemas.js';
import { protoText } from './proto-text.js';
import type { TestCase, VectorRecord } from './vectors.js';

const functions = conformanceFunctions;
const QUERY_TIMEOUT_MS = 5000;

interface RestVector {
  readonly responses?: readonly Record<string, unknown>[];
  readonly expectedError?: { readonly type?: string; readonly message?: string; readonly status?: number };
  readonly inputConditions?: { readonly waitForActivePushQuery?: boolean };
  readonly outputConditions?: { readonly verifyOrder?: boolean };
  readonly testPullWithProtoFormat?: boolean;
}

interface HttpResult {
  readonly status: number;
  readonly body: unknown;
}

export async function runRestCase(tc: TestCase): Promise<CaseResult> {
  const t = tc.test as RestVector & typeof tc.test;
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-rest-'));
  // The record cache off, as ksqlDB's TestKsqlRestApp (ksql.streams.cache.max.bytes.buffering=0).
  const engine = await Engine.open({ dataDir, properties: { 'auto.offset.reset': 'earliest', 'cache.max.bytes.buffering': '0', ...tc.properties }, runQueries: false, functions });
  const server = new SluiceServer(engine, { port: 0, host: '127.0.0.1' });
  const captured = new Map<string, LogRecord[]>();
  const unsubscribe = engine.log.onAppend!((r) => {
    let l = captured.get(r.topic);
    if (!l) captured.set(r.topic, (l = []));
    l.push(r);
  });
  try {
    await server.listen();
    const base = server.url;
    for (const tp of t.topics ?? []) await ensureTopic(engine, tp.name, tp.partitions ?? 4);
    for (const i of t.inputs ?? []) await ensureTopic(engine, i.topic, 4);
    await registerTopicSchemas(engine, t, tc.statements, tc.properties);
    for (const sql of tc.statements) {
      try {
        for (const st of parseStatements(sql)) {
          if (st.kind === 'CreateSource' && st.properties['KAFKA_TOPIC'] !== undefined && st.properties['PARTITIONS'] === undefined) {
            await ensureTopic(engine, String(st.properties['KAFKA_TOPIC']), 4);
          }
        }
      } catch {
        // reported by the server
      }
    }

    const firstSelect = tc.statements.findIndex((s) => /^\s*SELECT\b/i.test(s));
    const admin = firstSelect < 0 ? tc.statements : tc.statements.slice(0, firstSelect);
    const rest = firstSelect < 0 ? [] : tc.statements.slice(firstSelect);
    const actual: Record<string, unknown>[] = [];
    const expectedError = t.expectedError;
    const checkError = (r: HttpResult, statement: string): CaseResult => {
      if (!expectedError) return fail(`statement failed (HTTP ${r.status}): ${JSON.stringify(r.body)}\n  statement: ${statement}`);
      const message = String((r.body as { message?: unknown })?.message ?? '');
      if (expectedError.status !== undefined && expectedError.status !== r.status) return fail(`expected HTTP ${expectedError.status}, got ${r.status}: ${message}`);
      if (expectedError.message !== undefined && !messageMatches(expectedError.message, message)) {
        return fail(`wrong error\n  expected message containing: ${expectedError.message}\n  got: ${message}`);
      }
      return { passed: true };
    };

    if (admin.length > 0) {
      const r = await post(base, '/ksql', { ksql: admin.join('\n') });
      if (r.status !== 200) return checkError(r, admin.join('\n'));
      for (const e of r.body as Record<string, unknown>[]) actual.push({ admin: e });
    }

    // Inputs: before the queries, or once the first push query is running.
    let pending: Promise<HttpResult> | undefined;
    if (t.inputConditions?.waitForActivePushQuery && rest.length > 0) {
      let started!: () => void;
      const headerSeen = new Promise<void>((res) => (started = res));
      pending = post(base, '/query', { ksql: rest[0] }, started);
      await Promise.race([headerSeen, pending]);
      await produce(engine, t.inputs ?? [], true);
      await engine.drain();
    } else {
      await produce(engine, t.inputs ?? [], true);
      await engine.drain();
    }

    for (let i = 0; i < rest.length; i++) {
      const statement = rest[i]!;
      const isSelect = /^\s*SELECT\b/i.test(statement);
      const r = i === 0 && pending ? await pending : await post(base, isSelect ? '/query' : '/ksql', isSelect ? { ksql: statement } : { ksql: statement });
      if (r.status !== 200) return checkError(r, statement);
      if (isSelect) {
        const items = r.body as Record<string, unknown>[];
        const err = items.find((x) => x['errorMessage']);
        if (err) return checkError({ status: 400, body: err['errorMessage'] }, statement);
        actual.push({ query: items });
      } else for (const e of r.body as Record<string, unknown>[]) actual.push({ admin: e });
      await engine.drain();
    }
    if (expectedError) return fail(`expected an error (${expectedError.message ?? expectedError.type ?? ''}) but every statement succeeded`);
    // As ksqlDB's harness: each query once more through /query-stream with Protobuf rows.
    if (t.testPullWithProtoFormat) {
      for (const statement of rest.filter((s) => /^\s*SELECT\b/i.test(s))) {
        const r = await post(base, '/query-stream', { sql: statement }, undefined, 'application/vnd.ksql.v1+protobuf');
        if (r.status !== 200) return checkError(r, statement);
        actual.push({ queryProto: r.body });
      }
    }

    const expected = t.responses ?? [];
    for (let i = 0; i < expected.length; i++) {
      const e = substituteStatement(expected[i]!, tc.statements);
      const a = actual[i];
      if (!a) return fail(`missing response #${i}: expected ${JSON.stringify(e)}`);
      const diff =
        'queryProto' in e
          ? compareQueryProto(e['queryProto'] as Record<string, unknown>[], a['queryProto'] as Record<string, unknown>[] | undefined, t.outputConditions?.verifyOrder === true)
          : 'query' in e
            ? compareQuery(e['query'] as Record<string, unknown>[], a['query'] as Record<string, unknown>[] | undefined, t.outputConditions?.verifyOrder === true) : subsetDiff(e, a, '');
      if (diff) return fail(`response #${i}: ${diff}\n  expected ${JSON.stringify(e)}\n  got      ${JSON.stringify(a)}`);
    }

    const outputDiff = compareOutputs(t.outputs ?? [], captured, engine);
    if (outputDiff) return fail(outputDiff);
    return { passed: true };
  } catch (e) {
    return fail(`error: ${(e as Error).stack ?? String(e)}`);
  } finally {
    unsubscribe();
    await server.close(200).catch(() => undefined);
    await engine.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function fail(detail: string): CaseResult {
  return { passed: false, detail };
}

/** ksqlDB's messages match as substrings; a multi-line expectation also matches line by line. */
function messageMatches(expected: string, actual: string): boolean {
  if (actual.includes(expected)) return true;
  const lines = expected.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.length > 1 && lines.every((l) => actual.includes(l));
}

function substituteStatement(o: Record<string, unknown>, statements: readonly string[]): Record<string, unknown> {
  const text = JSON.stringify(o);
  if (!text.includes('{STATEMENT}')) return o;
  return JSON.parse(text.split('{STATEMENT}').join(JSON.stringify(statements.join('\n')).slice(1, -1))) as Record<string, unknown>;
}

/** Expected ⊆ actual: object keys present with matching values (`k|starts_with` a prefix), arrays equal length. */
function subsetDiff(e: unknown, a: unknown, path: string): string | undefined {
  if (e === null || typeof e !== 'object') {
    if (typeof e === 'number' && typeof a === 'number') return Math.abs(e - a) <= 1e-6 * Math.max(1, Math.abs(e)) ? undefined : `${path}: ${a} != ${e}`;
    return e === a ? undefined : `${path || 'value'}: ${JSON.stringify(a)} != ${JSON.stringify(e)}`;
  }
  if (Array.isArray(e)) {
    if (!Array.isArray(a) || a.length !== e.length) return `${path}: expected ${e.length} elements, got ${Array.isArray(a) ? a.length : typeof a}`;
    for (let i = 0; i < e.length; i++) {
      const d = subsetDiff(e[i], a[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return `${path}: expected an object, got ${JSON.stringify(a)}`;
  for (const [k, v] of Object.entries(e as Record<string, unknown>)) {
    if (k.endsWith('|starts_with')) {
      const key = k.slice(0, -'|starts_with'.length);
      const got = (a as Record<string, unknown>)[key];
      if (typeof got !== 'string' || !got.startsWith(String(v))) return `${path}.${key}: ${JSON.stringify(got)} does not start with ${JSON.stringify(v)}`;
      continue;
    }
    const d = subsetDiff(v, (a as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function compareQuery(expected: readonly Record<string, unknown>[], actual: readonly Record<string, unknown>[] | undefined, verifyOrder: boolean): string | undefined {
  if (!actual) return 'expected a query response';
  const isRow = (x: Record<string, unknown>) => 'row' in x;
  const eHead = expected.filter((x) => !isRow(x));
  const aHead = actual.filter((x) => !isRow(x));
  if (eHead.length !== aHead.length) return `expected ${eHead.length} header/final elements, got ${aHead.length}: ${JSON.stringify(aHead)}`;
  for (let i = 0; i < eHead.length; i++) {
    const d = subsetDiff(eHead[i], aHead[i], `query.${Object.keys(eHead[i]!)[0]}`);
    if (d) return d;
  }
  const eRows = expected.filter(isRow).map((x) => x['row']);
  const aRows = actual.filter(isRow).map((x) => x['row']);
  if (eRows.length !== aRows.length) return `expected ${eRows.length} rows, got ${aRows.length}`;
  if (verifyOrder) {
    for (let i = 0; i < eRows.length; i++) {
      const d = subsetDiff(eRows[i], aRows[i], `row[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const left = [...aRows];
  for (const r of eRows) {
    const at = left.findIndex((x) => subsetDiff(r, x, '') === undefined);
    if (at < 0) return `no row matches ${JSON.stringify(r)}`;
    left.splice(at, 1);
  }
  return undefined;
}

/**
 * `queryProto`: header and final message as subsets; each row's protobufBytes decoded with the
 * header's protoSchema and printed as text, compared with the expected text (as a multiset unless
 * the order is verified).
 */
function compareQueryProto(expected: readonly Record<string, unknown>[], actual: readonly Record<string, unknown>[] | undefined, verifyOrder: boolean): string | undefined {
  if (!Array.isArray(actual)) return `expected a Protobuf query response, got ${JSON.stringify(actual)}`;
  const isRow = (x: Record<string, unknown>) => 'row' in x;
  const eHead = expected.filter((x) => !isRow(x));
  const aHead = actual.filter((x) => !isRow(x));
  if (eHead.length !== aHead.length) return `expected ${eHead.length} header/final elements, got ${aHead.length}: ${JSON.stringify(aHead)}`;
  for (let i = 0; i < eHead.length; i++) {
    const d = subsetDiff(eHead[i], aHead[i], `queryProto.${Object.keys(eHead[i]!)[0]}`);
    if (d) return d;
  }
  const schema = (aHead.find((x) => 'header' in x)?.['header'] as { protoSchema?: string } | undefined)?.protoSchema;
  if (schema === undefined) return 'no protoSchema in the header';
  const got = actual.filter(isRow).map((x) => protoText(schema, Buffer.from(String((x['row'] as { protobufBytes?: string }).protobufBytes ?? ''), 'base64')));
  const want = expected.filter(isRow).map((x) => String(x['row']));
  if (!verifyOrder) {
    got.sort();
    want.sort();
  }
  if (JSON.stringify(got) !== JSON.stringify(want)) return `rows differ:\n  expected ${JSON.stringify(want)}\n  got      ${JSON.stringify(got)}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Producing inputs and reading outputs (JSON, KAFKA, DELIMITED as the vectors write them).





function compareOutputs(outputs: readonly VectorRecord[], captured: Map<string, LogRecord[]>, engine: Engine): string | undefined {
  const byTopic = new Map<string, VectorRecord[]>();
  for (const o of outputs) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  for (const [topic, exp] of byTopic) {
    const got = captured.get(topic) ?? [];
    const source = engine.metastore.sourcesForTopic(topic)[0];
    if (got.length !== exp.length) return `topic ${topic}: expected ${exp.length} records, got ${got.length}`;
    for (let i = 0; i < exp.length; i++) {
      const e = exp[i]!;
      const g = got[i]!;
      const key = decode(engine, g.key, source, true);
      const value = decode(engine, g.value, source, false);
      if (!jsonEquals(e.key ?? null, key) || !jsonEquals(e.value, value) || (e.timestamp !== undefined && e.timestamp !== g.timestamp)) {
        return `topic ${topic} record #${i}: expected ${JSON.stringify(e)}, got ${JSON.stringify({ key, value, timestamp: g.timestamp })}`;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

/**
 * POST a JSON body; the response body parsed as JSON. `onFirstData` fires when the first bytes of
 * a 200 response arrive (the /query header: the push query is active). Queries that do not end
 * by themselves are cut after QUERY_TIMEOUT_MS and the elements received so far are returned.
 */
function post(base: string, path: string, body: unknown, onFirstData?: () => void, accept?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const headers = { 'content-type': 'application/vnd.ksql.v1+json', 'content-length': Buffer.byteLength(text), ...(accept ? { accept } : {}) };
    const req = request(new URL(path, base), { method: 'POST', headers }, (res) => {
      let data = '';
      let first = true;
      const timer = setTimeout(() => {
        req.destroy();
        finish(true);
      }, QUERY_TIMEOUT_MS);
      const finish = (cut: boolean) => {
        clearTimeout(timer);
        let parsed: unknown;
        try {
          parsed = JSON.parse(cut ? closeArray(data) : data);
        } catch {
          parsed = { message: data };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      };
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        data += c;
        if (first && res.statusCode === 200) {
          first = false;
          onFirstData?.();
        }
      });
      res.on('end', () => finish(false));
      res.on('error', () => undefined);
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end(text);
  });
}

/** A /query response cut short: close the JSON array after the last complete element. */
function closeArray(data: string): string {
  const lines = data.split('\n').filter((l) => l.trim() !== '');
  const items = lines.map((l) => l.replace(/^\[/, '').replace(/[,\]]$/, '')).filter((l) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  });
  return `[${items.join(',')}]`;
}
