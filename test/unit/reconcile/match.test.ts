/**
 * The matching engine: hand-computed cases for each status, then properties over generated ledgers
 * and settlements: every injected discrepancy found and nothing else, totals conserved per
 * currency, and the report byte-identical whatever the input order.
 */
import { describe, expect, it } from 'vitest';
import { LedgerTable, reconcile, reconcileTables, reportCsv, SettlementTable, summarize, writePlanCsv, type MatchInput, type ReconItem } from '../../../src/analytics/reconcile/index.ts';
import { MoneyBag } from '../../../src/analytics/money.ts';
import { cap, generate, refund, rng, shuffle, srow } from './helpers.ts';

const P = { date: '2025-06-30', agingDays: 3, toleranceMinor: {} };
const byKey = (items: ReconItem[]) => Object.fromEntries(items.map((i) => [i.key, i]));

describe('reconcile: one status at a time', () => {
  it('matched, amount_mismatch, gateway_only, internal_only, duplicate, currency_mismatch', () => {
    const input: MatchInput = {
      captures: [cap('PAY-1', 100_000), cap('PAY-2', 200_000), cap('PAY-3', 300_000), cap('PAY-4', 400_000), cap('PAY-5', 2_500_000)],
      refunds: [],
      settlements: [
        srow('PAY-1', 100_000), srow('PAY-2', 195_000), srow(null, 50_000, { gatewayTxnId: 'UNKNOWN' }),
        srow('PAY-4', 400_000), srow('PAY-4', 400_000), srow('PAY-5', 10_000, { currency: 'USD', gateway: 'vnpay' }),
      ],
    };
    const { items } = reconcile(input, P);
    const k = byKey(items);
    expect(k['pay:PAY-1']).toMatchObject({ status: 'matched', review: 'none', captured: 100_000, settled: 100_000, discrepancy: 0 });
    expect(k['pay:PAY-2']).toMatchObject({ status: 'amount_mismatch', review: 'exception', discrepancy: -5000 });
    expect(k['gw:vnpay:settlement:UNKNOWN']).toMatchObject({ status: 'gateway_only', captured: null, settled: 50_000, discrepancy: 50_000 });
    expect(k['pay:PAY-3']).toMatchObject({ status: 'internal_only', review: 'pending', ageDays: 0, discrepancy: -300_000, settled: null });
    expect(k['pay:PAY-4']).toMatchObject({ status: 'matched' });
    expect(k['dup:pay:PAY-4:2025-06-30:1']).toMatchObject({ status: 'duplicate', review: 'exception', captured: null, settled: 400_000, discrepancy: 400_000, paymentId: 'PAY-4' });
    expect(k['pay:PAY-5']).toMatchObject({ status: 'currency_mismatch', currency: 'VND', captured: 2_500_000, settled: 10_000, settledCurrency: 'USD', discrepancy: null });
    expect(items).toHaveLength(7);
    expect(items.map((i) => i.key)).toEqual([...items.map((i) => i.key)].sort());
  });

  it('matches by gateway txn id when the row has no payment id, and applies the tolerance of the currency', () => {
    const { items } = reconcile(
      { captures: [cap('PAY-1', 1000, { currency: 'USD' }), cap('PAY-2', 1000, { currency: 'USD' })], refunds: [],
        settlements: [srow(null, 1001, { currency: 'USD', gatewayTxnId: 'TPAY-1' }), srow('PAY-2', 1003, { currency: 'USD' })] },
      { ...P, toleranceMinor: { USD: 2 } },
    );
    expect(byKey(items)['pay:PAY-1']).toMatchObject({ status: 'matched', discrepancy: 1, note: expect.stringMatching(/tolerance of 2 minor units/) });
    expect(byKey(items)['pay:PAY-2']).toMatchObject({ status: 'amount_mismatch', discrepancy: 3 });
  });

  it('internal_only stays pending inside the window, is an exception once agingDays old, and late settlements match', () => {
    const { items } = reconcile({
      captures: [cap('PAY-A', 1, { date: '2025-06-27' }), cap('PAY-B', 2, { date: '2025-06-28' }), cap('PAY-C', 3, { date: '2025-06-29' }), cap('PAY-OLD', 4, { date: '2025-06-26' })],
      refunds: [],
      settlements: [srow('PAY-C', 3)],
    }, P);
    const k = byKey(items);
    expect(k['pay:PAY-A']).toMatchObject({ status: 'internal_only', review: 'exception', ageDays: 3 });
    expect(k['pay:PAY-B']).toMatchObject({ status: 'internal_only', review: 'pending', ageDays: 2 });
    expect(k['pay:PAY-C']).toMatchObject({ status: 'matched', capturedDate: '2025-06-29', settledDate: '2025-06-30', note: 'captured 2025-06-29, settled 2025-06-30' });
    expect(k['pay:PAY-OLD']).toBeUndefined();
  });

  it('rows of earlier days consume the ledger without being reported; a second settlement later is a duplicate', () => {
    const { items } = reconcile({
      captures: [cap('PAY-1', 10, { date: '2025-06-29' }), cap('PAY-2', 20, { date: '2025-06-29' })],
      refunds: [],
      settlements: [srow('PAY-1', 10, { date: '2025-06-29' }), srow('PAY-2', 20, { date: '2025-06-29' }), srow('PAY-2', 20)],
    }, P);
    expect(items.map((i) => [i.key, i.status])).toEqual([['dup:pay:PAY-2:2025-06-30:1', 'duplicate']]);
    expect(items[0]!.note).toBe('duplicate: first settled 2025-06-29');
  });

  it('refunds match their own ledger records; chargebacks and fees', () => {
    const { items } = reconcile({
      captures: [cap('PAY-1', 500_000, { date: '2025-06-20' })].filter((c) => c.date >= '2025-06-27'),
      refunds: [refund('RFD-1', 'PAY-1', 100_000), refund('RFD-2', 'PAY-2', 50_000), refund('RFD-3', 'PAY-3', 70_000)],
      settlements: [
        srow('PAY-1', -100_000, { recordType: 'refund', gatewayTxnId: 'RRFD-1' }),
        srow('PAY-2', -40_000, { recordType: 'refund', gatewayTxnId: 'other-id' }),
        srow('PAY-9', -500_000, { recordType: 'chargeback', gatewayTxnId: 'CB-1' }),
        srow(null, 0, { recordType: 'fee', gatewayTxnId: 'FEE-1', fee: 110_000, net: -110_000 }),
      ],
      lookup: { capture: (q) => (q.paymentId === 'PAY-9' ? cap('PAY-9', 500_000, { date: '2025-06-10' }) : null) },
    }, P);
    const k = byKey(items);
    expect(k['rfd:RFD-1']).toMatchObject({ status: 'matched', recordType: 'refund', captured: -100_000, settled: -100_000, discrepancy: 0 });
    expect(k['rfd:RFD-2']).toMatchObject({ status: 'amount_mismatch', recordType: 'refund', captured: -50_000, settled: -40_000, discrepancy: 10_000 });
    expect(k['rfd:RFD-3']).toMatchObject({ status: 'internal_only', recordType: 'refund', captured: -70_000, discrepancy: 70_000, review: 'pending' });
    expect(k['cb:vnpay:CB-1']).toMatchObject({ status: 'chargeback', review: 'exception', settled: -500_000, discrepancy: -500_000, note: 'chargeback of PAY-9 captured 2025-06-10 (500000 VND)' });
    expect(k['fee:vnpay:FEE-1']).toMatchObject({ status: 'fee', review: 'none', fee: 110_000, discrepancy: 0 });
  });

  it('a settlement of a capture older than the window matches through the lookup, unless already settled', () => {
    const old = cap('PAY-OLD', 9000, { date: '2025-06-20' });
    const run = (settledBefore: string | null) => reconcile({
      captures: [], refunds: [], settlements: [srow('PAY-OLD', 9000)],
      lookup: { capture: (q) => (q.paymentId === 'PAY-OLD' ? old : null), settledBefore: () => settledBefore },
    }, P).items;
    expect(run(null)).toEqual([expect.objectContaining({ key: 'pay:PAY-OLD', status: 'matched', note: 'captured 2025-06-20 (before the 3-day window), settled 2025-06-30' })]);
    expect(run('2025-06-21')).toEqual([expect.objectContaining({ key: 'dup:pay:PAY-OLD:2025-06-30:1', status: 'duplicate', note: 'duplicate: already settled on 2025-06-21' })]);
  });

  it('cross-checks the ledger against the synced payment.captured events', () => {
    const ev = (pid: string, amount: number) => ({ paymentId: pid, orderId: null, gateway: 'vnpay', gatewayTxnId: null, amount, currency: 'VND', at: 0, source: `e-${pid}` });
    const { items } = reconcile({
      captures: [cap('PAY-1', 100), cap('PAY-2', 200)], refunds: [], settlements: [srow('PAY-1', 100), srow('PAY-2', 200)],
      events: [ev('PAY-1', 100), ev('PAY-2', 250), ev('PAY-3', 300)],
    }, P);
    const k = byKey(items);
    expect(k['lem:PAY-2']).toMatchObject({ status: 'ledger_event_mismatch', captured: 200, eventAmount: 250, discrepancy: -50 });
    expect(k['lem:PAY-3']).toMatchObject({ status: 'ledger_event_mismatch', captured: null, eventAmount: 300, discrepancy: -300 });
    expect(k['lem:PAY-1']).toBeUndefined();
  });

  it('checks each report against its payout_total rows', () => {
    const { controlTotals, warnings } = reconcile({
      captures: [cap('PAY-1', 100)], refunds: [],
      settlements: [srow('PAY-1', 100, { fee: 1, net: 99 }), srow(null, 0, { recordType: 'payout_total', gatewayTxnId: 'P', net: 98, fee: 0 })],
    }, P);
    expect(controlTotals).toEqual([{ gateway: 'vnpay', currency: 'VND', date: '2025-06-30', reported: 98, computed: 99, ok: false }]);
    expect(warnings[0]).toMatch(/differs from the sum of the rows \(99\) by -1 minor units/);
  });

  it('of two rows for one payment, the one that agrees with the ledger settles it, in either order', () => {
    const a = srow('PAY-1', 100, { row: 1 }), b = srow('PAY-1', 90, { row: 2, gatewayTxnId: 'OTHER' });
    for (const settlements of [[a, b], [b, a]]) {
      const { items } = reconcile({ captures: [cap('PAY-1', 100)], refunds: [], settlements }, P);
      expect(items.map((i) => [i.key, i.status, i.settled])).toEqual([['dup:pay:PAY-1:2025-06-30:1', 'duplicate', 90], ['pay:PAY-1', 'matched', 100]]);
    }
  });

  it('only the run gateways', () => {
    const { items } = reconcile({ captures: [cap('PAY-1', 1), cap('PAY-2', 2, { gateway: 'momo' })], refunds: [], settlements: [] }, { ...P, gateways: ['momo'] });
    expect(items.map((i) => i.key)).toEqual(['pay:PAY-2']);
  });
});

