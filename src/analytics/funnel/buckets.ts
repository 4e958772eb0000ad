/** Trend buckets in the business timezone: local hours or business days covering [start, end). */
import { DAY_MS, HOUR_MS, dayKey, dayRange, addDays, localParts, startOfDay } from '../calendar.ts';
import type { TrendGranularity } from './types.ts';

export interface Buckets { starts: number[]; labels: string[] }

const pad = (n: number): string => (n < 10 ? '0' + n : String(n));

/** Buckets whose union covers [start, end); the first may begin before `start`. At most 10,000. */
export function trendBuckets(start: number, end: number, granularity: TrendGranularity, tz: string): Buckets {
  const starts: number[] = [];
  const labels: string[] = [];
  if (!(end > start)) return { starts, labels };
  if (granularity === 'day') {
    let day = dayKey(start, tz);
    for (let i = 0; i < 10_000; i++) {
      const r = dayRange(day, tz);
      if (r.start >= end) break;
      starts.push(r.start);
      labels.push(day);
      day = addDays(day, 1);
    }
    return { starts, labels };
  }
  // Local hours: step whole UTC hours from the local midnight (zones whose offsets are whole hours,
  // or half hours without DST, stay aligned to local hour boundaries).
  let t = startOfDay(start, tz);
  while (t + HOUR_MS <= start) t += HOUR_MS;
  for (let i = 0; i < 10_000 && t < end; i++, t += HOUR_MS) {
    const p = localParts(t, tz);
    starts.push(t);
    labels.push(`${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`);
  }
  return { starts, labels };
}

/** Index of the bucket containing `t` (binary search over bucket starts), -1 before the first. */
export function bucketOf(starts: readonly number[], t: number): number {
  let lo = 0, hi = starts.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** Default granularity: hourly up to 3 days, daily beyond. */
export function defaultGranularity(start: number, end: number): TrendGranularity {
  return end - start <= 3 * DAY_MS ? 'hour' : 'day';
}
