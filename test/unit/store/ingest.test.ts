import { describe, it, expect, afterEach } from 'vitest';
import { createIngestor, prepareItems } from '../../../src/main/node/ingest/index.ts';
import type { HashFn } from '../../../src/main/node/ingest/hash.ts';
import { freshDb, makeEvents, count, dumpProjections } from './helpers.ts';
import { prng } from '../../../perf/gen-events.ts';

const opened: { close(): void }[] = [];
afterEach(() => {
  while (opened.length) opened.pop()!.close();
});
function db() {
  const o = freshDb();
  opened.push(o);
  return o;
}
const items = (evs: object[], from = 0) => evs.map((e, i) => ({ raw: JSON.stringify(e), location: `row ${from + i + 1}` }));

describe('ingestBatch', () => {
  it('stores raw events and flattened columns', () => {
    const { db: d } = db();
    const evs = makeEvents(500);
    const ing = createIngestor(d, { origin: 'file:a.ndjson' });
    const c = ing.ingestBatch(items(evs));
    expect(c).toMatchObject({ inserted: 500, duplicates: 0, quarantined: 0 });
    expect(count(d, 'events')).toBe(500);
    const placed = evs.find((e) => e.type === 'order.placed')!;
    const row = d.prepare('SELECT * FROM events WHERE id = ?').get(placed.id) as Record<string, unknown>;
    expect(row).toMatchObject({
      type: 'order.placed', source: '/services/order', time: Date.parse(placed.time), origin: 'file:a.ndjson',
      currency: 'VND', ref: (placed.data as { order_id: string }).order_id,
    });
    expect(JSON.parse(row.data as string)).toEqual(placed.data);
    // seq follows input order
    const ids = d.prepare('SELECT id FROM events ORDER BY seq').pluck().all();
    expect(ids).toEqual(evs.map((e) => e.id));
  });

  it('is idempotent: the same batch twice, and duplicates within a batch, store each event once', () => {
    const { db: d } = db();
    const evs = makeEvents(2000, 2);
    const ing = createIngestor(d, { origin: 'sync:test' });
    const first = ing.ingestBatch(items(evs));
    const projBefore = dumpProjections(d);
    expect(first.inserted).toBe(2000);
    const second = ing.ingestBatch(items(evs));
    expect(second).toMatchObject({ inserted: 0, duplicates: 2000 });
    const withDups = [...evs.slice(0, 10), ...evs.slice(0, 10), ...makeEvents(5, 99), ...makeEvents(5, 99)];
    const third = ing.ingestBatch(items(withDups));
    expect(third).toMatchObject({ inserted: 5, duplicates: 25 });
    expect(count(d, 'events')).toBe(2005);
    expect(d.prepare('SELECT count(DISTINCT id) FROM events').pluck().get()).toBe(2005);
    const projAfter = dumpProjections(d);
    for (const t of Object.keys(projBefore)) expect(projAfter[t]!.length).toBeGreaterThanOrEqual(projBefore[t]!.length);
    // replaying again changes nothing in any projection
    ing.ingestBatch(items(withDups));
    ing.ingestBatch(items(evs.slice(500, 1500)));
    expect(dumpProjections(d)).toEqual(projAfter);
  });

  it('projections are order-independent: shuffled input gives identical tables', () => {
    const evs = makeEvents(3000, 3);
    const a = db().db;
    createIngestor(a, { origin: 'x' }).ingestBatch(items(evs));
    const rand = prng(7);
    const shuffled = [...evs];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const b = db().db;
    const ingB = createIngestor(b, { origin: 'x' });
    for (let i = 0; i < shuffled.length; i += 137) ingB.ingestBatch(items(shuffled.slice(i, i + 137)));
    expect(dumpProjections(b)).toEqual(dumpProjections(a));
    expect(count(a, 'orders')).toBeGreaterThan(50);
    expect(count(a, 'tax_lines')).toBeGreaterThan(10);
  });

  it('orders merge placed, completed and cancelled in any order', () => {
    const base = { specversion: '1.0', source: '/services/order' } as const;
    const money = (amount: string) => ({ amount, currency: 'VND' });
    const placed = { ...base, id: 'e1', type: 'order.placed', time: '2026-01-01T01:00:00Z', data: { order_id: 'o1', user_id: 'u1', seller_id: 's1', session_id: 'sess', total: money('100000'), items: [{ product_id: 'p', category: 'c', quantity: 1, unit_price: money('100000') }] } };
    const completed = { ...base, id: 'e2', type: 'order.completed', time: '2026-01-02T01:00:00Z', data: { order_id: 'o1', user_id: 'u1', seller_id: 's1', subtotal: money('100000'), tax_total: money('10000'), total: money('110000'), lines: [{ line_id: 'l1', product_id: 'p', name: 'P', category: 'c', quantity: 1, unit_price: money('100000'), subtotal: money('100000') }], tax_lines: [{ jurisdiction: 'VN', country: 'VN', tax_code: 'VAT', tax_rate: '0.10', taxable_amount: money('100000'), tax_amount: money('10000') }] } };
    const cancelled = { ...base, id: 'e3', type: 'order.cancelled', time: '2026-01-01T02:00:00Z', data: { order_id: 'o1', user_id: 'u9', reason: 'changed mind' } };
    const perms = [[placed, completed, cancelled], [cancelled, completed, placed], [completed, cancelled, placed], [cancelled, placed, completed]];
    const results = perms.map((p) => {
      const d = db().db;
      const ing = createIngestor(d, { origin: 'x' });
      for (const e of p) ing.ingestBatch(items([e]));
      return dumpProjections(d);
    });
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]!.orders![0]).toMatchObject({ order_id: 'o1', user_id: 'u1', session_id: 'sess', total: 100000, invoice_total: 110000, tax_total: 10000, cancel_reason: 'changed mind', status: 'completed' });
    expect(results[0]!.tax_lines![0]).toMatchObject({ jurisdiction: 'VN', tax_rate: '0.10', taxable_amount: 100000, tax_amount: 10000 });
    // the same events in one batch (one multi-row statement per projection) merge the same way
    for (const p of perms) {
      const d = db().db;
      createIngestor(d, { origin: 'x' }).ingestBatch(items(p));
      expect(dumpProjections(d)).toEqual(results[0]);
    }
  });

  it('several versions of one key inside one batch: the latest wins, in any order', () => {
    const base = { specversion: '1.0', source: '/services/order', type: 'order.placed' } as const;
    const money = (amount: string) => ({ amount, currency: 'VND' });
    const placed = (id: string, hour: number, total: string) => ({
      ...base, id, time: `2026-01-01T${String(hour).padStart(2, '0')}:00:00Z`,
      data: { order_id: 'o1', user_id: 'u1', seller_id: 's1', total: money(total), items: [{ product_id: `p${hour}`, category: 'c', quantity: 1, unit_price: money(total) }] },
    });
    const evs = [placed('a', 3, '300000'), placed('b', 9, '900000'), placed('c', 5, '500000'), placed('d', 1, '100000')];
    const orders = [evs, [...evs].reverse(), [evs[1]!, evs[3]!, evs[0]!, evs[2]!]].map((p) => {
      const d = db().db;
      createIngestor(d, { origin: 'x' }).ingestBatch(items(p));
      return dumpProjections(d);
    });
    for (const r of orders) expect(r).toEqual(orders[0]);
    expect(orders[0]!.orders![0]).toMatchObject({ order_id: 'o1', total: 900000, placed_at: Date.parse('2026-01-01T09:00:00Z') });
    expect(orders[0]!.order_items![0]).toMatchObject({ order_id: 'o1', item_no: 1, product_id: 'p9' });
  });

  it('stores absent values as SQL NULL', () => {
    const { db: d } = db();
    const view = { specversion: '1.0', id: 'v1', type: 'page.landing_viewed', source: '/services/storefront', time: '2026-01-01T00:00:00Z', data: { session_id: 's1', url: '/' } };
    const failed = {
      specversion: '1.0', id: 'f1', type: 'payment.failed', source: '/services/payment', time: '2026-01-01T00:00:00Z',
      data: { payment_id: 'pay1', gateway: 'g', amount: { amount: '1000', currency: 'VND' }, failure_code: 'declined' },
    };
    createIngestor(d, { origin: 'x' }).ingestBatch(items([view, failed]));
    const types = d.prepare(`SELECT typeof(subject), typeof(user_id), typeof(s_device), typeof(s_traffic_source), typeof(s_category),
      typeof(amount), typeof(s_currency), typeof(s_code), typeof(s_experiment_id), typeof(s_variant), typeof(ref) FROM event_log WHERE id = 'v1'`).raw().get();
    expect(types).toEqual(Array(11).fill('null'));
    const pay = d.prepare('SELECT typeof(order_id), typeof(user_id), typeof(method), typeof(failure_message), amount FROM payments').raw().get();
    expect(pay).toEqual(['null', 'null', 'null', 'null', 1000]);
  });

  it('quarantines invalid items with field, reason, location and the raw text; valid ones are kept', () => {
    const { db: d } = db();
    const evs = makeEvents(20, 4);
    const bad1 = '{"specversion":"1.0","id":"b1","type":"order.placed","source":"/services/order","time":"2026-01-01T00:00:00Z","data":{"order_id":"o","user_id":"u","seller_id":"s","total":{"amount":"1.5","currency":"VND"},"items":[]}}';
    const bad2 = '{not json';
    const input = [...items(evs.slice(0, 10)), { raw: bad1, location: 'row 11' }, { raw: bad2, location: 'row 12' }, ...items(evs.slice(10), 12)];
    const c = createIngestor(d, { origin: 'file:f.ndjson' }).ingestBatch(input);
    expect(c).toMatchObject({ inserted: 20, quarantined: 2 });
    const q = d.prepare('SELECT origin, location, event_id, event_type, field, reason, raw FROM quarantine ORDER BY id').all();
    expect(q).toEqual([
      { origin: 'file:f.ndjson', location: 'row 11', event_id: 'b1', event_type: 'order.placed', field: 'data.total.amount', reason: expect.stringMatching(/decimal place/), raw: bad1 },
      { origin: 'file:f.ndjson', location: 'row 12', event_id: null, event_type: null, field: '', reason: expect.stringMatching(/not valid JSON/), raw: bad2 },
    ]);
    expect(count(d, 'events')).toBe(20);
  });
});

