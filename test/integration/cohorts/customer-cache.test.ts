/**
 * The customer analytics' event cache (only CUSTOMER_EVENT_TYPES rows) against a real SQLite
 * workspace: it extracts exactly what the cache of every event gives; it catches up incrementally
 * and its watermark is the last seq it examined, even when the newest events are of other types;
 * its snapshot round-trips and is never mistaken for the full cache's (or the other way round);
 * and the worker answers cohort and RFM queries from it without loading the full cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenDatabase } from '../../../src/main/node/db/index.ts';
import { importText } from '../../../src/main/node/import/index.ts';
import { EventCache, snapshotPathFor } from '../../../src/main/node/cache/event-cache.ts';
import { WorkerHost } from '../../../src/main/node/worker/host.ts';
import { CUSTOMER_SNAPSHOT_NAME } from '../../../src/main/node/worker/customer-cache.ts';
import { createEventGenerator } from '../../../perf/gen-events.ts';
import { CUSTOMER_EVENT_TYPES, extractCustomerOrders } from '../../../src/analytics/customers/orders.ts';
import { extractCustomerOrders as extractRfmOrders } from '../../../src/analytics/rfm/orders.ts';
import type { EventColumns } from '../../../src/analytics/columns.ts';
import type { CohortQuery } from '../../../src/analytics/cohorts/types.ts';

const START = Date.UTC(2026, 2, 1);
const gen = createEventGenerator({ seed: 11, sessions: true, spacingMs: 30_000, start: START, users: 800 });
const lines = (n: number): string => Array.from({ length: n }, () => JSON.stringify(gen.next())).join('\n') + '\n';
const TYPES: string[] = [...CUSTOMER_EVENT_TYPES];
/** `n` generated events of other types only (storefront browsing, payments, ...) */
function otherLines(n: number): string {
  const out: string[] = [];
  while (out.length < n) {
    const e = gen.next();
    if (!TYPES.includes(e.type)) out.push(JSON.stringify(e));
  }
  return out.join('\n') + '\n';
}

/** What the cohort extraction sees, in ids rather than codes (codes differ between caches). */
function customerView(cols: EventColumns) {
  const co = extractCustomerOrders(cols);
  const user = (u: number) => cols.dicts.user.value(u);
  const registrations: [string, number, string | null, string | null][] = [];
  for (let u = 1; u < co.registeredAt.length; u++) {
    if (!Number.isNaN(co.registeredAt[u]!)) registrations.push([user(u)!, co.registeredAt[u]!, cols.dicts.device.value(co.regDevice[u]!), cols.dicts.source.value(co.regSource[u]!)]);
  }
  const o = co.orders;
  const orders = Array.from({ length: o.length }, (_, i) => [
    cols.dicts.order.value(o.order[i]!), user(o.user[i]!), o.time[i], o.amount[i], cols.dicts.currency.value(o.currency[i]!), o.cancelled[i], o.refunded[i],
  ]);
  const byId = (a: unknown[], b: unknown[]) => (String(a[0]) < String(b[0]) ? -1 : 1);
  return { registered: co.registered, registrations: registrations.sort(byId), orders: orders.sort(byId) };
}

function rfmView(cols: EventColumns) {
  const r = extractRfmOrders(cols, { start: START, end: START + 400 * 86_400_000 });
  const rows = Array.from({ length: r.n }, (_, i) => [r.customerId[i], r.lastTime[i], r.orders[i], ...r.currencies.map((c, k) => `${c}:${r.spend[k]![i]}`).sort()]);
  return { rows: rows.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)), skipped: r.skipped };
}

let dir: string;
let dbFile: string;
let ws: OpenDatabase;
const maxSeq = (): number => ws.db.prepare('SELECT max(seq) FROM events').pluck().get() as number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'ml-custcache-'));
  dbFile = path.join(dir, 'marketlens.sqlite');
  ws = openDatabase(dbFile);
  expect((await importText(ws.db, 'batch1.ndjson', lines(30_000))).inserted).toBe(30_000);
});
afterAll(() => ws?.close());

