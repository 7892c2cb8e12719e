/**
 * A segment: one file of consecutive record frames (`<baseOffset>.log`) and its sparse offset index
 * (`<baseOffset>.index`, 16-byte entries: u32 relativeOffset | u32 filePosition | f64 maxTimestampSoFar,
 * each pointing at a batch frame). An entry is added for the first batch and then whenever
 * `indexIntervalBytes` have been written since the last one; a closed (rolled) segment ends with an
 * entry for its last batch, so its last
 * entry carries the segment's largest timestamp (used by time retention). The index is advisory:
 * it is validated on open and rebuilt from the log when missing or inconsistent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { batchBaseOffset, batchCount, batchSummary, checkFrame, claimedFrameLength } from './codec.js';

const INDEX_ENTRY = 16;
const SCAN_CHUNK = 1 << 20;

export function segmentFileName(baseOffset: number, ext: 'log' | 'index'): string {
  return `${String(baseOffset).padStart(20, '0')}.${ext}`;
}

/** Keeps at most `limit` closed segments holding an open fd and a loaded index (LRU). */
export class OpenSegments {
  private readonly open = new Set<Segment>();
  constructor(private readonly limit: number) {}

  touch(seg: Segment): void {
    if (this.open.delete(seg)) {
      this.open.add(seg);
      return;
    }
    this.open.add(seg);
    if (this.open.size > this.limit) {
      for (const victim of this.open) {
        if (this.open.size <= this.limit) break;
        if (victim.active) continue;
        this.open.delete(victim);
        victim.release();
      }
    }
  }

  forget(seg: Segment): void {
    this.open.delete(seg);
  }
}

export interface SegmentOptions {
  readonly indexIntervalBytes: number;
}

