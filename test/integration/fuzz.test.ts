/**
 * No input stalls or crashes the parser or the server: statements of ksqlDB's conformance vectors
 * mutated with a fixed-seed PRNG (tokens deleted, duplicated, swapped; quotes, comments and
 * brackets inserted), every nesting construct up to 20,000 levels, long flat AND / OR / NOT chains,
 * comment and quote floods. Each goes to the parser directly and to POST /ksql on a real server
 * on loopback: the parser throws only its own errors, the server never answers 5xx, every input
 * is answered within a bounded time, nothing escapes as an uncaught exception or unhandled
 * rejection, and the server still answers /info afterwards.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import { parseStatements } from '../../src/parser/parse.js';
import { SluiceError } from '../../src/errors.js';
import { DEFAULT_PARSE_LIMITS } from '../../src/parser/limits.js';

const VECTORS = fileURLToPath(new URL('../../../shared/conformance/ksqldb/query-validation-tests', import.meta.url));
/** Generous for a loaded 2-core machine; a stall (exponential regex, quadratic parse) takes far longer. */
const PARSE_BOUND_MS = 2000;
const REQUEST_BOUND_MS = 3000;

/** mulberry32: a small PRNG, seeded, so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Statements that would wait (ASSERT ... TIMEOUT) or read local files (RUN SCRIPT) are left out. */
function vectorStatements(): string[] {
  const out: string[] = [];
  for (const file of readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(join(VECTORS, file), 'utf8')) as { tests?: { statements?: unknown[] }[] };
    for (const t of doc.tests ?? []) {
      for (const s of t.statements ?? []) if (typeof s === 'string' && !/\b(ASSERT|RUN\s+SCRIPT)\b/i.test(s)) out.push(s);
    }
  }
  return out;
}

const TOKEN = /'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\s+|[^\sA-Za-z0-9_]/g;
const INSERTS = ["'", '"', '`', '--', '/*', '*/', '(', ')', '[', ']', '<', '>', ',', ';', 'CASE', 'END', 'NOT', 'AND', 'CAST(', 'ARRAY[', '${x}', '\n'];

function mutate(statement: string, rand: () => number): string {
  const tokens = statement.match(TOKEN) ?? [statement];
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits && tokens.length > 0; e++) {
    const i = Math.floor(rand() * tokens.length);
    switch (Math.floor(rand() * 4)) {
      case 0:
        tokens.splice(i, 1);
        break;
      case 1:
        tokens.splice(i, 0, tokens[i]!);
        break;
      case 2: {
        const j = Math.min(tokens.length - 1, i + 1 + Math.floor(rand() * 3));
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
        break;
      }
      default:
        tokens.splice(i, 0, ' ' + INSERTS[Math.floor(rand() * INSERTS.length)]! + ' ');
    }
  }
  return tokens.join('');
}

/** Each construct nested `n` deep, as a whole statement. */
function deep(n: number): Record<string, string> {
  const select = (e: string) => `SELECT ${e} AS x FROM src EMIT CHANGES;`;
  return {
    parens: select('('.repeat(n) + '1' + ')'.repeat(n)),
    case: select('CASE WHEN TRUE THEN '.repeat(n) + '1' + ' END'.repeat(n)),
    caseWhen: select('CASE WHEN '.repeat(n) + 'TRUE' + ' THEN 1 END'.repeat(n)),
    cast: select('CAST('.repeat(n) + '1' + ' AS INT)'.repeat(n)),
    call: select('ABS('.repeat(n) + '1' + ')'.repeat(n)),
    lambda: select('TRANSFORM(a, x => '.repeat(n) + 'x' + ')'.repeat(n)),
    array: select('ARRAY['.repeat(n) + '1' + ']'.repeat(n)),
    struct: select('STRUCT(f := '.repeat(n) + '1' + ')'.repeat(n)),
    map: select("MAP('k' := ".repeat(n) + '1' + ')'.repeat(n)),
    subscript: select('a' + '[1]'.repeat(n)),
    dereference: select('s' + '->f'.repeat(n)),
    not: select('NOT '.repeat(n) + 'TRUE'),
    negation: select('- '.repeat(n) + '1'),
    and: select(Array(n).fill('TRUE').join(' AND ')),
    or: select(Array(n).fill('v = 1').join(' OR ')),
    plus: select(Array(n).fill('1').join(' + ')),
    concat: select(Array(n).fill("'a'").join(' || ')),
    type: `CREATE STREAM t${n} (a ${'ARRAY<'.repeat(n)}INT${'>'.repeat(n)}) WITH (kafka_topic='t${n}', value_format='JSON', partitions=1);`,
    structType: `CREATE STREAM u${n} (a ${'STRUCT<f '.repeat(n)}INT${'>'.repeat(n)}) WITH (kafka_topic='u${n}', value_format='JSON', partitions=1);`,
    explain: 'EXPLAIN '.repeat(n) + 'SELECT * FROM src EMIT CHANGES;',
    joins: `SELECT * FROM src ${Array.from({ length: n }, (_, i) => `JOIN src s${i} WITHIN 1 SECOND ON src.k = s${i}.k`).join(' ')} EMIT CHANGES;`,
  };
}

