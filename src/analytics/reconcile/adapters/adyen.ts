/**
 * Adyen "Settlement details" report: one row per journal entry of a settlement batch. Amounts are
 * decimal strings in major units split into debit and credit columns, gross in the gross currency
 * (GC: "Gross Debit (GC)", "Gross Credit (GC)") and net and fees in the net currency (NC), which may
 * differ (an exchange rate column links them). `Type` says what the row is: Settled, Refunded,
 * Chargeback (and reversals), Fee, MerchantPayout, ...
 * The merchant reference ("Merchant Reference") is the platform's payment id; "Psp Reference" is
 * Adyen's id of the payment, "Modification Reference" that of a refund or chargeback.
 */
import { FieldError, opt, parseCurrency, parseDecimalAmount, parseTimestamp } from '../amount.ts';
import type { RecordType } from '../types.ts';
import { cell, firstRow, guard, Header, makeOutput, missingColumns, record, requireText, type SettlementAdapter } from './common.ts';

const TYPES: Record<string, RecordType> = {
  settled: 'settlement', settledbulk: 'settlement',
  refunded: 'refund', refundedbulk: 'refund', refundedreversed: 'refund',
  chargeback: 'chargeback', secondchargeback: 'chargeback', chargebackreversed: 'chargeback', chargebackreversal: 'chargeback',
  fee: 'fee', invoicededuction: 'fee', paymentcost: 'fee', misccosts: 'fee',
  merchantpayout: 'payout_total',
};

export const adyenAdapter: SettlementAdapter = {
  id: 'adyen',
  label: 'Adyen Settlement details',
  gateway: 'adyen',
  detect(rows) {
    const h = firstRow(rows);
    return !!h && new Header(h.cells).has('psp reference', 'merchant reference', 'type', 'gross currency', 'net currency');
  },
  parse(rows, ctx) {
    const out = makeOutput('adyen', 'adyen');
    const head = firstRow(rows);
    if (!head) return out;
    const h = new Header(head.cells);
    const required = ['Psp Reference', 'Merchant Reference', 'Type', 'Gross Currency', 'Gross Debit (GC)', 'Gross Credit (GC)', 'Net Currency', 'Net Debit (NC)', 'Net Credit (NC)'];
    const missing = h.missing(required);
    if (missing.length) return missingColumns(out, head, 'Adyen Settlement details', missing);
    const c = {
      psp: h.col('Psp Reference'), mref: h.col('Merchant Reference'), type: h.col('Type'), mod: h.col('Modification Reference'),
      gc: h.col('Gross Currency'), gd: h.col('Gross Debit (GC)'), gcr: h.col('Gross Credit (GC)'),
      nc: h.col('Net Currency'), nd: h.col('Net Debit (NC)'), ncr: h.col('Net Credit (NC)'),
      fees: [h.col('Commission (NC)'), h.col('Markup (NC)'), h.col('Scheme Fees (NC)'), h.col('Interchange (NC)')].filter((i) => i >= 0),
      created: h.col('Creation Date'), tz: h.col('TimeZone'), morder: h.col('Modification Merchant Reference'),
    };
    for (const r of rows) {
      if (r === head || r.cells.every((x) => x.trim() === '')) continue;
      guard(out, r, () => {
        const typeText = cell(r, c.type).trim();
        const recordType = TYPES[typeText.toLowerCase()];
        if (!recordType) throw new FieldError('Type', `unsupported Type "${typeText}"`);
        const netCurrency = parseCurrency(cell(r, c.nc), 'Net Currency');
        const grossCurrency = opt(cell(r, c.gc)) === null ? netCurrency : parseCurrency(cell(r, c.gc), 'Gross Currency');
        const amt = (i: number, cur: string, field: string): number => (opt(cell(r, i)) === null ? 0 : parseDecimalAmount(cell(r, i), cur, field));
        const gross = amt(c.gcr, grossCurrency, 'Gross Credit (GC)') - amt(c.gd, grossCurrency, 'Gross Debit (GC)');
        const net = amt(c.ncr, netCurrency, 'Net Credit (NC)') - amt(c.nd, netCurrency, 'Net Debit (NC)');
        let fee = 0;
        for (const i of c.fees) fee += amt(i, netCurrency, headName(head.cells, i));
        const created = opt(cell(r, c.created));
        const settledAt = created ? parseTimestamp(created, 'Creation Date', opt(cell(r, c.tz)) ?? 'UTC') : null;
        const psp = opt(cell(r, c.psp));
        const mod = opt(cell(r, c.mod));
        const base = { gateway: 'adyen', paymentId: opt(cell(r, c.mref)), orderId: null, currency: grossCurrency, netCurrency, settledAt, ctx, row: r.row };
        switch (recordType) {
          case 'settlement':
            return record({ ...base, recordType, gatewayTxnId: requireText(psp, 'Psp Reference'), amount: gross, fee, net });
          case 'refund':
          case 'chargeback':
            return record({ ...base, recordType, gatewayTxnId: requireText(mod ?? psp, 'Modification Reference'), originalTxnId: mod ? psp : null, amount: gross, fee, net });
          case 'fee':
            return record({ ...base, paymentId: null, currency: netCurrency, recordType, gatewayTxnId: mod ?? psp ?? opt(cell(r, c.morder)), amount: 0, fee: -net, net });
          default:
            return record({ ...base, paymentId: null, currency: netCurrency, recordType, gatewayTxnId: mod ?? psp, amount: 0, fee: 0, net: -net });
        }
      });
    }
    return out;
  },
};

function headName(cells: readonly string[], i: number): string {
  return (cells[i] ?? '').trim();
}
