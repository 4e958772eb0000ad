/**
 * Import of two public retail datasets as orders and customers, through the same validate -> dedup
 * -> quarantine path as event files (docs/cohorts.md, "Imported data"):
 *
 * - **UCI Online Retail** (columns InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
 *   CustomerID,Country): one `order.completed` per invoice (lines = its rows, amounts in GBP, 2
 *   decimals, total = sum of quantity x unit price), at InvoiceDate read as Europe/London wall-clock
 *   time. Credit notes (InvoiceNo starting with "C") become `order.cancelled` events of the credit
 *   note itself: they cannot be matched to the invoice they reverse, so they never count as activity.
 *   Rows without a CustomerID, with a non-positive quantity on an invoice, or an unreadable
 *   price/date are quarantined (file, row, field).
 * - **Olist** (olist_orders_dataset.csv, with olist_customers_dataset.csv and
 *   olist_order_items_dataset.csv next to it; olist_products_dataset.csv optional for categories):
 *   the customer is `customer_unique_id`; `order.placed` at the purchase time (items, total = sum of
 *   item prices in BRL, freight excluded), `order.completed` for delivered orders at the delivery
 *   date (the purchase time when the dataset has none), `order.cancelled` for canceled ones.
 *   Timestamps are America/Sao_Paulo wall-clock time.
 *
 * Neither dataset has registration events: cohorts on such a workspace are defined by the first
 * order. Event ids are derived from the source keys, so importing a file again inserts nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/sqlite.ts';
import type { ImportResult } from '../../common/types.ts';
import { createIngestor } from '../ingest/ingestor.ts';
import { emptyBatch, prepareInto, type PreparedBatch } from '../ingest/prepare.ts';
import type { HashFn } from '../ingest/hash.ts';
import { createCsvParser, type CsvRecord } from './csv.ts';
import { formatMinor, parseMinor, MoneyError } from '../../../analytics/money.ts';
import { zonedToUtc } from '../../../analytics/calendar.ts';

export type Dataset = 'online-retail' | 'olist';

export const ONLINE_RETAIL_COLUMNS = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'] as const;
export const OLIST_ORDER_COLUMNS = ['order_id', 'customer_id', 'order_status', 'order_purchase_timestamp', 'order_approved_at', 'order_delivered_carrier_date', 'order_delivered_customer_date', 'order_estimated_delivery_date'] as const;
export const ONLINE_RETAIL_TZ = 'Europe/London';
export const OLIST_NEEDS_FILES = 'an Olist orders file needs olist_customers_dataset.csv and olist_order_items_dataset.csv next to it: import it by path (marketlens import FILE)';
export const OLIST_TZ = 'America/Sao_Paulo';

/** Which dataset a CSV header belongs to (null: not one of them). */
export function datasetOf(header: readonly string[]): Dataset | null {
  const h = new Set(header.map((x) => x.trim()));
  if (ONLINE_RETAIL_COLUMNS.every((c) => h.has(c))) return 'online-retail';
  if (OLIST_ORDER_COLUMNS.every((c) => h.has(c))) return 'olist';
  return null;
}

class RowError extends Error {
  readonly field: string;
  constructor(field: string, reason: string) {
    super(reason);
    this.field = field;
  }
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const US_TS_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/;
/** A wall-clock timestamp ('YYYY-MM-DD HH:MM[:SS]', or the UCI file's 'M/D/YYYY H:MM') in `tz` -> UTC ms. */
export function localTimestamp(text: string, tz: string, field: string): number {
  const t = text.trim();
  let y: number, mo: number, d: number, h: number, mi: number, s = 0;
  const m = TS_RE.exec(t);
  if (m) {
    [y, mo, d, h, mi] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!];
    s = m[6] ? +m[6] : 0;
  } else {
    const u = US_TS_RE.exec(t);
    if (!u) throw new RowError(field, `"${text}" is not a timestamp (YYYY-MM-DD HH:MM:SS)`);
    [mo, d, y, h, mi] = [+u[1]!, +u[2]!, +u[3]!, +u[4]!, +u[5]!];
  }
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new RowError(field, `"${text}" is not a valid date and time`);
  return zonedToUtc(y, mo, d, h, mi, tz) + s * 1000;
}

function money(text: string, currency: string, field: string): number {
  try {
    return parseMinor(text.trim(), currency);
  } catch (e) {
    throw new RowError(field, (e as MoneyError).message);
  }
}

