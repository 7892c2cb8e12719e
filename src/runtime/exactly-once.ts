/**
 * How a persistent query writes its outputs: at-least-once (ksqlDB's default) or exactly-once
 * (`processing.guarantee` = `exactly_once_v2` or `exactly_once`, per query or server-wide).
 *
 * Exactly-once on the embedded log makes outputs idempotent by batch identity instead of
 * committing them atomically with the input positions: every append of a chunk's outputs carries
 * the query's producer id (its consumer group) and, as sequence number, the sum of its input
 * positions after that chunk. The log skips a partition's share of an append whose sequence number
 * it already holds from that producer (src/storage/log/embedded/producers.ts). After a crash the
 * query resumes at its committed positions and replays the uncommitted input; state is rebuilt by
 * the replay, and the outputs that had landed are skipped. The replay polls so that it never spans
 * one of the sequence numbers the log holds (`limit`): every replayed chunk then lies wholly
 * before or wholly after what each partition has, so each output is skipped exactly when its first
 * run landed. It costs one small journal write per chunk append, not per record, and nothing at
 * commit; readers never see an output that is later retracted, so they need no read_committed.
 * It relies on outputs being a function of the committed state and the input (true of the SQL
 * operators; not of functions of wall-clock time such as UNIX_TIMESTAMP()).
 */
import type { AppendIdentity, Log, ProduceRecord } from '../storage/log/log.js';

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once';

/** ksqlDB's `processing.guarantee`: `exactly_once_v2` (and the older `exactly_once`) turn it on. */
export function processingGuarantee(config: Readonly<Record<string, string>>): ProcessingGuarantee {
  const v = (config['processing.guarantee'] ?? '').trim().toLowerCase();
  return v === 'exactly_once_v2' || v === 'exactly_once' ? 'exactly_once' : 'at_least_once';
}

/** A query's output path for one micro-batch at a time. */
export interface OutputWriter {
  /** Exactly-once: a chunk's outputs must not depend on where its batch ends (see runChunk). */
  readonly idempotent: boolean;
  /** Before a batch's first poll: learn where a replay must cut its chunks. */
  begin(positions: ReadonlyMap<string, readonly number[]>): Promise<void>;
  /** Records the next poll may take (`want` or fewer). */
  limit(want: number, positions: ReadonlyMap<string, readonly number[]>): number;
  /** Append the outputs of the records consumed up to `positions`. */
  append(topic: string, records: readonly ProduceRecord[], positions: ReadonlyMap<string, readonly number[]>): Promise<void>;
}

let warnedUnsupported = false;

export function outputWriter(log: Log, guarantee: ProcessingGuarantee, producer: string, outputTopics: readonly string[]): OutputWriter {
  if (guarantee === 'exactly_once' && log.producerSeqs !== undefined) return new IdempotentWriter(log, producer, outputTopics);
  if (guarantee === 'exactly_once' && !warnedUnsupported) {
    // Kafka transactions are not implemented yet: say so rather than pretend.
    warnedUnsupported = true;
    process.emitWarning('processing.guarantee=exactly_once_v2 is not supported on this log (Kafka) yet: outputs are at-least-once', { code: 'SLUICE_EXACTLY_ONCE_UNSUPPORTED' });
  }
  return atLeastOnce(log);
}

function atLeastOnce(log: Log): OutputWriter {
  return {
    idempotent: false,
    begin: () => Promise.resolve(),
    limit: (want) => want,
    append: async (topic, records) => {
      await log.append(topic, records);
    },
  };
}

/** Sum of the input positions: grows by one per record consumed, so it names an input prefix. */
function inputSeq(positions: ReadonlyMap<string, readonly number[]>): number {
  let s = 0;
  for (const ps of positions.values()) for (const p of ps) if (p > 0) s += p;
  return s;
}

class IdempotentWriter implements OutputWriter {
  readonly idempotent = true;
  /** Sequence numbers the log holds beyond the batch's start, ascending (empty unless replaying). */
  private cuts: number[] = [];

  constructor(
    private readonly log: Log,
    private readonly producer: string,
    private readonly topics: readonly string[],
  ) {}

  async begin(positions: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const start = inputSeq(positions);
    const held = new Set<number>();
    for (const t of this.topics) for (const s of await this.log.producerSeqs!(t, this.producer)) if (s > start) held.add(s);
    this.cuts = [...held].sort((a, b) => a - b);
  }

  limit(want: number, positions: ReadonlyMap<string, readonly number[]>): number {
    if (this.cuts.length === 0) return want;
    const at = inputSeq(positions);
    while (this.cuts.length > 0 && this.cuts[0]! <= at) this.cuts.shift();
    return this.cuts.length === 0 ? want : Math.max(1, Math.min(want, this.cuts[0]! - at));
  }

  async append(topic: string, records: readonly ProduceRecord[], positions: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const identity: AppendIdentity = { producer: this.producer, seq: inputSeq(positions) };
    await this.log.append(topic, records, identity);
  }
}
