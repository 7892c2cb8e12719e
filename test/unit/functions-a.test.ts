import { describe, expect, it } from 'vitest';
import { allScalarFunctions } from '../../src/functions/scalar/index.js';
import type { ParamType, ResolvedArgs, ScalarOverload } from '../../src/functions/types.js';
import { isSpecializable } from '../../src/functions/scalar/support.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';

/** The overload of `name` whose parameter kinds are `kinds` (e.g. 'STRING', 'INTEGER', 'ANY_DECIMAL'). */
function overload(name: string, ...kinds: string[]): ScalarOverload {
  const overloads = allScalarFunctions.filter((f) => f.name === name).flatMap((f) => f.overloads);
  const o = overloads.find((x) => x.params.length === kinds.length && x.params.every((p, i) => (p.type as ParamType).kind === kinds[i]));
  if (!o) throw new Error(`no overload ${name}(${kinds.join(', ')})`);
  return o;
}
/** Call an overload's impl (variadic overloads: pass the trailing array yourself). */
function call(name: string, kinds: string[], ...args: unknown[]): unknown {
  return (overload(name, ...kinds).impl as (...a: unknown[]) => unknown)(...args);
}
const S = 'STRING';
const I = 'INTEGER';
const B = 'BYTES';
const D = 'DOUBLE';
const DEC = 'ANY_DECIMAL';
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const dec = (s: string): Decimal => Decimal.parse(s);
const resolved = (...types: SqlType[]): ResolvedArgs => ({ types, generics: new Map(), literals: types.map(() => null) });

describe('registry', () => {
  it('has unique names and ksqlDB categories', () => {
    const names = allScalarFunctions.map((f) => f.name);
    for (const n of ['CONCAT', 'REGEXP_EXTRACT', 'URL_EXTRACT_HOST', 'ENCODE', 'MD5', 'TO_JSON_STRING', 'COALESCE', 'ROUND', 'GEO_DISTANCE', 'AS_VALUE']) {
      expect(names.filter((x) => x === n)).toHaveLength(1);
    }
  });
});

