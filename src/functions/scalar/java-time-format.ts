/**
 * Java DateTimeFormatter patterns ('yyyy-MM-dd''T''HH:mm:ss.SSSX', 'dd-MMM-yyyy', 'hh:mm a z', ...),
 * compiled once per pattern string and cached. Formatting and parsing follow java.time with the
 * en-US locale: strict number widths, adjacent-value parsing ('yyyyMMdd'), optional sections
 * ('[...]'), quoted literals, text fields (MMM, EEEE, a, G), offsets (X, x, Z, O) and zones (z, VV).
 * Parsing is case-insensitive, as ksqlDB's parsers are.
 *
 * Formatting gets a date (days since epoch), a time (ms of day) or an instant in a zone; a pattern
 * field the value does not have throws "Unsupported field: HourOfDay", as java.time does.
 */
import { MS_PER_DAY, civilFromDays, daysFromCivil, floorDiv, isoDayOfWeek, monthLength } from './civil-calendar.js';
import { type TimeZoneRules, UTC_ZONE, ZONE_ABBREVIATIONS, formatOffsetId, resolveZone } from './java-time-zone.js';

// ---------------------------------------------------------------- fields

type Field =
  | 'Era'
  | 'YearOfEra'
  | 'Year'
  | 'QuarterOfYear'
  | 'MonthOfYear'
  | 'DayOfYear'
  | 'DayOfMonth'
  | 'AlignedDayOfWeekInMonth'
  | 'DayOfWeek'
  | 'LocalizedDayOfWeek'
  | 'WeekOfWeekBasedYear'
  | 'WeekOfMonth'
  | 'WeekBasedYear'
  | 'AmPmOfDay'
  | 'HourOfDay'
  | 'ClockHourOfDay'
  | 'HourOfAmPm'
  | 'ClockHourOfAmPm'
  | 'MinuteOfHour'
  | 'SecondOfMinute'
  | 'NanoOfSecond'
  | 'MilliOfDay'
  | 'NanoOfDay';

const TIME_FIELDS: ReadonlySet<Field> = new Set<Field>([
  'AmPmOfDay', 'HourOfDay', 'ClockHourOfDay', 'HourOfAmPm', 'ClockHourOfAmPm', 'MinuteOfHour',
  'SecondOfMinute', 'NanoOfSecond', 'MilliOfDay', 'NanoOfDay',
]);

type SignStyle = 'NORMAL' | 'NOT_NEGATIVE' | 'EXCEEDS_PAD';
type TextStyle = 'short' | 'full' | 'narrow';

type Item =
  | { readonly k: 'lit'; readonly text: string }
  | { k: 'num'; readonly field: Field; readonly min: number; readonly max: number; readonly sign: SignStyle; reserved: number }
  | { k: 'reduced'; readonly field: Field; reserved: number }
  | { k: 'frac'; readonly width: number; reserved: number }
  | { readonly k: 'text'; readonly field: Field; readonly style: TextStyle }
  | { readonly k: 'offset'; readonly pattern: string; readonly noOffset: string }
  | { readonly k: 'gmtOffset'; readonly full: boolean }
  | { readonly k: 'zoneId' }
  | { readonly k: 'zoneText'; readonly full: boolean }
  | { readonly k: 'opt'; readonly items: Item[] };

// ---------------------------------------------------------------- en-US texts

const MONTHS_FULL = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS_SHORT = MONTHS_FULL.map((m) => m.slice(0, 3));
const DAYS_FULL = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAYS_SHORT = DAYS_FULL.map((d) => d.slice(0, 3));
const QUARTERS_FULL = ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'];

/** Display texts of a text field, indexed by (value - first value). */
function texts(field: Field, style: TextStyle): { first: number; names: readonly string[] } {
  switch (field) {
    case 'MonthOfYear':
      return { first: 1, names: style === 'full' ? MONTHS_FULL : style === 'short' ? MONTHS_SHORT : MONTHS_FULL.map((m) => m[0]!) };
    case 'DayOfWeek':
    case 'LocalizedDayOfWeek':
      return { first: 1, names: style === 'full' ? DAYS_FULL : style === 'short' ? DAYS_SHORT : DAYS_FULL.map((d) => d[0]!) };
    case 'AmPmOfDay':
      return { first: 0, names: style === 'narrow' ? ['a', 'p'] : ['AM', 'PM'] };
    case 'Era':
      return { first: 0, names: style === 'full' ? ['Before Christ', 'Anno Domini'] : style === 'short' ? ['BC', 'AD'] : ['B', 'A'] };
    case 'QuarterOfYear':
      return { first: 1, names: style === 'full' ? QUARTERS_FULL : style === 'short' ? ['Q1', 'Q2', 'Q3', 'Q4'] : ['1', '2', '3', '4'] };
    default:
      throw new Error(`No text for field ${field}`);
  }
}

