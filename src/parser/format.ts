/**
 * SQL text of expressions and types as ksqlDB's ExpressionFormatter prints them. ksqlDB uses this
 * text in error messages, EXPLAIN output and as the name of some generated columns, so the shape
 * matters: binary operators and predicates are parenthesised (`(A > 100)`), `||` prints as
 * `CONCAT(A, B)`, literals print as ksqlDB's literal classes do (`null`, `true`, `1.5E3`).
 */
import type { Expr, TypeNode } from './ast.js';

export interface FormatOptions {
  /** Names for which this returns true are printed back-quoted (ksqlDB's FormatOptions). Default: none. */
  readonly quote?: (name: string) => boolean;
  /**
   * Text that parses back to the same expression (stored query plans): identifiers quoted when they
   * need it, negated predicates as `x NOT IN (...)` (ksqlDB prints `(NOT (x IN (...)))`, which means
   * something else for NULL), typed and bytes literals as written.
   */
  readonly exact?: boolean;
}

const NEVER = (): boolean => false;

export function formatExpression(e: Expr, options: FormatOptions = {}): string {
  return new Formatter(options.exact ? needsQuotes : (options.quote ?? NEVER), options.exact === true).expr(e);
}

export function formatType(t: TypeNode, options: FormatOptions = {}): string {
  return new Formatter(options.exact ? needsQuotes : (options.quote ?? NEVER), options.exact === true).type(t);
}

/** Words the grammar does not accept as bare identifiers (grammar/ksql.peggy, RESERVED). */
const RESERVED = new Set([
  'SELECT', 'FROM', 'AS', 'ALL', 'DISTINCT', 'WHERE', 'WITHIN', 'WINDOW', 'GROUP', 'BY', 'HAVING',
  'LIMIT', 'AT', 'OR', 'AND', 'IN', 'NOT', 'EXISTS', 'BETWEEN', 'LIKE', 'IS', 'NULL', 'TRUE',
  'FALSE', 'MILLISECOND', 'YEARS', 'MONTHS', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS',
  'MILLISECONDS', 'TUMBLING', 'HOPPING', 'SIZE', 'ADVANCE', 'RETENTION', 'CASE', 'WHEN', 'THEN',
  'ELSE', 'END', 'JOIN', 'FULL', 'OUTER', 'INNER', 'LEFT', 'RIGHT', 'ON', 'WITH', 'VALUES',
  'CREATE', 'TABLE', 'TOPIC', 'STREAM', 'STREAMS', 'INSERT', 'DELETE', 'INTO', 'DESCRIBE',
  'EXTENDED', 'PRINT', 'CAST', 'LIST', 'TOPICS', 'QUERY', 'QUERIES', 'TERMINATE', 'LOAD', 'DROP',
  'TO', 'RENAME', 'SAMPLE', 'EXPORT', 'CATALOG', 'PROPERTIES', 'BEGINNING', 'UNSET', 'RUN',
  'SCRIPT', 'DECIMAL', 'CONNECTOR', 'CONNECTORS', 'NAMESPACE', 'MATERIALIZED', 'VIEW',
]);

/** Whether an identifier must be back-quoted to read back as itself (lower case, symbols, reserved words). */
export function needsQuotes(name: string): boolean {
  return !/^[A-Z_][A-Z0-9_@]*$/.test(name) || RESERVED.has(name);
}

class Formatter {
  constructor(
    private readonly quote: (name: string) => boolean,
    private readonly exact: boolean,
  ) {}

