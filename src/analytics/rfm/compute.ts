/**
 * RFM (spec 3.2) from the per-customer orders: the window, R / F / M per customer, the rank-based
 * quintile scores, the segment, and the summary (segment sizes and revenue share, the R×F grid, the
 * cut points). Arquero aggregates the per-customer table. docs/rfm.md defines every rule.
 */
import { table, op } from 'arquero';
import { addDays, dayRange, parseDay } from '../calendar.ts';
import { addMinor, convertMinor } from '../money.ts';
import type { CustomerOrders } from './orders.ts';
import { rankScores, type ScoreCut } from './score.ts';
import { classify, SEGMENTS, SEGMENT_RULES, type Segment } from './segments.ts';

export interface RfmParams {
  /** the snapshot date, a business day YYYY-MM-DD */
  asOf: string;
  timezone: string;
  reportingCurrency: string;
  /** units of the reporting currency per one unit of each other currency (decimal strings) */
  fxRates: Record<string, string>;
}

export interface RfmWindow {
  /** first business day in the window: as_of − 12 months + 1 day */
  firstDay: string;
  /** last business day in the window: as_of */
  lastDay: string;
  /** [start, end) UTC ms */
  start: number;
  end: number;
}

export interface RfmCustomer {
  customerId: string;
  lastOrderAt: number;
  /** business days from the last order's day to as_of (0 = ordered on as_of) */
  recencyDays: number;
  frequency: number;
  /** spend in the reporting currency, minor units */
  monetary: number;
  r: number;
  f: number;
  m: number;
  segment: Segment;
}

/** Per-customer results, column by column (cheap to post between threads). `segment` holds indexes into SEGMENTS. */
export interface RfmColumns {
  customerId: string[];
  lastOrderAt: Float64Array;
  recencyDays: Uint16Array;
  frequency: Uint32Array;
  monetary: Float64Array;
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  segment: Uint8Array;
}

/** The columns as one object per customer. */
export function customerRows(c: RfmColumns): RfmCustomer[] {
  return c.customerId.map((customerId, i) => ({
    customerId, lastOrderAt: c.lastOrderAt[i]!, recencyDays: c.recencyDays[i]!, frequency: c.frequency[i]!, monetary: c.monetary[i]!,
    r: c.r[i]!, f: c.f[i]!, m: c.m[i]!, segment: SEGMENTS[c.segment[i]!]!,
  }));
}

export interface SegmentSize { segment: Segment; rule: string | null; customers: number; customerShare: number; revenue: number; revenueShare: number }

export interface RfmSummary {
  asOf: string;
  window: RfmWindow;
  reportingCurrency: string;
  /** the rate used per currency found in the orders (the reporting currency: "1") */
  rates: { currency: string; rate: string; spendMinor: number }[];
  customers: number;
  orders: number;
  /** Σ monetary, reporting currency minor units */
  revenue: number;
  segments: SegmentSize[];
  /** grid[r − 1][f − 1] = customers with those scores */
  grid: number[][];
  cuts: { r: ScoreCut[]; f: ScoreCut[]; m: ScoreCut[] };
  skipped: CustomerOrders['skipped'];
}