// ---------------------------------------------------------------- pattern compiler

function patternError(msg: string): never {
  throw new Error(msg);
}

const OFFSET_PATTERNS_X = ['+HHmm', '+HHMM', '+HH:MM', '+HHMMss', '+HH:MM:ss'];
const NO_OFFSET_x = ['+00', '+0000', '+00:00', '+0000', '+00:00'];

class Builder {
  readonly root: Item[] = [];
  private stack: Item[][] = [this.root];
  /** Index in the current list of the number item that following fixed-width numbers attach to. */
  private active = -1;

  private get cur(): Item[] {
    return this.stack[this.stack.length - 1]!;
  }

  append(item: Item): void {
    this.cur.push(item);
    this.active = -1;
  }

  /** Java's appendValue: fixed-width numbers directly after a number reserve their width in it. */
  appendNumber(item: Extract<Item, { k: 'num' | 'reduced' | 'frac' }>): void {
    const fixed = item.k !== 'num' || (item.min === item.max && item.sign === 'NOT_NEGATIVE');
    const list = this.cur;
    if (this.active >= 0 && fixed) {
      const base = list[this.active] as Extract<Item, { k: 'num' | 'reduced' | 'frac' }>;
      base.reserved += widthOf(item);
      list.push(item);
      return;
    }
    list.push(item);
    this.active = list.length - 1;
  }

  optionalStart(): void {
    const opt: Item = { k: 'opt', items: [] };
    this.cur.push(opt);
    this.stack.push(opt.items);
    this.active = -1;
  }

  optionalEnd(): void {
    if (this.stack.length === 1) patternError('Pattern invalid as it contains ] without previous [');
    this.stack.pop();
    this.active = -1;
  }
}

function widthOf(item: Extract<Item, { k: 'num' | 'reduced' | 'frac' }>): number {
  return item.k === 'num' ? item.max : item.k === 'reduced' ? 2 : item.width;
}

const num = (field: Field, min: number, max: number, sign: SignStyle): Extract<Item, { k: 'num' }> => ({
  k: 'num', field, min, max, sign, reserved: 0,
});

function compile(pattern: string): Item[] {
  const b = new Builder();
  for (let pos = 0; pos < pattern.length; pos++) {
    const c = pattern[pos]!;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      let end = pos + 1;
      while (end < pattern.length && pattern[end] === c) end++;
      const count = end - pos;
      if (c === 'p') patternError(`Unsupported pattern letter: p`);
      letter(b, c, count);
      pos = end - 1;
    } else if (c === "'") {
      const start = pos++;
      for (; pos < pattern.length; pos++) {
        if (pattern[pos] === "'") {
          if (pos + 1 < pattern.length && pattern[pos + 1] === "'") pos++;
          else break;
        }
      }
      if (pos >= pattern.length) patternError(`Pattern ends with an incomplete string literal: ${pattern}`);
      const str = pattern.slice(start + 1, pos);
      b.append({ k: 'lit', text: str.length === 0 ? "'" : str.replace(/''/g, "'") });
    } else if (c === '[') {
      b.optionalStart();
    } else if (c === ']') {
      b.optionalEnd();
    } else if (c === '{' || c === '}' || c === '#') {
      patternError(`Pattern includes reserved character: '${c}'`);
    } else {
      b.append({ k: 'lit', text: c });
    }
  }
  return b.root;
}

