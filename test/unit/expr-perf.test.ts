/** Hot-path throughput of compiled expressions (loose floor; the numbers are logged). */
import { expect, it } from 'vitest';
import { parseExpression } from '../../src/parser/parse.js';
import { compileExpression, type Scope } from '../../src/expr/compile.js';
import { FunctionRegistry } from '../../src/functions/registry.js';
import { T } from '../../src/types/sql-type.js';

const scope: Scope = {
  resolveColumn: (_s, name) => (name === 'A' ? { index: 0, type: T.INTEGER } : name === 'B' ? { index: 1, type: T.STRING } : undefined),
};
const ctx = { functions: new FunctionRegistry() };
const N = 1_000_000;
const rows: unknown[][] = Array.from({ length: N }, (_, i) => [i % 1000, i % 3 === 0 ? 'x' : 'y']);

function measure(sql: string): { perSec: number; checksum: number } {
  const ev = compileExpression(parseExpression(sql), scope, ctx).evaluate;
  let checksum = 0;
  for (let i = 0; i < 200_000; i++) ev(rows[i]!); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const v = ev(rows[i]!);
    if (v === true) checksum++;
    else if (typeof v === 'number') checksum += v;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { perSec: Math.round(N / (ns / 1e9)), checksum };
}

it('filter and projection run at millions of records per second', () => {
  const filter = measure("A > 100 AND B = 'x'");
  const projection = measure('A * 2 + 1');
  console.log(`filter A > 100 AND B = 'x': ${filter.perSec.toLocaleString()} records/s`);
  console.log(`projection A * 2 + 1: ${projection.perSec.toLocaleString()} records/s`);
  expect(filter.checksum).toBe(rows.filter((r) => (r[0] as number) > 100 && r[1] === 'x').length);
  expect(filter.perSec).toBeGreaterThan(1_000_000);
  expect(projection.perSec).toBeGreaterThan(1_000_000);
});
