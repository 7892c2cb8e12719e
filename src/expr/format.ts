/**
 * Expression text for messages: the parser's ksqlDB-style formatter (src/parser/format.ts), plus
 * Java's Double.toString, which CAST(x AS STRING) needs.
 */
export { formatExpression } from '../parser/format.js';

/** Java's Double.toString: '10.0', '1.0E-5', '1.2345678E7', 'NaN', 'Infinity'. */
export function javaDoubleString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : s + '.0';
  }
  const [mant, exp] = n.toExponential().split('e') as [string, string];
  return `${mant.includes('.') ? mant : mant + '.0'}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}
