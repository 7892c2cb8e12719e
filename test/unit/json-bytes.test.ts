import { describe, expect, it } from 'vitest';
import { jsonRowBytes } from '../../src/serde/json-bytes.js';
import { jsonWriter } from '../../src/serde/json-write.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';

/** The text json-write.ts gives for a row: what the byte writer must produce, as UTF-8. */
function expectedRow(names: string[] | null, types: SqlType[], values: unknown[]): string {
  if (names === null) return jsonWriter(types[0]!)(values[0]);
  return '{' + names.map((n, i) => JSON.stringify(n) + ':' + jsonWriter(types[i]!)(values[i])).join(',') + '}';
}

describe('JSON rows written as bytes', () => {
  const names = ['ID', 'NAME', 'OK', 'AMOUNT', 'X', 'TAGS', 'CAFÉ', 'S'];
  const types = [T.BIGINT, T.STRING, T.BOOLEAN, T.decimal(6, 2), T.DOUBLE, T.array(T.STRING), T.INTEGER, T.struct([{ name: 'A', type: T.STRING }])];
  const write = jsonRowBytes(names, types);

  const integers = [0, -0, 7, -7, 2147483647, 2147483648, -2147483649, 1704067200123, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e21, 12345678901234567890n, NaN, null];
  const strings = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline', 'ünïcödé ✓', '\u{1F600} emoji', 'lone \ud800 surrogate', '\u007f del', null];

  it('gives exactly the bytes of the text writer for every kind of value', () => {
    let i = 0;
    for (const id of integers) {
      for (const name of strings) {
        i++;
        const row = [id, name, i % 3 === 0 ? null : i % 2 === 0, i % 4 === 0 ? null : Decimal.fromNumber(i / 4), i % 5 === 0 ? null : i * 1.5, [name, 'x'], i, { A: name }];
        expect(write(row).toString('utf8')).toBe(expectedRow(names, types, row));
      }
    }
  });

  it('writes a bare single value and an empty row', () => {
    const bare = jsonRowBytes(null, [T.STRING]);
    expect(bare(['a"b']).toString()).toBe('"a\\"b"');
    expect(jsonRowBytes(null, [T.BIGINT])([-42]).toString()).toBe('-42');
    expect(jsonRowBytes([], [])([]).toString()).toBe('{}');
  });

  it('keeps earlier rows intact across arenas, rows larger than an arena included', () => {
    const w = jsonRowBytes(['V'], [T.STRING]);
    const rows: { text: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = i % 500 === 7 ? 'é'.repeat(70_000) + i : 'value-' + i + '-'.repeat(i % 50);
      rows.push({ text: expectedRow(['V'], [T.STRING], [v]), bytes: w([v]) });
    }
    for (const r of rows) expect(r.bytes.toString('utf8')).toBe(r.text);
  });
});
