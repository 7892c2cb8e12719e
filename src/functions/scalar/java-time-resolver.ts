/**
 * Resolution of parsed fields as java.time's SMART resolver does: range checks, year of era and
 * era, the hour from its clock / AM-PM forms, conflicts between fields, and the epoch day of a
 * parsed date with missing parts defaulted.
 */
import { MS_PER_DAY, daysFromCivil, isoDayOfWeek, monthLength } from './civil-calendar.js';
import { type Field, TIME_FIELDS } from './java-time-pattern.js';
import type { ParseState } from './java-time-parser.js';
import type { TimeZoneRules } from './java-time-zone.js';

/** The parsed text resolved as java.time does (SMART resolver). */
export interface ParsedDateTime {
  /** Year/month/day when known (individually). */
  readonly year: number | undefined;
  readonly month: number | undefined;
  readonly day: number | undefined;
  readonly dayOfYear: number | undefined;
  readonly dayOfWeek: number | undefined;
  /** Milliseconds of day when an hour (or milli/nano of day) was parsed. */
  readonly msOfDay: number | undefined;
  /** Minute/second/fraction without an hour (kept for the field-by-field timestamp resolution). */
  readonly partialTimeMs: number;
  readonly hasDateField: boolean;
  readonly hasTimeField: boolean;
  readonly zone: TimeZoneRules | null;
  readonly offsetSeconds: number | null;
}

function rangeCheck(name: string, v: number | undefined, lo: number, hi: number): void {
  if (v !== undefined && (v < lo || v > hi)) {
    throw new Error(`Invalid value for ${name} (valid values ${lo} - ${hi}): ${v}`);
  }
}

export function resolve(st: ParseState): ParsedDateTime {
  const f = st.fields;
  rangeCheck('MonthOfYear', f.MonthOfYear, 1, 12);
  rangeCheck('DayOfMonth', f.DayOfMonth, 1, 31);
  rangeCheck('DayOfYear', f.DayOfYear, 1, 366);
  rangeCheck('HourOfDay', f.HourOfDay, 0, 23);
  rangeCheck('ClockHourOfDay', f.ClockHourOfDay, 1, 24);
  rangeCheck('HourOfAmPm', f.HourOfAmPm, 0, 11);
  rangeCheck('ClockHourOfAmPm', f.ClockHourOfAmPm, 1, 12);
  rangeCheck('MinuteOfHour', f.MinuteOfHour, 0, 59);
  rangeCheck('SecondOfMinute', f.SecondOfMinute, 0, 59);
  rangeCheck('MilliOfDay', f.MilliOfDay, 0, MS_PER_DAY - 1);
  rangeCheck('YearOfEra', f.YearOfEra, 1, 999_999_999);
  rangeCheck('QuarterOfYear', f.QuarterOfYear, 1, 4);

  let year = f.Year;
  if (f.YearOfEra !== undefined) {
    const y = f.Era === 0 ? 1 - f.YearOfEra : f.YearOfEra;
    if (year !== undefined && year !== y) throw new Error(`Conflict found: Year ${year} differs from Year ${y}`);
    year = y;
  }
  const dayOfWeek = f.DayOfWeek ?? (f.LocalizedDayOfWeek !== undefined ? ((f.LocalizedDayOfWeek + 5) % 7) + 1 : undefined);

  let hour = f.HourOfDay;
  const setHour = (h: number): void => {
    if (hour !== undefined && hour !== h) throw new Error(`Conflict found: HourOfDay ${hour} differs from HourOfDay ${h}`);
    hour = h;
  };
  if (f.ClockHourOfDay !== undefined) setHour(f.ClockHourOfDay % 24);
  const hourOfAmPm = f.HourOfAmPm ?? (f.ClockHourOfAmPm !== undefined ? f.ClockHourOfAmPm % 12 : undefined);
  if (hourOfAmPm !== undefined) setHour(hourOfAmPm + 12 * (f.AmPmOfDay ?? 0));
  else if (f.AmPmOfDay !== undefined && hour !== undefined && Math.floor(hour / 12) !== f.AmPmOfDay) {
    throw new Error(`Conflict found: AmPmOfDay ${f.AmPmOfDay} differs from HourOfDay ${hour}`);
  }
  const partialTimeMs = (f.MinuteOfHour ?? 0) * 60_000 + (f.SecondOfMinute ?? 0) * 1000 + Math.floor((f.NanoOfSecond ?? 0) / 1_000_000);
  let msOfDay: number | undefined;
  if (f.MilliOfDay !== undefined) msOfDay = f.MilliOfDay;
  else if (f.NanoOfDay !== undefined) msOfDay = Math.floor(f.NanoOfDay / 1_000_000);
  else if (hour !== undefined) msOfDay = hour * 3_600_000 + partialTimeMs;

  let hasDateField = false;
  let hasTimeField = false;
  for (const k of Object.keys(f) as Field[]) {
    if (TIME_FIELDS.has(k)) hasTimeField = true;
    else hasDateField = true;
  }
  return {
    year,
    month: f.MonthOfYear,
    day: f.DayOfMonth,
    dayOfYear: f.DayOfYear,
    dayOfWeek,
    msOfDay,
    partialTimeMs,
    hasDateField,
    hasTimeField,
    zone: st.zone,
    offsetSeconds: st.offsetSeconds,
  };
}

export function resolveDate(p: ParsedDateTime, defaultYear: number, requireFull: boolean): number {
  const year = p.year ?? defaultYear;
  let epochDay: number;
  if (p.dayOfYear !== undefined && p.month === undefined && p.day === undefined) {
    if (requireFull && p.year === undefined) throw new Error('Unable to obtain LocalDate from TemporalAccessor');
    if (p.dayOfYear === 366 && monthLength(year, 2) === 28) throw new Error(`Invalid date 'DayOfYear 366' as '${year}' is not a leap year`);
    epochDay = daysFromCivil(year, 1, 1) + p.dayOfYear - 1;
  } else {
    if (requireFull && (p.year === undefined || p.month === undefined || p.day === undefined)) {
      throw new Error('Unable to obtain LocalDate from TemporalAccessor');
    }
    const month = p.month ?? 1;
    // SMART resolution: a day past the month's end is clamped (Feb 30 -> Feb 28/29)
    const day = Math.min(p.day ?? 1, monthLength(year, month));
    epochDay = daysFromCivil(year, month, day);
    if (p.dayOfYear !== undefined && epochDay !== daysFromCivil(year, 1, 1) + p.dayOfYear - 1) {
      throw new Error('Conflict found: DayOfYear differs from the date');
    }
  }
  if (p.dayOfWeek !== undefined && p.year !== undefined && isoDayOfWeek(epochDay) !== p.dayOfWeek) {
    throw new Error(`Conflict found: Field DayOfWeek ${isoDayOfWeek(epochDay)} differs from DayOfWeek ${p.dayOfWeek} derived from the date`);
  }
  return epochDay;
}