describe('customer event cache', () => {
  it('holds only the customer event types and extracts exactly what the full cache gives', () => {
    const full = new EventCache(ws.db, dbFile, { noPersist: true, snapshotFile: path.join(dir, 'full.bin') });
    full.open();
    const cust = new EventCache(ws.db, dbFile, { noPersist: true, snapshotFile: path.join(dir, 'cust.bin'), types: TYPES });
    cust.open();
    const relevant = ws.db.prepare(`SELECT count(*) FROM events WHERE type IN (${TYPES.map(() => '?').join(', ')})`).pluck().get(...TYPES) as number;
    expect(relevant).toBeGreaterThan(500);
    expect(cust.cols.length).toBe(relevant);
    expect(cust.cols.length).toBeLessThan(full.cols.length / 5);
    const types = new Set<string>();
    for (let i = 0; i < cust.cols.length; i++) types.add(cust.cols.dicts.type.value(cust.cols.codes.type[i]!)!);
    expect([...types].sort()).toEqual([...TYPES].sort());
    // its watermark is the newest event, whatever its type
    expect(cust.cols.lastSeq).toBe(maxSeq());
    expect(full.cols.lastSeq).toBe(maxSeq());
    const a = customerView(full.cols);
    expect(a.orders.length).toBeGreaterThan(100);
    expect(a.registered).toBeGreaterThan(50);
    expect(customerView(cust.cols)).toEqual(a);
    expect(rfmView(cust.cols)).toEqual(rfmView(full.cols));
  });

  it('catches up incrementally: only new customer rows are appended, the watermark follows the newest event', async () => {
    const cust = new EventCache(ws.db, dbFile, { noPersist: true, snapshotFile: path.join(dir, 'cust2.bin'), types: TYPES });
    cust.open();
    const before = cust.cols.length;
    // storefront browsing and payments only: nothing for the customer cache, but the watermark moves
    expect((await importText(ws.db, 'browse.ndjson', otherLines(400))).inserted).toBe(400);
    expect(cust.catchUp()).toBe(0);
    expect(cust.cols.length).toBe(before);
    expect(cust.cols.lastSeq).toBe(maxSeq());

    expect((await importText(ws.db, 'batch2.ndjson', lines(8_000))).inserted).toBe(8_000);
    const added = cust.catchUp();
    expect(added).toBeGreaterThan(50);
    expect(cust.cols.lastSeq).toBe(maxSeq());
    const rebuilt = new EventCache(ws.db, dbFile, { noPersist: true, snapshotFile: path.join(dir, 'cust3.bin'), types: TYPES });
    rebuilt.open();
    expect(cust.cols.length).toBe(rebuilt.cols.length);
    expect(customerView(cust.cols)).toEqual(customerView(rebuilt.cols));
  });

  it('its snapshot round-trips, and a snapshot of other event types is never loaded', () => {
    const file = path.join(dir, 'cust-snap.bin');
    const built = new EventCache(ws.db, dbFile, { snapshotFile: file, types: TYPES });
    built.open();
    expect(built.persistIfDue(true)).toBe(true);
    const loaded = new EventCache(ws.db, dbFile, { snapshotFile: file, types: [...TYPES].reverse() }); // order does not matter
    loaded.open();
    expect(loaded.origin).toBe('snapshot');
    expect(loaded.cols.lastSeq).toBe(built.cols.lastSeq);
    expect(customerView(loaded.cols)).toEqual(customerView(built.cols));

    const full = new EventCache(ws.db, dbFile, { snapshotFile: file });
    full.open();
    expect(full.origin).toBe('rebuild');
    expect(full.rebuildReason).toMatch(/other event types/);
    expect(full.cols.length).toBe(maxSeq());

    const fullFile = path.join(dir, 'full-snap.bin');
    const f2 = new EventCache(ws.db, dbFile, { snapshotFile: fullFile });
    f2.open();
    f2.persistIfDue(true);
    const wrong = new EventCache(ws.db, dbFile, { snapshotFile: fullFile, types: TYPES });
    wrong.open();
    expect(wrong.origin).toBe('rebuild');
    expect(wrong.rebuildReason).toMatch(/other event types \(all\)/);
    expect(wrong.cols.length).toBe(built.cols.length);
  });

  it('counts examined rows towards the next snapshot, so a restart does not rescan them', async () => {
    const file = path.join(dir, 'cust-due.bin');
    const c = new EventCache(ws.db, dbFile, { snapshotFile: file, types: TYPES, persistMinRows: 100 });
    c.open();
    expect(c.persistIfDue()).toBe(true);
    expect((await importText(ws.db, 'browse2.ndjson', otherLines(150))).inserted).toBe(150);
    expect(c.catchUp()).toBe(0);
    expect(c.persistIfDue()).toBe(true);
    const again = new EventCache(ws.db, dbFile, { snapshotFile: file, types: TYPES });
    again.open();
    expect(again.origin).toBe('snapshot');
    expect(again.snapshotSeq).toBe(maxSeq());
  });
});

describe('worker', () => {
  it('answers cohorts and RFM from the customer cache, without loading the cache of every event', async () => {
    fs.rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
    const hi = maxSeq();
    const q: CohortQuery = {
      granularity: 'month', from: '2026-03', to: '2026-12', mode: 'on', acquisition: 'registration', includeRefunded: true,
      breakdown: null, timezone: 'Asia/Ho_Chi_Minh', reportingCurrency: 'VND', fxRates: { USD: '26000' }, asOf: START + 300 * 86_400_000,
    };
    const first = new WorkerHost(dbFile);
    try {
      const r1 = await first.run('cohort.run', q);
      expect(r1.matrix.rows.length).toBeGreaterThan(0);
      const status = await first.run('customers.cache', { persist: true });
      expect(status.origin).toBe('rebuild');
      expect(status.lastSeq).toBe(hi);
      expect(path.basename(status.snapshotFile)).toBe(CUSTOMER_SNAPSHOT_NAME);
      expect(fs.existsSync(snapshotPathFor(dbFile, CUSTOMER_SNAPSHOT_NAME))).toBe(true);
      // the funnel cache was never touched
      expect(fs.existsSync(snapshotPathFor(dbFile))).toBe(false);
      const fullStatus = await first.run('funnel.cache', {});
      expect(fullStatus.origin).toBeNull();

      const second = new WorkerHost(dbFile);
      try {
        const r2 = await second.run('cohort.run', q);
        expect((await second.run('customers.cache', {})).origin).toBe('snapshot');
        const strip = (r: typeof r1) => r.matrix;
        expect(strip(r2)).toEqual(strip(r1));
        const rfm = await second.run('rfm.compute', { asOf: '2026-09-01', timezone: 'Asia/Ho_Chi_Minh', reportingCurrency: 'VND', fxRates: { USD: '26000' } });
        expect(rfm.summary).toBeTruthy();
        expect(rfm.watermark.seq).toBe(hi);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
});
