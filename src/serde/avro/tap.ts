/**
 * Avro's binary encoding: zig-zag varints for int/long, little-endian IEEE floats, length-prefixed
 * bytes and UTF-8 strings. ReadTap reads from a record's buffer (reads past the end give NaN/garbage
 * that `check` turns into an error, as avsc does); WriteTap writes into a reused scratch buffer and
 * only counts what does not fit, so the caller grows the buffer and writes again.
 */
interface FastBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number, length: number): number;
}

const proto = Buffer.prototype as Partial<FastBuffer>;
const FAST = typeof proto.utf8Slice === 'function' && typeof proto.latin1Slice === 'function' && typeof proto.utf8Write === 'function';

/**
 * Short ASCII strings recently read, by a hash of their bytes: values such as channel names or
 * status codes repeat, and finding one again costs less than decoding (and allocating) it.
 */
const SHORT = 16;
const STRINGS: (string | undefined)[] = new Array<string | undefined>(2048);

export class AvroDataError extends Error {}

export class ReadTap {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  reset(buf: Buffer, pos: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = buf.length;
  }

  /** Throws when a read went past the end of the data. */
  check(): void {
    if (this.pos > this.end) throw new AvroDataError('Malformed data: unexpected end of record');
  }

  readBoolean(): boolean {
    return this.buf[this.pos++] === 1;
  }

  readLong(): number {
    const buf = this.buf;
    let n = 0;
    let k = 0;
    let b: number;
    let h: number;
    do {
      b = buf[this.pos++]!;
      h = b & 0x80;
      n |= (b & 0x7f) << k;
      k += 7;
    } while (h && k < 28);
    if (h) {
      // Past 28 bits: floating-point arithmetic (exact up to 2^53); the sign is the lowest bit.
      // f accumulates the magnitude ((raw + sign) / 2), exact while the value is.
      const low = n & 1;
      let f = (n >>> 1) + low;
      let fk = 134217728;
      do {
        b = buf[this.pos++]!;
        f += (b & 0x7f) * fk;
        fk *= 128;
      } while (b & 0x80 && fk < 1e30);
      return low ? -f : f;
    }
    return (n >> 1) ^ -(n & 1);
  }

  skipLong(): void {
    const buf = this.buf;
    const end = this.end;
    while (buf[this.pos++]! & 0x80 && this.pos < end);
  }

  readFloat(): number {
    const p = this.pos;
    this.pos += 4;
    return this.pos > this.end ? 0 : this.buf.readFloatLE(p);
  }

  readDouble(): number {
    const p = this.pos;
    this.pos += 8;
    return this.pos > this.end ? 0 : this.buf.readDoubleLE(p);
  }

  /** The length of bytes/strings, checked against the data left. */
  private length(): number {
    const len = this.readLong();
    if (len < 0 || this.pos + len > this.end) throw new AvroDataError(`Malformed data: invalid length ${len}`);
    return len;
  }

  readString(): string {
    const len = this.length();
    const p = this.pos;
    this.pos += len;
    const buf = this.buf;
    if (!FAST) return buf.toString('utf8', p, p + len);
    if (len <= SHORT) {
      let h = len;
      let high = 0;
      for (let i = p; i < p + len; i++) {
        const c = buf[i]!;
        h = (h * 31 + c) | 0;
        high |= c;
      }
      if (high < 0x80) {
        const slot = h & 2047;
        const known = STRINGS[slot];
        if (known !== undefined && known.length === len) {
          let i = 0;
          while (i < len && known.charCodeAt(i) === buf[p + i]) i++;
          if (i === len) return known;
        }
        return (STRINGS[slot] = (buf as FastBuffer).latin1Slice(p, p + len));
      }
    }
    return (buf as FastBuffer).utf8Slice(p, p + len);
  }

  /** A copy: the record's buffer may be reused. */
  readBytes(): Buffer {
    return this.readFixed(this.length());
  }

  readFixed(len: number): Buffer {
    const p = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new AvroDataError('Malformed data: unexpected end of record');
    const out = Buffer.allocUnsafe(len);
    this.buf.copy(out, 0, p, p + len);
    return out;
  }

  skipBytes(): void {
    const len = this.length();
    this.pos += len;
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** The count of the next array/map block; a negative count is followed by the block's size. */
  readBlockCount(): number {
    let n = this.readLong();
    if (n < 0) {
      n = -n;
      this.readLong();
    }
    if (n > this.end - this.pos + 1 && n > 1e6) throw new AvroDataError(`Malformed data: invalid block count ${n}`);
    return n;
  }
}

export class WriteTap {
  buf: Buffer;
  pos = 0;

