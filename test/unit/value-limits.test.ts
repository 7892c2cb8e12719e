/**
 * Values at and past their limits: numbers out of range (read as ksqlDB does, checked before any
 * BigInt), non-finite values (never written as invalid JSON), megabyte strings and BYTES, JSON
 * `null` records, malformed UTF-8, deeply nested JSON; and the parser's limits and splitter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSerde, SerdeError } from '../../src/serde/index.js';
import { decodeBase64, javaIntegralBits, parseJavaLong } from '../../src/serde/text.js';
import { apiValueReader } from '../../src/serde/json-api.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { Column } from '../../src/types/schema.js';
import { parseStatements } from '../../src/parser/parse.js';
import { parseLimits, DEFAULT_PARSE_LIMITS } from '../../src/parser/limits.js';
import { splitStatements } from '../../src/parser/statement-splitter.js';
import { ParseError } from '../../src/errors.js';
import { Engine } from '../../src/engine/engine.js';

const col = (name: string, type: SqlType): Column => ({ name, type, namespace: 'VALUE' });
const json = (columns: Column[]) => createSerde('JSON', columns, {}, false);
const buf = (s: string) => Buffer.from(s, 'utf8');

/** Stall guard, not a speed assertion: the defects took seconds to minutes. */
function bounded<R>(f: () => R, ms = 2000): R {
  const started = performance.now();
  const r = f();
  expect(performance.now() - started).toBeLessThan(ms);
  return r;
}

describe('numbers out of range', () => {
  it('keep the low bits of the integral part, as Java longValue()/intValue()', () => {
    expect(javaIntegralBits('1e400', 64)).toBe(0);
    expect(javaIntegralBits('18446744073709551617', 64)).toBe(1);
    expect(javaIntegralBits('-18446744073709551615', 64)).toBe(1);
    expect(javaIntegralBits('4294967297', 32)).toBe(1);
    expect(javaIntegralBits('-1.9', 64)).toBe(-1);
    expect(javaIntegralBits('1.5e3', 32)).toBe(1500);
    expect(javaIntegralBits('123456789012345678901234567890', 64)).toBe(Number(BigInt.asIntN(64, 123456789012345678901234567890n)));
    expect(bounded(() => javaIntegralBits('7'.repeat(300_000), 64))).toBe(Number(BigInt.asIntN(64, modTen('7', 300_000))));
  });

  it('are refused by Long.parseLong before any BigInt of a megabyte of digits', () => {
    expect(bounded(() => parseJavaLong('9'.repeat(3_000_000)))).toBeUndefined();
    expect(parseJavaLong('0'.repeat(40) + '42')).toBe(42);
    expect(parseJavaLong('9223372036854775808')).toBeUndefined();
  });

  it('read from JSON records as ksqlDB reads them; never as Infinity', () => {
    const s = json([col('ID', T.BIGINT), col('I', T.INTEGER)]);
    expect(s.deserialize(buf('{"ID": 1e400, "I": 1e400}'))).toEqual([0, 0]);
    expect(s.deserialize(buf('{"ID": 123456789012345678901234567890}'))).toEqual([Number(BigInt.asIntN(64, 123456789012345678901234567890n)), null]);
    expect(s.deserialize(buf('{"ID": 9223372036854775807, "I": 4294967297}'))).toEqual([9223372036854775807, 1]);
    const value = s.deserialize(buf('{"ID": 1e400}'));
    expect(JSON.parse(s.serialize(value)!.toString())).toEqual({ ID: 0, I: null });
  });

  it('non-finite values are written as valid JSON: DOUBLE as Jackson\'s strings, BIGINT as null', () => {
    const s = json([col('ID', T.BIGINT), col('D', T.DOUBLE), col('E', T.DOUBLE)]);
    const out = s.serialize([Infinity, NaN, -Infinity])!.toString();
    expect(JSON.parse(out)).toEqual({ ID: null, D: 'NaN', E: '-Infinity' });
  });
});