/** `day` shifted by `months` calendar months; the day of month is clamped to the target month's length. */
export function addMonths(day: string, months: number): string {
  const { y, m, d } = parseDay(day);
  const idx = y * 12 + (m - 1) + months;
  const ty = Math.floor(idx / 12);
  const tm = idx - ty * 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return `${String(ty).padStart(4, '0')}-${String(tm + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The 12-month window ending with `asOf`: business days (asOf − 12 months, asOf]. */
export function rfmWindow(asOf: string, tz: string): RfmWindow {
  const firstDay = addDays(addMonths(asOf, -12), 1);
  return { firstDay, lastDay: asOf, start: dayRange(firstDay, tz).start, end: dayRange(asOf, tz).end };
}

/** Whole business days between two YYYY-MM-DD days (b − a). */
export function dayDiff(a: string, b: string): number {
  const pa = parseDay(a);
  const pb = parseDay(b);
  return Math.round((Date.UTC(pb.y, pb.m - 1, pb.d) - Date.UTC(pa.y, pa.m - 1, pa.d)) / 86_400_000);
}

export class MissingRateError extends Error {}

let lastStarts: { key: string; starts: Float64Array } | null = null;
/** UTC start of each business day of the window, then the window's end (the last one is kept for the next run). */
function dayStarts(w: RfmWindow, tz: string, nDays: number): Float64Array {
  const key = `${w.firstDay}|${w.lastDay}|${tz}`;
  if (lastStarts?.key === key) return lastStarts.starts;
  const starts = new Float64Array(nDays + 1);
  for (let k = 0; k < nDays; k++) starts[k] = dayRange(addDays(w.firstDay, k), tz).start;
  starts[nDays] = w.end;
  lastStarts = { key, starts };
  return starts;
}

export function computeRfm(orders: CustomerOrders, p: RfmParams): { columns: RfmColumns; summary: RfmSummary } {
  const w = rfmWindow(p.asOf, p.timezone);
  const n = orders.n;
  // business-day starts of the window, to turn a time into days before as_of without a formatter per customer
  const nDays = dayDiff(w.firstDay, w.lastDay) + 1;
  const dayStart = dayStarts(w, p.timezone, nDays);
  const recency = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = orders.lastTime[i]!;
    if (t < w.start || t >= w.end) throw new RangeError(`customer ${orders.customerId[i]}: last order at ${t} is outside the window`);
    let lo = 0;
    let hi = nDays - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (dayStart[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    recency[i] = nDays - 1 - lo;
  }
  // spend per currency -> reporting currency, each customer's per-currency total converted once (half-even)
  const rates: RfmSummary['rates'] = [];
  const monetary = new Float64Array(n);
  orders.currencies.forEach((cur, k) => {
    const spend = orders.spend[k]!;
    let total = 0;
    if (cur === p.reportingCurrency) {
      for (let i = 0; i < n; i++) {
        monetary[i] = addMinor(monetary[i]!, spend[i]!);
        total = addMinor(total, spend[i]!);
      }
      rates.push({ currency: cur, rate: '1', spendMinor: total });
      return;
    }
    const rate = p.fxRates[cur];
    if (!rate) throw new MissingRateError(`no FX rate from ${cur} to ${p.reportingCurrency}: set it in Settings (FX rates) and run again`);
    for (let i = 0; i < n; i++) {
      const s = spend[i]!;
      if (s === 0) continue;
      monetary[i] = addMinor(monetary[i]!, convertMinor(s, cur, p.reportingCurrency, rate));
      total = addMinor(total, s);
    }
    rates.push({ currency: cur, rate, spendMinor: total });
  });
  rates.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  const R = rankScores(recency, false);
  const F = rankScores(orders.orders, true);
  const M = rankScores(monetary, true);
  const segCode = new Map<Segment, number>(SEGMENTS.map((g, i) => [g, i]));
  // segment of every (r, f, m) combination, looked up per customer
  const bySeg = new Uint8Array(125);
  for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) bySeg[(r - 1) * 25 + (f - 1) * 5 + (m - 1)] = segCode.get(classify(r, f, m))!;
  const segment = new Uint8Array(n);
  let nOrders = 0;
  for (let i = 0; i < n; i++) {
    nOrders += orders.orders[i]!;
    segment[i] = bySeg[(R.scores[i]! - 1) * 25 + (F.scores[i]! - 1) * 5 + (M.scores[i]! - 1)]!;
  }
  const columns: RfmColumns = {
    customerId: orders.customerId, lastOrderAt: orders.lastTime, recencyDays: Uint16Array.from(recency), frequency: orders.orders, monetary,
    r: R.scores, f: F.scores, m: M.scores, segment,
  };
  return {
    columns,
    summary: summarizeRfm(columns, { asOf: p.asOf, window: w, reportingCurrency: p.reportingCurrency, rates, orders: nOrders, skipped: orders.skipped, cuts: { r: R.cuts, f: F.cuts, m: M.cuts } }),
  };
}

/** Segment sizes and revenue shares, and the R×F grid, with Arquero over the per-customer table. */
export function summarizeRfm(
  c: Pick<RfmColumns, 'segment' | 'monetary' | 'r' | 'f'>,
  rest: Omit<RfmSummary, 'customers' | 'revenue' | 'segments' | 'grid'>,
): RfmSummary {
  const n = c.segment.length;
  const t = table({ segment: c.segment, monetary: c.monetary, r: c.r, f: c.f });
  const bySeg = new Map<string, { customers: number; revenue: number }>();
  if (n > 0) {
    for (const row of t.groupby('segment').rollup({ customers: op.count(), revenue: op.sum('monetary') }).objects() as { segment: number; customers: number; revenue: number }[]) {
      bySeg.set(SEGMENTS[row.segment]!, { customers: row.customers, revenue: row.revenue });
    }
  }
  let revenue = 0;
  for (let i = 0; i < n; i++) revenue = addMinor(revenue, c.monetary[i]!);
  const segments: SegmentSize[] = SEGMENTS.map((segment) => {
    const s = bySeg.get(segment) ?? { customers: 0, revenue: 0 };
    return {
      segment, rule: SEGMENT_RULES.find((r) => r.segment === segment)?.rule ?? null, customers: s.customers, customerShare: n > 0 ? s.customers / n : 0,
      revenue: s.revenue, revenueShare: revenue > 0 ? s.revenue / revenue : 0,
    };
  });
  const grid = [0, 1, 2, 3, 4].map(() => [0, 0, 0, 0, 0]);
  if (n > 0) {
    for (const row of t.groupby('r', 'f').count().objects() as { r: number; f: number; count: number }[]) grid[row.r - 1]![row.f - 1] = row.count;
  }
  return { ...rest, customers: n, revenue, segments, grid };
}