  constructor(size = 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Whether everything written fit in the buffer. */
  fits(): boolean {
    return this.pos <= this.buf.length;
  }

  grow(): void {
    this.buf = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos * 2));
  }

  /** The bytes written, copied out of the scratch buffer. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  writeBoolean(b: boolean): void {
    this.buf[this.pos++] = b ? 1 : 0;
  }

  writeLong(n: number): void {
    const buf = this.buf;
    if (n >= -1073741824 && n < 1073741824) {
      let m = n >= 0 ? n << 1 : (~n << 1) | 1;
      do {
        buf[this.pos] = m & 0x7f;
        m >>= 7;
      } while (m && (buf[this.pos++]! |= 0x80));
    } else if (!(n > -4503599627370496 && n < 4503599627370496) || !Number.isInteger(n)) {
      // From 2^52 on, 2n is not exact in floating point: the integer the number is, exactly.
      if (!Number.isFinite(n)) throw new AvroDataError(`Not a long: ${n}`);
      const v = BigInt(Math.trunc(n));
      this.writeBigLong(v > 9223372036854775807n ? 9223372036854775807n : v < -9223372036854775808n ? -9223372036854775808n : v);
      return;
    } else {
      let f = n >= 0 ? n * 2 : -n * 2 - 1;
      do {
        buf[this.pos] = f & 0x7f;
        f /= 128;
      } while (f >= 1 && (buf[this.pos++]! |= 0x80));
    }
    this.pos++;
  }

  /** A long given exactly (beyond 2^53), for test data. */
  writeBigLong(n: bigint): void {
    let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
    do {
      let b = Number(z & 0x7fn);
      z >>= 7n;
      if (z > 0n) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (z > 0n);
  }

  writeFloat(f: number): void {
    const p = this.pos;
    this.pos += 4;
    if (this.pos <= this.buf.length) this.buf.writeFloatLE(f, p);
  }

  writeDouble(d: number): void {
    const p = this.pos;
    this.pos += 8;
    if (this.pos <= this.buf.length) this.buf.writeDoubleLE(d, p);
  }

  writeString(s: string): void {
    const len = s.length < 64 ? asciiLength(s) : -1;
    if (len >= 0) {
      this.writeLong(len);
      const buf = this.buf;
      let p = this.pos;
      this.pos += len;
      if (this.pos > buf.length) return;
      for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
      return;
    }
    const n = Buffer.byteLength(s);
    this.writeLong(n);
    const p = this.pos;
    this.pos += n;
    if (this.pos > this.buf.length) return;
    if (FAST) (this.buf as FastBuffer).utf8Write(s, p, n);
    else this.buf.write(s, p, n, 'utf8');
  }

  writeBytes(b: Uint8Array): void {
    this.writeLong(b.length);
    this.writeFixed(b);
  }

  /** An unscaled decimal as bytes: two's complement in the fewest bytes (BigInteger.toByteArray). */
  writeDecimal(u: bigint): void {
    if (u < -0x800000000000n || u >= 0x800000000000n) return this.writeBytes(bigDecimalBytes(u));
    const x = Number(u);
    let n = 1;
    while (n < 6 && !(x >= -(2 ** (8 * n - 1)) && x < 2 ** (8 * n - 1))) n++;
    this.writeLong(n);
    const p = this.pos;
    this.pos += n;
    if (this.pos <= this.buf.length) this.buf.writeIntBE(x, p, n);
  }

  writeFixed(b: Uint8Array): void {
    const p = this.pos;
    this.pos += b.length;
    if (this.pos <= this.buf.length) this.buf.set(b, p);
  }
}

/** BigInteger.toByteArray of a large unscaled value. */
function bigDecimalBytes(u: bigint): Buffer {
  let n = 1;
  while (u < -(1n << BigInt(8 * n - 1)) || u >= 1n << BigInt(8 * n - 1)) n++;
  const v = u < 0n ? (1n << BigInt(8 * n)) + u : u;
  return Buffer.from(v.toString(16).padStart(2 * n, '0'), 'hex');
}

/** The length of an all-ASCII string, or -1. */
function asciiLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return -1;
  return s.length;
}
