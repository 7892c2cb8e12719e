/**
 * Structured values: reading into them (STRUCT field dereference, ARRAY / MAP subscript) and
 * building them (ARRAY[...], MAP(...), STRUCT(...) constructors, elements brought to a common type).
 */
import { AnalysisError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { T, formatType } from '../types/sql-type.js';
import type { Compiler } from './compiler.js';
import type { CNode } from './compile-node.js';
import { formatExpression } from './format.js';

// ------------------------------------------------------------------ structured access

export function dereference(c: Compiler, e: Extract<Expr, { kind: 'Dereference' }>): CNode {
  const base = c.compile(e.base);
  if (base.type.kind !== 'STRUCT')
    throw new AnalysisError(`Expected STRUCT type for dereference of ${formatExpression(e.base)} but got ${formatType(base.type)}`, e.pos);
  const field = base.type.fields.find((f) => f.name === e.field) ?? base.type.fields.find((f) => f.name.toUpperCase() === e.field.toUpperCase());
  if (!field) throw new AnalysisError(`Could not find field '${e.field}' in '${formatExpression(e.base)}'.`, e.pos);
  const name = field.name;
  const ev = base.ev;
  return c.fold(
    field.type,
    (row) => {
      const s = ev(row) as Record<string, unknown> | null | undefined;
      return s == null ? null : (s[name] ?? null);
    },
    base.constant,
  );
}

export function subscript(c: Compiler, e: Extract<Expr, { kind: 'Subscript' }>): CNode {
  const base = c.compile(e.base);
  const idx = c.compile(e.index);
  const bev = base.ev;
  if (base.type.kind === 'ARRAY') {
    if (idx.type.kind !== 'INTEGER' && idx.type.kind !== 'BIGINT' && idx.type.kind !== 'NULL')
      throw new AnalysisError(`Array index must be an INTEGER: ${formatExpression(e)} has index of type ${formatType(idx.type)}`, e.pos);
    const iev = idx.ev;
    return c.fold(
      base.type.element,
      (row) => {
        const a = bev(row) as unknown[] | null | undefined;
        if (a == null) return null;
        const i = iev(row) as number | null | undefined;
        if (i == null) return null;
        const at = i > 0 ? i - 1 : a.length + i;
        return at >= 0 && at < a.length ? (a[at] ?? null) : null;
      },
      base.constant && idx.constant,
    );
  }
  if (base.type.kind === 'MAP') {
    const key = c.toListType(idx, e.index, base.type.key);
    const kev = key.ev;
    return c.fold(
      base.type.value,
      (row) => {
        const m = bev(row) as Map<unknown, unknown> | null | undefined;
        if (m == null) return null;
        const k = kev(row);
        return k == null ? null : (m.get(k) ?? null);
      },
      base.constant && key.constant,
    );
  }
  throw new AnalysisError(`Subscript is only supported on ARRAY and MAP, but ${formatExpression(e.base)} is ${formatType(base.type)}`, e.pos);
}

// ------------------------------------------------------------------ constructors

export function arrayConstructor(c: Compiler, e: Extract<Expr, { kind: 'ArrayConstructor' }>): CNode {
  if (e.items.length === 0)
    throw new AnalysisError('Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).', e.pos);
  const nodes = e.items.map((x) => c.compile(x));
  const common = c.commonOf(e.items, nodes);
  if (!common)
    throw new AnalysisError(
      'Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.',
      e.pos,
    );
  const evs = nodes.map((n, i) => c.toCommon(n, e.items[i]!, common).ev);
  const len = evs.length;
  return c.fold(
    T.array(common),
    (row) => {
      const out = new Array<unknown>(len);
      for (let i = 0; i < len; i++) out[i] = evs[i]!(row) ?? null;
      return out;
    },
    nodes.every((n) => n.constant),
  );
}

export function mapConstructor(c: Compiler, e: Extract<Expr, { kind: 'MapConstructor' }>): CNode {
  if (e.entries.length === 0)
    throw new AnalysisError('Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).', e.pos);
  const keyExprs = e.entries.map((x) => x.key);
  const valExprs = e.entries.map((x) => x.value);
  const keys = keyExprs.map((x) => c.compile(x));
  const vals = valExprs.map((x) => c.compile(x));
  const kt = c.commonOf(keyExprs, keys);
  if (!kt) throw new AnalysisError('Cannot construct a map with all NULL keys', e.pos);
  const vt = c.commonOf(valExprs, vals);
  if (!vt) throw new AnalysisError('Cannot construct a map with all NULL values', e.pos);
  const kevs = keys.map((n, i) => c.toCommon(n, keyExprs[i]!, kt).ev);
  const vevs = vals.map((n, i) => c.toCommon(n, valExprs[i]!, vt).ev);
  const len = kevs.length;
  return c.fold(
    T.map(kt, vt),
    (row) => {
      const m = new Map<unknown, unknown>();
      for (let i = 0; i < len; i++) m.set(kevs[i]!(row) ?? null, vevs[i]!(row) ?? null);
      return m;
    },
    keys.every((n) => n.constant) && vals.every((n) => n.constant),
  );
}

export function structConstructor(c: Compiler, e: Extract<Expr, { kind: 'StructConstructor' }>): CNode {
  const seen = new Set<string>();
  for (const f of e.fields) {
    if (seen.has(f.name)) throw new AnalysisError(`Duplicate field names found in STRUCT: '${f.name}'`, e.pos);
    seen.add(f.name);
  }
  const nodes = e.fields.map((f) => c.compile(f.value));
  const names = e.fields.map((f) => f.name);
  const evs = nodes.map((n) => n.ev);
  const len = names.length;
  return c.fold(
    T.struct(names.map((name, i) => ({ name, type: nodes[i]!.type }))),
    (row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < len; i++) out[names[i]!] = evs[i]!(row) ?? null;
      return out;
    },
    nodes.every((n) => n.constant),
  );
}
