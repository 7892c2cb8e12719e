/**
 * The FROM clause of a join: stream-stream (WITHIN), stream-table, table-table (key and foreign-key),
 * and n-way chains of them, with ksqlDB's validation rules; name resolution over the joined row
 * (`ALIAS.COL`, or an unambiguous `COL`), `*` expansion and ksqlDB's naming of join columns
 * (`ALIAS_COL` where names clash).
 *
 * The joined row is the concatenation of every source's row layout in FROM order, followed by the
 * join key (ROWKEY).
 */
import type { AliasedSource, Expr, Join, Query, SelectItem, Star } from '../parser/ast.js';
import type { DataSource } from '../engine/metastore.js';
import type { ColumnInfo, CompileContext, Scope } from '../expr/compile.js';
import { inferType } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import { formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import { sourceLayout, type LayoutColumn } from './row-scope.js';
import { mapExpr, visitExpr } from './expr-utils.js';
import { durationMs } from './window.js';
import type { OutputColumn } from './analysis.js';
import type { Relation } from './relation.js';

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

/**
 * The name of the join's synthetic key column: ROWKEY, or (as ksqlDB) ROWKEY_1, ROWKEY_2, ... when
 * a source already has a column of that name (sources whose key was inferred are keyed ROWKEY).
 */
export function joinKeyName(sources: readonly JoinSource[]): string {
  const taken = (n: string) => sources.some((s) => s.layout.some((c) => c.name === n && c.role !== 'PSEUDO'));
  if (!taken('ROWKEY')) return 'ROWKEY';
  let i = 1;
  while (taken(`ROWKEY_${i}`)) i++;
  return `ROWKEY_${i}`;
}

/** Name resolution over the joined row: `ALIAS.COL`, or an unambiguous `COL`, or the join key (ROWKEY). */
export class JoinScope implements Scope {
  /** The synthetic join key's name (joinKeyName). */
  readonly keyName: string;

  constructor(
    readonly sources: readonly JoinSource[],
    readonly layout: readonly LayoutColumn[],
    private readonly clause: string,
  ) {
    this.keyName = joinKeyName(sources);
  }

  withClause(clause: string): JoinScope {
    return new JoinScope(this.sources, this.layout, clause);
  }

  /** Where the join key is: right after the sources' columns (table-function columns may follow). */
  get rowKeyIndex(): number {
    const last = this.sources[this.sources.length - 1]!;
    return last.offset + last.layout.length;
  }

  find(source: string | undefined, name: string): number | undefined {
    if (source !== undefined) {
      const s = this.sources.find((x) => x.alias === source || x.source.name === source);
      if (!s) throw new AnalysisError(`${this.clause} '${source}.${name}' cannot be resolved.`);
      const i = s.layout.findIndex((c) => c.name === name);
      return i < 0 ? undefined : s.offset + i;
    }
    if (name === this.keyName) return this.rowKeyIndex;
    const hits = this.sources.flatMap((s) => {
      const i = s.layout.findIndex((c) => c.name === name && c.role !== 'PSEUDO');
      return i < 0 ? [] : [{ s, i }];
    });
    if (hits.length > 1) {
      throw new AnalysisError(`Column '${name}' is ambiguous. Could be ${hits.map((h) => `${h.s.alias}.${name}`).join(' or ')}.`);
    }
    if (hits.length === 1) return hits[0]!.s.offset + hits[0]!.i;
    // Planner-made columns past the sources' (table-function results).
    const synthetic = this.layout.findIndex((c) => c.role === 'SYNTHETIC' && c.name === name);
    return synthetic >= 0 ? synthetic : undefined;
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

/** A join's FROM as a Relation, with the join tree and what the projection needs to pick the key. */
export interface JoinRelation extends Relation {
  readonly sources: readonly JoinSource[];
  readonly root: JoinNode;
  /** Resolution over the whole joined row (ROWKEY included). */
  readonly fullScope: JoinScope;
  /** Layout indexes of the columns that are the join key. */
  readonly candidates: readonly number[];
}

export function joinRelation(from: Query['from'], lookup: (name: string) => DataSource, ctx: CompileContext): JoinRelation {
  const { sources: rels, joins } = flatten(from);
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
  const keyName = joinKeyName(sources);
  const scope = new JoinScope(sources, [...layout, { name: keyName, type: { kind: 'NULL' }, role: 'SYNTHETIC' }], 'JOIN ON column');

  // Build the join tree, left-deep.
  let current: number | JoinNode = 0;
  joins.forEach((j, ji) => {
    current = analyzeJoin(j, current, ji + 1, sources, scope, ctx);
  });
  const root = current as unknown as JoinNode;
  layout.push({ name: keyName, type: root.keyType, role: 'SYNTHETIC' });
  const fullScope = new JoinScope(sources, layout, 'SELECT column');
  const candidates = keyCandidates(root, fullScope);
  return {
    from: { kind: 'join', sources, root },
    type: root.resultKind,
    layout,
    sources,
    root,
    fullScope,
    candidates,
    scope: (clause, l = layout) => new JoinScope(sources, l, clause),
    expand: (select) => expandJoinSelect(select, sources, candidates.length === 0),
    name: (items) => nameJoinColumns(items, sources, fullScope),
    groupsByKey: (groupBy) => {
      if (groupBy.length !== 1 || groupBy[0]!.kind !== 'ColumnRef') return false;
      const g = groupBy[0]!;
      const i = fullScope.find(g.source, g.name);
      return i !== undefined && (i === fullScope.rowKeyIndex || candidates.includes(i));
    },
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
  if (lw && rw && leftKind === 'TABLE' && rightKind === 'TABLE' && typeof left === 'number' && !isKeyColumnOf(leftKey, left) && isKeyColumnOf(rightKey, right)) {
    throw new AnalysisError('Foreign-key table-table joins are not supported on windowed tables.');
  }
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

export function qualifiedName(index: number, scope: JoinScope): string {
  const si = scope.sourceOf(index)!;
  const s = scope.sources[si]!;
  return `${s.alias}.${s.layout[index - s.offset]!.name}`;
}

function qualifyFor(e: Expr, scope: JoinScope): Expr {
  return mapExpr(e, (n) => {
    if (n.kind !== 'ColumnRef') return undefined;
    const i = scope.find(n.source, n.name);
    if (i === undefined || i === scope.rowKeyIndex) return undefined;
    const s = scope.sources[scope.sourceOf(i)!]!;
    return { ...n, source: s.alias };
  });
}

/** A qualified column keeps its name, prefixed `ALIAS_` when another source has a column of that name. */
function joinColumnName(e: Expr & { kind: 'ColumnRef' }, scope: JoinScope): string {
  const i = scope.find(e.source, e.name);
  if (i === undefined || i === scope.rowKeyIndex) return e.name;
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
    out.push({ expr: { kind: 'ColumnRef', name: joinKeyName(sources) } });
  }
  // A windowed source's window bounds follow its key columns (ksqlDB's `*` over windowed joins).
  const all = (s: JoinSource) => {
    const bounds = s.source.window ? ['WINDOWSTART', 'WINDOWEND'].map((name) => ({ name })) : [];
    for (const c of [...s.source.schema.key, ...bounds, ...s.source.schema.value, ...s.source.schema.headers]) {
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
