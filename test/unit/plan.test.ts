/**
 * The physical plan's building blocks: expression text that parses back to the same expression,
 * the planner's step trees for each query shape, and plans as plain JSON.
 */
import { describe, expect, it } from 'vitest';
import { parseExpression, parseStatements } from '../../src/parser/parse.js';
import { formatExpression } from '../../src/parser/format.js';
import type { Query } from '../../src/parser/ast.js';
import { MetaStore } from '../../src/engine/metastore.js';
import { schemaFromColumns } from '../../src/analyzer/source-schema.js';
import { analyzeQuery } from '../../src/analyzer/query.js';
import { planQuery } from '../../src/plan/planner.js';
import { executionPlanText } from '../../src/plan/explain.js';
import { inputsOf, producesTable, type ExecutionStep } from '../../src/plan/steps.js';
import { builtinFunctions } from '../../src/functions/registry.js';

const canonical = (e: unknown) => JSON.stringify(e, (k, v: unknown) => (k === 'pos' ? undefined : v));

describe('exact expression text', () => {
  it.each([
    'A NOT IN (1, 2)',
    'NOT (A IN (1, 2))',
    'A NOT BETWEEN 1 AND 3',
    'NOT (A BETWEEN 1 AND 3)',
    "S NOT LIKE 'a!%%' ESCAPE '!'",
    'A IS NOT DISTINCT FROM B',
    'NOT (A IS DISTINCT FROM B)',
    "TIMESTAMP '2020-01-01T00:00:00'",
    "DATE '2020-01-01'",
    "X'0AFF'",
    'TRANSFORM(ARR, (x) => x + 1)',
    'REDUCE(ARR, 0, (s, x) => s + x)',
    '`lower`.`field` + `Mixed Case`',
    '`SELECT` + 1',
    'CASE WHEN A > 1 THEN \'x\' ELSE NULL END',
    'CAST(A AS DECIMAL(10, 2))',
    'CAST(A AS STRUCT<`f` INT, G ARRAY<STRING>>)',
    "STRUCT(`a` := 1, B := 'x')->`a`",
    "MAP('k' := ARRAY[1, 2])['k'][1]",
    '- -1',
    '1.5E3 * 2.50',
    "'it''s'",
  ])('%s parses back to the same expression', (text) => {
    const e = parseExpression(text);
    const back = parseExpression(formatExpression(e, { exact: true }));
    expect(canonical(back)).toBe(canonical(e));
  });
});

function catalogue(): MetaStore {
  const m = new MetaStore();
  const add = (sql: string) => {
    const st = parseStatements(sql)[0]!;
    if (st.kind !== 'CreateSource') throw new Error('not a CREATE');
    const window = /WINDOW_TYPE='(\w+)'/.exec(sql)?.[1]?.toUpperCase() as 'TUMBLING' | undefined;
    m.putSource({
      name: st.name,
      type: st.sourceType,
      schema: schemaFromColumns(st.sourceType, st.name, st.columns, () => undefined),
      topic: st.name.toLowerCase(),
      keyFormat: 'KAFKA',
      valueFormat: 'JSON',
      keyOptions: {},
      valueOptions: {},
      ...(window ? { window: { type: window, sizeMs: 1000 } } : {}),
      isSource: false,
      statement: sql,
    });
  };
  add(`CREATE STREAM ORDERS (ID INT KEY, CUST INT, AMOUNT INT, TAGS ARRAY<STRING>) WITH (kafka_topic='orders', value_format='JSON');`);
  add(`CREATE STREAM PAYMENTS (ID INT KEY, ORDER_ID INT, PAID INT) WITH (kafka_topic='payments', value_format='JSON');`);
  add(`CREATE TABLE CUSTOMERS (ID INT PRIMARY KEY, NAME STRING, REGION INT) WITH (kafka_topic='customers', value_format='JSON');`);
  add(`CREATE TABLE REGIONS (ID INT PRIMARY KEY, LABEL STRING) WITH (kafka_topic='regions', value_format='JSON');`);
  return m;
}

