/**
 * Parse coverage: parses every statement of every test vector that is expected to succeed.
 *
 *   npm run parse-coverage -- <dir> [--verbose]
 *
 * Walks <dir> recursively for *.json vector files. For each test without `expectedException` /
 * `expectedError`, every statement is parsed once per entry of the test's `format` list ({FORMAT}
 * replaced), or once with JSON. Prints a line per file, failing statements with --verbose, and a
 * final `N passed, N failed` line. Always exits 0: it measures, it does not gate.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseStatements } from '../../src/parser/parse.js';

export interface CoverageFailure {
  readonly file: string;
  readonly test: string;
  readonly statement: string;
  readonly error: string;
}

export interface CoverageResult {
  readonly passed: number;
  readonly failed: number;
  readonly files: readonly { readonly file: string; readonly passed: number; readonly failed: number }[];
  readonly failures: readonly CoverageFailure[];
}

interface VectorTest {
  readonly name?: string;
  readonly statements?: readonly string[];
  readonly format?: readonly string[];
  readonly expectedException?: unknown;
  readonly expectedError?: unknown;
}

export function parseCoverage(dir: string): CoverageResult {
  const files: { file: string; passed: number; failed: number }[] = [];
  const failures: CoverageFailure[] = [];
  let passed = 0;
  let failed = 0;
  for (const path of jsonFiles(dir)) {
    const file = relative(dir, path);
    let tests: readonly VectorTest[];
    try {
      tests = (JSON.parse(readFileSync(path, 'utf8')) as { tests?: VectorTest[] }).tests ?? [];
    } catch {
      continue; // not a vector file
    }
    let filePassed = 0;
    let fileFailed = 0;
    for (const test of tests) {
      if (test.expectedException !== undefined || test.expectedError !== undefined) continue;
      const formats = test.format && test.format.length > 0 ? test.format : ['JSON'];
      for (const format of formats) {
        for (const raw of test.statements ?? []) {
          const statement = raw.split('{FORMAT}').join(format);
          try {
            parseStatements(statement);
            filePassed++;
          } catch (e) {
            fileFailed++;
            failures.push({ file, test: test.name ?? '?', statement, error: e instanceof Error ? e.message : String(e) });
          }
        }
      }
    }
    files.push({ file, passed: filePassed, failed: fileFailed });
    passed += filePassed;
    failed += fileFailed;
  }
  return { passed, failed, files, failures };
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

function main(argv: readonly string[]): void {
  const verbose = argv.includes('--verbose');
  const dir = argv.find((a) => !a.startsWith('--'));
  if (dir === undefined) {
    console.error('usage: parse-coverage <dir> [--verbose]');
    return;
  }
  const result = parseCoverage(dir);
  for (const f of result.files) {
    console.log(`${f.file}: ${f.passed} passed, ${f.failed} failed`);
    if (verbose) {
      for (const x of result.failures) {
        if (x.file === f.file) console.log(`  FAIL [${x.test}] ${x.statement}\n    ${x.error.replace(/\n/g, '\n    ')}`);
      }
    }
  }
  const total = result.passed + result.failed;
  const pct = total === 0 ? 100 : (100 * result.passed) / total;
  console.log(`${result.passed} passed, ${result.failed} failed (${pct.toFixed(2)}%)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