function floods(n: number): Record<string, string> {
  return {
    lineComments: '-- a comment\n'.repeat(n),
    lineCommentsNoNewline: '--'.repeat(n),
    blockComments: '/* c */'.repeat(n) + 'SHOW STREAMS;',
    openBlockComment: '/*' + ' x'.repeat(n),
    quotes: "'".repeat(n * 2 + 1),
    doubleQuotes: '"'.repeat(n * 2 + 1),
    backQuotes: '`'.repeat(n * 2 + 1),
    openString: "SELECT '" + 'a'.repeat(n),
    semicolons: ';'.repeat(n),
    statements: 'SHOW STREAMS;'.repeat(Math.min(n, 500)),
    brackets: '('.repeat(n),
    closers: ')'.repeat(n) + ']'.repeat(n),
    caseWords: 'CASE '.repeat(n),
    ends: 'END '.repeat(n),
  };
}

/** The parser may refuse an input only with its own errors (ParseError / AnalysisError), quickly. */
function parseBounded(text: string): void {
  const started = performance.now();
  try {
    parseStatements(text);
  } catch (e) {
    if (!(e instanceof SluiceError)) throw new Error(`parser threw ${(e as Error).name}: ${(e as Error).message.slice(0, 200)} for ${text.slice(0, 120)}`);
  }
  const took = performance.now() - started;
  if (took > PARSE_BOUND_MS) throw new Error(`parsing took ${Math.round(took)} ms for ${text.slice(0, 120)}`);
}

describe('parser', () => {
  // The vectors sit beside the repository (../shared), as for the conformance test.
  it.runIf(existsSync(VECTORS))('answers mutated conformance statements with its own errors, each within the bound', () => {
    const statements = vectorStatements();
    expect(statements.length).toBeGreaterThan(1000);
    const rand = prng(13);
    for (let i = 0; i < 3000; i++) parseBounded(mutate(statements[Math.floor(rand() * statements.length)]!, rand));
  });

  it('refuses nesting past the limit, and accepts it below, for every construct', () => {
    const limit = DEFAULT_PARSE_LIMITS.maxDepth;
    for (const n of [limit + 1, 1000, 5000, 20_000]) {
      for (const [name, text] of Object.entries(deep(n))) {
        let error: unknown;
        const started = performance.now();
        try {
          parseStatements(text);
        } catch (e) {
          error = e;
        }
        expect(performance.now() - started, `${name} × ${n}`).toBeLessThan(PARSE_BOUND_MS);
        expect(error, `${name} × ${n}`).toBeInstanceOf(SluiceError);
        expect((error as Error).message, `${name} × ${n}`).toMatch(/exceeds the limit of \d+ \(sluice\.(expression\.max\.depth|statement\.max\.length)\)/);
      }
    }
    // A lambda level is two nodes (the call and the lambda): half the limit fits every construct.
    for (const [name, text] of Object.entries(deep(Math.floor(limit / 2) - 5))) {
      expect(() => parseStatements(text), name).not.toThrow();
    }
  });

  it('reads long flat chains (10,000 ANDs, ORs, NOTs) or refuses them quickly', () => {
    for (const text of [deep(10_000).and!, deep(10_000).or!, deep(10_000).not!, deep(50_000).not!]) parseBounded(text);
  });

  it('survives comment and quote floods', () => {
    for (const text of Object.values(floods(20_000))) parseBounded(text);
  });
});

