import { describe, expect, it } from 'vitest';
import { dateTimeFunctions, parseTimestampWithPattern } from '../../src/functions/scalar/datetime.js';
import { DateTimePattern } from '../../src/functions/scalar/java-time-format.js';
import { resolveZone } from '../../src/functions/scalar/java-time-zone.js';
import { civilFromDays, daysFromCivil } from '../../src/functions/scalar/civil-calendar.js';
import type { ScalarFunction } from '../../src/functions/types.js';

/** Calls the overload of `name` with `arity` params (nullOnNullInput honoured as the compiler would). */
function call(name: string, ...args: unknown[]): unknown {
  const fn = dateTimeFunctions.find((f: ScalarFunction) => f.name === name);
  if (!fn) throw new Error(`no function ${name}`);
  const o = fn.overloads.find((ov) => ov.params.length === args.length);
  if (!o) throw new Error(`no overload of ${name}/${args.length}`);
  if (o.nullOnNullInput && args.some((a) => a === null)) return null;
  return (o.impl as (...a: unknown[]) => unknown)(...args);
}
/** ksqlDB turns a throwing UDF into NULL (plus a processing-log entry). */
function callOrNull(name: string, ...args: unknown[]): unknown {
  try {
    return call(name, ...args);
  } catch {
    return null;
  }
}

describe('civil calendar', () => {
  it('round-trips days and dates', () => {
    for (const d of [-719468, -1, 0, 1, 17662, 18993, 2_932_896]) {
      const c = civilFromDays(d);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(d);
    }
    expect(civilFromDays(17662)).toMatchObject({ year: 2018, month: 5, day: 11, dow: 5 });
    expect(civilFromDays(-1)).toMatchObject({ year: 1969, month: 12, day: 31, doy: 365 });
  });
});

describe('time zones', () => {
  it('parses ZoneId.of forms', () => {
    expect(resolveZone('UTC').offsetAt(0)).toBe(0);
    expect(resolveZone('+05:30').offsetAt(0)).toBe(19_800_000);
    expect(resolveZone('-08').id).toBe('-08:00');
    expect(resolveZone('GMT+2').offsetAt(0)).toBe(7_200_000);
    expect(resolveZone('Z').id).toBe('Z');
    expect(() => resolveZone('+5:00')).toThrow(/Invalid ID for ZoneOffset/);
    expect(() => resolveZone('Mars/Olympus')).toThrow(/Unknown time-zone ID/);
    expect(() => resolveZone('PST')).toThrow(/Unknown time-zone ID/);
    expect(() => resolveZone('america/los_angeles')).toThrow(/Unknown time-zone ID/);
  });
  it('follows daylight saving for regions', () => {
    const la = resolveZone('America/Los_Angeles');
    expect(la.offsetAt(1526075913000)).toBe(-7 * 3_600_000); // May: PDT
    expect(la.offsetAt(1515000000000)).toBe(-8 * 3_600_000); // January: PST
    // 2018-03-11 02:30 does not exist in LA: moved forward to 03:30 PDT = 10:30Z
    expect(la.localToUtc(Date.UTC(2018, 2, 11, 2, 30))).toBe(Date.UTC(2018, 2, 11, 10, 30));
    // 2018-11-04 01:30 happens twice: the earlier offset (PDT) wins
    expect(la.localToUtc(Date.UTC(2018, 10, 4, 1, 30))).toBe(Date.UTC(2018, 10, 4, 8, 30));
  });
});

