/**
 * Java regular expressions on JS RegExp: a light translation of the Java-only syntax ksqlDB users
 * write (leading inline flags, \A \z \Z, possessive quantifiers, POSIX \p{...} classes), compiled
 * once per distinct pattern into a small cache. Also Java's replacement-string syntax ($1, ${name}, \$).
 */

const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

function translate(pattern: string): { source: string; flags: string } {
  let flags = '';
  let src = pattern;
  // Leading inline flags: (?i), (?is), ...
  const lead = /^\(\?([imsux]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) if ((f === 'i' || f === 'm' || f === 's') && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  let out = '';
  let unicode = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      if ((n === 'p' || n === 'P') && src[i + 2] === '{') {
        const close = src.indexOf('}', i + 3);
        const name = close < 0 ? '' : src.slice(i + 3, close).replace(/^Is/, '');
        const posix = POSIX[name];
        if (posix !== undefined) {
          const neg = n === 'P';
          out += inClass ? (neg ? '' : posix) : (neg ? '[^' : '[') + posix + ']';
          i = close;
          continue;
        }
        unicode = true;
      } else if (!inClass && n === 'A') {
        out += '^';
        i++;
        continue;
      } else if (!inClass && n === 'z') {
        out += '$(?![\\s\\S])';
        i++;
        continue;
      } else if (!inClass && n === 'Z') {
        out += '(?=\\n?$(?![\\s\\S]))';
        i++;
        continue;
      }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += '\\' + src[++i]; // a leading ']' is literal in Java
      continue;
    }
    // Possessive quantifiers (x*+, x++, x?+, x{n}+): treat as greedy.
    if (c === '+' && i > 0 && /[*+?}]/.test(src[i - 1]!) && src[i - 2] !== '\\') continue;
    out += c;
  }
  return { source: out, flags: unicode ? flags + 'u' : flags };
}

const CACHE_LIMIT = 128;
const cache = new Map<string, RegExp>();

/**
 * The compiled JS RegExp for a Java pattern, with the 'g' flag (callers reset lastIndex or use
 * methods that do). Throws "Invalid regular expression pattern" on syntax errors.
 */
export function javaRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re === undefined) {
    const { source, flags } = translate(pattern);
    try {
      re = new RegExp(source, flags + 'g');
    } catch (e) {
      throw new Error(`Invalid regular expression pattern: ${pattern}`, { cause: e });
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** Number of capturing groups of a compiled pattern. */
export function groupCount(re: RegExp): number {
  return new RegExp(re.source + '|', re.flags.replace('g', '')).exec('')!.length - 1;
}

type ReplacementPart = string | number | { readonly name: string };
const replacementCache = new Map<string, readonly ReplacementPart[]>();

/** Parse Java's Matcher.appendReplacement syntax for a pattern with `groups` capturing groups. */
function parseReplacement(repl: string, groups: number): readonly ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let lit = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === '\\') {
      if (++i >= repl.length) throw new Error('character to be escaped is missing');
      lit += repl[i];
    } else if (c === '$') {
      if (++i >= repl.length) throw new Error('Illegal group reference: group index is missing');
      if (repl[i] === '{') {
        const close = repl.indexOf('}', i);
        if (close < 0) throw new Error("named capturing group is missing trailing '}'");
        if (lit) parts.push(lit);
        lit = '';
        parts.push({ name: repl.slice(i + 1, close) });
        i = close;
        continue;
      }
      let d = repl.charCodeAt(i) - 48;
      if (d < 0 || d > 9) throw new Error('Illegal group reference');
      // Java keeps consuming digits while the group number stays valid.
      while (i + 1 < repl.length) {
        const nd = repl.charCodeAt(i + 1) - 48;
        if (nd < 0 || nd > 9 || d * 10 + nd > groups) break;
        d = d * 10 + nd;
        i++;
      }
      if (d > groups) throw new Error(`No group ${d}`);
      if (lit) parts.push(lit);
      lit = '';
      parts.push(d);
    } else {
      lit += c;
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

/** String.replaceAll(regex, replacement) with Java semantics. */
export function javaReplaceAll(input: string, pattern: string, replacement: string): string {
  const re = javaRegex(pattern);
  const key = pattern + '\u0000' + replacement;
  let parts = replacementCache.get(key);
  if (parts === undefined) {
    parts = parseReplacement(replacement, groupCount(re));
    if (replacementCache.size >= CACHE_LIMIT) replacementCache.clear();
    replacementCache.set(key, parts);
  }
  if (parts.length === 0) return input.replace(re, '');
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const lit = parts[0];
    return input.replace(re, () => lit);
  }
  const ps = parts;
  return input.replace(re, (...m: unknown[]) => {
    let out = '';
    const last = m[m.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    for (const part of ps) {
      if (typeof part === 'string') out += part;
      else if (typeof part === 'number') out += (m[part] as string | undefined) ?? '';
      else {
        if (!named || !(part.name in named)) throw new Error(`No group with name {${part.name}}`);
        out += named[part.name] ?? '';
      }
    }
    return out;
  });
}
