/** Tokens of the .proto language (comments and whitespace dropped). */

export interface Token {
  readonly t: 'ident' | 'string' | 'number' | 'sym';
  /** Identifier or symbol text, a number's text, or a string's decoded value. */
  readonly v: string;
  readonly line: number;
}

export class ProtoSyntaxError extends Error {
  override readonly name = 'ProtoSyntaxError';
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new ProtoSyntaxError(`unterminated comment (line ${line})`);
      for (let j = i; j < end; j++) if (src[j] === '\n') line++;
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = line;
      const [value, next] = readString(src, i + 1, c, start);
      out.push({ t: 'string', v: value, line: start });
      i = next;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(src[j]!)) j++;
      out.push({ t: 'ident', v: src.slice(i, j), line });
      i = j;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && src[i + 1] !== undefined && src[i + 1]! >= '0' && src[i + 1]! <= '9')) {
      const m = NUMBER.exec(src.slice(i, i + 64));
      if (!m) throw new ProtoSyntaxError(`invalid number (line ${line})`);
      out.push({ t: 'number', v: m[0], line });
      i += m[0].length;
      continue;
    }
    if ('{}[]()<>=;,.:-+/'.includes(c)) {
      out.push({ t: 'sym', v: c, line });
      i++;
      continue;
    }
    throw new ProtoSyntaxError(`illegal character '${c}' (line ${line})`);
  }
  return out;
}

function readString(src: string, at: number, quote: string, line: number): [string, number] {
  let out = '';
  let i = at;
  for (;;) {
    if (i >= src.length || src[i] === '\n') throw new ProtoSyntaxError(`unterminated string (line ${line})`);
    const c = src[i]!;
    if (c === quote) return [out, i + 1];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    i += 2;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'X': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(src.slice(i, i + 2));
        if (!m) throw new ProtoSyntaxError(`invalid escape (line ${line})`);
        out += String.fromCharCode(parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      case 'u':
      case 'U': {
        const len = e === 'u' ? 4 : 8;
        const m = new RegExp(`^[0-9a-fA-F]{${len}}`).exec(src.slice(i, i + len));
        if (!m) throw new ProtoSyntaxError(`invalid escape (line ${line})`);
        out += String.fromCodePoint(parseInt(m[0], 16));
        i += len;
        break;
      }
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const m = /^[0-7]{1,3}/.exec(src.slice(i - 1, i + 2))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else if (e === undefined) {
          throw new ProtoSyntaxError(`unterminated string (line ${line})`);
        } else {
          out += e;
        }
    }
  }
}

/** Reading a token list: the parser's primitives. */
export class TokenCursor {
  protected i = 0;

  constructor(protected readonly toks: Token[]) {}

  protected typeRef(): string {
    let name = this.eat('.') ? '.' : '';
    name += this.ident();
    while (this.eat('.')) name += '.' + this.ident();
    return name;
  }

  protected fullIdent(): string {
    let name = this.ident();
    while (this.eat('.')) name += '.' + this.ident();
    return name;
  }

  protected intLiteral(): number {
    const t = this.next();
    if (t.t !== 'number') throw this.error(t, 'an integer');
    const v = /^0[xX]/.test(t.v) ? parseInt(t.v, 16) : /^0[0-7]+$/.test(t.v) ? parseInt(t.v, 8) : /^[0-9]+$/.test(t.v) ? parseInt(t.v, 10) : NaN;
    if (!Number.isSafeInteger(v)) throw this.error(t, 'an integer');
    return v;
  }

  protected ident(): string {
    const t = this.next();
    if (t.t !== 'ident') throw this.error(t, 'an identifier');
    return t.v;
  }

  protected expectString(): string {
    const t = this.next();
    if (t.t !== 'string') throw this.error(t, 'a string');
    let v = t.v;
    while (this.peek()?.t === 'string') v += this.next().v;
    return v;
  }

  protected expect(sym: string): void {
    const t = this.next();
    if (t.t !== 'sym' || t.v !== sym) throw this.error(t, `'${sym}'`);
  }

  protected eat(sym: string): boolean {
    const t = this.toks[this.i];
    if (t && t.t === 'sym' && t.v === sym) {
      this.i++;
      return true;
    }
    return false;
  }

  protected peek(): Token | undefined {
    return this.toks[this.i];
  }

  protected peekIs(v: string): boolean {
    const t = this.toks[this.i];
    return t !== undefined && t.t !== 'string' && t.v === v;
  }

  protected next(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new ProtoSyntaxError('unexpected end of input');
    return t;
  }

  protected error(t: Token | undefined, expected: string): ProtoSyntaxError {
    if (!t) return new ProtoSyntaxError(`unexpected end of input, expected ${expected}`);
    return new ProtoSyntaxError(`expected ${expected} but got '${t.v}' (line ${t.line})`);
  }
}
