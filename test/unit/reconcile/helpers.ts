/** Builders and a seeded generator of ledgers and settlement reports for the reconciliation tests. */
import type { LedgerEntry, SettlementRecord, RecordType } from '../../../src/analytics/reconcile/index.ts';
import { addDays } from '../../../src/analytics/calendar.ts';

export function cap(paymentId: string, amount: number, o: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    kind: 'capture', paymentId, refundId: null, orderId: paymentId.replace('PAY', 'ORD'), gateway: 'vnpay', gatewayTxnId: `T${paymentId}`,
    amount, currency: 'VND', at: null, date: '2025-06-30', source: 'ledger', row: 1, ...o,
  };
}

export function refund(refundId: string, paymentId: string, amount: number, o: Partial<LedgerEntry> = {}): LedgerEntry {
  return { ...cap(paymentId, amount), kind: 'refund', refundId, gatewayTxnId: `R${refundId}`, ...o };
}

export function srow(paymentId: string | null, amount: number, o: Partial<SettlementRecord> = {}): SettlementRecord {
  const type: RecordType = o.recordType ?? 'settlement';
  const currency = o.currency ?? 'VND';
  const fee = o.fee ?? 0;
  return {
    gateway: 'vnpay', recordType: type, gatewayTxnId: paymentId ? `T${paymentId}` : null, paymentId, orderId: paymentId?.replace('PAY', 'ORD') ?? null,
    originalTxnId: null, amount, currency, fee, net: amount - fee, netCurrency: currency, settledAt: null, date: '2025-06-30', source: 'settle', row: 1, ...o,
  };
}

/** mulberry32 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: readonly T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export interface Generated {
  date: string;
  captures: LedgerEntry[];
  refunds: LedgerEntry[];
  settlements: SettlementRecord[];
  /** what was injected, by kind: the keys the run must report */
  expected: { status: string; key: string; review: string; discrepancy: number | null; currency: string }[];
}

const GATEWAYS = [['vnpay', 'VND'], ['momo', 'VND'], ['stripe', 'USD'], ['adyen', 'VND'], ['adyen', 'USD'], ['paypal', 'EUR']] as const;

/**
 * A window of `aging + 1` days ending on `date`: captures every day; those of earlier days settle on
 * their day (or the next one when "late"); refunds; and on `date` injected discrepancies.
 */
