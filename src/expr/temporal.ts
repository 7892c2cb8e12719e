/**
 * ISO-8601 text for DATE / TIME / TIMESTAMP values, as ksqlDB's casts and literal coercions use it.
 * Parsing accepts partial forms ('2020', '2020-01', '10:00', '2020-01-01T10') and a zone suffix for
 * timestamps ('Z', '+0200', '+02:00', '+02'); a timestamp without zone is UTC.
 */
const MS_PER_DAY = 86_400_000;

const DATE_RE = /^([+-]?\d{4,})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const TIME_RE = /^(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const ZONE_RE = /(Z|[+-]\d{2}(?::?\d{2})?)$/;

function fail(kind: string, text: string): never {
  throw new Error(`Failed to parse ${kind} '${text}'`);
}

function daysFromCivil(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

function parseDateParts(text: string, kind: string): number {
  const m = DATE_RE.exec(text);
  if (!m) fail(kind, text);
  const y = Number(m[1]);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) fail(kind, text);
  const days = daysFromCivil(y, mo, d);
  // Reject 2021-02-30 and the like: Date.UTC would roll over.
  const check = new Date(days * MS_PER_DAY);
  if (check.getUTCDate() !== d) fail(kind, text);
  return days;
}

function parseTimeParts(text: string, kind: string): number {
  const m = TIME_RE.exec(text);
  if (!m) fail(kind, text);
  const h = Number(m[1]);
  const mi = m[2] === undefined ? 0 : Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  const ms = m[4] === undefined ? 0 : Math.floor(Number((m[4] + '00').slice(0, 3)));
  if (h > 23 || mi > 59 || s > 59) fail(kind, text);
  return ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

/** 'yyyy-MM-dd' (or a prefix) → days since epoch. */
export function parseDate(text: string): number {
  return parseDateParts(text.trim(), 'date');
}

/** 'HH:mm[:ss[.SSS]]' → ms of day. */
export function parseTime(text: string): number {
  return parseTimeParts(text.trim(), 'time');
}

/** 'yyyy-MM-dd[THH:mm[:ss[.SSS]]][zone]' → epoch ms. */
export function parseTimestamp(text: string): number {
  let s = text.trim();
  let offsetMs = 0;
  const tIdx = s.indexOf('T');
  if (tIdx >= 0) {
    const z = ZONE_RE.exec(s.slice(tIdx + 1));
    if (z) {
      s = s.slice(0, s.length - z[1]!.length);
      offsetMs = zoneOffsetMs(z[1]!);
    }
  }
  const datePart = tIdx >= 0 ? s.slice(0, tIdx) : s;
  const timePart = tIdx >= 0 ? s.slice(tIdx + 1) : '';
  const days = parseDateParts(datePart, 'timestamp');
  const ms = timePart === '' ? 0 : parseTimeParts(timePart, 'timestamp');
  return days * MS_PER_DAY + ms - offsetMs;
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (h * 60 + m) * 60_000;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export function formatDate(days: number): string {
  const d = new Date(days * MS_PER_DAY);
  const y = d.getUTCFullYear();
  const ys = y < 0 ? '-' + pad(-y, 4) : y > 9999 ? '+' + y : pad(y, 4);
  return `${ys}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** 'HH:mm:ss', with '.SSS' when there are milliseconds. */
export function formatTime(msOfDay: number): string {
  const ms = ((msOfDay % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  const h = Math.floor(ms / 3_600_000);
  const mi = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const frac = ms % 1000;
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac ? '.' + pad(frac, 3) : ''}`;
}

/** 'yyyy-MM-ddTHH:mm:ss.SSS' in UTC. */
export function formatTimestamp(epochMs: number): string {
  const days = Math.floor(epochMs / MS_PER_DAY);
  const ms = epochMs - days * MS_PER_DAY;
  const h = Math.floor(ms / 3_600_000);
  const mi = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${formatDate(days)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

export const MILLIS_PER_DAY = MS_PER_DAY;
