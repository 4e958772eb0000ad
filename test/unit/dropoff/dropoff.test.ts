/** Drop-off baseline windows, trigger boundaries and cause attribution (src/analytics/dropoff). */
import { describe, expect, it } from 'vitest';
import {
  attribute, causeCategory, evaluateTrigger, sessionCauses, windowsFor, type DroppedSession, type WindowData,
} from '../../../src/analytics/dropoff/index.ts';
import { HOUR_MS, localParts, zonedToUtc } from '../../../src/analytics/calendar.ts';

const S = { thresholdPp: 5, minEntered: 1, minBaselineEntered: 1, minZ: 0 };

describe('evaluateTrigger', () => {
  it('exactly +5 pp does not fire; just above does', () => {
    // baseline 40/100 = 40%; window 45/100 = 45% (+5 pp exactly), 4501/10000 (+5.01 pp)
    expect(evaluateTrigger({ entered: 100, dropped: 45 }, { entered: 100, dropped: 40 }, S).fired).toBe(false);
    expect(evaluateTrigger({ entered: 10000, dropped: 4501 }, { entered: 100, dropped: 40 }, S).fired).toBe(true);
    expect(evaluateTrigger({ entered: 10000, dropped: 4500 }, { entered: 100, dropped: 40 }, S).fired).toBe(false);
    // rates that are not exact in binary: 7/20 = 35% vs 3/10 = 30% is exactly +5 pp
    const t = evaluateTrigger({ entered: 20, dropped: 7 }, { entered: 10, dropped: 3 }, S);
    expect(t.fired).toBe(false);
    expect(t.excessPp).toBeCloseTo(5, 10);
    expect(evaluateTrigger({ entered: 20, dropped: 8 }, { entered: 10, dropped: 3 }, S).fired).toBe(true);
  });

  it('the threshold is configurable', () => {
    expect(evaluateTrigger({ entered: 100, dropped: 48 }, { entered: 100, dropped: 40 }, { ...S, thresholdPp: 10 }).fired).toBe(false);
    expect(evaluateTrigger({ entered: 100, dropped: 51 }, { entered: 100, dropped: 40 }, { ...S, thresholdPp: 10 }).fired).toBe(true);
  });

  it('zero-entered windows and baselines never fire and have null rates', () => {
    const a = evaluateTrigger({ entered: 0, dropped: 0 }, { entered: 100, dropped: 40 }, S);
    expect(a).toMatchObject({ fired: false, rate: null, excessPp: null, reason: 'no sessions in the window' });
    const b = evaluateTrigger({ entered: 10, dropped: 10 }, { entered: 0, dropped: 0 }, S);
    expect(b).toMatchObject({ fired: false, baselineRate: null, reason: 'no sessions in the baseline windows' });
  });

  it('minimum sample sizes and the noise guard (z) hold it back', () => {
    expect(evaluateTrigger({ entered: 10, dropped: 9 }, { entered: 1000, dropped: 400 }, { ...S, minEntered: 30 }).reason).toMatch(/fewer than the 30/);
    expect(evaluateTrigger({ entered: 100, dropped: 90 }, { entered: 50, dropped: 20 }, { ...S, minBaselineEntered: 100 }).reason).toMatch(/baseline session/);
    // +10 pp on 40 sessions is noise at z >= 3; on 4000 it is not
    const small = evaluateTrigger({ entered: 40, dropped: 20 }, { entered: 400, dropped: 160 }, { ...S, minZ: 3 });
    expect(small.fired).toBe(false);
    expect(small.z!).toBeLessThan(3);
    expect(evaluateTrigger({ entered: 4000, dropped: 2000 }, { entered: 4000, dropped: 1600 }, { ...S, minZ: 3 }).fired).toBe(true);
  });
});

describe('windowsFor', () => {
  it('the same local hours of the previous 7 days in a DST-free business timezone', () => {
    const tz = 'Asia/Ho_Chi_Minh';
    const end = zonedToUtc(2026, 3, 14, 21, 0, tz);
    const w = windowsFor(end, 3, 7, tz);
    expect(w.current).toEqual({ start: end - 3 * HOUR_MS, end });
    expect(w.baseline).toHaveLength(7);
    w.baseline.forEach((b, k) => {
      expect(b).toEqual({ start: w.current.start - (k + 1) * 24 * HOUR_MS, end: end - (k + 1) * 24 * HOUR_MS });
      expect(localParts(b.start, tz).hour).toBe(18);
    });
  });

  it('a window across local midnight keeps its hours', () => {
    const tz = 'Asia/Ho_Chi_Minh';
    const end = zonedToUtc(2026, 3, 14, 1, 0, tz);
    const w = windowsFor(end, 3, 2, tz);
    expect(localParts(w.baseline[0]!.start, tz)).toMatchObject({ day: 12, hour: 22 });
    expect(localParts(w.baseline[0]!.end, tz)).toMatchObject({ day: 13, hour: 1 });
  });

  it('in a zone with DST the baseline keeps the wall-clock hours (23 h or 25 h apart)', () => {
    const tz = 'America/New_York';
    const end = zonedToUtc(2026, 3, 9, 12, 0, tz); // the day after the spring-forward Sunday
    const w = windowsFor(end, 1, 2, tz);
    expect(localParts(w.baseline[0]!.start, tz).hour).toBe(11);
    expect(localParts(w.baseline[1]!.start, tz).hour).toBe(11);
    expect(w.current.start - w.baseline[0]!.start).toBe(24 * HOUR_MS);
    expect(w.baseline[0]!.start - w.baseline[1]!.start).toBe(23 * HOUR_MS);
  });
});