describe('DateTimePattern formatting', () => {
  const ts = 1526075913123; // 2018-05-11T21:58:33.123Z, a Friday
  const f = (pat: string, zone = 'UTC') => DateTimePattern.of(pat).formatTimestamp(ts, resolveZone(zone));
  it('formats numbers, texts and literals', () => {
    expect(f('yyyy-MM-dd HH:mm:ss.SSS')).toBe('2018-05-11 21:58:33.123');
    expect(f("yyyy-MM-dd'T'HH:mm:ss")).toBe('2018-05-11T21:58:33');
    expect(f("dd-MMM-yyyy 'at' h:mm a, EEEE")).toBe('11-May-2018 at 9:58 PM, Friday');
    expect(f("''yy''")).toBe("'18'");
    expect(f('MMMM d, G')).toBe('May 11, AD');
    expect(f('D DDD Q QQQ')).toBe('131 131 2 Q2');
    expect(f('S SS SSSS n A')).toBe('1 12 1230 123000000 79113123');
    expect(f('yyyyMMddHHmmss')).toBe('20180511215833');
    expect(f('K k')).toBe('9 21');
  });
  it('formats offsets and zones', () => {
    expect(f('X')).toBe('Z');
    expect(f('Z')).toBe('+0000');
    expect(f('xxx')).toBe('+00:00');
    expect(f('yyyy-MM-dd HH:mm:ss zzz', 'America/Los_Angeles')).toBe('2018-05-11 14:58:33 PDT');
    expect(f('HH:mm X', 'America/Los_Angeles')).toBe('14:58 -07');
    expect(f('HH:mm XX Z XXX', '+05:30')).toBe('03:28 +0530 +0530 +05:30');
    expect(f('VV', 'Europe/London')).toBe('Europe/London');
    expect(f('O OOOO', '+05:30')).toBe('GMT+5:30 GMT+05:30');
    expect(f('yyyy-MM-dd HH:mm:ss Z', 'UTC')).toBe('2018-05-11 21:58:33 +0000');
  });
  it('formats optional sections and rejects bad patterns', () => {
    expect(DateTimePattern.of('yyyy-MM-dd[ HH:mm]').formatDate(17662)).toBe('2018-05-11');
    expect(() => DateTimePattern.of('yyyy-MM-dd HH').formatDate(17662)).toThrow(/Unsupported field: HourOfDay/);
    expect(() => DateTimePattern.of('HH:mm yyyy').formatTime(0)).toThrow(/Unsupported field/);
    expect(() => DateTimePattern.of('yyyy-bb')).toThrow(/Unknown pattern letter: b/);
    expect(() => DateTimePattern.of("yyyy'T")).toThrow(/incomplete string literal/);
    expect(() => DateTimePattern.of('ddd')).toThrow(/Too many pattern letters: d/);
  });
  it('formats before the epoch', () => {
    expect(DateTimePattern.of('yyyy-MM-dd HH:mm:ss.SSS').formatTimestamp(-1)).toBe('1969-12-31 23:59:59.999');
  });
});

