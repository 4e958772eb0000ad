/**
 * Amount and time parsing for settlement files. Exact: decimal strings become integer minor units
 * without floating point (../money.ts), and an amount that is not a whole number of minor units is
 * an error, never rounded.
 */
import { exponentOf, isKnownCurrency, parseMinor, MoneyError } from '../money.ts';
import { parseRfc3339, zonedToUtc, isValidTimezone } from '../calendar.ts';

export class FieldError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'FieldError';
    this.field = field;
  }
}

const GROUPED_COMMA = /^\d{1,3}(,\d{3})+$/;
const GROUPED_SPACE = /^\d{1,3}([ \u00a0\u202f]\d{3})+$/;
const GROUPED_DOT = /^\d{1,3}(\.\d{3})+$/;

function stripSign(t: string): { neg: boolean; body: string } {
  let s = t.trim();
  let neg = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    neg = true;
    s = s.slice(1, -1).trim();
  }
  if (s.startsWith('-') || s.startsWith('\u2212')) {
    neg = !neg;
    s = s.slice(1).trim();
  } else if (s.startsWith('+')) s = s.slice(1).trim();
  return { neg, body: s };
}

/** The integer part without thousands separators, when they are grouped correctly. */
function ungroup(intPart: string, allowDot: boolean): string | null {
  if (/^\d+$/.test(intPart)) return intPart;
  if (GROUPED_COMMA.test(intPart)) return intPart.replace(/,/g, '');
  if (GROUPED_SPACE.test(intPart)) return intPart.replace(/[ \u00a0\u202f]/g, '');
  if (allowDot && GROUPED_DOT.test(intPart)) return intPart.replace(/\./g, '');
  return null;
}

/**
 * A decimal amount in major units ("1,234.50", "-12.5", "(3.00)") -> signed minor units.
 * Thousands separators (",", spaces) must group by three; "." is the decimal point.
 *
 * @example parseDecimalAmount("1,234.50", "USD", "gross") === 123450
 */
export function parseDecimalAmount(text: string, currency: string, field: string): number {
  const fast = fastDecimal(text, currency);
  if (fast !== null) return fast;
  const { neg, body } = stripSign(text);
  if (body === '') throw new FieldError(field, 'the amount is empty');
  const dot = body.lastIndexOf('.');
  const intPart = dot >= 0 ? body.slice(0, dot) : body;
  const frac = dot >= 0 ? body.slice(dot + 1) : '';
  const digits = ungroup(intPart === '' ? '0' : intPart, false);
  if (digits === null || (dot >= 0 && !/^\d+$/.test(frac))) throw new FieldError(field, `"${text}" is not a decimal amount`);
  let minor: number;
  try {
    minor = parseMinor(frac ? `${digits}.${frac}` : digits, currency);
  } catch (e) {
    if (e instanceof MoneyError && /decimal place/.test(e.message)) {
      const exp = exponentOf(currency);
      throw new FieldError(field, `"${text}" is not a whole number of ${currency} minor units (${currency} has ${exp} decimal place${exp === 1 ? '' : 's'})`);
    }
    if (e instanceof MoneyError) throw new FieldError(field, e.message);
    throw e;
  }
  return neg && minor !== 0 ? -minor : minor;
}

/**
 * The common case without allocation: [-]digits[.digits] with no more fractional digits than the
 * currency's exponent (after trailing zeros) and at most 15 digits; null sends it to the full parser.
 */
function fastDecimal(text: string, currency: string): number | null {
  const exp = EXP_CACHE.get(currency) ?? cacheExp(currency);
  if (exp === null) return null;
  const n = text.length;
  let i = 0;
  let neg = false;
  if (n > 0 && text.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  if (i >= n || n - i > 16) return null;
  let v = 0;
  let digits = 0;
  let frac = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (frac >= 0) {
        if (frac >= exp) {
          if (c !== 48) return null;
          frac++;
          continue;
        }
        frac++;
      }
      v = v * 10 + (c - 48);
      digits++;
    } else if (c === 46 && frac < 0 && digits > 0) frac = 0;
    else return null;
  }
  if (digits === 0 || frac === 0) return null;
  const used = frac < 0 ? 0 : Math.min(frac, exp);
  for (let k = used; k < exp; k++) v *= 10;
  if (!Number.isSafeInteger(v)) return null;
  return neg && v !== 0 ? -v : v;
}

const EXP_CACHE = new Map<string, number | null>();
function cacheExp(currency: string): number | null {
  let e: number | null = null;
  try {
    e = exponentOf(currency);
  } catch {
    e = null;
  }
  EXP_CACHE.set(currency, e);
  return e;
}

/** An integer amount in major units with optional grouping by "." "," or spaces ("1.250.000" VND). */
export function parseIntegerAmount(text: string, currency: string, field: string): number {
  const { neg, body } = stripSign(text);
  if (body === '') throw new FieldError(field, 'the amount is empty');
  const digits = ungroup(body, true);
  if (digits === null) {
    if (/^\d+[.,]\d+$/.test(body)) throw new FieldError(field, `"${text}" is not a whole number of ${currency} (this file gives integer amounts)`);
    throw new FieldError(field, `"${text}" is not an integer amount`);
  }
  let minor: number;
  try {
    minor = parseMinor(digits, currency);
  } catch (e) {
    throw new FieldError(field, (e as Error).message);
  }
  return neg && minor !== 0 ? -minor : minor;
}

/**
 * An amount given as an integer count of hundredths of the major unit, whatever the currency
 * (VNPay's vnp_Amount, PayPal STL): "12550000" VND = 125,500 ₫; "1250" USD = $12.50;
 * "12345" VND is 123.45 ₫, not a whole number of đồng, and is an error.
 */