interface Sink { add(ev: object, row: number, raw: string): void; bad(row: number, field: string, reason: string, raw: string): void; result(): ImportResult }

function createSink(db: Database, name: string, hash: HashFn | undefined, maxErrors = 1000): Sink {
  const ingestor = createIngestor(db, { origin: `file:${name}`, hash });
  const result: ImportResult = { file: name, format: 'csv', rows: 0, inserted: 0, duplicates: 0, quarantined: 0, errors: [] };
  let batch: PreparedBatch = emptyBatch();
  const flush = (): void => {
    if (batch.total === 0) return;
    const c = ingestor.writePrepared(batch);
    result.rows += batch.total;
    result.inserted += c.inserted;
    result.duplicates += c.duplicates;
    result.quarantined += c.quarantined;
    for (const b of batch.bad) {
      if (result.errors.length >= maxErrors) break;
      result.errors.push({ row: Number(b.location.replace(/^row /, '')), field: b.field, reason: b.reason });
    }
    batch = emptyBatch();
  };
  return {
    add(ev, row, raw) {
      prepareInto(batch, ev, `row ${row}`, hash, raw);
      if (batch.total >= 5000) flush();
    },
    bad(row, field, reason, raw) {
      batch.total++;
      batch.bad.push({ location: `row ${row}`, eventId: null, eventType: null, field, reason, raw });
      if (batch.total >= 5000) flush();
    },
    result() {
      flush();
      return result;
    },
  };
}

function parseCsvText(text: string, name: string): { header: string[]; records: CsvRecord[] } {
  const records: CsvRecord[] = [];
  const p = createCsvParser((r) => records.push(r));
  p.push(text);
  p.end();
  const head = records.shift();
  if (!head) throw new Error(`${name} is empty`);
  return { header: head.fields.map((f) => f.trim()), records };
}
function readCsv(file: string): { header: string[]; records: CsvRecord[] } {
  return parseCsvText(fs.readFileSync(file, 'utf8'), path.basename(file));
}

