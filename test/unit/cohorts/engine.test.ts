/**
 * Cohort retention on hand-computed fixtures: every boundary (a registration at 23:30 local on the
 * last day of a month and one at 00:30 local on the 1st = the previous day in UTC, cancelled orders,
 * the refunded setting, "on" vs "on or after", ISO weeks across a year boundary, the incomplete
 * current period), revenue in the reporting currency, the Wilson interval and drill-down.
 */
import { describe, expect, it } from 'vitest';
import { EventColumns, type EventRow } from '../../../src/analytics/columns.ts';
import { zonedToUtc } from '../../../src/analytics/calendar.ts';
import { extractCustomerOrders } from '../../../src/analytics/customers/orders.ts';
import { cohortResult } from '../../../src/analytics/cohorts/run.ts';
import { cellCustomers, cohortCustomersPage } from '../../../src/analytics/cohorts/drilldown.ts';
import { wilson } from '../../../src/analytics/cohorts/compute.ts';
import { buildAxis, periodIndex, periodKeyOf, periodRange, firstWeekOfMonth, lastWeekOfMonth, isWeekKey } from '../../../src/analytics/cohorts/periods.ts';
import type { CohortQuery, CohortResult } from '../../../src/analytics/cohorts/types.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const at = (y: number, m: number, d: number, h = 12, mi = 0): number => zonedToUtc(y, m, d, h, mi, TZ);

function columns(rows: EventRow[]): EventColumns {
  const c = new EventColumns(4);
  rows.forEach((r, i) => c.appendRow(i + 1, r));
  return c;
}
const reg = (user: string, time: number, device = 'ios', source = 'organic'): EventRow => ({ type: 'user.registered', user, time, device, source });
const done = (user: string, order: string, time: number, amount = 100_000, currency = 'VND'): EventRow => ({ type: 'order.completed', user, order, time, amount, currency });
const cancel = (user: string, order: string, time: number): EventRow => ({ type: 'order.cancelled', user, order, time });
const refund = (order: string, time: number): EventRow => ({ type: 'payment.refunded', order, time, amount: 1000, currency: 'VND' });

// A: 23:30 local on 31 Jan (16:30 UTC, January either way); B: 00:30 local on 1 Feb = 17:30 UTC on 31 Jan (February locally)
const A_REG = at(2026, 1, 31, 23, 30);
const B_REG = at(2026, 2, 1, 0, 30);
const FIXTURE: EventRow[] = [
  reg('C', at(2026, 1, 10), 'android', 'ads'),
  done('C', 'oC1', at(2026, 1, 12), 500_000),
  reg('A', A_REG, 'ios', 'organic'),
  reg('B', B_REG, 'web', 'ads'),
  done('B', 'oB1', at(2026, 2, 1, 0, 45), 200_000),
  done('A', 'oA1', at(2026, 2, 10), 10_000, 'USD'), // 100.00 USD
  done('A', 'oA2', at(2026, 3, 5), 300_000),
  cancel('A', 'oA2', at(2026, 3, 6)), // cancelled after completion: never counts
  done('A', 'oA3', at(2026, 4, 2), 400_000),
  refund('oA3', at(2026, 4, 3)),
  done('B', 'oB2', at(2026, 4, 15), 50_000),
  done('B', 'oB3', at(2026, 4, 16), 70_000),
  // an order without a registration stays out of registration cohorts
  done('Z', 'oZ1', at(2026, 2, 3), 1_000),
];
const AS_OF = at(2026, 4, 20);

function q(over: Partial<CohortQuery> = {}): CohortQuery {
  return {
    granularity: 'month', from: '2026-01', to: '2026-02', mode: 'on', acquisition: 'registration', includeRefunded: true, breakdown: null,
    timezone: TZ, reportingCurrency: 'VND', fxRates: { USD: '26000' }, asOf: AS_OF, ...over,
  };
}
function run(rows: EventRow[], over: Partial<CohortQuery> = {}): CohortResult {
  const cols = columns(rows);
  return cohortResult(cols, extractCustomerOrders(cols), q(over), { watermark: { seq: cols.lastSeq, time: cols.maxTime, events: cols.length } }).result;
}
const actives = (r: CohortResult) => r.matrix.rows.map((row) => row.cells.map((c) => c.active));

