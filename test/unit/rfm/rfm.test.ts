/**
 * RFM with hand-computed fixtures (docs/rfm.md): the rank-based quintile scores and their ties, the
 * 12-month window boundary in business days, cancelled / duplicate orders, FX conversion of the
 * per-currency totals, every segment rule's edge and the overlaps between rules.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventColumns } from '../../../src/analytics/columns.ts';
import { readSnapshot, writeSnapshot } from '../../../src/main/node/cache/snapshot.ts';
import { rankScores } from '../../../src/analytics/rfm/score.ts';
import { classify, SEGMENT_RULES } from '../../../src/analytics/rfm/segments.ts';
import { extractCustomerOrders } from '../../../src/analytics/rfm/orders.ts';
import { addMonths, computeRfm, customerRows, MissingRateError, rfmWindow } from '../../../src/analytics/rfm/compute.ts';
import { zonedToUtc } from '../../../src/analytics/calendar.ts';
import { lastScheduledSlot } from '../../../src/main/node/services/rfm.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const at = (y: number, m: number, d: number, h = 12, min = 0): number => zonedToUtc(y, m, d, h, min, TZ);

describe('scores: 1 + floor(5 × (rank_min − 1) / n), worst to best', () => {
  it('distinct values split into equal fifths', () => {
    expect([...rankScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], true).scores]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect([...rankScores([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], true).scores]).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });

  it('all-equal values all get score 1 (they share rank 1)', () => {
    const { scores, cuts } = rankScores([5000, 5000, 5000, 5000, 5000], true);
    expect([...scores]).toEqual([1, 1, 1, 1, 1]);
    expect(cuts).toEqual([
      { score: 1, count: 5, min: 5000, max: 5000 }, { score: 2, count: 0, min: null, max: null }, { score: 3, count: 0, min: null, max: null },
      { score: 4, count: 0, min: null, max: null }, { score: 5, count: 0, min: null, max: null },
    ]);
  });

  it('F ties at the quintile edges: the six one-order customers all get 1, the next value jumps to its rank', () => {
    // sorted: 1 ×6 (rank 1 -> 1), 2 ×2 (rank 7 -> 1 + floor(30/10) = 4), 3 (rank 9 -> 5), 5 (rank 10 -> 5)
    const f = [2, 1, 1, 5, 1, 1, 3, 1, 2, 1];
    const { scores, cuts } = rankScores(f, true);
    expect([...scores]).toEqual([4, 1, 1, 5, 1, 1, 5, 1, 4, 1]);
    expect(cuts.map((c) => [c.score, c.count, c.min, c.max])).toEqual([[1, 6, 1, 1], [2, 0, null, null], [3, 0, null, null], [4, 2, 2, 2], [5, 2, 3, 5]]);
    // a tie straddling an edge: ranks 2..3 of n = 5 (edge between 1 and 2 at rank 2) share rank 2 -> score 2
    expect([...rankScores([1, 2, 2, 3, 4], true).scores]).toEqual([1, 2, 2, 4, 5]);
  });

  it('R is reversed: fewer days since the last order scores higher', () => {
    // sorted by days descending: 100 (rank 1 -> 1), 30 (rank 2 -> 2), 10, 10 (rank 3 -> 3), 0 (rank 5 -> 5)
    const { scores, cuts } = rankScores([0, 10, 10, 30, 100], false);
    expect([...scores]).toEqual([5, 3, 3, 2, 1]);
    expect(cuts.map((c) => [c.min, c.max])).toEqual([[100, 100], [30, 30], [10, 10], [null, null], [0, 0]]);
  });

  it('equal values always get equal scores (random data)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const v = Array.from({ length: 997 }, () => Math.floor(rnd() * 12));
    const { scores } = rankScores(v, true);
    const byValue = new Map<number, Set<number>>();
    v.forEach((x, i) => byValue.set(x, (byValue.get(x) ?? new Set()).add(scores[i]!)));
    for (const s of byValue.values()) expect(s.size).toBe(1);
    // monotone: a larger value never scores lower
    const pairs = v.map((x, i) => [x, scores[i]!] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pairs.length; i++) expect(pairs[i]![1]).toBeGreaterThanOrEqual(pairs[i - 1]![1]);
  });
});

describe('segments: the spec rules in order, first match wins', () => {
  it('each rule at its edges', () => {
    const cases: [number, number, number, string][] = [
      // Champions R≥4 F≥4 M≥4
      [4, 4, 4, 'Champions'], [5, 5, 5, 'Champions'], [4, 4, 3, 'Loyal Customers'], [3, 4, 4, 'Loyal Customers'], [4, 3, 5, 'Loyal Customers'],
      // Loyal R≥3 F≥3
      [3, 3, 1, 'Loyal Customers'], [2, 3, 5, 'At-Risk Customers'], [3, 2, 5, 'Other'],
      // New R≥4 F=1
      [4, 1, 5, 'New Customers'], [5, 1, 1, 'New Customers'], [3, 1, 1, 'Other'], [4, 2, 3, 'Other'],
      // Potential Loyalists R≥4 F≥2 M≤2
      [4, 2, 2, 'Potential Loyalists'], [5, 2, 1, 'Potential Loyalists'], [4, 2, 3, 'Other'], [3, 2, 1, 'Other'],
      // At-Risk R≤2 F≥3
      [2, 3, 1, 'At-Risk Customers'], [1, 5, 5, 'At-Risk Customers'], [2, 2, 5, 'Other'], [3, 3, 3, 'Loyal Customers'],
      // Lost R=1 F=1
      [1, 1, 1, 'Lost Customers'], [1, 1, 5, 'Lost Customers'], [2, 1, 1, 'Other'], [1, 2, 1, 'Other'],
    ];
    for (const [r, f, m, want] of cases) expect([r, f, m, classify(r, f, m)]).toEqual([r, f, m, want]);
  });

  it('overlaps resolve by precedence: Loyal over Potential Loyalists, Champions over Loyal', () => {
    // R≥4, F≥3, M≤2 matches both Loyal and Potential Loyalists: Loyal (2nd rule) wins
    expect(SEGMENT_RULES.filter((x) => x.test(4, 3, 2)).map((x) => x.segment)).toEqual(['Loyal Customers', 'Potential Loyalists']);
    expect(classify(4, 3, 2)).toBe('Loyal Customers');
    expect(classify(5, 4, 1)).toBe('Loyal Customers');
    // R≥4 F≥4 M≥4 matches Champions and Loyal: Champions
    expect(SEGMENT_RULES.filter((x) => x.test(4, 4, 4)).map((x) => x.segment)).toEqual(['Champions', 'Loyal Customers']);
    // so Potential Loyalists only ever holds F = 2
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) {
      if (classify(r, f, m) === 'Potential Loyalists') expect([r, f, m <= 2]).toEqual([r >= 4 ? r : -1, 2, true]);
    }
  });

  it('all 125 score combinations equal the spec table applied top-down', () => {
    let n = 0;
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) {
      const want = r >= 4 && f >= 4 && m >= 4 ? 'Champions' : r >= 3 && f >= 3 ? 'Loyal Customers' : r >= 4 && f === 1 ? 'New Customers'
        : r >= 4 && f >= 2 && m <= 2 ? 'Potential Loyalists' : r <= 2 && f >= 3 ? 'At-Risk Customers' : r === 1 && f === 1 ? 'Lost Customers' : 'Other';
      expect(classify(r, f, m)).toBe(want);
      n++;
    }
    expect(n).toBe(125);
  });
});

describe('window and per-customer orders', () => {
  it('the window is the business days (as_of − 12 months, as_of]; month ends clamp', () => {
    const w = rfmWindow('2026-03-15', TZ);
    expect(w).toEqual({ firstDay: '2025-03-16', lastDay: '2026-03-15', start: zonedToUtc(2025, 3, 16, 0, 0, TZ), end: zonedToUtc(2026, 3, 16, 0, 0, TZ) });
    expect(addMonths('2024-02-29', -12)).toBe('2023-02-28');
    expect(rfmWindow('2024-02-29', TZ).firstDay).toBe('2023-03-01');
    expect(rfmWindow('2025-03-31', TZ).firstDay).toBe('2024-04-01');
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
  });

  function fixture(): EventColumns {
    const c = new EventColumns();
    let seq = 0;
    const add = (time: number, type: string, user: string | null, order: string | null, amount: number | null = null, currency: string | null = null) =>
      c.appendRow(++seq, { time, type, user, order, amount, currency });
    // A: a purchase exactly 12 months before as_of (business day 2025-03-15, last ms) -> out; one on the first day in -> in
    add(zonedToUtc(2025, 3, 16, 0, 0, TZ) - 1, 'order.completed', 'A', 'O-A1', 500_000, 'VND');
    add(zonedToUtc(2025, 3, 16, 0, 0, TZ), 'order.completed', 'A', 'O-A2', 100_000, 'VND');
    // B: ordered on as_of's last millisecond (in, R = 0 days) and just after as_of (out)
    add(zonedToUtc(2026, 3, 16, 0, 0, TZ) - 1, 'order.completed', 'B', 'O-B1', 100_000, 'VND');
    add(zonedToUtc(2026, 3, 16, 0, 0, TZ), 'order.completed', 'B', 'O-B2', 100_000, 'VND');
    // C: completed then cancelled (out); another completed, cancelled only after as_of (in); a duplicate completion (once)
    add(at(2026, 1, 10), 'order.completed', 'C', 'O-C1', 900_000, 'VND');
    add(at(2026, 1, 11), 'order.cancelled', 'C', 'O-C1');
    add(at(2026, 2, 1), 'order.completed', 'C', 'O-C2', 125, 'USD');
    add(at(2026, 2, 1, 13), 'order.completed', 'C', 'O-C2', 125, 'USD');
    add(at(2026, 3, 20), 'order.cancelled', 'C', 'O-C2');
    add(at(2026, 3, 1), 'order.completed', 'C', 'O-C3', 50_000, 'VND');
    // D: only an order.placed (not completed) -> not a customer; E: two 1-cent orders (per-currency total converted once)
    add(at(2026, 3, 1), 'order.placed', 'D', 'O-D1', 10_000, 'VND');
    add(at(2026, 3, 2), 'order.completed', 'E', 'O-E1', 1, 'USD');
    add(at(2026, 3, 3), 'order.completed', 'E', 'O-E2', 1, 'USD');
    return c;
  }

  it('counts completed, not cancelled orders once each, inside the window', () => {
    const o = extractCustomerOrders(fixture(), rfmWindow('2026-03-15', TZ));
    expect(o.customerId).toEqual(['A', 'B', 'C', 'E']);
    expect([...o.orders]).toEqual([1, 1, 2, 2]);
    expect(o.skipped).toEqual({ cancelled: 1, duplicate: 1, noUser: 0, noMoney: 0 });
    expect(o.currencies).toEqual(['VND', 'USD']);
    expect([...o.spend[0]!]).toEqual([100_000, 100_000, 50_000, 0]);
    expect([...o.spend[1]!]).toEqual([0, 0, 125, 2]);
  });

  it('R in business days, F, M converted per currency total at the stated rate (half-even once), scores and segments', () => {
    const { columns, summary } = computeRfm(extractCustomerOrders(fixture(), rfmWindow('2026-03-15', TZ)), {
      asOf: '2026-03-15', timezone: TZ, reportingCurrency: 'VND', fxRates: { USD: '50' },
    });
    const customers = customerRows(columns);
    // A: last order 2025-03-16 -> 364 days; B: 0; C: 2026-03-01 -> 14; E: 2026-03-03 -> 12
    expect(customers.map((c) => [c.customerId, c.recencyDays, c.frequency, c.monetary])).toEqual([
      ['A', 364, 1, 100_000], ['B', 0, 1, 100_000],
      // C: 50,000 VND + 1.25 USD × 50 = 62.5 -> 62 (half-even) => 50,062
      ['C', 14, 2, 50_062],
      // E: 2 cents × 50 = 1 VND (per order it would be 0.5 + 0.5 -> 0 + 0)
      ['E', 12, 2, 1],
    ]);
    // R (days desc): 364 r1 -> 1, 14 r2 -> 2, 12 r3 -> 3, 0 r4 -> 4; F: 1,1 r1 -> 1; 2,2 r3 -> 3
    // M asc: 1 r1 -> 1, 50,062 r2 -> 2, 100,000 ×2 r3 -> 3
    expect(customers.map((c) => [c.r, c.f, c.m, c.segment])).toEqual([
      [1, 1, 3, 'Lost Customers'], [4, 1, 3, 'New Customers'], [2, 3, 2, 'At-Risk Customers'], [3, 3, 1, 'Loyal Customers'],
    ]);
    expect(summary.rates).toEqual([{ currency: 'USD', rate: '50', spendMinor: 127 }, { currency: 'VND', rate: '1', spendMinor: 250_000 }]);
    expect(summary.revenue).toBe(250_063);
    expect(summary.segments.find((s) => s.segment === 'New Customers')).toMatchObject({ customers: 1, revenue: 100_000, revenueShare: 100_000 / 250_063 });
    expect(summary.grid[3]![0]).toBe(1);
    expect(summary.grid.flat().reduce((a, b) => a + b, 0)).toBe(4);
    expect(summary.cuts.r.map((c) => [c.min, c.max])).toEqual([[364, 364], [14, 14], [12, 12], [0, 0], [null, null]]);
  });

  it('a currency without a stated rate is an error naming it (never added across currencies)', () => {
    expect(() => computeRfm(extractCustomerOrders(fixture(), rfmWindow('2026-03-15', TZ)), { asOf: '2026-03-15', timezone: TZ, reportingCurrency: 'VND', fxRates: {} }))
      .toThrow(MissingRateError);
  });

  it('the order column survives the cache snapshot (format 2)', () => {
    const c = fixture();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-rfm-snap-')), 'events.v1.bin');
    writeSnapshot(file, c, []);
    const s = readSnapshot(file);
    for (let i = 0; i < c.length; i++) expect(s.cols.row(i)).toEqual(c.row(i));
    expect(extractCustomerOrders(s.cols, rfmWindow('2026-03-15', TZ))).toEqual(extractCustomerOrders(c, rfmWindow('2026-03-15', TZ)));
  });

  it('a loaded snapshot decodes a large dictionary only on first use, to the same values', () => {
    const c = new EventColumns();
    for (let i = 0; i < 6000; i++) c.appendRow(i + 1, { time: i, type: 'page.landing_viewed', session: 'SES-' + i + '-Nguyễn', user: i % 2 ? 'U' + i : null });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-rfm-lazy-')), 'events.v1.bin');
    writeSnapshot(file, c, []);
    const s = readSnapshot(file);
    expect(s.cols.dicts.session.decoded).toBe(false);
    expect(s.cols.dicts.type.decoded).toBe(true);
    expect(s.cols.dicts.session.size).toBe(6001);
    expect(s.cols.dicts.session.decoded).toBe(false);
    expect(s.cols.dicts.session.value(4321)).toBe('SES-4320-Nguyễn');
    expect(s.cols.dicts.session.decoded).toBe(true);
    expect(s.cols.dicts.session.values).toEqual(c.dicts.session.values);
    expect(s.cols.dicts.user.lookup('U5999')).toBe(c.dicts.user.lookup('U5999'));
    s.cols.appendRow(10_000, { time: 1, type: 'x', session: 'new' });
    expect(s.cols.row(6000).session).toBe('new');
  });
});

describe('weekly schedule', () => {
  it('the latest slot at or before now; the run is as of the day before', () => {
    // 2026-03-16 is a Monday. Default slot Monday 03:00 business time.
    expect(lastScheduledSlot(zonedToUtc(2026, 3, 16, 2, 59, TZ), TZ, 1, 3, 0)).toEqual({ day: '2026-03-09', week: '2026-W11', asOf: '2026-03-08', at: zonedToUtc(2026, 3, 9, 3, 0, TZ) });
    expect(lastScheduledSlot(zonedToUtc(2026, 3, 16, 3, 0, TZ), TZ, 1, 3, 0)).toEqual({ day: '2026-03-16', week: '2026-W12', asOf: '2026-03-15', at: zonedToUtc(2026, 3, 16, 3, 0, TZ) });
    expect(lastScheduledSlot(zonedToUtc(2026, 3, 21, 18, 0, TZ), TZ, 1, 3, 0)).toMatchObject({ day: '2026-03-16', week: '2026-W12', asOf: '2026-03-15' });
    // Sunday 23:00, slot Sunday 22:30 (weekday 7)
    expect(lastScheduledSlot(zonedToUtc(2026, 3, 22, 23, 0, TZ), TZ, 7, 22, 30)).toMatchObject({ day: '2026-03-22', week: '2026-W12', asOf: '2026-03-21' });
  });
});
