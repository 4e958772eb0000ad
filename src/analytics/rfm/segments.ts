/**
 * The RFM segment rules of spec 3.2, applied in the spec's order as precedence (the first rule that
 * matches wins); a customer no rule matches is "Other". R, F and M are the 1-5 scores.
 */
export const SEGMENTS = ['Champions', 'Loyal Customers', 'New Customers', 'Potential Loyalists', 'At-Risk Customers', 'Lost Customers', 'Other'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface SegmentRule { segment: Segment; rule: string; test(r: number, f: number, m: number): boolean }

export const SEGMENT_RULES: readonly SegmentRule[] = [
  { segment: 'Champions', rule: 'R≥4, F≥4, M≥4', test: (r, f, m) => r >= 4 && f >= 4 && m >= 4 },
  { segment: 'Loyal Customers', rule: 'R≥3, F≥3', test: (r, f) => r >= 3 && f >= 3 },
  { segment: 'New Customers', rule: 'R≥4, F=1', test: (r, f) => r >= 4 && f === 1 },
  { segment: 'Potential Loyalists', rule: 'R≥4, F≥2, M≤2', test: (r, f, m) => r >= 4 && f >= 2 && m <= 2 },
  { segment: 'At-Risk Customers', rule: 'R≤2, F≥3', test: (r, f) => r <= 2 && f >= 3 },
  { segment: 'Lost Customers', rule: 'R=1, F=1', test: (r, f) => r === 1 && f === 1 },
];

export function classify(r: number, f: number, m: number): Segment {
  for (const rule of SEGMENT_RULES) if (rule.test(r, f, m)) return rule.segment;
  return 'Other';
}
