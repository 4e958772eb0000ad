/**
 * The funnel kernel on hand-made fixtures: ordering (out-of-order arrival, ties), duplicates,
 * repeated steps, strict vs sequential vs any order, window edges, re-entry, inactivity-gap
 * sessions, user stitching, filters, midnight in the business timezone, drop-off reasons.
 */
import { describe, expect, it } from 'vitest';
import { columns, walk, query, run, reached, T0, MIN, STD, TZ } from './helpers.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';
import { SessionUsers, type EventRow } from '../../../src/analytics/columns.ts';
import { computeFunnel } from '../../../src/analytics/funnel/kernel.ts';
import { drilldown } from '../../../src/analytics/funnel/drilldown.ts';
import type { FunnelStep } from '../../../src/analytics/funnel/types.ts';

const steps = (...types: string[]): FunnelStep[] => types.map((t) => ({ eventType: t }));
const L = 'page.landing_viewed', V = 'product.viewed', C = 'product.added_to_cart', K = 'checkout.started', P = 'checkout.payment_initiated', O = 'order.placed';

describe('ordering', () => {
  it('sorts each unit by time, then seq: out-of-order arrival still matches in time order', () => {
    // arrival order: landing, cart, view — but the view happened before the cart
    const cols = columns([
      { time: T0, type: L, session: 's1' },
      { time: T0 + 2 * MIN, type: C, session: 's1' },
      { time: T0 + 1 * MIN, type: V, session: 's1' },
    ]);
    const r = run(cols, query({ spec: { steps: steps(L, V, C) } }));
    expect(reached(r)).toEqual([1, 1, 1]);
    expect(r.steps[1]!.timeFromPrevious!.medianMs).toBe(MIN);
    expect(r.steps[2]!.timeFromPrevious!.medianMs).toBe(MIN);
    expect(r.steps[2]!.timeToConvert!.medianMs).toBe(2 * MIN);
  });

  it('breaks ties on equal timestamps by seq (arrival order)', () => {
    const cols = columns([
      // s1: view arrives before the landing at the same ms -> the view is not after the landing
      { time: T0, type: V, session: 's1' },
      { time: T0, type: L, session: 's1' },
      // s2: landing first, then the view at the same ms -> matched, 0 ms apart
      { time: T0, type: L, session: 's2' },
      { time: T0, type: V, session: 's2' },
    ]);
    const r = run(cols, query({ spec: { steps: steps(L, V) } }));
    expect(reached(r)).toEqual([2, 1]);
    expect(r.steps[1]!.timeFromPrevious).toMatchObject({ count: 1, medianMs: 0 });
  });

  it('counts identical duplicate events (distinct ids) once per unit; they can fill a repeated step', () => {
    const dup = { time: T0 + MIN, type: V, session: 's1' };
    const cols = columns([{ time: T0, type: L, session: 's1' }, dup, { ...dup }, { time: T0 + 2 * MIN, type: C, session: 's1' }]);
    expect(reached(run(cols, query({ spec: { steps: steps(L, V, C) } })))).toEqual([1, 1, 1]);
    expect(reached(run(cols, query({ spec: { steps: steps(L, V, V, C) } })))).toEqual([1, 1, 1, 1]);
  });
});

describe('repeated steps', () => {
  it('one event fills one step: view -> view -> cart needs two views', () => {
    const cols = columns([
      ...walk('one', T0, [[V, 0], [C, 1]]),
      ...walk('two', T0, [[V, 0], [V, 1], [C, 2]]),
    ]);
    const r = run(cols, query({ spec: { steps: steps(V, V, C) } }));
    expect(reached(r)).toEqual([2, 1, 1]);
    expect(r.steps[0]!.dropped).toBe(1);
  });
});

