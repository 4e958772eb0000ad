import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import { MarketSim } from '../../../src/platform-sim/generator.ts';
import { encodeCursor } from '../../../src/platform-sim/feed.ts';
import { validateEvent } from '../../../src/contract/events.ts';
import { addDays, dayKey, dayRange } from '../../../src/analytics/calendar.ts';
import { SMALL, SCHEMA_BASE, TZ, loadSchemas, reconcile } from '../../unit/platform-sim/helpers.ts';

let p: RunningPlatform;
let expectedIds: string[];

async function get(path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? p.token}`);
  const res = await fetch(p.url + path, { ...init, headers });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV
  }
  return { status: res.status, body, text, headers: res.headers };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}, method = 'POST') {
  return get(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

async function pullAll(base: string, limit: number, token: string, cursor = ''): Promise<{ ids: string[]; pages: number; cursors: string[]; last: any }> {
  const ids: string[] = [];
  const cursors: string[] = [];
  let pages = 0;
  let last: any;
  for (;;) {
    const res = await fetch(`${base}/v1/events?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    last = await res.json();
    for (const e of last.events) ids.push(e.id);
    pages++;
    cursor = last.next_cursor;
    cursors.push(cursor);
    if (!last.has_more) break;
  }
  return { ids, pages, cursors, last };
}

beforeAll(async () => {
  p = await startPlatform({ ...SMALL, port: 0 });
  const sim = new MarketSim(SMALL);
  expectedIds = [];
  for (let i = 0; i < SMALL.days; i++) for (const e of sim.generateDay(i)) expectedIds.push(e.id);
});

afterAll(async () => {
  await p?.close();
});

describe('auth and errors', () => {
  it('health is open; everything else needs the bearer token', async () => {
    const h = await get('/v1/health', { token: null });
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ ok: true, seed: SMALL.seed, days: SMALL.days, users: SMALL.users, endDate: SMALL.endDate });
    for (const path of ['/v1/events', '/v1/settlements?gateway=vnpay&date=2025-06-29', '/v1/ledger/captures?date=2025-06-29', '/v1/demo/injections', '/v1/experiments']) {
      const r = await get(path, { token: null });
      expect(r.status, path).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
      expect((await get(path, { token: 'wrong' })).status).toBe(401);
    }
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(h.body.engine).toBe('worker');
  });

  it('404 for unknown routes, 405 for wrong methods, 400 for bad parameters', async () => {
    const r404 = await get('/v1/nope');
    expect(r404.status).toBe(404);
    expect(r404.body.error).toMatchObject({ code: 'not_found' });
    const r405 = await get('/v1/events', { method: 'DELETE' });
    expect(r405.status).toBe(405);
    expect(r405.headers.get('allow')).toBe('GET');
    for (const q of ['limit=0', 'limit=10001', 'limit=abc', 'cursor=%%%', 'cursor=abc']) {
      const r = await get(`/v1/events?${q}`);
      expect(r.status, q).toBe(400);
      expect(typeof r.body.error.message).toBe('string');
    }
    const other = encodeCursor('zzzzzzz', { kind: 'h', day: 0, offset: 0 });
    expect((await get(`/v1/events?cursor=${other}`)).status).toBe(409);
    expect((await get('/v1/settlements?gateway=visa&date=2025-06-29')).status).toBe(400);
    expect((await get('/v1/settlements?gateway=vnpay&date=2025-06-31')).status).toBe(400);
    expect((await get('/v1/settlements?gateway=vnpay')).status).toBe(400);
    expect((await get('/v1/settlements?gateway=vnpay&date=2025-06-29&format=xml')).status).toBe(400);
    expect((await get('/v1/settlements?gateway=vnpay&date=2024-01-01')).status).toBe(404);
    expect((await get('/v1/ledger/captures')).status).toBe(400);
    expect((await get('/v1/payouts/statements?week=2025-27')).status).toBe(400);
    expect((await get('/v1/payouts/statements?week=2020-W01')).status).toBe(404);
    expect((await post('/v1/demo/live', { on: 'yes' })).status).toBe(400);
    const bad = await get('/v1/demo/live', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
  });
});

