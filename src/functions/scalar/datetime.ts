/**
 * Date and time functions (ksqlDB "Date and time" and the deprecated BIGINT/INT variants).
 *
 * Time-unit arguments (DATEADD(DAYS, 2, d)) are keywords in SQL; the expression compiler passes a
 * bare unit keyword as an upper-case STRING ('DAYS', 'DAY', 'MILLISECONDS', ...), so the `unit`
 * parameters here are STRING.
 *
 * Patterns are Java DateTimeFormatter patterns (see java-time-format.ts) and zones Java zone ids
 * (java-time-zone.ts). The no-zone variants use UTC, the server default zone ksqlDB's tests run with.
 */
import { T } from '../../types/sql-type.js';
import type { ScalarFunction } from '../types.js';
import { MS_PER_DAY, floorMod } from './civil-calendar.js';
import { DateTimePattern } from './java-time-format.js';
import { resolveZone } from './java-time-zone.js';
import { p } from './support.js';

const NANOS_PER_MS = 1_000_000;

/** java.util.concurrent.TimeUnit by SQL keyword (singular or plural). Value: ms per unit, or a divisor for sub-ms units. */
const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['DAY', MS_PER_DAY], ['DAYS', MS_PER_DAY],
  ['HOUR', 3_600_000], ['HOURS', 3_600_000],
  ['MINUTE', 60_000], ['MINUTES', 60_000],
  ['SECOND', 1000], ['SECONDS', 1000],
  ['MILLISECOND', 1], ['MILLISECONDS', 1],
]);
const SUB_MS_DIVISOR: ReadonlyMap<string, number> = new Map([
  ['MICROSECOND', 1000], ['MICROSECONDS', 1000],
  ['NANOSECOND', NANOS_PER_MS], ['NANOSECONDS', NANOS_PER_MS],
]);

/** TimeUnit.toMillis(interval): sub-millisecond units truncate toward zero. */
export function unitToMillis(unit: string, interval: number): number {
  const key = unit.toUpperCase();
  const ms = UNIT_MS.get(key);
  if (ms !== undefined) return interval * ms;
  const div = SUB_MS_DIVISOR.get(key);
  if (div !== undefined) return Math.trunc(interval / div);
  throw new Error(`Unknown time unit: ${unit}`);
}

/** TimeUnit.toNanos(interval) for TIME arithmetic (exact for the sub-ms units, which are small). */
function unitToNanos(unit: string, interval: number): { ms: number; nanos: number } {
  const key = unit.toUpperCase();
  const div = SUB_MS_DIVISOR.get(key);
  if (div !== undefined) return { ms: 0, nanos: interval * (NANOS_PER_MS / div) };
  return { ms: unitToMillis(key, interval), nanos: 0 };
}

/** DATE ± interval: computed in ms, then back to days truncating toward zero (TimeUnit.toDays). */
function addToDate(unit: string, interval: number, date: number, sign: 1 | -1): number {
  const ms = date * MS_PER_DAY + sign * unitToMillis(unit, interval);
  return Math.trunc(ms / MS_PER_DAY) + 0;
}

/** TIME ± interval, wrapping around midnight as LocalTime.plus does. */
function addToTime(unit: string, interval: number, time: number, sign: 1 | -1): number {
  const { ms, nanos } = unitToNanos(unit, interval);
  if (nanos === 0) return floorMod(time + sign * floorMod(ms, MS_PER_DAY), MS_PER_DAY);
  const dayNanos = MS_PER_DAY * NANOS_PER_MS;
  const total = floorMod(time * NANOS_PER_MS + sign * nanos, dayNanos);
  return Math.floor(total / NANOS_PER_MS);
}

const pattern = (fmt: string): DateTimePattern => DateTimePattern.of(fmt);

/**
 * Parses a timestamp string with a Java pattern (StringToTimestampParser semantics) in a zone,
 * to epoch ms. Throws when the text does not match. Used by TIMESTAMP_FORMAT event-time extraction.
 */
export function parseTimestampWithPattern(text: string, format: string, zoneId = 'UTC'): number {
  return pattern(format).parseTimestamp(text, resolveZone(zoneId));
}

/** Formats epoch ms with a Java pattern in a zone (ZonedDateTime.format). */
export function formatTimestampWithPattern(epochMs: number, format: string, zoneId = 'UTC'): string {
  return pattern(format).formatTimestamp(epochMs, resolveZone(zoneId));
}

/** Offset difference between two zones at an instant (CONVERT_TZ). */
function convertTz(ts: number, from: string, to: string): number {
  try {
    return ts + resolveZone(to).offsetAt(ts) - resolveZone(from).offsetAt(ts);
  } catch (e) {
    throw new Error(`Invalid time zone: ${(e as Error).message}`);
  }
}

/** Prefixes an error with the call's context (only built on failure, keeping the happy path allocation-free). */
function failure(context: string, e: unknown): Error {
  return new Error(`${context}: ${(e as Error).message}`);
}