describe('monthly cohorts in the business timezone', () => {
  it('assigns registrations by local month (23:30 on the 31st stays in January; 00:30 on the 1st is February though UTC says January)', () => {
    const r = run(FIXTURE);
    expect(r.matrix.rows.map((x) => [x.key, x.size])).toEqual([['2026-01', 2], ['2026-02', 1]]);
    expect(periodKeyOf(B_REG, 'UTC', 'month')).toBe('2026-01');
  });

  it('"on": active = a completed, non-cancelled order in the period; refunded orders count by default', () => {
    const r = run(FIXTURE);
    // Jan cohort {A, C}: Jan C; Feb A; Mar - (A's order cancelled); Apr A (refunded, counted)
    // Feb cohort {B}: Feb B (00:45 local on the 1st); Mar -; Apr B (two orders)
    expect(actives(r)).toEqual([[1, 1, 0, 1], [1, 0, 1]]);
    expect(r.matrix.rows[0]!.cells.map((c) => c.pct)).toEqual([0.5, 0.5, 0, 0.5]);
    expect(r.matrix.rows[1]!.cells[2]!.orders).toBe(2);
    expect(r.matrix.rows[1]!.cells[2]!.ordersPerActive).toBe(2);
    expect(r.orders).toEqual({ counted: 6, cancelled: 1, refundedExcluded: 0, beforeAcquisition: 0 });
  });

  it('the refunded setting off drops refunded orders', () => {
    const r = run(FIXTURE, { includeRefunded: false });
    expect(actives(r)).toEqual([[1, 1, 0, 0], [1, 0, 1]]);
    expect(r.orders.refundedExcluded).toBe(1);
  });

  it('"on or after": active in k or any later period', () => {
    expect(actives(run(FIXTURE, { mode: 'on_or_after' }))).toEqual([[2, 1, 1, 1], [1, 1, 1]]);
    expect(actives(run(FIXTURE, { mode: 'on_or_after', includeRefunded: false }))).toEqual([[2, 1, 0, 0], [1, 1, 1]]);
  });

  it('marks the current period incomplete and leaves it out of milestones and averages', () => {
    const r = run(FIXTURE);
    expect(r.matrix.rows[0]!.cells.map((c) => c.incomplete)).toEqual([false, false, false, true]);
    expect(r.matrix.rows[1]!.cells.map((c) => c.incomplete)).toEqual([false, false, true]);
    expect(r.matrix.rows[0]!.milestones).toEqual({ 1: 0.5, 3: null, 6: null });
    // weighted: k0 = (1 + 1) / (2 + 1); k1 = (1 + 0) / 3; k2 = 0 / 2 (Feb cohort's k2 is April: incomplete); k3: none complete
    expect(r.matrix.averages.map((a) => [a.offset, a.pct, a.cohorts, a.customers])).toEqual([[0, 2 / 3, 2, 3], [1, 1 / 3, 2, 3], [2, 0, 1, 2], [3, null, 0, 0]]);
    expect(r.matrix.milestones).toEqual({ 1: 1 / 3, 3: null, 6: null });
    expect(r.milestoneLabels).toEqual({ 1: 'M1', 3: 'M3', 6: 'M6' });
  });

  it('revenue retention converts each currency at the stated rate and never adds across currencies unconverted', () => {
    const r = run(FIXTURE);
    const jan = r.matrix.rows[0]!.cells;
    expect(jan.map((c) => c.gmvMinor)).toEqual([500_000, 2_600_000, 0, 400_000]);
    expect(jan[1]!.revenuePct).toBeCloseTo(5.2, 12);
    expect(r.fx.rates).toEqual({ USD: '26000' });
    expect(r.fx.gmvByCurrency).toEqual([{ currency: 'USD', minor: 10_000 }, { currency: 'VND', minor: 500_000 + 400_000 + 200_000 + 120_000 }]);
    const noRate = run(FIXTURE, { fxRates: {} });
    expect(noRate.fx.missing).toEqual(['USD']);
    expect(noRate.matrix.rows[0]!.cells[1]!.gmvMinor).toBeNull();
  });

  it('breaks down by the registration event\'s source or device', () => {
    const r = run(FIXTURE, { breakdown: 'source' });
    const by = Object.fromEntries(r.breakdown!.values.map((v) => [v.value, v.matrix.rows.map((x) => [x.size, ...x.cells.map((c) => c.active)])]));
    expect(by).toEqual({ ads: [[1, 1, 0, 0, 0], [1, 1, 0, 1]], organic: [[1, 0, 1, 0, 1], [0, 0, 0, 0]] });
  });

  it('first order as the acquisition when there is no registration event', () => {
    const r = run(FIXTURE.filter((e) => e.type !== 'user.registered'), { acquisition: 'first_order' });
    // C: Jan; A: first qualifying order Feb 10; B: Feb 1; Z: Feb 3
    expect(r.matrix.rows.map((x) => [x.key, x.size])).toEqual([['2026-01', 1], ['2026-02', 3]]);
    expect(actives(r)).toEqual([[1, 0, 0, 0], [3, 0, 2]]);
  });

  it('drill-down lists a cell\'s customers, paged and sorted', () => {
    const cols = columns(FIXTURE);
    const co = extractCustomerOrders(cols);
    const { comp } = cohortResult(cols, co, q({ mode: 'on_or_after' }), { watermark: { seq: 0, time: null, events: 0 } });
    const names = (ids: number[]) => ids.map((i) => cols.dicts.user.value(comp.cust.user[i]!));
    expect(names(cellCustomers(cols, comp, { cohort: '2026-01', offset: null, breakdownValue: null }))).toEqual(['A', 'C']);
    expect(names(cellCustomers(cols, comp, { cohort: '2026-01', offset: 2, breakdownValue: null }))).toEqual(['A']);
    const page = cohortCustomersPage(cols, comp, { cohort: '2026-01', offset: 0, breakdownValue: null, offsetRows: 1, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.rows.map((x) => [x.userId, x.orders, x.ordersTotal, x.source])).toEqual([['C', 1, 1, 'ads']]);
    expect(() => cellCustomers(cols, comp, { cohort: '2025-12', offset: 0, breakdownValue: null })).toThrow(/not in this matrix/);
  });
});

describe('an empty workspace', () => {
  it('gives empty cohorts, no rates and no averages', () => {
    const r = run([]);
    expect(r.matrix.rows.map((x) => [x.key, x.size])).toEqual([['2026-01', 0], ['2026-02', 0]]);
    expect(r.matrix.averages.every((a) => a.pct === null)).toBe(true);
    expect(r.customers).toBe(0);
    expect(r.fx.gmvByCurrency).toEqual([]);
  });
});

describe('weekly cohorts (ISO weeks, business timezone)', () => {
  it('handles the year boundary: 2025-12-28 (Sunday) is 2025-W52, 2025-12-29 (Monday) starts 2026-W01', () => {
    const rows: EventRow[] = [
      reg('E', at(2025, 12, 28, 23, 0)),
      done('E', 'oE1', at(2025, 12, 29, 0, 10)),
      reg('D', at(2025, 12, 29, 9)),
      done('D', 'oD1', at(2026, 1, 5, 9)),
      done('D', 'oD2', at(2026, 1, 6, 9)),
    ];
    const r = run(rows, { granularity: 'week', from: '2025-W52', to: '2026-W01', asOf: at(2026, 1, 14) });
    expect(r.matrix.rows.map((x) => [x.key, x.size])).toEqual([['2025-W52', 1], ['2026-W01', 1]]);
    expect(actives(r)).toEqual([[0, 1, 0, 0], [0, 1, 0]]);
    expect(r.matrix.rows[0]!.cells.map((c) => c.incomplete)).toEqual([false, false, false, true]);
    expect(r.milestoneLabels['1']).toBe('W1');
  });

  it('week keys, ranges and month bounds', () => {
    expect(isWeekKey('2026-W53')).toBe(true); // 2026 has 53 ISO weeks
    expect(isWeekKey('2025-W53')).toBe(false);
    expect(periodRange('2026-W52', '2027-W01', 'week')).toEqual(['2026-W52', '2026-W53', '2027-W01']);
    expect(firstWeekOfMonth('2026-01')).toBe('2026-W02'); // Monday 5 Jan
    expect(lastWeekOfMonth('2026-01')).toBe('2026-W05'); // Monday 26 Jan
    const axis = buildAxis('2026-01', at(2026, 3, 2), TZ, 'month');
    expect(axis.keys).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(periodIndex(axis, at(2026, 1, 31, 23, 59))).toBe(0);
    expect(periodIndex(axis, at(2026, 2, 1, 0, 0))).toBe(1);
    expect(periodIndex(axis, at(2025, 12, 31))).toBe(-1);
  });
});

describe('Wilson interval', () => {
  it('matches the closed form (x = 1, n = 2; x = 0, n = 10)', () => {
    const [lo, hi] = wilson(1, 2);
    expect(lo).toBeCloseTo(0.0945, 4);
    expect(hi).toBeCloseTo(0.9055, 4);
    const [lo0, hi0] = wilson(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
  });
  it('small cohorts are flagged', () => {
    expect(run(FIXTURE).matrix.rows.every((r) => r.small)).toBe(true);
  });
});
