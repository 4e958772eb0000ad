/**
 * Business calendar: instants are UTC epoch ms; days, weeks and months are computed in the
 * workspace's business timezone (IANA name, default Asia/Ho_Chi_Minh) with Intl, so DST zones work.
 */
export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimezone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** Wall-clock parts of instant `ms` in `tz` (month 1-12). */
export function localParts(ms: number, tz: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** Offset of `tz` from UTC at instant `ms`, in ms (Asia/Ho_Chi_Minh: +7h). */
export function offsetMs(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The UTC instant of a local wall-clock time in `tz` (the earlier instant when ambiguous). */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let ms = guess - offsetMs(guess, tz);
  const second = guess - offsetMs(ms, tz);
  if (second !== ms) ms = Math.min(ms, second);
  return ms;
}

/** 'YYYY-MM-DD' of the business day containing `ms`. */
export function dayKey(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** 'YYYY-MM' of the business month containing `ms`. */
export function monthKey(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${p.year}-${pad(p.month)}`;
}

/** Start (inclusive, UTC ms) of the business day containing `ms`. */
export function startOfDay(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return zonedToUtc(p.year, p.month, p.day, 0, 0, tz);
}

/** [start, end) UTC ms of the business day 'YYYY-MM-DD'. */
export function dayRange(day: string, tz: string): { start: number; end: number } {
  const { y, m, d } = parseDay(day);
  const start = zonedToUtc(y, m, d, 0, 0, tz);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  const end = zonedToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, tz);
  return { start, end };
}

/** The business day before `day` ('YYYY-MM-DD'), i.e. T-1. */
export function previousDay(day: string): string {
  const { y, m, d } = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  const { y, m, d } = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function parseDay(day: string): { y: number; m: number; d: number } {
  const r = DAY_RE.exec(day);
  if (!r) throw new RangeError(`"${day}" is not a date in YYYY-MM-DD form`);
  const y = Number(r[1]), m = Number(r[2]), d = Number(r[3]);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) throw new RangeError(`"${day}" is not a calendar date`);
  return { y, m, d };
}

export function isDay(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  try {
    parseDay(s);
    return true;
  } catch {
    return false;
  }
}

function pad(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/**
 * Parse an RFC 3339 timestamp ("2026-11-24T08:15:00.123Z", "...+07:00") to UTC epoch ms.
 * Returns NaN when the text is not RFC 3339 with an explicit offset.
 */
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;
export function parseRfc3339(s: string): number {
  const m = RFC3339_RE.exec(s);
  if (!m) return NaN;
  const y = +m[1]!, mo = +m[2]!, d = +m[3]!, h = +m[4]!, mi = +m[5]!, sec = +m[6]!;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return NaN;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return NaN;
  const z = m[8]!;
  if (z !== 'Z' && z !== 'z') {
    const sign = z[0] === '-' ? -1 : 1;
    t -= sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6))) * MINUTE_MS;
  }
  return t;
}

/** ISO week key 'YYYY-Www' of a local date. */
export function isoWeekKey(day: string): string {
  const { y, m, d } = parseDay(day);
  const date = new Date(Date.UTC(y, m - 1, d));
  const dow = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${date.getUTCFullYear()}-W${pad(week)}`;
}
