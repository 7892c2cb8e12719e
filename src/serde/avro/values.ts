/**
 * Value conversions shared by the Avro codecs: decimals between Avro's two's-complement bytes and
 * Decimal (fitted to a column's scale as ksqlDB's DecimalUtil.ensureFit does), Java's
 * Float.toString for floats read into STRING columns, and struct objects with a fixed shape.
 */
import { Decimal } from '../../types/decimal.js';
import { javaDoubleString } from '../../types/java-text.js';
import { AvroDataError } from './tap.js';

/** Java's Float.toString: the shortest digits that give back the float, in Double.toString's layout. */
export function javaFloatString(f: number): string {
  if (!Number.isFinite(f) || f === 0) return javaDoubleString(f);
  for (let k = 1; k < 10; k++) {
    const d = Number(f.toPrecision(k));
    if (Math.fround(d) === f) return javaDoubleString(d);
  }
  return javaDoubleString(f);
}

/** A struct literal maker with the fields in order, all null (monomorphic objects). */
export function structMaker(names: readonly string[]): () => Record<string, unknown> {
  if (names.some((n) => n === '__proto__')) {
    return () => {
      const o: Record<string, unknown> = {};
      for (const n of names) Object.defineProperty(o, n, { value: null, writable: true, enumerable: true, configurable: true });
      return o;
    };
  }
  return new Function(`return () => ({${names.map((n) => `${JSON.stringify(n)}: null`).join(', ')}});`)() as () => Record<string, unknown>;
}

/** The unscaled value of a two's-complement big-endian decimal. */
export function unscaledOf(b: Buffer, p: number, len: number): bigint {
  if (len === 0) return 0n;
  if (len <= 6) return BigInt(b.readIntBE(p, len));
  let v = BigInt('0x' + b.toString('hex', p, p + len));
  if (b[p]! & 0x80) v -= 1n << BigInt(8 * len);
  return v;
}

const POW10: bigint[] = [];
export function pow10(n: number): bigint {
  return (POW10[n] ??= 10n ** BigInt(n));
}

/** DecimalUtil.ensureFit: the value at the column's scale, or an error when it would round or overflow. */
export function fitDecimal(unscaled: bigint, scale: number, precision: number, targetScale: number): Decimal {
  const abs = unscaled < 0n ? -unscaled : unscaled;
  const digits = precision - targetScale;
  // |value| < 10^digits  <=>  |unscaled| < 10^(digits + scale)
  if (digits + scale < 0 ? abs !== 0n : abs >= pow10(digits + scale)) {
    throw new AvroDataError(
      `Numeric field overflow: A field with precision ${precision} and scale ${targetScale} must round to an absolute value less than 10^${digits}. Got ${new Decimal(unscaled, scale).toString()}`,
    );
  }
  if (scale === targetScale) return new Decimal(unscaled, scale);
  if (scale < targetScale) return new Decimal(unscaled * pow10(targetScale - scale), targetScale);
  const d = pow10(scale - targetScale);
  if (unscaled % d !== 0n) {
    const v = new Decimal(unscaled, scale);
    throw new AvroDataError(
      `Cannot fit decimal '${v.toString()}' into DECIMAL(${precision}, ${targetScale}) without rounding. (Requires ${v.precision()},${scale})`,
    );
  }
  return new Decimal(unscaled / d, targetScale);
}

/** The two's-complement big-endian bytes of an unscaled decimal (BigInteger.toByteArray), padded to `size`. */
export function decimalBytes(unscaled: bigint, size = 0): Buffer {
  let hex = (unscaled < 0n ? -unscaled : unscaled).toString(16);
  let bytes: Buffer;
  if (unscaled >= 0n) {
    if (hex.length % 2) hex = '0' + hex;
    bytes = Buffer.from(hex, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  } else {
    // Two's complement in the fewest bytes that keep the sign bit set.
    let n = Math.ceil(hex.length / 2);
    if (-unscaled > 1n << BigInt(8 * n - 1)) n++;
    const v = (1n << BigInt(8 * n)) + unscaled;
    bytes = Buffer.from(v.toString(16).padStart(2 * n, '0'), 'hex');
  }
  if (size > bytes.length) {
    const pad = Buffer.alloc(size - bytes.length, unscaled < 0n ? 0xff : 0);
    bytes = Buffer.concat([pad, bytes]);
  } else if (size > 0 && size < bytes.length) {
    throw new AvroDataError(`Decimal of ${bytes.length} bytes does not fit a fixed of ${size}`);
  }
  return bytes;
}

