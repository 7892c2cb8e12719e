/**
 * String (and BYTES) scalar functions: CHR, CONCAT, CONCAT_WS, ELT, FIELD, INITCAP, INSTR, LCASE,
 * UCASE, LEN, LPAD, RPAD, MASK*, REPLACE, SPLIT, SPLIT_TO_MAP, SUBSTRING, TRIM, UUID.
 * Null handling and edge cases follow ksqlDB's UDFs (see the notes on each).
 */
import { randomUUID } from 'node:crypto';
import { T } from '../../types/sql-type.js';
import type { ScalarFunction } from '../types.js';
import { p } from './support.js';

type Str = string | null;
type Bytes = Buffer | null;

const EMPTY = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------
// CHR

/** Java's StringEscapeUtils.unescapeJava for the escapes a UTF-16 code string can contain. */
function unescapeJava(s: string): string {
  return s.replace(/\\(u+[0-9a-fA-F]{0,4}|.)/g, (m: string, esc: string) => {
    if (esc[0] === 'u') {
      const hex = esc.replace(/^u+/, '');
      if (hex.length !== 4) throw new Error(`Unable to parse unicode value: ${m}`);
      return String.fromCharCode(parseInt(hex, 16));
    }
    switch (esc) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      default:
        return esc;
    }
  });
}

function chrCode(code: number): Str {
  return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : null;
}

function chrText(code: string): Str {
  if (code.length < 6 || !code.startsWith('\\u')) return null;
  return unescapeJava(code);
}

// ---------------------------------------------------------------------------------------------
// INSTR (ksqlDB's Instr with commons-lang3 ordinalIndexOf/substring semantics)

/** Index of the n-th (possibly overlapping) occurrence, -1 if none; "" is found at 0. */
function ordinalIndexOf(s: string, search: string, ordinal: number): number {
  if (ordinal <= 0) return -1;
  if (search.length === 0) return 0;
  let index = -1;
  for (let found = 0; found < ordinal; found++) {
    index = s.indexOf(search, index + 1);
    if (index < 0) return -1;
  }
  return index;
}

function instrFind(s: string, sub: string, position: number, occurrence: number, reversed: boolean): number {
  let start = position - 1;
  if (start < 0) start = Math.max(s.length + start, 0);
  const i = ordinalIndexOf(s.substring(start), sub, occurrence);
  if (i < 0) return 0;
  return reversed ? s.length - position - i : i + position;
}

const reverseString = (s: string): string => {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
};

function instr(s: Str, sub: Str, position: number | null = 1, occurrence: number | null = 1): number {
  if (s === null || sub === null) return 0;
  // Primitive int parameters in ksqlDB: a NULL there is a per-record error.
  if (position === null || occurrence === null) throw new Error('INSTR: position and occurrence must not be NULL');
  if (Math.abs(position) > s.length) return 0;
  if (position < 0) return instrFind(reverseString(s), reverseString(sub), -position, occurrence, true);
  return instrFind(s, sub, position, occurrence, false);
}

// ---------------------------------------------------------------------------------------------
// SUBSTRING (1-based; negative pos counts from the end)

const startIndex = (len: number, pos: number): number => (pos < 0 ? Math.max(len + pos, 0) : Math.max(Math.min(pos - 1, len), 0));
const endIndex = (len: number, start: number, length: number): number => Math.max(Math.min(start + length, len), start);

// ---------------------------------------------------------------------------------------------
// LPAD / RPAD

function lpadString(input: string, len: number | null, pad: Str): Str {
  if (pad === null || pad.length === 0 || len === null || len < 0) return null;
  const padUpTo = Math.max(len - input.length, 0);
  let prefix = '';
  while (prefix.length < padUpTo) prefix += pad;
  return (prefix.substring(0, padUpTo) + input).substring(0, len);
}

function rpadString(input: string, len: number | null, pad: Str): Str {
  if (pad === null || pad.length === 0 || len === null || len < 0) return null;
  let out = input;
  while (out.length < len) out += pad;
  return out.substring(0, len);
}

function lpadBytes(input: Buffer, len: number | null, pad: Bytes): Bytes {
  if (pad === null || pad.length === 0 || len === null || len < 0) return null;
  if (input.length >= len) return Buffer.from(input.subarray(0, len));
  const out = Buffer.allocUnsafe(len);
  const padCount = len - input.length;
  for (let i = 0; i < padCount; i++) out[i] = pad[i % pad.length]!;
  input.copy(out, padCount);
  return out;
}

