/**
 * Reading ksqlDB functional-test vector files and expanding them into runnable cases
 * (one per `format` × `config` variant), with the skip reasons the runner honours.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface VectorRecord {
  readonly topic: string;
  readonly key?: unknown;
  readonly value: unknown;
  readonly timestamp?: number;
  readonly headers?: readonly { KEY: string; VALUE: string | null }[];
  readonly window?: { readonly start: number; readonly end: number; readonly type: string };
}

export interface VectorTest {
  readonly name: string;
  readonly statements: readonly string[];
  readonly inputs?: readonly VectorRecord[];
  readonly outputs?: readonly VectorRecord[];
  readonly expectedException?: { readonly type?: string; readonly message?: string; readonly cause?: string; readonly causeMessage?: string };
  readonly post?: {
    readonly sources?: readonly { name: string; type: string; schema?: string; keyFormat?: { format: string }; valueFormat?: { format: string } | string }[];
    readonly topics?: { readonly blacklist?: string };
  };
  readonly topics?: readonly { name: string; partitions?: number; keyFormat?: string; valueFormat?: string; valueSchema?: unknown; keySchema?: unknown }[];
  readonly properties?: Readonly<Record<string, string>>;
  readonly config?: readonly string[];
  readonly format?: readonly string[];
  readonly enabled?: boolean;
  /** REST vectors */
  readonly responses?: readonly unknown[];
  readonly expectedError?: unknown;
}

export interface TestCase {
  readonly file: string;
  readonly name: string;
  readonly test: VectorTest;
  readonly statements: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** Why the case is skipped, if it is. */
  readonly skip?: string;
}

const SCHEMA_FORMATS = ['AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'JSON_SR'];

/**
 * Whether a case only needs stateless stream processing: no tables, aggregation, windows or joins.
 * (Used to report progress per capability; it does not change how a case runs.)
 */
export function isStateless(tc: TestCase): boolean {
  const text = tc.statements.join('\n').toUpperCase();
  return !/\bGROUP\s+BY\b|\bJOIN\b|\bWINDOW\b|\bCREATE\s+(OR\s+REPLACE\s+)?(SOURCE\s+)?TABLE\b/.test(text);
}

export function listVectorFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.json')) out.push(p);
    }
  };
  if (statSync(dir).isDirectory()) walk(dir);
  else out.push(dir);
  return out;
}

export function loadCases(file: string, root: string): TestCase[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { tests?: VectorTest[] };
  const rel = relative(root, file) || file;
  const cases: TestCase[] = [];
  for (const test of doc.tests ?? []) {
    const formats = test.format && test.format.length > 0 ? test.format : [undefined];
    const configs = test.config && test.config.length > 0 ? test.config : [undefined];
    for (const format of formats) {
      for (const config of configs) {
        const sub = (s: string) => {
          let r = s;
          if (format !== undefined) r = r.split('{FORMAT}').join(format);
          if (config !== undefined) r = r.split('{CONFIG}').join(config);
          return r;
        };
        const statements = test.statements.map(sub);
        const properties: Record<string, string> = {};
        for (const [k, v] of Object.entries(test.properties ?? {})) properties[k] = sub(String(v));
        const suffix = [format, config].filter((x) => x !== undefined).join(' / ');
        const name = suffix ? `${test.name} [${suffix}]` : test.name;
        const skip = skipReason(test);
        cases.push({ file: rel, name, test, statements, properties, ...(skip ? { skip } : {}) });
      }
    }
  }
  return cases;
}

function skipReason(test: VectorTest): string | undefined {
  if (test.enabled === false) return 'disabled in ksqlDB (enabled: false)';
  return undefined;
}

/**
 * The schema-registry formats a case uses (its `format` variant, FORMAT properties in its
 * statements, its properties and declared topics), for reporting per format and `--format`.
 */
export function schemaFormatsOf(tc: TestCase): string[] {
  const found = new Set<string>();
  const text = tc.statements.join(' ').toUpperCase();
  for (const f of SCHEMA_FORMATS) {
    if (new RegExp(`FORMAT\\s*=\\s*'${f}'`).test(text)) found.add(f);
    for (const v of Object.values(tc.properties)) if (v.toUpperCase() === f) found.add(f);
    for (const t of tc.test.topics ?? []) for (const x of [t.keyFormat, t.valueFormat]) if (x?.toUpperCase() === f) found.add(f);
  }
  return [...found];
}
