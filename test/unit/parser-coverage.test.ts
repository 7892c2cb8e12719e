import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { parseCoverage } from '../conformance/parse-coverage.js';

const DIR = '/work/shared/conformance/ksqldb';

describe.skipIf(!existsSync(DIR))('parse coverage of the ksqlDB vectors', () => {
  it('parses at least 99% of the statements of passing tests', () => {
    const result = parseCoverage(DIR);
    if (process.env.PARSE_COVERAGE_VERBOSE) {
      for (const f of result.failures) console.log(`${f.file} [${f.test}] ${f.statement}\n  ${f.error}`);
    }
    const total = result.passed + result.failed;
    console.log(`parse coverage: ${result.passed} passed, ${result.failed} failed`);
    expect(total).toBeGreaterThan(4000);
    expect(result.passed / total).toBeGreaterThanOrEqual(0.99);
  });
});
