/**
 * The Protobuf binary encoding: varints, zig-zag, fixed-width numbers and length-delimited
 * fields. Reading is bounds-checked (malformed input throws WireError, never reads past the end
 * or loops); 64-bit integers are JavaScript numbers (exact up to 2^53), as the engine holds BIGINT.
 */

export class WireError extends Error {
  override readonly name = 'WireError';
}

export const enum WireType {
  VARINT = 0,
  I64 = 1,
  LEN = 2,
  SGROUP = 3,
  EGROUP = 4,
  I32 = 5,
}

const TWO_32 = 4294967296;

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** A varint's low 32 bits, as an unsigned number. */
  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    if (p >= this.end) throw new WireError('Truncated message');
    let c = b[p++]!;
    if (c < 0x80) {
      this.pos = p;
      return c;
    }
    let v = c & 0x7f;
    let shift = 7;
    for (;;) {
      if (p >= this.end) throw new WireError('Truncated message');
      c = b[p++]!;
      if (shift < 28) v |= (c & 0x7f) << shift;
      else if (shift === 28) v = (v | ((c & 0x0f) << 28)) >>> 0;
      if (c < 0x80) break;
      shift += 7;
      if (shift > 63) throw new WireError('Malformed varint');
    }
    this.pos = p;
    return v >>> 0;
  }

  /** A varint as a signed 32-bit integer (int32, enum). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** A varint as a signed 64-bit integer (int64, and uint64 as Java's signed long). */
  int64(): number {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (p >= this.end) throw new WireError('Truncated message');
      const c = b[p++]!;
      if (shift < 28) lo |= (c & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (c & 0x0f) << 28;
        hi |= (c & 0x7f) >>> 4;
      } else hi |= (c & 0x7f) << (shift - 32);
      if (c < 0x80) break;
      shift += 7;
      if (shift > 63) throw new WireError('Malformed varint');
    }
    this.pos = p;
    return (hi | 0) * TWO_32 + (lo >>> 0);
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  sint64(): number {
    // zig-zag over 64 bits: read the raw bits, then undo.
    const raw = this.uint64Big();
    const v = (raw >> 1n) ^ -(raw & 1n);
    return Number(BigInt.asIntN(64, v));
  }

  private uint64Big(): bigint {
    const b = this.buf;
    let p = this.pos;
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= this.end) throw new WireError('Truncated message');
      const c = b[p++]!;
      v |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) break;
      shift += 7n;
      if (shift > 63n) throw new WireError('Malformed varint');
    }
    this.pos = p;
    return BigInt.asUintN(64, v);
  }

  fixed32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  sfixed32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  float(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    return this.int64() !== 0;
  }

  /** A length prefix; returns the end offset of the delimited bytes. */
  delimited(): number {
    const len = this.uint32();
    if (len > this.end - this.pos) throw new WireError('Truncated message');
    return this.pos + len;
  }

  string(): string {
    const end = this.delimited();
    const b = this.buf;
    let p = this.pos;
    if (end - p <= 24) {
      // Short ASCII strings: cheaper by hand than through Buffer#toString.
      let s = '';
      for (; p < end; p++) {
        const c = b[p]!;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (p === end) {
        this.pos = end;
        return s;
      }
    }
    const s = b.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  bytes(): Buffer {
    const end = this.delimited();
    const out = Buffer.from(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  /** Skips a field's value of the given wire type (groups included). */
  skip(wireType: number, fieldNumber: number, depth = 0): void {
    switch (wireType) {
      case WireType.VARINT:
        this.int64();
        return;
      case WireType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.pos = this.delimited();
        return;
      case WireType.I32:
        this.need(4);
        this.pos += 4;
        return;
      case WireType.SGROUP: {
        if (depth > 100) throw new WireError('Groups nested too deeply');
        for (;;) {
          const tag = this.uint32();
          const wt = tag & 7;
          if (wt === WireType.EGROUP) {
            if (tag >>> 3 !== fieldNumber) throw new WireError('Mismatched end group');
            return;
          }
          this.skip(wt, tag >>> 3, depth + 1);
        }
      }
      default:
        throw new WireError(`Invalid wire type ${wireType}`);
    }
  }

  private need(n: number): void {
    if (this.end - this.pos < n) throw new WireError('Truncated message');
  }
}

export class WireWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  tag(field: number, wireType: number): void {
    this.uvarint(field * 8 + wireType);
  }

  /** An unsigned integer below 2^53. */
  uvarint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.pos++] = v;
  }

  /** int32 / enum: negative values take ten bytes, sign-extended to 64 bits. */
  int32(v: number): void {
    if (v >= 0) this.uvarint(v);
    else this.int64(v);
  }

  int64(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      this.uvarint(v);
      return;
    }
    this.bigVarint(BigInt.asUintN(64, BigInt(Math.trunc(v))));
  }

  private bigVarint(v: bigint): void {
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  sint32(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  sint64(v: number): void {
    const b = BigInt(Math.trunc(v));
    this.bigVarint(BigInt.asUintN(64, (b << 1n) ^ (b >> 63n)));
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  sfixed32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  fixed64(v: number): void {
    this.ensure(8);
    const big = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    this.buf.writeBigUInt64LE(big, this.pos);
    this.pos += 8;
  }

  float(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(v: Uint8Array): void {
    this.uvarint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  string(v: string): void {
    const n = v.length;
    if (n <= 24) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (v.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(n + 1);
        const b = this.buf;
        b[this.pos++] = n;
        for (let i = 0; i < n; i++) b[this.pos++] = v.charCodeAt(i);
        return;
      }
    }
    const len = Buffer.byteLength(v, 'utf8');
    this.uvarint(len);
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
  }

  /** Starts a length-delimited value; returns the mark for end(). */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the value begun at `mark`, writing its length in front of it. */
  end(mark: number): void {
    const len = this.pos - mark - 1;
    if (len < 0x80) {
      this.buf[mark] = len;
      return;
    }
    let size = 1;
    for (let v = len; v >= 0x80; v = Math.floor(v / 0x80)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(mark + size, mark + 1, this.pos);
    this.pos += size - 1;
    let p = mark;
    let v = len;
    while (v >= 0x80) {
      this.buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[p] = v;
  }
}