const unitParam = p('unit', T.STRING, 'A unit of time, for example DAYS or HOURS');
const intervalParam = p('interval', T.INTEGER, 'An integer number of intervals');
const tzParam = (name = 'timeZone') => p(name, T.STRING, 'A java.util.TimeZone ID, e.g. UTC, America/Los_Angeles, +05:00');
const formatParam = p('formatPattern', T.STRING, 'A java.time.format.DateTimeFormatter pattern');

function addSub(name: string, type: typeof T.DATE | typeof T.TIME | typeof T.TIMESTAMP, sign: 1 | -1): ScalarFunction {
  const what = type === T.DATE ? 'DATE' : type === T.TIME ? 'TIME' : 'TIMESTAMP';
  const impl =
    type === T.DATE
      ? (u: string, i: number, v: number) => addToDate(u, i, v, sign)
      : type === T.TIME
        ? (u: string, i: number, v: number) => addToTime(u, i, v, sign)
        : (u: string, i: number, v: number) => v + sign * unitToMillis(u, i);
  return {
    kind: 'scalar',
    name,
    category: 'DATE / TIME',
    description: `${sign > 0 ? 'Adds a duration to' : 'Subtracts a duration from'} a ${what} value.`,
    overloads: [{ params: [unitParam, intervalParam, p(what.toLowerCase(), type)], returns: type, nullOnNullInput: true, impl }],
  };
}