function plan(sql: string, target: Parameters<typeof planQuery>[1] = { kind: 'push' }): ExecutionStep {
  const m = catalogue();
  const st = parseStatements(sql)[0]!;
  const query = (st.kind === 'CreateAsSelect' || st.kind === 'Select' ? st.query : undefined) as Query;
  const transient = st.kind === 'Select';
  const q = analyzeQuery(query, (n) => m.requireSource(n), { functions: builtinFunctions() }, { transient, sinkName: 'OUT' });
  return planQuery(q, target);
}

/** The kinds of a plan from the root down, the left input first. */
function kinds(step: ExecutionStep): string[] {
  return [step.kind, ...inputsOf(step).flatMap(kinds)];
}

describe('the planner', () => {
  const sink = { kind: 'persistent', sinkName: 'OUT', topic: 'OUT', formats: { keyFormat: 'KAFKA', valueFormat: 'JSON', keyOptions: {}, valueOptions: {} } } as const;

  it('plans an aggregation over an n-way join as join steps under group-by and aggregate', () => {
    const root = plan(
      `CREATE TABLE OUT AS SELECT r.label AS label, SUM(o.amount) AS total FROM orders o JOIN customers c ON o.cust = c.id JOIN regions r ON c.region = r.id GROUP BY r.label HAVING SUM(o.amount) > 1;`,
      sink,
    );
    expect(kinds(root)).toEqual([
      'tableSinkV1',
      'tableSelectV1',
      'tableFilterV1',
      'streamAggregateV1',
      'streamGroupByV1',
      'streamTableJoinV1',
      'streamTableJoinV1',
      'streamSourceV1',
      'tableSourceV1',
      'tableSourceV1',
    ]);
    expect(producesTable(root)).toBe(true);
    // Plans are plain data: JSON keeps all of it.
    expect(JSON.parse(JSON.stringify(root))).toEqual(root);
    const text = executionPlanText(root, 'CTAS_OUT_0');
    expect(text).toContain(' > [ SINK ] | Schema: LABEL STRING KEY, TOTAL INTEGER | Logger: CTAS_OUT_0.OUT\n');
    expect(text).toContain('\t\t\t\t\t\t\t\t\t\t > [ JOIN ] | Schema: O_ID INTEGER, O_CUST INTEGER');
    expect(text).toContain('Logger: CTAS_OUT_0.L_Join');
  });

  it('plans table functions and PARTITION BY over a join, and a windowed aggregation with EMIT FINAL', () => {
    expect(kinds(plan(`SELECT o.id, c.name, EXPLODE(o.tags) AS tag FROM orders o LEFT JOIN customers c ON o.cust = c.id EMIT CHANGES;`))).toEqual([
      'streamSelectV1',
      'streamFlatMapV1',
      'streamTableJoinV1',
      'streamSourceV1',
      'tableSourceV1',
    ]);
    expect(kinds(plan(`CREATE STREAM OUT AS SELECT o.id AS id, c.name AS name FROM orders o JOIN customers c ON o.cust = c.id PARTITION BY c.name;`, sink))).toEqual([
      'streamSinkV1',
      'streamSelectV1',
      'streamSelectKeyV1',
      'streamTableJoinV1',
      'streamSourceV1',
      'tableSourceV1',
    ]);
    expect(kinds(plan(`SELECT cust, COUNT(*) AS n FROM orders WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY cust EMIT FINAL;`))).toEqual([
      'tableSuppressV1',
      'tableSelectV1',
      'streamWindowedAggregateV1',
      'streamGroupByV1',
      'streamSourceV1',
    ]);
  });

  it('writes join expressions over prefixed column names, and keeps lambda variables', () => {
    const root = plan(`SELECT o.id, TRANSFORM(o.tags, (x) => CONCAT(x, c.name)) AS t FROM orders o JOIN customers c ON o.cust = c.id EMIT CHANGES;`);
    if (root.kind !== 'streamSelectV1') throw new Error(root.kind);
    expect(root.valueColumns.map((c) => c.expr)).toEqual(['O_ID', 'TRANSFORM(O_TAGS, (X) => CONCAT(X, C_NAME))']);
    const join = root.source;
    if (join.kind !== 'streamTableJoinV1') throw new Error(join.kind);
    expect([join.leftKey, join.rightKey]).toEqual(['O_CUST', 'C_ID']);
  });
});
