/** The CLI's pieces that need no server: keyword list vs the grammar, completion, tables, values. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAMMAR_KEYWORDS, KEYWORDS } from '../../cli/keywords.js';
import { Completer, currentWord } from '../../cli/completion.js';
import { Grid, renderGrid, wrapCell } from '../../cli/table.js';
import { parseSchemaColumns, renderValue } from '../../cli/format-value.js';

describe('completion', () => {
  it('knows every keyword token of the grammar', () => {
    const grammar = readFileSync('grammar/ksql.peggy', 'utf8');
    const tokens = [...grammar.matchAll(/^[A-Z_]+ = "([A-Za-z_]+)"i !IdentPart _/gm)].map((m) => m[1]!.toUpperCase());
    expect([...new Set(tokens)].sort()).toEqual([...GRAMMAR_KEYWORDS].sort());
    expect(KEYWORDS).toContain('BIGINT');
  });

  it('completes keywords in the case typed, and names from its source after invalidate()', async () => {
    let calls = 0;
    const names = [{ sources: ['PAGEVIEWS'], columns: ['PAGE_ID'], functions: ['PARSE_DATE'] }, { sources: ['PAGEVIEWS', 'PAYMENTS'], columns: [], functions: [] }];
    const c = new Completer(() => Promise.resolve(names[Math.min(calls++, 1)]!));
    expect(await c.complete('sel')).toEqual([['select'], 'sel']);
    expect(await c.complete('SELECT * FROM PA')).toEqual([['PAGEVIEWS', 'PAGE_ID', 'PARSE_DATE', 'PARTITION', 'PAUSE'], 'PA']);
    expect(await c.complete('select parse_')).toEqual([['parse_date'], 'parse_']);
    expect(calls).toBe(1);
    c.invalidate();
    expect((await c.complete('FROM PAY'))[0]).toEqual(['PAYMENTS']);
    expect(currentWord('SELECT COUNT(pa')).toBe('pa');
    expect(await c.complete('SELECT ')).toEqual([[], '']);
  });
});

describe('tables and values', () => {
  it('sizes a result to its data and wraps what does not fit the terminal, keeping the grid aligned', () => {
    expect(renderGrid(['K', 'V'], [['a', '1'], ['bb', 'long value']])).toBe(['+----+------------+', '| K  | V          |', '+----+------------+', '| a  | 1          |', '| bb | long value |', '+----+------------+'].join('\n'));
    const narrow = renderGrid(['K', 'V'], [['a', 'x'.repeat(40)]], 30).split('\n');
    expect(new Set(narrow.map((l) => l.length))).toEqual(new Set([30]));
    expect(new Grid([5]).row(['one two three'])).toBe('| one   |\n| two   |\n| three |');
    expect(wrapCell('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
  });

  it('renders DOUBLE as Java does, at any depth, knowing the types from the schema', () => {
    const cols = parseSchemaColumns('`ID` BIGINT KEY, `P` DOUBLE, `A` ARRAY<DOUBLE>, `S` STRUCT<`X` DOUBLE, `N` INTEGER>, `M` MAP<STRING, DOUBLE>, `D` DECIMAL(4, 2), `Q``Q` STRING');
    expect(cols.map((c) => c.name)).toEqual(['ID', 'P', 'A', 'S', 'M', 'D', 'Q`Q']);
    const t = (i: number) => cols[i]!.type;
    expect(renderValue(10, t(0))).toBe('10');
    expect(renderValue(10, t(1))).toBe('10.0');
    expect(renderValue(1e10, t(1))).toBe('1.0E10');
    expect(renderValue([1, 2.5], t(2))).toBe('[1.0,2.5]');
    expect(renderValue({ X: 3, N: 3 }, t(3))).toBe('{"X":3.0,"N":3}');
    expect(renderValue({ k: 1 }, t(4))).toBe('{"k":1.0}');
    expect(renderValue(null, t(1))).toBe('null');
    expect(cols[5]!.typeText).toBe('DECIMAL(4, 2)');
  });
});
