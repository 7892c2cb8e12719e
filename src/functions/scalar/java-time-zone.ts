/**
 * Java time-zone ids (`ZoneId.of` semantics) over the platform's tz database.
 *
 * Accepted: 'Z', offsets ('+05:00', '-0330', '+5', '+05:30:15'), 'UTC' / 'GMT' / 'UT' optionally
 * followed by an offset ('UTC+01:00'), and region ids ('America/Los_Angeles', 'EST', 'PST8PDT').
 * Like ZoneId.of, region ids are case-sensitive and the old three-letter aliases that are not tz
 * ids ('PST', 'IST', ...) are rejected. Fixed offsets use plain arithmetic; regions ask
 * Intl.DateTimeFormat for the offset once per 15-minute bucket and cache it.
 */
import { MS_PER_DAY, daysFromCivil } from './civil-calendar.js';

export interface TimeZoneRules {
  /** The id as Java prints it (ZoneId.getId()). */
  readonly id: string;
  /** True when the offset never changes. */
  readonly fixed: boolean;
  /** Offset from UTC in milliseconds at an instant. */
  offsetAt(utcMs: number): number;
  /**
   * The instant of a local date-time given as "local milliseconds" (epoch ms as if the zone were UTC).
   * In a gap the time moves forward by the gap length; in an overlap the earlier offset wins
   * (java.time's ZonedDateTime.ofLocal).
   */
  localToUtc(localMs: number): number;
  /** Display name at an instant: 'PDT' (short) or 'Pacific Daylight Time' (full). */
  displayName(utcMs: number, full: boolean): string;
}

/** Java's ZoneOffset.getId(): 'Z' or '+hh:mm' / '+hh:mm:ss'. */
export function formatOffsetId(offsetSeconds: number): string {
  if (offsetSeconds === 0) return 'Z';
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  return (offsetSeconds < 0 ? '-' : '+') + pad2(h) + ':' + pad2(m) + (s ? ':' + pad2(s) : '');
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** ZoneOffset.of: '+h', '+hh', '+hh:mm', '+hhmm', '+hh:mm:ss', '+hhmmss' (or 'Z'). Returns seconds. */
export function parseOffsetId(text: string): number {
  if (text === 'Z') return 0;
  const bad = (): never => {
    throw new Error(`Invalid ID for ZoneOffset, invalid format: ${text}`);
  };
  const sign = text[0];
  if (sign !== '+' && sign !== '-') return bad();
  // By length, as ZoneOffset.of: +h, +hh, +hhmm, +hh:mm, +hhmmss, +hh:mm:ss
  const shapes: Record<number, RegExp> = {
    2: /^(\d)$/,
    3: /^(\d\d)$/,
    5: /^(\d\d)(\d\d)$/,
    6: /^(\d\d):(\d\d)$/,
    7: /^(\d\d)(\d\d)(\d\d)$/,
    9: /^(\d\d):(\d\d):(\d\d)$/,
  };
  const m = shapes[text.length]?.exec(text.slice(1));
  if (!m) return bad();
  const h = +m[1]!;
  const mi = m[2] ? +m[2] : 0;
  const s = m[3] ? +m[3] : 0;
  if (h > 18 || mi > 59 || s > 59 || (h === 18 && (mi > 0 || s > 0))) {
    throw new Error(`Zone offset not in valid range: -18:00 to +18:00`);
  }
  return (h * 3600 + mi * 60 + s) * (sign === '-' ? -1 : 1);
}

class FixedZone implements TimeZoneRules {
  readonly fixed = true;
  private readonly offsetMs: number;
  constructor(
    readonly id: string,
    offsetSeconds: number,
    private readonly name: string,
  ) {
    this.offsetMs = offsetSeconds * 1000;
  }
  offsetAt(): number {
    return this.offsetMs;
  }
  localToUtc(localMs: number): number {
    return localMs - this.offsetMs;
  }
  displayName(): string {
    return this.name;
  }
}

const BUCKET_MS = 15 * 60_000;
const MAX_CACHED_BUCKETS = 20_000;

class RegionZone implements TimeZoneRules {
  readonly fixed = false;
  private readonly parts: Intl.DateTimeFormat;
  private shortNames?: Intl.DateTimeFormat;
  private longNames?: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(
    readonly id: string,
    private readonly ianaId: string,
  ) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: ianaId,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetAt(utcMs: number): number {
    const bucket = Math.floor(utcMs / BUCKET_MS);
    const cached = this.cache.get(bucket);
    if (cached !== undefined) return cached;
    const start = this.computeOffset(bucket * BUCKET_MS);
    const end = this.computeOffset(bucket * BUCKET_MS + BUCKET_MS - 1000);
    // A transition inside the bucket (historical local-mean-time offsets): do not cache.
    if (start !== end) return this.computeOffset(utcMs);
    if (this.cache.size >= MAX_CACHED_BUCKETS) this.cache.clear();
    this.cache.set(bucket, start);
    return start;
  }

  private computeOffset(utcMs: number): number {
    const secMs = Math.floor(utcMs / 1000) * 1000;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const p of this.parts.formatToParts(secMs)) {
      switch (p.type) {
        case 'year':
          year = +p.value;
          break;
        case 'month':
          month = +p.value;
          break;
        case 'day':
          day = +p.value;
          break;
        case 'hour':
          hour = +p.value;
          break;
        case 'minute':
          minute = +p.value;
          break;
        case 'second':
          second = +p.value;
          break;
        case 'era':
          bc = p.value.startsWith('B');
          break;
      }
    }
    if (bc) year = 1 - year;
    const local = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
    return local - secMs;
  }

  localToUtc(localMs: number): number {
    // Offsets a day either side bracket any single transition near this local time.
    const before = this.offsetAt(localMs - MS_PER_DAY);
    const after = this.offsetAt(localMs + MS_PER_DAY);
    if (before === after) {
      const t = localMs - before;
      const actual = this.offsetAt(t);
      return actual === before ? t : localMs - actual;
    }
    const validBefore = this.offsetAt(localMs - before) === before;
    const validAfter = this.offsetAt(localMs - after) === after;
    if (validBefore && validAfter) return localMs - Math.max(before, after); // overlap: earlier instant
    if (validBefore) return localMs - before;
    if (validAfter) return localMs - after;
    return localMs - before; // gap: shift forward by the gap length
  }

  displayName(utcMs: number, full: boolean): string {
    const fmt = full
      ? (this.longNames ??= new Intl.DateTimeFormat('en-US', { timeZone: this.ianaId, timeZoneName: 'long' }))
      : (this.shortNames ??= new Intl.DateTimeFormat('en-US', { timeZone: this.ianaId, timeZoneName: 'short' }));
    for (const p of fmt.formatToParts(utcMs)) if (p.type === 'timeZoneName') return p.value;
    return this.id;
  }
}

