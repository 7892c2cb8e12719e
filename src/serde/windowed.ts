/**
 * Windowed keys, in Kafka Streams' binary layout (what ksqlDB writes and reads):
 *   time windows (TUMBLING, HOPPING): <key bytes><8-byte window start>, end = start + size
 *   session windows:                  <key bytes><8-byte window end><8-byte window start>
 * Numbers are big-endian epoch milliseconds.
 */
import { readInt64BE, writeInt64BE } from './int64.js';

export type WindowKind = 'TUMBLING' | 'HOPPING' | 'SESSION';

export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

export function splitWindowedKey(bytes: Buffer, kind: WindowKind, sizeMs: number | undefined): { key: Buffer; window: WindowBounds } {
  if (kind === 'SESSION') {
    if (bytes.length < 16) throw new Error(`Windowed key too short: ${bytes.length} bytes`);
    const n = bytes.length - 16;
    const end = readInt64BE(bytes, n);
    const start = readInt64BE(bytes, n + 8);
    return { key: bytes.subarray(0, n), window: { start, end } };
  }
  if (bytes.length < 8) throw new Error(`Windowed key too short: ${bytes.length} bytes`);
  const n = bytes.length - 8;
  const start = readInt64BE(bytes, n);
  return { key: bytes.subarray(0, n), window: { start, end: sizeMs === undefined ? start : start + sizeMs } };
}

export function joinWindowedKey(key: Buffer | null, kind: WindowKind, window: WindowBounds): Buffer {
  const n = key === null ? 0 : key.length;
  const out = Buffer.allocUnsafe(n + (kind === 'SESSION' ? 16 : 8));
  if (key !== null) out.set(key, 0);
  if (kind === 'SESSION') {
    writeInt64BE(out, window.end, n);
    writeInt64BE(out, window.start, n + 8);
  } else writeInt64BE(out, window.start, n);
  return out;
}

/** Parse a WINDOW_SIZE such as '30 seconds', '1 HOUR', '500 MILLISECONDS' into milliseconds. */
export function parseDurationText(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([A-Za-z]+)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toUpperCase().replace(/S$/, '');
  const factor: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
  const f = factor[unit];
  return f === undefined ? undefined : n * f;
}
