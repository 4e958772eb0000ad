/**
 * The heavy part of a reconciliation run, executed in the analytics worker (its own read-only
 * connection): parse every input with its adapter, read refunds / synced captures / earlier runs
 * from the workspace, match, and hash the report. Returns plain objects; the main thread persists.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { addDays, dayKey, dayRange } from '../../../analytics/calendar.ts';
import {
  ledgerJsonRows, parseLedgerRows, parseSettlementRows, platformJsonRows, reconcile, reportCsv,
  type ControlTotal, type EventCapture, type LedgerEntry, type Lookup, type ReconItem, type Row, type RowError, type SettlementRecord,
} from '../../../analytics/reconcile/index.ts';
import { csvRows } from './csv-rows.ts';

export interface ReconInputSpec {
  seq: number;
  kind: 'settlement' | 'ledger';
  /** sha-256 of the bytes (the input's id) */
  sha: string;
  /** file name (quarantine origin "settlement:<name>") */
  name: string;
  gateway: string | null;
  date: string;
  format: 'json' | 'csv' | 'xlsx';
  /** json / csv text */
  text?: string;
  /** xlsx: rows read on the main thread (exceljs is asynchronous) */
  rows?: Row[];
  /** force an adapter (default: detected from the header) */
  adapter?: string;
}

export interface ReconComputeParams {
  date: string;
  agingDays: number;
  toleranceMinor: Record<string, number>;
  gateways: string[] | null;
  timezone: string;
  inputs: ReconInputSpec[];
  /** no platform ledger: use the synced payment.captured events (payments projection) as the ledger */
  ledgerFromWorkspace: boolean;
  /** check the ledger against the synced payment.captured events */
  crossCheck: boolean;
  /** refunds from the workspace's refunds projection (payment.refunded events) */
  refundsFromWorkspace: boolean;
}

export interface InputOutcome {
  seq: number;
  sha: string;
  adapter: string | null;
  rows: number;
  records: number;
  skipped: number;
  errors: RowError[];
  gateways: string[];
  /** a whole-input failure (unreadable, unknown format) */
  failure: string | null;
}

export interface ReconComputeResult {
  items: ReconItem[];
  controlTotals: ControlTotal[];
  warnings: string[];
  inputs: InputOutcome[];
  reportSha256: string;
  reportBytes: number;
  dataWatermark: number | null;
  ledgerRows: number;
  refundRows: number;
  eventRows: number;
}

export interface ComputeCtx { progress(done: number, total: number, phase: string): void; check(): void }

const noCtx: ComputeCtx = { progress: () => undefined, check: () => undefined };

