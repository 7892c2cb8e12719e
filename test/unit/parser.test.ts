import { describe, expect, it } from 'vitest';
import { parseExpression, parseStatement, parseStatements, parseType } from '../../src/parser/parse.js';
import { formatDecimal, formatDouble, formatExpression, formatType } from '../../src/parser/format.js';
import { substituteVariables } from '../../src/parser/variables.js';
import { AnalysisError, ParseError } from '../../src/errors.js';
import type { Expr, Query, Statement } from '../../src/parser/ast.js';

/** Strips positions so trees compare structurally. */
function bare<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === 'pos' ? undefined : v))) as T;
}
const one = (sql: string): Statement => parseStatement(sql);
const expr = (sql: string): Expr => bare(parseExpression(sql));
const fmt = (sql: string): string => formatExpression(parseExpression(sql));
const query = (sql: string): Query => {
  const s = one(sql);
  if (s.kind !== 'Select' && s.kind !== 'CreateAsSelect' && s.kind !== 'InsertInto') throw new Error(s.kind);
  return bare(s.query);
};
function parseError(f: () => unknown): ParseError {
  try {
    f();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('scripts', () => {
  it('splits statements, keeping each text and position', () => {
    const sql = "CREATE STREAM A (ID INT KEY) WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON');\n  -- comment\n  SELECT * FROM A EMIT CHANGES;";
    const [a, b] = parseStatements(sql);
    expect(a!.kind).toBe('CreateSource');
    expect(a!.text).toBe("CREATE STREAM A (ID INT KEY) WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON');");
    expect(a!.pos).toEqual({ line: 1, column: 1, offset: 0 });
    expect(b!.text).toBe('SELECT * FROM A EMIT CHANGES;');
    expect(b!.pos).toEqual({ line: 3, column: 3, offset: sql.indexOf('SELECT') });
  });

  it('accepts a final statement without semicolon and empty scripts', () => {
    expect(parseStatements('SHOW STREAMS').map((s) => s.text)).toEqual(['SHOW STREAMS']);
    expect(parseStatements('  -- nothing\n')).toEqual([]);
  });

  it('skips line and block comments anywhere', () => {
    const s = one('SELECT /* cols */ A, -- first\n B FROM T /* src */ EMIT CHANGES -- end\n;');
    expect(s.kind).toBe('Select');
    expect(query(s.text).select).toEqual([{ expr: { kind: 'ColumnRef', name: 'A' } }, { expr: { kind: 'ColumnRef', name: 'B' } }]);
  });
});

describe('DDL statements', () => {
  it('CREATE STREAM with columns, constraints and properties', () => {
    const s = bare(one("CREATE OR REPLACE STREAM IF NOT EXISTS s (k STRING KEY, v INT, h BYTES HEADER('x'), hs ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS) WITH (kafka_topic='t', value_format='json', partitions=4, wrap_single_value=false);"));
    expect(s).toMatchObject({
      kind: 'CreateSource', sourceType: 'STREAM', name: 'S', orReplace: true, ifNotExists: true, isSource: false,
      properties: { KAFKA_TOPIC: 't', VALUE_FORMAT: 'json', PARTITIONS: 4, WRAP_SINGLE_VALUE: false },
    });
    if (s.kind !== 'CreateSource') throw new Error();
    expect(s.columns.map((c) => [c.name, c.constraint])).toEqual([['K', 'KEY'], ['V', undefined], ['H', { header: 'x' }], ['HS', 'HEADERS']]);
    expect(s.columns[0]!.type).toEqual({ kind: 'PrimitiveTypeNode', name: 'STRING' });
  });

  it('CREATE SOURCE TABLE with PRIMARY KEY, and without columns', () => {
    expect(bare(one("CREATE SOURCE TABLE t (id BIGINT PRIMARY KEY) WITH (kafka_topic='t', format='JSON');"))).toMatchObject({
      kind: 'CreateSource', sourceType: 'TABLE', isSource: true, columns: [{ name: 'ID', constraint: 'PRIMARY_KEY' }],
    });
    expect(bare(one("CREATE TABLE t WITH (kafka_topic='t', format='AVRO');"))).toMatchObject({ kind: 'CreateSource', columns: [] });
  });

  it('rejects KEY on tables and PRIMARY KEY on streams with ksqlDB messages', () => {
    const e = parseError(() => parseStatements("CREATE TABLE INPUT (ID INT KEY, NAME STRING) WITH (kafka_topic='input',value_format='JSON');"));
    expect(e.message).toBe("Line: 1, Col: 21: Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables.");
    expect(e.pos).toEqual({ line: 1, column: 21, offset: 20 });
    expect(parseError(() => one("CREATE STREAM S (ID INT PRIMARY KEY) WITH (kafka_topic='s', format='JSON');")).message).toContain("please use 'KEY' for streams");
  });

  it('CREATE ... AS SELECT and INSERT INTO ... SELECT', () => {
    const s = bare(one("CREATE TABLE OUT WITH (KAFKA_TOPIC='o') AS SELECT ID, COUNT(*) AS C FROM S GROUP BY ID EMIT CHANGES;"));
    expect(s).toMatchObject({ kind: 'CreateAsSelect', sourceType: 'TABLE', name: 'OUT', orReplace: false, ifNotExists: false, properties: { KAFKA_TOPIC: 'o' } });
    const i = bare(one("INSERT INTO OUT WITH (QUERY_ID='q') SELECT * FROM S;"));
    expect(i).toMatchObject({ kind: 'InsertInto', target: 'OUT', properties: { QUERY_ID: 'q' } });
  });

  it('INSERT VALUES with and without columns', () => {
    expect(bare(one("INSERT INTO s (k, `v`) VALUES ('a', -1);"))).toEqual({
      kind: 'InsertValues', target: 'S', columns: ['K', 'v'],
      values: [{ kind: 'StringLiteral', value: 'a' }, { kind: 'IntegerLiteral', value: -1 }],
      text: "INSERT INTO s (k, `v`) VALUES ('a', -1);",
    });
    expect(bare(one('INSERT INTO s VALUES ();'))).toMatchObject({ kind: 'InsertValues', values: [] });
  });

  it('types, drops, alter', () => {
    expect(bare(one('CREATE TYPE ADDRESS AS STRUCT<number INT, street STRING>;'))).toMatchObject({
      kind: 'CreateType', name: 'ADDRESS', ifNotExists: false,
      type: { kind: 'StructTypeNode', fields: [{ name: 'NUMBER', type: { kind: 'PrimitiveTypeNode', name: 'INTEGER' } }, { name: 'STREET' }] },
    });
    expect(bare(one('DROP TYPE IF EXISTS ADDRESS;'))).toMatchObject({ kind: 'DropType', name: 'ADDRESS', ifExists: true });
    expect(bare(one('DROP STREAM IF EXISTS s DELETE TOPIC;'))).toMatchObject({ kind: 'DropSource', sourceType: 'STREAM', name: 'S', ifExists: true, deleteTopic: true });
    expect(bare(one('DROP TABLE t;'))).toMatchObject({ kind: 'DropSource', sourceType: 'TABLE', ifExists: false, deleteTopic: false });
    expect(bare(one('ALTER STREAM s ADD COLUMN a INT, ADD b STRING;'))).toMatchObject({ kind: 'AlterSource', sourceType: 'STREAM', name: 'S', columns: [{ name: 'A' }, { name: 'B' }] });
  });

  it('connectors are parsed', () => {
    expect(bare(one("CREATE SOURCE CONNECTOR IF NOT EXISTS c WITH ('connector.class'='x', tasks=1);"))).toMatchObject({
      kind: 'Connector', action: 'CREATE', name: 'C', connectorType: 'SOURCE', conditional: true, properties: { 'connector.class': 'x', TASKS: 1 },
    });
    expect(bare(one('DROP CONNECTOR c;'))).toMatchObject({ kind: 'Connector', action: 'DROP', name: 'C' });
    expect(bare(one('DESCRIBE CONNECTOR c;'))).toMatchObject({ kind: 'Connector', action: 'DESCRIBE', name: 'C' });
  });
});

describe('other statements', () => {
  it('SHOW / LIST', () => {
    const kinds = ['STREAMS', 'TABLES', 'QUERIES', 'TOPICS', 'FUNCTIONS', 'PROPERTIES', 'TYPES', 'VARIABLES', 'CONNECTORS'];
    for (const k of kinds) expect(bare(one(`SHOW ${k};`))).toMatchObject({ kind: 'List', what: k, extended: false });
    expect(bare(one('LIST ALL TOPICS EXTENDED;'))).toMatchObject({ kind: 'List', what: 'TOPICS', all: true, extended: true });
    expect(bare(one('show streams extended;'))).toMatchObject({ kind: 'List', what: 'STREAMS', extended: true });
  });

  it('DESCRIBE forms', () => {
    expect(bare(one('DESCRIBE s EXTENDED;'))).toMatchObject({ kind: 'Describe', name: 'S', extended: true });
    expect(bare(one('DESCRIBE STREAMS;'))).toMatchObject({ kind: 'DescribeAll', what: 'STREAMS', extended: false });
    expect(bare(one('DESCRIBE TABLES EXTENDED;'))).toMatchObject({ kind: 'DescribeAll', what: 'TABLES', extended: true });
    expect(bare(one('DESCRIBE FUNCTION ucase;'))).toMatchObject({ kind: 'DescribeFunction', name: 'UCASE' });
  });

  it('TERMINATE, PAUSE, RESUME, EXPLAIN', () => {
    expect(bare(one('TERMINATE CSAS_OUT_1;'))).toMatchObject({ kind: 'Terminate', queryId: 'CSAS_OUT_1', all: false });
    expect(bare(one('TERMINATE ALL;'))).toMatchObject({ kind: 'Terminate', all: true });
    expect(bare(one('PAUSE q1;'))).toMatchObject({ kind: 'Pause', queryId: 'Q1', all: false });
    expect(bare(one('RESUME ALL;'))).toMatchObject({ kind: 'Resume', all: true });
    expect(bare(one('EXPLAIN CTAS_X_0;'))).toMatchObject({ kind: 'Explain', queryId: 'CTAS_X_0' });
    const e = one('EXPLAIN SELECT * FROM S EMIT CHANGES;');
    expect(e).toMatchObject({ kind: 'Explain', statement: { kind: 'Select', text: 'SELECT * FROM S EMIT CHANGES' } });
  });

  it('PRINT keeps the topic case', () => {
    expect(bare(one("PRINT 'My_Topic' FROM BEGINNING INTERVAL 2 LIMIT 10;"))).toMatchObject({ kind: 'Print', topic: 'My_Topic', fromBeginning: true, interval: 2, limit: 10 });
    expect(bare(one('PRINT my_topic;'))).toMatchObject({ kind: 'Print', topic: 'my_topic', fromBeginning: false });
  });

  it('SET, UNSET, DEFINE, UNDEFINE, RUN SCRIPT', () => {
    expect(bare(one("SET 'auto.offset.reset'='earliest';"))).toMatchObject({ kind: 'SetProperty', name: 'auto.offset.reset', value: 'earliest' });
    expect(bare(one("UNSET 'auto.offset.reset';"))).toMatchObject({ kind: 'UnsetProperty', name: 'auto.offset.reset' });
    expect(bare(one("DEFINE topicName = '''my_topic''';"))).toMatchObject({ kind: 'DefineVariable', name: 'topicName', value: "'my_topic'" });
    expect(bare(one('UNDEFINE topicName;'))).toMatchObject({ kind: 'UndefineVariable', name: 'topicName' });
    expect(bare(one("RUN SCRIPT '/tmp/x.sql';"))).toMatchObject({ kind: 'RunScript', path: '/tmp/x.sql' });
  });

  it('ASSERT TOPIC / SCHEMA, and the test-only forms behind an option', () => {
    expect(bare(one("ASSERT NOT EXISTS TOPIC 'Foo' WITH (partitions=1) TIMEOUT 3 SECONDS;"))).toMatchObject({
      kind: 'Assert', what: 'TOPIC', exists: false, name: 'Foo', properties: { PARTITIONS: 1 }, timeout: { value: 3, unit: 'SECONDS' },
    });
    expect(bare(one("ASSERT SCHEMA SUBJECT 'x-value' ID 4;"))).toMatchObject({ kind: 'Assert', what: 'SCHEMA', exists: true, subject: 'x-value', id: 4 });
    const e = parseError(() => parseStatements('ASSERT VALUES foo (id INT) VALUES (123);'));
    expect(e.message).toContain("Syntax error at or near 'VALUES' at line 1:8");
    expect(bare(parseStatement("ASSERT VALUES foo (id) VALUES (1);", { testStatements: true }))).toMatchObject({ kind: 'Assert', what: 'VALUES', name: 'FOO', columns: ['ID'] });
    expect(bare(parseStatement('ASSERT NULL VALUES foo (id) KEY (1);', { testStatements: true }))).toMatchObject({ kind: 'Assert', what: 'NULL_VALUES' });
    expect(bare(parseStatement('ASSERT TABLE t (id INT PRIMARY KEY) WITH (kafka_topic=\'t\');', { testStatements: true }))).toMatchObject({ kind: 'Assert', what: 'TABLE', elements: [{ name: 'ID' }] });
  });
});

describe('queries', () => {
  it('all clauses', () => {
    const q = query('SELECT a AS x, b y, * , s.*, st->* FROM s WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 2 DAYS, GRACE PERIOD 10 MINUTES) WHERE a > 1 GROUP BY a, b HAVING COUNT(*) > 1 EMIT FINAL LIMIT 5;');
    expect(q.select).toEqual([
      { expr: { kind: 'ColumnRef', name: 'A' }, alias: 'X' },
      { expr: { kind: 'ColumnRef', name: 'B' }, alias: 'Y' },
      { kind: 'Star' },
      { kind: 'Star', source: 'S' },
      { kind: 'Star', base: { kind: 'ColumnRef', name: 'ST' } },
    ]);
    expect(q.window).toEqual({ kind: 'TUMBLING', size: { value: 1, unit: 'HOURS' }, retention: { value: 2, unit: 'DAYS' }, grace: { value: 10, unit: 'MINUTES' } });
    expect(q.groupBy).toHaveLength(2);
    expect(q.emit).toBe('FINAL');
    expect(q.limit).toBe(5);
    expect(q.having).toMatchObject({ kind: 'Comparison', op: '>' });
  });

  it('hopping and session windows, GROUP BY / PARTITION BY with parentheses', () => {
    expect(query('SELECT 1 FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECOND) GROUP BY (a, b);')).toMatchObject({
      window: { kind: 'HOPPING', size: { value: 30, unit: 'SECONDS' }, advance: { value: 10, unit: 'SECONDS' } },
      groupBy: [{ name: 'A' }, { name: 'B' }],
    });
    expect(query('SELECT 1 FROM s WINDOW SESSION (5 MILLISECONDS) PARTITION BY ();')).toMatchObject({ window: { kind: 'SESSION', gap: { value: 5, unit: 'MILLISECONDS' } }, partitionBy: [] });
  });

  it('n-way joins fold left, with join types and WITHIN', () => {
    const q = query('SELECT * FROM a AS x JOIN b y WITHIN (1 SECOND, 2 SECONDS) GRACE PERIOD 3 SECONDS ON x.id = y.id LEFT OUTER JOIN c ON x.id = c.id FULL JOIN d WITHIN 5 MINUTES ON d.k = x.k RIGHT JOIN e ON e.k = x.k;');
    const from = q.from;
    expect(from).toMatchObject({
      kind: 'Join', type: 'RIGHT', right: { name: 'E' },
      left: { kind: 'Join', type: 'FULL', within: { before: { value: 5, unit: 'MINUTES' }, after: { value: 5, unit: 'MINUTES' } },
        left: { kind: 'Join', type: 'LEFT', left: { kind: 'Join', type: 'INNER', left: { kind: 'Source', name: 'A', alias: 'X' }, right: { name: 'B', alias: 'Y' },
          within: { before: { value: 1, unit: 'SECONDS' }, after: { value: 2, unit: 'SECONDS' }, grace: { value: 3, unit: 'SECONDS' } } } } },
    });
  });

  it('EMIT and PARTITION are not taken as aliases', () => {
    expect(query('SELECT * FROM s EMIT CHANGES;')).toMatchObject({ from: { kind: 'Source', name: 'S' }, emit: 'CHANGES' });
    expect(query('SELECT * FROM s PARTITION BY k;')).toMatchObject({ from: { kind: 'Source', name: 'S' }, partitionBy: [{ name: 'K' }] });
    expect(query('SELECT * FROM s ORDER;').from).toEqual({ kind: 'Source', name: 'S', alias: 'ORDER' });
  });

  it('LIMIT must be an integer', () => {
    expect(parseError(() => one('SELECT * FROM s LIMIT 2.5;')).message).toBe('Failed to prepare statement: Value must be integer for command: LIMIT');
  });

  it('rejects unknown source qualifiers like ksqlDB', () => {
    expect(() => one('SELECT unknown.* FROM a i1;')).toThrow(AnalysisError);
    expect(() => one('SELECT x.b FROM a x;')).not.toThrow();
    expect(() => one('SELECT a.b FROM a x;')).not.toThrow();
    expect(() => one("INSERT INTO t (k) VALUES (FOO.bar);")).toThrow("'FOO' is not a valid stream/table name or alias.");
  });
});

describe('expressions', () => {
  it('precedence: OR < AND < NOT < comparison < || < +,- < *,/,% < unary', () => {
    expect(fmt('a OR b AND NOT c = 1 + 2 * -d')).toBe('(A OR (B AND (NOT (C = (1 + (2 * -D))))))');
    expect(fmt("a || b + c")).toBe('CONCAT(A, (B + C))');
    expect(fmt('a - b - c')).toBe('((A - B) - C)');
    expect(fmt('a / b % c')).toBe('((A / B) % C)');
    expect(fmt('(a OR b) AND c')).toBe('((A OR B) AND C)');
    expect(fmt('a -1')).toBe('(A - 1)');
  });

  it('predicates', () => {
    expect(expr('a NOT BETWEEN 1 AND 2')).toEqual({ kind: 'Between', value: { kind: 'ColumnRef', name: 'A' }, low: { kind: 'IntegerLiteral', value: 1 }, high: { kind: 'IntegerLiteral', value: 2 }, not: true });
    expect(expr('a IN (1, 2)')).toMatchObject({ kind: 'InList', not: false, list: [{ value: 1 }, { value: 2 }] });
    expect(expr("a NOT LIKE 'x!%' ESCAPE '!'")).toMatchObject({ kind: 'Like', not: true, escape: '!' });
    expect(expr('a IS NOT NULL')).toEqual({ kind: 'IsNull', value: { kind: 'ColumnRef', name: 'A' }, not: true });
    expect(expr('a IS DISTINCT FROM b')).toMatchObject({ kind: 'IsDistinctFrom', not: false });
    expect(expr('a != b')).toMatchObject({ kind: 'Comparison', op: '<>' });
    expect(() => parseExpression('a = b = c')).toThrow(ParseError);
    expect(() => parseExpression('a IN ()')).toThrow(ParseError);
  });

  it('literal typing', () => {
    expect(expr('2147483647')).toEqual({ kind: 'IntegerLiteral', value: 2147483647 });
    expect(expr('-2147483648')).toEqual({ kind: 'IntegerLiteral', value: -2147483648 });
    expect(expr('2147483648')).toEqual({ kind: 'BigIntLiteral', value: 2147483648, text: '2147483648' });
    expect(expr('-9223372036854775808')).toMatchObject({ kind: 'BigIntLiteral', text: '-9223372036854775808' });
    expect(parseError(() => parseExpression('-9223372036854775809')).message).toBe('Invalid numeric literal: -9223372036854775809');
    expect(expr('1.50')).toEqual({ kind: 'DecimalLiteral', text: '1.50' });
    expect(expr('-.5')).toEqual({ kind: 'DecimalLiteral', text: '-.5' });
    expect(expr('1e3')).toEqual({ kind: 'DoubleLiteral', value: 1000 });
    expect(expr('1.5E-2')).toEqual({ kind: 'DoubleLiteral', value: 0.015 });
    expect(expr("'it''s'")).toEqual({ kind: 'StringLiteral', value: "it's" });
    expect(expr("X'0aFF'")).toEqual({ kind: 'BytesLiteral', hex: '0AFF' });
    expect(expr('NULL')).toEqual({ kind: 'NullLiteral' });
    expect(expr('true')).toEqual({ kind: 'BooleanLiteral', value: true });
    expect(expr("DATE '2020-01-01'")).toEqual({ kind: 'TypedLiteral', type: 'DATE', value: '2020-01-01' });
    expect(expr("TIMESTAMP '2020-01-01T00:00:00'")).toMatchObject({ kind: 'TypedLiteral', type: 'TIMESTAMP' });
    expect(expr("DECIMAL '1.10'")).toEqual({ kind: 'DecimalLiteral', text: '1.10' });
    expect(expr('- x')).toEqual({ kind: 'Negation', value: { kind: 'ColumnRef', name: 'X' } });
  });

  it('constructors, casts, case, subscripts, dereference', () => {
    expect(expr("ARRAY[1, 'a']")).toMatchObject({ kind: 'ArrayConstructor', items: [{ value: 1 }, { value: 'a' }] });
    expect(expr('ARRAY[]')).toEqual({ kind: 'ArrayConstructor', items: [] });
    expect(expr("MAP('a' := 1)")).toMatchObject({ kind: 'MapConstructor', entries: [{ key: { value: 'a' }, value: { value: 1 } }] });
    expect(expr("STRUCT(f := 1, `g` := 'x')")).toMatchObject({ kind: 'StructConstructor', fields: [{ name: 'F' }, { name: 'g' }] });
    expect(expr('CAST(x AS DECIMAL(4, 2))')).toEqual({ kind: 'Cast', expr: { kind: 'ColumnRef', name: 'X' }, type: { kind: 'DecimalTypeNode', precision: 4, scale: 2 } });
    expect(expr('CASE x WHEN 1 THEN a ELSE b END')).toMatchObject({ kind: 'CaseExpr', operand: { name: 'X' }, whens: [{ when: { value: 1 }, then: { name: 'A' } }], else: { name: 'B' } });
    expect(expr('CASE WHEN x > 1 THEN a END')).toMatchObject({ kind: 'CaseExpr', whens: [{ when: { kind: 'Comparison' } }] });
    expect(expr("s.col->f[1]['k']")).toEqual({
      kind: 'Subscript',
      base: { kind: 'Subscript', base: { kind: 'Dereference', base: { kind: 'ColumnRef', source: 'S', name: 'COL' }, field: 'F' }, index: { kind: 'IntegerLiteral', value: 1 } },
      index: { kind: 'StringLiteral', value: 'k' },
    });
  });

  it('function calls, COUNT(*), time units, lambdas', () => {
    expect(expr('count(*)')).toEqual({ kind: 'FunctionCall', name: 'COUNT', args: [{ kind: 'Star' }] });
    expect(expr('now()')).toEqual({ kind: 'FunctionCall', name: 'NOW', args: [] });
    expect(expr('TIMESTAMPADD(MILLISECONDS, 5, ts)')).toMatchObject({ args: [{ kind: 'IntervalUnit', unit: 'MILLISECONDS' }, { value: 5 }, { name: 'TS' }] });
    // singular units are non-reserved words: read as columns, as in ksqlDB
    expect(expr('ABS(day)')).toMatchObject({ args: [{ kind: 'ColumnRef', name: 'DAY' }] });
    expect(expr('TRANSFORM(m, (k, v) => k || v, x => FILTER(x, y => y > x))')).toEqual({
      kind: 'FunctionCall', name: 'TRANSFORM', args: [
        { kind: 'ColumnRef', name: 'M' },
        { kind: 'Lambda', params: ['K', 'V'], body: { kind: 'Arithmetic', op: '||', left: { kind: 'LambdaVariable', name: 'K' }, right: { kind: 'LambdaVariable', name: 'V' } } },
        { kind: 'Lambda', params: ['X'], body: { kind: 'FunctionCall', name: 'FILTER', args: [
          { kind: 'LambdaVariable', name: 'X' },
          { kind: 'Lambda', params: ['Y'], body: { kind: 'Comparison', op: '>', left: { kind: 'LambdaVariable', name: 'Y' }, right: { kind: 'LambdaVariable', name: 'X' } } },
        ] } },
      ],
    });
  });

  it('identifiers: unquoted upper-cased, quoted kept, non-reserved keywords usable', () => {
    expect(expr('myCol')).toEqual({ kind: 'ColumnRef', name: 'MYCOL' });
    expect(expr('"myCol"')).toEqual({ kind: 'ColumnRef', name: 'myCol' });
    expect(expr('`my``Col`')).toEqual({ kind: 'ColumnRef', name: 'my`Col' });
    expect(expr('src.`Col`')).toEqual({ kind: 'ColumnRef', source: 'SRC', name: 'Col' });
    for (const word of ['KEY', 'VALUE', 'TIMESTAMP', 'DATE', 'TIME', 'TYPE', 'SESSION', 'ID', 'SOURCE']) {
      expect(expr(word)).toEqual({ kind: 'ColumnRef', name: word });
    }
    expect(() => parseExpression('size')).toThrow(ParseError); // reserved in ksqlDB
    expect(expr('`SIZE`')).toEqual({ kind: 'ColumnRef', name: 'SIZE' });
    expect(expr('s->time')).toEqual({ kind: 'Dereference', base: { kind: 'ColumnRef', name: 'S' }, field: 'TIME' });
  });

  it('positions', () => {
    const e = parseExpression('a +\n  b');
    expect(e.pos).toEqual({ line: 1, column: 1, offset: 0 });
    if (e.kind !== 'Arithmetic') throw new Error();
    expect(e.right.pos).toEqual({ line: 2, column: 3, offset: 6 });
  });
});

describe('types', () => {
  it('primitive, decimal, containers, custom', () => {
    expect(parseType('int')).toEqual({ kind: 'PrimitiveTypeNode', name: 'INTEGER' });
    expect(parseType('VARCHAR')).toEqual({ kind: 'PrimitiveTypeNode', name: 'STRING' });
    for (const t of ['BOOLEAN', 'BIGINT', 'DOUBLE', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP']) expect(parseType(t)).toEqual({ kind: 'PrimitiveTypeNode', name: t });
    expect(parseType('DECIMAL (7,6)')).toEqual({ kind: 'DecimalTypeNode', precision: 7, scale: 6 });
    expect(parseType('MAP<STRING, ARRAY<INT>>')).toEqual({ kind: 'MapTypeNode', key: { kind: 'PrimitiveTypeNode', name: 'STRING' }, value: { kind: 'ArrayTypeNode', element: { kind: 'PrimitiveTypeNode', name: 'INTEGER' } } });
    expect(parseType('STRUCT<>')).toEqual({ kind: 'StructTypeNode', fields: [] });
    expect(parseType('address')).toEqual({ kind: 'CustomTypeNode', name: 'ADDRESS' });
    expect(parseType('INT ARRAY')).toEqual({ kind: 'ArrayTypeNode', element: { kind: 'PrimitiveTypeNode', name: 'INTEGER' } });
    expect(parseType('VARCHAR(STRING)')).toEqual({ kind: 'PrimitiveTypeNode', name: 'STRING' });
    expect(() => parseType('NULL')).toThrow(ParseError);
    expect(() => parseType('ARRAY<NULL>')).toThrow(ParseError);
  });
});

describe('syntax errors', () => {
  it('name line, column and the offending token in a multi-line script', () => {
    const sql = 'CREATE STREAM TEST (ID INT KEY) WITH (kafka_topic=\'t\', format=\'JSON\');\nCREATE STREAM OUTPUT AS SELECT ID, cast(f0 as NULL) FROM TEST;';
    const e = parseError(() => parseStatements(sql));
    expect(e.pos).toEqual({ line: 2, column: 47, offset: sql.indexOf('NULL') });
    expect(e.message).toContain("Syntax error at or near 'NULL' at line 2:47");
    expect(e.message).toContain('line 2:47: Syntax Error');
  });

  it('lists what was expected', () => {
    const e = parseError(() => parseStatements("CREATE STREAM INPUT (K STRING (KEY)) WITH (kafka_topic='input',value_format='JSON');"));
    expect(e.message).toContain("line 1:32: Syntax Error\nExpecting {'STRING', INTEGER_VALUE}");
    expect(parseError(() => one('SELECT * FRM x;')).message).toMatch(/^Syntax error at or near 'FRM' at line 1:10\nline 1:10: Syntax Error\nExpecting \{',', 'FROM'\}$/);
    expect(parseError(() => one('SELECT * FROM')).message).toContain("at or near '<EOF>'");
  });

  it('GROUP BY / PARTITION BY take value expressions only', () => {
    const sql = 'CREATE TABLE O AS SELECT COUNT(*) FROM T GROUP BY DATA AND ID;';
    expect(parseError(() => one(sql)).pos.offset).toBe(sql.indexOf('AND'));
    expect(() => one('CREATE STREAM O AS select * from I partition by NAME AND AGE;')).toThrow(ParseError);
  });
});

describe('formatExpression', () => {
  it('prints like ksqlDB ExpressionFormatter', () => {
    expect(fmt('a > 100')).toBe('(A > 100)');
    expect(fmt("UCASE(name) = 'x'")).toBe("(UCASE(NAME) = 'x')");
    expect(fmt('CAST(x AS BIGINT)')).toBe('CAST(X AS BIGINT)');
    expect(fmt('CAST(x AS STRUCT<a INT, b MAP<STRING, DECIMAL(4,2)>>)')).toBe('CAST(X AS STRUCT<A INTEGER, B MAP<STRING, DECIMAL(4, 2)>>)');
    expect(fmt('s->f')).toBe('S->F');
    expect(fmt('arr[1]')).toBe('ARR[1]');
    expect(fmt("MAP('a' := 1, 'b' := 2)")).toBe("MAP('a':=1, 'b':=2)");
    expect(fmt('STRUCT(f0 := val1)')).toBe('STRUCT(F0:=VAL1)');
    expect(fmt('ARRAY[1, null]')).toBe('ARRAY[1, null]');
    expect(fmt('a IS NULL')).toBe('(A IS NULL)');
    expect(fmt('NOT a')).toBe('(NOT A)');
    expect(fmt('CASE WHEN a THEN 1 ELSE 2 END')).toBe('(CASE WHEN A THEN 1 ELSE 2 END)');
    expect(fmt('x IN (1, 2)')).toBe('(X IN (1, 2))');
    expect(fmt('5.0 / null')).toBe('(5.0 / null)');
    expect(fmt('T.ID = 0')).toBe('(T.ID = 0)');
    expect(fmt('TRANSFORM(arr, x => x * 2)')).toBe('TRANSFORM(ARR, (X) => (X * 2))');
    expect(fmt('-(-1)')).toBe('- -1');
    expect(formatExpression(parseExpression('`a b`.c'), { quote: (n) => /[^A-Z0-9_]/.test(n) })).toBe('`a b`.C');
  });

  it('numbers as Java prints them', () => {
    expect(formatDouble(1500)).toBe('1.5E3');
    expect(formatDouble(0.015)).toBe('1.5E-2');
    expect(formatDouble(-1)).toBe('-1E0');
    expect(formatDecimal('00.50')).toBe('0.50');
    expect(formatDecimal('.5')).toBe('0.5');
    expect(formatDecimal('5.')).toBe('5');
    expect(formatDecimal('-0.0000001')).toBe('-1E-7');
    expect(formatType(parseType('ARRAY<INT>'))).toBe('ARRAY<INTEGER>');
  });
});

describe('substituteVariables', () => {
  const vars = new Map([['format', 'AVRO'], ['Replicas', '3'], ['topicName', "'my_topic'"]]);
  it('replaces references case-insensitively, including inside strings', () => {
    expect(substituteVariables("WITH (value_format='${format}', replicas=${REPLICAS}, kafka_topic=${topicName})", vars))
      .toBe("WITH (value_format='AVRO', replicas=3, kafka_topic='my_topic')");
  });
  it('leaves undefined references and unescapes $${...}', () => {
    expect(substituteVariables('${missing} $${format} ${format}', vars)).toBe('${missing} ${format} AVRO');
  });
  it('a script with variables still parses before substitution', () => {
    const [, create] = parseStatements("DEFINE name = 's1';\nCREATE STREAM ${name} (id INT) WITH (kafka_topic='${topic}', partitions=${n});");
    expect(create).toMatchObject({ kind: 'CreateSource', name: '${name}', properties: { KAFKA_TOPIC: '${topic}', PARTITIONS: '${n}' } });
  });
});