describe('dedup key collisions', () => {
  // a tiny hash: 16 slots for attempt 0, so different ids collide all the time
  const tiny: HashFn = (id, attempt) => {
    let h = attempt * 7919;
    for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 16;
    return h + attempt * 16;
  };

  it('never merges different ids and never stores a duplicate twice', () => {
    const { db: d } = db();
    const evs = makeEvents(60, 5);
    const ing = createIngestor(d, { origin: 'x', hash: tiny });
    const c1 = ing.ingestBatch(items(evs.slice(0, 40)));
    expect(c1).toMatchObject({ inserted: 40, duplicates: 0 });
    const c2 = ing.ingestBatch(items([...evs.slice(20, 60), ...evs.slice(30, 35)]));
    expect(c2).toMatchObject({ inserted: 20, duplicates: 25 });
    const c3 = ing.ingestBatch(items(evs));
    expect(c3).toMatchObject({ inserted: 0, duplicates: 60 });
    expect(count(d, 'events')).toBe(60);
    expect(d.prepare('SELECT id FROM events ORDER BY id').pluck().all()).toEqual(evs.map((e) => e.id).sort());
    const hashes = d.prepare('SELECT id_hash FROM events').pluck().all() as number[];
    expect(new Set(hashes).size).toBe(60);
    expect(Math.max(...hashes)).toBeGreaterThan(15); // probing happened
  });

  it('resolves a collision inside one batch', () => {
    const { db: d } = db();
    const ing = createIngestor(d, { origin: 'x', hash: () => 42 });
    const evs = makeEvents(3, 6);
    // every id hashes to 42 at attempt 0: the first takes the slot, the others probe
    const allSame: HashFn = (id, attempt) => (attempt === 0 ? 42 : 1000 + attempt);
    const ing2 = createIngestor(d, { origin: 'x', hash: allSame });
    expect(ing2.ingestBatch(items([evs[0]!, evs[1]!, evs[0]!, evs[2]!]))).toMatchObject({ inserted: 3, duplicates: 1 });
    expect(ing2.ingestBatch(items(evs))).toMatchObject({ inserted: 0, duplicates: 3 });
    expect(ing.ingestBatch(items([evs[0]!]))).toMatchObject({ inserted: 0, duplicates: 1 });
    expect(count(d, 'events')).toBe(3);
  });

  it('prepared batches carry the attempt-0 hash', () => {
    const b = prepareItems(items(makeEvents(3, 8)), (id, a) => id.length * 10 + a);
    expect(b.rows[0]).toBe(360);
  });
});