export function computeRecon(db: Database, p: ReconComputeParams, ctx: ComputeCtx = noCtx): ReconComputeResult {
  const settlements: SettlementRecord[] = [];
  const captures: LedgerEntry[] = [];
  const outcomes: InputOutcome[] = [];
  const warnings: string[] = [];
  const total = p.inputs.length + 3;
  let step = 0;
  for (const inp of p.inputs) {
    ctx.check();
    ctx.progress(step++, total, 'parse');
    const out: InputOutcome = { seq: inp.seq, sha: inp.sha, adapter: null, rows: 0, records: 0, skipped: 0, errors: [], gateways: [], failure: null };
    outcomes.push(out);
    try {
      if (inp.kind === 'settlement') {
        const rows = inp.rows ?? (inp.format === 'json' ? platformJsonRows(settlementJsonRecords(inp.text ?? '', inp.name)) : csvRows(inp.text ?? '', inp.name));
        const r = parseSettlementRows(rows, { source: inp.sha, date: inp.date, gateway: inp.gateway }, inp.adapter ?? (inp.format === 'json' ? 'platform' : undefined));
        out.adapter = r.adapter;
        out.rows = r.rows;
        out.skipped = r.skipped;
        out.errors = r.errors;
        out.records = r.records.length;
        out.gateways = [...new Set(r.records.map((x) => x.gateway))].sort();
        for (const rec of r.records) settlements.push(rec);
      } else {
        const rows = inp.rows ?? (inp.format === 'json' ? ledgerJsonRows(ledgerJsonCaptures(inp.text ?? '', inp.name)) : csvRows(inp.text ?? '', inp.name));
        const r = parseLedgerRows(rows, { source: inp.sha, date: inp.date, timezone: p.timezone });
        out.adapter = 'ledger';
        out.rows = r.rows;
        out.errors = r.errors;
        out.records = r.entries.length;
        out.gateways = [...new Set(r.entries.map((x) => x.gateway ?? ''))].filter(Boolean).sort();
        // the platform's ledger for date X lists the captures of business day X
        for (const e of r.entries) captures.push(inp.format === 'json' ? { ...e, date: inp.date } : e);
      }
    } catch (e) {
      out.failure = (e as Error).message;
    }
  }

  const tz = p.timezone;
  const from = addDays(p.date, -Math.max(0, p.agingDays));
  const winStart = dayRange(from, tz).start;
  const { start: dStart, end: dEnd } = dayRange(p.date, tz);
  ctx.check();
  ctx.progress(step++, total, 'ledger');

  if (p.ledgerFromWorkspace) {
    for (const r of db.prepare<[number, number], PaymentRow>(PAYMENTS_SQL).iterate(winStart, dEnd)) captures.push(paymentEntry(r, tz));
  }
  const refunds: LedgerEntry[] = [];
  if (p.refundsFromWorkspace) {
    for (const r of db.prepare<[number, number], RefundRow>(`SELECT refund_id, payment_id, order_id, gateway, gateway_txn_id, amount, currency, time FROM refunds WHERE time >= ? AND time < ?`).iterate(winStart, dEnd)) {
      refunds.push(refundEntry(r, tz));
    }
  }
  const watermark = dataWatermark(db);
  let events: EventCapture[] | null = null;
  if (p.crossCheck && !p.ledgerFromWorkspace) {
    events = [];
    for (const r of db.prepare<[number, number], PaymentRow>(PAYMENTS_SQL).iterate(dStart, dEnd)) {
      events.push({ paymentId: r.payment_id, orderId: r.order_id, gateway: r.gateway, gatewayTxnId: r.gateway_txn_id, amount: r.amount, currency: r.currency, at: r.captured_at, source: `payments:${r.payment_id}` });
    }
    if (watermark === null || watermark < dEnd - 1) warnings.push(`the synced events end ${watermark === null ? '(none synced)' : new Date(watermark).toISOString()}, before the end of ${p.date}: the ledger/event cross-check covers only what is synced`);
  }

  ctx.check();
  ctx.progress(step++, total, 'match');
  const result = reconcile({ settlements, captures, refunds, events, eventsCompleteUntil: watermark, lookup: workspaceLookup(db, tz) }, {
    date: p.date, agingDays: p.agingDays, toleranceMinor: p.toleranceMinor, gateways: p.gateways,
  });
  ctx.check();
  ctx.progress(step++, total, 'report');
  const csv = reportCsv(result.items);
  const bytes = Buffer.byteLength(csv);
  const sha = createHash('sha256').update(csv).digest('hex');
  ctx.progress(total, total, 'report');
  return {
    items: result.items, controlTotals: result.controlTotals, warnings: [...warnings, ...result.warnings], inputs: outcomes,
    reportSha256: sha, reportBytes: bytes, dataWatermark: watermark, ledgerRows: captures.length, refundRows: refunds.length, eventRows: events?.length ?? 0,
  };
}

function settlementJsonRecords(text: string, name: string): Record<string, unknown>[] {
  const j = JSON.parse(text) as { records?: unknown };
  if (!j || !Array.isArray(j.records)) throw new Error(`${name}: expected a JSON settlement report with "records"`);
  return j.records as Record<string, unknown>[];
}

function ledgerJsonCaptures(text: string, name: string): Record<string, unknown>[] {
  const j = JSON.parse(text) as { captures?: unknown };
  if (!j || !Array.isArray(j.captures)) throw new Error(`${name}: expected a JSON ledger with "captures"`);
  return j.captures as Record<string, unknown>[];
}

