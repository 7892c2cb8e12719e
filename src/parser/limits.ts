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
 */
export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: 200, maxLength: 1_000_000 };

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

const enum Open {
  Paren = 1,
  Bracket = 2,
  Case = 3,
  TypeAngle = 4,
  Explain = 5,
}

/**
 * The pre-parse scan: refuses a statement longer than maxLength or nested deeper than maxDepth.
 * Strings, quoted identifiers and comments are skipped as the grammar reads them; closers that do
 * not match are ignored (the parser reports those).
 */
export function checkText(text: string, limits: ParseLimits): void {
  const { maxDepth, maxLength } = limits;
  if (text.length <= maxLength && text.length <= maxDepth) return; // too short to exceed either
  const stack: Open[] = [];
  let statementStart = 0;
  let line = 1;
  let lineStart = 0;
  const posAt = (offset: number): Pos => ({ line, column: offset - lineStart + 1, offset });
  const push = (kind: Open, at: number): void => {
    stack.push(kind);
    if (stack.length > maxDepth) throw depthError(maxDepth, posAt(at));
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = ++i;
    } else if (c === 39 || c === 34 || c === 96) {
      // 'string', "identifier", `identifier`; a doubled quote is the quote itself
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === c) {
          if (text.charCodeAt(i + 1) === c) i += 2;
          else break;
        } else {
          if (d === 10) {
            line++;
            lineStart = i + 1;
          }
          i++;
        }
      }
      i++;
    } else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = text.indexOf('\n', i); j >= 0 && j < stop; j = text.indexOf('\n', j + 1)) {
        line++;
        lineStart = j + 1;
      }
      i = stop;
    } else if (c === 40 || c === 91) {
      push(c === 40 ? Open.Paren : Open.Bracket, i);
      i++;
    } else if (c === 41 || c === 93) {
      if (stack.length > 0 && stack[stack.length - 1] === (c === 41 ? Open.Paren : Open.Bracket)) stack.pop();
      i++;
    } else if ((c === 45 || c === 61) && text.charCodeAt(i + 1) === 62) {
      i += 2; // -> and =>, not a closing type bracket
    } else if (c === 62) {
      if (stack.length > 0 && stack[stack.length - 1] === Open.TypeAngle) stack.pop();
      i++;
    } else if (c === 59) {
      if (i + 1 - statementStart > maxLength) throw lengthError(maxLength, i + 1 - statementStart);
      stack.length = 0;
      statementStart = ++i;
    } else if (isWordStart(c)) {
      const start = i;
      while (i < n && isWordPart(text.charCodeAt(i))) i++;
      if (i - start <= 7) {
        const word = text.slice(start, i).toUpperCase();
        if (word === 'CASE' || word === 'EXPLAIN') push(word === 'CASE' ? Open.Case : Open.Explain, start);
        else if (word === 'END') {
          if (stack.length > 0 && stack[stack.length - 1] === Open.Case) stack.pop();
        } else if (word === 'ARRAY' || word === 'MAP' || word === 'STRUCT') {
          let j = i;
          while (j < n && isSpace(text.charCodeAt(j))) j++;
          if (text.charCodeAt(j) === 60) push(Open.TypeAngle, start);
        }
      }
    } else i++;
  }
  if (n - statementStart > maxLength) throw lengthError(maxLength, n - statementStart);
}

function lengthError(limit: number, length: number): ParseError {
  return new ParseError(
    `Statement length of ${length} characters exceeds the limit of ${limit} (${MAX_LENGTH_PROPERTY})`,
    { line: 1, column: 1, offset: 0 },
  );
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 48 && c <= 57) || c === 64;

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
