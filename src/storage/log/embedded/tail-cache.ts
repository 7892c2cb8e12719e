/**
 * Byte budget for the in-memory tails of all partitions. Each partition keeps its most recently
 * appended records (decoded, viewing the batch buffer that was written) so consumers that keep up
 * never touch the file. Batches are admitted in append order and evicted oldest first, which
 * always trims the front of some partition's tail, so a tail stays a contiguous run of offsets.
 */

export interface CachedTail {
  /** Drops the `count` oldest cached records. */
  evictOldest(count: number): void;
}

interface Chunk {
  readonly owner: CachedTail;
  readonly count: number;
  readonly bytes: number;
}

export class TailCache {
  private chunks: Chunk[] = [];
  private head = 0;
  private bytes = 0;

  constructor(readonly budget: number) {}

  get usedBytes(): number {
    return this.bytes;
  }

  admit(owner: CachedTail, count: number, bytes: number): void {
    this.chunks.push({ owner, count, bytes });
    this.bytes += bytes;
    while (this.bytes > this.budget && this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      this.head++;
      this.bytes -= c.bytes;
      c.owner.evictOldest(c.count);
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets every chunk of `owner` (its partition is gone). */
  drop(owner: CachedTail): void {
    const kept: Chunk[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (c.owner === owner) this.bytes -= c.bytes;
      else kept.push(c);
    }
    this.chunks = kept;
    this.head = 0;
  }
}
