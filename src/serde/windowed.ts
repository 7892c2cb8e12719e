/**
 * Windowed keys, in Kafka Streams' binary layout (what ksqlDB writes and reads):
 *   time windows (TUMBLING, HOPPING): <key bytes><8-byte window start>, end = start + size
 *   session windows:                  <key bytes><8-byte window end><8-byte window start>
 * Numbers are big-endian epoch milliseconds.
 */
export type WindowKind = 'TUMBLING' | 'HOPPING' | 'SESSION';

export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

export function splitWindowedKey(bytes: Buffer, kind: WindowKind, sizeMs: number | undefined): { key: Buffer; window: WindowBounds } {
  if (kind === 'SESSION') {
    if (bytes.length < 16) throw new Error(`Windowed key too short: ${bytes.length} bytes`);
    const n = bytes.length - 16;
    const end = Number(bytes.readBigInt64BE(n));
    const start = Number(bytes.readBigInt64BE(n + 8));
    return { key: bytes.subarray(0, n), window: { start, end } };
  }
  if (bytes.length < 8) throw new Error(`Windowed key too short: ${bytes.length} bytes`);
  const n = bytes.length - 8;
  const start = Number(bytes.readBigInt64BE(n));
  return { key: bytes.subarray(0, n), window: { start, end: sizeMs === undefined ? start : start + sizeMs } };
}

export function joinWindowedKey(key: Buffer | null, kind: WindowKind, window: WindowBounds): Buffer {
  const k = key ?? Buffer.alloc(0);
  if (kind === 'SESSION') {
    const out = Buffer.allocUnsafe(k.length + 16);
    k.copy(out, 0);
    out.writeBigInt64BE(BigInt(window.end), k.length);
    out.writeBigInt64BE(BigInt(window.start), k.length + 8);
    return out;
  }
  const out = Buffer.allocUnsafe(k.length + 8);
  k.copy(out, 0);
  out.writeBigInt64BE(BigInt(window.start), k.length);
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
