/**
 * Exact decimal value for SQL DECIMAL(p, s): an unscaled bigint and a scale (value = unscaled * 10^-scale).
 * Immutable. Rounding is HALF_UP, as Java's BigDecimal in ksqlDB's casts.
 */
export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  static readonly ZERO = new Decimal(0n, 0);

  /** Parse "12.340", "-0.5", "1e3", "1.5E-2". Throws on malformed text. */
  static parse(text: string): Decimal {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw new Error(`Invalid decimal: ${text}`);
    const intPart = m[2] ?? '';
    const frac = m[3] ?? '';
    const exp = m[4] ? parseInt(m[4], 10) : 0;
    let unscaled = BigInt((intPart + frac) || '0');
    let scale = frac.length - exp;
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Decimal(m[1] === '-' ? -unscaled : unscaled, scale);
  }

  /** From a JS number, keeping its shortest decimal representation, then rescaled if a scale is given. */
  static fromNumber(n: number, scale?: number): Decimal {
    if (!Number.isFinite(n)) throw new Error(`Cannot convert ${n} to DECIMAL`);
    const d = Decimal.parse(String(n));
    return scale === undefined ? d : d.setScale(scale);
  }

  static fromBigInt(n: bigint): Decimal {
    return new Decimal(n, 0);
  }

  /** Rescale with HALF_UP rounding. */
  setScale(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const div = 10n ** BigInt(this.scale - scale);
    return new Decimal(roundDiv(this.unscaled, div), scale);
  }

  /** Number of significant digits of the unscaled value (BigDecimal.precision()). */
  precision(): number {
    const u = this.unscaled < 0n ? -this.unscaled : this.unscaled;
    return u === 0n ? 1 : u.toString().length;
  }

  /** Whether it fits DECIMAL(precision, scale) after rescaling. */
  fits(precision: number, scale: number): boolean {
    const r = this.setScale(scale);
    const u = r.unscaled < 0n ? -r.unscaled : r.unscaled;
    return u < 10n ** BigInt(precision);
  }

  add(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled + o.setScale(s).unscaled, s);
  }
  subtract(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled - o.setScale(s).unscaled, s);
  }
  multiply(o: Decimal): Decimal {
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale);
  }
  /** Division rounded HALF_UP to the given result scale. Throws on division by zero. */
  divide(o: Decimal, scale: number): Decimal {
    if (o.unscaled === 0n) throw new Error('Division by zero');
    // this/o = (a*10^-sa)/(b*10^-sb); want result unscaled r with scale s: r = a*10^(s - sa + sb) / b
    const shift = scale - this.scale + o.scale;
    let num = this.unscaled;
    let den = o.unscaled;
    if (shift >= 0) num *= 10n ** BigInt(shift);
    else den *= 10n ** BigInt(-shift);
    return new Decimal(roundDiv(num, den), scale);
  }
  /** Remainder with the sign of the dividend (Java BigDecimal.remainder). */
  remainder(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new Error('Division by zero');
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled % o.setScale(s).unscaled, s);
  }
  negate(): Decimal {
    return new Decimal(-this.unscaled, this.scale);
  }
  abs(): Decimal {
    return this.unscaled < 0n ? this.negate() : this;
  }
  signum(): number {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }
  compareTo(o: Decimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled;
    const b = o.setScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  equals(o: unknown): boolean {
    return o instanceof Decimal && o.scale === this.scale && o.unscaled === this.unscaled;
  }

  toNumber(): number {
    return Number(this.toString());
  }

  /** Plain notation with exactly `scale` fraction digits, e.g. 12.30, -0.05, 7. */
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-this.scale);
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
  }

  toJSON(): number {
    return this.toNumber();
  }
}

/** Integer division rounding HALF_UP (away from zero on ties). */
function roundDiv(num: bigint, den: bigint): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= den) return num < 0n ? q - 1n : q + 1n;
  return q;
}
