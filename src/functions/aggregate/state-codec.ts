/**
 * Compact text encoding of accumulator state for the SQLite state store. JSON, with the runtime
 * values JSON cannot carry tagged as one-key objects whose key starts with NUL (no SQL field name
 * can): Decimal, Map, Buffer, bigint, non-finite numbers and -0. Round-trips every SQL value.
 */
import { Decimal } from '../../types/decimal.js';

const TAG_DECIMAL = '\u0000d';
const TAG_MAP = '\u0000m';
const TAG_BYTES = '\u0000b';
const TAG_BIGINT = '\u0000n';
const TAG_FLOAT = '\u0000f';

/** A JSON-safe tree for `v`. */
export function encodeValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return { [TAG_FLOAT]: Object.is(v, -0) ? '-0' : String(v) };
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return { [TAG_BIGINT]: v.toString() };
    default:
      break;
  }
  if (v instanceof Decimal) return { [TAG_DECIMAL]: `${v.unscaled}e${v.scale}` };
  if (Buffer.isBuffer(v)) return { [TAG_BYTES]: v.toString('base64') };
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = encodeValue(v[i]);
    return out;
  }
  if (v instanceof Map) {
    const entries: unknown[] = [];
    for (const [k, x] of v) entries.push([encodeValue(k), encodeValue(x)]);
    return { [TAG_MAP]: entries };
  }
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) out[k] = encodeValue(obj[k]);
  return out;
}

/** The inverse of encodeValue. */
export function decodeValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = decodeValue(v[i]);
    return out;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0]!.charCodeAt(0) === 0) {
    const payload = obj[keys[0]!];
    switch (keys[0]) {
      case TAG_DECIMAL: {
        const s = payload as string;
        const e = s.lastIndexOf('e');
        return new Decimal(BigInt(s.slice(0, e)), Number(s.slice(e + 1)));
      }
      case TAG_BYTES:
        return Buffer.from(payload as string, 'base64');
      case TAG_BIGINT:
        return BigInt(payload as string);
      case TAG_FLOAT:
        return payload === '-0' ? -0 : Number(payload);
      case TAG_MAP: {
        const m = new Map<unknown, unknown>();
        for (const [k, x] of payload as [unknown, unknown][]) m.set(decodeValue(k), decodeValue(x));
        return m;
      }
      default:
        break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeValue(obj[k]);
  return out;
}

export function serializeState(state: unknown): string {
  return JSON.stringify(encodeValue(state));
}

export function deserializeState<A>(text: string): A {
  return decodeValue(JSON.parse(text)) as A;
}

/** Serialize/deserialize pair for accumulators whose state is a plain value tree. */
export const valueCodec = {
  serialize: (acc: unknown): string => serializeState(acc),
  deserialize: <A>(text: string): A => deserializeState<A>(text),
};

/** Fast path for accumulators that are a single finite-or-not JS number. */
export const numberCodec = {
  serialize: (acc: number): string => (Object.is(acc, -0) ? '-0' : String(acc)),
  deserialize: (text: string): number => (text === '-0' ? -0 : Number(text)),
};
