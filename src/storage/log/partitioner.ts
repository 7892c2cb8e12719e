import { ExecutionError } from '../../errors.js';
/**
 * Kafka's default partitioner for keyed records: `toPositive(murmur2(keyBytes)) % numPartitions`,
 * bit-for-bit the Java client's variant (seed 0x9747b28c), so a key lands in the same partition here
 * as it would on Kafka. Records without a key are spread round-robin.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2): a signed 32-bit hash. */
export function kafkaMurmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    // Kafka's switch falls through from case 3 to case 1.
    if (rest === 3) h ^= data[whole + 2]! << 16;
    if (rest >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils#toPositive: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** Round-robin over partitions for records without a key. One instance per topic. */
export class RoundRobinPartitioner {
  private counter = 0;
  next(numPartitions: number): number {
    const p = this.counter % numPartitions;
    this.counter = (this.counter + 1) & 0x3fffffff;
    return p;
  }
}

const sharedRoundRobin = new RoundRobinPartitioner();

/**
 * The partition a record with this key goes to among `numPartitions`, as Kafka's default partitioner.
 * A null key takes the next partition of a process-wide round-robin counter.
 */
export function partitionForKey(key: Uint8Array | null, numPartitions: number): number {
  if (key === null) return sharedRoundRobin.next(numPartitions);
  return toPositive(kafkaMurmur2(key)) % numPartitions;
}

/**
 * The partition of one record being appended: its explicit partition (checked), else by key, else
 * round-robin; also rejects a non-finite timestamp. Shared by every Log implementation.
 */
export function choosePartition(
  r: { readonly key: Buffer | null; readonly partition?: number; readonly timestamp?: number },
  numPartitions: number,
  roundRobin: RoundRobinPartitioner,
  topic: string,
): number {
  let p: number;
  if (r.partition !== undefined) {
    p = r.partition;
    if (!Number.isInteger(p) || p < 0 || p >= numPartitions) {
      throw new ExecutionError(`partition ${p} does not exist in topic '${topic}' (${numPartitions} partitions)`);
    }
  } else p = r.key === null ? roundRobin.next(numPartitions) : partitionForKey(r.key, numPartitions);
  if (r.timestamp !== undefined && !Number.isFinite(r.timestamp)) throw new ExecutionError(`invalid record timestamp ${r.timestamp}`);
  return p;
}