function letter(b: Builder, c: string, count: number): void {
  const tooMany = (): never => patternError(`Too many pattern letters: ${c}`);
  const textStyle = (n: number): TextStyle => (n <= 3 ? 'short' : n === 4 ? 'full' : n === 5 ? 'narrow' : tooMany());
  const valueOrText = (field: Field): void => {
    if (count === 1) b.appendNumber(num(field, 1, 19, 'NORMAL'));
    else if (count === 2) b.appendNumber(num(field, 2, 2, 'NOT_NEGATIVE'));
    else b.append({ k: 'text', field, style: textStyle(count) });
  };
  const oneOrTwo = (field: Field): void => {
    if (count === 1) b.appendNumber(num(field, 1, 19, 'NORMAL'));
    else if (count === 2) b.appendNumber(num(field, 2, 2, 'NOT_NEGATIVE'));
    else tooMany();
  };
  const year = (field: Field): void => {
    if (count === 2) b.appendNumber({ k: 'reduced', field, reserved: 0 });
    else if (count < 4) b.appendNumber(num(field, count, 19, 'NORMAL'));
    else b.appendNumber(num(field, count, 19, 'EXCEEDS_PAD'));
  };
  switch (c) {
    case 'G':
      return b.append({ k: 'text', field: 'Era', style: textStyle(count) });
    case 'y':
      return year('YearOfEra');
    case 'u':
      return year('Year');
    case 'Y':
      return year('WeekBasedYear');
    case 'Q':
    case 'q':
      return valueOrText('QuarterOfYear');
    case 'M':
    case 'L':
      return valueOrText('MonthOfYear');
    case 'w':
      return oneOrTwo('WeekOfWeekBasedYear');
    case 'W':
      return count === 1 ? b.appendNumber(num('WeekOfMonth', 1, 19, 'NORMAL')) : tooMany();
    case 'D':
      if (count === 1) return b.appendNumber(num('DayOfYear', 1, 19, 'NORMAL'));
      if (count <= 3) return b.appendNumber(num('DayOfYear', count, 3, 'NOT_NEGATIVE'));
      return tooMany();
    case 'd':
      return oneOrTwo('DayOfMonth');
    case 'F':
      return count === 1 ? b.appendNumber(num('AlignedDayOfWeekInMonth', 1, 19, 'NORMAL')) : tooMany();
    case 'E':
      return b.append({ k: 'text', field: 'DayOfWeek', style: textStyle(count) });
    case 'e':
    case 'c':
      if (c === 'c' && count === 2) patternError('Invalid pattern "cc"');
      return valueOrText('LocalizedDayOfWeek');
    case 'a':
      return count === 1 ? b.append({ k: 'text', field: 'AmPmOfDay', style: 'short' }) : tooMany();
    case 'H':
      return oneOrTwo('HourOfDay');
    case 'k':
      return oneOrTwo('ClockHourOfDay');
    case 'K':
      return oneOrTwo('HourOfAmPm');
    case 'h':
      return oneOrTwo('ClockHourOfAmPm');
    case 'm':
      return oneOrTwo('MinuteOfHour');
    case 's':
      return oneOrTwo('SecondOfMinute');
    case 'S':
      if (count > 9) patternError(`Maximum width must be from 1 to 9 inclusive but was ${count}`);
      return b.appendNumber({ k: 'frac', width: count, reserved: 0 });
    case 'A':
    case 'n':
    case 'N': {
      const field: Field = c === 'A' ? 'MilliOfDay' : c === 'n' ? 'NanoOfSecond' : 'NanoOfDay';
      return b.appendNumber(count === 1 ? num(field, 1, 19, 'NORMAL') : num(field, count, count, 'NOT_NEGATIVE'));
    }
    case 'V':
      return count === 2 ? b.append({ k: 'zoneId' }) : patternError('Pattern letter count must be 2: V');
    case 'v':
    case 'z':
      if (count > 4 || (c === 'v' && count !== 1 && count !== 4)) tooMany();
      return b.append({ k: 'zoneText', full: count === 4 });
    case 'O':
      if (count !== 1 && count !== 4) patternError('Pattern letter count must be 1 or 4: O');
      return b.append({ k: 'gmtOffset', full: count === 4 });
    case 'X':
      if (count > 5) tooMany();
      return b.append({ k: 'offset', pattern: OFFSET_PATTERNS_X[count - 1]!, noOffset: 'Z' });
    case 'x':
      if (count > 5) tooMany();
      return b.append({ k: 'offset', pattern: count === 1 ? '+HHmm' : OFFSET_PATTERNS_X[count - 1]!, noOffset: NO_OFFSET_x[count - 1]! });
    case 'Z':
      if (count <= 3) return b.append({ k: 'offset', pattern: '+HHMM', noOffset: '+0000' });
      if (count === 4) return b.append({ k: 'gmtOffset', full: true });
      if (count === 5) return b.append({ k: 'offset', pattern: '+HH:MM:ss', noOffset: 'Z' });
      return tooMany();
    default:
      return patternError(`Unknown pattern letter: ${c}`);
  }
}

