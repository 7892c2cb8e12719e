/**
 * The REST vectors' `queryProto` rows: Protobuf row bytes decoded with the response's protoSchema
 * and printed in Protobuf text format, as Java's DynamicMessage.toString prints them (fields in
 * number order, proto3 defaults left out, nested messages in braces indented by two spaces,
 * strings and bytes quoted with C-style escapes, doubles as Java prints them).
 */
import protobuf from 'protobufjs';
import { javaDoubleString } from '../../src/types/java-text.js';

export function protoText(schema: string, bytes: Buffer): string {
  const root = protobuf.parse(schema, { keepCase: true }).root;
  const type = firstMessage(root);
  return printMessage(type, type.decode(bytes) as unknown as Record<string, unknown>, '');
}

function firstMessage(ns: protobuf.NamespaceBase): protobuf.Type {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) return n;
    if (n instanceof protobuf.Namespace) return firstMessage(n);
  }
  throw new Error('no message in the schema');
}

function printMessage(type: protobuf.Type, m: Record<string, unknown>, indent: string): string {
  let out = '';
  for (const f of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    f.resolve();
    const v = m[f.name];
    const values = f.repeated ? ((v as unknown[] | undefined) ?? []) : [v];
    for (const x of values) {
      if (x === undefined || x === null) continue;
      if (f.resolvedType instanceof protobuf.Type) {
        out += `${indent}${f.name} {\n${printMessage(f.resolvedType, x as Record<string, unknown>, indent + '  ')}${indent}}\n`;
        continue;
      }
      // proto3: a scalar at its default is not on the wire, and not printed (unless optional).
      if (!f.repeated && !f.hasPresence && isDefault(x)) continue;
      out += `${indent}${f.name}: ${scalar(f, x)}\n`;
    }
  }
  return out;
}

function isDefault(x: unknown): boolean {
  if (typeof x === 'number') return x === 0;
  if (typeof x === 'string') return x === '';
  if (typeof x === 'boolean') return !x;
  if (x instanceof Uint8Array) return x.length === 0;
  if (typeof x === 'object' && x !== null && 'low' in x && 'high' in x) return (x as { low: number; high: number }).low === 0 && (x as { high: number }).high === 0;
  return false;
}

function scalar(f: protobuf.Field, x: unknown): string {
  if (f.resolvedType instanceof protobuf.Enum) return f.resolvedType.valuesById[x as number] ?? String(x);
  switch (f.type) {
    case 'string':
      return quote(Buffer.from(x as string, 'utf8'));
    case 'bytes':
      return quote(Buffer.from(x as Uint8Array));
    case 'double':
      return javaDoubleString(x as number);
    case 'float':
      return javaDoubleString(Math.fround(x as number));
    default:
      return String(x);
  }
}

/** TextFormat.escapeBytes: printable ASCII as is, the usual escapes, other bytes as octal. */
function quote(b: Buffer): string {
  let s = '"';
  for (const c of b) {
    switch (c) {
      case 0x07: s += '\\a'; break;
      case 0x08: s += '\\b'; break;
      case 0x0c: s += '\\f'; break;
      case 0x0a: s += '\\n'; break;
      case 0x0d: s += '\\r'; break;
      case 0x09: s += '\\t'; break;
      case 0x0b: s += '\\v'; break;
      case 0x5c: s += '\\\\'; break;
      case 0x27: s += "\\'"; break;
      case 0x22: s += '\\"'; break;
      default:
        s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\' + c.toString(8).padStart(3, '0');
    }
  }
  return s + '"';
}
