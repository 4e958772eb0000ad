/**
 * PayPal Settlement Report (STL): a CSV whose first column names the row type — RH report header,
 * FH file header, SH section header, CH column header, SB section body (one transaction), SF
 * section footer, SC section record count, RF/RC/FF/FC report and file footers. Amounts are
 * integers in hundredths of the currency's major unit *whatever the currency* ("1250" USD = $12.50,
 * "12550000" VND = 125,500 ₫), with a separate CR/DR column for the sign. "Invoice ID" carries
 * the merchant's reference (the platform's payment id), "PayPal Reference ID" the original
 * transaction of a refund or reversal, "Custom Field" the order id.
 */
import { FieldError, opt, parseCurrency, parseHundredths, parseTimestamp } from '../amount.ts';
import type { RecordType } from '../types.ts';
import { cell, guard, Header, makeOutput, missingColumns, record, requireText, type Row, type SettlementAdapter } from './common.ts';

function eventType(code: string): RecordType | null {
  const c = code.trim().toUpperCase();
  if (/^T00\d\d$/.test(c)) return 'settlement';
  if (/^T01\d\d$/.test(c)) return 'fee';
  if (/^T04\d\d$/.test(c)) return 'payout_total';
  if (c === 'T1107' || c === 'T1105') return 'refund';
  if (c === 'T1106' || c === 'T1201' || c === 'T1202') return 'chargeback';
  return null;
}

function kind(r: Row): string {
  return (r.cells[0] ?? '').trim().toUpperCase();
}

export const paypalAdapter: SettlementAdapter = {
  id: 'paypal',
  label: 'PayPal Settlement Report (STL)',
  gateway: 'paypal',
  detect(rows) {
    const first = rows.find((r) => r.cells.some((c) => c.trim() !== ''));
    return !!first && kind(first) === 'RH' && rows.some((r) => kind(r) === 'CH');
  },
  parse(rows, ctx) {
    const out = makeOutput('paypal', 'paypal');
    let h: Header | null = null;
    let head: Row | null = null;
    let c: Record<string, number> = {};
    let inSection = 0;
    for (const r of rows) {
      const k = kind(r);
      if (k === 'CH') {
        head = r;
        h = new Header(r.cells);
        const missing = h.missing(['Transaction ID', 'Invoice ID', 'Transaction Event Code', 'Transaction Debit or Credit', 'Gross Transaction Amount', 'Gross Transaction Currency']);
        if (missing.length) return missingColumns(out, r, 'PayPal STL', missing);
        c = {
          txn: h.col('Transaction ID'), invoice: h.col('Invoice ID'), ref: h.col('PayPal Reference ID'), refType: h.col('PayPal Reference ID Type'),
          code: h.col('Transaction Event Code'), init: h.col('Transaction Initiation Date'), done: h.col('Transaction Completion Date'),
          dc: h.col('Transaction Debit or Credit'), gross: h.col('Gross Transaction Amount'), currency: h.col('Gross Transaction Currency'),
          feeDc: h.col('Fee Debit or Credit'), fee: h.col('Fee Amount'), feeCurrency: h.col('Fee Currency'), custom: h.col('Custom Field'),
        };
        continue;
      }
      if (k === 'SH') inSection = 0;
      if (k === 'SC') {
        const n = Number((r.cells[1] ?? '').trim());
        if (Number.isInteger(n) && n !== inSection) out.errors.push({ row: r.row, field: 'SC', reason: `the section says it has ${n} record(s), the file has ${inSection}`, raw: r.raw });
        continue;
      }
      if (k !== 'SB') continue;
      inSection++;
      if (!h || !head) {
        out.rows++;
        out.errors.push({ row: r.row, field: 'CH', reason: 'a section body row (SB) before the column header row (CH)', raw: r.raw });
        continue;
      }
      guard(out, r, () => {
        const code = cell(r, c.code!);
        const recordType = eventType(code);
        if (!recordType) throw new FieldError('Transaction Event Code', `unsupported Transaction Event Code "${code}"`);
        const currency = parseCurrency(cell(r, c.currency!), 'Gross Transaction Currency');
        const dc = cell(r, c.dc!).trim().toUpperCase();
        if (dc !== 'CR' && dc !== 'DR') throw new FieldError('Transaction Debit or Credit', `expected CR or DR, got "${cell(r, c.dc!)}"`);
        const gross = parseHundredths(cell(r, c.gross!), currency, 'Gross Transaction Amount');
        const amount = dc === 'DR' ? -gross : gross;
        const feeCurrency = opt(cell(r, c.feeCurrency!)) ? parseCurrency(cell(r, c.feeCurrency!), 'Fee Currency') : currency;
        const feeAbs = opt(cell(r, c.fee!)) ? parseHundredths(cell(r, c.fee!), feeCurrency, 'Fee Amount') : 0;
        const feeDc = cell(r, c.feeDc!).trim().toUpperCase();
        if (feeAbs !== 0 && feeDc !== 'CR' && feeDc !== 'DR') throw new FieldError('Fee Debit or Credit', `expected CR or DR, got "${cell(r, c.feeDc!)}"`);
        const fee = feeDc === 'CR' ? -feeAbs : feeAbs;
        const when = opt(cell(r, c.done!)) ?? opt(cell(r, c.init!));
        const settledAt = when ? parseTimestamp(when, 'Transaction Completion Date') : null;
        const txn = opt(cell(r, c.txn!));
        const base = { gateway: 'paypal', paymentId: opt(cell(r, c.invoice!)), orderId: opt(cell(r, c.custom!)), settledAt, ctx, row: r.row };
        if (recordType === 'fee') return record({ ...base, paymentId: null, recordType, gatewayTxnId: txn, amount: 0, currency: feeCurrency, fee: fee - amount, net: amount - fee });
        if (recordType === 'payout_total') return record({ ...base, paymentId: null, recordType, gatewayTxnId: txn, amount: 0, currency, fee: 0, net: -amount });
        if (feeCurrency !== currency) throw new FieldError('Fee Currency', `the fee currency ${feeCurrency} differs from the gross currency ${currency}`);
        const original = recordType === 'settlement' ? null : opt(cell(r, c.ref!));
        return record({ ...base, recordType, gatewayTxnId: requireText(txn, 'Transaction ID'), originalTxnId: original, amount, currency, fee, net: amount - fee });
      });
    }
    if (!h && rows.length > 0) {
      const first = rows[0]!;
      out.errors.push({ row: first.row, field: 'CH', reason: 'no column header row (CH) in the PayPal STL file', raw: first.raw });
    }
    return out;
  },
};