// ---------------------------------------------------------------- formatting

/** The value being formatted: which parts it has and their components. */
interface Temporal {
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

function formatItems(items: readonly Item[], t: Temporal, out: string[]): void {
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

// ---------------------------------------------------------------- parsing

/** Raw parsed field values (before resolution). */
type Fields = Partial<Record<Field, number>>;

interface ParseState {
  readonly text: string;
  pos: number;
  fields: Fields;
  zone: TimeZoneRules | null;
  offsetSeconds: number | null;
}

class ParseFailure extends Error {}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function setField(st: ParseState, field: Field, value: number): void {
  const prev = st.fields[field];
  if (prev !== undefined && prev !== value) {
    throw new ParseFailure(`Conflict found: ${field} ${prev} differs from ${field} ${value}`);
  }
  st.fields[field] = value;
}

function parseNumber(st: ParseState, item: Extract<Item, { k: 'num' }>): boolean {
  const text = st.text;
  let pos = st.pos;
  let negative = false;
  let plus = false;
  const ch = text[pos];
  if (ch === '-' || ch === '+') {
    if (item.sign === 'NOT_NEGATIVE' || (ch === '+' && item.sign === 'NORMAL')) return false;
    negative = ch === '-';
    plus = ch === '+';
    pos++;
  }
  const start = pos;
  const limit = Math.min(text.length, pos + item.max + item.reserved);
  while (pos < limit && isDigit(text.charCodeAt(pos))) pos++;
  let len = pos - start;
  if (item.reserved > 0) len = Math.max(item.min, len - item.reserved);
  if (len < item.min || start + len > text.length) return false;
  if (!negative && item.sign === 'EXCEEDS_PAD' && (plus ? len <= item.min : len > item.min)) return false;
  const value = Number(text.slice(start, start + len));
  setField(st, item.field, negative ? -value : value);
  st.pos = start + len;
  return true;
}

function parseFixedDigits(st: ParseState, width: number, reserved: number): string | null {
  const text = st.text;
  let pos = st.pos;
  const limit = Math.min(text.length, pos + width + reserved);
  while (pos < limit && isDigit(text.charCodeAt(pos))) pos++;
  const len = reserved > 0 ? Math.max(width, pos - st.pos - reserved) : pos - st.pos;
  if (len !== width) return null;
  const digits = text.slice(st.pos, st.pos + width);
  st.pos += width;
  return digits;
}

/** Longest case-insensitive match among names; returns the index or -1. */
function matchText(st: ParseState, names: readonly string[]): number {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n.length > bestLen && st.text.substr(st.pos, n.length).toLowerCase() === n.toLowerCase()) {
      best = i;
      bestLen = n.length;
    }
  }
  if (best >= 0) st.pos += bestLen;
  return best;
}

function parseTwoDigits(text: string, pos: number): number {
  if (pos + 2 > text.length || !isDigit(text.charCodeAt(pos)) || !isDigit(text.charCodeAt(pos + 1))) return -1;
  return (text.charCodeAt(pos) - 48) * 10 + (text.charCodeAt(pos + 1) - 48);
}

/** Offsets like '+HH:MM:ss': upper-case parts required, lower-case optional. */
function parseOffset(st: ParseState, pattern: string, noOffset: string): boolean {
  const text = st.text;
  const sign = text[st.pos];
  if (sign !== '+' && sign !== '-') {
    if (text.substr(st.pos, noOffset.length).toLowerCase() === noOffset.toLowerCase()) {
      st.pos += noOffset.length;
      st.offsetSeconds = 0;
      return true;
    }
    return false;
  }
  const colon = pattern.includes(':');
  let pos = st.pos + 1;
  const h = parseTwoDigits(text, pos);
  if (h < 0) return false;
  pos += 2;
  let m = 0;
  let s = 0;
  const parts = [pattern.slice(3, colon ? 6 : 5), pattern.slice(colon ? 6 : 5)];
  const values: number[] = [];
  for (const part of parts) {
    if (!part) break;
    const required = part.includes('M') || part.includes('S');
    const p = pos + (colon ? 1 : 0);
    const v = colon && text[pos] !== ':' ? -1 : parseTwoDigits(text, p);
    if (v < 0) {
      if (required) return false;
      break;
    }
    values.push(v);
    pos = p + 2;
  }
  m = values[0] ?? 0;
  s = values[1] ?? 0;
  if (h > 18 || m > 59 || s > 59) return false;
  st.offsetSeconds = (h * 3600 + m * 60 + s) * (sign === '-' ? -1 : 1);
  st.pos = pos;
  return true;
}

