/**
 * A VNPay-style reconciliation file (the vnp_* fields of VNPay's payment API as columns):
 * vnp_TxnRef (the merchant reference: the platform's payment id), vnp_TransactionNo (VNPay's
 * transaction number), vnp_Amount (hundredths of a đồng: "12550000" = 125,500 ₫), vnp_PayDate
 * (yyyyMMddHHmmss in GMT+7), vnp_ResponseCode ("00" = success; other rows are failed
 * transactions, skipped), vnp_TransactionType ("01" payment, "02" full refund, "03" partial
 * refund), optional vnp_Fee (hundredths), vnp_CurrCode (default VND), vnp_OrigTransactionNo (a
 * refund's original payment), vnp_OrderInfo (free text, often Vietnamese).
 */
import { FieldError, opt, parseCurrency, parseHundredths, parseTimestamp } from '../amount.ts';
import { cell, firstRow, guard, Header, makeOutput, missingColumns, record, requireText, type SettlementAdapter } from './common.ts';

export const vnpayAdapter: SettlementAdapter = {
  id: 'vnpay',
  label: 'VNPay reconciliation file',
  gateway: 'vnpay',
  detect(rows) {
    const h = firstRow(rows);
    return !!h && new Header(h.cells).has('vnp_txnref', 'vnp_amount', 'vnp_transactionno');
  },
  parse(rows, ctx) {
    const out = makeOutput('vnpay', 'vnpay');
    const head = firstRow(rows);
    if (!head) return out;
    const h = new Header(head.cells);
    const missing = h.missing(['vnp_TxnRef', 'vnp_TransactionNo', 'vnp_Amount', 'vnp_ResponseCode', 'vnp_PayDate']);
    if (missing.length) return missingColumns(out, head, 'VNPay', missing);
    const c = {
      ref: h.col('vnp_TxnRef'), no: h.col('vnp_TransactionNo'), amount: h.col('vnp_Amount'), code: h.col('vnp_ResponseCode'),
      date: h.col('vnp_PayDate'), type: h.col('vnp_TransactionType'), fee: h.col('vnp_Fee'), cur: h.col('vnp_CurrCode'),
      orig: h.col('vnp_OrigTransactionNo'), order: h.col('vnp_OrderId'),
    };
    for (const r of rows) {
      if (r === head || r.cells.every((x) => x.trim() === '')) continue;
      guard(out, r, () => {
        const code = cell(r, c.code).trim();
        if (code !== '00') return 'skip';
        const currency = opt(cell(r, c.cur)) ? parseCurrency(cell(r, c.cur), 'vnp_CurrCode') : 'VND';
        const type = (opt(cell(r, c.type)) ?? '01').padStart(2, '0');
        if (type !== '01' && type !== '02' && type !== '03') throw new FieldError('vnp_TransactionType', `unknown vnp_TransactionType "${cell(r, c.type)}" (01 payment, 02/03 refund)`);
        const gross = parseHundredths(cell(r, c.amount), currency, 'vnp_Amount');
        if (gross < 0) throw new FieldError('vnp_Amount', 'vnp_Amount must not be negative (the transaction type gives the direction)');
        const fee = opt(cell(r, c.fee)) ? parseHundredths(cell(r, c.fee), currency, 'vnp_Fee') : 0;
        const settledAt = parseTimestamp(cell(r, c.date), 'vnp_PayDate', '+07:00');
        const refund = type !== '01';
        return record({
          gateway: 'vnpay', recordType: refund ? 'refund' : 'settlement', gatewayTxnId: requireText(opt(cell(r, c.no)), 'vnp_TransactionNo'),
          paymentId: opt(cell(r, c.ref)), orderId: opt(cell(r, c.order)), originalTxnId: refund ? opt(cell(r, c.orig)) : null,
          amount: refund ? -gross : gross, currency, fee, settledAt, ctx, row: r.row,
        });
      });
    }
    return out;
  },
};