export const dateTimeFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'CONVERT_TZ',
    category: 'DATE / TIME',
    description: 'Converts a TIMESTAMP value from one timezone to another.',
    overloads: [
      {
        params: [p('timestamp', T.TIMESTAMP), tzParam('fromTimeZone'), tzParam('toTimeZone')],
        returns: T.TIMESTAMP,
        nullOnNullInput: true,
        impl: convertTz,
      },
    ],
  },
  addSub('DATEADD', T.DATE, 1),
  addSub('DATESUB', T.DATE, -1),
  addSub('TIMEADD', T.TIME, 1),
  addSub('TIMESUB', T.TIME, -1),
  addSub('TIMESTAMPADD', T.TIMESTAMP, 1),
  addSub('TIMESTAMPSUB', T.TIMESTAMP, -1),
  {
    kind: 'scalar',
    name: 'FORMAT_DATE',
    category: 'DATE / TIME',
    description: 'Converts a DATE value into a string representing the date in the given format.',
    overloads: [
      {
        params: [p('date', T.DATE), formatParam],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (d: number, f: string) => {
          try {
            return pattern(f).formatDate(d);
          } catch (e) {
            throw failure(`Failed to format date ${d} with formatter '${f}'`, e);
          }
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'DATETOSTRING',
    category: 'DATE / TIME',
    description: 'Converts an INT number of days since epoch into a string in the given format (deprecated, use FORMAT_DATE).',
    overloads: [
      {
        params: [p('epochDays', T.INTEGER), formatParam],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (d: number, f: string) => {
          try {
            return pattern(f).formatDate(d);
          } catch (e) {
            throw failure(`Failed to format date ${d} with formatter '${f}'`, e);
          }
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'FORMAT_TIME',
    category: 'DATE / TIME',
    description: 'Converts a TIME value into a string representing the time in the given format.',
    overloads: [
      {
        params: [p('time', T.TIME), formatParam],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (t: number, f: string) => {
          try {
            return pattern(f).formatTime(t);
          } catch (e) {
            throw failure(`Failed to format time ${t} with formatter '${f}'`, e);
          }
        },
      },
    ],
  },
  timestampFormatter('FORMAT_TIMESTAMP', T.TIMESTAMP, 'Converts a TIMESTAMP value into a string in the given format.'),
  timestampFormatter(
    'TIMESTAMPTOSTRING',
    T.BIGINT,
    'Converts a BIGINT millisecond timestamp into a string in the given format (deprecated, use FORMAT_TIMESTAMP).',
  ),
  {
    kind: 'scalar',
    name: 'FROM_DAYS',
    category: 'DATE / TIME',
    description: 'Converts an INT number of days since epoch to a DATE value.',
    overloads: [{ params: [p('days', T.INTEGER)], returns: T.DATE, nullOnNullInput: true, impl: (d: number) => d }],
  },
  {
    kind: 'scalar',
    name: 'FROM_UNIXTIME',
    category: 'DATE / TIME',
    description: 'Converts a BIGINT millisecond timestamp value into a TIMESTAMP value.',
    overloads: [{ params: [p('milliseconds', T.BIGINT)], returns: T.TIMESTAMP, nullOnNullInput: true, impl: (ms: number) => ms }],
  },
  {
    kind: 'scalar',
    name: 'PARSE_DATE',
    category: 'DATE / TIME',
    description: 'Converts a string representation of a date in the given format into a DATE value.',
    overloads: [
      {
        params: [p('formattedDate', T.STRING), formatParam],
        returns: T.DATE,
        nullOnNullInput: true,
        impl: (s: string, f: string) => {
          try {
            return pattern(f).parseDate(s);
          } catch (e) {
            throw failure(`Failed to parse date '${s}' with formatter '${f}'`, e);
          }
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'STRINGTODATE',
    category: 'DATE / TIME',
    description: 'Converts a string representation of a date in the given format into an INT number of days since epoch (deprecated, use PARSE_DATE).',
    overloads: [
      {
        params: [p('formattedDate', T.STRING), formatParam],
        returns: T.INTEGER,
        nullOnNullInput: true,
        impl: (s: string, f: string) => {
          try {
            return pattern(f).parseDate(s, true);
          } catch (e) {
            throw failure(`Failed to parse date '${s}' with formatter '${f}'`, e);
          }
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'PARSE_TIME',
    category: 'DATE / TIME',
    description: 'Converts a string representation of a time in the given format into a TIME value.',
    overloads: [
      {
        params: [p('formattedTime', T.STRING), formatParam],
        returns: T.TIME,
        nullOnNullInput: true,
        impl: (s: string, f: string) => {
          try {
            return pattern(f).parseTime(s);
          } catch (e) {
            throw failure(`Failed to parse time '${s}' with formatter '${f}'`, e);
          }
        },
      },
    ],
  },
  timestampParser('PARSE_TIMESTAMP', T.TIMESTAMP, 'Converts a string value in the given format into a TIMESTAMP value.'),
  timestampParser(
    'STRINGTOTIMESTAMP',
    T.BIGINT,
    'Converts a string value in the given format into a BIGINT millisecond timestamp (deprecated, use PARSE_TIMESTAMP).',
  ),
  {
    kind: 'scalar',
    name: 'UNIX_DATE',
    category: 'DATE / TIME',
    description: 'Returns the current date, or the given DATE, as an INT number of days since 1970-01-01.',
    overloads: [
      { params: [], returns: T.INTEGER, impl: () => Math.floor(Date.now() / MS_PER_DAY) },
      { params: [p('date', T.DATE)], returns: T.INTEGER, nullOnNullInput: true, impl: (d: number) => d },
    ],
  },
  {
    kind: 'scalar',
    name: 'UNIX_TIMESTAMP',
    category: 'DATE / TIME',
    description: 'Returns the current time, or the given TIMESTAMP, as BIGINT milliseconds since 1970-01-01T00:00:00 UTC.',
    overloads: [
      { params: [], returns: T.BIGINT, impl: () => Date.now() },
      { params: [p('timestamp', T.TIMESTAMP)], returns: T.BIGINT, nullOnNullInput: true, impl: (ts: number) => ts },
    ],
  },
];

function timestampFormatter(name: string, input: typeof T.TIMESTAMP | typeof T.BIGINT, description: string): ScalarFunction {
  const fail = (ts: number, f: string, tz?: string): string =>
    `Failed to format timestamp ${ts}${tz === undefined ? '' : ` at timeZone '${tz}'`} with formatter '${f}'`;
  return {
    kind: 'scalar',
    name,
    category: 'DATE / TIME',
    description,
    overloads: [
      {
        params: [p('timestamp', input), formatParam],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (ts: number, f: string) => {
          try {
            return pattern(f).formatTimestamp(ts);
          } catch (e) {
            throw failure(fail(ts, f), e);
          }
        },
      },
      {
        params: [p('timestamp', input), formatParam, tzParam()],
        returns: T.STRING,
        nullOnNullInput: true,
        impl: (ts: number, f: string, tz: string) => {
          try {
            return pattern(f).formatTimestamp(ts, resolveZone(tz));
          } catch (e) {
            throw failure(fail(ts, f, tz), e);
          }
        },
      },
    ],
  };
}

function timestampParser(name: string, output: typeof T.TIMESTAMP | typeof T.BIGINT, description: string): ScalarFunction {
  const fail = (s: string, f: string, tz?: string): string =>
    `Failed to parse timestamp '${s}'${tz === undefined ? '' : ` at timezone '${tz}'`} with formatter '${f}'`;
  return {
    kind: 'scalar',
    name,
    category: 'DATE / TIME',
    description,
    overloads: [
      {
        params: [p('formattedTimestamp', T.STRING), formatParam],
        returns: output,
        nullOnNullInput: true,
        impl: (s: string, f: string) => {
          try {
            return pattern(f).parseTimestamp(s);
          } catch (e) {
            throw failure(fail(s, f), e);
          }
        },
      },
      {
        params: [p('formattedTimestamp', T.STRING), formatParam, tzParam()],
        returns: output,
        nullOnNullInput: true,
        impl: (s: string, f: string, tz: string) => {
          try {
            return pattern(f).parseTimestamp(s, resolveZone(tz));
          } catch (e) {
            throw failure(fail(s, f, tz), e);
          }
        },
      },
    ],
  };
}
