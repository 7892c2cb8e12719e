/**
 * Between the plan's serializable form and what operators work with: column lists ↔ row layouts,
 * expression text ↔ AST, and the source description a source step carries.
 */
import type { Expr } from '../parser/ast.js';
import { formatExpression } from '../parser/format.js';
import { parseExpression, parseType } from '../parser/parse.js';
import { sourceLayout, type LayoutColumn } from '../analyzer/row-scope.js';
import type { DataSource } from '../engine/metastore.js';
import type { Column, LogicalSchema } from '../types/schema.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import { resolveTypeNode } from '../types/type-node.js';
import type { SourceStep, StepColumn } from './steps.js';

/**
 * Expression text that parses back to the same expression. `asts`: the plan runs in this process
 * only (a push or pull query, never stored; a pull query is planned per request), so the task
 * builder may take the AST from there instead of parsing the text again.
 */
export function exprText(e: Expr, asts?: Map<string, Expr>): string {
  const text = formatExpression(e, { exact: true });
  asts?.set(text, e);
  return text;
}

export function parseStepExpr(text: string): Expr {
  return parseExpression(text);
}

const types = new Map<string, SqlType>();

/** A step column's type (types are fully resolved SQL text: no custom type names). */
export function stepType(text: string): SqlType {
  let t = types.get(text);
  if (t === undefined) {
    t = resolveTypeNode(parseType(text), () => undefined);
    types.set(text, t);
  }
  return t;
}

export function toStepColumns(layout: readonly LayoutColumn[]): StepColumn[] {
  return layout.map((c) => ({
    name: c.name,
    type: formatType(c.type),
    role: c.role,
    ...(c.column?.headerKey !== undefined ? { headerKey: c.column.headerKey } : {}),
  }));
}

/** A source's columns as a source step lists them, once per metastore entry (entries are replaced, never changed). */
const sourceColumns = new WeakMap<DataSource, readonly StepColumn[]>();

export function sourceStepColumns(source: DataSource): readonly StepColumn[] {
  let columns = sourceColumns.get(source);
  if (columns === undefined) {
    columns = toStepColumns(sourceLayout(source));
    sourceColumns.set(source, columns);
  }
  return columns;
}

export function layoutOf(columns: readonly StepColumn[]): LayoutColumn[] {
  return columns.map((c) => {
    const type = stepType(c.type);
    if (c.role === 'KEY' || c.role === 'VALUE' || c.role === 'HEADERS') {
      const column: Column = { name: c.name, type, namespace: c.role, ...(c.headerKey !== undefined ? { headerKey: c.headerKey } : {}) };
      return { name: c.name, type, role: c.role, column };
    }
    return { name: c.name, type, role: c.role };
  });
}

/** The key, value and header columns among a step's columns (pseudo and synthetic ones left out). */
export function schemaOf(columns: readonly StepColumn[]): LogicalSchema {
  const layout = layoutOf(columns);
  const pick = (role: 'KEY' | 'VALUE' | 'HEADERS') => layout.filter((c) => c.role === role).map((c) => c.column!);
  return { key: pick('KEY'), value: pick('VALUE'), headers: pick('HEADERS') };
}

/** What a source step reads, as the decoder wants it. */
export function dataSourceOf(step: SourceStep): DataSource {
  return {
    name: step.sourceName,
    type: step.kind === 'tableSourceV1' ? 'TABLE' : 'STREAM',
    schema: schemaOf(step.columns),
    topic: step.topic,
    ...step.formats,
    ...(step.timestampColumn !== undefined ? { timestampColumn: step.timestampColumn } : {}),
    ...(step.timestampFormat !== undefined ? { timestampFormat: step.timestampFormat } : {}),
    ...(step.window ? { window: step.window } : {}),
    isSource: false,
    statement: '',
  };
}