function parseGmtOffset(st: ParseState): boolean {
  const text = st.text;
  if (text.substr(st.pos, 3).toUpperCase() !== 'GMT') return false;
  let pos = st.pos + 3;
  const sign = text[pos];
  if (sign !== '+' && sign !== '-') {
    st.pos = pos;
    st.offsetSeconds = 0;
    return true;
  }
  const m = /^(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?/.exec(text.slice(pos + 1));
  if (!m) return false;
  pos += 1 + m[0].length;
  st.offsetSeconds = (+m[1]! * 3600 + (m[2] ? +m[2] * 60 : 0) + (m[3] ? +m[3] : 0)) * (sign === '-' ? -1 : 1);
  st.pos = pos;
  return true;
}

/** A zone id or name at the current position ('America/Los_Angeles', 'PST', 'UTC+01:00', '+05:00', 'Z'). */
function parseZone(st: ParseState, allowNames: boolean): boolean {
  const rest = st.text.slice(st.pos);
  const m = /^(?:[A-Za-z][A-Za-z0-9~/._+-]*|[+-][0-9:]+)/.exec(rest);
  if (!m) return false;
  // Try the longest candidate first, then shorter prefixes (e.g. 'PST' in 'PST,').
  for (let len = m[0].length; len > 0; len--) {
    const cand = m[0].slice(0, len);
    const upper = cand.toUpperCase();
    const zoneId = allowNames ? (ZONE_ABBREVIATIONS.get(upper) ?? cand) : cand;
    try {
      const zone = resolveZone(zoneId);
      st.zone = zone;
      st.pos += len;
      return true;
    } catch {
      // not a zone: try a shorter prefix
    }
  }
  return false;
}

function parseItems(items: readonly Item[], st: ParseState): boolean {
  for (const item of items) {
    switch (item.k) {
      case 'lit': {
        const t = item.text;
        if (st.text.substr(st.pos, t.length).toLowerCase() !== t.toLowerCase()) return false;
        st.pos += t.length;
        break;
      }
      case 'num':
        if (!parseNumber(st, item)) return false;
        break;
      case 'reduced': {
        const d = parseFixedDigits(st, 2, item.reserved);
        if (d === null) return false;
        setField(st, item.field, 2000 + Number(d));
        break;
      }
      case 'frac': {
        const d = parseFixedDigits(st, item.width, item.reserved);
        if (d === null) return false;
        setField(st, 'NanoOfSecond', Number((d + '000000000').slice(0, 9)));
        break;
      }
      case 'text': {
        const { first, names } = texts(item.field, item.style);
        const idx = matchText(st, names);
        if (idx < 0) return false;
        setField(st, item.field, idx + first);
        break;
      }
      case 'offset':
        if (!parseOffset(st, item.pattern, item.noOffset)) return false;
        break;
      case 'gmtOffset':
        if (!parseGmtOffset(st)) return false;
        break;
      case 'zoneId':
        if (!parseZone(st, false)) return false;
        break;
      case 'zoneText':
        if (!parseZone(st, true)) return false;
        break;
      case 'opt': {
        const saved = { pos: st.pos, fields: { ...st.fields }, zone: st.zone, offsetSeconds: st.offsetSeconds };
        if (!parseItems(item.items, st)) Object.assign(st, saved);
        break;
      }
    }
  }
  return true;
}

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

function resolve(st: ParseState): ParsedDateTime {
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

// ---------------------------------------------------------------- public API

/** A compiled Java date-time pattern. */
export class DateTimePattern {
  private constructor(
    readonly pattern: string,
    private readonly items: readonly Item[],
  ) {}

  /** Compiles (and caches) a pattern; throws IllegalArgumentException-like errors for bad patterns. */
  static of(pattern: string): DateTimePattern {
    let p = cache.get(pattern);
    if (!p) {
      p = new DateTimePattern(pattern, compile(pattern));
      if (cache.size >= MAX_CACHE) cache.clear();
      cache.set(pattern, p);
    }
    return p;
  }

  /** Formats an instant (epoch ms) in a zone (ZonedDateTime.format). */
  formatTimestamp(epochMs: number, zone: TimeZoneRules = UTC_ZONE): string {
    const offsetMs = zone.offsetAt(epochMs);
    const local = epochMs + offsetMs;
    const epochDay = floorDiv(local, MS_PER_DAY);
    return this.run(makeTemporal(true, true, epochDay, local - epochDay * MS_PER_DAY, zone, offsetMs / 1000));
  }

  /** Formats a DATE (days since epoch) as a LocalDate: time or zone fields throw. */
  formatDate(epochDay: number): string {
    return this.run(makeTemporal(true, false, epochDay, 0, null, 0));
  }

  /** Formats a TIME (ms of day) as a LocalTime: date or zone fields throw. */
  formatTime(msOfDay: number): string {
    return this.run(makeTemporal(false, true, 0, msOfDay, null, 0));
  }

  private run(t: Temporal): string {
    const out: string[] = [];
    formatItems(this.items, t, out);
    return out.join('');
  }

  /**
   * Parses text into resolved fields; throws DateTimeParseException-like errors. With
   * `allowTrailing`, text after the pattern's end is ignored (parse with a ParsePosition).
   */
  parse(text: string, allowTrailing = false): ParsedDateTime {
    const st: ParseState = { text, pos: 0, fields: {}, zone: null, offsetSeconds: null };
    let ok: boolean;
    try {
      ok = parseItems(this.items, st);
    } catch (e) {
      throw new Error(`Text '${text}' could not be parsed: ${(e as Error).message}`);
    }
    if (!ok) throw new Error(`Text '${text}' could not be parsed at index ${st.pos}`);
    if (st.pos < text.length && !allowTrailing) {
      throw new Error(`Text '${text}' could not be parsed, unparsed text found at index ${st.pos}`);
    }
    return resolve(st);
  }

  /**
   * Parses a timestamp as ksqlDB's StringToTimestampParser: fields missing from the text default to
   * 1970-01-01T00:00:00.000, and the zone is the parsed zone/offset or else `defaultZone`.
   */
  parseTimestamp(text: string, defaultZone: TimeZoneRules = UTC_ZONE): number {
    const p = this.parse(text);
    const epochDay = resolveDate(p, 1970, false);
    const local = epochDay * MS_PER_DAY + (p.msOfDay ?? p.partialTimeMs);
    if (p.offsetSeconds !== null) return local - p.offsetSeconds * 1000;
    return (p.zone ?? defaultZone).localToUtc(local);
  }

  /**
   * Parses a date (PARSE_DATE): a pattern with time fields is an error, missing year/month/day
   * default to 1970/1/1 and text after the pattern is ignored (ksqlDB: PARSE_DATE('2003-12-24-01-01',
   * 'yyyy-MM-dd') is 2003-12-24). With `requireFullDate` (STRINGTODATE, LocalDate.parse) the date
   * must be complete and fill the text, and time fields are allowed.
   */
  parseDate(text: string, requireFullDate = false): number {
    const p = this.parse(text, !requireFullDate);
    if (!requireFullDate && p.hasTimeField) throw new Error('Date format contains time field.');
    return resolveDate(p, 1970, requireFullDate);
  }

  /** Parses a time of day (PARSE_TIME): date fields are an error, an hour is required. */
  parseTime(text: string): number {
    const p = this.parse(text);
    if (p.hasDateField) throw new Error(`Unsupported field: ${p.year !== undefined ? 'YearOfEra' : 'date field'}`);
    if (p.msOfDay === undefined) throw new Error(`Unable to obtain LocalTime from TemporalAccessor: ${text}`);
    return p.msOfDay;
  }
}

function resolveDate(p: ParsedDateTime, defaultYear: number, requireFull: boolean): number {
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

function makeTemporal(
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

const MAX_CACHE = 1000;
const cache = new Map<string, DateTimePattern>();

/** Formats an offset as Java's ZoneOffset id (re-exported for callers that print zones). */
export { formatOffsetId };
