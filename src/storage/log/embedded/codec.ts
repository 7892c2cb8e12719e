/**
 * On-disk framing. A segment is a sequence of batch frames; one append writes one or more batches
 * per partition (a batch holds at most ~MAX_BATCH_BODY bytes, or one record if larger). Little-endian:
 *
 *   frame  = u32 bodyLength | u32 crc32(body) | body
 *   body   = u8 version(1) | f64 baseOffset | u32 recordCount | record*
 *   record = u32 recordLength (these 4 bytes included) | f64 seq | f64 timestamp
 *          | i32 keyLength (-1 = null) | key | i32 valueLength (-1 = null) | value
 *          | u16 headerCount | { u16 keyLength | utf8 key | i32 valueLength (-1 = null) | value }*
 *
 * Record i of a batch has offset baseOffset + i. Offsets, sequence numbers and timestamps are
 * float64: exact for integers up to 2^53. `seq` is the log-wide append sequence: the total order
 * across topics that consumers return. The CRC (one per batch: a native call per record would cost
 * more than the rest of the encoding) lets recovery detect a torn tail and truncate it.
 */
import { crc32 } from 'node:zlib';
import type { Header, LogRecord, ProduceRecord } from '../log.js';

export const FRAME_HEADER = 8;
const VERSION = 1;
const BATCH_HEADER = 1 + 8 + 4;
/** recordLength + seq + timestamp + keyLength + valueLength + headerCount */
const RECORD_FIXED = 4 + 8 + 8 + 4 + 4 + 2;
const MAX_BODY = 0x7fffffff;
/** Records are grouped into batches of at most this many bytes (a single larger record gets its own). */
export const MAX_BATCH_BODY = 256 * 1024;

export const NO_HEADERS: readonly Header[] = Object.freeze([]);

/** A decoded record plus its position in the global append order. */
export interface StoredRecord extends LogRecord {
  readonly seq: number;
}

/** Bytes the encoding of `r` takes inside a batch. */
export function recordSize(r: ProduceRecord): number {
  let n = RECORD_FIXED;
  if (r.key !== null) n += r.key.length;
  if (r.value !== null) n += r.value.length;
  const hs = r.headers;
  if (hs !== undefined) {
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      n += 6 + Buffer.byteLength(h.key, 'utf8') + (h.value === null ? 0 : h.value.length);
    }
  }
  return n;
}

/** Whether a record of `size` bytes starts a new batch after one holding `batchBytes`. */
export function startsNewBatch(batchBytes: number, size: number): boolean {
  return batchBytes > 0 && batchBytes + size > MAX_BATCH_BODY;
}

/** Frame bytes added by a batch on top of its records. */
export const BATCH_OVERHEAD = FRAME_HEADER + BATCH_HEADER;

/**
 * Encodes the records of one append for one partition into `buf`, sized by the caller (sum of
 * recordSize plus BATCH_OVERHEAD per batch, batches split with startsNewBatch).
 */
export class BatchBuilder {
  /** Start and end position of every batch frame, its base offset, record count and largest timestamp. */
  readonly frameStarts: number[] = [];
  readonly frameEnds: number[] = [];
  readonly frameBases: number[] = [];
  readonly frameCounts: number[] = [];
  readonly frameMaxTs: number[] = [];
  lastSeq = -1;
  private pos = 0;
  private frameStart = -1;
  private frameCount = 0;
  private frameBytes = 0;
  private maxTs = -Infinity;

  constructor(
    readonly buf: Buffer,
    private nextOffset: number,
    /** One frame for the whole append (all or nothing after a crash: idempotent appends). */
    private readonly singleFrame = false,
  ) {}

  /** Appends `r` (whose recordSize is `size`); returns its offset. */
  add(r: ProduceRecord, size: number, seq: number, timestamp: number): number {
    if (this.frameStart < 0 || (!this.singleFrame && startsNewBatch(this.frameBytes, size))) this.openFrame();
    const buf = this.buf;
    const start = this.pos;
    buf.writeUInt32LE(size, start);
    buf.writeDoubleLE(seq, start + 4);
    buf.writeDoubleLE(timestamp, start + 12);
    let p = writeBytes(buf, start + 20, r.key);
    p = writeBytes(buf, p, r.value);
    const hs = r.headers;
    const hn = hs === undefined ? 0 : hs.length;
    buf.writeUInt16LE(hn, p);
    p += 2;
    for (let i = 0; i < hn; i++) {
      const h = hs![i]!;
      const kl = buf.write(h.key, p + 2, 'utf8');
      buf.writeUInt16LE(kl, p);
      p = writeBytes(buf, p + 2 + kl, h.value);
    }
    this.pos = p;
    this.frameBytes += size;
    this.frameCount++;
    if (timestamp > this.maxTs) this.maxTs = timestamp;
    this.lastSeq = seq;
    return this.nextOffset++;
  }

  private openFrame(): void {
    if (this.frameStart >= 0) this.closeFrame();
    this.frameStart = this.pos;
    this.buf[this.pos + FRAME_HEADER] = VERSION;
    this.buf.writeDoubleLE(this.nextOffset, this.pos + FRAME_HEADER + 1);
    this.frameBases.push(this.nextOffset);
    this.pos += FRAME_HEADER + BATCH_HEADER;
    this.frameCount = 0;
    this.frameBytes = 0;
    this.maxTs = -Infinity;
  }