function rpadBytes(input: Buffer, len: number | null, pad: Bytes): Bytes {
  if (pad === null || pad.length === 0 || len === null || len < 0) return null;
  if (input.length >= len) return Buffer.from(input.subarray(0, len));
  const out = Buffer.allocUnsafe(len);
  input.copy(out, 0);
  for (let i = input.length, j = 0; i < len; i++, j++) out[i] = pad[j % pad.length]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// MASK family

const NO_MASK = -1;
const UPPER_RE = /\p{Lu}/u;
const LOWER_RE = /\p{Ll}/u;
const DIGIT_RE = /\p{Nd}/u;

interface Masks {
  readonly upper: number;
  readonly lower: number;
  readonly digit: number;
  readonly other: number;
}
const DEFAULT_MASKS: Masks = { upper: 0x58 /* X */, lower: 0x78 /* x */, digit: 0x6e /* n */, other: 0x2d /* - */ };

function maskChar(mask: Str): number {
  if (mask === null) return NO_MASK;
  if (mask.length !== 1) throw new Error(`Invalid mask character. Must be only single character, but was '${mask}'`);
  return mask.codePointAt(0)!;
}

const masksOf = (u: Str, l: Str, d: Str, o: Str): Masks => ({ upper: maskChar(u), lower: maskChar(l), digit: maskChar(d), other: maskChar(o) });

function maskCodePoint(c: number, m: Masks): number {
  let mask: number;
  if (c < 0x80) {
    mask = c >= 0x41 && c <= 0x5a ? m.upper : c >= 0x61 && c <= 0x7a ? m.lower : c >= 0x30 && c <= 0x39 ? m.digit : m.other;
  } else {
    // Surrogate halves are not letters/digits, as in Java's Character.getType.
    const ch = c >= 0xd800 && c <= 0xdfff ? '' : String.fromCodePoint(c);
    mask = ch && UPPER_RE.test(ch) ? m.upper : ch && LOWER_RE.test(ch) ? m.lower : ch && DIGIT_RE.test(ch) ? m.digit : m.other;
  }
  return mask === NO_MASK ? c : mask;
}

/** Masks every UTF-16 position (like ksqlDB's Masker, which reads codePointAt(i) for each i). */
function mask(s: string, m: Masks): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCodePoint(maskCodePoint(s.codePointAt(i)!, m));
  return out;
}

function checkNumChars(fn: string, n: number | null): number {
  if (n === null) throw new Error(`function ${fn} requires a non-null number of characters`);
  if (n < 0) throw new Error(`function ${fn} requires a non-negative number of characters to mask or skip`);
  return n;
}

type MaskPart = (s: string, n: number, m: Masks) => string;
const maskKeepLeft: MaskPart = (s, n, m) => {
  const k = Math.min(n, s.length);
  return s.substring(0, k) + mask(s.substring(k), m);
};
const maskKeepRight: MaskPart = (s, n, m) => {
  const k = Math.max(s.length - n, 0);
  return mask(s.substring(0, k), m) + s.substring(k);
};
const maskLeft: MaskPart = (s, n, m) => {
  const k = Math.min(n, s.length);
  return mask(s.substring(0, k), m) + s.substring(k);
};
const maskRight: MaskPart = (s, n, m) => {
  const k = Math.max(s.length - n, 0);
  return s.substring(0, k) + mask(s.substring(k), m);
};