describe('large and malformed values', () => {
  it('megabyte BYTES values decode (the base64 check is a loop, not a regex)', () => {
    const bytes = Buffer.alloc(5 * 1024 * 1024, 7);
    expect(bounded(() => decodeBase64(bytes.toString('base64')))?.equals(bytes)).toBe(true);
    expect(decodeBase64('IQ=')).toBeUndefined();
    const s = json([col('B', T.BYTES)]);
    expect((s.deserialize(buf(JSON.stringify({ B: bytes.toString('base64') })))![0] as Buffer).length).toBe(bytes.length);
  });

  it('a JSON `null` record is a null value, not a row of NULLs', () => {
    expect(json([col('ID', T.BIGINT), col('S', T.STRING)]).deserialize(buf('null'))).toBeNull();
  });

  it('malformed UTF-8 fails the record instead of being replaced by U+FFFD', () => {
    const s = json([col('S', T.STRING)]);
    expect(() => s.deserialize(Buffer.from([0x7b, 0x22, 0x53, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))).toThrow(/Invalid UTF-8 start byte 0xff/);
    expect(s.deserialize(buf('{"S": "\uFFFD ok"}'))).toEqual(['\uFFFD ok']);
  });

  it('JSON nested deeper than Jackson allows fails the record, without a stack overflow', () => {
    const s = json([col('S', T.STRING)]);
    const deep = '{"S": ' + '['.repeat(50_000) + '1' + ']'.repeat(50_000) + '}';
    let error: unknown;
    try {
      s.deserialize(buf(deep));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SerdeError);
    expect((error as Error).message).toMatch(/nesting depth/);
  });

  it('a REST value that does not fit its column fails in ksqlDB\'s words', () => {
    expect(() => apiValueReader(T.STRING)(1)).toThrow("Can't coerce a field of type class java.lang.Integer (1) into type STRING");
    expect(() => apiValueReader(T.STRING)([1, 2])).toThrow("Can't coerce a field of type class io.vertx.core.json.JsonArray ([1,2]) into type STRING");
    expect(() => apiValueReader(T.BIGINT)('9'.repeat(3_000_000))).toThrow(/into type BIGINT/);
    expect(apiValueReader(T.STRING)('x')).toBe('x');
  });
});

describe('parser limits', () => {
  it('are configurable, and name the limit and the position', () => {
    const limits = parseLimits({ 'sluice.expression.max.depth': '10', 'sluice.statement.max.length': '50' });
    expect(limits).toEqual({ maxDepth: 10, maxLength: 50 });
    expect(parseLimits({ 'sluice.expression.max.depth': 'lots' })).toEqual(DEFAULT_PARSE_LIMITS);
    expect(() => parseStatements('SELECT\n  ' + '('.repeat(11) + '1' + ')'.repeat(11) + ' FROM s;', { limits })).toThrow(
      'line 2:13: Expression nesting depth exceeds the limit of 10 (sluice.expression.max.depth)',
    );
    expect(() => parseStatements(`SELECT '${'x'.repeat(60)}' FROM s;`, { limits })).toThrow(/Statement length of \d+ characters exceeds the limit of 50/);
    expect(() => parseStatements('SELECT ' + 'NOT '.repeat(20) + 'TRUE FROM s;', { limits })).toThrow(ParseError);
    expect(parseStatements('SELECT ' + 'NOT '.repeat(5) + 'TRUE FROM s;', { limits })).toHaveLength(1);
  });

  it('long NOT chains parse in linear time, and keep their positions', () => {
    const st = bounded(() => parseStatements('SELECT ' + 'NOT '.repeat(150) + 'TRUE FROM s;')[0]!);
    expect(st.kind).toBe('Select');
  });
});

describe('statement splitter', () => {
  it('drops a tail of comments in linear time (the regex doubled per line)', () => {
    expect(bounded(() => splitStatements('SHOW STREAMS;\n' + '-- comment\n'.repeat(50_000)))).toEqual(['SHOW STREAMS;']);
    expect(splitStatements('SHOW STREAMS; /* done */ -- bye')).toEqual(['SHOW STREAMS;']);
    expect(splitStatements('SHOW STREAMS; SHOW TABLES')).toEqual(['SHOW STREAMS;', 'SHOW TABLES']);
  });
});

describe('a JSON null record on the engine', () => {
  it('is not counted by COUNT(*), as a tombstone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-null-'));
    const engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest', 'cache.max.bytes.buffering': '0' } });
    try {
      await engine.execute(`CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
                            CREATE TABLE c AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;`);
      await engine.log.append('s', [
        { key: buf('"a"'), value: buf('{"V": 1}'), timestamp: 1 },
        { key: buf('"a"'), value: buf('null'), timestamp: 2 },
        { key: buf('"a"'), value: buf('{"V": 2}'), timestamp: 3 },
      ]);
      await engine.drain();
      const out = await engine.log.read('C', 0, 0, 10);
      expect(out.map((r) => JSON.parse(r.value!.toString()) as unknown)).toEqual([{ N: 1 }, { N: 2 }]);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `digit` repeated `count` times, mod 2^64, digit by digit. */
function modTen(digit: string, count: number): bigint {
  const mask = (1n << 64n) - 1n;
  let r = 0n;
  const d = BigInt(digit);
  for (let i = 0; i < count; i++) r = (r * 10n + d) & mask;
  return r;
}
