/** PRINT's record text, Avro: GenericData.toString (`{"name": "x", "n": 1}`), a top-level string or enum bare. */
import type { AvroNode } from './avro/model.js';
import { ReadTap } from './avro/tap.js';
import { javaDoubleString } from '../types/java-text.js';
import { javaFloatString } from './protobuf/convert.js';
import { fail } from './record-text.js';

/** The Avro datum at `offset` of `bytes` written with `schema`, as GenericData.toString writes it. */
export function avroText(schema: AvroNode, bytes: Buffer, offset: number): string {
  const tap = new ReadTap();
  tap.reset(bytes, offset);
  // KafkaAvroDeserializer hands back strings (Utf8) and enum symbols as themselves.
  const top = schema.kind === 'string' ? tap.readString() : schema.kind === 'enum' ? enumSymbol(schema.symbols, tap) : avroValue(schema, tap);
  tap.check();
  return top;
}

function enumSymbol(symbols: readonly string[], tap: ReadTap): string {
  const i = tap.readLong();
  return symbols[i] ?? fail(`enum index ${i} out of range`);
}

function avroValue(n: AvroNode, tap: ReadTap): string {
  switch (n.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return tap.readBoolean() ? 'true' : 'false';
    case 'int':
    case 'long':
      return String(tap.readLong());
    case 'float':
      return avroFloat(javaFloatString(tap.readFloat()));
    case 'double':
      return avroFloat(javaDoubleString(tap.readDouble()));
    case 'string':
      return `"${avroEscape(tap.readString())}"`;
    case 'bytes':
      return `"${avroEscape(tap.readBytes().toString('latin1'))}"`;
    case 'fixed':
      return `[${[...tap.readFixed(n.size)].map((b) => (b << 24) >> 24).join(', ')}]`;
    case 'enum':
      return `"${enumSymbol(n.symbols, tap)}"`;
    case 'array':
      return `[${avroBlocks(tap, () => avroValue(n.items, tap)).join(', ')}]`;
    case 'map':
      return `{${avroBlocks(tap, () => `"${avroEscape(tap.readString())}": ${avroValue(n.values, tap)}`).join(', ')}}`;
    case 'union': {
      const i = tap.readLong();
      const branch = n.branches[i] ?? fail(`union index ${i} out of range`);
      return avroValue(branch, tap);
    }
    case 'record':
      return `{${n.fields.map((f) => `"${avroEscape(f.name)}": ${avroValue(f.type, tap)}`).join(', ')}}`;
    default: {
      const never: never = n;
      return never;
    }
  }
}

/** NaN and the infinities are quoted by GenericData.toString. */
const avroFloat = (s: string) => (s === 'NaN' || s.endsWith('Infinity') ? `"${s}"` : s);

/** Array and map items come in blocks: a count (negative: followed by a byte size), 0 ends. */
function avroBlocks(tap: ReadTap, item: () => string): string[] {
  const out: string[] = [];
  for (;;) {
    let count = tap.readLong();
    tap.check();
    if (count === 0) return out;
    if (count < 0) {
      count = -count;
      tap.readLong();
    }
    if (count > tap.end - tap.pos + 1) fail('malformed block count');
    for (let i = 0; i < count; i++) out.push(item());
    tap.check();
  }
}

/** GenericData.writeEscapedString. */
function avroEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        if (ch <= 0x1f || (ch >= 0x7f && ch <= 0x9f) || (ch >= 0x2000 && ch <= 0x20ff)) out += '\\u' + ch.toString(16).toUpperCase().padStart(4, '0');
        else out += s[i];
    }
  }
  return out;
}
