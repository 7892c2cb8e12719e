/**
 * Java's Double.toString, which ksqlDB's output goes through (CAST to STRING, JSON and DELIMITED
 * output, TO_JSON_STRING): plain notation with at least one fraction digit for 1e-3 <= |d| < 1e7
 * ("1.0", "0.001", "1234567.5"), otherwise computerized scientific notation ("1.0E7", "1.5E-4").
 * The digits are the shortest that round-trip, which JavaScript and modern JVMs agree on.
 */
export function javaDoubleString(d: number): string {
  if (d !== d) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const a = d < 0 ? -d : d;
  if (a >= 1e-3 && a < 1e7) {
    const s = String(d);
    return s.indexOf('.') === -1 ? s + '.0' : s;
  }
  // toExponential() without digits gives the shortest round-trip mantissa: "1.5e-7", "1e+21".
  const e = d.toExponential();
  const cut = e.indexOf('e');
  let mant = e.slice(0, cut);
  if (mant.indexOf('.') === -1) mant += '.0';
  const exp = e.charCodeAt(cut + 1) === 43 /* + */ ? e.slice(cut + 2) : e.slice(cut + 1);
  return mant + 'E' + exp;
}
