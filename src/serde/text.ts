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

/**
 * Long.parseLong: optional sign and ASCII digits, int64 range (the value kept as a JS number). The
 * range is checked on the digit count first: a megabyte of digits must not go through BigInt.
 */
export function parseJavaLong(s: string): number | undefined {
  if (!INT_TEXT.test(s)) return undefined;
  if (s.length > 18) {
    let i = s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45 ? 1 : 0;
    while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
    if (s.length - i > 19) return undefined;
    const b = BigInt(s);
    if (b > 9223372036854775807n || b < -9223372036854775808n) return undefined;
  }
  return Number(s);
}

const NUMBER_TOKEN = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The low `bits` bits of a JSON number token's integral part, as a signed number: Java's
 * BigDecimal/BigInteger intValue() (32) and longValue() (64), which is what Jackson gives ksqlDB
 * for an INTEGER or BIGINT column read from a number out of range (1e400 → 0, 2^64 + 1 → 1).
 * Linear in the token's length; no BigInt of the whole number.
 */
export function javaIntegralBits(token: string, bits: 32 | 64): number {
  const m = NUMBER_TOKEN.exec(token);
  if (m === null) return 0;
  let digits = m[2]! + (m[3] ?? '');
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  const shift = exp - (m[3] ?? '').length; // value = digits × 10^shift
  // 10^shift has 2^shift as a factor: with shift ≥ bits the low bits are all zero.
  if (shift >= bits) return 0;
  if (shift < 0) {
    if (-shift >= digits.length) return 0;
    digits = digits.slice(0, digits.length + shift);
  }
  const mask = (1n << BigInt(bits)) - 1n;
  let r = 0n;
  for (let i = 0; i < digits.length; i += 15) {
    const chunk = digits.slice(i, i + 15);
    r = (r * 10n ** BigInt(chunk.length) + BigInt(chunk)) & mask;
  }
  if (shift > 0) r = (r * 10n ** BigInt(shift)) & mask;
  if (m[1] === '-') r = -r & mask;
  return Number(BigInt.asIntN(bits, r));
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

/** Strict base64 (padding required), as Jackson's default variant expects. */
export function decodeBase64(s: string): Buffer | undefined {
  return isStrictBase64(s) ? Buffer.from(s, 'base64') : undefined;
}

/** A loop, not a regular expression: the regex overflowed V8's stack on values of a few megabytes. */
function isStrictBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  const pad = n === 0 ? 0 : s.charCodeAt(n - 1) !== 61 ? 0 : s.charCodeAt(n - 2) === 61 ? 2 : 1;
  for (let i = 0; i < n - pad; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)) return false;
  }
  return true;
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
