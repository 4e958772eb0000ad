/**
 * The internal ledger of captured payments and the gateways' daily settlement reports.
 *
 * - Ledger(D) = the payment.captured events of business day D, except the ledger injections (one
 *   capture missing from the ledger, one with a different amount), recorded in injections.ledger.
 * - Settlement(D, gateway) is derived from the *ledger*: captures of D settle on D, except those
 *   captured at or after 23:30 local time, which settle on D+1 (recorded in settlement_timing).
 *   Refunds paid on D appear as negative `refund` rows; the report ends with one `payout_total`
 *   row per currency. On complete historical days, discrepancies are injected (amount mismatch,
 *   internal-only, gateway-only, duplicate, currency mismatch, fee rows, chargebacks) and recorded
 *   in injections.settlements, so a reconciliation of settlement vs ledger finds exactly those.
 */
import { convertMinor, formatMinor, parseMinor } from '../analytics/money.ts';
import { addDays, dayRange, MINUTE_MS } from '../analytics/calendar.ts';
import { GATEWAYS, GATEWAY_FEES, type Gateway } from './catalog.ts';
import { Rng } from './rng.ts';
import { bpsOf, gatewayTxnId, money } from './orders.ts';
import { isoTime, type MarketSim } from './generator.ts';
import type { LedgerCapture, LedgerInjection, SettlementInjection, SettlementRecord, SettlementTiming, OrderRec } from './types.ts';

const LATE_CUTOFF_MS = 30 * MINUTE_MS;
const USD_PER_VND = '0.00004';
const VND_PER_USD = '25000';

export function captureOf(o: OrderRec): LedgerCapture {
  return {
    payment_id: o.paymentId, order_id: o.orderId, gateway: o.gateway, gateway_txn_id: o.gatewayTxnId,
    amount: formatMinor(o.total, o.currency), currency: o.currency, captured_at: isoTime(o.capturedAt),
  };
}

const ledgerInjectionCache = new WeakMap<MarketSim, LedgerInjection[]>();

/** The one or two injected ledger-vs-events differences (on complete days only). */
export function ledgerInjections(sim: MarketSim): LedgerInjection[] {
  const hit = ledgerInjectionCache.get(sim);
  if (hit) return hit;
  const res: LedgerInjection[] = [];
  const full: number[] = [];
  for (let i = 0; i < sim.dayTotal; i++) if (sim.isFullDay(i)) full.push(i);
  if (full.length > 0) {
    const r = new Rng(sim.params.seed, 'ledger');
    const a = full[r.int(0, full.length - 1)]!;
    let b = full[r.int(0, full.length - 1)]!;
    for (let k = 0; k < 5 && b === a && full.length > 1; k++) b = full[r.int(0, full.length - 1)]!;
    const kinds: [number, LedgerInjection['kind']][] = [[a, 'missing_in_ledger'], [b, 'amount_mismatch']];
    const used = new Set<string>();
    for (const [day, kind] of kinds) {
      const orders = sim.orders(day);
      const x = r.int(0, 1_000_000);
      if (orders.length === 0) continue;
      const o = orders[x % orders.length]!;
      if (used.has(o.paymentId)) continue;
      used.add(o.paymentId);
      let ledger: { amount: string; currency: string } | null = null;
      if (kind === 'amount_mismatch') {
        const unit = o.currency === 'VND' ? 1000 : 1;
        const delta = Math.min(o.total - 1, unit * (1 + (x % 40)));
        ledger = money(o.total - Math.max(1, delta), o.currency);
      }
      res.push({ date: sim.date(day), kind, payment_id: o.paymentId, order_id: o.orderId, gateway: o.gateway, event_amount: money(o.total, o.currency), ledger_amount: ledger });
    }
  }
  ledgerInjectionCache.set(sim, res);
  return res;
}

/**
 * Ledger of captures for business date `date`: historical captures (with the ledger injections
 * applied) plus `extra` captures (live mode), sorted by capture time.
 */