describe('GET /v1/events', () => {
  it('pages cover every event exactly once in stable order, whatever the limit', async () => {
    const a = await pullAll(p.url, 1000, p.token);
    expect(a.ids).toEqual(expectedIds);
    const b = await pullAll(p.url, 333, p.token);
    expect(b.ids).toEqual(expectedIds);
    const c = await pullAll(p.url, 10000, p.token);
    expect(c.ids).toEqual(expectedIds);
    expect(c.last.total_estimate).toBe(expectedIds.length);
    expect(new Set(a.ids).size).toBe(a.ids.length);
  });

  it('pages validate against events-page.json', async () => {
    const { ajv } = loadSchemas();
    const v = ajv.getSchema(`${SCHEMA_BASE}events-page.json`)!;
    const r = await get('/v1/events?limit=2500');
    expect(v(r.body), JSON.stringify(v.errors)).toBe(true);
    expect(r.body.events.length).toBe(2500);
    expect(r.body.has_more).toBe(true);
    for (const e of r.body.events) expect(validateEvent(e).ok).toBe(true);
  });

  it('resumes from any returned cursor, also after a restart with the same parameters', async () => {
    const first = await pullAll(p.url, 700, p.token);
    const mid = first.cursors[4]!;
    const resumed = await pullAll(p.url, 700, p.token, mid);
    expect(resumed.ids).toEqual(first.ids.slice(5 * 700));

    const q = await startPlatform({ ...SMALL, port: 0, token: 'other' });
    try {
      const again = await pullAll(q.url, 700, 'other', mid);
      expect(again.ids).toEqual(resumed.ids);
      // the end cursor of the first run: nothing new
      const end = await fetch(`${q.url}/v1/events?cursor=${first.cursors.at(-1)}`, { headers: { authorization: 'Bearer other' } });
      const body = await end.json();
      expect(body.events).toEqual([]);
      expect(body.has_more).toBe(false);
    } finally {
      await q.close();
    }
  });

  it('an empty page at the end keeps a cursor to poll with', async () => {
    const all = await pullAll(p.url, 10000, p.token);
    const r = await get(`/v1/events?cursor=${all.cursors.at(-1)}`);
    expect(r.body).toMatchObject({ events: [], has_more: false });
    expect(typeof r.body.next_cursor).toBe('string');
  });
});

describe('finance endpoints', () => {
  // the end date is in the past, so it is the last complete day
  const lastFull = SMALL.endDate;

  it('ledger captures equal payment.captured events of the day except ledger injections', async () => {
    const inj = (await get('/v1/demo/injections')).body;
    const sim = new MarketSim(SMALL);
    for (const date of [SMALL.endDate, addDays(SMALL.endDate, -1), addDays(SMALL.endDate, -5)]) {
      const r = await get(`/v1/ledger/captures?date=${date}`);
      expect(r.status).toBe(200);
      const { start, end } = dayRange(date, TZ);
      const fromEvents = [...sim.events()].filter((e) => e.type === 'payment.captured' && Date.parse(e.time) >= start && Date.parse(e.time) < end);
      const missing = inj.ledger.filter((x: any) => x.date === date && x.kind === 'missing_in_ledger').length;
      expect(r.body.captures.length).toBe(fromEvents.length - missing);
    }
  });

  it('settlement reports reconcile to exactly the injected discrepancies (JSON and CSV)', async () => {
    const inj = (await get('/v1/demo/injections')).body;
    expect(inj.params).toMatchObject({ seed: SMALL.seed, end_date: SMALL.endDate });
    const prev = addDays(lastFull, -1);
    const prevEnd = dayRange(prev, TZ).end;
    const dayEnd = dayRange(lastFull, TZ).end;
    const ledgerPrev = (await get(`/v1/ledger/captures?date=${prev}`)).body.captures;
    const ledger = (await get(`/v1/ledger/captures?date=${lastFull}`)).body.captures;
    let discrepancies = 0;
    for (const g of ['vnpay', 'momo', 'stripe', 'adyen', 'paypal']) {
      const r = await get(`/v1/settlements?gateway=${g}&date=${lastFull}`);
      expect(r.status).toBe(200);
      const expected = [
        ...ledgerPrev.filter((c: any) => c.gateway === g && Date.parse(c.captured_at) >= prevEnd - 1_800_000),
        ...ledger.filter((c: any) => c.gateway === g && Date.parse(c.captured_at) < dayEnd - 1_800_000),
      ];
      const found = reconcile(r.body.records, expected);
      const injected = inj.settlements.filter((s: any) => s.date === lastFull && s.gateway === g)
        .map((s: any) => `${s.kind}|${s.kind === 'gateway_only' || s.kind === 'fee_row' ? s.gateway_txn_id : s.payment_id}`).sort();
      expect(found, g).toEqual(injected);
      discrepancies += found.length;
      const csv = await get(`/v1/settlements?gateway=${g}&date=${lastFull}&format=csv`);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = csv.text.trimEnd().split('\r\n');
      expect(lines[0]).toBe('gateway,gateway_txn_id,payment_id,order_id,record_type,amount,currency,fee,net,settled_at');
      expect(lines.length).toBe(r.body.records.length + 1);
    }
    // the last complete day always carries an amount mismatch, an internal-only and a duplicate
    expect(discrepancies).toBeGreaterThanOrEqual(3);
  });

  it('payout statements agree with the injections', async () => {
    const inj = (await get('/v1/demo/injections')).body;
    const sim = new MarketSim(SMALL);
    const weeks = sim.payoutWeeks();
    expect(weeks.length).toBeGreaterThan(0);
    for (const week of weeks) {
      const r = await get(`/v1/payouts/statements?week=${week}`);
      expect(r.status).toBe(200);
      expect(r.body.week).toBe(week);
      for (const s of r.body.statements) {
        const c = s.currency;
        const minor = (m: any) => Number(m.amount.replace('.', ''));
        const expected = minor(s.escrow_released) - minor(s.commission) - minor(s.fees) - minor(s.penalties);
        const x = inj.payouts.find((y: any) => y.week === week && y.seller_id === s.seller_id && y.currency === c);
        if (x) expect(s.disbursed).toEqual(x.disbursed);
        else expect(minor(s.disbursed)).toBe(expected);
      }
    }
    expect(inj.payouts.length).toBe(weeks.flatMap((w) => sim.payouts(sim.payoutDayOf(w))!.injections).length);
    // the synchronous accessor gives the same answer as the endpoint
    expect(p.injections().settlements).toEqual(inj.settlements);
  });
});