describe('reconcile: properties over generated ledgers and settlements', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: finds exactly the injected statuses and amounts`, () => {
      const g = generate(seed, 400);
      const { items } = reconcile({ captures: g.captures, refunds: g.refunds, settlements: g.settlements }, { ...P, date: g.date });
      const got = items.map((i) => ({ status: i.status, key: i.key, review: i.review, discrepancy: i.discrepancy, currency: i.currency })).sort((a, b) => (a.key < b.key ? -1 : 1));
      const want = [...g.expected].sort((a, b) => (a.key < b.key ? -1 : 1));
      expect(got).toEqual(want);
    });
  }

  it('conserves totals per currency: Σsettled − Σcaptured = Σdiscrepancy; every row and ledger entry appears once', () => {
    for (const seed of [11, 12, 13]) {
      const g = generate(seed, 300);
      const { items } = reconcile({ captures: g.captures, refunds: g.refunds, settlements: g.settlements }, { ...P, date: g.date });
      const settled = new MoneyBag(), captured = new MoneyBag(), disc = new MoneyBag();
      for (const it of items) {
        if (it.status === 'currency_mismatch') continue;
        if (it.settled !== null) settled.add(it.settled, it.settledCurrency!);
        if (it.captured !== null) captured.add(it.captured, it.currency);
        if (it.discrepancy !== null) disc.add(it.discrepancy, it.currency);
      }
      for (const c of new Set([...settled.currencies(), ...captured.currencies()])) expect(settled.get(c) - captured.get(c)).toBe(disc.get(c));
      // every settlement row of the day is in exactly one item, every open/settled ledger entry too
      const rowsOfDay = new MoneyBag();
      for (const s of g.settlements) if (s.date === g.date && s.recordType !== 'payout_total') rowsOfDay.add(s.amount, s.currency);
      const itemSettled = new MoneyBag();
      for (const it of items) if (it.settled !== null) itemSettled.add(it.settled, it.settledCurrency!);
      expect(itemSettled.entries()).toEqual(rowsOfDay.entries());
      const consumedEarlier = new Set(g.settlements.filter((s) => s.date < g.date).map((s) => s.paymentId));
      const ledger = new MoneyBag();
      for (const c of g.captures) if (!consumedEarlier.has(c.paymentId)) ledger.add(c.amount, c.currency);
      for (const rf of g.refunds) ledger.add(-rf.amount, rf.currency);
      const itemCaptured = new MoneyBag();
      for (const it of items) if (it.captured !== null) itemCaptured.add(it.captured, it.currency);
      expect(itemCaptured.entries()).toEqual(ledger.entries());
    }
  });

  it('the streamed report (lines straight from the columns) is byte-identical to the report of the items', () => {
    for (const seed of [31, 32]) {
      const g = generate(seed, 300);
      const events = g.captures.filter((c) => c.date === g.date && c.amount % 7 !== 0).map((c) => ({ paymentId: c.paymentId, orderId: c.orderId, gateway: c.gateway, gatewayTxnId: c.gatewayTxnId, amount: c.amount + (c.amount % 11 === 0 ? 1 : 0), currency: c.currency, at: 0, source: 'e' }));
      const input = { captures: g.captures, refunds: g.refunds, settlements: g.settlements, events };
      const items = reconcile(input, { ...P, date: g.date }).items;
      const plan = reconcileTables({
        settlements: SettlementTable.from(g.settlements), captures: LedgerTable.from(g.captures), refunds: LedgerTable.from(g.refunds), events,
      }, { ...P, date: g.date });
      let streamed = '';
      writePlanCsv(plan, (t) => { streamed += t; }, 37);
      expect(streamed).toBe(reportCsv(items));
      expect(items.some((i) => i.status === 'ledger_event_mismatch')).toBe(true);
    }
  });

  it('shuffling the input order changes nothing: byte-identical report and summary', () => {
    const g = generate(21, 500);
    const opts = { date: g.date, threshold: { minor: 10_000_000, currency: 'VND' }, fxRates: { USD: '26000', EUR: '28000' }, reportingCurrency: 'VND' };
    const once = reconcile({ captures: g.captures, refunds: g.refunds, settlements: g.settlements }, { ...P, date: g.date });
    const csv = reportCsv(once.items);
    const summary = JSON.stringify(summarize(once.items, opts));
    const r = rng(99);
    for (let k = 0; k < 4; k++) {
      const again = reconcile({ captures: shuffle(g.captures, r), refunds: shuffle(g.refunds, r), settlements: shuffle(g.settlements, r) }, { ...P, date: g.date });
      expect(reportCsv(again.items)).toBe(csv);
      expect(JSON.stringify(summarize(again.items, opts))).toBe(summary);
    }
  });
});
