/**
 * Quintile scores 1-5 by rank (docs/rfm.md, "Scores"):
 *
 *   score = 1 + floor(5 × (rank_min − 1) / n)
 *
 * over the values sorted from worst to best, where rank_min is the 1-based rank of the first value
 * equal to it (ties share the minimum rank, so equal values always get equal scores), and n is the
 * number of customers. Worst-to-best: ascending for F and M (more is better), descending for the
 * recency in days (more recent is better, so R is reversed).
 *
 * Not SQL NTILE (which splits ties across buckets) and not Arquero's op.ntile.
 */

export interface ScoreCut {
  score: number;
  /** customers with this score */
  count: number;
  /** the smallest and largest value with this score (null when no customer has it) */
  min: number | null;
  max: number | null;
}

/** Scores of `values` (length n); `higherIsBetter` false for recency days. */
export function rankScores(values: ArrayLike<number>, higherIsBetter: boolean): { scores: Uint8Array; cuts: ScoreCut[] } {
  const n = values.length;
  const scores = new Uint8Array(n);
  // worst first: ascending when higher is better, else ascending on the negated value
  const sign = higherIsBetter ? 1 : -1;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = sign * values[i]!;
  sorted.sort();
  for (let i = 0; i < n; i++) {
    // rank_min − 1 = how many values are strictly worse (the first position of this value)
    const v = sign * values[i]!;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    scores[i] = 1 + Math.floor((5 * lo) / n);
  }
  const cuts: ScoreCut[] = [1, 2, 3, 4, 5].map((score) => ({ score, count: 0, min: null, max: null }));
  for (let i = 0; i < n; i++) {
    const c = cuts[scores[i]! - 1]!;
    const v = values[i]!;
    c.count++;
    if (c.min === null || v < c.min) c.min = v;
    if (c.max === null || v > c.max) c.max = v;
  }
  return { scores, cuts };
}