describe('string functions', () => {
  it('CHR', () => {
    expect(call('CHR', [I], 75)).toBe('K');
    expect(call('CHR', [I], 99000)).toBe('\ud820\udeb8');
    expect(call('CHR', [I], -1)).toBeNull();
    expect(call('CHR', [S], '\\u004b')).toBe('K');
    expect(call('CHR', [S], '\\ud820\\udeb8')).toBe('\ud820\udeb8');
    expect(call('CHR', [S], '75')).toBeNull();
    expect(call('CHR', [S], '004b')).toBeNull();
    expect(call('CHR', [S], '')).toBeNull();
  });

  it('CONCAT / CONCAT_WS skip NULLs', () => {
    expect(call('CONCAT', [S], ['a', null, 'b'])).toBe('ab');
    expect(call('CONCAT', [B], [b64('eWVz'), null, b64('bm8=')])).toEqual(b64('eWVzbm8='));
    expect(call('CONCAT_WS', [S, S], 'SEP', ['foo', null, 'baz', null, 'literal'])).toBe('fooSEPbazSEPliteral');
    expect(call('CONCAT_WS', [S, S], null, ['foo'])).toBeNull();
    expect(call('CONCAT_WS', [S, S], 'SEP', [null, null])).toBe('');
    expect((call('CONCAT_WS', [B, B], b64('YQ=='), [b64('Yg=='), b64(''), null, b64('bm8=')]) as Buffer).toString('base64')).toBe('YmFhbm8=');
  });

  it('ELT / FIELD', () => {
    expect(call('ELT', [I, S], 2, ['ignored', 'x'])).toBe('x');
    expect(call('ELT', [I, S], 0, ['a'])).toBeNull();
    expect(call('ELT', [I, S], 3, ['a', 'b'])).toBeNull();
    expect(call('FIELD', [S, S], 'hello', [null, 'hello'])).toBe(2);
    expect(call('FIELD', [S, S], null, [null])).toBe(0);
    expect(call('FIELD', [S, S], 'x', ['a'])).toBe(0);
  });

  it('INITCAP, case, TRIM, LEN', () => {
    expect(call('INITCAP', [S], 'the   Quick br0wn fOx')).toBe('The   Quick Br0wn Fox');
    expect(call('INITCAP', [S], 'some_string')).toBe('Some_string');
    expect(call('TRIM', [S], ' \t with white space \t')).toBe('with white space');
    expect(call('UCASE', [S], 'MiXeD')).toBe('MIXED');
    expect(call('LCASE', [S], 'MiXeD')).toBe('mixed');
    expect(call('LEN', [S], 'ABC')).toBe(3);
    expect(call('LEN', [B], b64('YWJj'))).toBe(3);
  });

  it('INSTR', () => {
    const instr = (...a: unknown[]): unknown => call('INSTR', a.map((x, i) => (i < 2 ? S : I)), ...a);
    expect(instr('CORPORATE FLOOR', 'OR')).toBe(2);
    expect(instr('CORPORATE FLOOR', 'OR', 3)).toBe(5);
    expect(instr('CORPORATE FLOOR', 'OR', 3, 2)).toBe(14);
    expect(instr('CORPORATE FLOOR', 'OR', -3)).toBe(5);
    expect(instr('CORPORATE FLOOR', 'OR', -3, 2)).toBe(2);
    expect(instr('CORPORATE FLOOR', 'MISSING')).toBe(0);
    expect(instr('short', 'or', 4)).toBe(0);
    expect(instr('short', 'or', -4, 2)).toBe(0);
    expect(instr('should I stay or should I go', 'or')).toBe(15);
    expect(instr(null, 'or')).toBe(0);
  });

  it('SUBSTRING on strings and bytes', () => {
    expect(call('SUBSTRING', [S, I], 'some_string', 6)).toBe('string');
    expect(call('SUBSTRING', [S, I], 'short', 6)).toBe('');
    expect(call('SUBSTRING', [S, I, I], 'some_string', 6, 3)).toBe('str');
    expect(call('SUBSTRING', [S, I, I], 'some string', 0, 2)).toBe('so');
    expect(call('SUBSTRING', [S, I], 'stream', -3)).toBe('eam');
    expect((call('SUBSTRING', [B, I, I], b64('c29tZV9zdHJpbmc='), 6, 3) as Buffer).toString('base64')).toBe('c3Ry');
    expect(overload('SUBSTRING', S, I).nullOnNullInput).toBe(true);
  });

  it('LPAD / RPAD', () => {
    expect(call('LPAD', [S, I, S], 'foo', 7, 'Bar')).toBe('BarBfoo');
    expect(call('LPAD', [S, I, S], 'foo', 5, 'Bar')).toBe('Bafoo');
    expect(call('LPAD', [S, I, S], 'foo', 2, 'Bar')).toBe('fo');
    expect(call('LPAD', [S, I, S], 'foo', -1, 'Bar')).toBeNull();
    expect(call('LPAD', [S, I, S], 'foo', 7, '')).toBeNull();
    expect(call('LPAD', [S, I, S], '', 7, 'Bar')).toBe('BarBarB');
    expect(call('RPAD', [S, I, S], 'Foo', 7, 'Bar')).toBe('FooBarB');
    expect((call('LPAD', [B, I, B], b64('eWVz'), 8, b64('bm8=')) as Buffer).toString('base64')).toBe('bm9ub255ZXM=');
    expect((call('RPAD', [B, I, B], b64('eWVz'), 8, b64('bm8=')) as Buffer).toString('base64')).toBe('eWVzbm9ub24=');
    expect((call('RPAD', [B, I, B], b64('eWVz'), 2, b64('bm8=')) as Buffer).toString('base64')).toBe('eWU=');
    expect(call('RPAD', [B, I, B], b64('eWVz'), 3, b64(''))).toBeNull();
  });

  it('MASK family', () => {
    expect(call('MASK', [S], 'My Test $123')).toBe('Xx-Xxxx--nnn');
    expect(call('MASK', [S, S, S, S, S], 'My Test $123', '*', null, '1', null)).toBe('*y *est $111');
    expect(call('MASK_KEEP_LEFT', [S, I], 'My Test $123', 4)).toBe('My Txxx--nnn');
    expect(call('MASK_KEEP_RIGHT', [S, I], 'My Test $123', 4)).toBe('Xx-Xxxx-$123');
    expect(call('MASK_LEFT', [S, I], 'My Test $123', 4)).toBe('Xx-Xest $123');
    expect(call('MASK_RIGHT', [S, I], 'My Test $123', 4)).toBe('My Test -nnn');
    expect(call('MASK_LEFT', [S, I], 'ab', 10)).toBe('xx');
    expect(call('MASK', [S], 'Ünï')).toBe('Xxx');
    expect(() => call('MASK_LEFT', [S, I], 'ab', -1)).toThrow(/non-negative/);
    expect(() => call('MASK', [S, S, S, S, S], 'ab', 'XX', null, null, null)).toThrow(/single character/);
  });

  it('REPLACE, SPLIT, SPLIT_TO_MAP', () => {
    expect(call('REPLACE', [S, S, S], 'anaconda', 'a', 'o')).toBe('onocondo');
    expect(call('REPLACE', [S, S, S], 'a$b', '$', '$1')).toBe('a$1b');
    expect(call('SPLIT', [S, S], '..a..', '.')).toEqual(['', '', 'a', '', '']);
    expect(call('SPLIT', [S, S], 'abc', '')).toEqual(['a', 'b', 'c']);
    expect(call('SPLIT', [S, S], '', '')).toEqual(['']);
    expect(call('SPLIT', [S, S], 'a$$b.c', '$$')).toEqual(['a', 'b.c']);
    const bytes = call('SPLIT', [B, B], b64('Li5hLi4='), Buffer.from('.')) as Buffer[];
    expect(bytes.map((b) => b.toString('base64'))).toEqual(['', '', 'YQ==', '', '']);
    expect((call('SPLIT', [B, B], b64(''), Buffer.alloc(0)) as Buffer[]).length).toBe(1);
    const m = call('SPLIT_TO_MAP', [S, S, S], 'apple:green//banana:yellow//cherry:red/', '/', ':') as Map<string, string>;
    expect([...m]).toEqual([['apple', 'green'], ['banana', 'yellow'], ['cherry', 'red']]);
    expect([...(call('SPLIT_TO_MAP', [S, S, S], 'apple:green/banana:yellow', '&&', ':') as Map<string, string>)]).toEqual([['apple', 'green/banana']]);
    expect(call('SPLIT_TO_MAP', [S, S, S], 'a:b', '', ':')).toBeNull();
    expect((call('SPLIT_TO_MAP', [S, S, S], '', '/', ':') as Map<string, string>).size).toBe(0);
  });

  it('UUID', () => {
    expect(call('UUID', [])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('regex functions', () => {
  it('REGEXP_EXTRACT / _ALL', () => {
    expect(call('REGEXP_EXTRACT', [S, S], 'test.', 'some_test_string')).toBe('test_');
    expect(call('REGEXP_EXTRACT', [S, S], 'test.', 'anothertest')).toBeNull();
    expect(call('REGEXP_EXTRACT', [S, S, I], '(.*) (.*)', 'steven zhang', 2)).toBe('zhang');
    expect(call('REGEXP_EXTRACT', [S, S, I], '(.*) (.*)', 'agavra', 2)).toBeNull();
    expect(() => call('REGEXP_EXTRACT', [S, S, I], '(a)', 'a', 3)).toThrow();
    expect(call('REGEXP_EXTRACT_ALL', [S, S], 'test.', 'some_test_string_testabab')).toEqual(['test_', 'testa']);
    expect(call('REGEXP_EXTRACT_ALL', [S, S, I], '(\\w+) (\\w*)', 'apurva mehta agavra ', 2)).toEqual(['mehta', '']);
    expect(call('REGEXP_EXTRACT_ALL', [S, S], 'x', 'abc')).toEqual([]);
  });

  it('REGEXP_REPLACE with Java replacement syntax', () => {
    expect(call('REGEXP_REPLACE', [S, S, S], 'baabbabaa', '(ab)+', 'cat')).toBe('bacatbcataa');
    expect(call('REGEXP_REPLACE', [S, S, S], 'john smith', '(\\w+) (\\w+)', '$2, $1')).toBe('smith, john');
    expect(call('REGEXP_REPLACE', [S, S, S], 'a.b', '\\.', '\\$')).toBe('a$b');
    expect(call('REGEXP_REPLACE', [S, S, S], 'ABC', '(?i)b', '-')).toBe('A-C');
    expect(() => call('REGEXP_REPLACE', [S, S, S], 'abc', '(', 'x')).toThrow(/Invalid regular expression/);
  });

  it('REGEXP_SPLIT_TO_ARRAY', () => {
    expect(call('REGEXP_SPLIT_TO_ARRAY', [S, S], 'aabcda', '(ab|cd)')).toEqual(['a', '', 'a']);
    expect(call('REGEXP_SPLIT_TO_ARRAY', [S, S], 'aabdcda', '(ab|cd)')).toEqual(['a', 'd', 'a']);
    expect(call('REGEXP_SPLIT_TO_ARRAY', [S, S], 'zxy', '(ab|cd)')).toEqual(['zxy']);
    expect(call('REGEXP_SPLIT_TO_ARRAY', [S, S], 'abc', '')).toEqual(['a', 'b', 'c']);
    expect(call('REGEXP_SPLIT_TO_ARRAY', [S, S], 'ab', 'x*')).toEqual(['a', 'b']);
  });
});

describe('URL functions', () => {
  it('encode / decode params', () => {
    expect(call('URL_ENCODE_PARAM', [S], '?foo $bar')).toBe('%3Ffoo+%24bar');
    expect(call('URL_ENCODE_PARAM', [S], "a*b_c.d-e!~'()")).toBe('a*b_c.d-e%21%7E%27%28%29');
    expect(call('URL_DECODE_PARAM', [S], '%3Ffoo+%24bar')).toBe('?foo $bar');
    expect(call('URL_DECODE_PARAM', [S], 'caf%C3%A9')).toBe('café');
    expect(() => call('URL_DECODE_PARAM', [S], '%zz')).toThrow();
  });

  it('extracts components', () => {
    expect(call('URL_EXTRACT_FRAGMENT', [S], 'http://www.test.com/?query#fragment')).toBe('fragment');
    expect(call('URL_EXTRACT_FRAGMENT', [S], 'http://test.com#frag%20space')).toBe('frag space');
    expect(call('URL_EXTRACT_FRAGMENT', [S], 'http://www.nofragment.com')).toBeNull();
    expect(call('URL_EXTRACT_HOST', [S], 'http://test@confluent.io:8080')).toBe('confluent.io');
    expect(call('URL_EXTRACT_PARAMETER', [S, S], 'http://www.test.com/?one=a&two=b&three', 'two')).toBe('b');
    expect(call('URL_EXTRACT_PARAMETER', [S, S], 'http://www.test.com/?one=a&two=b&three', 'three')).toBe('');
    expect(call('URL_EXTRACT_PARAMETER', [S, S], 'http://test.com?a%20b=c%20d', 'a b')).toBe('c d');
    expect(call('URL_EXTRACT_PARAMETER', [S, S], 'http://test.com?a=1', 'b')).toBeNull();
    expect(call('URL_EXTRACT_PATH', [S], 'http://www.test.com?query#fragment')).toBe('');
    expect(call('URL_EXTRACT_PATH', [S], 'http://test@confluent.io:8080/nested/path?query&jobs')).toBe('/nested/path');
    expect(call('URL_EXTRACT_PORT', [S], 'http://test@confluent.io')).toBeNull();
    expect(call('URL_EXTRACT_PORT', [S], 'http://test@confluent.io:8080/nested/path?query&jobs')).toBe(8080);
    expect(call('URL_EXTRACT_PROTOCOL', [S], 'https://test@confluent.io:8080/x')).toBe('https');
    expect(call('URL_EXTRACT_PROTOCOL', [S], 'www.confluent.io')).toBeNull();
    expect(call('URL_EXTRACT_QUERY', [S], 'http://www.test.com/path?q1&q2')).toBe('q1&q2');
    expect(call('URL_EXTRACT_QUERY', [S], 'http://test.com?a=foo%20bar&b=baz')).toBe('a=foo bar&b=baz');
    expect(call('URL_EXTRACT_QUERY', [S], 'http://test@confluent.io:8080/path')).toBeNull();
    expect(() => call('URL_EXTRACT_HOST', [S], 'http://bad host')).toThrow(/invalid syntax/);
  });
});

describe('encoding functions', () => {
  const enc = (s: string, a: string, b: string): unknown => call('ENCODE', [S, S, S], s, a, b);
  it('ENCODE hex input forms', () => {
    expect(enc('4578616d706C6521', 'hex', 'ascii')).toBe('Example!');
    expect(enc('0x4578616d706C6521', 'hex', 'base64')).toBe('RXhhbXBsZSE=');
    expect(enc("X'4578616d706C6521'", 'hex', 'utf8')).toBe('Example!');
    expect(enc('0x', 'hex', 'utf8')).toBe('');
    expect(enc("x''", 'hex', 'utf8')).toBe('');
    expect(enc('0x578616d706C6521', 'hex', 'utf8')).toBe('\u0005xample!');
    expect(() => enc('578616d706C6521', 'hex', 'utf8')).toThrow();
    expect(() => enc("X'", 'hex', 'utf8')).toThrow();
    expect(() => enc('0x0x', 'hex', 'utf8')).toThrow();
    expect(enc('ce95cebbcebbceacceb4ceb1', 'hex', 'utf8')).toBe('Ελλάδα');
    expect(enc('c39c6265726d656e736368', 'hex', 'ascii')).toBe('\ufffd\ufffdbermensch');
  });
  it('ENCODE ascii/base64/errors', () => {
    expect(enc('Ελλάδα', 'ascii', 'hex')).toBe('3f3f3f3f3f3f');
    expect(enc('Ελλάδα', 'ascii', 'utf8')).toBe('??????');
    expect(enc('zpXOu867zqzOtM6x', 'base64', 'hex')).toBe('ce95cebbcebbceacceb4ceb1');
    expect(() => enc('abc', 'base64', 'null')).toThrow(/Supported input and output encodings/);
    expect(() => enc('abc', 'utf8', 'UTF8')).toThrow();
  });
  it('TO_BYTES / FROM_BYTES / MD5', () => {
    expect(call('TO_BYTES', [S, S], '!', 'ascii')).toEqual(Buffer.from('!'));
    expect(call('FROM_BYTES', [B, S], b64('IQ=='), 'base64')).toBe('IQ==');
    expect(call('FROM_BYTES', [B, S], Buffer.from([0xab, 0x01]), 'HEX')).toBe('ab01');
    expect(() => call('FROM_BYTES', [B, S], b64('IQ=='), 'utf16')).toThrow();
    expect(call('MD5', [S], 'r1')).toBe('7c92cf1eee8d99cc85f8355a3d6e4b86');
    expect(call('MD5', [S], '')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
  it('*_FROM_BYTES', () => {
    expect(call('INT_FROM_BYTES', [B], b64('AAAH5Q=='))).toBe(2021);
    expect(call('BIGINT_FROM_BYTES', [B], b64('AAAAASoF8gA='))).toBe(5000000000);
    expect(call('DOUBLE_FROM_BYTES', [B], b64('QICm/ZvJ9YI='))).toBe(532.8738323);
    expect(call('INT_FROM_BYTES', [B, S], b64('5QcAAA=='), 'LITTLE_ENDIAN')).toBe(2021);
    expect(call('DOUBLE_FROM_BYTES', [B, S], b64('gvXJm/2mgEA='), 'LITTLE_ENDIAN')).toBe(532.8738323);
    expect(() => call('INT_FROM_BYTES', [B], b64('AAAAASoF8gA='))).toThrow(/equal to 4/);
    expect(() => call('INT_FROM_BYTES', [B, S], b64('AAAH5Q=='), 'MIDDLE')).toThrow();
  });
});

describe('JSON functions', () => {
  it('EXTRACTJSONFIELD', () => {
    const x = (json: string, path: string): unknown => call('EXTRACTJSONFIELD', [S, S], json, path);
    expect(x('{"name": "cdc", "@type": "UDF"}', '$.@type')).toBe('UDF');
    expect(x('{"name": "cdd", "version": "2"}}', '$.version')).toBe('2');
    expect(x('{"array": [1, 2, 3]}', '$.array[-1]')).toBeNull();
    expect(x('{"array": [1, 2, 3]}', '$.array[0]')).toBe('1');
    expect(x('{"array": [1.23450]}', '$.array[0]')).toBe('1.23450');
    expect(x('{"log": {"cloud": "gcp", "n": {"a": [1, "b"]}}}', '$.log.n')).toBe('{"a":[1,"b"]}');
    expect(x('{"a b": 1}', "$['a b']")).toBe('1');
    expect(x('{"a": null}', '$.a')).toBe('null');
    expect(x('', '$.a')).toBeNull();
    expect(() => x('abc', '$.a')).toThrow(/Invalid JSON format/);
  });
  it('IS_JSON_STRING, JSON_ARRAY_LENGTH, JSON_KEYS, JSON_RECORDS, JSON_ITEMS', () => {
    expect(call('IS_JSON_STRING', [S], '"abc"')).toBe(true);
    expect(call('IS_JSON_STRING', [S], 'null')).toBe(true);
    expect(call('IS_JSON_STRING', [S], 'abc')).toBe(false);
    expect(call('IS_JSON_STRING', [S], '')).toBe(false);
    expect(call('IS_JSON_STRING', [S], null)).toBe(false);
    expect(call('JSON_ARRAY_LENGTH', [S], '[1, [1, [2]], 3]')).toBe(3);
    expect(call('JSON_ARRAY_LENGTH', [S], '{}')).toBeNull();
    expect(call('JSON_ARRAY_LENGTH', [S], '')).toBeNull();
    expect(call('JSON_KEYS', [S], '{"a": "abc", "b": { "c": "a" }, "d": 1}')).toEqual(['a', 'b', 'd']);
    expect(call('JSON_KEYS', [S], '[]')).toBeNull();
    expect([...(call('JSON_RECORDS', [S], '{"a": "abc", "b": { "c": "a" }, "d": 1}') as Map<string, string>)]).toEqual([
      ['a', '"abc"'],
      ['b', '{"c":"a"}'],
      ['d', '1'],
    ]);
    expect(call('JSON_ITEMS', [S], '[{"type": "A"}, "x", 2]')).toEqual(['{"type":"A"}', '"x"', '2']);
  });
  it('JSON_CONCAT', () => {
    const c = (...xs: (string | null)[]): unknown => call('JSON_CONCAT', [S], xs);
    expect(c('{"a": 1}', '{"b": 2}')).toBe('{"a":1,"b":2}');
    expect(c('{"a": {"5": 6}}', '{"a": {"3": 4}}')).toBe('{"a":{"3":4}}');
    expect(c('[1, [2]]', '[[[3]], [[[4]]]]')).toBe('[1,[2],[[3]],[[[4]]]]');
    expect(c('null', 'null')).toBe('[null,null]');
    expect(c('[1, 2]', '{"a": 1}', '4')).toBe('[1,2,{"a":1},4]');
    expect(c('1', '')).toBeNull();
    expect(c(null, '[1]')).toBeNull();
  });
  it('JSON_ARRAY_CONTAINS by token kind', () => {
    const o = overload('JSON_ARRAY_CONTAINS', S, 'GENERIC');
    expect(isSpecializable(o)).toBe(true);
    if (!isSpecializable(o)) return;
    const asInt = o.specialize(resolved(T.STRING, T.INTEGER)) as (j: string | null, v: unknown) => boolean;
    const asDouble = o.specialize(resolved(T.STRING, T.DOUBLE)) as (j: string | null, v: unknown) => boolean;
    const asString = o.specialize(resolved(T.STRING, T.STRING)) as (j: string | null, v: unknown) => boolean;
    expect(asInt('[1, 2, 3]', 3)).toBe(true);
    expect(asInt('[1.0, 2]', 1)).toBe(false);
    expect(asDouble('[1.0, 2]', 1)).toBe(true);
    expect(asString('["a", [1]]', 'a')).toBe(true);
    expect(asString('{"a": 1}', 'a')).toBe(false);
    expect(asString('[null]', null)).toBe(true);
    expect(asString('[1', 'a')).toBe(false);
  });
  it('TO_JSON_STRING with and without types', () => {
    const o = overload('TO_JSON_STRING', 'GENERIC');
    if (!isSpecializable(o)) throw new Error('expected specialize');
    const typed = (t: SqlType, v: unknown): unknown => (o.specialize(resolved(t)) as (v: unknown) => unknown)(v);
    expect(typed(T.STRING, 'abc')).toBe('"abc"');
    expect(typed(T.STRING, null)).toBe('null');
    expect(typed(T.DOUBLE, 123.456)).toBe('123.456');
    expect(typed(T.DOUBLE, 1)).toBe('1.0');
    expect(typed(T.DOUBLE, 1e7)).toBe('1.0E7');
    expect(typed(T.decimal(6, 3), dec('123.450'))).toBe('123.450');
    expect(typed(T.BYTES, b64('IQ=='))).toBe('"IQ=="');
    expect(typed(T.TIME, 60220000)).toBe('"16:43:40"');
    expect(typed(T.TIME, 48300000)).toBe('"13:25"');
    expect(typed(T.DATE, 1000)).toBe('"1972-09-27"');
    expect(typed(T.TIMESTAMP, 60220000000)).toBe('"1971-11-28T23:46:40.000"');
    expect(typed(T.array(T.INTEGER), [1, 2, 3])).toBe('[1,2,3]');
    const st = T.struct([{ name: 'NAME', type: T.STRING }, { name: 'ID', type: T.INTEGER }]);
    expect(typed(st, { NAME: 'Alice', ID: 1 })).toBe('{"ID":1,"NAME":"Alice"}');
    expect(typed(T.map(T.STRING, T.array(T.INTEGER)), new Map([['z', [1]], ['id', [1, 2]]]))).toBe('{"id":[1,2],"z":[1]}');
    expect((o.impl as (v: unknown) => unknown)(new Map([['b', 2], ['a', dec('1.50')]]))).toBe('{"a":1.50,"b":2}');
  });
});

describe('conditional functions', () => {
  it('COALESCE, IFNULL, NULLIF', () => {
    expect(call('COALESCE', ['GENERIC', 'GENERIC'], null, [null, 3, 4])).toBe(3);
    expect(call('COALESCE', ['GENERIC', 'GENERIC'], null, [])).toBeNull();
    expect(call('IFNULL', ['GENERIC', 'GENERIC'], null, [10, 20])).toEqual([10, 20]);
    expect(call('IFNULL', ['GENERIC', 'GENERIC'], 1, 10)).toBe(1);
    expect(call('NULLIF', ['GENERIC', 'GENERIC'], [1, 2], [1, 2])).toBeNull();
    expect(call('NULLIF', ['GENERIC', 'GENERIC'], { A: 1 }, { A: 2 })).toEqual({ A: 1 });
    expect(call('NULLIF', ['GENERIC', 'GENERIC'], dec('1.0'), dec('1.00'))).toEqual(dec('1.0'));
    expect(call('NULLIF', ['GENERIC', 'GENERIC'], null, 1)).toBeNull();
  });
  it('GREATEST / LEAST', () => {
    expect(call('GREATEST', [I, I], 2147483647, [-2147483648, null, null, 5])).toBe(2147483647);
    expect(call('LEAST', [I, I], null, [null])).toBeNull();
    expect(call('GREATEST', [S, S], 'apple', ['banana', 'aardvark', null, 'hello'])).toBe('hello');
    expect(call('LEAST', [S, S], 'apple', ['Zebra'])).toBe('Zebra');
    expect(call('GREATEST', [D, D], -0, [0])).toBe(0);
    expect((call('GREATEST', [B, B], b64('YXBwbGU='), [b64('emVicmE=')]) as Buffer).toString('base64')).toBe('emVicmE=');
    const d = overload('GREATEST', DEC, DEC);
    expect(typeof d.returns === 'function' && d.returns(resolved(T.decimal(9, 3), T.decimal(5, 1), T.NULL))).toEqual(T.decimal(9, 3));
    expect(typeof d.returns === 'function' && d.returns(resolved(T.decimal(4, 1), T.decimal(5, 3)))).toEqual(T.decimal(6, 3));
    expect((d.impl as (a: unknown, r: unknown[]) => Decimal)(dec('1.5'), [dec('1.25'), null]).toString()).toBe('1.50');
  });
});

describe('math functions', () => {
  it('ABS / SIGN / CEIL / FLOOR keep types', () => {
    expect(call('ABS', [I], -5)).toBe(5);
    expect(call('ABS', [I], -2147483648)).toBe(-2147483648);
    expect((call('ABS', [DEC], dec('-1.50')) as Decimal).toString()).toBe('1.50');
    expect(call('SIGN', [D], -3.0)).toBe(-1);
    expect(call('SIGN', [I], 0)).toBe(0);
    expect(overload('SIGN', 'BIGINT').returns).toEqual(T.INTEGER);
    expect(call('CEIL', [D], -1.5)).toBe(-1);
    expect((call('CEIL', [DEC], dec('1.1')) as Decimal).toString()).toBe('2.0');
    expect((call('CEIL', [DEC], dec('-1.7')) as Decimal).toString()).toBe('-1.0');
    expect((call('FLOOR', [DEC], dec('-1.1')) as Decimal).toString()).toBe('-2.0');
    expect(overload('CEIL', I).returns).toEqual(T.INTEGER);
  });
  it('ROUND', () => {
    const r0 = (v: number): unknown => call('ROUND', [D], v);
    const rn = (v: number, n: number): unknown => call('ROUND', [D, I], v, n);
    expect([1.5, -1.5, -1.7, 12345.678].map(r0)).toEqual([2, -1, -2, 12346]);
    expect(rn(1.234567, 2)).toBe(1.23);
    expect(rn(-1.5, 0)).toBe(-1);
    expect(rn(111, -1)).toBe(110);
    expect(rn(12345.678, -2)).toBe(12300);
    expect(rn(-12345.678, 1)).toBe(-12345.7);
    expect(rn(1.005, 2)).toBe(1.01);
    expect(rn(-2.5, 0)).toBe(-2);
    expect(overload('ROUND', D).returns).toEqual(T.BIGINT);
    expect(overload('ROUND', I).returns).toEqual(T.BIGINT);
    const rd = overload('ROUND', DEC);
    expect(typeof rd.returns === 'function' && rd.returns(resolved(T.decimal(33, 16)))).toEqual(T.decimal(17, 0));
    expect((call('ROUND', [DEC], dec('12345678987654321.4999999999999999')) as Decimal).toString()).toBe('12345678987654321');
    expect((call('ROUND', [DEC], dec('-1.50')) as Decimal).toString()).toBe('-1');
    expect((call('ROUND', [DEC, I], dec('1.25500'), 2) as Decimal).toString()).toBe('1.26000');
    expect((call('ROUND', [DEC, I], dec('-1.255'), 2) as Decimal).toString()).toBe('-1.250');
    expect((call('ROUND', [DEC, I], dec('155.5'), -1) as Decimal).toString()).toBe('160.0');
  });
  it('TRUNC', () => {
    expect(call('TRUNC', [D], -1.7)).toBe(-1);
    expect(call('TRUNC', [D, I], 12345.678, 2)).toBe(12345.67);
    expect(call('TRUNC', [D, I], -12345.678, -1)).toBe(-12340);
    expect((call('TRUNC', [DEC], dec('-1.7000000')) as Decimal).toString()).toBe('-1');
    expect((call('TRUNC', [DEC, I], dec('12345.6780000'), 1) as Decimal).toString()).toBe('12345.6000000');
  });
  it('transcendental functions', () => {
    expect(call('EXP', [I], 1)).toBe(2.718281828459045);
    expect(call('LN', [I], 0)).toBe(-Infinity);
    expect(call('LN', [D], -3)).toBeNaN();
    expect(call('SQRT', [I], 2)).toBe(1.4142135623730951);
    expect(call('CBRT', [I], -8)).toBe(-2);
    expect(call('COT', [I], 0)).toBe(Infinity);
    expect(call('LOG', [I, I], 15, 13)).toBeCloseTo(0.9471572411831843, 15);
    expect(call('LOG', [I, I], 1, 13)).toBeNaN();
    expect(call('LOG', [D], 100)).toBe(2);
    expect(call('POWER', [I, I], 2, 10)).toBe(1024);
    expect(call('RADIANS', [D], 70.73163980890013)).toBeCloseTo(1.2345, 12);
    expect(call('DEGREES', [D], Math.PI)).toBe(180);
    expect(call('PI', [])).toBe(Math.PI);
    const r = call('RANDOM', []) as number;
    expect(r >= 0 && r < 1).toBe(true);
    expect(overload('EXP', I).returns).toEqual(T.DOUBLE);
  });
  it('GEO_DISTANCE', () => {
    expect(call('GEO_DISTANCE', [D, D, D, D], 37.4439, -122.1663, 51.5257, -0.1122)).toBeCloseTo(8634.659796579544, 6);
    expect(call('GEO_DISTANCE', [D, D, D, D, S], 37.4439, -122.1663, 51.5257, -0.1122, 'MI')).toBeCloseTo(5365.659729188262, 6);
    expect(call('GEO_DISTANCE', [D, D, D, D, S], 51.5257, -0.1122, -33.9323, 18.4197, null)).toBeCloseTo(9673.40421197142, 6);
    expect(call('GEO_DISTANCE', [D, D, D, D], 39.18660374, -76.73262144, 39.18660374, -76.73222145)).toBeCloseTo(0.03447366811448324, 12);
    expect(() => call('GEO_DISTANCE', [D, D, D, D], 91, 0, 0, 0)).toThrow(/latitude/);
    expect(() => call('GEO_DISTANCE', [D, D, D, D, S], 1, 0, 0, 0, 'parsecs')).toThrow(/units/);
  });
});
