/**
 * Text forms of values as the JVM prints them (ksqlDB's output goes through Double.toString and
 * java.time's ISO formatters). Used by TO_JSON_STRING and friends.
 */

export { javaDoubleString as javaDoubleToString } from '../../types/java-text.js';

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;
const pad3 = (n: number): string => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

function yearText(y: number): string {
  if (y >= 0 && y <= 9999) return String(y).padStart(4, '0');
  return (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(4, '0');
}

/** LocalDate.toString for days since the epoch: 2021-10-11. */
export function isoDate(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${yearText(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** LocalTime.toString for ms of day: 13:25, 16:43:40, 16:43:40.120. */
export function isoTime(msOfDay: number): string {
  const ms = ((msOfDay % 86_400_000) + 86_400_000) % 86_400_000;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const frac = ms % 1000;
  let out = pad2(h) + ':' + pad2(m);
  if (s !== 0 || frac !== 0) out += ':' + pad2(s);
  if (frac !== 0) out += '.' + pad3(frac);
  return out;
}

/** ksqlDB's TIMESTAMP text (UTC, millisecond precision): 2021-06-30T12:18:39.446. */
export function isoTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${yearText(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}` +
    `T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}`
  );
}
