/**
 * Cohort periods in the business timezone: calendar months ('YYYY-MM') or ISO weeks ('YYYY-Www',
 * Monday 00:00 local to the next Monday). An axis is the ascending list of period starts (UTC ms)
 * with one extra entry for the end of the last period; an instant maps to its period by binary
 * search over those few boundaries, so the per-order work never calls Intl.
 */
import { DAY_MS, isoWeekKey, localParts, zonedToUtc } from '../calendar.ts';

export type Granularity = 'month' | 'week';

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const WEEK_RE = /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/;

const pad = (n: number): string => (n < 10 ? '0' + n : String(n));

export function isMonthKey(s: string): boolean {
  return MONTH_RE.test(s);
}
export function isWeekKey(s: string): boolean {
  const m = WEEK_RE.exec(s);
  if (!m) return false;
  // week 53 exists only in some years: it must round-trip
  return isoWeekKey(mondayOf(Number(m[1]), Number(m[2]))) === s;
}

/** 'YYYY-MM-DD' of the Monday of ISO week `w` of ISO year `y`. */
function mondayOf(y: number, w: number): string {
  const jan4 = new Date(Date.UTC(y, 0, 4));
  const dow = jan4.getUTCDay() || 7;
  return new Date(Date.UTC(y, 0, 4 - (dow - 1) + (w - 1) * 7)).toISOString().slice(0, 10);
}

/** The key of the period containing instant `ms`. */
export function periodKeyOf(ms: number, tz: string, g: Granularity): string {
  const p = localParts(ms, tz);
  if (g === 'month') return `${p.year}-${pad(p.month)}`;
  return isoWeekKey(`${p.year}-${pad(p.month)}-${pad(p.day)}`);
}

/** Local calendar date (y, m, d) where period `key` starts. */
function startDate(key: string, g: Granularity): { y: number; m: number; d: number } {
  if (g === 'month') {
    const m = MONTH_RE.exec(key);
    if (!m) throw new RangeError(`"${key}" is not a month in YYYY-MM form`);
    return { y: Number(m[1]), m: Number(m[2]), d: 1 };
  }
  if (!isWeekKey(key)) throw new RangeError(`"${key}" is not an ISO week in YYYY-Www form`);
  const m = WEEK_RE.exec(key)!;
  const day = mondayOf(Number(m[1]), Number(m[2]));
  return { y: Number(day.slice(0, 4)), m: Number(day.slice(5, 7)), d: Number(day.slice(8, 10)) };
}

/** Start (UTC ms) of period `key`. */
export function periodStart(key: string, tz: string, g: Granularity): number {
  const s = startDate(key, g);
  return zonedToUtc(s.y, s.m, s.d, 0, 0, tz);
}

/** The key of the period after `key`. */
export function nextPeriod(key: string, g: Granularity): string {
  const s = startDate(key, g);
  if (g === 'month') return s.m === 12 ? `${s.y + 1}-01` : `${s.y}-${pad(s.m + 1)}`;
  const next = new Date(Date.UTC(s.y, s.m - 1, s.d) + 7 * DAY_MS).toISOString().slice(0, 10);
  return isoWeekKey(next);
}

export interface PeriodAxis {
  granularity: Granularity;
  keys: string[];
  /** starts[i] = start of keys[i]; starts[keys.length] = end of the last period */
  starts: Float64Array;
}

/** Periods from `firstKey` through the one containing `untilMs` (at least `firstKey`'s). */
export function buildAxis(firstKey: string, untilMs: number, tz: string, g: Granularity, max = 5000): PeriodAxis {
  const keys: string[] = [firstKey];
  const starts: number[] = [periodStart(firstKey, tz, g)];
  let k = firstKey;
  for (;;) {
    k = nextPeriod(k, g);
    const s = periodStart(k, tz, g);
    starts.push(s);
    if (s > untilMs || keys.length >= max) break;
    keys.push(k);
  }
  return { granularity: g, keys, starts: Float64Array.from(starts) };
}

/** Index of the period containing `t`: -1 before the axis, keys.length after it. */
export function periodIndex(axis: PeriodAxis, t: number): number {
  const s = axis.starts;
  const n = s.length - 1;
  if (t < s[0]!) return -1;
  if (t >= s[n]!) return n;
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The period keys `from`..`to` inclusive (`to` before `from` gives none). */
export function periodRange(from: string, to: string, g: Granularity, max = 5000): string[] {
  const out: string[] = [];
  const end = startDate(to, g);
  const endKey = end.y * 10000 + end.m * 100 + end.d;
  for (let k = from; out.length < max; k = nextPeriod(k, g)) {
    const s = startDate(k, g);
    if (s.y * 10000 + s.m * 100 + s.d > endKey) break;
    out.push(k);
  }
  return out;
}

/** The first ISO week whose Monday is on or after the start of month `m` ('YYYY-MM'). */
export function firstWeekOfMonth(month: string): string {
  const s = startDate(month, 'month');
  for (let d = 1; d <= 7; d++) {
    const day = `${s.y}-${pad(s.m)}-${pad(d)}`;
    if (new Date(Date.UTC(s.y, s.m - 1, d)).getUTCDay() === 1) return isoWeekKey(day);
  }
  throw new Error('unreachable');
}
/** The last ISO week whose Monday is in month `m` ('YYYY-MM'). */
export function lastWeekOfMonth(month: string): string {
  const s = startDate(month, 'month');
  const last = new Date(Date.UTC(s.y, s.m, 0)).getUTCDate();
  for (let d = last; d >= last - 6; d--) {
    if (new Date(Date.UTC(s.y, s.m - 1, d)).getUTCDay() === 1) return isoWeekKey(`${s.y}-${pad(s.m)}-${pad(d)}`);
  }
  throw new Error('unreachable');
}
