/**
 * Java DateTimeFormatter patterns ('yyyy-MM-dd''T''HH:mm:ss.SSSX', 'dd-MMM-yyyy', 'hh:mm a z', ...),
 * compiled once per pattern string and cached. Formatting and parsing follow java.time with the
 * en-US locale: strict number widths, adjacent-value parsing ('yyyyMMdd'), optional sections
 * ('[...]'), quoted literals, text fields (MMM, EEEE, a, G), offsets (X, x, Z, O) and zones (z, VV).
 * Parsing is case-insensitive, as ksqlDB's parsers are.
 *
 * Formatting gets a date (days since epoch), a time (ms of day) or an instant in a zone; a pattern
 * field the value does not have throws "Unsupported field: HourOfDay", as java.time does.
 *
 * This module is the public entry point (DateTimePattern, with its cache of compiled patterns). The
 * work is done by java-time-pattern.ts (pattern compiler and items), java-time-formatter.ts,
 * java-time-parser.ts and java-time-resolver.ts.
 */
import { MS_PER_DAY, floorDiv } from './civil-calendar.js';
import { type Temporal, formatItems, makeTemporal } from './java-time-formatter.js';
import { type ParseState, parseItems } from './java-time-parser.js';
import { compile, type Item } from './java-time-pattern.js';
import { type ParsedDateTime, resolve, resolveDate } from './java-time-resolver.js';
import { type TimeZoneRules, UTC_ZONE, formatOffsetId } from './java-time-zone.js';

export type { ParsedDateTime } from './java-time-resolver.js';

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

const MAX_CACHE = 1000;
const cache = new Map<string, DateTimePattern>();

/** Formats an offset as Java's ZoneOffset id (re-exported for callers that print zones). */
export { formatOffsetId };
