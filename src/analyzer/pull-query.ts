/**
 * Validation of pull-query WHERE clauses on tables, with ksqlDB's rules: key lookups take literal
 * key values of the right type; with table scans disabled (ksql.query.pull.table.scan.enabled=false)
 * every disjunct must pin every key column with `=` or `IN`.
 */
import type { Expr } from '../parser/ast.js';
import type { DataSource } from '../engine/metastore.js';
import { formatExpression } from '../parser/format.js';
import { formatType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import { visitExpr } from './expr-utils.js';

function disjuncts(e: Expr): Expr[] {
  return e.kind === 'LogicalBinary' && e.op === 'OR' ? [...disjuncts(e.left), ...disjuncts(e.right)] : [e];
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'LogicalBinary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function columnsOf(e: Expr): string[] {
  const out: string[] = [];
  visitExpr(e, (n) => {
    if (n.kind === 'ColumnRef') out.push(n.name);
  });
  return out;
}

const isLiteral = (e: Expr): boolean => columnsOf(e).length === 0;

export function validatePullWhere(where: Expr | undefined, source: DataSource, scanEnabled: boolean, rangeScanEnabled = true): void {
  const keys = source.schema.key;
  const keyNames = new Set(keys.map((k) => k.name));
  const keyText = (name: string) => {
    const k = keys.find((c) => c.name === name)!;
    return `${k.name} ${formatType(k.type)} KEY`;
  };
  // Always: literal key values in IN lists must fit the key's type and may not be NULL.
  if (where) {
    visitExpr(where, (n) => {
      if (n.kind !== 'InList' || n.value.kind !== 'ColumnRef' || !keyNames.has(n.value.name)) return;
      const key = keys.find((k) => k.name === (n.value as { name: string }).name)!;
      for (const item of n.list) {
        if (item.kind === 'NullLiteral') throw new AnalysisError(`Primary key columns can not be NULL: (${key.name} = null)`);
        const numericKey = key.type.kind === 'INTEGER' || key.type.kind === 'BIGINT' || key.type.kind === 'DOUBLE' || key.type.kind === 'DECIMAL';
        if (numericKey && item.kind === 'StringLiteral') throw new AnalysisError(`'${item.value}' can not be converted to the type of the key column: ${keyText(key.name)}`);
      }
    });
  }
  if (scanEnabled) return;

  for (const d of where ? disjuncts(where) : [undefined]) {
    const found = new Map<string, number>();
    const bounds: string[] = [];
    for (const c of d ? conjuncts(d) : []) {
      const cols = columnsOf(c);
      const keyCols = cols.filter((n) => keyNames.has(n));
      if (keyCols.length === 0) continue;
      if (c.kind === 'InList') {
        if (c.value.kind !== 'ColumnRef' || !keyNames.has(c.value.name)) throw new AnalysisError('A comparison must directly reference a key column.');
        if (!c.list.every(isLiteral)) throw new AnalysisError('A comparison must be between a key column and a resolvable expression.');
        found.set(c.value.name, (found.get(c.value.name) ?? 0) + 1);
        continue;
      }
      if (c.kind !== 'Comparison') throw new AnalysisError('A comparison must directly reference a key column.');
      const [keySide, other] = c.left.kind === 'ColumnRef' && keyNames.has(c.left.name) ? [c.left, c.right] : c.right.kind === 'ColumnRef' && keyNames.has(c.right.name) ? [c.right, c.left] : [undefined, undefined];
      if (!keySide) {
        const direct = (e: Expr) => e.kind === 'ColumnRef';
        if (!direct(c.left) && !direct(c.right)) throw new AnalysisError('A comparison must directly reference a key column.');
        throw new AnalysisError('A comparison must be between a key column and a resolvable expression.');
      }
      if (!isLiteral(other!)) throw new AnalysisError('A comparison must be between a key column and a resolvable expression.');
      const name = (keySide as { name: string }).name;
      found.set(name, (found.get(name) ?? 0) + 1);
      if (c.op !== '=') bounds.push(c.op);
    }
    for (const [, n] of found) {
      if (n > 1) throw new AnalysisError('A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate');
    }
    if (bounds.includes('<>')) throw new AnalysisError(`Bound on key columns '[${keys.map((k) => '`' + k.name + '` ' + formatType(k.type) + ' KEY').join(', ')}]' must currently be '='. `);
    if (bounds.length > 0) {
      // A range on the key is a range scan: only on a single STRING key, without OR, when enabled.
      if (keys.length > 1) throw new AnalysisError('Multi-column sources must specify every key in the WHERE clause.');
      if (!rangeScanEnabled || keys[0]!.type.kind !== 'STRING' || (where && disjuncts(where).length > 1)) throw new AnalysisError('Query requires table scan to be enabled');
      continue;
    }
    if (found.size === 0) throw new AnalysisError(`WHERE clause missing key column for disjunct: ${d ? formatExpression(d) : ''}`);
    if (found.size < keys.length) throw new AnalysisError('Multi-column sources must specify every key in the WHERE clause.');
  }
}
