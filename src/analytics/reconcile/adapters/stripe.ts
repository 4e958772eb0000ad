/**
 * Stripe "Payout reconciliation" itemized report (payout_reconciliation.itemized.N): one row per
 * balance transaction settled in a payout. Decimal amounts in major units (`gross`, `fee`, `net`),
 * lower-case `currency`, negative gross for refunds and disputes; `reporting_category` says what
 * the row is. The merchant reference is read from `payment_metadata[payment_id]` (else the
 * payment intent id) and the order from `payment_metadata[order_id]`.
 */
import { FieldError, opt, parseCurrency, parseDecimalAmount, parseTimestamp } from '../amount.ts';
import type { RecordType } from '../types.ts';
import { cell, firstRow, guard, Header, makeOutput, missingColumns, record, requireText, type SettlementAdapter } from './common.ts';

const CATEGORY: Record<string, RecordType> = {
  charge: 'settlement', payment: 'settlement',
  refund: 'refund', partial_capture_reversal: 'refund', refund_failure: 'refund',
  dispute: 'chargeback', dispute_reversal: 'chargeback',
  fee: 'fee', stripe_fee: 'fee', network_cost: 'fee', tax: 'fee', other_adjustment: 'fee', platform_earning: 'fee',
  payout: 'payout_total', payout_reversal: 'payout_total',
};

export const stripeAdapter: SettlementAdapter = {
  id: 'stripe',
  label: 'Stripe payout_reconciliation.itemized',
  gateway: 'stripe',
  detect(rows) {
    const h = firstRow(rows);
    return !!h && new Header(h.cells).has('balance_transaction_id', 'reporting_category', 'gross', 'net', 'currency');
  },
  parse(rows, ctx) {
    const out = makeOutput('stripe', 'stripe');
    const head = firstRow(rows);
    if (!head) return out;
    const h = new Header(head.cells);
    const missing = h.missing(['balance_transaction_id', 'reporting_category', 'gross', 'fee', 'net', 'currency']);
    if (missing.length) return missingColumns(out, head, 'Stripe itemized', missing);
    const c = {
      bt: h.col('balance_transaction_id'), cat: h.col('reporting_category'), gross: h.col('gross'), fee: h.col('fee'), net: h.col('net'),
      currency: h.col('currency'), source: h.col('source_id'), charge: h.col('charge_id'), intent: h.col('payment_intent_id'),
      pid: h.col('payment_metadata[payment_id]'), oid: h.col('payment_metadata[order_id]', 'order_id'),
      when: h.col('automatic_payout_effective_at_utc', 'automatic_payout_effective_at', 'available_on_utc', 'available_on', 'created_utc', 'created'),
    };
    for (const r of rows) {
      if (r === head || r.cells.every((x) => x.trim() === '')) continue;
      guard(out, r, () => {
        const catText = cell(r, c.cat).trim().toLowerCase();
        const recordType = CATEGORY[catText];
        if (!recordType) throw new FieldError('reporting_category', `unsupported reporting_category "${cell(r, c.cat)}"`);
        const currency = parseCurrency(cell(r, c.currency), 'currency');
        const gross = parseDecimalAmount(cell(r, c.gross), currency, 'gross');
        const fee = parseDecimalAmount(cell(r, c.fee) || '0', currency, 'fee');
        const net = parseDecimalAmount(cell(r, c.net), currency, 'net');
        if (net !== gross - fee) throw new FieldError('net', `net ${cell(r, c.net)} is not gross ${cell(r, c.gross)} minus fee ${cell(r, c.fee)}`);
        const sourceId = opt(cell(r, c.source));
        const chargeId = opt(cell(r, c.charge));
        const paymentId = opt(cell(r, c.pid)) ?? opt(cell(r, c.intent));
        const when = opt(cell(r, c.when));
        const base = { gateway: 'stripe', paymentId, orderId: opt(cell(r, c.oid)), currency, settledAt: when ? parseTimestamp(when, 'created_utc') : null, ctx, row: r.row };
        if (recordType === 'fee') return record({ ...base, recordType, gatewayTxnId: sourceId ?? opt(cell(r, c.bt)), amount: 0, fee: -net, net });
        if (recordType === 'payout_total') return record({ ...base, recordType, gatewayTxnId: sourceId ?? opt(cell(r, c.bt)), amount: 0, fee: 0, net: -net });
        if (recordType === 'settlement') {
          return record({ ...base, recordType, gatewayTxnId: requireText(chargeId ?? sourceId, 'charge_id'), amount: gross, fee, net });
        }
        return record({ ...base, recordType, gatewayTxnId: requireText(sourceId, 'source_id'), originalTxnId: chargeId, amount: gross, fee, net });
      });
    }
    return out;
  },
};