describe('writes', () => {
  it('POST /v1/transfers: the same Idempotency-Key never creates two transfers', async () => {
    const body = { seller_id: 'S0001', amount: { amount: '150000', currency: 'VND' }, reason: 'corrective transfer 2025-W25' };
    expect((await post('/v1/transfers', body)).status).toBe(400);
    const a = await post('/v1/transfers', body, { 'idempotency-key': 'trf-1' });
    expect(a.status).toBe(201);
    expect(a.body.idempotent_replay).toBe(false);
    const b = await post('/v1/transfers', body, { 'idempotency-key': 'trf-1' });
    expect(b.status).toBe(200);
    expect(b.body).toEqual({ transfer: a.body.transfer, idempotent_replay: true });
    const c = await post('/v1/transfers', { ...body, amount: { amount: '1', currency: 'VND' } }, { 'idempotency-key': 'trf-1' });
    expect(c.status).toBe(409);
    expect((await post('/v1/transfers', { ...body, amount: { amount: '1.234', currency: 'USD' } }, { 'idempotency-key': 'trf-2' })).status).toBe(400);
    expect((await post('/v1/transfers', { ...body, seller_id: 'S9999' }, { 'idempotency-key': 'trf-3' })).status).toBe(400);
    const list = (await get('/v1/transfers')).body.transfers;
    expect(list.filter((t: any) => t.idempotency_key === 'trf-1').length).toBe(1);
  });

  it('segments and experiment flags are stored and read back', async () => {
    const seg = { run_id: 'rfm-2025-W26', segments: [{ customer_id: 'U000001', segment: 'Champions' }, { customer_id: 'U000002', segment: 'At-Risk Customers' }] };
    const a = await post('/v1/segments', seg, { 'idempotency-key': 'seg-1' });
    expect(a.body).toMatchObject({ accepted: 2, idempotent_replay: false });
    const b = await post('/v1/segments', seg, { 'idempotency-key': 'seg-1' });
    expect(b.body).toMatchObject({ accepted: 2, idempotent_replay: true });
    const one = await get('/v1/segments?customer_id=U000002');
    expect(one.body).toMatchObject({ customer_id: 'U000002', segment: 'At-Risk Customers', run_id: 'rfm-2025-W26' });
    expect((await get('/v1/segments?customer_id=U999999')).status).toBe(404);

    const flag = await post('/v1/experiments/exp_checkout_cta_color/flag', { flag: 'checkout_cta_color', variants: ['A', 'B'], rollout: { B: 100 } }, {}, 'PUT');
    expect(flag.status).toBe(200);
    expect(flag.body).toMatchObject({ experiment_id: 'exp_checkout_cta_color', rollout: { B: 100 } });
    expect((await post('/v1/experiments/exp_checkout_cta_color/flag', { flag: 'x', variants: [], rollout: 50 }, {}, 'PUT')).status).toBe(400);
    const list = (await get('/v1/experiments')).body;
    expect(list.experiments.length).toBe(3);
    expect(list.experiments.find((e: any) => e.id === 'exp_checkout_cta_color').flag_config.rollout).toEqual({ B: 100 });
  });

  it('malformed events are appended to the feed and recorded', async () => {
    const before = await pullAll(p.url, 10000, p.token);
    const r = await post('/v1/demo/malformed', { count: 4 });
    expect(r.status).toBe(200);
    expect(r.body.injections.map((x: any) => x.kind).sort()).toEqual(['bad_money', 'bad_time', 'missing_field', 'unknown_type']);
    const after = await get(`/v1/events?cursor=${before.cursors.at(-1)}`);
    expect(after.body.events.length).toBe(4);
    const inj = (await get('/v1/demo/injections')).body.malformed;
    for (const e of after.body.events) {
      const v = validateEvent(e);
      expect(v.ok).toBe(false);
      const x = inj.find((y: any) => y.id === e.id);
      if (!v.ok) expect(v.error.field).toBe(x.field);
    }
    expect(JSON.stringify(after.body.events)).toContain('"12.345"');
  });
});

