/**
 * A MoMo-style reconciliation file (the fields of MoMo's payment notifications as columns):
 * partnerCode, orderId (the merchant reference: the platform's payment id), requestId, transId
 * (MoMo's transaction id), amount (integer đồng; "1.250.000" and "1,250,000" are read as grouped
 * integers), optional fee (integer đồng), resultCode (0 = success; other rows are failed
 * transactions, skipped), transType ("payment"/"capture", "refund"), responseTime (epoch ms or a
 * local "yyyy-MM-dd HH:mm:ss" in GMT+7), origTransId (a refund's original), orderInfo (free text).
 */
import { FieldError, opt, parseCurrency, parseIntegerAmount, parseTimestamp } from '../amount.ts';
import { cell, firstRow, guard, Header, makeOutput, missingColumns, record, requireText, type SettlementAdapter } from './common.ts';

export const momoAdapter: SettlementAdapter = {
  id: 'momo',
  label: 'MoMo reconciliation file',
  gateway: 'momo',
  detect(rows) {
    const h = firstRow(rows);
    return !!h && new Header(h.cells).has('partnercode', 'transid', 'resultcode', 'amount');
  },
  parse(rows, ctx) {
    const out = makeOutput('momo', 'momo');
    const head = firstRow(rows);
    if (!head) return out;
    const h = new Header(head.cells);
    const missing = h.missing(['orderId', 'transId', 'amount', 'resultCode']);
    if (missing.length) return missingColumns(out, head, 'MoMo', missing);
    const c = {
      ref: h.col('orderId'), trans: h.col('transId'), amount: h.col('amount'), fee: h.col('fee'), code: h.col('resultCode'),
      type: h.col('transType'), time: h.col('responseTime'), orig: h.col('origTransId'), cur: h.col('currency'), order: h.col('extraOrderId', 'platformOrderId'),
    };
    for (const r of rows) {
      if (r === head || r.cells.every((x) => x.trim() === '')) continue;
      guard(out, r, () => {
        const code = cell(r, c.code).trim();
        if (!/^-?\d+$/.test(code)) throw new FieldError('resultCode', `resultCode "${code}" is not a number`);
        if (Number(code) !== 0) return 'skip';
        const currency = opt(cell(r, c.cur)) ? parseCurrency(cell(r, c.cur), 'currency') : 'VND';
        const typeText = (opt(cell(r, c.type)) ?? 'payment').toLowerCase();
        const refund = typeText === 'refund';
        if (!refund && typeText !== 'payment' && typeText !== 'capture') throw new FieldError('transType', `unknown transType "${cell(r, c.type)}" (payment, capture, refund)`);
        const gross = parseIntegerAmount(cell(r, c.amount), currency, 'amount');
        if (gross < 0) throw new FieldError('amount', 'amount must not be negative (transType gives the direction)');
        const fee = opt(cell(r, c.fee)) ? parseIntegerAmount(cell(r, c.fee), currency, 'fee') : 0;
        const t = opt(cell(r, c.time));
        const settledAt = t === null ? null : /^\d{12,14}$/.test(t) ? Number(t) : parseTimestamp(t, 'responseTime', '+07:00');
        return record({
          gateway: 'momo', recordType: refund ? 'refund' : 'settlement', gatewayTxnId: requireText(opt(cell(r, c.trans)), 'transId'),
          paymentId: opt(cell(r, c.ref)), orderId: opt(cell(r, c.order)), originalTxnId: refund ? opt(cell(r, c.orig)) : null,
          amount: refund ? -gross : gross, currency, fee, settledAt, ctx, row: r.row,
        });
      });
    }
    return out;
  },
};
