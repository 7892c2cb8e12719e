/**
 * Formatting with compiled pattern items: the value being formatted (a date, a time of day, or an
 * instant in a zone), the java.time field values derived from it, and the printing of numbers,
 * texts, offsets and zones. A field the value does not have throws "Unsupported field: ...", which
 * an optional section catches to omit itself.
 */
import { MS_PER_DAY, civilFromDays, daysFromCivil, isoDayOfWeek } from './civil-calendar.js';
import { type Field, type Item, TIME_FIELDS, texts } from './java-time-pattern.js';
import type { TimeZoneRules } from './java-time-zone.js';

/** The value being formatted: which parts it has and their components. */
export interface Temporal {
  hasDate: boolean;
  hasTime: boolean;
  zone: TimeZoneRules | null;
  offsetSeconds: number;
  epochDay: number;
  msOfDay: number;
  year: number;
  month: number;
  day: number;
  dow: number;
  doy: number;
}

/** For error messages, e.g. '2018-05-11'. */
function describeTemporal(t: Temporal): string {
  return t.hasDate ? `${t.year}-${pad2(t.month)}-${pad2(t.day)}` : `${t.msOfDay}ms`;
}

class UnsupportedField extends Error {}

function fieldValue(t: Temporal, f: Field): number {
  if (TIME_FIELDS.has(f) ? !t.hasTime : !t.hasDate) throw new UnsupportedField(`Unsupported field: ${f}`);
  const ms = t.msOfDay;
  switch (f) {
    case 'Era':
      return t.year >= 1 ? 1 : 0;
    case 'YearOfEra':
      return t.year >= 1 ? t.year : 1 - t.year;
    case 'Year':
      return t.year;
    case 'QuarterOfYear':
      return Math.floor((t.month - 1) / 3) + 1;
    case 'MonthOfYear':
      return t.month;
    case 'DayOfYear':
      return t.doy;
    case 'DayOfMonth':
      return t.day;
    case 'AlignedDayOfWeekInMonth':
      return ((t.day - 1) % 7) + 1;
    case 'DayOfWeek':
      return t.dow;
    case 'LocalizedDayOfWeek':
      return (t.dow % 7) + 1; // en-US weeks start on Sunday
    case 'WeekOfMonth':
      return Math.floor((t.day - 1 + sundayIndex(t.epochDay - t.day + 1)) / 7) + 1;
    case 'WeekOfWeekBasedYear':
      return weekBased(t).week;
    case 'WeekBasedYear':
      return weekBased(t).year;
    case 'AmPmOfDay':
      return ms >= 43_200_000 ? 1 : 0;
    case 'HourOfDay':
      return Math.floor(ms / 3_600_000);
    case 'ClockHourOfDay':
      return Math.floor(ms / 3_600_000) || 24;
    case 'HourOfAmPm':
      return Math.floor(ms / 3_600_000) % 12;
    case 'ClockHourOfAmPm':
      return Math.floor(ms / 3_600_000) % 12 || 12;
    case 'MinuteOfHour':
      return Math.floor(ms / 60_000) % 60;
    case 'SecondOfMinute':
      return Math.floor(ms / 1000) % 60;
    case 'NanoOfSecond':
      return (ms % 1000) * 1_000_000;
    case 'MilliOfDay':
      return ms;
    case 'NanoOfDay':
      return ms * 1_000_000;
  }
}

/** Days since the last Sunday (0 = Sunday). */
function sundayIndex(epochDay: number): number {
  return isoDayOfWeek(epochDay) % 7;
}

/** en-US week-based year and week (weeks start Sunday; week 1 contains January 1st). */
function weekBased(t: Temporal): { year: number; week: number } {
  const nextJan1 = daysFromCivil(t.year + 1, 1, 1);
  if (t.epochDay >= nextJan1 - sundayIndex(nextJan1)) return { year: t.year + 1, week: 1 };
  const jan1 = daysFromCivil(t.year, 1, 1);
  return { year: t.year, week: Math.floor((t.epochDay - jan1 + sundayIndex(jan1)) / 7) + 1 };
}