export function ledgerCaptures(sim: MarketSim, date: string, extra: readonly LedgerCapture[] = []): LedgerCapture[] {
  const i = sim.indexOf(date);
  const out: LedgerCapture[] = [];
  if (i >= 0) {
    const inj = new Map(ledgerInjections(sim).filter((x) => x.date === date).map((x) => [x.payment_id, x]));
    for (const o of sim.orders(i)) {
      const x = inj.get(o.paymentId);
      if (x?.kind === 'missing_in_ledger') continue;
      const c = captureOf(o);
      if (x?.kind === 'amount_mismatch' && x.ledger_amount) c.amount = x.ledger_amount.amount;
      out.push(c);
    }
  }
  for (const c of extra) out.push(c);
  out.sort((a, b) => (a.captured_at < b.captured_at ? -1 : a.captured_at > b.captured_at ? 1 : 0));
  return out;
}

function feeOf(gateway: Gateway, minor: number, currency: string): number {
  const f = GATEWAY_FEES[gateway];
  if (minor <= 0) return 0;
  return bpsOf(minor, f.bps) + (f.fixed[currency] ?? 0);
}

export interface SettlementReport {
  gateway: Gateway;
  date: string;
  timezone: string;
  records: SettlementRecord[];
  injections: SettlementInjection[];
  timing: SettlementTiming[];
}

/**
 * The settlement report of `gateway` for business date `date`. `extraFor(date)` supplies live
 * captures for dates that have them.
 */