export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  /** Bytes of valid frames. */
  size = 0;
  /** Offset after the last record (valid for the active segment; for others, the next segment's base). */
  nextOffset: number;
  maxTimestamp = -Infinity;
  /** Sequence number of the last record (-1 when empty); known for the active segment. */
  lastSeq = -1;
  active = false;

  private fd = -1;
  private indexFd = -1;
  private idxRel: number[] | null = null;
  private idxPos: number[] | null = null;
  private idxTs: number[] | null = null;
  private bytesSinceIndex = 0;
  /** Position and base offset of the last batch. */
  private lastBatchPos = -1;
  private lastBatchBase = -1;

  constructor(
    dir: string,
    readonly baseOffset: number,
    private readonly opts: SegmentOptions,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, 'log'));
    this.indexPath = path.join(dir, segmentFileName(baseOffset, 'index'));
    this.nextOffset = baseOffset;
  }

  /** Creates an empty segment file, ready for appends. */
  static create(dir: string, baseOffset: number, opts: SegmentOptions): Segment {
    const seg = new Segment(dir, baseOffset, opts);
    seg.fd = fs.openSync(seg.logPath, 'w+');
    seg.indexFd = fs.openSync(seg.indexPath, 'w+');
    seg.idxRel = [];
    seg.idxPos = [];
    seg.idxTs = [];
    seg.bytesSinceIndex = opts.indexIntervalBytes;
    seg.active = true;
    return seg;
  }

  /** Opens a closed (not last) segment: reads its size and largest timestamp, rebuilding the index if needed. */
  static openClosed(dir: string, baseOffset: number, nextOffset: number, opts: SegmentOptions): Segment {
    const seg = new Segment(dir, baseOffset, opts);
    seg.size = fs.statSync(seg.logPath).size;
    seg.nextOffset = nextOffset;
    const tail = seg.readLastIndexEntry();
    if (tail === undefined) {
      seg.recover(false);
      seg.release();
    } else {
      seg.maxTimestamp = tail.maxTs;
    }
    return seg;
  }

  /** Opens the last segment for appending: scans from its last valid index entry and truncates a torn tail. */
  static openActive(dir: string, baseOffset: number, opts: SegmentOptions): Segment {
    const seg = new Segment(dir, baseOffset, opts);
    seg.size = fs.statSync(seg.logPath).size;
    seg.recover(true);
    seg.active = true;
    return seg;
  }

  /** The last index entry, if the index file looks consistent with the log file. */
  private readLastIndexEntry(): { pos: number; maxTs: number } | undefined {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.indexPath);
    } catch {
      return undefined;
    }
    if (st.size === 0 || st.size % INDEX_ENTRY !== 0) return undefined;
    const b = Buffer.alloc(INDEX_ENTRY);
    const fd = fs.openSync(this.indexPath, 'r');
    try {
      fs.readSync(fd, b, 0, INDEX_ENTRY, st.size - INDEX_ENTRY);
    } finally {
      fs.closeSync(fd);
    }
    const pos = b.readUInt32LE(4);
    if (pos >= this.size) return undefined;
    return { pos, maxTs: b.readDoubleLE(8) };
  }

  /**
   * Validates the index against the log, scans the frames after the last good entry (all of them when
   * the index is unusable), truncates the log after the last complete frame and rewrites the index.
   * Sets size, nextOffset, lastSeq, maxTimestamp. `keepOpen`: leave fds open for appending.
   */
  private recover(keepOpen: boolean): void {
    this.fd = fs.openSync(this.logPath, 'r+');
    const rel: number[] = [];
    const pos: number[] = [];
    const tss: number[] = [];
    const idx = this.readIndexFile();
    const probe = Buffer.allocUnsafe(64 * 1024);
    // Keep the index entries up to the last one that points at a valid frame with the expected offset.
    for (let n = idx.rel.length; n > 0; n--) {
      const p = idx.pos[n - 1]!;
      if (p >= this.size) continue;
      if (this.frameAt(p, probe) === this.baseOffset + idx.rel[n - 1]!) {
        for (let i = 0; i < n; i++) {
          rel.push(idx.rel[i]!);
          pos.push(idx.pos[i]!);
          tss.push(idx.maxTs[i]!);
        }
        break;
      }
    }
    this.idxRel = rel;
    this.idxPos = pos;
    this.idxTs = tss;
    const n = rel.length;
    this.maxTimestamp = n > 0 ? tss[n - 1]! : -Infinity;
    this.nextOffset = n > 0 ? this.baseOffset + rel[n - 1]! : this.baseOffset;
    this.bytesSinceIndex = n > 0 ? 0 : this.opts.indexIntervalBytes;
    const end = this.scan(n > 0 ? pos[n - 1]! : 0, n > 0);
    if (end < this.size) fs.ftruncateSync(this.fd, end);
    this.size = end;
    // Rewrite the index to exactly the entries kept and found.
    const out = Buffer.alloc(rel.length * INDEX_ENTRY);
    for (let i = 0; i < rel.length; i++) {
      out.writeUInt32LE(rel[i]!, i * INDEX_ENTRY);
      out.writeUInt32LE(pos[i]!, i * INDEX_ENTRY + 4);
      out.writeDoubleLE(tss[i]!, i * INDEX_ENTRY + 8);
    }
    fs.writeFileSync(this.indexPath, out);
    if (keepOpen) {
      this.indexFd = fs.openSync(this.indexPath, 'r+');
    }
  }

  /** Base offset of the valid batch at `p`, or -1. */
  private frameAt(p: number, probe: Buffer): number {
    let buf = probe;
    let n = fs.readSync(this.fd, buf, 0, buf.length, p);
    let len = checkFrame(buf, 0, n, true);
    if (len === -1 && n === buf.length) {
      buf = Buffer.allocUnsafe(claimedFrameLength(buf, 0));
      n = fs.readSync(this.fd, buf, 0, buf.length, p);
      len = checkFrame(buf, 0, n, true);
    }
    return len > 0 ? batchBaseOffset(buf, 0) : -1;
  }

  /** Walks valid batches from `from` to the file end, indexing them; returns the end of the last valid one. */
  private scan(from: number, firstIsIndexed: boolean): number {
    let buf = Buffer.allocUnsafe(SCAN_CHUNK);
    let pos = from;
    let skipIndex = firstIsIndexed;
    for (;;) {
      const n = fs.readSync(this.fd, buf, 0, buf.length, pos);
      if (n === 0) return pos;
      let p = 0;
      for (;;) {
        const len = checkFrame(buf, p, n, true);
        if (len === -2) return pos + p;
        if (len === -1) break;
        const base = batchBaseOffset(buf, p);
        if (base !== this.nextOffset) return pos + p;
        const { lastSeq, maxTs } = batchSummary(buf, p);
        if (maxTs > this.maxTimestamp) this.maxTimestamp = maxTs;
        if (skipIndex) skipIndex = false;
        else this.maybeIndex(base, pos + p, len, false);
        this.nextOffset = base + batchCount(buf, p);
        this.lastSeq = lastSeq;
        this.lastBatchPos = pos + p;
        this.lastBatchBase = base;
        p += len;
      }
      if (p === 0) {
        // A batch larger than the buffer, or a torn tail.
        if (n < buf.length) return pos;
        const need = claimedFrameLength(buf, 0);
        if (need <= buf.length) return pos;
        buf = Buffer.allocUnsafe(need);
        continue;
      }
      pos += p;
    }
  }

  private readIndexFile(): { rel: number[]; pos: number[]; maxTs: number[] } {
    const rel: number[] = [];
    const pos: number[] = [];
    const maxTs: number[] = [];
    let b: Buffer;
    try {
      b = fs.readFileSync(this.indexPath);
    } catch {
      return { rel, pos, maxTs };
    }
    const n = Math.floor(b.length / INDEX_ENTRY);
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < n; i++) {
      const r = b.readUInt32LE(i * INDEX_ENTRY);
      const p = b.readUInt32LE(i * INDEX_ENTRY + 4);
      if (r < prevRel || p < prevPos) break; // not monotonic: ignore the rest
      rel.push(r);
      pos.push(p);
      maxTs.push(b.readDoubleLE(i * INDEX_ENTRY + 8));
      prevRel = r;
      prevPos = p;
    }
    return { rel, pos, maxTs };
  }

  /** Adds an index entry for the batch (base `offset`) at `filePos` when due or forced; writes it if asked. */
  private maybeIndex(offset: number, filePos: number, frameLen: number, write: boolean, force = false): void {
    if (this.bytesSinceIndex >= this.opts.indexIntervalBytes || force) {
      const rel = offset - this.baseOffset;
      this.idxRel!.push(rel);
      this.idxPos!.push(filePos);
      this.idxTs!.push(this.maxTimestamp);
      this.bytesSinceIndex = 0;
      if (write) {
        const e = Buffer.allocUnsafe(INDEX_ENTRY);
        e.writeUInt32LE(rel, 0);
        e.writeUInt32LE(filePos, 4);
        e.writeDoubleLE(this.maxTimestamp, 8);
        fs.writeSync(this.indexFd, e, 0, INDEX_ENTRY, (this.idxRel!.length - 1) * INDEX_ENTRY);
      }
    }
    this.bytesSinceIndex += frameLen;
  }

  /**
   * Appends encoded batch frames (buf[0..len]); frame i ends at frameEnds[i] (relative to buf), holds
   * frameCounts[i] records with largest timestamp frameMaxTs[i]. Their offsets start at nextOffset.
   */
  append(
    buf: Buffer,
    len: number,
    frameEnds: readonly number[],
    frameCounts: readonly number[],
    frameMaxTs: readonly number[],
    lastSeq: number,
    fsync: boolean,
  ): void {
    let written = 0;
    while (written < len) written += fs.writeSync(this.fd, buf, written, len - written, this.size + written);
    if (fsync) fs.fdatasyncSync(this.fd);
    let start = 0;
    for (let i = 0; i < frameEnds.length; i++) {
      const ts = frameMaxTs[i]!;
      if (ts > this.maxTimestamp) this.maxTimestamp = ts;
      const end = frameEnds[i]!;
      this.maybeIndex(this.nextOffset, this.size + start, end - start, true);
      this.lastBatchPos = this.size + start;
      this.lastBatchBase = this.nextOffset;
      this.nextOffset += frameCounts[i]!;
      start = end;
    }
    this.size += len;
    this.lastSeq = lastSeq;
  }

  /** Seals the segment before a new one is rolled: a final index entry for the last batch, fds closed. */
  seal(): void {
    if (this.lastBatchPos >= 0) {
      const n = this.idxPos!.length;
      if (n === 0 || this.idxPos![n - 1] !== this.lastBatchPos) {
        this.maybeIndex(this.lastBatchBase, this.lastBatchPos, 0, true, true);
      } else {
        // Rewrite the last entry so it carries the final max timestamp.
        this.idxTs![n - 1] = this.maxTimestamp;
        const e = Buffer.allocUnsafe(8);
        e.writeDoubleLE(this.maxTimestamp, 0);
        fs.writeSync(this.indexFd, e, 0, 8, (n - 1) * INDEX_ENTRY + 8);
      }
    }
    this.active = false;
    this.release();
  }

  /** Loads the index and opens the fd of a closed segment (the caller tracks it in OpenSegments). */
  ensureOpen(): void {
    if (this.fd < 0) this.fd = fs.openSync(this.logPath, 'r');
    if (this.idxRel === null) {
      const idx = this.readIndexFile();
      this.idxRel = idx.rel;
      this.idxPos = idx.pos;
      this.idxTs = idx.maxTs;
    }
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** File position to start reading at to find `offset` (the closest indexed batch at or before it). */
  lookup(offset: number): number {
    const rel = offset - this.baseOffset;
    const rs = this.idxRel!;
    let lo = 0;
    let hi = rs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rs[mid]! <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.idxPos![found]!;
  }

  readInto(buf: Buffer, len: number, filePos: number): number {
    return fs.readSync(this.fd, buf, 0, len, filePos);
  }

  flush(): void {
    if (this.fd >= 0) fs.fdatasyncSync(this.fd);
  }

  /** Closes fds and drops the in-memory index (reloaded on demand). */
  release(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    if (this.indexFd >= 0) fs.closeSync(this.indexFd);
    this.fd = -1;
    this.indexFd = -1;
    if (!this.active) {
      this.idxRel = null;
      this.idxPos = null;
      this.idxTs = null;
    }
  }

  delete(): void {
    this.active = false;
    this.release();
    fs.rmSync(this.logPath, { force: true });
    fs.rmSync(this.indexPath, { force: true });
  }
}
