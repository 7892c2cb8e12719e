/**
 * The common type of a user-written list of expressions — IN lists, ARRAY[...] / MAP(...) items,
 * CASE results — as ksqlDB's CoercionUtil: the first typed item sets the type, later items widen
 * it (numbers widen, structs take the union of fields, constructors are resolved element-wise),
 * string literals may stand for numbers / booleans / dates when the list is of that type.
 * Literals are then converted at plan time and other expressions get an implicit CAST.
 */
import { AnalysisError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { Decimal } from '../types/decimal.js';
import { T, formatType, isNumeric, typeEquals, type SqlType, type StructField } from '../types/sql-type.js';
import { castValue, toJavaString } from './cast.js';
import { coerceType, isTemporal, parseBooleanLax, widenDecimal, widerNumeric } from './coerce.js';
import { formatExpression } from './format.js';

export interface TypedItem {
  readonly expr: Expr;
  /** NULL kind for a bare NULL literal. */
  readonly type: SqlType;
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

export function isLiteral(e: Expr): boolean {
  switch (e.kind) {
    case 'NullLiteral':
    case 'BooleanLiteral':
    case 'IntegerLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'DoubleLiteral':
    case 'StringLiteral':
    case 'BytesLiteral':
    case 'TypedLiteral':
      return true;
    default:
      return false;
  }
}

/** The common type of the items, or undefined when all are NULL literals. Throws AnalysisError. */
export function resolveCommonType(items: readonly TypedItem[], typeOf: (e: Expr) => SqlType): SqlType | undefined {
  let common: SqlType | undefined;
  for (const it of items) common = step(it, common, typeOf);
  return common;
}

function baseName(t: SqlType): string {
  return t.kind;
}

function invalidSyntax(value: string, target: SqlType): AnalysisError {
  return new AnalysisError(`invalid input syntax for type ${baseName(target)}: "${value}".`);
}

function coercionFailure(it: TypedItem, target: SqlType): AnalysisError {
  return new AnalysisError(
    `operator does not exist: ${formatType(target)} = ${formatType(it.type)} (${formatExpression(it.expr)})\nHint: You might need to add explicit type casts.`,
  );
}

function step(it: TypedItem, common: SqlType | undefined, typeOf: (e: Expr) => SqlType): SqlType | undefined {
  if (!common || common.kind === 'NULL') return it.type.kind === 'NULL' ? undefined : it.type;
  if (it.type.kind === 'NULL') return common;
  const e = it.expr;
  if (e.kind === 'ArrayConstructor') {
    if (common.kind !== 'ARRAY') throw coercionFailure(it, common);
    return T.array(structured(common.element, e.items, typeOf, it, common));
  }
  if (e.kind === 'MapConstructor') {
    if (common.kind !== 'MAP') throw coercionFailure(it, common);
    const k = structured(common.key, e.entries.map((x) => x.key), typeOf, it, common);
    const v = structured(common.value, e.entries.map((x) => x.value), typeOf, it, common);
    return T.map(k, v);
  }
  if (e.kind === 'StructConstructor') {
    if (common.kind !== 'STRUCT') throw coercionFailure(it, common);
    const names = [...new Set([...e.fields.map((f) => f.name), ...common.fields.map((f) => f.name)])];
    const fields: StructField[] = names.map((name) => {
      const src = e.fields.find((f) => f.name === name);
      const tgt = common.fields.find((f) => f.name === name);
      if (!src) return { name, type: tgt!.type };
      const srcType = typeOf(src.value);
      if (!tgt) return { name, type: srcType };
      return { name, type: wrap(() => step({ expr: src.value, type: srcType }, tgt.type, typeOf), it, common) ?? tgt.type };
    });
    return T.struct(fields);
  }
  if (e.kind === 'StringLiteral') {
    if (isNumeric(common)) return numericFromString(e.value, common);
    if (common.kind === 'BOOLEAN') {
      if (parseBooleanLax(e.value) === undefined) throw invalidSyntax(e.value, common);
      return common;
    }
    if (isTemporal(common)) {
      try {
        castValue(e.value, T.STRING, common);
      } catch {
        throw invalidSyntax(e.value, common);
      }
      return common;
    }
  }
  const lax = isLiteral(e);
  const c = coerceLax(it.type, common, lax) ?? coerceLax(common, it.type, lax);
  if (!c) throw coercionFailure(it, common);
  return c;
}

/** Coercion of an item to `to`; literals may also become STRING. */
function coerceLax(from: SqlType, to: SqlType, lax: boolean): SqlType | undefined {
  if (isNumeric(from) && isNumeric(to)) {
    const w = widerNumeric(from, to);
    return typeEquals(w, to) || (w.kind === 'DECIMAL' && to.kind === 'DECIMAL') ? w : undefined;
  }
  const c = coerceType(from, to);
  if (c) return c;
  if (lax && to.kind === 'STRING' && (isNumeric(from) || from.kind === 'BOOLEAN')) return to;
  return undefined;
}

/** Element-wise common type inside a constructor; inner coercion failures are reported against the whole constructor. */
function structured(target: SqlType, exprs: readonly Expr[], typeOf: (e: Expr) => SqlType, outer: TypedItem, outerCommon: SqlType): SqlType {
  return wrap(() => {
    let c: SqlType | undefined = target;
    for (const x of exprs) c = step({ expr: x, type: typeOf(x) }, c, typeOf);
    return c ?? target;
  }, outer, outerCommon)!;
}

function wrap<R>(f: () => R, outer: TypedItem, outerCommon: SqlType): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof AnalysisError && e.message.startsWith('operator does not exist')) throw coercionFailure(outer, outerCommon);
    throw e;
  }
}

/** The type a numeric string literal has when it meets a numeric list type. */
function numericFromString(value: string, target: SqlType): SqlType {
  let d: Decimal;
  try {
    d = Decimal.parse(value.trim());
  } catch {
    throw invalidSyntax(value, target);
  }
  let source: SqlType;
  if (!/[.eE]/.test(value) && d.scale === 0) {
    const bi = d.unscaled;
    source = bi > INT_MIN && bi < INT_MAX ? T.INTEGER : bi > LONG_MIN && bi < LONG_MAX ? T.BIGINT : decimalOf(d);
  } else source = decimalOf(d);
  if (source.kind === 'DOUBLE' || target.kind === 'DOUBLE') return T.DOUBLE;
  if (source.kind === 'DECIMAL' || target.kind === 'DECIMAL') return widenDecimal(source, target);
  return widerNumeric(source, target);
}

/** The DECIMAL type of a value: its digits and scale (ksqlDB's DecimalUtil.fromValue). */
export function decimalOf(d: Decimal): SqlType {
  const scale = Math.max(d.scale, 0);
  return T.decimal(Math.max(d.precision(), scale, 1), scale);
}

/** Converts a literal's value to the list type at plan time (literal-lax rules). */
export function convertLiteral(value: unknown, from: SqlType, to: SqlType): unknown {
  if (value === null) return null;
  if (to.kind === 'STRING' && from.kind !== 'STRING') return toJavaString(value, from);
  if (from.kind === 'STRING' && isNumeric(to)) return castValue(Decimal.parse((value as string).trim()), decimalOf(Decimal.parse((value as string).trim())), to);
  if (from.kind === 'STRING' && to.kind === 'BOOLEAN') return parseBooleanLax(value as string) ?? null;
  return castValue(value, from, to);
}