export function generate(seed: number, n: number, date = '2025-06-30', aging = 3): Generated {
  const r = rng(seed);
  const captures: LedgerEntry[] = [];
  const refunds: LedgerEntry[] = [];
  const settlements: SettlementRecord[] = [];
  const expected: Generated['expected'] = [];
  const days = Array.from({ length: aging + 1 }, (_, i) => addDays(date, i - aging));
  let k = 0;
  for (const day of days) {
    for (let i = 0; i < n; i++) {
      const [gateway, currency] = GATEWAYS[Math.floor(r() * GATEWAYS.length)]!;
      const pid = `PAY-${day.replace(/-/g, '')}-${String(++k).padStart(6, '0')}-1`;
      const amount = currency === 'VND' ? 1000 * (50 + Math.floor(r() * 4950)) : 100 + Math.floor(r() * 99_900);
      const c = cap(pid, amount, { gateway, currency, date: day, gatewayTxnId: `${gateway.toUpperCase()}${k}`, row: k });
      captures.push(c);
      const late = r() < 0.04;
      const settleDay = late ? addDays(day, 1) : day;
      if (settleDay > date) {
        expected.push({ status: 'internal_only', key: `pay:${pid}`, review: 'pending', discrepancy: -amount, currency });
        continue;
      }
      const fee = Math.round(amount * 0.02);
      const base = srow(pid, amount, { gateway, currency, fee, net: amount - fee, date: settleDay, gatewayTxnId: c.gatewayTxnId, row: k, source: `s-${settleDay}` });
      if (settleDay !== date) {
        // earlier days: settled as captured (consumed, not reported)
        if (r() < 0.02) {
          // never settled: open since `day`
          const age = Math.round((Date.parse(date) - Date.parse(day)) / 86_400_000);
          expected.push({ status: 'internal_only', key: `pay:${pid}`, review: age >= aging ? 'exception' : 'pending', discrepancy: -amount, currency });
        } else settlements.push(base);
        continue;
      }
      const x = r();
      if (x < 0.01) {
        const delta = (currency === 'VND' ? 1000 : 1) * (1 + Math.floor(r() * 50)) * (r() < 0.5 ? -1 : 1);
        settlements.push({ ...base, amount: amount + delta, net: amount + delta - fee });
        expected.push({ status: 'amount_mismatch', key: `pay:${pid}`, review: 'exception', discrepancy: delta, currency });
      } else if (x < 0.02) {
        const age = Math.round((Date.parse(date) - Date.parse(day)) / 86_400_000);
        expected.push({ status: 'internal_only', key: `pay:${pid}`, review: age >= aging ? 'exception' : 'pending', discrepancy: -amount, currency });
      } else if (x < 0.03) {
        settlements.push(base, { ...base, row: base.row + 1_000_000 });
        expected.push({ status: 'matched', key: `pay:${pid}`, review: 'none', discrepancy: 0, currency });
        expected.push({ status: 'duplicate', key: `dup:pay:${pid}:${date}:1`, review: 'exception', discrepancy: amount, currency });
      } else if (x < 0.035 && currency !== 'EUR') {
        const other = currency === 'VND' ? 'USD' : 'VND';
        const conv = currency === 'VND' ? Math.round(amount / 250) : amount * 250;
        settlements.push({ ...base, amount: conv, currency: other, fee: 0, net: conv, netCurrency: other });
        expected.push({ status: 'currency_mismatch', key: `pay:${pid}`, review: 'exception', discrepancy: null, currency });
      } else {
        settlements.push(base);
        expected.push({ status: 'matched', key: `pay:${pid}`, review: 'none', discrepancy: 0, currency });
      }
      if (r() < 0.03) {
        const rid = `RFD-${pid.slice(4)}`;
        const ramount = Math.max(1, Math.floor(amount / 2));
        refunds.push(refund(rid, pid, ramount, { gateway, currency, date, gatewayTxnId: `RF${k}`, row: k }));
        if (r() < 0.8) {
          settlements.push(srow(pid, -ramount, { recordType: 'refund', gateway, currency, date, gatewayTxnId: `RF${k}`, row: k + 2_000_000 }));
          expected.push({ status: 'matched', key: `rfd:${rid}`, review: 'none', discrepancy: 0, currency });
        } else {
          expected.push({ status: 'internal_only', key: `rfd:${rid}`, review: 'pending', discrepancy: ramount, currency });
        }
      }
    }
  }
  // gateway-only rows, fees and chargebacks on `date`
  for (let i = 0; i < Math.max(1, Math.floor(n / 100)); i++) {
    const [gateway, currency] = GATEWAYS[Math.floor(r() * GATEWAYS.length)]!;
    const amount = currency === 'VND' ? 1000 * (1 + Math.floor(r() * 900)) : 100 + Math.floor(r() * 9000);
    const txn = `GW${gateway}${i}`;
    settlements.push(srow(null, amount, { gateway, currency, date, gatewayTxnId: txn, row: 3_000_000 + i }));
    expected.push({ status: 'gateway_only', key: `gw:${gateway}:settlement:${txn}`, review: 'exception', discrepancy: amount, currency });
    const fee = currency === 'VND' ? 50_000 : 500;
    settlements.push(srow(null, 0, { recordType: 'fee', gateway, currency, date, gatewayTxnId: `FEE${gateway}${i}`, fee, net: -fee, row: 4_000_000 + i }));
    expected.push({ status: 'fee', key: `fee:${gateway}:FEE${gateway}${i}`, review: 'none', discrepancy: 0, currency });
    const victim = captures[Math.floor(r() * captures.length)]!;
    settlements.push(srow(victim.paymentId, -victim.amount, { recordType: 'chargeback', gateway: victim.gateway!, currency: victim.currency, date, gatewayTxnId: `CB-${victim.gatewayTxnId}-${i}`, row: 5_000_000 + i }));
    expected.push({ status: 'chargeback', key: `cb:${victim.gateway}:CB-${victim.gatewayTxnId}-${i}`, review: 'exception', discrepancy: -victim.amount, currency: victim.currency });
  }
  return { date, captures, refunds, settlements, expected };
}
