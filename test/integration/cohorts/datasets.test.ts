/**
 * Imported real data: the UCI Online Retail sample and the Olist sample are imported through
 * `import.file` (validate -> quarantine -> idempotent ids), and their cohorts (first order defines
 * the cohort: neither has registration events) equal an independent computation of the same
 * definitions made here straight from the raw CSV text (own CSV splitting, month = the first 7
 * characters of the local timestamp, with the workspace timezone set to the source's zone).
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import type { CohortResult } from '../../../src/analytics/cohorts/types.ts';

const RETAIL = '/work/shared/data/online-retail/OnlineRetail_sample30k.csv';
const OLIST = '/work/shared/data/olist';

/** RFC 4180 records (quoted fields, "" escapes); enough for these files. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') q = false; else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); out.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field || row.length) { row.push(field); out.push(row); }
  return out;
}
function table(file: string): Record<string, string>[] {
  const [head, ...rows] = parseCsv(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  return rows.filter((r) => r.length === head!.length).map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
}
const monthIdx = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
/** pence / centavos from a decimal string, exactly */
const minor = (s: string) => {
  const [i, f = ''] = s.trim().split('.');
  return Number(i) * 100 + Number((f + '00').slice(0, 2)) * (s.trim().startsWith('-') ? -1 : 1);
};

interface Expected { sizes: Record<string, number>; active: Record<string, number[]>; orders: Record<string, number[]>; gmv: Record<string, number[]> }
/** orders: [customer, local month 'YYYY-MM', amount minor] -> first-order cohorts */
function expectedCohorts(orders: [string, string, number][]): Expected {
  const first = new Map<string, string>();
  for (const [c, m] of orders) if (!first.has(c) || m < first.get(c)!) first.set(c, m);
  const e: Expected = { sizes: {}, active: {}, orders: {}, gmv: {} };
  for (const m of first.values()) e.sizes[m] = (e.sizes[m] ?? 0) + 1;
  const seen = new Set<string>();
  for (const [c, m, amt] of orders) {
    const co = first.get(c)!;
    const k = monthIdx(m) - monthIdx(co);
    ((e.orders[co] ??= [])[k] = (e.orders[co][k] ?? 0) + 1);
    ((e.gmv[co] ??= [])[k] = (e.gmv[co][k] ?? 0) + amt);
    if (!seen.has(`${c}|${k}`)) {
      seen.add(`${c}|${k}`);
      ((e.active[co] ??= [])[k] = (e.active[co][k] ?? 0) + 1);
    }
  }
  return e;
}
function expectMatches(r: CohortResult, e: Expected): void {
  expect(Object.fromEntries(r.matrix.rows.filter((x) => x.size > 0).map((x) => [x.key, x.size]))).toEqual(e.sizes);
  for (const row of r.matrix.rows) {
    const n = row.cells.length;
    const arr = (m: Record<string, number[]>) => Array.from({ length: n }, (_, k) => m[row.key]?.[k] ?? 0);
    expect(row.cells.map((c) => c.active), row.key).toEqual(arr(e.active));
    expect(row.cells.map((c) => c.orders), row.key).toEqual(arr(e.orders));
    expect(row.cells.map((c) => c.gmvMinor), row.key).toEqual(arr(e.gmv));
  }
}

let services: Services | null = null;
afterEach(async () => {
  await services?.close();
  services = null;
});
async function workspace(tz: string, currency: string, now: number) {
  services = await createServices({
    workspaceDir: mkdtempSync(join(tmpdir(), 'ml-ds-')), mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock: new ManualClock(now),
  });
  const call = directClient(services.handlers);
  await call('settings.update', { timezone: tz, reportingCurrency: currency });
  return call;
}