export function parseHundredths(text: string, currency: string, field: string): number {
  const { neg, body } = stripSign(text);
  if (body === '') throw new FieldError(field, 'the amount is empty');
  const digits = ungroup(body, false);
  if (digits === null) throw new FieldError(field, `"${text}" is not an integer count of hundredths`);
  const exp = exponentOf(currency);
  let minor: number;
  if (exp >= 2) {
    minor = Number(digits) * 10 ** (exp - 2);
  } else {
    const div = 10 ** (2 - exp);
    const n = BigInt(digits);
    if (n % BigInt(div) !== 0n) {
      throw new FieldError(field, `"${text}" (hundredths) is ${formatHundredths(digits)} ${currency}, not a whole number of ${currency} minor units`);
    }
    minor = Number(n / BigInt(div));
  }
  if (!Number.isSafeInteger(minor)) throw new FieldError(field, `"${text}" is too large`);
  return neg && minor !== 0 ? -minor : minor;
}

function formatHundredths(digits: string): string {
  const d = digits.replace(/^0+(?=\d)/, '').padStart(3, '0');
  return `${d.slice(0, -2)}.${d.slice(-2)}`;
}

const CURRENCY_CODES = new Map<string, string>();

/** A currency code (any case) that Marketlens knows; the same string instance for every row. */
export function parseCurrency(text: string, field: string): string {
  const hit = CURRENCY_CODES.get(text);
  if (hit !== undefined) return hit;
  const c = text.trim().toUpperCase();
  if (!isKnownCurrency(c)) throw new FieldError(field, text.trim() === '' ? 'the currency is empty' : `unknown currency "${text.trim()}"`);
  if (CURRENCY_CODES.size < 1000) CURRENCY_CODES.set(text, c);
  return c;
}

const LOWER = new Map<string, string>();
/** intern(s.toLowerCase()), remembered per spelling */
export function internLower(s: string): string {
  const hit = LOWER.get(s);
  if (hit !== undefined) return hit;
  const v = intern(s.toLowerCase());
  if (LOWER.size < 10_000) LOWER.set(s, v);
  return v;
}

const INTERNED = new Map<string, string>();
/** One string instance for the few values repeated on every row (gateway names, types). */
export function intern(s: string): string {
  const hit = INTERNED.get(s);
  if (hit !== undefined) return hit;
  if (INTERNED.size < 10_000) INTERNED.set(s, s);
  return s;
}

/** Empty cells become null; others are trimmed. */
export function opt(text: string | undefined): string | null {
  if (text === undefined) return null;
  const t = text.trim();
  return t === '' ? null : t;
}

function num(t: string, from: number, len: number): number {
  let v = 0;
  for (let i = from; i < from + len; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** "2025-06-30T08:15:00.123Z" -> epoch ms without a regex or a Date; null when not exactly that form. */
function isoMillisZ(t: string): number | null {
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46 || t.charCodeAt(23) !== 90) return null;
  const y = num(t, 0, 4), mo = num(t, 5, 2), d = num(t, 8, 2), h = num(t, 11, 2), mi = num(t, 14, 2), s = num(t, 17, 2), ms = num(t, 20, 3);
  if (y < 2000 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0) return null;
  const days = mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : MONTH_DAYS[mo - 1]!;
  if (d > days) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

const OFFSETS: Record<string, number> = { UTC: 0, GMT: 0, Z: 0, CET: 60, CEST: 120, ICT: 420, SGT: 480, PST: -480, PDT: -420, EST: -300, EDT: -240 };

function offsetMinutes(tz: string): number | null {
  const t = tz.trim().toUpperCase();
  if (t in OFFSETS) return OFFSETS[t]!;
  const m = /^(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  return null;
}

/**
 * A timestamp in one of the forms settlement files use:
 * RFC 3339 ("2025-06-30T08:15:00Z"), "YYYY-MM-DD HH:MM:SS[.fff]" or "YYYY/MM/DD HH:MM:SS" with an
 * optional offset ("-0700", "+07:00") or, when it has none, in `zone` (an offset such as "+07:00",
 * "GMT+7", "CET", or an IANA name; default UTC), and "yyyyMMddHHmmss" (in `zone`).
 */
export function parseTimestamp(text: string, field: string, zone = 'UTC'): number {
  // fast path: "YYYY-MM-DDTHH:MM:SS.mmmZ", what the platform sends
  if (text.length === 24) {
    const ms = isoMillisZ(text);
    if (ms !== null) return ms;
  }
  const t = text.trim();
  const rfc = parseRfc3339(t);
  if (!Number.isNaN(rfc)) return rfc;
  let m = /^(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|[+-]\d{2}:?\d{2}|[A-Za-z]{3,4})?$/.exec(t);
  let parts: number[] | null = null;
  let off: string | undefined;
  if (m) {
    parts = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0')];
    off = m[8];
  } else if ((m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(t))) {
    parts = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, 0];
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
    parts = [+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0];
  }
  if (!parts) throw new FieldError(field, `"${text}" is not a date-time this file format uses`);
  const [y, mo, d, h, mi, s, ms] = parts as [number, number, number, number, number, number, number];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new FieldError(field, `"${text}" is not a valid date-time`);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const zoneText = off ?? zone;
  const minutes = offsetMinutes(zoneText.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (minutes !== null) return wall - minutes * 60_000;
  if (isValidTimezone(zoneText)) return zonedToUtc(y, mo, d, h, mi, zoneText) + s * 1000 + ms;
  throw new FieldError(field, `unknown time zone "${zoneText}"`);
}
