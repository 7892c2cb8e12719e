/**
 * 8-byte big-endian two's complement integers as JS numbers, without a BigInt per call for values
 * within ±2^53 (measured: the BigInt conversions were most of the KAFKA BIGINT key and windowed
 * key encoding in an aggregation's profile). Other values take the BigInt path, with its rounding
 * and range errors.
 */
const TWO_32 = 4294967296;

export function writeInt64BE(buf: Buffer, v: number, offset: number): void {
  if (Number.isSafeInteger(v)) {
    const hi = Math.floor(v / TWO_32);
    buf.writeInt32BE(hi, offset);
    buf.writeUInt32BE(v - hi * TWO_32, offset + 4);
    return;
  }
  buf.writeBigInt64BE(BigInt(v), offset);
}

export function readInt64BE(buf: Buffer, offset: number): number {
  const hi = buf.readInt32BE(offset);
  // |hi| < 2^21: the value is within ±2^53, exact as a double.
  if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + buf.readUInt32BE(offset + 4);
  return Number(buf.readBigInt64BE(offset));
}