function columns(header: string[]): (r: CsvRecord, c: string) => string {
  const idx = new Map<string, number>();
  header.forEach((h, i) => {
    if (!idx.has(h)) idx.set(h, i);
  });
  return (r, c) => r.fields[idx.get(c) ?? -1] ?? '';
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** UCI Online Retail: one order per invoice. */
function importOnlineRetail(sink: Sink, csv: { header: string[]; records: CsvRecord[] }): void {
  const { header, records } = csv;
  const get = columns(header);
  const CUR = 'GBP';
  interface Line { row: number; raw: string; stock: string; name: string; qty: number; price: number; customer: string; time: number }
  const invoices = new Map<string, Line[]>();
  for (const r of records) {
    if (r.fields.length !== header.length) {
      sink.bad(r.line, '', `expected ${header.length} fields, found ${r.fields.length}`, r.raw);
      continue;
    }
    try {
      const invoice = get(r, 'InvoiceNo').trim();
      if (!invoice) throw new RowError('InvoiceNo', 'missing invoice number');
      const credit = /^C/i.test(invoice);
      const customer = get(r, 'CustomerID').trim().replace(/\.0+$/, '');
      if (!customer) throw new RowError('CustomerID', 'no customer id: the row cannot be attributed to a customer');
      const qtyText = get(r, 'Quantity').trim();
      if (!/^-?\d+$/.test(qtyText)) throw new RowError('Quantity', `"${qtyText}" is not a whole number`);
      const qty = Number(qtyText);
      if (!credit && qty <= 0) throw new RowError('Quantity', `quantity ${qty} on an invoice (only credit notes "C..." have negative quantities)`);
      if (qty === 0) throw new RowError('Quantity', 'quantity 0');
      const price = money(get(r, 'UnitPrice'), CUR, 'UnitPrice');
      if (price < 0) throw new RowError('UnitPrice', 'negative unit price');
      const time = localTimestamp(get(r, 'InvoiceDate'), ONLINE_RETAIL_TZ, 'InvoiceDate');
      const stock = get(r, 'StockCode').trim();
      if (!stock) throw new RowError('StockCode', 'missing stock code');
      let lines = invoices.get(invoice);
      if (!lines) invoices.set(invoice, (lines = []));
      if (lines.length && lines[0]!.customer !== customer) throw new RowError('CustomerID', `customer ${customer} differs from the invoice's customer ${lines[0]!.customer}`);
      lines.push({ row: r.line, raw: r.raw, stock, name: get(r, 'Description').trim() || stock, qty, price, customer, time });
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      sink.bad(r.line, e.field, e.message, r.raw);
    }
  }
  for (const [invoice, lines] of invoices) {
    const first = lines[0]!;
    const time = Math.min(...lines.map((l) => l.time));
    if (/^C/i.test(invoice)) {
      sink.add({
        specversion: '1.0', id: `online-retail:${invoice}:cancelled`, type: 'order.cancelled', source: '/services/order', time: iso(time), subject: invoice,
        data: { order_id: invoice, user_id: first.customer, reason: 'credit note' },
      }, first.row, first.raw);
      continue;
    }
    let subtotal = 0;
    const out = lines.map((l) => {
      const sub = l.price * l.qty;
      subtotal += sub;
      return {
        line_id: `row-${l.row}`, product_id: l.stock, name: l.name, category: 'retail', quantity: l.qty,
        unit_price: { amount: formatMinor(l.price, CUR), currency: CUR }, subtotal: { amount: formatMinor(sub, CUR), currency: CUR },
      };
    });
    const total = { amount: formatMinor(subtotal, CUR), currency: CUR };
    sink.add({
      specversion: '1.0', id: `online-retail:${invoice}:completed`, type: 'order.completed', source: '/services/order', time: iso(time), subject: invoice,
      data: { order_id: invoice, user_id: first.customer, seller_id: 'online-retail', subtotal: total, tax_total: { amount: '0.00', currency: CUR }, total, lines: out, tax_lines: [] },
    }, first.row, lines.map((l) => l.raw).join('\n'));
  }
}

/** Olist: orders with their customers (unique id) and items from the sibling files. */
function importOlist(sink: Sink, file: string): void {
  const dir = path.dirname(file);
  const sibling = (n: string, required: boolean): string | null => {
    const f = path.join(dir, n);
    if (fs.existsSync(f)) return f;
    if (required) throw new Error(`Olist import: ${n} must be next to ${path.basename(file)} (customers and items complete the orders)`);
    return null;
  };
  const CUR = 'BRL';
  const cust = readCsv(sibling('olist_customers_dataset.csv', true)!);
  const cget = columns(cust.header);
  const unique = new Map<string, string>();
  for (const r of cust.records) unique.set(cget(r, 'customer_id'), cget(r, 'customer_unique_id'));
  const categories = new Map<string, string>();
  const prodFile = sibling('olist_products_dataset.csv', false);
  if (prodFile) {
    const p = readCsv(prodFile);
    const pget = columns(p.header);
    for (const r of p.records) categories.set(pget(r, 'product_id'), pget(r, 'product_category_name') || 'uncategorized');
  }
  const items = readCsv(sibling('olist_order_items_dataset.csv', true)!);
  const iget = columns(items.header);
  interface Item { id: string; product: string; seller: string; price: number | RowError; row: number }
  const byOrder = new Map<string, Item[]>();
  for (const r of items.records) {
    const o = iget(r, 'order_id');
    let price: number | RowError;
    try {
      price = money(iget(r, 'price'), CUR, 'price');
    } catch (e) {
      price = e as RowError;
    }
    let list = byOrder.get(o);
    if (!list) byOrder.set(o, (list = []));
    list.push({ id: iget(r, 'order_item_id'), product: iget(r, 'product_id'), seller: iget(r, 'seller_id'), price, row: r.line });
  }
  const { header, records } = readCsv(file);
  const get = columns(header);
  for (const r of records) {
    if (r.fields.length !== header.length) {
      sink.bad(r.line, '', `expected ${header.length} fields, found ${r.fields.length}`, r.raw);
      continue;
    }
    try {
      const orderId = get(r, 'order_id').trim();
      if (!orderId) throw new RowError('order_id', 'missing order id');
      const user = unique.get(get(r, 'customer_id'));
      if (!user) throw new RowError('customer_id', `customer "${get(r, 'customer_id')}" is not in olist_customers_dataset.csv`);
      const status = get(r, 'order_status').trim();
      const placedAt = localTimestamp(get(r, 'order_purchase_timestamp'), OLIST_TZ, 'order_purchase_timestamp');
      const its = byOrder.get(orderId) ?? [];
      for (const it of its) if (it.price instanceof RowError) throw new RowError(`olist_order_items_dataset.csv row ${it.row} price`, it.price.message);
      const events: object[] = [];
      const subtotal = its.reduce((a, it) => a + (it.price as number), 0);
      const total = { amount: formatMinor(subtotal, CUR), currency: CUR };
      const cat = (p: string) => categories.get(p) || 'uncategorized';
      if (its.length > 0) {
        events.push({
          specversion: '1.0', id: `olist:${orderId}:placed`, type: 'order.placed', source: '/services/order', time: iso(placedAt), subject: orderId,
          data: {
            order_id: orderId, user_id: user, seller_id: its[0]!.seller, total,
            items: its.map((it) => ({ product_id: it.product, category: cat(it.product), seller_id: it.seller, quantity: 1, unit_price: { amount: formatMinor(it.price as number, CUR), currency: CUR } })),
          },
        });
      } else if (status !== 'canceled' && status !== 'unavailable') throw new RowError('order_id', `order ${orderId} (${status}) has no items in olist_order_items_dataset.csv`);
      if (status === 'delivered') {
        const deliveredText = get(r, 'order_delivered_customer_date').trim();
        const doneAt = deliveredText ? localTimestamp(deliveredText, OLIST_TZ, 'order_delivered_customer_date') : placedAt;
        events.push({
          specversion: '1.0', id: `olist:${orderId}:completed`, type: 'order.completed', source: '/services/order', time: iso(doneAt), subject: orderId,
          data: {
            order_id: orderId, user_id: user, seller_id: its[0]!.seller, subtotal: total, tax_total: { amount: '0.00', currency: CUR }, total, tax_lines: [],
            lines: its.map((it) => {
              const p = { amount: formatMinor(it.price as number, CUR), currency: CUR };
              return { line_id: it.id, product_id: it.product, name: it.product, category: cat(it.product), quantity: 1, unit_price: p, subtotal: p };
            }),
          },
        });
      } else if (status === 'canceled' || status === 'unavailable') {
        const approved = get(r, 'order_approved_at').trim();
        const at = approved ? localTimestamp(approved, OLIST_TZ, 'order_approved_at') : placedAt;
        events.push({
          specversion: '1.0', id: `olist:${orderId}:cancelled`, type: 'order.cancelled', source: '/services/order', time: iso(Math.max(at, placedAt)), subject: orderId,
          data: { order_id: orderId, user_id: user, reason: status },
        });
      }
      for (const ev of events) sink.add(ev, r.line, r.raw);
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      sink.bad(r.line, e.field, e.message, r.raw);
    }
  }
}

/** Import one of the datasets from `file` (read whole: invoices and orders group rows). */
export function importDataset(db: Database, file: string, dataset: Dataset, opts: { name?: string; hash?: HashFn; maxErrors?: number } = {}): ImportResult {
  const sink = createSink(db, opts.name ?? path.basename(file), opts.hash, opts.maxErrors);
  if (dataset === 'online-retail') importOnlineRetail(sink, readCsv(file));
  else importOlist(sink, file);
  return sink.result();
}

/**
 * The same from text in memory (an upload). Only Online Retail: an Olist import needs the customers
 * and items files next to the orders file, so it is imported by path.
 */
export function importDatasetText(db: Database, name: string, text: string, dataset: Dataset, opts: { hash?: HashFn; maxErrors?: number } = {}): ImportResult {
  if (dataset === 'olist') throw new Error(OLIST_NEEDS_FILES);
  const sink = createSink(db, name, opts.hash, opts.maxErrors);
  importOnlineRetail(sink, parseCsvText(text, name));
  return sink.result();
}

/** The dataset named by the first line of a CSV text. */
export function sniffDatasetText(text: string): Dataset | null {
  const first = text.replace(/^\uFEFF/, '').slice(0, 4096).split(/\r?\n/)[0] ?? '';
  return datasetOf(first.split(',').map((x) => x.replace(/^"|"$/g, '')));
}

/** The dataset a CSV file's header names, reading only its first line. */
export function sniffDataset(file: string): Dataset | null {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
    return datasetOf(first.split(',').map((x) => x.replace(/^"|"$/g, '')));
  } finally {
    fs.closeSync(fd);
  }
}