interface PaymentRow { payment_id: string; order_id: string | null; gateway: string; gateway_txn_id: string | null; amount: number; currency: string; captured_at: number }
interface RefundRow { refund_id: string; payment_id: string; order_id: string; gateway: string; gateway_txn_id: string | null; amount: number; currency: string; time: number }

const PAYMENTS_SQL = `SELECT payment_id, order_id, gateway, gateway_txn_id, amount, currency, captured_at FROM payments
  WHERE time >= ? AND time < ? AND captured_at IS NOT NULL`;

function paymentEntry(r: PaymentRow, tz: string): LedgerEntry {
  return {
    kind: 'capture', paymentId: r.payment_id, refundId: null, orderId: r.order_id, gateway: r.gateway, gatewayTxnId: r.gateway_txn_id,
    amount: r.amount, currency: r.currency, at: r.captured_at, date: dayKey(r.captured_at, tz), source: `payments:${r.payment_id}`, row: 0,
  };
}

function refundEntry(r: RefundRow, tz: string): LedgerEntry {
  return {
    kind: 'refund', paymentId: r.payment_id, refundId: r.refund_id, orderId: r.order_id, gateway: r.gateway, gatewayTxnId: r.gateway_txn_id,
    amount: r.amount, currency: r.currency, at: r.time, date: dayKey(r.time, tz), source: `refunds:${r.refund_id}`, row: 0,
  };
}

function dataWatermark(db: Database): number | null {
  const s = db.prepare<[], { t: number | null }>('SELECT max(last_event_time) AS t FROM sync_state').get();
  if (s?.t != null) return s.t;
  const e = db.prepare<[], { t: number | null }>("SELECT max(time) AS t FROM events WHERE type = 'payment.captured'").get();
  return e?.t ?? null;
}

/** Captures and refunds outside the window, and earlier runs' settlements, from the workspace. */
function workspaceLookup(db: Database, tz: string): Lookup {
  const byId = db.prepare<[string], PaymentRow>('SELECT payment_id, order_id, gateway, gateway_txn_id, amount, currency, captured_at FROM payments WHERE payment_id = ? AND captured_at IS NOT NULL');
  const refundById = db.prepare<[string], RefundRow>('SELECT refund_id, payment_id, order_id, gateway, gateway_txn_id, amount, currency, time FROM refunds WHERE refund_id = ?');
  const prior = db.prepare<[string, string], { d: string }>(`SELECT min(i.settled_date) AS d FROM recon_items i JOIN recon_runs r ON r.id = i.run_id
    WHERE i.record_key = ? AND i.settled_date < ? AND i.status IN ('matched', 'amount_mismatch', 'currency_mismatch') AND r.status = 'done'`);
  let capTxn: Map<string, string> | null = null;
  let refTxn: Map<string, string> | null = null;
  return {
    capture(q) {
      let id = q.paymentId;
      if (id === null && q.gatewayTxnId !== null) {
        capTxn ??= new Map(db.prepare<[], { k: string; id: string }>("SELECT gateway || '|' || gateway_txn_id AS k, payment_id AS id FROM payments WHERE captured_at IS NOT NULL AND gateway_txn_id IS NOT NULL").all().map((r) => [r.k, r.id]));
        id = capTxn.get(`${q.gateway}|${q.gatewayTxnId}`) ?? null;
      }
      const r = id === null ? undefined : byId.get(id);
      return r ? paymentEntry(r, tz) : null;
    },
    refund(q) {
      refTxn ??= new Map(db.prepare<[], { k: string; id: string }>("SELECT gateway || '|' || gateway_txn_id AS k, refund_id AS id FROM refunds WHERE gateway_txn_id IS NOT NULL").all().map((r) => [r.k, r.id]));
      const id = q.gatewayTxnId !== null ? refTxn.get(`${q.gateway}|${q.gatewayTxnId}`) : undefined;
      const r = id === undefined ? undefined : refundById.get(id);
      return r ? refundEntry(r, tz) : null;
    },
    settledBefore(key, date) {
      try {
        return prior.get(key, date)?.d ?? null;
      } catch {
        return null;
      }
    },
  };
}
