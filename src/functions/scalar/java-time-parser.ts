/**
 * Parsing with compiled pattern items: text is matched item by item (case-insensitively, with
 * strict widths and adjacent-value parsing) into raw field values, an offset and a zone, which
 * java-time-resolver.ts then resolves.
 */
import { type Field, type Item, texts } from './java-time-pattern.js';
import { type TimeZoneRules, ZONE_ABBREVIATIONS, resolveZone } from './java-time-zone.js';

/** Raw parsed field values (before resolution). */
type Fields = Partial<Record<Field, number>>;

export interface ParseState {
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

export function parseItems(items: readonly Item[], st: ParseState): boolean {
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
