/**
 * Text forms shared by the formats, matching what ksqlDB's JVM libraries print: Java's
 * Double.toString (Jackson and Commons CSV both print doubles that way), BigDecimal.toString (the
 * text Jackson gives a JSON number read into a STRING column), and the strict number grammars of
 * Integer.parseInt / Long.parseLong / Double.parseDouble / new BigDecimal(...).
 */
import { formatType, type SqlType } from '../types/sql-type.js';
import type { Column } from '../types/schema.js';

export { javaDoubleString as javaDouble } from '../types/java-text.js';

const INT_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[\x00-\x20]*[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)[\x00-\x20]*$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Integer.parseInt: optional sign and ASCII digits, int32 range; else undefined. */
export function parseJavaInt(s: string): number | undefined {
  if (!INT_TEXT.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/** Long.parseLong: optional sign and ASCII digits, int64 range (the value kept as a JS number). */
export function parseJavaLong(s: string): number | undefined {
  if (!INT_TEXT.test(s)) return undefined;
  if (s.length > 18) {
    const b = BigInt(s);
    if (b > 9223372036854775807n || b < -9223372036854775808n) return undefined;
  }
  return Number(s);
}

/** Double.parseDouble: surrounding control/space chars allowed, NaN/Infinity, f/d suffix. */
export function parseJavaDouble(s: string): number | undefined {
  if (!DOUBLE_TEXT.test(s)) return undefined;
  const t = s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
  const last = t.charCodeAt(t.length - 1);
  // f/F/d/D suffix (Infinity ends in 'y', NaN in 'N').
  return Number(last === 102 || last === 70 || last === 100 || last === 68 ? t.slice(0, -1) : t);
}

export function isDecimalText(s: string): boolean {
  return DECIMAL_TEXT.test(s);
}

/**
 * BigDecimal.toString of a JSON number token (Jackson reads non-integral numbers as BigDecimal):
 * "1.50" stays "1.50", "1e3" becomes "1E+3", "0.0000001" becomes "1E-7". Integral tokens keep their
 * digits ("-0" becomes "0").
 */
export function jsonNumberText(token: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!m) return token;
  const neg = m[1] === '-';
  const frac = m[3] ?? '';
  if (m[3] === undefined && m[4] === undefined) {
    const digits = m[2]!.replace(/^0+(?=\d)/, '');
    return neg && digits !== '0' ? '-' + digits : digits;
  }
  let unscaled = (m[2]! + frac).replace(/^0+(?=\d)/, '');
  const scale = frac.length - (m[4] ? parseInt(m[4], 10) : 0);
  const sign = neg && /[1-9]/.test(unscaled) ? '-' : '';
  const adjusted = -scale + (unscaled.length - 1);
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + unscaled;
    if (unscaled.length <= scale) unscaled = '0'.repeat(scale - unscaled.length + 1) + unscaled;
    const cut = unscaled.length - scale;
    return sign + unscaled.slice(0, cut) + '.' + unscaled.slice(cut);
  }
  const mant = unscaled.length > 1 ? unscaled[0] + '.' + unscaled.slice(1) : unscaled;
  return sign + mant + 'E' + (adjusted > 0 ? '+' : '') + adjusted;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (padding required), as Jackson's default variant expects. */
export function decodeBase64(s: string): Buffer | undefined {
  return BASE64.test(s) ? Buffer.from(s, 'base64') : undefined;
}

/** "`K` INTEGER KEY" / "`V` STRING": ksqlDB's column text in format error messages. */
export function columnText(c: Column, isKey: boolean): string {
  return '`' + c.name + '` ' + formatType(c.type) + (isKey ? ' KEY' : '');
}

export function columnsText(columns: readonly Column[], isKey: boolean): string {
  return '[' + columns.map((c) => columnText(c, isKey)).join(', ') + ']';
}

/** Type name as ksqlDB's SqlSchemaFormatter prints a Connect schema in JSON coercion errors. */
export function connectTypeText(t: SqlType): string {
  switch (t.kind) {
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return 'INT';
    case 'STRING':
      return 'VARCHAR';
    case 'TIMESTAMP':
      return 'BIGINT';
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${connectTypeText(t.element)}>`;
    case 'MAP':
      return `MAP<${connectTypeText(t.key)}, ${connectTypeText(t.value)}>`;
    case 'STRUCT':
      return `STRUCT<${t.fields.map((f) => '`' + f.name + '` ' + connectTypeText(f.type)).join(', ')}>`;
    default:
      return t.kind;
  }
}