describe('DateTimePattern parsing', () => {
  it('parses timestamps with defaults and zones', () => {
    expect(parseTimestampWithPattern('2018-05-11T21:58:33Z', "yyyy-MM-dd'T'HH:mm:ssX")).toBe(1526075913000);
    expect(parseTimestampWithPattern('2020-05-11T21:58:33z', "yyyy-MM-dd'T'HH:mm:ssX")).toBe(1589234313000);
    expect(parseTimestampWithPattern('2019-08-27T13:31:09.2+0000', "yyyy-MM-dd'T'HH:mm:ss.SX")).toBe(1566912669200);
    expect(parseTimestampWithPattern('2018-05-11T21:58:33 PST', "yyyy-MM-dd'T'HH:mm:ss zzz")).toBe(1526101113000);
    expect(parseTimestampWithPattern('2018-05-11 21:58', 'yyyy-MM-dd HH:mm', 'America/New_York')).toBe(1526090280000);
    expect(parseTimestampWithPattern('12:00', 'HH:mm')).toBe(43_200_000);
    expect(parseTimestampWithPattern('2018-05-11T21:58:33+05:30', "yyyy-MM-dd'T'HH:mm:ssXXX")).toBe(1526075913000 - 19_800_000);
    expect(parseTimestampWithPattern('20180511215833', 'yyyyMMddHHmmss')).toBe(1526075913000);
    expect(parseTimestampWithPattern('2018-05-11 [America/Los_Angeles] 10', "yyyy-MM-dd '['VV']' HH")).toBe(Date.UTC(2018, 4, 11, 17));
  });
  it('rejects text that does not match', () => {
    expect(() => parseTimestampWithPattern('not a timestamp', "yyyy-MM-dd'T'HH:mm:ssX")).toThrow(/could not be parsed/);
    expect(() => parseTimestampWithPattern('2018-05-11x', 'yyyy-MM-dd')).toThrow(/unparsed text/);
    expect(() => parseTimestampWithPattern('2018-13-11', 'yyyy-MM-dd')).toThrow(/MonthOfYear/);
  });
  it('parses dates, case-insensitively, with adjacent values', () => {
    const d = (s: string, pat: string, full = false) => DateTimePattern.of(pat).parseDate(s, full);
    expect(d("2018-05-11Lit", "yyyy-MM-dd'Lit'")).toBe(17662);
    expect(d('11/05/2019', 'dd/MM/yyyy')).toBe(18027);
    expect(d('01-JAN-2022', 'dd-MMM-yyyy')).toBe(18993);
    expect(d('JAN-2022', 'MMM-yyyy')).toBe(18993);
    expect(d('2003-12-24-01-01', 'yyyy-MM-dd')).toBe(12410);
    expect(() => d('2003-12-24-01-01', 'yyyy-MM-dd', true)).toThrow(/unparsed text/);
    expect(() => d('2004', 'yyyy-MM-dd')).toThrow(/could not be parsed/);
    expect(d('20180511', 'yyyyMMdd')).toBe(17662);
    expect(d('180511', 'yyMMdd')).toBe(17662);
    expect(d('2019-02-30', 'yyyy-MM-dd')).toBe(daysFromCivil(2019, 2, 28)); // SMART resolution clamps
    expect(d('2018-131', 'yyyy-DDD')).toBe(17662);
    expect(() => d('2018-05-11 10', 'yyyy-MM-dd HH')).toThrow(/time field/);
    expect(() => d('JAN-2022', 'MMM-yyyy', true)).toThrow(/LocalDate/);
    expect(d('2018-05-11 10', 'yyyy-MM-dd HH', true)).toBe(17662);
    expect(() => d('Thu 2018-05-11', 'EEE yyyy-MM-dd')).toThrow(/DayOfWeek/);
    expect(d('Fri 2018-05-11', 'EEE yyyy-MM-dd')).toBe(17662);
  });
  it('parses times', () => {
    const t = (s: string, pat: string) => DateTimePattern.of(pat).parseTime(s);
    expect(t("00:01:05Lit", "HH:mm:ss'Lit'")).toBe(65000);
    expect(t('11/05/19', 'HH/mm/ss')).toBe(39919000);
    expect(t('01:00:00 PM', 'hh:mm:ss a')).toBe(46800000);
    expect(t('01:00:00 Pm', 'hh:mm:ss a')).toBe(46800000);
    expect(t('12:30 AM', 'hh:mm a')).toBe(1_800_000);
    expect(t('10:15:30.5', 'HH:mm:ss.S')).toBe(36930500);
    expect(() => t('2018 10:15', 'yyyy HH:mm')).toThrow();
    expect(() => t('15', 'mm')).toThrow(/LocalTime/);
  });
});