/** Three-letter ids Java accepts only through ZoneId.SHORT_IDS, not ZoneId.of. */
const JAVA_SHORT_ONLY = new Set([
  'ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT', 'IET',
  'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST',
]);

const zoneCache = new Map<string, TimeZoneRules>();

export const UTC_ZONE: TimeZoneRules = new FixedZone('UTC', 0, 'UTC');

/** ZoneId.of(id). Throws with Java's messages on malformed or unknown ids. */
export function resolveZone(id: string): TimeZoneRules {
  const cached = zoneCache.get(id);
  if (cached) return cached;
  const zone = createZone(id);
  if (zoneCache.size > 1000) zoneCache.clear();
  zoneCache.set(id, zone);
  return zone;
}

function createZone(id: string): TimeZoneRules {
  if (id === 'Z' || id.startsWith('+') || id.startsWith('-')) {
    const secs = parseOffsetId(id);
    const norm = formatOffsetId(secs);
    return new FixedZone(norm, secs, norm);
  }
  if (id === 'UTC' || id === 'GMT' || id === 'UT') return new FixedZone(id, 0, id);
  const prefixed = /^(UTC|GMT|UT)([+-].*)$/.exec(id);
  if (prefixed) {
    const secs = parseOffsetId(prefixed[2]!);
    const norm = prefixed[1]! + (secs === 0 ? '' : formatOffsetId(secs));
    return new FixedZone(norm, secs, norm);
  }
  if (!/^[A-Za-z][A-Za-z0-9~/._+-]+$/.test(id)) {
    throw new Error(`Invalid ID for region-based ZoneId, invalid format: ${id}`);
  }
  if (JAVA_SHORT_ONLY.has(id)) throw new Error(`Unknown time-zone ID: ${id}`);
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: id }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`Unknown time-zone ID: ${id}`);
  }
  // Intl matches ids case-insensitively; Java does not.
  if (resolved !== id && resolved.toLowerCase() === id.toLowerCase()) throw new Error(`Unknown time-zone ID: ${id}`);
  if (resolved === 'UTC' || resolved === 'Etc/UTC' || resolved === 'Etc/GMT') return new FixedZone(id, 0, id === 'Etc/UTC' ? 'UTC' : id);
  return new RegionZone(id, resolved);
}

/**
 * Zone names accepted when parsing zone text ('z' pattern letter): common abbreviations, mapped to
 * the region Java resolves them to (so daylight saving applies, as in java.time).
 */
export const ZONE_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['UTC', 'UTC'], ['GMT', 'GMT'], ['UT', 'UT'], ['Z', 'Z'],
  ['PST', 'America/Los_Angeles'], ['PDT', 'America/Los_Angeles'], ['PT', 'America/Los_Angeles'],
  ['MST', 'America/Denver'], ['MDT', 'America/Denver'], ['MT', 'America/Denver'],
  ['CST', 'America/Chicago'], ['CDT', 'America/Chicago'], ['CT', 'America/Chicago'],
  ['EST', 'America/New_York'], ['EDT', 'America/New_York'], ['ET', 'America/New_York'],
  ['AKST', 'America/Anchorage'], ['AKDT', 'America/Anchorage'],
  ['HST', 'Pacific/Honolulu'], ['HDT', 'Pacific/Honolulu'],
  ['BST', 'Europe/London'], ['IST', 'Asia/Kolkata'], ['CET', 'Europe/Paris'], ['CEST', 'Europe/Paris'],
  ['EET', 'Europe/Athens'], ['EEST', 'Europe/Athens'], ['WET', 'Europe/Lisbon'], ['WEST', 'Europe/Lisbon'],
  ['JST', 'Asia/Tokyo'], ['KST', 'Asia/Seoul'], ['AEST', 'Australia/Sydney'], ['AEDT', 'Australia/Sydney'],
  ['ACST', 'Australia/Adelaide'], ['AWST', 'Australia/Perth'], ['NZST', 'Pacific/Auckland'], ['NZDT', 'Pacific/Auckland'],
]);
