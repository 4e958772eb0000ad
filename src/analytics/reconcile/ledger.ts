/**
 * The internal ledger side: captured payments (the platform's `GET /v1/ledger/captures`, or a CSV
 * with the same columns) and refunds. Pure: rows in, entries and row errors out.
 *
 * CSV columns (by header): payment_id, amount, currency (required); order_id, gateway,
 * gateway_txn_id, captured_at (RFC 3339; its business day is the entry's date, else the report's).
 */
import { dayKey } from '../calendar.ts';
import { FieldError, internLower, opt, parseCurrency, parseDecimalAmount, parseTimestamp } from './amount.ts';
import { blank, cell, firstRow, Header, type Row } from './adapters/common.ts';
import type { LedgerEntry, RowError } from './types.ts';

export const LEDGER_COLUMNS = ['payment_id', 'order_id', 'gateway', 'gateway_txn_id', 'amount', 'currency', 'captured_at'] as const;

export interface LedgerParse { entries: LedgerEntry[]; errors: RowError[]; rows: number }

export function isLedgerHeader(cells: readonly string[]): boolean {
  const h = new Header(cells);
  return h.has('payment_id', 'amount', 'currency') && !h.has('record_type');
}

/** Ledger captures from rows (header first). */
export function parseLedgerRows(rows: readonly Row[], ctx: { source: string; date: string; timezone: string }): LedgerParse {
  const out: LedgerParse = { entries: [], errors: [], rows: 0 };
  const head = firstRow(rows);
  if (!head) return out;
  const h = new Header(head.cells);
  const missing = h.missing(['payment_id', 'amount', 'currency']);
  if (missing.length) {
    out.errors.push({ row: head.row, field: missing.join(', '), reason: `the ledger header lacks the column(s) ${missing.join(', ')}`, raw: head.raw });
    return out;
  }
  const c = {
    pid: h.col('payment_id'), oid: h.col('order_id'), gw: h.col('gateway'), txn: h.col('gateway_txn_id'),
    amount: h.col('amount'), currency: h.col('currency'), at: h.col('captured_at'),
  };
  const dayOf = dayCache(ctx.timezone);
  for (const r of rows) {
    if (r === head || blank(r)) continue;
    out.rows++;
    try {
      const paymentId = opt(cell(r, c.pid));
      if (paymentId === null) throw new FieldError('payment_id', 'payment_id is empty');
      const currency = parseCurrency(cell(r, c.currency), 'currency');
      const amount = parseDecimalAmount(cell(r, c.amount), currency, 'amount');
      const atText = opt(cell(r, c.at));
      const at = atText === null ? null : parseTimestamp(atText, 'captured_at');
      out.entries.push({
        kind: 'capture', paymentId, refundId: null, orderId: opt(cell(r, c.oid)), gateway: gatewayOf(cell(r, c.gw)),
        gatewayTxnId: opt(cell(r, c.txn)), amount, currency, at, date: at === null ? ctx.date : dayOf(at), source: ctx.source, row: r.row,
      });
    } catch (e) {
      out.errors.push({ row: r.row, field: e instanceof FieldError ? e.field : '', reason: (e as Error).message, raw: r.raw });
    }
  }
  return out;
}

function gatewayOf(text: string): string | null {
  const g = opt(text);
  return g === null ? null : internLower(g);
}

/**
 * dayKey with a cache per 15 minutes (time-zone offsets are whole quarter hours), so a million rows
 * do not each format a date.
 */
export function dayCache(tz: string): (ms: number) => string {
  const cache = new Map<number, string>();
  return (ms) => {
    const b = Math.floor(ms / 900_000);
    let d = cache.get(b);
    if (d === undefined) {
      d = dayKey(b * 900_000, tz);
      cache.set(b, d);
    }
    return d;
  };
}

/** The platform's JSON ledger (`{captures: [...]}`) as rows of the CSV form, header first (raw = the capture's JSON). */
export function ledgerJsonRows(captures: readonly Record<string, unknown>[]): Row[] {
  const rows: Row[] = [{ cells: [...LEDGER_COLUMNS], row: 0, raw: LEDGER_COLUMNS.join(',') }];
  captures.forEach((c, i) => {
    rows.push({ cells: LEDGER_COLUMNS.map((k) => (typeof c[k] === 'string' ? (c[k] as string) : c[k] == null ? '' : String(c[k]))), row: i + 1, raw: JSON.stringify(c) });
  });
  return rows;
}
