/**
 * SQL values → the JSON values ksqlDB's REST API writes in rows: DECIMAL as a JSON number, BYTES as
 * base64, MAP and STRUCT as objects, ARRAY as arrays, and the temporal types as ISO-8601 text
 * (DATE "2021-01-31", TIME "13:45:00", TIMESTAMP "2021-01-31T13:45:00.000", no zone, UTC).
 * Converters are built once per column type, so rows convert without per-value type dispatch.
 */
import { Decimal } from '../types/decimal.js';
import type { SqlType } from '../types/sql-type.js';

export type WireConverter = (v: unknown) => unknown;

const identity: WireConverter = (v) => (v === undefined ? null : v);

export function wireConverter(t: SqlType): WireConverter {
  switch (t.kind) {
    case 'DECIMAL':
      return (v) => (v == null ? null : v instanceof Decimal ? v.toNumber() : v);
    case 'DOUBLE':
      // JSON has no NaN/Infinity: written as strings, as Jackson does.
      return (v) => (v == null ? null : Number.isFinite(v as number) ? v : String(v));
    case 'BYTES':
      return (v) => (v == null ? null : Buffer.isBuffer(v) ? v.toString('base64') : v);
    case 'DATE':
      return (v) => (v == null ? null : formatDate(v as number));
    case 'TIME':
      return (v) => (v == null ? null : formatTime(v as number));
    case 'TIMESTAMP':
      return (v) => (v == null ? null : formatTimestamp(v as number));
    case 'ARRAY': {
      const el = wireConverter(t.element);
      return (v) => (v == null ? null : (v as unknown[]).map(el));
    }
    case 'MAP': {
      const val = wireConverter(t.value);
      return (v) => {
        if (v == null) return null;
        const out: Record<string, unknown> = {};
        for (const [k, x] of v as Map<unknown, unknown>) out[String(k)] = val(x);
        return out;
      };
    }
    case 'STRUCT': {
      const fields = t.fields.map((f) => [f.name, wireConverter(f.type)] as const);
      return (v) => {
        if (v == null) return null;
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [name, conv] of fields) out[name] = conv(src[name] ?? null);
        return out;
      };
    }
    default:
      return identity;
  }
}

/** A converter for whole rows (one converter per column). */
export function wireRowConverter(types: readonly SqlType[]): (row: readonly unknown[]) => unknown[] {
  const convs = types.map(wireConverter);
  return (row) => {
    const out = new Array<unknown>(convs.length);
    for (let i = 0; i < convs.length; i++) out[i] = convs[i]!(row[i]);
    return out;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

export function formatTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const base = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return ms % 1000 === 0 ? base : `${base}.${pad(ms % 1000, 3)}`;
}

export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().slice(0, 23);
}
