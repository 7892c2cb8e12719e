/**
 * Regular-expression functions (Java regex syntax, see java-regex.ts): REGEXP_EXTRACT,
 * REGEXP_EXTRACT_ALL, REGEXP_REPLACE, REGEXP_SPLIT_TO_ARRAY.
 */
import { T } from '../../types/sql-type.js';
import type { ScalarFunction } from '../types.js';
import { groupCount, javaRegex, javaReplaceAll } from './java-regex.js';
import { p } from './support.js';

const groupCounts = new WeakMap<RegExp, number>();
function checkGroup(re: RegExp, group: number): void {
  let n = groupCounts.get(re);
  if (n === undefined) groupCounts.set(re, (n = groupCount(re)));
  if (group < 0 || group > n) throw new Error(`No group ${group}`);
}

function extract(pattern: string, input: string, group: number): string | null {
  const re = javaRegex(pattern);
  checkGroup(re, group);
  re.lastIndex = 0;
  const m = re.exec(input);
  return m === null ? null : (m[group] ?? null);
}

function extractAll(pattern: string, input: string, group: number): (string | null)[] {
  const re = javaRegex(pattern);
  checkGroup(re, group);
  const out: (string | null)[] = [];
  for (const m of input.matchAll(re)) out.push(m[group] ?? null);
  return out;
}

const matchesEmpty = new WeakMap<RegExp, boolean>();
function patternMatchesEmpty(re: RegExp): boolean {
  let v = matchesEmpty.get(re);
  if (v === undefined) matchesEmpty.set(re, (v = new RegExp('^(?:' + re.source + ')$', re.flags.replace('g', '')).test('')));
  return v;
}

/** Java's Pattern.split(input) (limit 0): no leading empty piece for a zero-width first match, trailing empties dropped. */
function javaPatternSplit(input: string, re: RegExp): string[] {
  if (input.length === 0) return [''];
  const out: string[] = [];
  let index = 0;
  let matched = false;
  for (const m of input.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (start === 0 && end === 0) continue;
    matched = true;
    out.push(input.slice(index, start));
    index = end;
  }
  if (!matched) return [input];
  out.push(input.slice(index));
  let n = out.length;
  while (n > 0 && out[n - 1] === '') n--;
  out.length = n;
  return out;
}

/** Guava's Splitter.on(pattern): split at every match, keeping empty pieces. */
function splitKeepingEmpty(input: string, re: RegExp): string[] {
  const out: string[] = [];
  let index = 0;
  for (const m of input.matchAll(re)) {
    out.push(input.slice(index, m.index));
    index = m.index + m[0].length;
  }
  out.push(input.slice(index));
  return out;
}

function regexpSplit(input: string, pattern: string): string[] {
  const re = javaRegex(pattern);
  return pattern.length === 0 || patternMatchesEmpty(re) ? javaPatternSplit(input, re) : splitKeepingEmpty(input, re);
}

export const regexFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'REGEXP_EXTRACT',
    category: 'REGULAR EXPRESSION',
    description: 'Extracts the first substring matched by the regular expression pattern, or the given capturing group of it.',
    overloads: [
      {
        params: [p('pattern', T.STRING), p('input', T.STRING)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (pattern: string, input: string) => extract(pattern, input, 0),
      },
      {
        params: [p('pattern', T.STRING), p('input', T.STRING), p('group', T.INTEGER)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: extract,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'REGEXP_EXTRACT_ALL',
    category: 'REGULAR EXPRESSION',
    description: 'Extracts all substrings matched by the regular expression pattern, or the given capturing group of each match.',
    overloads: [
      {
        params: [p('pattern', T.STRING), p('input', T.STRING)],
        returns: T.array(T.STRING),
        nullOnNullInput: true,
        impl: (pattern: string, input: string) => extractAll(pattern, input, 0),
      },
      {
        params: [p('pattern', T.STRING), p('input', T.STRING), p('group', T.INTEGER)],
        returns: T.array(T.STRING),
        nullOnNullInput: true,
        impl: extractAll,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'REGEXP_REPLACE',
    category: 'REGULAR EXPRESSION',
    description: 'Replaces all matches of a regular expression with a replacement string ($n refers to capturing groups).',
    overloads: [
      {
        params: [p('input', T.STRING), p('regex', T.STRING), p('replacement', T.STRING)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: javaReplaceAll,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'REGEXP_SPLIT_TO_ARRAY',
    category: 'REGULAR EXPRESSION',
    description: 'Splits a string into an array of substrings around matches of a regular expression.',
    overloads: [
      {
        params: [p('string', T.STRING), p('regexp', T.STRING)],
        returns: T.array(T.STRING),
        nullOnNullInput: true,
        impl: regexpSplit,
      },
    ],
  },
];