describe('causes', () => {
  it('classifies signals into cause codes and the spec categories', () => {
    expect(sessionCauses([])).toEqual(['none']);
    expect(sessionCauses([
      { type: 'payment.failed', time: 1, code: 'wallet_unavailable', detail: 'momo_wallet' },
      { type: 'checkout.abandoned', time: 2, code: 'payment_failed', detail: 'payment' },
    ])).toEqual(['payment_failed:wallet_unavailable']);
    expect(sessionCauses([{ type: 'checkout.abandoned', time: 2, code: 'shipping_cost_surprise', detail: 'shipping' }])).toEqual(['abandoned:shipping_cost_surprise']);
    expect(sessionCauses([{ type: 'error.occurred', time: 2, code: 'GATEWAY_TIMEOUT', detail: 'payment' }])).toEqual(['error:GATEWAY_TIMEOUT:payment']);
    expect(causeCategory('payment_failed:card_declined')).toBe('payment_error');
    expect(causeCategory('error:GATEWAY_TIMEOUT:payment')).toBe('payment_error');
    expect(causeCategory('error:SHIPPING_QUOTE_FAILED')).toBe('checkout_error');
    expect(causeCategory('abandoned:shipping_cost_surprise')).toBe('shipping_cost');
    expect(causeCategory('abandoned:forced_registration')).toBe('forced_registration');
    expect(causeCategory('abandoned:login_required')).toBe('forced_registration');
    expect(causeCategory('abandoned:changed_mind')).toBe('other_abandon');
    expect(causeCategory('none')).toBe('no_signal');
  });
});

describe('attribute', () => {
  const sess = (device: string, source: string, causes: string[], i: number): DroppedSession => ({
    unit: `S${device}${source}${i}${causes.join()}`, userId: null, device, source, enteredAt: i, lastStepAt: i, lastStep: 'Checkout started', causes,
  });
  const many = (n: number, device: string, source: string, causes: string[]): DroppedSession[] => Array.from({ length: n }, (_, i) => sess(device, source, causes, i));

  // baseline: 2 windows; per window android/direct 50 in, 20 dropped (10 shipping, 10 none), ios/email 50 in, 20 dropped (20 none)
  const baseWin = (k: number): WindowData => ({
    start: k, end: k + 1,
    segments: [{ device: 'android', source: 'direct', entered: 50, dropped: 20 }, { device: 'ios', source: 'email', entered: 50, dropped: 20 }],
    dropped: [...many(10, 'android', 'direct', ['abandoned:shipping_cost_surprise']), ...many(10, 'android', 'direct', ['none']), ...many(20, 'ios', 'email', ['none'])],
  });
  // window: android/direct 50 in, 40 dropped: 5 shipping, 10 none, 25 wallet failures; ios/email unchanged
  const cur: WindowData = {
    start: 10, end: 11,
    segments: [{ device: 'android', source: 'direct', entered: 50, dropped: 40 }, { device: 'ios', source: 'email', entered: 50, dropped: 20 }],
    dropped: [...many(5, 'android', 'direct', ['abandoned:shipping_cost_surprise']), ...many(10, 'android', 'direct', ['none']), ...many(25, 'android', 'direct', ['payment_failed:wallet_unavailable']), ...many(20, 'ios', 'email', ['none'])],
  };

  it('segment excess = dropped − own baseline rate × entered', () => {
    const a = attribute(cur, [baseWin(0), baseWin(1)]);
    expect(a.current).toEqual({ entered: 100, dropped: 60, rate: 0.6 });
    expect(a.baseline).toEqual({ entered: 200, dropped: 80, rate: 0.4 });
    expect(a.excessDropped).toBe(20);
    expect(a.segments.map((s) => [s.device, s.source, s.excessDropped])).toEqual([['android', 'direct', 20], ['ios', 'email', 0]]);
  });

  it('cause excess per device = carriers − baseline carriers / baseline entered × entered; ranked by excess', () => {
    const a = attribute(cur, [baseWin(0), baseWin(1)]);
    const top = a.causes[0]!;
    expect(top).toMatchObject({ rank: 1, cause: 'payment_failed:wallet_unavailable', device: 'android', current: 25, expected: 0, excess: 25, shareOfExcess: 1.25 });
    expect(top.bySource).toEqual([{ key: 'direct', current: 25, expected: 0, excess: 25 }]);
    const ship = a.causes.find((c) => c.cause === 'abandoned:shipping_cost_surprise' && c.device === 'android')!;
    expect(ship).toMatchObject({ current: 5, expected: 10, excess: -5 });
    expect(a.causes.at(-1)!.excess).toBeLessThanOrEqual(0);
    expect(a.commonCauses.find((c) => c.category === 'payment_error')).toMatchObject({ current: 25, expected: 0, excess: 25, seen: true });
    expect(a.commonCauses.find((c) => c.category === 'forced_registration')).toMatchObject({ seen: false });
  });

  it('a segment without baseline sessions is judged against the overall baseline rate', () => {
    const w: WindowData = { ...cur, segments: [...cur.segments, { device: 'desktop', source: 'social', entered: 10, dropped: 9 }] };
    const a = attribute(w, [baseWin(0)]);
    expect(a.segments.find((s) => s.device === 'desktop')).toMatchObject({ baselineRate: null, excessDropped: 9 - 0.4 * 10 });
  });

  it('an empty window and baseline give empty tables, not errors', () => {
    const a = attribute({ start: 0, end: 1, segments: [], dropped: [] }, []);
    expect(a).toMatchObject({ current: { entered: 0, dropped: 0, rate: null }, baseline: { rate: null }, excessDropped: 0, segments: [], causes: [] });
  });
});