describe('strict, sequential and any order', () => {
  const cols = columns([
    ...walk('A', T0, [[L, 0], [V, 1], [V, 2], [C, 3]]), // repeat of the step just matched: fine in strict
    ...walk('B', T0, [[L, 0], [C, 1], [V, 2], [C, 3]]), // a cart before the view: strict stops at landing
    ...walk('C', T0, [[L, 0], [V, 1], [L, 2], [V, 3], [C, 4]]), // strict: first entry breaks, second entry completes
    ...walk('D', T0, [[C, 0], [L, 1], [V, 2]]), // any order: all three steps; sequential: no cart after the view
    ...walk('E', T0, [[V, 0], [C, 1]]), // no landing: not in a sequential funnel; any order: steps 2 and 3 only -> depth 0
  ]);
  it('sequential: steps in order, other events allowed between', () => {
    const r = run(cols, query({ spec: { steps: steps(L, V, C), order: 'sequential' } }));
    expect(reached(r)).toEqual([4, 4, 3]);
  });
  it('strict: no other step event between two matched steps', () => {
    const r = run(cols, query({ spec: { steps: steps(L, V, C), order: 'strict' } }));
    expect(reached(r)).toEqual([4, 3, 2]);
  });
  it('any order: all steps within the window, in any order', () => {
    const r = run(cols, query({ spec: { steps: steps(L, V, C), order: 'any' } }));
    expect(reached(r)).toEqual([4, 4, 4]);
    // D: entry at the cart (t=0), all three done at t=2 min
    expect(r.steps[2]!.timeToConvert!.maxMs).toBe(4 * MIN);
  });
  it('strict re-entry reports the completing attempt (entry = the second landing)', () => {
    const only = columns(walk('C', T0, [[L, 0], [V, 1], [L, 2], [V, 3], [C, 4]]));
    const r = run(only, query({ spec: { steps: steps(L, V, C), order: 'strict' } }));
    expect(reached(r)).toEqual([1, 1, 1]);
    expect(r.steps[2]!.timeToConvert!.medianMs).toBe(2 * MIN);
  });
});

describe('windows', () => {
  const W = 10 * MIN;
  it('the funnel window is inclusive: a step exactly at entry + window counts, 1 ms later does not', () => {
    const cols = columns([
      { time: T0, type: L, session: 'in' },
      { time: T0 + W, type: V, session: 'in' },
      { time: T0, type: L, session: 'out' },
      { time: T0 + W + 1, type: V, session: 'out' },
    ]);
    expect(reached(run(cols, query({ spec: { steps: steps(L, V), windowMs: W } })))).toEqual([2, 1]);
  });
  it('per-step windows limit the time from the previous step (inclusive)', () => {
    const cols = columns([
      ...walk('ok', T0, [[L, 0], [V, 1], [C, 6]]),
      { time: T0, type: L, session: 'late' },
      { time: T0 + MIN, type: V, session: 'late' },
      { time: T0 + 6 * MIN + 1, type: C, session: 'late' },
    ]);
    const s = [{ eventType: L }, { eventType: V }, { eventType: C, windowMs: 5 * MIN }];
    expect(reached(run(cols, query({ spec: { steps: s, windowMs: 60 * MIN } })))).toEqual([2, 2, 1]);
  });
  it('a later entry is tried when the first attempt ran into the window', () => {
    const cols = columns(walk('s', T0, [[L, 0], [L, 15], [V, 20]]));
    const r = run(cols, query({ spec: { steps: steps(L, V), windowMs: W } }));
    expect(reached(r)).toEqual([1, 1]);
    expect(r.steps[1]!.timeFromPrevious!.medianMs).toBe(5 * MIN);
  });
  it('entries count in [start, end): an entry at end is out; later steps may fall after end', () => {
    const start = T0, end = T0 + 60 * MIN;
    const cols = columns([
      ...walk('at-start', start, [[L, 0], [V, 70]]), // converts after `end`, inside the window
      ...walk('at-end', end, [[L, 0], [V, 1]]),
      ...walk('before', start - 1, [[L, 0], [V, 1]]),
    ]);
    const r = run(cols, query({ start, end, spec: { steps: steps(L, V) } }));
    expect(reached(r)).toEqual([1, 1]);
  });
});

