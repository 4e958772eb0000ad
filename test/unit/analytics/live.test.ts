import { describe, expect, it } from 'vitest';
import { computeLive, type LiveParams, type AmountRow } from '../../../src/analytics/live.ts';
import { zonedToUtc, MINUTE_MS } from '../../../src/analytics/calendar.ts';

const HCM = 'Asia/Ho_Chi_Minh';
const now = zonedToUtc(2026, 11, 25, 10, 0, HCM);
const params: LiveParams = { now, timezone: HCM, reportingCurrency: 'VND', fxRates: { USD: '26000' }, windowMinutes: 15, dropPct: 30, minPriorOrders: 2 };
const at = (minAgo: number, amount: number, currency = 'VND'): AmountRow => ({ time: now - minAgo * MINUTE_MS, amount, currency });

describe('computeLive', () => {
  it('counts today in the business timezone only', () => {
    const yesterday = zonedToUtc(2026, 11, 24, 23, 59, HCM);
    const s = computeLive({ orders: [at(60, 100000), at(5, 300000), { time: yesterday, amount: 999999, currency: 'VND' }, at(-1, 5)], refunds: [at(3, 40000)], lastEventAt: null, lastSyncedAt: null }, params);
    expect(s.day).toBe('2026-11-25');
    expect(s.gmv).toEqual({ minor: 400000, currency: 'VND', display: '₫400,000' });
    expect(s.orders).toBe(2);
    expect(s.aov?.minor).toBe(200000);
    expect(s.refundRate).toBeCloseTo(0.1);
    expect(s.intraday.reduce((a, b) => a + b.gmvMinor, 0)).toBe(400000);
    expect(s.intraday).toHaveLength(40); // 10 hours of 15-minute buckets
  });
  it('keeps currencies apart and states the conversion', () => {
    const s = computeLive({ orders: [at(10, 100000), at(10, 1250, 'USD'), at(10, 100, 'KWD')], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect(s.gmvByCurrency.map((m) => [m.currency, m.minor])).toEqual([['KWD', 100], ['USD', 1250], ['VND', 100000]]);
    expect(s.gmv.minor).toBe(100000 + 325000);
    expect(s.fxRates).toEqual({ USD: '26000' });
    expect(s.missingRates).toEqual(['KWD']);
  });
  it('AOV rounds half-even once', () => {
    const s = computeLive({ orders: [at(1, 1), at(2, 2)], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect(s.aov?.minor).toBe(2); // 1.5 -> 2
    const t = computeLive({ orders: [at(1, 2), at(2, 3), at(3, 0), at(4, 0)], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect(t.aov?.minor).toBe(1); // 1.25 -> 1
  });
  it('fires the drop rule only beyond the threshold with enough prior orders', () => {
    const prior = [at(20, 100000), at(25, 100000)];
    const drop = computeLive({ orders: [...prior, at(5, 139000)], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect(drop.window.changePct).toBeCloseTo(-30.5);
    expect(drop.window.dropping).toBe(true);
    const edge = computeLive({ orders: [...prior, at(5, 140000)], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect(edge.window.changePct).toBeCloseTo(-30);
    expect(edge.window.dropping).toBe(false); // "more than 30%"
    const thin = computeLive({ orders: [at(20, 200000), at(5, 1)], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect(thin.window.dropping).toBe(false); // one prior order < minPriorOrders
    const windowEdge = computeLive({ orders: [at(15, 100000), at(30, 100000), at(31, 100000)], refunds: [], lastEventAt: null, lastSyncedAt: null }, params);
    expect([windowEdge.window.latestOrders, windowEdge.window.priorOrders]).toEqual([1, 1]); // [now-15m, now) and [now-30m, now-15m)
  });
  it('windows reach back into yesterday right after midnight', () => {
    const p = { ...params, now: zonedToUtc(2026, 11, 25, 0, 10, HCM) };
    const s = computeLive({ orders: [{ time: p.now - 20 * MINUTE_MS, amount: 5, currency: 'VND' }], refunds: [], lastEventAt: null, lastSyncedAt: null }, p);
    expect(s.orders).toBe(0);
    expect(s.window.priorOrders).toBe(1);
  });
});

describe('computeLive for a past business day', () => {
  it('reports the whole day, with now clamped to its end', () => {
    const dayEnd = zonedToUtc(2026, 11, 25, 0, 0, HCM);
    const rows = [{ time: dayEnd - 1, amount: 7, currency: 'VND' }, { time: dayEnd, amount: 100, currency: 'VND' }, { time: zonedToUtc(2026, 11, 24, 0, 0, HCM), amount: 5, currency: 'VND' }];
    const s = computeLive({ orders: rows, refunds: [], lastEventAt: null, lastSyncedAt: null }, { ...params, day: '2026-11-24' });
    expect([s.day, s.asOf, s.orders, s.gmv.minor]).toEqual(['2026-11-24', dayEnd, 2, 12]);
    expect(s.intraday).toHaveLength(96);
  });
});