  private name(n: string): string {
    return this.quote(n) ? '`' + n.replace(/`/g, '``') + '`' : n;
  }

  private list(items: readonly Expr[]): string {
    return items.map((x) => this.expr(x)).join(', ');
  }

  private binary(op: string, left: Expr, right: Expr): string {
    return `(${this.expr(left)} ${op} ${this.expr(right)})`;
  }

  /**
   * A negatable predicate `(value KEYWORD rest)`: `(NOT (x IN ...))` as ksqlDB prints it; in exact text
   * the negation stays inside, `(x NOT IN ...)`.
   */
  private predicate(not: boolean, value: Expr, keyword: string, rest: string): string {
    const v = this.expr(value);
    if (not && this.exact) return `(${v} NOT ${keyword} ${rest})`;
    const text = `(${v} ${keyword} ${rest})`;
    return not ? `(NOT ${text})` : text;
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'NullLiteral':
        return 'null';
      case 'BooleanLiteral':
        return String(e.value);
      case 'IntegerLiteral':
        return String(e.value);
      case 'BigIntLiteral':
        return BigInt(e.text).toString();
      case 'DecimalLiteral':
        return formatDecimal(e.text);
      case 'DoubleLiteral':
        return formatDouble(e.value);
      case 'StringLiteral':
        return quoteString(e.value);
      case 'BytesLiteral':
        return this.exact ? `X'${e.hex}'` : formatBytes(e.hex);
      case 'TypedLiteral':
        return this.exact ? `${e.type} ${quoteString(e.value)}` : e.value;
      case 'IntervalLiteral':
        return `${e.value} ${e.unit}`;
      case 'IntervalUnit':
        return e.unit;
      case 'ColumnRef':
        return e.source === undefined ? this.name(e.name) : `${this.name(e.source)}.${this.name(e.name)}`;
      case 'Dereference':
        return `${this.expr(e.base)}->${this.name(e.field)}`;
      case 'Subscript':
        return `${this.expr(e.base)}[${this.expr(e.index)}]`;
      case 'FunctionCall':
        return `${this.name(e.name)}(${this.list(e.args)})`;
      case 'Lambda':
        return `(${e.params.map((p) => this.name(p)).join(', ')}) => ${this.expr(e.body)}`;
      case 'LambdaVariable':
        return this.name(e.name);
      case 'Cast':
        return `CAST(${this.expr(e.expr)} AS ${this.type(e.type)})`;
      case 'CaseExpr': {
        const parts = ['CASE'];
        if (e.operand !== undefined) parts.push(this.expr(e.operand));
        for (const w of e.whens) parts.push(`WHEN ${this.expr(w.when)} THEN ${this.expr(w.then)}`);
        if (e.else !== undefined) parts.push('ELSE', this.expr(e.else));
        parts.push('END');
        return `(${parts.join(' ')})`;
      }
      case 'Between':
        return this.predicate(e.not, e.value, 'BETWEEN', `${this.expr(e.low)} AND ${this.expr(e.high)}`);
      case 'InList':
        return this.predicate(e.not, e.value, 'IN', `(${this.list(e.list)})`);
      case 'Like': {
        const escape = e.escape === undefined ? '' : ` ESCAPE ${quoteString(e.escape)}`;
        return this.predicate(e.not, e.value, 'LIKE', `${this.expr(e.pattern)}${escape}`);
      }
      case 'IsNull':
        return `(${this.expr(e.value)} IS ${e.not ? 'NOT ' : ''}NULL)`;
      case 'IsDistinctFrom':
        if (e.not && this.exact) return this.binary('IS NOT DISTINCT FROM', e.left, e.right);
        return e.not ? `(NOT ${this.binary('IS DISTINCT FROM', e.left, e.right)})` : this.binary('IS DISTINCT FROM', e.left, e.right);
      case 'Comparison':
        return this.binary(e.op, e.left, e.right);
      case 'Arithmetic':
        // ksqlDB turns `a || b` into CONCAT(a, b) while parsing.
        return e.op === '||' ? `CONCAT(${this.expr(e.left)}, ${this.expr(e.right)})` : this.binary(e.op, e.left, e.right);
      case 'Negation': {
        const value = this.expr(e.value);
        // A space keeps "- -1" from reading as a comment.
        return value.startsWith('-') ? `- ${value}` : `-${value}`;
      }
      case 'Not':
        return `(NOT ${this.expr(e.value)})`;
      case 'LogicalBinary':
        return this.binary(e.op, e.left, e.right);
      case 'ArrayConstructor':
        return `ARRAY[${this.list(e.items)}]`;
      case 'MapConstructor':
        return `MAP(${e.entries.map((x) => `${this.expr(x.key)}:=${this.expr(x.value)}`).join(', ')})`;
      case 'StructConstructor':
        return `STRUCT(${e.fields.map((f) => `${this.name(f.name)}:=${this.expr(f.value)}`).join(', ')})`;
      case 'Star':
        if (e.base !== undefined) return `${this.expr(e.base)}->*`;
        return e.source === undefined ? '*' : `${this.name(e.source)}.*`;
    }
  }

  type(t: TypeNode): string {
    switch (t.kind) {
      case 'PrimitiveTypeNode':
        return t.name;
      case 'DecimalTypeNode':
        return `DECIMAL(${t.precision}, ${t.scale})`;
      case 'ArrayTypeNode':
        return `ARRAY<${this.type(t.element)}>`;
      case 'MapTypeNode':
        return `MAP<${this.type(t.key)}, ${this.type(t.value)}>`;
      case 'StructTypeNode':
        return `STRUCT<${t.fields.map((f) => `${this.name(f.name)} ${this.type(f.type)}`).join(', ')}>`;
      case 'CustomTypeNode':
        return t.name;
    }
  }
}

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Java's ICU scientific notation with the shortest exact digits: 1500 -> 1.5E3, 0.01 -> 1E-2. */
export function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '-∞';
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  return `${mantissa}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** BigDecimal.toString of a literal as written: 00.50 -> 0.50, .5 -> 0.5, 5. -> 5, 0.0000001 -> 1E-7. */
export function formatDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (m === null) return text; // exponent forms: leave as written
  const sign = m[1] === '-' ? '-' : '';
  const fraction = m[3] ?? '';
  const unscaled = ((m[2] ?? '') + fraction).replace(/^0+(?=\d)/, '') || '0';
  const scale = fraction.length;
  const adjusted = unscaled.length - 1 - scale;
  if (adjusted >= -6) {
    if (scale === 0) return sign + unscaled;
    const padded = unscaled.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  const digits = unscaled.length > 1 ? `${unscaled[0]}.${unscaled.slice(1)}` : unscaled;
  return `${sign}${digits}E${adjusted}`;
}

/** ksqlDB prints a BYTES literal as the Java expression that builds it. */
function formatBytes(hex: string): string {
  const bytes: number[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = parseInt(hex.slice(i, i + 2), 16);
    bytes.push(b > 127 ? b - 256 : b);
  }
  return `ByteBuffer.wrap(new byte[]{${bytes.join(',')}})`;
}
