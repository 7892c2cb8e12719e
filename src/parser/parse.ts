/**
 * Entry points of the ksqlDB parser: scripts, single expressions and types. The grammar itself is
 * grammar/ksql.peggy (compiled by `npm run grammar` to ./generated/ksql-parser.js); this module
 * turns its failures into ParseError with ksqlDB-style messages and applies the checks ksqlDB
 * makes while building its AST (key constraints per source type, known source qualifiers).
 */
import { AnalysisError, ParseError } from '../errors.js';
import type { Expr, Pos, Statement, TypeNode } from './ast.js';
import { parse as pegParse, SyntaxError as PegSyntaxError } from './generated/ksql-parser.js';
import type { Expectation } from './generated/ksql-parser.js';
import { checkText, checkTreeDepth, DEFAULT_PARSE_LIMITS, MAX_DEPTH_PROPERTY, type ParseLimits } from './limits.js';

export interface ParseOptions {
  /** Also accept the assertion statements of ksqlDB's SQL test files (ASSERT VALUES/NULL VALUES/STREAM/TABLE). */
  readonly testStatements?: boolean;
  /** Nesting and length limits (limits.ts); default DEFAULT_PARSE_LIMITS. */
  readonly limits?: ParseLimits;
}

/**
 * Parses a script of `;`-terminated statements (the last `;` may be omitted). Each statement carries
 * its own text and its position in the script.
 */
export function parseStatements(text: string, options: ParseOptions = {}): Statement[] {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS;
  checkText(text, limits);
  const statements = run(text, 'Script', options) as Statement[];
  for (const statement of statements) {
    checkTreeDepth(statement, limits.maxDepth);
    validateStatement(statement);
  }
  return statements;
}

/** Parses exactly one statement. */
export function parseStatement(text: string, options: ParseOptions = {}): Statement {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS;
  checkText(text, limits);
  const statement = run(text, 'SingleStatementOnly', options) as Statement;
  checkTreeDepth(statement, limits.maxDepth);
  validateStatement(statement);
  return statement;
}

export function parseExpression(text: string): Expr {
  return run(text, 'SingleExpression', {}) as Expr;
}

export function parseType(text: string): TypeNode {
  return run(text, 'SingleType', {}) as TypeNode;
}

type StartRule = 'Script' | 'SingleStatementOnly' | 'SingleExpression' | 'SingleType';

function run(text: string, startRule: StartRule, options: ParseOptions): unknown {
  try {
    return pegParse(text, { startRule, testStatements: options.testStatements === true });
  } catch (e) {
    if (e instanceof PegSyntaxError) throw toParseError(e, text);
    // The last resort behind checkText: nesting it does not count (it cannot know every construct).
    if (isStackOverflow(e)) throw new ParseError(`Statement nesting is too deep to parse (${MAX_DEPTH_PROPERTY})`, ORIGIN);
    throw e;
  }
}

/** A JavaScript stack overflow (V8's RangeError), which nesting too deep for a recursive walk causes. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message.includes('call stack');
}

// ---------------------------------------------------------------------------------------------
// Error messages

function toParseError(e: PegSyntaxError, text: string): ParseError {
  const start = e.location.start;
  const pos: Pos = { line: start.line, column: start.column, offset: start.offset };
  // error() in a grammar action: a semantic failure with its own message.
  if (!Array.isArray(e.expected)) return new ParseError(e.message, pos);

  const expected = describeExpected(e.expected);
  const at = `${pos.line}:${pos.column}`;
  // Both of ksqlDB's wordings, so either can be matched.
  const message =
    `Syntax error at or near '${tokenAt(text, pos.offset)}' at line ${at}\n` +
    `line ${at}: Syntax Error` +
    (expected.length > 0 ? `\nExpecting {${expected.join(', ')}}` : '');
  return new ParseError(message, pos, expected);
}

/** Expected items as ksqlDB prints them: keywords and symbols quoted, then token classes. */
function describeExpected(expected: readonly Expectation[]): string[] {
  const literals = new Set<string>();
  const others = new Set<string>();
  for (const x of expected) {
    if (x.type === 'literal') literals.add(`'${x.ignoreCase ? x.text.toUpperCase() : x.text}'`);
    else if (x.type === 'other') others.add(x.description);
    else if (x.type === 'end') others.add('<EOF>');
  }
  return [...[...literals].sort(), ...[...others].sort()];
}

const WORD = /^[A-Za-z0-9_@$]+/;
const QUOTED = /^('(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?)/;
const OPERATOR = /^(<>|!=|<=|>=|->|=>|:=|\|\|)/;

/** The token starting at `offset`, for "Syntax error at or near '...'". */
function tokenAt(text: string, offset: number): string {
  if (offset >= text.length) return '<EOF>';
  const rest = text.slice(offset, offset + 200);
  const m = WORD.exec(rest) ?? QUOTED.exec(rest) ?? OPERATOR.exec(rest);
  return m ? m[0] : rest[0]!;
}

// ---------------------------------------------------------------------------------------------
// Checks ksqlDB makes while building its AST

function validateStatement(statement: Statement): void {
  if (statement.kind === 'CreateSource') checkKeyConstraints(statement.sourceType, statement.columns);
  checkQualifiers(statement);
}

function checkKeyConstraints(
  sourceType: 'STREAM' | 'TABLE',
  columns: readonly { readonly name: string; readonly constraint?: unknown; readonly pos?: Pos }[],
): void {
  for (const column of columns) {
    const where = column.pos ? `Line: ${column.pos.line}, Col: ${column.pos.column}: ` : '';
    if (sourceType === 'TABLE' && column.constraint === 'KEY') {
      throw new ParseError(
        `${where}Column \`${column.name}\` is a 'KEY' column: please use 'PRIMARY KEY' for tables.`,
        column.pos ?? ORIGIN,
      );
    }
    if (sourceType === 'STREAM' && column.constraint === 'PRIMARY_KEY') {
      throw new ParseError(
        `${where}Column \`${column.name}\` is a 'PRIMARY KEY' column: please use 'KEY' for streams.`,
        column.pos ?? ORIGIN,
      );
    }
  }
}

const ORIGIN: Pos = { line: 1, column: 1, offset: 0 };

/**
 * ksqlDB rejects `X.col` and `X.*` when X names no source (or alias) of the statement, before any
 * analysis: "'X' is not a valid stream/table name or alias."
 */
function checkQualifiers(statement: Statement): void {
  const sources = new Set<string>();
  const qualified: { source: string; pos?: Pos }[] = [];
  walk(statement, (node) => {
    if (node.kind === 'Source') {
      sources.add(node.name as string);
      if (typeof node.alias === 'string') sources.add(node.alias);
    } else if ((node.kind === 'ColumnRef' || node.kind === 'Star') && typeof node.source === 'string') {
      qualified.push({ source: node.source, pos: node.pos as Pos | undefined });
    }
  });
  for (const ref of qualified) {
    if (!sources.has(ref.source)) {
      throw new AnalysisError(`Failed to prepare statement: '${ref.source}' is not a valid stream/table name or alias.`, ref.pos);
    }
  }
}

type Node = { readonly kind?: unknown; readonly [key: string]: unknown };

function walk(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (value !== null && typeof value === 'object') {
    const node = value as Node;
    if (typeof node.kind === 'string') visit(node);
    for (const key of Object.keys(node)) {
      if (key !== 'pos' && key !== 'type' && key !== 'text') walk(node[key], visit);
    }
  }
}
