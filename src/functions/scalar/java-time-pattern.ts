/**
 * The compiled form of a Java DateTimeFormatter pattern: the fields it prints and parses, its items
 * (literals, numbers, fractions, texts, offsets, zones, optional sections), the en-US texts of text
 * fields, and the compiler from pattern text to items (java.time's pattern letters and their counts,
 * with its error messages for bad patterns).
 */

// ---------------------------------------------------------------- fields

export type Field =
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

export const TIME_FIELDS: ReadonlySet<Field> = new Set<Field>([
  'AmPmOfDay', 'HourOfDay', 'ClockHourOfDay', 'HourOfAmPm', 'ClockHourOfAmPm', 'MinuteOfHour',
  'SecondOfMinute', 'NanoOfSecond', 'MilliOfDay', 'NanoOfDay',
]);

type SignStyle = 'NORMAL' | 'NOT_NEGATIVE' | 'EXCEEDS_PAD';
type TextStyle = 'short' | 'full' | 'narrow';

export type Item =
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
export function texts(field: Field, style: TextStyle): { first: number; names: readonly string[] } {
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

export function compile(pattern: string): Item[] {
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
