import { describe, it, expect, beforeAll } from 'vitest';
import { MarketSim } from '../../../src/platform-sim/generator.ts';
import { ledgerCaptures, ledgerInjections, settlementReport, settlementCsv, allSettlementInjections, SETTLEMENT_COLUMNS } from '../../../src/platform-sim/settlements.ts';
import { GATEWAYS } from '../../../src/platform-sim/catalog.ts';
import { parseMinor, formatMinor } from '../../../src/analytics/money.ts';
import { addDays, dayKey, dayRange } from '../../../src/analytics/calendar.ts';
import type { CloudEvent } from '../../../src/contract/events.ts';
import { SMALL, TZ, expectedPayouts, reconcile } from './helpers.ts';

let sim: MarketSim;
let events: CloudEvent[];

beforeAll(() => {
  sim = new MarketSim(SMALL);
  events = [...sim.events()];
});

describe('ledger', () => {
  it('agrees with payment.captured events except exactly the recorded injections', () => {
    const inj = ledgerInjections(sim);
    expect(inj.length).toBeGreaterThanOrEqual(1);
    expect(inj.length).toBeLessThanOrEqual(2);
    const found: string[] = [];
    for (let i = 0; i < sim.dayTotal; i++) {
      const date = sim.date(i);
      const fromEvents = new Map<string, string>();
      for (const e of events) {
        if (e.type !== 'payment.captured' || dayKey(Date.parse(e.time), TZ) !== date) continue;
        const d = e.data as any;
        fromEvents.set(d.payment_id, `${d.amount.amount} ${d.amount.currency}`);
      }
      const ledger = ledgerCaptures(sim, date);
      for (const c of ledger) {
        const ev = fromEvents.get(c.payment_id);
        expect(ev, c.payment_id).toBeDefined();
        if (ev !== `${c.amount} ${c.currency}`) found.push(`${date}|amount_mismatch|${c.payment_id}`);
        fromEvents.delete(c.payment_id);
      }
      for (const pid of fromEvents.keys()) found.push(`${date}|missing_in_ledger|${pid}`);
    }
    expect(found.sort()).toEqual(inj.map((x) => `${x.date}|${x.kind}|${x.payment_id}`).sort());
  });
});

describe('settlements', () => {
  it('a reconciliation against the ledger finds exactly the injected discrepancies', () => {
    const { settlements, timing } = allSettlementInjections(sim);
    const kinds = new Set(settlements.map((s) => s.kind));
    for (const k of ['amount_mismatch', 'internal_only', 'gateway_only', 'duplicate', 'currency_mismatch', 'fee_row']) expect(kinds.has(k as never), k).toBe(true);
    for (let i = 1; i < sim.dayTotal; i++) {
      const date = sim.date(i);
      const prev = addDays(date, -1);
      const dayEnd = dayRange(date, TZ).end;
      const prevEnd = dayRange(prev, TZ).end;
      for (const g of GATEWAYS) {
        const rep = settlementReport(sim, date, g);
        // what should settle today: ledger(D) captured before 23:30, ledger(D-1) captured after
        const expected = [
          ...ledgerCaptures(sim, prev).filter((c) => c.gateway === g && Date.parse(c.captured_at) >= prevEnd - 1_800_000),
          ...ledgerCaptures(sim, date).filter((c) => c.gateway === g && Date.parse(c.captured_at) < dayEnd - 1_800_000),
        ];
        const found = reconcile(rep.records, expected);
        const injected = settlements.filter((s) => s.date === date && s.gateway === g)
          .map((s) => `${s.kind}|${s.kind === 'gateway_only' || s.kind === 'fee_row' ? s.gateway_txn_id : s.payment_id}`).sort();
        expect(found, `${date} ${g}`).toEqual(injected);
        // timing entries are the late captures of D-1
        expect(timing.filter((t) => t.settled_date === date && t.gateway === g).map((t) => t.payment_id).sort())
          .toEqual(expected.filter((c) => Date.parse(c.captured_at) < prevEnd).map((c) => c.payment_id).sort());
      }
    }
  });

  it('fees and nets add up; payout_total rows sum the report per currency', () => {
    for (let i = 0; i < sim.dayTotal; i++) {
      for (const g of GATEWAYS) {
        const { records } = settlementReport(sim, sim.date(i), g);
        const totals = records.filter((r) => r.record_type === 'payout_total');
        const rows = records.filter((r) => r.record_type !== 'payout_total');
        for (const r of rows) {
          expect(parseMinor(r.amount, r.currency) - parseMinor(r.fee, r.currency)).toBe(parseMinor(r.net, r.currency));
          if (r.record_type === 'refund' || r.record_type === 'chargeback') expect(r.amount.startsWith('-')).toBe(true);
        }
        for (const t of totals) {
          const same = rows.filter((r) => r.currency === t.currency);
          expect(formatMinor(same.reduce((s, r) => s + parseMinor(r.net, r.currency), 0), t.currency)).toBe(t.net);
          expect(formatMinor(same.reduce((s, r) => s + parseMinor(r.amount, r.currency), 0), t.currency)).toBe(t.amount);
        }
        expect(new Set(totals.map((t) => t.currency)).size).toBe(new Set(rows.map((r) => r.currency)).size);
      }
    }
  });

  it('refund rows match payment.refunded events of the day', () => {
    const date = sim.date(sim.dayTotal - 2);
    const refunds = events.filter((e) => e.type === 'payment.refunded' && dayKey(Date.parse(e.time), TZ) === date).map((e) => (e.data as any).refund_id);
    let rows = 0;
    for (const g of GATEWAYS) rows += settlementReport(sim, date, g).records.filter((r) => r.record_type === 'refund').length;
    expect(rows).toBe(refunds.length);
  });

  it('CSV has the documented columns and round-trips the records', () => {
    const { records } = settlementReport(sim, sim.date(sim.dayTotal - 2), 'vnpay');
    const csv = settlementCsv(records);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(SETTLEMENT_COLUMNS.join(','));
    expect(lines.length).toBe(records.length + 1);
    const first = lines[1]!.split(',');
    expect(first[0]).toBe('vnpay');
    expect(first[5]).toBe(records[0]!.amount);
  });
});