  private closeFrame(): void {
    const s = this.frameStart;
    const buf = this.buf;
    buf.writeUInt32LE(this.frameCount, s + FRAME_HEADER + 9);
    buf.writeUInt32LE(this.pos - s - FRAME_HEADER, s);
    buf.writeUInt32LE(crc32(buf.subarray(s + FRAME_HEADER, this.pos)), s + 4);
    this.frameStarts.push(s);
    this.frameEnds.push(this.pos);
    this.frameCounts.push(this.frameCount);
    this.frameMaxTs.push(this.maxTs);
  }

  /** Completes the last batch; returns the number of bytes used. */
  finish(): number {
    if (this.frameStart >= 0) this.closeFrame();
    this.frameStart = -1;
    return this.pos;
  }
}

function writeBytes(buf: Buffer, p: number, b: Uint8Array | null): number {
  if (b === null) {
    buf.writeInt32LE(-1, p);
    return p + 4;
  }
  buf.writeInt32LE(b.length, p);
  buf.set(b, p + 4);
  return p + 4 + b.length;
}

/**
 * Length of the complete, valid batch frame at `pos` in buf[..end], or:
 * -1 when the bytes end before the frame does (need more bytes, or a torn tail),
 * -2 when the frame is corrupt (bad length, version or CRC).
 */
export function checkFrame(buf: Buffer, pos: number, end: number, verifyCrc: boolean): number {
  if (end - pos < FRAME_HEADER) return -1;
  const bodyLen = buf.readUInt32LE(pos);
  if (bodyLen < BATCH_HEADER || bodyLen > MAX_BODY) return -2;
  const frameEnd = pos + FRAME_HEADER + bodyLen;
  if (frameEnd > end) return -1;
  if (buf[pos + FRAME_HEADER] !== VERSION) return -2;
  if (verifyCrc && crc32(buf.subarray(pos + FRAME_HEADER, frameEnd)) !== buf.readUInt32LE(pos + 4)) return -2;
  return FRAME_HEADER + bodyLen;
}

/** Total length the frame at `pos` claims (valid only once its first 4 bytes are read). */
export function claimedFrameLength(buf: Buffer, pos: number): number {
  return FRAME_HEADER + buf.readUInt32LE(pos);
}

/** Base offset of the (checked) batch at `pos`. */
export function batchBaseOffset(buf: Buffer, pos: number): number {
  return buf.readDoubleLE(pos + FRAME_HEADER + 1);
}

export function batchCount(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos + FRAME_HEADER + 9);
}

/** Sequence number of the last record and largest timestamp of the (checked) batch at `pos`. */
export function batchSummary(buf: Buffer, pos: number): { lastSeq: number; maxTs: number } {
  const n = batchCount(buf, pos);
  let p = pos + FRAME_HEADER + BATCH_HEADER;
  let lastSeq = -1;
  let maxTs = -Infinity;
  for (let i = 0; i < n; i++) {
    lastSeq = buf.readDoubleLE(p + 4);
    const ts = buf.readDoubleLE(p + 12);
    if (ts > maxTs) maxTs = ts;
    p += buf.readUInt32LE(p);
  }
  return { lastSeq, maxTs };
}

/**
 * Decodes the records of the (checked) batch at `pos` whose offset is >= `from`, at most `max`,
 * into `out`; returns how many. Keys and values are views into `buf` (no copy).
 */
export function decodeBatch(buf: Buffer, pos: number, topic: string, partition: number, from: number, max: number, out: StoredRecord[]): number {
  const base = batchBaseOffset(buf, pos);
  const n = batchCount(buf, pos);
  let p = pos + FRAME_HEADER + BATCH_HEADER;
  let i = 0;
  for (; i < n && base + i < from; i++) p += buf.readUInt32LE(p);
  let taken = 0;
  for (; i < n && taken < max; i++, taken++) {
    const next = p + buf.readUInt32LE(p);
    const seq = buf.readDoubleLE(p + 4);
    const timestamp = buf.readDoubleLE(p + 12);
    p += 20;
    let key: Buffer | null = null;
    const kl = buf.readInt32LE(p);
    p += 4;
    if (kl >= 0) {
      key = buf.subarray(p, p + kl);
      p += kl;
    }
    let value: Buffer | null = null;
    const vl = buf.readInt32LE(p);
    p += 4;
    if (vl >= 0) {
      value = buf.subarray(p, p + vl);
      p += vl;
    }
    const hn = buf.readUInt16LE(p);
    p += 2;
    let headers = NO_HEADERS;
    if (hn > 0) {
      const hs: Header[] = new Array(hn);
      for (let h = 0; h < hn; h++) {
        const hkl = buf.readUInt16LE(p);
        const hkey = buf.toString('utf8', p + 2, p + 2 + hkl);
        p += 2 + hkl;
        const hvl = buf.readInt32LE(p);
        p += 4;
        let hval: Buffer | null = null;
        if (hvl >= 0) {
          hval = buf.subarray(p, p + hvl);
          p += hvl;
        }
        hs[h] = { key: hkey, value: hval };
      }
      headers = hs;
    }
    out.push({ topic, partition, offset: base + i, key, value, timestamp, headers, seq });
    p = next;
  }
  return taken;
}
