import { describe, it, expect, beforeAll } from 'vitest';
import { MarketSim, generateEventDays, isoTime } from '../../../src/platform-sim/generator.ts';
import { validateEvent, EVENT_TYPE_NAMES, sourceFor, type CloudEvent, type EventType } from '../../../src/contract/events.ts';
import { parseMinor } from '../../../src/analytics/money.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';
import { EXPERIMENTS, assignVariant } from '../../../src/platform-sim/catalog.ts';
import { hashString } from '../../../src/platform-sim/rng.ts';
import { SMALL, SCHEMA_BASE, TZ, hashEvents, loadSchemas } from './helpers.ts';

const SESSION_TYPES = new Set<string>([
  'page.landing_viewed', 'product.viewed', 'product.added_to_cart', 'checkout.started', 'checkout.payment_initiated', 'checkout.abandoned',
  'search.query', 'search.result_clicked', 'user.logged_in', 'experiment.exposure_recorded', 'error.occurred',
]);

let sim: MarketSim;
let events: CloudEvent[];

beforeAll(() => {
  sim = new MarketSim(SMALL);
  events = [...sim.events()];
});

const m = (x: unknown) => {
  const v = x as { amount: string; currency: string };
  return parseMinor(v.amount, v.currency);
};

describe('determinism', () => {
  it('same parameters give identical events; another seed gives different ones', () => {
    const again = [...new MarketSim(SMALL).events()];
    expect(again.length).toBe(events.length);
    expect(hashEvents(again)).toBe(hashEvents(events));
    const other = [...new MarketSim({ ...SMALL, seed: SMALL.seed + 1 }).events()];
    expect(hashEvents(other)).not.toBe(hashEvents(events));
  });

  it('days can be generated in any order and give the same bytes', () => {
    const fresh = new MarketSim(SMALL);
    const last = fresh.generateDay(SMALL.days - 1);
    const mid = fresh.generateDay(5);
    const byDay = [...generateEventDays(SMALL)];
    expect(hashEvents(last)).toBe(hashEvents(byDay[SMALL.days - 1]!.events));
    expect(hashEvents(mid)).toBe(hashEvents(byDay[5]!.events));
    // the serialized form is the same JSON
    const blob = fresh.dayBlob(5);
    expect(JSON.parse('[' + blob.buf.toString('utf8') + ']')).toEqual(JSON.parse(JSON.stringify(mid)));
    expect(blob.count).toBe(mid.length);
  });

  it('isoTime equals Date#toISOString', () => {
    for (const t of [0, 1751241600000, 1751241599999, 1751328000123, Date.UTC(2024, 1, 29, 23, 59, 59, 999)]) {
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
  });
});

describe('contract', () => {
  it('every event passes validateEvent', () => {
    const failures = events.map((e) => ({ e, v: validateEvent(e) })).filter((x) => !x.v.ok).slice(0, 3);
    expect(failures).toEqual([]);
  });

  it('every event validates against its JSON Schema and the any-event schema', () => {
    const { ajv } = loadSchemas();
    const byType = new Map(EVENT_TYPE_NAMES.map((t) => [t, ajv.getSchema(`${SCHEMA_BASE}${t}.json`)!]));
    const any = ajv.getSchema(`${SCHEMA_BASE}event.json`)!;
    const bad: unknown[] = [];
    for (const e of events) {
      const v = byType.get(e.type as EventType)!;
      if (!v(e)) bad.push({ id: e.id, errors: v.errors });
      if (!any(e)) bad.push({ id: e.id, any: any.errors });
      if (bad.length > 3) break;
    }
    expect(bad).toEqual([]);
  });

  it('covers every event type, with ids unique and envelope sources per service', () => {
    const types = new Set(events.map((e) => e.type));
    for (const t of EVENT_TYPE_NAMES) expect(types.has(t), t).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const e of events) {
      if (e.type === 'error.occurred') expect(e.source).toBe(`/services/${(e.data as any).service}`);
      else expect(e.source).toBe(sourceFor(e.type as EventType));
    }
  });

  it('session events carry session_id, device and traffic_source', () => {
    for (const e of events) {
      if (!SESSION_TYPES.has(e.type)) continue;
      const d = e.data as Record<string, unknown>;
      expect(typeof d.session_id).toBe('string');
      expect(['desktop', 'mobile_web', 'ios', 'android']).toContain(d.device);
      expect(['direct', 'organic', 'paid_search', 'social', 'email', 'referral']).toContain(d.traffic_source);
    }
  });
});

