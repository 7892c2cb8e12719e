/**
 * Byte <-> text codecs with Java's semantics (hex, utf8, ascii, base64), shared by ENCODE,
 * TO_BYTES, FROM_BYTES and TO_JSON_STRING.
 */

export type ByteEncoding = 'hex' | 'utf8' | 'ascii' | 'base64';

/** Parse an encoding name case-insensitively; throws on anything else. */
export function byteEncoding(name: string): ByteEncoding {
  switch (name.toLowerCase()) {
    case 'hex':
      return 'hex';
    case 'utf8':
      return 'utf8';
    case 'ascii':
      return 'ascii';
    case 'base64':
      return 'base64';
    default:
      throw new Error(`Unsupported encoding '${name}'. Supported encodings are: hex, utf8, ascii and base64`);
  }
}

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Strict hex decoding (commons-codec Hex.decodeHex): even length, hex digits only. */
export function decodeHex(hex: string): Buffer {
  if (hex.length % 2 !== 0) throw new Error('Odd number of characters.');
  if (!HEX_RE.test(hex)) throw new Error(`Illegal hexadecimal character in ${hex}`);
  return Buffer.from(hex, 'hex');
}

/** US-ASCII bytes of a string: every code point above 0x7F becomes '?' (Java's replacement). */
export function asciiBytes(s: string): Buffer {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(s, 'latin1');
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out.push(c > 0x7f ? 0x3f : c);
  }
  return Buffer.from(out);
}

/** Decode bytes as US-ASCII: bytes above 0x7F become U+FFFD (Java's replacement). */
export function asciiString(b: Buffer): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return b.toString('latin1');
  let out = '';
  for (let i = 0; i < b.length; i++) out += b[i]! > 0x7f ? '\ufffd' : String.fromCharCode(b[i]!);
  return out;
}

/** Text -> bytes, reading `s` as written in `enc`. */
export function textToBytes(s: string, enc: ByteEncoding): Buffer {
  switch (enc) {
    case 'hex':
      return decodeHex(s);
    case 'utf8':
      return Buffer.from(s, 'utf8');
    case 'ascii':
      return asciiBytes(s);
    case 'base64':
      return Buffer.from(s, 'base64');
  }
}

/** Bytes -> text in `enc`. */
export function bytesToText(b: Buffer, enc: ByteEncoding): string {
  switch (enc) {
    case 'hex':
      return b.toString('hex');
    case 'utf8':
      return b.toString('utf8');
    case 'ascii':
      return asciiString(b);
    case 'base64':
      return b.toString('base64');
  }
}

/** Java's ByteBuffer.compareTo: lexicographic on SIGNED bytes, then by length. */
export function compareBytesSigned(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = (a[i]! << 24) >> 24;
    const y = (b[i]! << 24) >> 24;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