describe('POST /ksql', () => {
  let dir: string;
  let engine: Engine;
  let server: SluiceServer;
  const escaped: unknown[] = [];
  const onError = (e: unknown): void => void escaped.push(e);

  beforeAll(async () => {
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    dir = mkdtempSync(join(tmpdir(), 'sluice-fuzz-'));
    engine = await Engine.open({ dataDir: dir });
    server = new SluiceServer(engine, { port: 0 });
    await server.listen();
    const r = await ksql(
      `CREATE STREAM src (k STRING KEY, v INT, a ARRAY<INT>, s STRUCT<f INT>) WITH (kafka_topic='src', value_format='JSON', partitions=1);`,
    );
    expect(r.status).toBe(200);
  });

  afterAll(async () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function ksql(text: string): Promise<{ status: number; body: string; ms: number }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(new URL('/ksql', server.url), { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer in 30 s to ${text.slice(0, 120)}`)));
      req.on('error', reject);
      req.end(JSON.stringify({ ksql: text, streamsProperties: {} }));
    });
  }

  async function expectAnswered(text: string, label: string): Promise<{ status: number; body: string }> {
    const r = await ksql(text);
    expect(r.status, `${label}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
    expect(r.ms, label).toBeLessThan(REQUEST_BOUND_MS);
    expect(() => JSON.parse(r.body) as unknown, label).not.toThrow();
    return r;
  }

  it.runIf(existsSync(VECTORS))('answers mutated conformance statements without a server error, each within the bound', async () => {
    const statements = vectorStatements();
    const rand = prng(2024);
    for (let i = 0; i < 150; i++) {
      const text = mutate(statements[Math.floor(rand() * statements.length)]!, rand);
      await expectAnswered(text, `mutation ${i}: ${text.slice(0, 160)}`);
    }
  });

  it('refuses deep nesting of every construct with a 400 naming the limit', async () => {
    for (const n of [1000, 20_000]) {
      for (const [name, text] of Object.entries(deep(n))) {
        const r = await expectAnswered(text, `${name} × ${n}`);
        expect(r.status, name).toBe(400);
        expect((JSON.parse(r.body) as { error_code: number }).error_code).toBe(40001);
        expect(r.body, name).toMatch(/exceeds the limit of \d+ \(sluice\.(expression\.max\.depth|statement\.max\.length)\)/);
      }
    }
  });

  it('runs statements nested just under the limit through analysis, planning and the stored plan', async () => {
    const n = DEFAULT_PARSE_LIMITS.maxDepth - 10;
    const chain = Array(n).fill('v = 1').join(' OR ');
    const cases = 'CASE WHEN v > 0 THEN '.repeat(n / 2) + 'v' + ' END'.repeat(n / 2);
    const r = await expectAnswered(`CREATE STREAM deep_out AS SELECT k, ${cases} AS c FROM src WHERE ${chain};`, 'near-limit CSAS');
    expect(r.status, r.body).toBe(200);
  });

  it('survives comment and quote floods and huge statements', async () => {
    for (const [name, text] of Object.entries(floods(20_000))) await expectAnswered(text, name);
    const r = await expectAnswered(`SHOW STREAMS /* ${'x'.repeat(DEFAULT_PARSE_LIMITS.maxLength)} */;`, 'over-long statement');
    expect(r.status).toBe(400);
    expect(r.body).toContain('sluice.statement.max.length');
  });

  it('answers wrong-typed INSERT VALUES with 400 naming the column', async () => {
    const r = await expectAnswered(`INSERT INTO src (k, v) VALUES ('a', 'not a number');`, 'wrong type');
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body) as { error_code: number; message: string };
    expect(body.error_code).toBe(40001);
    expect(body.message).toContain("Failed to insert values into 'SRC'. Expected type INTEGER for field `V` but got STRING(not a number)");
    const few = JSON.parse((await expectAnswered(`INSERT INTO src (k, v) VALUES ('a');`, 'too few')).body) as { message: string };
    expect(few.message).toContain("Expected a value for each column. Expected Columns: [`K`, `V`]. Got ['a']");
  });

  it('is still answering /info, and nothing escaped', async () => {
    const info = await new Promise<number>((resolve, reject) => {
      request(new URL('/info', server.url), (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
    expect(info).toBe(200);
    expect(escaped).toEqual([]);
  });
});