function maskFunction(name: string, description: string, part: MaskPart): ScalarFunction {
  const run = (s: Str, n: number | null, m: Masks): Str => {
    const count = checkNumChars(name.toLowerCase(), n);
    return s === null ? null : part(s, count, m);
  };
  return {
    kind: 'scalar',
    name,
    category: 'STRING',
    description,
    overloads: [
      {
        params: [p('input', T.STRING), p('numChars', T.INTEGER)],
        returns: T.STRING,
        impl: (s: Str, n: number | null) => run(s, n, DEFAULT_MASKS),
      },
      {
        params: [p('input', T.STRING), p('numChars', T.INTEGER), p('upper', T.STRING), p('lower', T.STRING), p('digit', T.STRING), p('other', T.STRING)],
        returns: T.STRING,
        impl: (s: Str, n: number | null, u: Str, l: Str, d: Str, o: Str) => run(s, n, masksOf(u, l, d, o)),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// SPLIT

/** Literal split keeping empty pieces; "" splits into UTF-16 units (Java's split("")). */
function splitString(s: string, delim: string): string[] {
  if (delim.length === 0) return s.length === 0 ? [''] : s.split('');
  return s.split(delim);
}

function splitBytes(b: Buffer, delim: Buffer): Buffer[] {
  if (delim.length === 0) {
    if (b.length === 0) return [EMPTY];
    const out: Buffer[] = new Array(b.length);
    for (let i = 0; i < b.length; i++) out[i] = Buffer.from([b[i]!]);
    return out;
  }
  const out: Buffer[] = [];
  let from = 0;
  for (let at = b.indexOf(delim, from); at >= 0; at = b.indexOf(delim, from)) {
    out.push(Buffer.from(b.subarray(from, at)));
    from = at + delim.length;
  }
  out.push(Buffer.from(b.subarray(from)));
  return out;
}

function splitToMap(input: string, entryDelim: string, kvDelim: string): Map<string, string> | null {
  if (entryDelim.length === 0 || kvDelim.length === 0 || entryDelim === kvDelim) return null;
  const out = new Map<string, string>();
  for (const entry of input.split(entryDelim)) {
    if (entry.length === 0) continue;
    const at = entry.indexOf(kvDelim);
    if (at < 0) continue;
    // Only the first two kv pieces count: "a:b:c" -> a => b.
    const rest = entry.substring(at + kvDelim.length);
    const next = rest.indexOf(kvDelim);
    out.set(entry.substring(0, at), next < 0 ? rest : rest.substring(0, next));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Misc

/** Java's String.trim: strips every char <= U+0020 from both ends. */
function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.substring(start, end);
}

/** ksqlDB's INITCAP: lower-case, then capitalise each "\S+\s*" run (leading whitespace is dropped). */
function initcap(s: string): string {
  const lower = s.toLowerCase();
  let out = '';
  const re = /\S+\s*/g;
  for (let m = re.exec(lower); m !== null; m = re.exec(lower)) out += m[0].charAt(0).toUpperCase() + m[0].substring(1);
  return out;
}

function concatBytes(parts: readonly Bytes[], sep: Buffer | null): Buffer {
  const list: Buffer[] = [];
  for (const b of parts) {
    if (b === null) continue;
    if (sep !== null && list.length > 0) list.push(sep);
    list.push(b);
  }
  return Buffer.concat(list);
}

function concatStrings(parts: readonly Str[], sep: string | null): string {
  let out = '';
  let first = true;
  for (const s of parts) {
    if (s === null) continue;
    if (sep !== null && !first) out += sep;
    out += s;
    first = false;
  }
  return out;
}

export const stringFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'CHR',
    category: 'STRING',
    description: 'Returns a single-character string corresponding to the input character code.',
    overloads: [
      { params: [p('decimalCode', T.INTEGER)], returns: T.STRING, nullOnNullInput: true, impl: chrCode },
      { params: [p('utf16Code', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: chrText },
    ],
  },
  {
    kind: 'scalar',
    name: 'CONCAT',
    category: 'STRING',
    description: 'Concatenate an arbitrary number of string or bytes fields together. NULL inputs are skipped.',
    overloads: [
      { params: [p('inputs', T.STRING)], variadic: true, returns: T.STRING, impl: (parts: readonly Str[]) => concatStrings(parts, null) },
      { params: [p('inputs', T.BYTES)], variadic: true, returns: T.BYTES, impl: (parts: readonly Bytes[]) => concatBytes(parts, null) },
    ],
  },
  {
    kind: 'scalar',
    name: 'CONCAT_WS',
    category: 'STRING',
    description: 'Concatenates strings or bytes with a separator. Returns NULL if the separator is NULL; NULL inputs are skipped.',
    overloads: [
      {
        params: [p('separator', T.STRING), p('inputs', T.STRING)],
        variadic: true,
        returns: T.STRING,
        impl: (sep: Str, parts: readonly Str[]) => (sep === null ? null : concatStrings(parts, sep)),
      },
      {
        params: [p('separator', T.BYTES), p('inputs', T.BYTES)],
        variadic: true,
        returns: T.BYTES,
        impl: (sep: Bytes, parts: readonly Bytes[]) => (sep === null ? null : concatBytes(parts, sep)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'ELT',
    category: 'STRING',
    description: 'Returns element n (1-based) of the arguments, or NULL if n is out of range.',
    overloads: [
      {
        params: [p('n', T.INTEGER), p('args', T.STRING)],
        variadic: true,
        returns: T.STRING,
        impl: (n: number | null, args: readonly Str[]) => (n === null || n < 1 || n > args.length ? null : args[n - 1]!),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'FIELD',
    category: 'STRING',
    description: 'Returns the 1-based position of str in the arguments, or 0 if not found (or str is NULL).',
    overloads: [
      {
        params: [p('str', T.STRING), p('args', T.STRING)],
        variadic: true,
        returns: T.INTEGER,
        impl: (s: Str, args: readonly Str[]) => (s === null ? 0 : args.indexOf(s) + 1),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'INITCAP',
    category: 'STRING',
    description: 'Capitalizes the first letter of each word and lower-cases the rest. Words are delimited by whitespace.',
    overloads: [{ params: [p('str', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: initcap }],
  },
  {
    kind: 'scalar',
    name: 'INSTR',
    category: 'STRING',
    description: 'Returns the 1-based position of substring in string, optionally from a position and for the n-th occurrence; 0 if not found.',
    overloads: [
      { params: [p('str', T.STRING), p('substring', T.STRING)], returns: T.INTEGER, impl: (s: Str, sub: Str) => instr(s, sub) },
      {
        params: [p('str', T.STRING), p('substring', T.STRING), p('position', T.INTEGER)],
        returns: T.INTEGER,
        impl: (s: Str, sub: Str, pos: number | null) => instr(s, sub, pos),
      },
      {
        params: [p('str', T.STRING), p('substring', T.STRING), p('position', T.INTEGER), p('occurrence', T.INTEGER)],
        returns: T.INTEGER,
        impl: instr,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'LCASE',
    category: 'STRING',
    description: 'Converts a string to lower case.',
    overloads: [{ params: [p('input', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: (s: string) => s.toLowerCase() }],
  },
  {
    kind: 'scalar',
    name: 'UCASE',
    category: 'STRING',
    description: 'Converts a string to upper case.',
    overloads: [{ params: [p('input', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: (s: string) => s.toUpperCase() }],
  },
  {
    kind: 'scalar',
    name: 'LEN',
    category: 'STRING',
    description: 'Returns the length of a STRING (UTF-16 units) or the number of bytes in a BYTES value.',
    overloads: [
      { params: [p('input', T.STRING)], returns: T.INTEGER, nullOnNullInput: true, impl: (s: string) => s.length },
      { params: [p('input', T.BYTES)], returns: T.INTEGER, nullOnNullInput: true, impl: (b: Buffer) => b.length },
    ],
  },
  {
    kind: 'scalar',
    name: 'LPAD',
    category: 'STRING',
    description: 'Pads the input from the left with padding up to length (truncating longer input). NULL if padding is empty/NULL or length is negative.',
    overloads: [
      {
        params: [p('input', T.STRING), p('length', T.INTEGER), p('padding', T.STRING)],
        returns: T.STRING,
        impl: (s: Str, len: number | null, pad: Str) => (s === null ? null : lpadString(s, len, pad)),
      },
      {
        params: [p('input', T.BYTES), p('length', T.INTEGER), p('padding', T.BYTES)],
        returns: T.BYTES,
        impl: (b: Bytes, len: number | null, pad: Bytes) => (b === null ? null : lpadBytes(b, len, pad)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'RPAD',
    category: 'STRING',
    description: 'Pads the input from the right with padding up to length (truncating longer input). NULL if padding is empty/NULL or length is negative.',
    overloads: [
      {
        params: [p('input', T.STRING), p('length', T.INTEGER), p('padding', T.STRING)],
        returns: T.STRING,
        impl: (s: Str, len: number | null, pad: Str) => (s === null ? null : rpadString(s, len, pad)),
      },
      {
        params: [p('input', T.BYTES), p('length', T.INTEGER), p('padding', T.BYTES)],
        returns: T.BYTES,
        impl: (b: Bytes, len: number | null, pad: Bytes) => (b === null ? null : rpadBytes(b, len, pad)),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'MASK',
    category: 'STRING',
    description:
      "Masks a string: upper-case letters become 'X', lower-case 'x', digits 'n' and others '-', or the given mask characters (NULL keeps that class unmasked).",
    overloads: [
      { params: [p('input', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: (s: string) => mask(s, DEFAULT_MASKS) },
      {
        params: [p('input', T.STRING), p('upper', T.STRING), p('lower', T.STRING), p('digit', T.STRING), p('other', T.STRING)],
        returns: T.STRING,
        impl: (s: Str, u: Str, l: Str, d: Str, o: Str) => {
          const m = masksOf(u, l, d, o);
          return s === null ? null : mask(s, m);
        },
      },
    ],
  },
  maskFunction('MASK_KEEP_LEFT', 'Masks all but the first numChars characters of a string.', maskKeepLeft),
  maskFunction('MASK_KEEP_RIGHT', 'Masks all but the last numChars characters of a string.', maskKeepRight),
  maskFunction('MASK_LEFT', 'Masks the first numChars characters of a string.', maskLeft),
  maskFunction('MASK_RIGHT', 'Masks the last numChars characters of a string.', maskRight),
  {
    kind: 'scalar',
    name: 'REPLACE',
    category: 'STRING',
    description: 'Replaces all occurrences of a substring with a new string.',
    overloads: [
      {
        params: [p('str', T.STRING), p('target', T.STRING), p('replacement', T.STRING)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (s: string, target: string, repl: string) => s.replaceAll(target, () => repl),
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'SPLIT',
    category: 'STRING',
    description: 'Splits a string or bytes into an array around a literal delimiter; an empty delimiter splits every character/byte.',
    overloads: [
      { params: [p('string', T.STRING), p('delimiter', T.STRING)], returns: T.array(T.STRING), nullOnNullInput: true, impl: splitString },
      { params: [p('bytes', T.BYTES), p('delimiter', T.BYTES)], returns: T.array(T.BYTES), nullOnNullInput: true, impl: splitBytes },
    ],
  },
  {
    kind: 'scalar',
    name: 'SPLIT_TO_MAP',
    category: 'STRING',
    description: 'Splits a string into key-value pairs and creates a map from them. NULL if a delimiter is NULL or empty.',
    overloads: [
      {
        params: [p('input', T.STRING), p('entryDelimiter', T.STRING), p('kvDelimiter', T.STRING)],
        returns: T.map(T.STRING, T.STRING),
        nullOnNullInput: true,
        impl: splitToMap,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'SUBSTRING',
    category: 'STRING',
    description: 'Returns the portion of a string or bytes from pos (1-based; negative counts from the end), optionally of length len.',
    overloads: [
      {
        params: [p('str', T.STRING), p('pos', T.INTEGER)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (s: string, pos: number) => s.substring(startIndex(s.length, pos)),
      },
      {
        params: [p('str', T.STRING), p('pos', T.INTEGER), p('len', T.INTEGER)],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (s: string, pos: number, len: number) => {
          const start = startIndex(s.length, pos);
          return s.substring(start, endIndex(s.length, start, len));
        },
      },
      {
        params: [p('bytes', T.BYTES), p('pos', T.INTEGER)],
        returns: T.BYTES,
        nullOnNullInput: true,
        impl: (b: Buffer, pos: number) => Buffer.from(b.subarray(startIndex(b.length, pos))),
      },
      {
        params: [p('bytes', T.BYTES), p('pos', T.INTEGER), p('len', T.INTEGER)],
        returns: T.BYTES,
        nullOnNullInput: true,
        impl: (b: Buffer, pos: number, len: number) => {
          const start = startIndex(b.length, pos);
          return Buffer.from(b.subarray(start, endIndex(b.length, start, len)));
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'TRIM',
    category: 'STRING',
    description: 'Removes whitespace (and control characters) from the beginning and end of a string.',
    overloads: [{ params: [p('input', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: javaTrim }],
  },
  {
    kind: 'scalar',
    name: 'UUID',
    category: 'STRING',
    description: 'Returns a random (version 4) UUID as a string.',
    overloads: [{ params: [], returns: T.STRING, impl: () => randomUUID() }],
  },
];