describe('live mode', () => {
  it('appends events with the current time; a GMV drop reduces the order rate', async () => {
    const q = await startPlatform({ seed: 5, days: 3, users: 400, endDate: '2025-06-30', liveTickMs: 50 });
    try {
      const h = { authorization: `Bearer ${q.token}`, 'content-type': 'application/json' };
      const hist = await pullAll(q.url, 10000, q.token);
      const t0 = Date.now();
      const on = await fetch(`${q.url}/v1/demo/live`, { method: 'POST', headers: h, body: JSON.stringify({ on: true, orders_per_minute: 2400 }) });
      expect((await on.json()).live.on).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      const mid = q.live().orders;
      await fetch(`${q.url}/v1/demo/gmv-drop`, { method: 'POST', headers: h, body: JSON.stringify({ on: true, factor: 0.1 }) });
      await new Promise((r) => setTimeout(r, 1500));
      const end = q.live().orders;
      await fetch(`${q.url}/v1/demo/live`, { method: 'POST', headers: h, body: JSON.stringify({ on: false }) });
      const t1 = Date.now();
      expect(mid).toBeGreaterThan(20);
      expect(end - mid).toBeLessThan(mid * 0.4);

      const tail = await pullAll(q.url, 10000, q.token, hist.cursors.at(-1));
      expect(tail.ids.length).toBeGreaterThan(100);
      const res = await fetch(`${q.url}/v1/events?limit=10000&cursor=${hist.cursors.at(-1)}`, { headers: h });
      const events = (await res.json()).events as any[];
      for (const e of events) {
        expect(validateEvent(e).ok).toBe(true);
        expect(Date.parse(e.time)).toBeGreaterThanOrEqual(t0 - 3_600_000);
        expect(Date.parse(e.time)).toBeLessThanOrEqual(t1 + 1000);
      }
      const placed = events.filter((e) => e.type === 'order.placed');
      expect(placed.length).toBe(end);
      expect(placed.filter((e) => Date.parse(e.time) >= t0 - 1000).length).toBe(placed.length);
      // live captures show up in the ledger of their business day
      const captured = events.filter((e) => e.type === 'payment.captured');
      expect(captured.length).toBe(end);
      for (const date of new Set(captured.map((e) => dayKey(Date.parse(e.time), TZ)))) {
        const ledger = await (await fetch(`${q.url}/v1/ledger/captures?date=${date}`, { headers: h })).json();
        const ids = new Set(ledger.captures.map((c: any) => c.payment_id));
        for (const e of captured) if (dayKey(Date.parse(e.time), TZ) === date) expect(ids.has(e.data.payment_id)).toBe(true);
      }
      const inj = await (await fetch(`${q.url}/v1/demo/injections`, { headers: h })).json();
      expect(inj.gmv_drops).toEqual([expect.objectContaining({ on: true, factor: 0.1 })]);
    } finally {
      await q.close();
    }
  });
});