describe('sessions', () => {
  const GAP = 30 * MIN;
  const user = (u: string, at: number, type: string) => ({ time: at, type, user: u, device: 'desktop' });
  it('events with a user but no session id are split into sessions by a 30-minute inactivity gap', () => {
    const cols = columns([
      user('u1', T0, L), user('u1', T0 + 10 * MIN, V), user('u1', T0 + 45 * MIN, C), // gap 35 min: cart starts a new session
      user('u2', T0, L), user('u2', T0 + 30 * MIN, V), // exactly 30 min: same session
    ]);
    const r = run(cols, query({ spec: { steps: steps(L, V, C) }, sessionGapMs: GAP }));
    expect(reached(r)).toEqual([2, 2, 0]);
    expect(reached(run(cols, query({ spec: { steps: steps(L, V, C) }, sessionGapMs: 40 * MIN })))).toEqual([2, 2, 1]);
    expect(reached(run(cols, query({ spec: { steps: steps(L, V, C) }, sessionGapMs: 5 * MIN })))).toEqual([2, 0, 0]);
  });
  it('names derived sessions gap:<user>:<start> in the drill-down', () => {
    const cols = columns([user('u1', T0, L), user('u1', T0 + 45 * MIN, V)]);
    const q = query({ spec: { steps: steps(L, V) } });
    const su = new SessionUsers().update(cols);
    const comp = computeFunnel(cols, q, { sessionUsers: su });
    const page = drilldown({ cols, comp, sessionUsers: su, step: 1, offset: 0, limit: 10, watermark: { seq: 2, time: null, events: 2 } });
    expect(page.total).toBe(1);
    expect(page.rows[0]!.unit).toBe(`gap:u1:${T0}`);
    expect(page.rows[0]!.userId).toBe('u1');
  });
  it('a session crossing midnight (business timezone) belongs to the day of its entry', () => {
    const d1 = dayRange('2026-03-10', TZ), d2 = dayRange('2026-03-11', TZ);
    const cols = columns(walk('night', d2.start - 10 * MIN, STD.map((t, i) => [t, i * 4] as [string, number])));
    const day1 = run(cols, query({ start: d1.start, end: d1.end, trend: 'day' }));
    expect(reached(day1)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(day1.trend!.buckets.map((b) => [b.label, b.completed])).toEqual([['2026-03-10', 1]]);
    expect(reached(run(cols, query({ start: d2.start, end: d2.end })))).toEqual([0, 0, 0, 0, 0, 0]);
    const both = run(cols, query({ start: d1.start, end: d2.end, trend: 'day' }));
    expect(both.trend!.buckets.map((b) => [b.label, b.entered])).toEqual([['2026-03-10', 1], ['2026-03-11', 0]]);
    const hourly = run(cols, query({ start: d1.start, end: d2.end, trend: 'hour' }));
    expect(hourly.trend!.buckets).toHaveLength(48);
    expect(hourly.trend!.buckets.find((b) => b.entered === 1)!.label).toBe('2026-03-10 23:00');
  });
});

describe('counting by user', () => {
  it('stitches a session to the user it logs in as, and follows the user across sessions', () => {
    const cols = columns([
      { time: T0, type: L, session: 's1' }, // anonymous until the login
      { time: T0 + MIN, type: 'user.logged_in', session: 's1', user: 'u1' },
      { time: T0 + 2 * MIN, type: V, session: 's1', user: 'u1' },
      { time: T0 + 60 * MIN, type: L, session: 's2', user: 'u1' },
      { time: T0 + 61 * MIN, type: C, session: 's2', user: 'u1' },
      { time: T0, type: L, session: 's3' }, // never logs in
    ]);
    const r = run(cols, query({ unit: 'user', spec: { steps: steps(L, V, C) } }));
    expect(reached(r)).toEqual([1, 1, 1]);
    expect(r.excludedAnonymous).toBe(1);
    expect(reached(run(cols, query({ unit: 'session', spec: { steps: steps(L, V, C) } })))).toEqual([3, 1, 0]);
  });
});

describe('filters', () => {
  const cols = columns([
    ...walk('ios', T0, [[L, 0], [V, 1]], { device: 'ios' }),
    ...walk('web', T0, [[L, 0], [V, 1]], { device: 'mobile_web' }),
    ...walk('none', T0, [[L, 0], [V, 1]], { device: null }),
  ]);
  const withFilter = (op: 'eq' | 'neq' | 'in', values: string[]) =>
    reached(run(cols, query({ spec: { steps: [{ eventType: L }, { eventType: V, filters: [{ property: 'device', op, values }] }] } })));
  it('eq / in / neq on a property (neq keeps events without it)', () => {
    expect(withFilter('eq', ['ios'])).toEqual([3, 1]);
    expect(withFilter('in', ['ios', 'mobile_web'])).toEqual([3, 2]);
    expect(withFilter('neq', ['ios'])).toEqual([3, 2]);
    expect(withFilter('eq', ['never-seen'])).toEqual([3, 0]);
  });
});

describe('metrics', () => {
  it('entered / converted / dropped, conversions, nearest-rank percentiles and the histogram', () => {
    const rows: EventRow[] = [];
    for (let i = 1; i <= 10; i++) rows.push(...walk('s' + i, T0, [[L, 0], [V, i]])); // 1..10 minutes
    rows.push(...walk('x', T0, [[L, 0]]));
    const r = run(columns(rows), query({ spec: { steps: steps(L, V) } }));
    const [s1, s2] = r.steps;
    expect(s1).toMatchObject({ entered: 11, converted: 10, dropped: 1, conversionFromPrevious: null, conversionFromStart: 1 });
    expect(s2).toMatchObject({ entered: 10, converted: 10, dropped: 0, conversionFromStart: 10 / 11, conversionFromPrevious: 10 / 11 });
    expect(s2!.timeFromPrevious).toMatchObject({ count: 10, meanMs: 5.5 * MIN, medianMs: 5 * MIN, p90Ms: 9 * MIN, p95Ms: 10 * MIN, minMs: MIN, maxMs: 10 * MIN });
    const h = s2!.timeFromPrevious!.histogram;
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(10);
    expect(h.counts[h.edgesMs.indexOf(MIN)]).toBe(1); // [1 min, 2 min)
    expect(h.counts[h.edgesMs.indexOf(5 * MIN)]).toBe(5); // [5, 10) min
    expect(r).toMatchObject({ entered: 11, completed: 10, conversion: 10 / 11, percentileMethod: 'nearest-rank' });
  });

  it('top drop-off reasons: distinct error/failure codes after the last step reached, per dropped unit', () => {
    const cols = columns([
      ...walk('a', T0, [[L, 0], [V, 1], [C, 2], [K, 3]]),
      { time: T0 + 4 * MIN, type: 'error.occurred', session: 'a', code: 'SHIPPING_QUOTE_TIMEOUT' },
      { time: T0 + 5 * MIN, type: 'error.occurred', session: 'a', code: 'SHIPPING_QUOTE_TIMEOUT' },
      ...walk('b', T0, [[L, 0], [V, 1], [C, 2], [K, 3], [P, 4]]),
      { time: T0 + 5 * MIN, type: 'payment.failed', session: 'b', code: 'card_declined' },
      ...walk('c', T0, [[L, 0], [V, 1], [C, 2], [K, 3]]),
      { time: T0 + 4 * MIN, type: 'error.occurred', session: 'c', code: 'SHIPPING_QUOTE_TIMEOUT' },
      { time: T0 + 4 * MIN, type: 'payment.failed', session: 'c', code: 'card_declined' },
      ...walk('d', T0, [[L, 0], [V, 1], [C, 2], [K, 3], [P, 4], [O, 6]]),
      { time: T0 + 5 * MIN, type: 'payment.failed', session: 'd', code: 'card_declined' }, // converted: not a drop-off
    ]);
    const r = run(cols, query());
    expect(r.steps[3]!.topDropoffReasons).toEqual([{ code: 'SHIPPING_QUOTE_TIMEOUT', units: 2 }, { code: 'card_declined', units: 1 }]);
    expect(r.steps[4]!.topDropoffReasons).toEqual([{ code: 'card_declined', units: 1 }]);
    expect(r.steps[5]!.topDropoffReasons).toEqual([]);
  });
});

describe('breakdowns and trend', () => {
  const rows: EventRow[] = [];
  const devices = ['ios', 'ios', 'ios', 'android', 'android', 'desktop'];
  devices.forEach((d, i) => rows.push(...walk('s' + i, T0 + i * 60 * MIN, i % 2 ? [[L, 0], [V, 1]] : [[L, 0]], { device: d, source: i < 3 ? 'organic' : 'social' })));
  const cols = columns(rows);
  it('top N values per dimension, the rest as "other"', () => {
    const r = run(cols, query({ spec: { steps: steps(L, V) }, breakdown: ['device'], topN: 2 }));
    expect(r.breakdown!.values).toEqual({ device: ['ios', 'android'] });
    expect(r.breakdown!.rows.map((x) => [x.keys.device, x.entered, x.reached[1]])).toEqual([['ios', 3, 1], ['android', 2, 1], ['other', 1, 1]]);
  });
  it('two dimensions at once (device x source)', () => {
    const r = run(cols, query({ spec: { steps: steps(L, V) }, breakdown: ['device', 'source'] }));
    expect(r.breakdown!.rows.map((x) => [x.keys.device, x.keys.source, x.entered])).toEqual([
      ['ios', 'organic', 3], ['android', 'social', 2], ['desktop', 'social', 1],
    ]);
  });
  it('category: the first product viewed in the attempt; segment: unknown until RFM', () => {
    const c2 = columns([
      ...walk('a', T0, [[L, 0]], {}),
      { time: T0 + MIN, type: V, session: 'a', category: 'fashion' },
      { time: T0 + 2 * MIN, type: V, session: 'a', category: 'home' },
      ...walk('b', T0, [[L, 0]]),
    ]);
    const r = run(c2, query({ spec: { steps: steps(L, V) }, breakdown: ['category', 'segment'] }));
    expect(r.breakdown!.rows.map((x) => [x.keys.category, x.keys.segment, x.entered])).toEqual([['fashion', 'unknown', 1], ['unknown', 'unknown', 1]]);
  });
  it('hourly trend buckets in the business timezone', () => {
    const r = run(cols, query({ spec: { steps: steps(L, V) }, trend: 'hour', start: T0, end: T0 + 6 * 60 * MIN }));
    expect(r.trend!.buckets.map((b) => [b.label, b.entered, b.completed])).toEqual([
      ['2026-03-10 10:00', 1, 0], ['2026-03-10 11:00', 1, 1], ['2026-03-10 12:00', 1, 0],
      ['2026-03-10 13:00', 1, 1], ['2026-03-10 14:00', 1, 0], ['2026-03-10 15:00', 1, 1],
    ]);
  });
});

describe('validation', () => {
  it('refuses funnels with fewer than 2 or more than 10 steps', () => {
    const cols = columns(walk('s', T0, [[L, 0]]));
    expect(() => run(cols, query({ spec: { steps: steps(L) } }))).toThrow(/2\.\.10 steps/);
    expect(() => run(cols, query({ spec: { steps: steps(...new Array(11).fill(L)) } }))).toThrow(/2\.\.10 steps/);
  });
});
