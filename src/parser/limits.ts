/**
 * Limits on what a statement may ask of the parser and of everything that walks its tree. The
 * parser, the analyzer, the compiler and the formatter are recursive: nesting deep enough would
 * overflow the JavaScript stack (a RangeError that crashes the request). So before parsing, one
 * linear scan of the text measures its bracket nesting (parentheses, brackets, CASE … END, type
 * brackets `ARRAY<`, EXPLAIN EXPLAIN …) and each statement's length; after parsing, one iterative
 * walk measures the tree's depth (chains without brackets: NOT NOT …, a AND b AND …, - - x).
 * Both are refused with a ParseError that names the limit and where it was exceeded.
 */
import { ParseError } from '../errors.js';
import type { Pos } from './ast.js';

export interface ParseLimits {
  /** Deepest nesting of brackets, CASEs and expression nodes in one statement. */
  readonly maxDepth: number;
  /** Longest statement, in characters (UTF-16 code units). */
  readonly maxLength: number;
}

export const MAX_DEPTH_PROPERTY = 'sluice.expression.max.depth';
export const MAX_LENGTH_PROPERTY = 'sluice.statement.max.length';

/**
 * 200 levels use under a third of Node's default stack in the parser (brackets are its costliest
 * construct: ~860 levels overflow it), which leaves room for the analyzer, the planner re-parsing
 * formatted text (a CASE formats as `(CASE …)`, two levels) and the server's own frames.
 * 256 KiB: the parser reads number-dense text at roughly 250 KB/s on a slow machine, and parsing
 * holds the event loop; ordinary statements are far shorter, long string literals parse fast.
 */
export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: 200, maxLength: 262_144 };

/** No limits: statements Sluice itself stored (command log replay) are read back as they are. */
export const NO_PARSE_LIMITS: ParseLimits = { maxDepth: Number.POSITIVE_INFINITY, maxLength: Number.POSITIVE_INFINITY };

/** The limits configured in engine/server properties; a missing or invalid value keeps the default. */
export function parseLimits(props: Readonly<Record<string, string | undefined>>): ParseLimits {
  return {
    maxDepth: positiveInteger(props[MAX_DEPTH_PROPERTY], DEFAULT_PARSE_LIMITS.maxDepth),
    maxLength: positiveInteger(props[MAX_LENGTH_PROPERTY], DEFAULT_PARSE_LIMITS.maxLength),
  };
}

function positiveInteger(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function depthError(limit: number, pos: Pos): ParseError {
  return new ParseError(
    `line ${pos.line}:${pos.column}: Expression nesting depth exceeds the limit of ${limit} (${MAX_DEPTH_PROPERTY})`,
    pos,
  );
}

const OPEN_PAREN = 1;
const OPEN_BRACKET = 2;
const OPEN_CASE = 3;
const OPEN_ANGLE = 4; // ARRAY< MAP< STRUCT<
const OPEN_EXPLAIN = 5;

/**
 * The tokens the scan needs, found by the regular expression engine (one pass; alternatives of
 * fixed tokens, so no backtracking): brackets, quotes, comment starts, `->` / `=>` (not type
 * closers), `;`, and the words that open or close nesting.
 */
const SIGNIFICANT = /[()[\];'"`>]|--|\/\*|->|=>|\b(?:CASE|END|EXPLAIN|ARRAY|MAP|STRUCT)\b/gi;

/**
 * The pre-parse scan: refuses a statement longer than maxLength or nested deeper than maxDepth.
 * Strings, quoted identifiers and comments are skipped as the grammar reads them; closers that do
 * not match are ignored (the parser reports those). Linear in the text's length.
 */
export function checkText(text: string, limits: ParseLimits): void {
  const { maxDepth, maxLength } = limits;
  if (text.length <= maxLength && text.length <= maxDepth) return; // too short to exceed either
  const stack: number[] = [];
  const n = text.length;
  let statementStart = 0;
  const re = new RegExp(SIGNIFICANT.source, 'gi');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const at = m.index;
    const token = m[0];
    let next = at + token.length;
    switch (token.charCodeAt(0)) {
      case 40: // (
      case 91: // [
        stack.push(token === '(' ? OPEN_PAREN : OPEN_BRACKET);
        break;
      case 41: // )
      case 93: // ]
        if (stack.length > 0 && stack[stack.length - 1] === (token === ')' ? OPEN_PAREN : OPEN_BRACKET)) stack.pop();
        break;
      case 62: // >
        if (stack.length > 0 && stack[stack.length - 1] === OPEN_ANGLE) stack.pop();
        break;
      case 59: // ;
        if (next - statementStart > maxLength) throw lengthError(maxLength, next - statementStart);
        stack.length = 0;
        statementStart = next;
        break;
      case 39: // ' " ` : to the closing quote; a doubled quote is the quote itself
      case 34:
      case 96:
        for (;;) {
          const close = text.indexOf(token, next);
          if (close < 0) {
            next = n;
            break;
          }
          if (text.charCodeAt(close + 1) !== token.charCodeAt(0)) {
            next = close + 1;
            break;
          }
          next = close + 2;
        }
        break;
      case 45: // -- (-> needs nothing)
        if (token === '--') {
          const nl = text.indexOf('\n', next);
          next = nl < 0 ? n : nl;
        }
        break;
      case 47: {
        // /* ... */
        const close = text.indexOf('*/', next);
        next = close < 0 ? n : close + 2;
        break;
      }
      case 61: // =>
        break;
      default: {
        const word = token.toUpperCase();
        if (word === 'CASE') stack.push(OPEN_CASE);
        else if (word === 'EXPLAIN') stack.push(OPEN_EXPLAIN);
        else if (word === 'END') {
          if (stack.length > 0 && stack[stack.length - 1] === OPEN_CASE) stack.pop();
        } else {
          // ARRAY / MAP / STRUCT open a type bracket when `<` follows
          let j = next;
          while (j < n && isSpace(text.charCodeAt(j))) j++;
          if (text.charCodeAt(j) === 60) {
            stack.push(OPEN_ANGLE);
            next = j + 1;
          }
        }
      }
    }
    if (stack.length > maxDepth) throw depthError(maxDepth, positionOf(text, at));
    re.lastIndex = next;
  }
  if (n - statementStart > maxLength) throw lengthError(maxLength, n - statementStart);
}

/** Line and column (1-based) of an offset; computed once, for the error. */
function positionOf(text: string, offset: number): Pos {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, offset };
}

function lengthError(limit: number, length: number): ParseError {
  return new ParseError(
    `Statement length of ${length} characters exceeds the limit of ${limit} (${MAX_LENGTH_PROPERTY})`,
    { line: 1, column: 1, offset: 0 },
  );
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/**
 * The tree's depth, counted in nodes (objects with a `kind`), iteratively. Refuses a tree deeper
 * than maxDepth before any recursive walk (qualifier checks, analysis, compilation) sees it.
 */
export function checkTreeDepth(root: unknown, maxDepth: number): void {
  if (!Number.isFinite(maxDepth)) return;
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    let depth = depths.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') (values.push(item), depths.push(depth));
      continue;
    }
    const node = value as { readonly kind?: unknown; readonly pos?: Pos; readonly [key: string]: unknown };
    if (typeof node.kind === 'string' && ++depth > maxDepth) throw depthError(maxDepth, node.pos ?? { line: 1, column: 1, offset: 0 });
    for (const key in node) {
      if (key === 'pos') continue;
      const child = node[key];
      if (child !== null && typeof child === 'object') (values.push(child), depths.push(depth));
    }
  }
}