describe('time', () => {
  it('events are in time order and inside [start of first day, end of last day)', () => {
    const start = dayRange(sim.params.startDate, TZ).start;
    const end = dayRange(sim.params.endDate, TZ).end;
    let prev = start;
    for (const e of events) {
      const t = Date.parse(e.time);
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
    expect(prev).toBeLessThan(end);
  });

  it('on the end date nothing is later than the wall clock', () => {
    const now = dayRange(SMALL.endDate, TZ).start + 13.5 * 3_600_000;
    const cut = new MarketSim({ ...SMALL, now });
    const last = cut.generateDay(SMALL.days - 1);
    expect(last.length).toBeGreaterThan(0);
    expect(Math.max(...last.map((e) => Date.parse(e.time)))).toBeLessThanOrEqual(now);
    // the cut day is a prefix of the full day (cursors into it stay valid as time passes)
    const full = sim.generateDay(SMALL.days - 1);
    expect(last.map((e) => e.id)).toEqual(full.slice(0, last.length).map((e) => e.id));
    expect(cut.isFullDay(SMALL.days - 1)).toBe(false);
  });
});

describe('money', () => {
  it('order.completed: lines sum to subtotal, tax lines to tax_total, subtotal + tax = total', () => {
    let n = 0, multiTax = 0;
    for (const e of events) {
      if (e.type !== 'order.completed') continue;
      n++;
      const d = e.data as any;
      const cur = d.total.currency;
      let lines = 0;
      for (const l of d.lines) {
        expect(l.subtotal.currency).toBe(cur);
        expect(m(l.subtotal)).toBe(m(l.unit_price) * l.quantity);
        lines += m(l.subtotal);
      }
      expect(lines).toBe(m(d.subtotal));
      const tax = d.tax_lines.reduce((s: number, t: any) => s + m(t.tax_amount), 0);
      expect(tax).toBe(m(d.tax_total));
      expect(m(d.subtotal) + m(d.tax_total)).toBe(m(d.total));
      for (const t of d.tax_lines) expect(m(t.taxable_amount)).toBeLessThanOrEqual(m(d.subtotal));
      if (d.tax_lines.length > 1) multiTax++;
    }
    expect(n).toBeGreaterThan(50);
    expect(multiTax).toBeGreaterThan(0);
  });

  it('order.placed total = payment.captured amount = order.completed total, and items add up', () => {
    const placed = new Map<string, any>();
    for (const e of events) if (e.type === 'order.placed') placed.set((e.data as any).order_id, e.data);
    let captured = 0;
    for (const e of events) {
      const d = e.data as any;
      if (e.type === 'payment.captured') {
        captured++;
        expect(d.amount).toEqual(placed.get(d.order_id).total);
      }
      if (e.type === 'order.completed') {
        const p = placed.get(d.order_id);
        expect(d.total).toEqual(p.total);
        const items = p.items.reduce((s: number, it: any) => s + m(it.unit_price) * it.quantity, 0);
        expect(items).toBe(m(d.subtotal));
      }
    }
    expect(captured).toBe(placed.size);
  });

  it('amounts are decimal strings with the currency exponent; VND prices are realistic; USD is a minority', () => {
    let usd = 0, orders = 0;
    for (const e of events) {
      const d = e.data as any;
      if (e.type === 'product.viewed' && d.price.currency === 'VND') {
        expect(m(d.price)).toBeGreaterThanOrEqual(50_000);
        expect(m(d.price)).toBeLessThanOrEqual(5_000_000);
        expect(d.price.amount).toMatch(/^\d+$/);
      }
      if (e.type === 'order.placed') {
        orders++;
        if (d.total.currency === 'USD') {
          usd++;
          expect(d.total.amount).toMatch(/^\d+\.\d{2}$/);
        }
      }
    }
    expect(usd / orders).toBeGreaterThan(0.02);
    expect(usd / orders).toBeLessThan(0.2);
  });

  it('refunds never exceed the order total; cancellations are refunded in full', () => {
    const totals = new Map<string, number>();
    const cancelled = new Set<string>();
    for (const e of events) {
      const d = e.data as any;
      if (e.type === 'order.placed') totals.set(d.order_id, m(d.total));
      if (e.type === 'order.cancelled') cancelled.add(d.order_id);
      if (e.type === 'payment.refunded') {
        expect(m(d.amount)).toBeLessThanOrEqual(totals.get(d.order_id)!);
        if (d.reason === 'order_cancelled') expect(m(d.amount)).toBe(totals.get(d.order_id));
      }
    }
    expect(cancelled.size).toBeGreaterThan(0);
  });
});

describe('behaviour', () => {
  it('registrations: one per user, carrying device, traffic source and country', () => {
    const reg = events.filter((e) => e.type === 'user.registered');
    expect(reg.length).toBe(SMALL.users);
    expect(new Set(reg.map((e) => (e.data as any).user_id)).size).toBe(SMALL.users);
    for (const e of reg) expect(Object.keys(e.data)).toEqual(expect.arrayContaining(['device', 'traffic_source', 'country']));
  });

  it('funnel: conversion differs by device and traffic source; some users buy repeatedly', () => {
    const sessions = new Map<string, { device: string; src: string; order: boolean }>();
    const buyers = new Map<string, number>();
    for (const e of events) {
      const d = e.data as any;
      if (e.type === 'page.landing_viewed') sessions.set(d.session_id, { device: d.device, src: d.traffic_source, order: false });
      if (e.type === 'order.placed') {
        sessions.get(d.session_id)!.order = true;
        buyers.set(d.user_id, (buyers.get(d.user_id) ?? 0) + 1);
      }
    }
    const rate = (f: (s: { device: string; src: string }) => boolean) => {
      const xs = [...sessions.values()].filter(f);
      return xs.filter((s) => s.order).length / xs.length;
    };
    expect(rate((s) => s.device === 'desktop')).toBeGreaterThan(rate((s) => s.device === 'mobile_web') * 1.5);
    expect(rate((s) => s.src === 'email')).toBeGreaterThan(rate((s) => s.src === 'social') * 1.5);
    expect([...buyers.values()].filter((n) => n > 1).length).toBeGreaterThan(5);
  });

  it('searches include zero-result queries and clicks; payments fail with realistic codes; checkout errors occur', () => {
    const zero = events.filter((e) => e.type === 'search.query' && (e.data as any).result_count === 0).length;
    const searches = events.filter((e) => e.type === 'search.query').length;
    expect(zero / searches).toBeGreaterThan(0.02);
    expect(zero / searches).toBeLessThan(0.2);
    expect(events.some((e) => e.type === 'search.result_clicked')).toBe(true);
    const codes = new Set(events.filter((e) => e.type === 'payment.failed').map((e) => (e.data as any).failure_code));
    expect(codes.size).toBeGreaterThanOrEqual(3);
    const initiated = events.filter((e) => e.type === 'checkout.payment_initiated').length;
    const failed = events.filter((e) => e.type === 'payment.failed').length;
    expect(failed / initiated).toBeGreaterThan(0.02);
    expect(failed / initiated).toBeLessThan(0.2);
    expect(events.some((e) => e.type === 'error.occurred' && (e.data as any).step)).toBe(true);
  });

  it('experiment exposures use sticky hashed assignment', () => {
    const seen = new Map<string, string>();
    let n = 0;
    for (const e of events) {
      if (e.type !== 'experiment.exposure_recorded') continue;
      n++;
      const d = e.data as any;
      const key = `${d.experiment_id}:${d.user_id}`;
      if (seen.has(key)) expect(seen.get(key)).toBe(d.variant);
      seen.set(key, d.variant);
      const def = EXPERIMENTS.find((x) => x.id === d.experiment_id)!;
      expect(d.variant).toBe(assignVariant(def, d.user_id, hashString));
    }
    expect(n).toBeGreaterThan(100);
    expect(new Set([...seen.keys()].map((k) => k.split(':')[0])).size).toBe(3);
  });

  it('default parameters are sized for roughly 1-3 million events', () => {
    const big = new MarketSim({ seed: 42, days: 120, users: 20000, endDate: '2025-06-30' });
    // total_estimate extrapolates from generated days; generate two days to calibrate it
    big.generateDay(60);
    big.generateDay(100);
    const est = big.totalEstimate();
    expect(est).toBeGreaterThan(1_000_000);
    expect(est).toBeLessThan(3_000_000);
  });
});