describe('date/time functions', () => {
  it('DATEADD / DATESUB', () => {
    expect(call('DATEADD', 'DAYS', 10, 10)).toBe(20);
    expect(call('DATEADD', 'DAYS', -5, 2)).toBe(-3);
    expect(call('DATEADD', 'HOURS', 25, 0)).toBe(1);
    expect(call('DATEADD', 'MILLISECONDS', null, 5)).toBeNull();
    expect(call('DATESUB', 'DAYS', 10, 5)).toBe(-5);
    expect(call('DATESUB', 'DAYS', -5, -5)).toBe(0);
  });
  it('TIMEADD / TIMESUB wrap around midnight', () => {
    expect(call('TIMEADD', 'MILLISECONDS', 10, 86399995)).toBe(5);
    expect(call('TIMEADD', 'MILLISECONDS', -5, 2)).toBe(86399997);
    expect(call('TIMEADD', 'HOURS', 48, 1000)).toBe(1000);
    expect(call('TIMESUB', 'MILLISECONDS', -5, 86399997)).toBe(2);
    expect(call('TIMEADD', 'NANOSECONDS', 1_500_000, 0)).toBe(1);
  });
  it('TIMESTAMPADD / TIMESTAMPSUB', () => {
    expect(call('TIMESTAMPADD', 'MILLISECONDS', 10, 10)).toBe(20);
    expect(call('TIMESTAMPADD', 'SECONDS', 2, 0)).toBe(2000);
    expect(call('TIMESTAMPSUB', 'MILLISECONDS', -5, -100)).toBe(-95);
    expect(() => call('TIMESTAMPADD', 'FORTNIGHTS', 1, 0)).toThrow(/Unknown time unit/);
  });
  it('formats and parses', () => {
    expect(call('FORMAT_DATE', 18993, 'dd-MMM-yyyy')).toBe('01-Jan-2022');
    expect(call('DATETOSTRING', -1, "dd-MM-yyyy'Sophia'")).toBe('31-12-1969Sophia');
    expect(call('FORMAT_TIME', 46800000, 'hh:mm a')).toBe('01:00 PM');
    expect(call('FORMAT_TIMESTAMP', 1526075913000, 'yyyy-MM-dd HH:mm:ss zzz', 'America/Los_Angeles')).toBe('2018-05-11 14:58:33 PDT');
    expect(call('TIMESTAMPTOSTRING', 1580223282000, 'yyyy-MM-dd HH:mm:ss Z', 'UTC')).toBe('2020-01-28 14:54:42 +0000');
    expect(call('FORMAT_TIMESTAMP', null, 'yyyy')).toBeNull();
    expect(callOrNull('FORMAT_TIMESTAMP', 0, 'yyyy', 'Nowhere/Land')).toBeNull();
    expect(call('PARSE_DATE', '2018-05-11', 'yyyy-MM-dd')).toBe(17662);
    expect(call('STRINGTODATE', '01-01-1970', 'dd-MM-yyyy')).toBe(0);
    expect(callOrNull('STRINGTODATE', 'foo', 'yyyyMMdd')).toBeNull();
    expect(call('PARSE_TIME', '13:25', 'HH:mm')).toBe(48_300_000);
    expect(call('PARSE_TIMESTAMP', '2018-05-11T21:58:33', "yyyy-MM-dd'T'HH:mm:ss")).toBe(1526075913000);
    expect(call('PARSE_TIMESTAMP', '2018-05-11 14:58:33', 'yyyy-MM-dd HH:mm:ss', 'America/Los_Angeles')).toBe(1526075913000);
    expect(call('STRINGTOTIMESTAMP', '2019-05-11T21:58:33Z', "yyyy-MM-dd'T'HH:mm:ssX")).toBe(1557611913000);
  });
  it('CONVERT_TZ, FROM_DAYS, FROM_UNIXTIME, UNIX_DATE, UNIX_TIMESTAMP', () => {
    expect(call('CONVERT_TZ', 100, 'America/Los_Angeles', 'America/New_York')).toBe(10800100);
    expect(call('CONVERT_TZ', 1589234313000, 'America/Los_Angeles', 'America/New_York')).toBe(1589245113000);
    expect(call('CONVERT_TZ', 0, 'UTC', '+01:00')).toBe(3_600_000);
    expect(() => call('CONVERT_TZ', 0, 'UTC', 'Bogus/Zone')).toThrow(/Invalid time zone/);
    expect(call('FROM_DAYS', -10)).toBe(-10);
    expect(call('FROM_UNIXTIME', 1589234313000)).toBe(1589234313000);
    expect(call('UNIX_DATE', 100)).toBe(100);
    expect(call('UNIX_DATE') as number).toBeGreaterThan(19000);
    expect(call('UNIX_TIMESTAMP', 100)).toBe(100);
    expect(Math.abs((call('UNIX_TIMESTAMP') as number) - Date.now())).toBeLessThan(1000);
  });
});
