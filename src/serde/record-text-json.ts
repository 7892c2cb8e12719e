/** PRINT's record text, JSON: Jackson's reading (one value, trailing text ignored) and JsonNode's compact writing. */
import { javaDoubleString } from '../types/java-text.js';
import { fail } from './record-text.js';

/**
 * Reads the first JSON value of `text` as Jackson's readTree does (whitespace alone is a missing
 * value, text after the value is not read) and returns it written compactly as JsonNode.toString
 * does (floating-point numbers as Java doubles). Throws NotThisFormat when it is not JSON.
 */
export function jacksonRead(text: string): string {
  let pos = 0;
  const n = text.length;
  const ws = () => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const value = (depth: number): string => {
    if (depth > 1000) fail('JSON nested too deeply');
    ws();
    if (pos >= n) fail('unexpected end of JSON');
    const c = text[pos]!;
    if (c === '{') {
      pos++;
      ws();
      const members: string[] = [];
      if (text[pos] === '}') {
        pos++;
        return '{}';
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a field name');
        const key = string();
        ws();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        members.push(`${key}:${value(depth + 1)}`);
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return `{${members.join(',')}}`;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      ws();
      const items: string[] = [];
      if (text[pos] === ']') {
        pos++;
        return '[]';
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return `[${items.join(',')}]`;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    const root = depth === 0;
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        // Jackson refuses `trueX`: a literal must not run into identifier characters.
        if (pos < n && /[\p{L}\p{N}_$]/u.test(text[pos]!)) fail('unrecognized token');
        return word;
      }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400));
    if (!m) fail('unrecognized token');
    pos += m![0].length;
    // A number at the root must be followed by whitespace or the end (Jackson's _verifyRootSpace).
    if (root && pos < n && !/[ \t\r\n]/.test(text[pos]!)) fail('unexpected character after a root-level number');
    if (!m![2] && !m![3]) return m![0] === '-0' ? '0' : m![0].replace(/^(-?)0+(?=\d)/, '$1');
    return javaDoubleString(Number(m![0]));
  };
  const string = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= n) fail('unterminated string');
      const ch = text.charCodeAt(pos++);
      if (ch === 0x22) break;
      if (ch < 0x20) fail('control character in string');
      if (ch !== 0x5c) {
        out += String.fromCharCode(ch);
        continue;
      }
      const e = text[pos++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          fail('invalid escape');
      }
    }
    return jacksonQuote(out);
  };
  ws();
  if (pos >= n) return '';
  return value(0);
}

/** A string as Jackson writes it: `"` and `\` escaped, control characters as short or \u00XX escapes. */
function jacksonQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
  return out + '"';
}