describe('imported datasets', () => {
  it('UCI Online Retail (GBP, Europe/London): import, quarantine, idempotency, cohorts equal the raw CSV', async () => {
    const call = await workspace('Europe/London', 'GBP', Date.UTC(2012, 0, 15));
    const r1 = await call('import.file', { path: RETAIL });
    const rows = table(RETAIL);
    const noCustomer = rows.filter((x) => !x.CustomerID!.trim()).length;
    expect(r1.quarantined).toBe(noCustomer);
    expect(r1.errors[0]).toMatchObject({ field: 'CustomerID' });
    const q = await call('quarantine.list', { limit: 1 });
    expect(q.rows[0]!.origin).toBe('file:OnlineRetail_sample30k.csv');
    expect(q.rows[0]!.location).toMatch(/^row \d+$/);
    const r2 = await call('import.file', { path: RETAIL });
    expect(r2.inserted).toBe(0);
    expect(r2.duplicates).toBe(r1.inserted);
    // the same file uploaded (the Import page) maps the same way: nothing new
    const r3 = await call('import.upload', { name: 'OnlineRetail_sample30k.csv', text: readFileSync(RETAIL, 'utf8') });
    expect([r3.inserted, r3.duplicates, r3.quarantined]).toEqual([0, r1.inserted, noCustomer]);

    // independent: invoices (not credit notes) with a customer; an invoice's month is its date's first 7 characters
    const inv = new Map<string, [string, string, number]>();
    for (const x of rows) {
      const c = x.CustomerID!.trim().replace(/\.0+$/, '');
      if (!c || x.InvoiceNo!.startsWith('C') || Number(x.Quantity) <= 0) continue;
      const cur = inv.get(x.InvoiceNo!) ?? [c, x.InvoiceDate!.slice(0, 7), 0];
      if (x.InvoiceDate!.slice(0, 7) < cur[1]) cur[1] = x.InvoiceDate!.slice(0, 7);
      cur[2] += Number(x.Quantity) * minor(x.UnitPrice!);
      inv.set(x.InvoiceNo!, cur);
    }
    const res = await call('cohort.run', { from: '2010-12', to: '2011-12' });
    expect(res.query.acquisition).toBe('first_order');
    expect(res.fx.reportingCurrency).toBe('GBP');
    expectMatches(res, expectedCohorts([...inv.values()]));
    expect(res.customers).toBeGreaterThan(1000);
  });

  it('Olist (BRL, America/Sao_Paulo): customers by unique id, delivered orders, cohorts equal the raw CSV', async () => {
    const call = await workspace('America/Sao_Paulo', 'BRL', Date.UTC(2019, 0, 15));
    const r1 = await call('import.file', { path: join(OLIST, 'olist_orders_dataset.csv') });
    expect(r1.inserted).toBeGreaterThan(8000);
    expect((await call('import.file', { path: join(OLIST, 'olist_orders_dataset.csv') })).inserted).toBe(0);
    await expect(call('import.upload', { name: 'olist_orders_dataset.csv', text: readFileSync(join(OLIST, 'olist_orders_dataset.csv'), 'utf8') })).rejects.toThrow(/next to it/);

    const unique = new Map(table(join(OLIST, 'olist_customers_dataset.csv')).map((c) => [c.customer_id!, c.customer_unique_id!]));
    const items = new Map<string, number>();
    for (const it of table(join(OLIST, 'olist_order_items_dataset.csv'))) items.set(it.order_id!, (items.get(it.order_id!) ?? 0) + minor(it.price!));
    const orders: [string, string, number][] = [];
    for (const o of table(join(OLIST, 'olist_orders_dataset.csv'))) {
      if (o.order_status !== 'delivered' || !items.has(o.order_id!) || !unique.has(o.customer_id!)) continue;
      const when = o.order_delivered_customer_date || o.order_purchase_timestamp!;
      orders.push([unique.get(o.customer_id!)!, when.slice(0, 7), items.get(o.order_id!)!]);
    }
    const months = orders.map((o) => o[1]).sort();
    const res = await call('cohort.run', { from: months[0]!, to: months.at(-1)! });
    expect(res.query.acquisition).toBe('first_order');
    expectMatches(res, expectedCohorts(orders));
  });

  it('Online Retail rows that cannot be mapped are quarantined naming row and field; the rest of the invoice stays', async () => {
    const call = await workspace('Europe/London', 'GBP', Date.UTC(2012, 0, 15));
    const text = [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,"WHITE HANGING HEART T-LIGHT HOLDER, LARGE",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.391,17850.0,United Kingdom',
      '536365,84406B,CREAM CUPID HEARTS COAT HANGER,-8,2010-12-01 08:26:00,2.75,17850.0,United Kingdom',
      '536365,84029G,KNITTED UNION FLAG HOT WATER BOTTLE,6,2010-13-01 08:26:00,3.39,17850.0,United Kingdom',
      '536365,84029E,RED WOOLLY HOTTIE WHITE HEART.,6,2010-12-01 08:26:00,3.39,13047.0,United Kingdom',
      '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom',
      'C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom',
      '',
    ].join('\n');
    const r = await call('import.upload', { name: 'retail.csv', text });
    expect(r.errors).toEqual([
      { row: 3, field: 'UnitPrice', reason: expect.stringMatching(/more than 2 decimal/) },
      { row: 4, field: 'Quantity', reason: expect.stringMatching(/quantity -8 on an invoice/) },
      { row: 5, field: 'InvoiceDate', reason: expect.stringMatching(/not a valid date/) },
      { row: 6, field: 'CustomerID', reason: expect.stringMatching(/differs from the invoice's customer 17850/) },
      { row: 7, field: 'CustomerID', reason: expect.stringMatching(/no customer id/) },
    ]);
    expect(r.inserted).toBe(2); // invoice 536365 (one valid line) and the credit note
    const res = await call('cohort.run', { from: '2010-12', to: '2010-12' });
    expect(res.matrix.rows[0]!.size).toBe(1);
    expect(res.matrix.rows[0]!.cells[0]!.gmvMinor).toBe(6 * 255); // 08:26 London = 08:26 UTC in December; 15.30 GBP
    expect(res.orders.cancelled).toBe(0); // the credit note is its own (never completed) order
  });
});
