/**
 * Analysis of joins: stream-stream (WITHIN), stream-table, table-table (key and foreign-key), and
 * n-way chains of them, with ksqlDB's validation rules, column naming (`ALIAS_COL` for qualified
 * references and `*`), and output key (the join key, or a synthetic ROWKEY).
 *
 * The joined row is the concatenation of every source's row layout in FROM order, followed by the
 * join key (ROWKEY).
 */
import type { AliasedSource, Expr, Join, Query, SelectItem, Star } from '../parser/ast.js';
import type { DataSource } from '../engine/metastore.js';
import type { ColumnInfo, CompileContext, Scope } from '../expr/compile.js';
import { inferType } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import type { OutputColumn } from '../plan/logical/plan.js';
import type { Column, LogicalSchema } from '../types/schema.js';
import { formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import { sourceLayout, type LayoutColumn } from './row-scope.js';
import { exprEquals, mapExpr, visitExpr } from './expr-utils.js';
import { checkReservedNames, clauseType, type AnalyzeOptions } from './stream-query.js';
import { durationMs } from './aggregate-query.js';
import { validateKeyType } from './source-schema.js';
import { validateTimestampColumn } from './with-properties.js';

export interface JoinSource {
  readonly source: DataSource;
  /** Alias, or the source name. */
  readonly alias: string;
  /** Where its columns start in the joined row. */
  readonly offset: number;
  readonly layout: readonly LayoutColumn[];
}

export interface JoinNode {
  readonly type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  /** Index of a source, or a nested join. */
  readonly left: number | JoinNode;
  readonly right: number;
  /** Join key expressions over the joined row, one per side. */
  readonly leftKey: Expr;
  readonly rightKey: Expr;
  readonly leftKind: 'STREAM' | 'TABLE';
  readonly rightKind: 'STREAM' | 'TABLE';
  readonly resultKind: 'STREAM' | 'TABLE';
  /** Stream-stream: the window, and whether a grace period was given (new outer-join semantics). */
  readonly within?: { readonly beforeMs: number; readonly afterMs: number; readonly graceMs: number; readonly explicitGrace: boolean };
  /** Table-table join whose left key is not the left table's primary key (foreign-key join). */
  readonly foreignKey: boolean;
  readonly keyType: SqlType;
  /** Source indexes under this node. */
  readonly sources: readonly number[];
}

export interface JoinQueryPlan {
  readonly kind: 'joinQuery';
  readonly sources: readonly JoinSource[];
  /** The joined row: every source's layout, then ROWKEY. */
  readonly layout: readonly LayoutColumn[];
  readonly root: JoinNode;
  readonly where?: Expr;
  readonly keyColumns: readonly OutputColumn[];
  readonly valueColumns: readonly OutputColumn[];
  readonly outputSchema: LogicalSchema;
  readonly resultType: 'STREAM' | 'TABLE';
  readonly rekeyed: boolean;
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
}

/** Name resolution over the joined row: `ALIAS.COL`, or an unambiguous `COL`, or ROWKEY. */
export class JoinScope implements Scope {
  constructor(
    readonly sources: readonly JoinSource[],
    readonly layout: readonly LayoutColumn[],
    private readonly clause: string,
  ) {}

  withClause(clause: string): JoinScope {
    return new JoinScope(this.sources, this.layout, clause);
  }

  find(source: string | undefined, name: string): number | undefined {
    if (source !== undefined) {
      const s = this.sources.find((x) => x.alias === source || x.source.name === source);
      if (!s) throw new AnalysisError(`${this.clause} '${source}.${name}' cannot be resolved.`);
      const i = s.layout.findIndex((c) => c.name === name);
      return i < 0 ? undefined : s.offset + i;
    }
    if (name === 'ROWKEY') {
      const own = this.sources.filter((s) => s.layout.some((c) => c.name === 'ROWKEY'));
      if (own.length === 0) return this.layout.length - 1;
    }
    const hits = this.sources.flatMap((s) => {
      const i = s.layout.findIndex((c) => c.name === name && c.role !== 'PSEUDO');
      return i < 0 ? [] : [{ s, i }];
    });
    if (hits.length > 1) {
      throw new AnalysisError(`Column '${name}' is ambiguous. Could be ${hits.map((h) => `${h.s.alias}.${name}`).join(' or ')}.`);
    }
    if (hits.length === 1) return hits[0]!.s.offset + hits[0]!.i;
    return undefined;
  }

  resolveColumn(source: string | undefined, name: string): ColumnInfo | undefined {
    const index = this.find(source, name);
    if (index === undefined) throw new AnalysisError(`${this.clause} '${source !== undefined ? source + '.' : ''}${name}' cannot be resolved.`);
    return { index, type: this.layout[index]!.type };
  }

  /** Which source a resolved column belongs to (undefined for ROWKEY). */
  sourceOf(index: number): number | undefined {
    const i = this.sources.findIndex((s) => index >= s.offset && index < s.offset + s.layout.length);
    return i < 0 ? undefined : i;
  }
}

function flatten(rel: Query['from']): { sources: AliasedSource[]; joins: Join[] } {
  if (rel.kind === 'Source') return { sources: [rel], joins: [] };
  const inner = flatten(rel.left);
  return { sources: [...inner.sources, rel.right], joins: [...inner.joins, rel] };
}

export function analyzeJoinQuery(query: Query, lookup: (name: string) => DataSource, ctx: CompileContext, opts: AnalyzeOptions = {}): JoinQueryPlan {
  if (query.groupBy || query.window) throw new AnalysisError('Aggregations over joins are not supported yet.');
  const { sources: rels, joins } = flatten(query.from);
  const sources: JoinSource[] = [];
  let offset = 0;
  for (const r of rels) {
    const source = lookup(r.name);
    const alias = r.alias ?? r.name;
    if (sources.some((s) => s.source.name === source.name)) {
      if (rels.length === 2) throw new AnalysisError(`Can not join '${source.name}' to '${source.name}': self joins are not yet supported.`);
      throw new AnalysisError(`N-way joins do not support multiple occurrences of the same source. Source: '${source.name}'`);
    }
    const layout = sourceLayout(source);
    sources.push({ source, alias, offset, layout });
    offset += layout.length;
  }
  // The layout: every source's columns, then ROWKEY (its type is set once the join key is known).
  const layout: LayoutColumn[] = sources.flatMap((s) => s.layout);
  const scope = new JoinScope(sources, [...layout, { name: 'ROWKEY', type: { kind: 'NULL' }, role: 'SYNTHETIC' }], 'JOIN ON column');

  // Build the join tree, left-deep.
  let current: number | JoinNode = 0;
  joins.forEach((j, ji) => {
    const rightIndex = ji + 1;
    current = analyzeJoin(j, current, rightIndex, sources, scope, ctx);
  });
  const root = current as unknown as JoinNode;
  const rowKeyType = root.keyType;
  layout.push({ name: 'ROWKEY', type: rowKeyType, role: 'SYNTHETIC' });
  const fullScope = new JoinScope(sources, layout, 'SELECT column');

  if (query.where) {
    const t = clauseType('Error in WHERE expression: ', () => inferType(query.where!, fullScope.withClause('WHERE column'), ctx));
    if (t.kind !== 'BOOLEAN' && t.kind !== 'NULL') throw new AnalysisError(`Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(query.where)} (${formatType(t)}) instead.`);
  }

  // Projection, named as ksqlDB names join columns.
  const synthetic = keyCandidates(root, fullScope).length === 0;
  const items = expandJoinSelect(query.select, sources, synthetic);
  checkReservedNames(items.filter((i) => !(i.expr.kind === 'ColumnRef' && i.expr.source !== undefined && i.alias === undefined)).map((i) => (i.alias !== undefined ? { expr: i.expr, alias: i.alias } : { expr: i.expr })));
  const named = nameJoinColumns(items, sources, fullScope);

  // The output key: the join key, selected as one of the join columns, or as ROWKEY.
  const candidates = keyCandidates(root, fullScope);
  const isKeyRef = (e: Expr): boolean => {
    if (e.kind !== 'ColumnRef') return false;
    const idx = fullScope.find(e.source, e.name);
    return idx !== undefined && (idx === layout.length - 1 || candidates.includes(idx));
  };
  let keyColumns: OutputColumn[] = [];
  let valueColumns: OutputColumn[] = [];
  const rekeyed = query.partitionBy !== undefined;
  if (rekeyed) {
    const p = query.partitionBy!;
    if (p.length === 1 && p[0]!.kind === 'NullLiteral') {
      valueColumns = named.map((c) => ({ name: c.name, expr: c.expr }));
    } else {
      const used = new Set<number>();
      for (const e of p) {
        const idx = named.findIndex((c, i) => !used.has(i) && exprEquals(c.expr, e));
        if (idx < 0) throw new AnalysisError(`The query used to build \`${opts.sinkName ?? 'OUTPUT'}\` must include the partitioning expression ${formatExpression(e)} in its projection (eg, SELECT ${formatExpression(e)}...).`);
        used.add(idx);
        keyColumns.push({ name: named[idx]!.name, expr: named[idx]!.expr });
      }
      valueColumns = named.filter((_c, i) => !used.has(i)).map((c) => ({ name: c.name, expr: c.expr }));
    }
  } else {
    const allKeyItems = named.filter((c) => isKeyRef(c.expr));
    const refIndex = (e: Expr) => (e.kind === 'ColumnRef' ? fullScope.find(e.source, e.name) : undefined);
    // The first selected join column is the key; the same column selected again is an error,
    // the other side's join column stays a value column.
    const keyItems = allKeyItems.filter((c) => refIndex(c.expr) === refIndex(allKeyItems[0]!.expr));
    if (keyItems.length > 1) {
      const names = keyItems.map((k) => k.name).sort();
      const first = keyItems[0]!;
      const keyName = first.expr.kind === 'ColumnRef' ? `${fullScope.sources[fullScope.sourceOf(refIndex(first.expr)!)!]!.alias}_${first.expr.name}` : first.name;
      throw new AnalysisError(`The projection contains a key column (\`${keyName}\`) more than once, aliased as: ${names.join(' and ')}.`);
    }
    if (keyItems.length === 0) {
      const sink = opts.sinkName ?? 'OUTPUT';
      if (candidates.length === 0) {
        throw new AnalysisError(
          `Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build \`${sink}\` must include the join expression ROWKEY in its projection (eg, SELECT ROWKEY...).\nROWKEY was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.`,
        );
      }
      const texts = candidates.map((i) => qualifiedName(i, fullScope));
      const list = texts.length === 1 ? texts[0]! : `${texts.slice(0, -1).join(', ')} or ${texts[texts.length - 1]}`;
      throw new AnalysisError(
        `The query used to build \`${sink}\` must include the join expression${texts.length > 1 ? 's' : ''} ${list} in its projection (eg, SELECT ${texts[0]}...).`,
      );
    }
    const k = keyItems[0]!;
    // The key value is the join key (ROWKEY), whichever side's column was selected.
    keyColumns = [{ name: k.name, expr: { kind: 'ColumnRef', name: 'ROWKEY' } }];
    valueColumns = named.filter((c) => c !== k).map((c) => ({ name: c.name, expr: c.expr }));
  }

  const typed = (cols: OutputColumn[], ns: 'KEY' | 'VALUE'): Column[] =>
    cols.map((c) => {
      const type = clauseType('Invalid Select: ', () => inferType(c.expr, fullScope, ctx));
      if (type.kind === 'NULL') throw new AnalysisError(`Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).`);
      return { name: c.name, type, namespace: ns };
    });
  const outputSchema: LogicalSchema = { key: typed(keyColumns, 'KEY'), value: typed(valueColumns, 'VALUE'), headers: [] };
  for (const k of outputSchema.key) validateKeyType(k);
  const seen = new Set<string>();
  for (const c of [...outputSchema.key, ...outputSchema.value]) {
    if (seen.has(c.name)) throw new AnalysisError(`Duplicate column names:\n\t${c.name}`);
    seen.add(c.name);
  }
  if (opts.timestampColumn !== undefined) validateTimestampColumn(opts.timestampColumn, [...outputSchema.key, ...outputSchema.value], opts.timestampFormat);
  return {
    kind: 'joinQuery',
    sources,
    layout,
    root,
    ...(query.where ? { where: query.where } : {}),
    keyColumns,
    valueColumns,
    outputSchema,
    resultType: root.resultKind,
    rekeyed,
    ...(opts.timestampColumn !== undefined ? { timestampColumn: opts.timestampColumn } : {}),
    ...(opts.timestampFormat !== undefined ? { timestampFormat: opts.timestampFormat } : {}),
  };
}

function sourcesOf(e: Expr, scope: JoinScope): Set<number> {
  const out = new Set<number>();
  visitExpr(e, (n) => {
    if (n.kind !== 'ColumnRef') return;
    const idx = scope.find(n.source, n.name);
    if (idx === undefined) throw new AnalysisError(`JOIN ON column '${n.source !== undefined ? n.source + '.' : ''}${n.name}' cannot be resolved.`);
    const s = scope.sourceOf(idx);
    if (s !== undefined) out.add(s);
  });
  return out;
}

function analyzeJoin(j: Join, left: number | JoinNode, right: number, sources: readonly JoinSource[], scope: JoinScope, ctx: CompileContext): JoinNode {
  const on = j.on;
  if (on.kind === 'LogicalBinary') {
    throw new AnalysisError(`Invalid join condition: joins on multiple conditions are not yet supported. Got ${formatExpression(on)}.`);
  }
  if (on.kind !== 'Comparison' || on.op !== '=') throw new AnalysisError(`Unsupported join expression: ${formatExpression(on)}`);
  const leftSources = typeof left === 'number' ? [left] : left.sources;
  const a = sourcesOf(on.left, scope);
  const b = sourcesOf(on.right, scope);
  for (const [side, other] of [
    [on.left, a],
    [on.right, b],
  ] as const) {
    if (other.size !== 1) {
      throw new AnalysisError(`Invalid comparison expression '${formatExpression(side)}' in join '${formatExpression(on)}'. Each side of the join comparision must contain references from exactly one source.`);
    }
  }
  const sa = [...a][0]!;
  const sb = [...b][0]!;
  if (sa === sb) throw new AnalysisError(`Each side of the join must reference exactly one source and not the same source. Left side references \`${sources[sa]!.alias}\` and right references \`${sources[sb]!.alias}\``);
  let leftKey: Expr;
  let rightKey: Expr;
  if (sb === right && leftSources.includes(sa)) {
    leftKey = on.left;
    rightKey = on.right;
  } else if (sa === right && leftSources.includes(sb)) {
    leftKey = on.right;
    rightKey = on.left;
  } else {
    throw new AnalysisError(
      `A join criteria is expected to reference the source (\`${sources[right]!.alias}\`) in the FROM clause, instead the right source references \`${sources[sb]!.alias}\` and the left source references \`${sources[sa]!.alias}\``,
    );
  }
  const leftKind = typeof left === 'number' ? sources[left]!.source.type : left.resultKind;
  const rightSrc = sources[right]!.source;
  const rightKind = rightSrc.type;
  const leftDesc = typeof left === 'number' ? sources[left]!.source.name : 'the join';
  if (leftKind === 'TABLE' && rightKind === 'STREAM') {
    throw new AnalysisError(`Invalid join order: table-stream joins are not supported; only stream-table joins. Got ${leftDesc} [${j.type}] JOIN ${rightSrc.name}.`);
  }
  if (leftKind === 'STREAM' && rightKind === 'TABLE' && (j.type === 'FULL' || j.type === 'RIGHT')) {
    throw new AnalysisError(`Invalid join type: ${j.type === 'FULL' ? 'full-outer' : 'right'} join not supported for stream-table join. Got ${leftDesc} [${j.type}] OUTER JOIN ${rightSrc.name}.`);
  }
  // Windowed sources.
  const lw = typeof left === 'number' ? sources[left]!.source.window : undefined;
  const rw = rightSrc.window;
  if ((lw === undefined) !== (rw === undefined)) {
    const [w, n] = lw ? [sources[left as number]!.source, rightSrc] : [sources[leftSources[0]!]!.source, rightSrc];
    throw new AnalysisError(`Can not join windowed source to non-windowed source.\n\`${w.name}\` is ${(lw ?? rw)!.type} windowed\n\`${lw ? n.name : w.name}\` is not windowed`);
  }
  if (lw && rw && (lw.type === 'SESSION') !== (rw.type === 'SESSION')) {
    throw new AnalysisError(
      `Incompatible windowed sources.\nLeft source: ${lw.type}\nRight source: ${rw.type}\nSession windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources`,
    );
  }
  const isKeyColumnOf = (e: Expr, si: number) => {
    if (e.kind !== 'ColumnRef') return false;
    const idx = scope.find(e.source, e.name);
    const s = sources[si]!;
    return idx !== undefined && idx >= s.offset && s.layout[idx - s.offset]!.role === 'KEY' && s.source.schema.key.length === 1;
  };
  if (lw && rw && !(isKeyColumnOf(leftKey, leftSources[0]!) && isKeyColumnOf(rightKey, right))) {
    throw new AnalysisError('Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.');
  }
  const rightIsPk = isKeyColumnOf(rightKey, right);
  let foreignKey = false;
  if (rightKind === 'TABLE' && !rightIsPk) {
    const got = `${formatExpression(qualifyFor(on.left, scope))} = ${formatExpression(qualifyFor(on.right, scope))}`;
    if (leftKind === 'TABLE') throw new AnalysisError(`Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${got}.`);
    throw new AnalysisError(`Invalid join condition: stream-table joins require to join on the table's primary key. Got ${got}.`);
  }
  if (leftKind === 'TABLE' && rightKind === 'TABLE') {
    const leftIsPk = typeof left === 'number' ? isKeyColumnOf(leftKey, left) : true;
    foreignKey = !leftIsPk;
    if (foreignKey && (j.type === 'RIGHT' || j.type === 'FULL')) {
      throw new AnalysisError(`${j.type === 'RIGHT' ? 'RIGHT' : 'FULL'} OUTER JOIN on a foreign key is not supported`);
    }
  }
  let within: JoinNode['within'];
  if (leftKind === 'STREAM' && rightKind === 'STREAM') {
    if (!j.within) throw new AnalysisError(`Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select`);
    within = {
      beforeMs: durationMs(j.within.before),
      afterMs: durationMs(j.within.after),
      graceMs: j.within.grace ? durationMs(j.within.grace) : 24 * 3600 * 1000,
      explicitGrace: j.within.grace !== undefined,
    };
  } else if (j.within) {
    throw new AnalysisError(`A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to execute your join again.`);
  }
  const lt = inferType(leftKey, scope, ctx);
  const rt = inferType(rightKey, scope, ctx);
  if (!typeEquals(lt, rt)) {
    throw new AnalysisError(`Invalid join condition: types don't match. Got ${formatExpression(qualifyFor(leftKey, scope))}{${formatType(lt)}} = ${formatExpression(qualifyFor(rightKey, scope))}{${formatType(rt)}}.`);
  }
  const resultKind = leftKind === 'TABLE' && rightKind === 'TABLE' ? 'TABLE' : 'STREAM';
  return {
    type: j.type,
    left,
    right,
    leftKey,
    rightKey,
    leftKind,
    rightKind,
    resultKind,
    ...(within ? { within } : {}),
    foreignKey,
    // A foreign-key join's result is keyed by the left table's key.
    keyType: foreignKey && typeof left === 'number' ? sources[left]!.source.schema.key[0]!.type : lt,
    sources: [...leftSources, right],
  };
}

/** Column refs that are the join key: both sides' plain columns (not for full outer joins). */
function keyCandidates(node: JoinNode, scope: JoinScope): number[] {
  const out: number[] = [];
  const add = (e: Expr) => {
    if (e.kind === 'ColumnRef') {
      const i = scope.find(e.source, e.name);
      if (i !== undefined && !out.includes(i)) out.push(i);
    }
  };
  if (node.foreignKey) {
    // Keyed by the left table's primary key.
    const left = node.left;
    if (typeof left === 'number') {
      const s = scope.sources[left]!;
      const ki = s.layout.findIndex((c) => c.role === 'KEY');
      if (ki >= 0) out.push(s.offset + ki);
    }
    return out;
  }
  if (node.type === 'FULL') return out;
  if (typeof node.left !== 'number') {
    const inner = keyCandidates(node.left, scope);
    if (node.leftKey.kind === 'ColumnRef' && inner.includes(scope.find(node.leftKey.source, node.leftKey.name)!)) out.push(...inner);
  }
  add(node.leftKey);
  add(node.rightKey);
  return out;
}

function qualifiedName(index: number, scope: JoinScope): string {
  const si = scope.sourceOf(index)!;
  const s = scope.sources[si]!;
  return `${s.alias}.${s.layout[index - s.offset]!.name}`;
}

function qualifyFor(e: Expr, scope: JoinScope): Expr {
  return mapExpr(e, (n) => {
    if (n.kind !== 'ColumnRef') return undefined;
    const i = scope.find(n.source, n.name);
    if (i === undefined || i === scope.layout.length - 1) return undefined;
    const s = scope.sources[scope.sourceOf(i)!]!;
    return { ...n, source: s.alias };
  });
}

/** A qualified column keeps its name, prefixed `ALIAS_` when another source has a column of that name. */
function joinColumnName(e: Expr & { kind: 'ColumnRef' }, scope: JoinScope): string {
  const i = scope.find(e.source, e.name);
  if (i === undefined || i === scope.layout.length - 1) return e.name;
  const owners = scope.sources.filter((s) => s.layout.some((c) => c.name === e.name && c.role !== 'PSEUDO'));
  if (owners.length <= 1 && scope.layout[i]!.role !== 'PSEUDO') return e.name;
  const s = scope.sources[scope.sourceOf(i)!]!;
  return `${s.alias}_${e.name}`;
}

interface JoinItem {
  readonly expr: Expr;
  readonly alias?: string;
}

function expandJoinSelect(select: readonly (SelectItem | Star)[], sources: readonly JoinSource[], syntheticKey: boolean): JoinItem[] {
  const out: JoinItem[] = [];
  // With a synthetic join key, `SELECT *` includes it (as ROWKEY).
  if (syntheticKey && select.some((s) => ('kind' in s && s.kind === 'Star' && s.source === undefined) || ((s as SelectItem).expr?.kind === 'Star' && ((s as SelectItem).expr as Star).source === undefined))) {
    out.push({ expr: { kind: 'ColumnRef', name: 'ROWKEY' } });
  }
  const all = (s: JoinSource) => {
    for (const c of [...s.source.schema.key, ...s.source.schema.value, ...s.source.schema.headers]) {
      out.push({ expr: { kind: 'ColumnRef', source: s.alias, name: c.name }, alias: `${s.alias}_${c.name}` });
    }
  };
  for (const s of select) {
    const star = 'kind' in s && s.kind === 'Star' ? s : (s as SelectItem).expr.kind === 'Star' ? ((s as SelectItem).expr as Star) : undefined;
    if (star) {
      if (star.source === undefined) sources.forEach(all);
      else {
        const src = sources.find((x) => x.alias === star.source || x.source.name === star.source);
        if (!src) throw new AnalysisError(`'${star.source}' is not a valid stream/table name or alias.`);
        all(src);
      }
      continue;
    }
    const item = s as SelectItem;
    out.push(item.alias !== undefined ? { expr: item.expr, alias: item.alias } : { expr: item.expr });
  }
  return out;
}

function nameJoinColumns(items: readonly JoinItem[], sources: readonly JoinSource[], scope: JoinScope): OutputColumn[] {
  const taken = new Set<string>();
  for (const s of sources) for (const c of s.layout) taken.add(c.name);
  for (const it of items) if (it.alias) taken.add(it.alias);
  let generated = 0;
  return items.map((it) => {
    let name = it.alias;
    if (name === undefined) {
      if (it.expr.kind === 'ColumnRef') name = it.expr.source !== undefined ? joinColumnName(it.expr, scope) : it.expr.name;
      else if (it.expr.kind === 'Dereference') name = it.expr.field;
      else {
        while (taken.has(`KSQL_COL_${generated}`)) generated++;
        name = `KSQL_COL_${generated++}`;
      }
      taken.add(name);
    }
    return { name, expr: it.expr };
  });
}
