/**
 * The ksqlDB conformance vectors as a regression floor: the stateless cases (no tables,
 * aggregation, windows or joins) must keep passing, also when the engine is restarted half-way
 * through each case. Raise the floor when more pass; never lower it to hide a regression.
 */
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseArgs, runConformance } from '../conformance/run.js';

const VECTORS = '../shared/conformance/ksqldb/query-validation-tests';
const STATELESS_FLOOR = 757;

it.runIf(existsSync(VECTORS))('passes the stateless ksqlDB vectors', async () => {
  const lines: string[] = [];
  const totals = await runConformance(parseArgs([VECTORS, '--stateless']), (l) => lines.push(l));
  expect(totals.passed, lines.join('\n')).toBeGreaterThanOrEqual(STATELESS_FLOOR);
}, 300_000);

it.runIf(existsSync(VECTORS))('gives the same results with a restart in the middle of every case', async () => {
  const lines: string[] = [];
  const totals = await runConformance(parseArgs([VECTORS, '--stateless', '--restart']), (l) => lines.push(l));
  expect(totals.passed, lines.join('\n')).toBeGreaterThanOrEqual(STATELESS_FLOOR);
}, 300_000);