export function settlementReport(sim: MarketSim, date: string, gateway: Gateway, extraFor: (date: string) => readonly LedgerCapture[] = () => []): SettlementReport {
  const tz = sim.params.timezone;
  const { start, end } = dayRange(date, tz);
  const prev = addDays(date, -1);
  const prevEnd = dayRange(prev, tz).end;
  const i = sim.indexOf(date);
  const injecting = i >= 0 && sim.isFullDay(i);
  const r = new Rng(sim.params.seed, 'settle', date, gateway);
  const records: SettlementRecord[] = [];
  const injections: SettlementInjection[] = [];
  const timing: SettlementTiming[] = [];
  const ledgerById = new Map<string, LedgerCapture>();

  const rec = (c: LedgerCapture, settledAt: number): SettlementRecord => {
    const minor = parseMinor(c.amount, c.currency);
    const fee = feeOf(gateway, minor, c.currency);
    return {
      gateway, gateway_txn_id: c.gateway_txn_id, payment_id: c.payment_id, order_id: c.order_id, record_type: 'settlement',
      amount: c.amount, currency: c.currency, fee: formatMinor(fee, c.currency), net: formatMinor(minor - fee, c.currency), settled_at: isoTime(settledAt),
    };
  };
  let late = 0;
  for (const c of ledgerCaptures(sim, prev, extraFor(prev))) {
    if (c.gateway !== gateway) continue;
    const t = Date.parse(c.captured_at);
    if (t < prevEnd - LATE_CUTOFF_MS) continue;
    ledgerById.set(c.payment_id, c);
    records.push(rec(c, start + 20 * MINUTE_MS + late++ * 7000));
    timing.push({ payment_id: c.payment_id, order_id: c.order_id, gateway, gateway_txn_id: c.gateway_txn_id, captured_date: prev, settled_date: date, amount: { amount: c.amount, currency: c.currency } });
  }
  for (const c of ledgerCaptures(sim, date, extraFor(date))) {
    if (c.gateway !== gateway) continue;
    const t = Date.parse(c.captured_at);
    if (t >= end - LATE_CUTOFF_MS) continue;
    ledgerById.set(c.payment_id, c);
    records.push(rec(c, Math.min(end - 1000, t + r.int(10, 50) * MINUTE_MS)));
  }

  const out: SettlementRecord[] = [];
  if (injecting) {
    const forced: SettlementInjection['kind'][] =
      i === lastFullDay(sim) ? (gateway === 'vnpay' ? ['amount_mismatch', 'internal_only', 'duplicate'] : gateway === 'stripe' ? ['currency_mismatch'] : []) : [];
    const seen = new Set<string>();
    records.forEach((s, k) => {
      const c = ledgerById.get(s.payment_id!)!;
      const x = r.next();
      let kind: SettlementInjection['kind'] | null = x < 0.003 ? 'amount_mismatch' : x < 0.005 ? 'internal_only' : x < 0.0065 ? 'duplicate' : x < 0.0075 ? 'currency_mismatch' : null;
      const left = records.length - k;
      const pending = forced.filter((f) => !seen.has(f));
      if (!kind && pending.length > 0 && left <= pending.length + 1) kind = pending[0]!;
      const expected = { amount: c.amount, currency: c.currency };
      const base = { date, gateway, payment_id: s.payment_id, order_id: s.order_id, gateway_txn_id: s.gateway_txn_id, expected };
      if (kind) seen.add(kind);
      if (kind === 'amount_mismatch') {
        const minor = parseMinor(s.amount, s.currency);
        const unit = s.currency === 'VND' ? 1000 : 1;
        let delta = unit * r.int(1, s.currency === 'VND' ? 50 : 500) * (r.chance(0.7) ? -1 : 1);
        if (minor + delta <= 0) delta = -delta;
        const fee = feeOf(gateway, minor + delta, s.currency);
        const changed = { ...s, amount: formatMinor(minor + delta, s.currency), fee: formatMinor(fee, s.currency), net: formatMinor(minor + delta - fee, s.currency) };
        out.push(changed);
        injections.push({ ...base, kind, actual: { amount: changed.amount, currency: s.currency } });
      } else if (kind === 'internal_only') {
        injections.push({ ...base, kind, actual: null });
      } else if (kind === 'duplicate') {
        out.push(s, { ...s });
        injections.push({ ...base, kind, actual: { amount: s.amount, currency: s.currency } });
      } else if (kind === 'currency_mismatch') {
        const minor = parseMinor(s.amount, s.currency);
        const cur = s.currency === 'VND' ? 'USD' : 'VND';
        const conv = convertMinor(minor, s.currency, cur, cur === 'USD' ? USD_PER_VND : VND_PER_USD);
        const fee = feeOf(gateway, conv, cur);
        const changed = { ...s, amount: formatMinor(conv, cur), currency: cur, fee: formatMinor(fee, cur), net: formatMinor(conv - fee, cur) };
        out.push(changed);
        injections.push({ ...base, kind, actual: { amount: changed.amount, currency: cur } });
      } else {
        out.push(s);
      }
    });
    const home = gateway === 'stripe' || gateway === 'paypal' ? 'USD' : 'VND';
    const randomTime = () => start + r.int(6 * 3600, 22 * 3600) * 1000;
    if (r.chance(0.12)) {
      const minor = home === 'VND' ? r.int(10, 3000) * 1000 : r.int(500, 30_000);
      const fee = feeOf(gateway, minor, home);
      const s: SettlementRecord = {
        gateway, gateway_txn_id: gatewayTxnId(r, gateway), payment_id: null, order_id: null, record_type: 'settlement',
        amount: formatMinor(minor, home), currency: home, fee: formatMinor(fee, home), net: formatMinor(minor - fee, home), settled_at: isoTime(randomTime()),
      };
      out.push(s);
      injections.push({ date, gateway, kind: 'gateway_only', payment_id: null, order_id: null, gateway_txn_id: s.gateway_txn_id, expected: null, actual: { amount: s.amount, currency: home } });
    }
    if (date.endsWith('-01') || r.chance(0.06)) {
      const fee = home === 'VND' ? r.int(5, 50) * 10_000 : r.int(500, 5000);
      const s: SettlementRecord = {
        gateway, gateway_txn_id: `FEE-${gateway.toUpperCase()}-${date.replace(/-/g, '')}`, payment_id: null, order_id: null, record_type: 'fee',
        amount: formatMinor(0, home), currency: home, fee: formatMinor(fee, home), net: formatMinor(-fee, home), settled_at: isoTime(end - 2000),
      };
      out.push(s);
      injections.push({ date, gateway, kind: 'fee_row', payment_id: null, order_id: null, gateway_txn_id: s.gateway_txn_id, expected: null, actual: { amount: s.net, currency: home } });
    }
    if (r.chance(0.03) && i >= 7) {
      const back = r.int(7, Math.min(30, i));
      const prior = ledgerCaptures(sim, sim.date(i - back)).filter((c) => c.gateway === gateway);
      if (prior.length > 0) {
        const c = r.pick(prior);
        const minor = parseMinor(c.amount, c.currency);
        const fee = c.currency === 'VND' ? 200_000 : 1500;
        const s: SettlementRecord = {
          gateway, gateway_txn_id: 'CB-' + c.gateway_txn_id, payment_id: c.payment_id, order_id: c.order_id, record_type: 'chargeback',
          amount: formatMinor(-minor, c.currency), currency: c.currency, fee: formatMinor(fee, c.currency), net: formatMinor(-minor - fee, c.currency), settled_at: isoTime(randomTime()),
        };
        out.push(s);
        injections.push({ date, gateway, kind: 'chargeback', payment_id: c.payment_id, order_id: c.order_id, gateway_txn_id: s.gateway_txn_id, expected: null, actual: { amount: s.amount, currency: c.currency } });
      }
    }
  } else {
    out.push(...records);
  }

  if (i >= 0) {
    for (const o of sim.refundsOn(i)) {
      if (o.gateway !== gateway) continue;
      out.push({
        gateway, gateway_txn_id: o.refundTxnId, payment_id: o.paymentId, order_id: o.orderId, record_type: 'refund',
        amount: formatMinor(-o.refundAmount, o.currency), currency: o.currency, fee: formatMinor(0, o.currency), net: formatMinor(-o.refundAmount, o.currency),
        settled_at: isoTime(Math.min(end - 1000, o.refundAt + 30 * MINUTE_MS)),
      });
    }
  }
  out.sort((a, b) => (a.settled_at < b.settled_at ? -1 : a.settled_at > b.settled_at ? 1 : a.gateway_txn_id < b.gateway_txn_id ? -1 : a.gateway_txn_id > b.gateway_txn_id ? 1 : 0));
  const totals = new Map<string, { amount: number; fee: number; net: number }>();
  for (const s of out) {
    const t = totals.get(s.currency) ?? { amount: 0, fee: 0, net: 0 };
    t.amount += parseMinor(s.amount, s.currency);
    t.fee += parseMinor(s.fee, s.currency);
    t.net += parseMinor(s.net, s.currency);
    totals.set(s.currency, t);
  }
  for (const cur of [...totals.keys()].sort()) {
    const t = totals.get(cur)!;
    out.push({
      gateway, gateway_txn_id: `PAYOUT-${gateway.toUpperCase()}-${date.replace(/-/g, '')}-${cur}`, payment_id: null, order_id: null, record_type: 'payout_total',
      amount: formatMinor(t.amount, cur), currency: cur, fee: formatMinor(t.fee, cur), net: formatMinor(t.net, cur), settled_at: isoTime(end - 1000),
    });
  }
  return { gateway, date, timezone: tz, records: out, injections, timing };
}

function lastFullDay(sim: MarketSim): number {
  for (let i = sim.dayTotal - 1; i >= 0; i--) if (sim.isFullDay(i)) return i;
  return -1;
}

export const SETTLEMENT_COLUMNS = ['gateway', 'gateway_txn_id', 'payment_id', 'order_id', 'record_type', 'amount', 'currency', 'fee', 'net', 'settled_at'] as const;

function csvCell(v: string | null): string {
  if (v === null) return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** RFC 4180 CSV with a header row, CRLF line ends. */
export function settlementCsv(records: readonly SettlementRecord[]): string {
  const lines = [SETTLEMENT_COLUMNS.join(',')];
  for (const r of records) lines.push(SETTLEMENT_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Every settlement discrepancy and next-day settlement over the whole history. */
export function allSettlementInjections(sim: MarketSim): { settlements: SettlementInjection[]; timing: SettlementTiming[] } {
  const settlements: SettlementInjection[] = [];
  const timing: SettlementTiming[] = [];
  for (let i = 0; i < sim.dayTotal; i++) {
    for (const g of GATEWAYS) {
      const rep = settlementReport(sim, sim.date(i), g);
      settlements.push(...rep.injections);
      timing.push(...rep.timing);
    }
  }
  return { settlements, timing };
}
