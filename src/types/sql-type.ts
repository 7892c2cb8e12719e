/**
 * SQL types of the ksqlDB dialect and the JavaScript representation of their values.
 *
 * Runtime value representation (every module relies on it — keep it in sync):
 *   BOOLEAN   -> boolean
 *   INTEGER   -> number (int32 range)
 *   BIGINT    -> number (integral; precision beyond 2^53 is not kept — a deliberate speed trade-off)
 *   DOUBLE    -> number
 *   DECIMAL   -> Decimal (src/types/decimal.ts)
 *   STRING    -> string
 *   BYTES     -> Buffer
 *   DATE      -> number, days since the epoch
 *   TIME      -> number, milliseconds since midnight
 *   TIMESTAMP -> number, milliseconds since the epoch (UTC)
 *   ARRAY     -> unknown[]
 *   MAP       -> Map<key, value>
 *   STRUCT    -> plain object keyed by field name as declared (e.g. { A: 1, B: 'x' }), fields in schema order
 *   NULL      -> null (never undefined)
 */

export type PrimitiveKind =
  | 'BOOLEAN'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'STRING'
  | 'BYTES'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP';

export interface PrimitiveType {
  readonly kind: PrimitiveKind;
}
export interface DecimalType {
  readonly kind: 'DECIMAL';
  readonly precision: number;
  readonly scale: number;
}
export interface ArrayType {
  readonly kind: 'ARRAY';
  readonly element: SqlType;
}
export interface MapType {
  readonly kind: 'MAP';
  readonly key: SqlType;
  readonly value: SqlType;
}
export interface StructField {
  readonly name: string;
  readonly type: SqlType;
}
export interface StructType {
  readonly kind: 'STRUCT';
  readonly fields: readonly StructField[];
}
/** Type of a lambda parameter/body while resolving higher-order functions; never a column type. */
export interface LambdaType {
  readonly kind: 'LAMBDA';
  readonly params: readonly SqlType[];
  readonly returns: SqlType;
}
/** The type of a bare NULL literal before it is coerced by context. */
export interface NullType {
  readonly kind: 'NULL';
}

export type SqlType = PrimitiveType | DecimalType | ArrayType | MapType | StructType | LambdaType | NullType;

const prim = (kind: PrimitiveKind): PrimitiveType => Object.freeze({ kind });
export const T = {
  BOOLEAN: prim('BOOLEAN'),
  INTEGER: prim('INTEGER'),
  BIGINT: prim('BIGINT'),
  DOUBLE: prim('DOUBLE'),
  STRING: prim('STRING'),
  BYTES: prim('BYTES'),
  DATE: prim('DATE'),
  TIME: prim('TIME'),
  TIMESTAMP: prim('TIMESTAMP'),
  NULL: Object.freeze({ kind: 'NULL' }) as NullType,
  decimal: (precision: number, scale: number): DecimalType => ({ kind: 'DECIMAL', precision, scale }),
  array: (element: SqlType): ArrayType => ({ kind: 'ARRAY', element }),
  map: (key: SqlType, value: SqlType): MapType => ({ kind: 'MAP', key, value }),
  struct: (fields: readonly StructField[]): StructType => ({ kind: 'STRUCT', fields }),
} as const;

export function isNumeric(t: SqlType): boolean {
  return t.kind === 'INTEGER' || t.kind === 'BIGINT' || t.kind === 'DOUBLE' || t.kind === 'DECIMAL';
}

export function isPrimitive(t: SqlType): t is PrimitiveType {
  switch (t.kind) {
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT':
    case 'DECIMAL':
    case 'LAMBDA':
    case 'NULL':
      return false;
    default:
      return true;
  }
}

/** Structural type equality (struct field names compared exactly). */
export function typeEquals(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'DECIMAL':
      return a.precision === (b as DecimalType).precision && a.scale === (b as DecimalType).scale;
    case 'ARRAY':
      return typeEquals(a.element, (b as ArrayType).element);
    case 'MAP':
      return typeEquals(a.key, (b as MapType).key) && typeEquals(a.value, (b as MapType).value);
    case 'STRUCT': {
      const bf = (b as StructType).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => f.name === bf[i]!.name && typeEquals(f.type, bf[i]!.type));
    }
    case 'LAMBDA': {
      const bl = b as LambdaType;
      return a.params.length === bl.params.length && a.params.every((p, i) => typeEquals(p, bl.params[i]!)) && typeEquals(a.returns, bl.returns);
    }
    default:
      return true;
  }
}

/** Quote an identifier as ksqlDB does in schema text: back-quoted when it is not a plain upper-case identifier. */
export function quoteIdentifierIfNeeded(name: string): string {
  return /^[A-Z_][A-Z0-9_@]*$/.test(name) && !RESERVED_IN_SCHEMA.has(name) ? name : '`' + name.replace(/`/g, '``') + '`';
}
const RESERVED_IN_SCHEMA = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'KEY', 'NULL', 'TRUE', 'FALSE']);

/**
 * ksqlDB's SQL text for a type, as it appears in DESCRIBE output and schema strings:
 * INTEGER, BIGINT, DECIMAL(4, 2), ARRAY<STRING>, MAP<STRING, INTEGER>, STRUCT<`A` INTEGER, ...>.
 * Struct field names are always back-quoted, as ksqlDB's SqlStruct.toString does.
 */
export function formatType(t: SqlType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${formatType(t.element)}>`;
    case 'MAP':
      return `MAP<${formatType(t.key)}, ${formatType(t.value)}>`;
    case 'STRUCT':
      return `STRUCT<${t.fields.map((f) => '`' + f.name + '` ' + formatType(f.type)).join(', ')}>`;
    case 'LAMBDA':
      return `LAMBDA<(${t.params.map(formatType).join(', ')}) => ${formatType(t.returns)}>`;
    case 'NULL':
      return 'NULL';
    case 'STRING':
      return 'STRING';
    default:
      return t.kind;
  }
}

/** Widening order of numeric types for implicit casts: INTEGER < BIGINT < DECIMAL < DOUBLE. */
export function numericRank(t: SqlType): number {
  switch (t.kind) {
    case 'INTEGER':
      return 1;
    case 'BIGINT':
      return 2;
    case 'DECIMAL':
      return 3;
    case 'DOUBLE':
      return 4;
    default:
      return 0;
  }
}