function formatNumber(item: Extract<Item, { k: 'num' }>, value: number): string {
  const abs = Math.abs(value);
  let digits = String(abs);
  if (digits.length > item.max) {
    throw new Error(`Field ${item.field} cannot be printed as the value ${value} exceeds the maximum print width of ${item.max}`);
  }
  if (digits.length < item.min) digits = '0'.repeat(item.min - digits.length) + digits;
  if (value < 0) {
    if (item.sign === 'NOT_NEGATIVE') throw new Error(`Field ${item.field} cannot be printed as the value ${value} cannot be negative according to the SignStyle`);
    return '-' + digits;
  }
  if (item.sign === 'EXCEEDS_PAD' && item.min < 19 && String(abs).length > item.min) return '+' + digits;
  return digits;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function formatOffset(pattern: string, noOffset: string, offsetSeconds: number): string {
  if (offsetSeconds === 0) return noOffset;
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const colon = pattern.includes(':');
  let out = (offsetSeconds < 0 ? '-' : '+') + pad2(h);
  // Upper-case parts are always printed, lower-case ones only when non-zero.
  const minutesPart = pattern.slice(3, colon ? 6 : 5);
  const secondsPart = pattern.slice(colon ? 6 : 5);
  const wantMinutes = minutesPart.includes('M') || (minutesPart.includes('m') && (m !== 0 || s !== 0));
  if (wantMinutes) {
    out += (colon ? ':' : '') + pad2(m);
    const wantSeconds = secondsPart.includes('S') || (secondsPart.includes('s') && s !== 0);
    if (wantSeconds) out += (colon ? ':' : '') + pad2(s);
  }
  return out;
}

function formatGmtOffset(full: boolean, offsetSeconds: number): string {
  if (offsetSeconds === 0) return 'GMT';
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  let out = 'GMT' + (offsetSeconds < 0 ? '-' : '+');
  if (full) {
    out += pad2(h) + ':' + pad2(m);
    if (s) out += ':' + pad2(s);
  } else {
    out += h;
    if (m || s) out += ':' + pad2(m);
    if (s) out += ':' + pad2(s);
  }
  return out;
}

function requireZone(t: Temporal): TimeZoneRules {
  if (!t.zone) throw new UnsupportedField(`Unable to extract ZoneId from temporal ${describeTemporal(t)}`);
  return t.zone;
}

export function formatItems(items: readonly Item[], t: Temporal, out: string[]): void {
  for (const item of items) {
    switch (item.k) {
      case 'lit':
        out.push(item.text);
        break;
      case 'num':
        out.push(formatNumber(item, fieldValue(t, item.field)));
        break;
      case 'reduced':
        out.push(pad2(Math.abs(fieldValue(t, item.field) % 100)));
        break;
      case 'frac': {
        const nanos = String(fieldValue(t, 'NanoOfSecond')).padStart(9, '0');
        out.push(nanos.slice(0, item.width));
        break;
      }
      case 'text': {
        const { first, names } = texts(item.field, item.style);
        out.push(names[fieldValue(t, item.field) - first]!);
        break;
      }
      case 'offset':
        requireZone(t);
        out.push(formatOffset(item.pattern, item.noOffset, t.offsetSeconds));
        break;
      case 'gmtOffset':
        requireZone(t);
        out.push(formatGmtOffset(item.full, t.offsetSeconds));
        break;
      case 'zoneId':
        out.push(requireZone(t).id);
        break;
      case 'zoneText': {
        const zone = requireZone(t);
        out.push(zone.fixed ? zone.displayName(0, item.full) : zone.displayName((t.epochDay * MS_PER_DAY + t.msOfDay) - t.offsetSeconds * 1000, item.full));
        break;
      }
      case 'opt': {
        const sub: string[] = [];
        try {
          formatItems(item.items, t, sub);
        } catch (e) {
          if (e instanceof UnsupportedField) break; // optional section whose fields are missing: omitted
          throw e;
        }
        out.push(...sub);
        break;
      }
    }
  }
}

export function makeTemporal(
  hasDate: boolean,
  hasTime: boolean,
  epochDay: number,
  msOfDay: number,
  zone: TimeZoneRules | null,
  offsetSeconds: number,
): Temporal {
  const c = hasDate ? civilFromDays(epochDay) : { year: 1970, month: 1, day: 1, dow: 4, doy: 1 };
  return {
    hasDate,
    hasTime,
    zone,
    offsetSeconds,
    epochDay,
    msOfDay,
    year: c.year,
    month: c.month,
    day: c.day,
    dow: c.dow,
    doy: c.doy,
  };
}
