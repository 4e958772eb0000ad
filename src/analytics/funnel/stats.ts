/**
 * Duration statistics: mean rounded to the ms, and percentiles by the nearest-rank method
 * (P = the value at rank ceil(P/100 x n) of the ascending values, so always an observed duration;
 * the median is P50, the lower middle value for even n).
 */
import type { DurationStats, Histogram } from './types.ts';

const S = 1000, M = 60_000, H = 3_600_000, D = 86_400_000;
/** Fixed histogram bin lower edges: 0, 10 s, 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 d, 3 d, 7 d. */
export const HISTOGRAM_EDGES_MS: readonly number[] = [0, 10 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 30 * M, H, 2 * H, 6 * H, 12 * H, D, 3 * D, 7 * D];

/** Nearest-rank percentile of ascending `sorted` (n >= 1): rank = ceil(p x n / 100), at least 1. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  const rank = Math.max(1, Math.floor((p * n + 99) / 100));
  return sorted[Math.min(n, rank) - 1]!;
}

export function histogram(values: ArrayLike<number>, edges: readonly number[] = HISTOGRAM_EDGES_MS): Histogram {
  const e = Float64Array.from(edges);
  const nb = e.length;
  const counts = new Float64Array(nb);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let b = 0;
    while (b + 1 < nb && v >= e[b + 1]!) b++;
    counts[b]!++;
  }
  return { edgesMs: [...edges], counts: Array.from(counts) };
}

/** Rearrange a[lo..hi] so that a[k] is the value of rank k (Hoare quickselect, median of three). */
function select(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three as the pivot
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Stats of integer ms durations; null when there are none. Reorders `values` in place. */
export function durationStats(values: Float64Array): DurationStats | null {
  const n = values.length;
  if (n === 0) return null;
  let sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const rank = (p: number): number => Math.min(n, Math.max(1, Math.floor((p * n + 99) / 100))) - 1;
  const r50 = rank(50), r90 = rank(90), r95 = rank(95);
  select(values, r50, 0, n - 1);
  select(values, r90, r50, n - 1);
  select(values, r95, r90, n - 1);
  return {
    count: n,
    meanMs: Math.round(sum / n),
    medianMs: values[r50]!,
    p90Ms: values[r90]!,
    p95Ms: values[r95]!,
    minMs: min,
    maxMs: max,
    histogram: histogram(values),
  };
}