describe('payouts', () => {
  it('payout.disbursed equals escrow - commission - fees - penalties except the injected under/over-payments', () => {
    const expected = expectedPayouts(events);
    // earlier overpayments are recovered from the next payouts: the statement's deductions
    for (const week of sim.payoutWeeks()) {
      for (const s of sim.payouts(sim.payoutDayOf(week))!.statements) {
        const k = `${week}|${s.seller_id}|${s.currency}`;
        expected.set(k, expected.get(k)! - parseMinor(s.deductions.amount, s.currency));
      }
    }
    const disbursed = new Map<string, { amount: number; currency: string }>();
    for (const e of events) {
      if (e.type !== 'payout.disbursed') continue;
      const d = e.data as any;
      disbursed.set(`${d.week}|${d.seller_id}|${d.amount.currency}`, { amount: parseMinor(d.amount.amount, d.amount.currency), currency: d.amount.currency });
    }
    expect(disbursed.size).toBeGreaterThan(10);
    const found: string[] = [];
    for (const [k, v] of disbursed) {
      const exp = expected.get(k);
      expect(exp, k).toBeDefined();
      if (exp !== v.amount) found.push(`${k}|${v.amount > exp! ? 'overpayment' : 'underpayment'}`);
    }
    const injected: string[] = [];
    for (let i = 0; i < sim.dayTotal; i++) {
      for (const x of sim.payouts(i)?.injections ?? []) {
        injected.push(`${x.week}|${x.seller_id}|${x.currency}|${x.kind}`);
        expect(parseMinor(x.disbursed.amount, x.currency) - parseMinor(x.expected.amount, x.currency)).toBe(parseMinor(x.difference.amount, x.currency));
      }
    }
    expect(found.sort()).toEqual(injected.sort());
  });

  it('statements agree with the payout events', () => {
    for (const week of sim.payoutWeeks()) {
      const p = sim.payouts(sim.payoutDayOf(week))!;
      for (const s of p.statements) {
        const e = events.find((x) => x.type === 'payout.disbursed' && (x.data as any).disbursement_id === s.disbursement_id)!;
        expect((e.data as any).amount).toEqual(s.disbursed);
        expect((e.data as any).transfer_ref).toBe(s.transfer_ref);
        const c = s.currency;
        const expected = parseMinor(s.escrow_released.amount, c) - parseMinor(s.commission.amount, c) - parseMinor(s.fees.amount, c) - parseMinor(s.penalties.amount, c) -
          parseMinor(s.deductions.amount, c);
        const inj = p.injections.find((x) => x.seller_id === s.seller_id && x.currency === c);
        expect(parseMinor(s.disbursed.amount, c)).toBe(inj ? parseMinor(inj.disbursed.amount, c) : expected);
      }
    }
  });

  it('an overpayment is recovered from the same seller\'s next payouts in that currency, never more than was overpaid', () => {
    const over = new Map<string, number>();
    for (const week of sim.payoutWeeks()) {
      const p = sim.payouts(sim.payoutDayOf(week))!;
      for (const s of p.statements) {
        const k = `${s.seller_id}|${s.currency}`;
        const d = parseMinor(s.deductions.amount, s.currency);
        expect(d, k).toBeLessThanOrEqual(over.get(k) ?? 0);
        over.set(k, (over.get(k) ?? 0) - d);
      }
      for (const x of p.injections) {
        if (x.kind !== 'overpayment') continue;
        const k = `${x.seller_id}|${x.currency}`;
        over.set(k, (over.get(k) ?? 0) + parseMinor(x.difference.amount, x.currency));
      }
    }
    const weeks = sim.payoutWeeks();
    const last = sim.payouts(sim.payoutDayOf(weeks[weeks.length - 1]!))!;
    // what is still owed after the last week is exactly the platform's carry
    for (const [k, v] of over) {
      const [seller, cur] = k.split('|');
      const idx = sim.catalog.sellers.findIndex((x) => x.id === seller);
      expect(last.carry.get(`${idx}|${cur}`) ?? 0, k).toBe(v);
    }
  });

  it('penalties never make a weekly payout negative', () => {
    const expected = expectedPayouts(events);
    for (const [k, v] of expected) if (k.endsWith('|VND')) expect(v, k).toBeGreaterThan(0);
  });
});
