import { describe, expect, it } from 'vitest';
import { validateEvent, EVENT_TYPE_NAMES } from '../../../src/contract/events.ts';

const base = { specversion: '1.0', id: 'evt-1', source: '/services/order', time: '2026-11-24T08:15:00+07:00' };
const money = (amount: string, currency = 'VND') => ({ amount, currency });

const placed = {
  ...base,
  type: 'order.placed',
  data: {
    order_id: 'o1', user_id: 'u1', seller_id: 's1', session_id: 'sess1', device: 'ios', traffic_source: 'organic',
    total: money('250000'), items: [{ product_id: 'p1', category: 'fashion', quantity: 2, unit_price: money('125000') }],
  },
};

describe('validateEvent', () => {
  it('normalizes a valid event into columns', () => {
    const r = validateEvent(placed);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      id: 'evt-1', type: 'order.placed', time: Date.UTC(2026, 10, 24, 1, 15), sessionId: 'sess1', userId: 'u1', device: 'ios',
      trafficSource: 'organic', category: 'fashion', amount: 250000, currency: 'VND', ref: 'o1',
    });
  });
  it('names the field for each kind of bad input', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ ...placed, type: 'order.teleported' }, 'type', /unknown event type/],
      [{ ...placed, specversion: '0.3' }, 'specversion', /1\.0/],
      [{ ...placed, id: '' }, 'id', /non-empty/],
      [{ ...placed, time: '24/11/2026' }, 'time', /RFC 3339/],
      [{ ...placed, data: { ...placed.data, total: money('12.345', 'USD') } }, 'data.total.amount', /more than 2 decimal/],
      [{ ...placed, data: { ...placed.data, total: money('100', 'ABC') } }, 'data.total.currency', /unknown currency/],
      [{ ...placed, data: { ...placed.data, total: { amount: 100, currency: 'VND' } } }, 'data.total.amount', /decimal string/],
      [{ ...placed, data: { ...placed.data, order_id: undefined } }, 'data.order_id', /required/],
      [{ ...placed, data: { ...placed.data, items: [] } }, 'data.items', /at least 1/],
      [{ ...placed, data: { ...placed.data, items: [{ ...placed.data.items[0], quantity: 0 }] } }, 'data.items[0].quantity', />= 1/],
      [{ ...placed, data: { ...placed.data, items: [{ ...placed.data.items[0], unit_price: money('5', 'USD') }] } }, 'data', /mixes currencies/],
      ['not an object', '', /not a JSON object/],
    ];
    for (const [input, field, reason] of cases) {
      const r = validateEvent(input);
      expect(r.ok, JSON.stringify(input).slice(0, 80)).toBe(false);
      if (r.ok) continue;
      expect(r.error.field).toBe(field);
      expect(r.error.reason).toMatch(reason);
    }
  });
  it('knows every event type the spec lists', () => {
    for (const t of ['order.placed', 'order.completed', 'order.cancelled', 'payment.captured', 'payment.refunded', 'payment.failed', 'checkout.started', 'checkout.abandoned', 'product.viewed', 'product.added_to_cart', 'search.query', 'search.result_clicked', 'user.registered', 'user.logged_in', 'experiment.exposure_recorded']) {
      expect(EVENT_TYPE_NAMES).toContain(t);
    }
  });
  it('projects failure codes and experiment assignments', () => {
    const f = validateEvent({ ...base, type: 'payment.failed', data: { payment_id: 'p1', gateway: 'vnpay', amount: money('100000'), failure_code: 'card_declined' } });
    expect(f.ok && f.event.code).toBe('card_declined');
    const x = validateEvent({ ...base, type: 'experiment.exposure_recorded', data: { user_id: 'u1', experiment_id: 'exp-cta', variant: 'B' } });
    expect(x.ok && [x.event.experimentId, x.event.variant]).toEqual(['exp-cta', 'B']);
  });
});
