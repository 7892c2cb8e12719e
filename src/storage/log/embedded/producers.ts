/**
 * Idempotent appends on the embedded log (exactly-once outputs). An exactly-once query tags every
 * append of its outputs with its producer id and a sequence number that grows with its input (the
 * sum of its input positions after the records whose outputs these are). Per partition the log
 * keeps the highest sequence number each producer has written, and drops the part of an append
 * whose sequence number it already holds: after a crash the query replays its uncommitted input,
 * and the outputs that had landed before the crash are not written twice.
 *
 * Durability, per topic, in `producers.log` next to the partitions: before the records of a tagged
 * append are written, one line `{"id","seq","parts":[[partition, end offset], ...]}` records the
 * intent. Each partition's share of a tagged append is one batch frame (one CRC: all or nothing),
 * so at open an intent took effect exactly when its partition reaches its end offset. Appends are
 * synchronous and sequential, so only the last intent of a partition can be unfulfilled; the
 * journal is compacted at open (before any append could fill those offsets with other records) and
 * whenever it grows long.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './fs-util.js';

const FILE = 'producers.log';
/** Lines after which the journal is rewritten with only the latest sequence numbers. */
const COMPACT_LINES = 20_000;

interface Line {
  readonly id: string;
  readonly seq: number;
  readonly parts: readonly (readonly [number, number])[];
}

export class ProducerJournal {
  /** producer → highest sequence number held, per partition (-1: none). */
  private readonly seqs = new Map<string, Float64Array>();
  private fd = -1;
  private lines = 0;

  private constructor(
    private readonly file: string,
    private readonly partitions: number,
    private readonly fsync: boolean,
  ) {}

  /** Loads the journal of the topic in `dir`, keeping the intents its partitions fulfil (nextOffsets). */
  static open(dir: string, nextOffsets: readonly number[], fsync: boolean): ProducerJournal {
    const j = new ProducerJournal(path.join(dir, FILE), nextOffsets.length, fsync);
    let text: string;
    try {
      text = fs.readFileSync(j.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return j;
    }
    for (const raw of text.split('\n')) {
      if (raw.length === 0) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // a torn last line: its records were never written (the intent precedes them)
      }
      for (const [p, end] of line.parts) if ((nextOffsets[p] ?? -1) >= end) j.note(line.id, p, line.seq);
    }
    j.compact();
    return j;
  }

  /** Highest sequence number of `producer` in each partition (-1: none). */
  seqsOf(producer: string): readonly number[] {
    const s = this.seqs.get(producer);
    return s === undefined ? new Array<number>(this.partitions).fill(-1) : Array.from(s);
  }

  /** Whether partition `p` already holds `seq` (or a later one) of `producer`. */
  holds(producer: string, p: number, seq: number): boolean {
    const s = this.seqs.get(producer);
    return s !== undefined && s[p]! >= seq;
  }

  /** Records the intent of a tagged append, before its records are written. */
  intend(producer: string, seq: number, parts: readonly (readonly [number, number])[]): void {
    if (this.lines >= COMPACT_LINES) this.compact();
    if (this.fd < 0) this.fd = fs.openSync(this.file, 'a');
    fs.writeSync(this.fd, JSON.stringify({ id: producer, seq, parts }) + '\n');
    if (this.fsync) fs.fdatasyncSync(this.fd);
    this.lines++;
  }

  /** After the records of an intent are written. */
  done(producer: string, seq: number, parts: readonly (readonly [number, number])[]): void {
    for (const [p] of parts) this.note(producer, p, seq);
  }

  private note(producer: string, p: number, seq: number): void {
    let s = this.seqs.get(producer);
    if (s === undefined) this.seqs.set(producer, (s = new Float64Array(this.partitions).fill(-1)));
    if (seq > s[p]!) s[p] = seq;
  }

  /** Rewrites the journal with one always-fulfilled line per producer and partition. */
  private compact(): void {
    this.closeFd();
    if (this.seqs.size === 0) {
      fs.rmSync(this.file, { force: true });
      this.lines = 0;
      return;
    }
    let out = '';
    let n = 0;
    for (const [id, s] of this.seqs) {
      s.forEach((seq, p) => {
        if (seq < 0) return;
        out += JSON.stringify({ id, seq, parts: [[p, 0]] }) + '\n';
        n++;
      });
    }
    writeFileAtomic(this.file, out, this.fsync);
    this.lines = n;
  }

  private closeFd(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  close(): void {
    this.closeFd();
  }
}
