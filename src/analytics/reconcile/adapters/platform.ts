/**
 * The platform's own settlement format (docs/platform-api.md, `GET /v1/settlements`):
 * gateway, gateway_txn_id, payment_id, order_id, record_type, amount, currency, fee, net, settled_at.
 * Amounts are decimal strings in major units, signed (refunds and chargebacks negative).
 * The JSON form of the same report is turned into rows by {@link platformJsonRows}.
 */
import { RECORD_TYPES, type RecordType } from '../types.ts';
import { FieldError, intern, internLower, opt, parseCurrency, parseDecimalAmount, parseTimestamp } from '../amount.ts';
import { blank, cell, firstRow, guard, Header, makeOutput, missingColumns, record, requireText, type AdapterContext, type AdapterOutput, type Row, type SettlementAdapter } from './common.ts';

export const PLATFORM_COLUMNS = ['gateway', 'gateway_txn_id', 'payment_id', 'order_id', 'record_type', 'amount', 'currency', 'fee', 'net', 'settled_at'] as const;

export const platformAdapter: SettlementAdapter = {
  id: 'platform',
  label: 'Marketlens platform settlement report',
  gateway: null,
  detect(rows) {
    const h = firstRow(rows);
    return !!h && new Header(h.cells).has('record_type', 'amount', 'currency') && new Header(h.cells).has('gateway_txn_id');
  },
  parse(rows, ctx) {
    const out = makeOutput('platform', null);
    const head = firstRow(rows);
    if (!head) return out;
    const h = new Header(head.cells);
    const missing = h.missing(['record_type', 'amount', 'currency', 'gateway_txn_id']);
    if (!h.has('gateway') && !ctx.gateway) missing.push('gateway');
    if (missing.length) return missingColumns(out, head, 'platform settlement', missing);
    const c = {
      gateway: h.col('gateway'), txn: h.col('gateway_txn_id'), payment: h.col('payment_id'), order: h.col('order_id'), type: h.col('record_type'),
      amount: h.col('amount'), currency: h.col('currency'), fee: h.col('fee'), net: h.col('net'), settled: h.col('settled_at'),
    };
    for (const r of rows) {
      if (r === head || blank(r)) continue;
      guard(out, r, () => platformRecord(r, c, ctx));
    }
    return out;
  },
};

const TYPE_BY_TEXT = new Map<string, RecordType>(RECORD_TYPES.map((t) => [t, t]));

function platformRecord(r: Row, c: Record<string, number>, ctx: AdapterContext) {
  const row = r.row;
  const get = (i: number): string => cell(r, i);
  const gwText = opt(get(c.gateway!));
  const gateway = gwText !== null ? internLower(gwText) : intern((ctx.gateway ?? '').toLowerCase());
  if (!gateway) throw new FieldError('gateway', 'gateway is empty');
  const typeRaw = get(c.type!);
  const recordType = TYPE_BY_TEXT.get(typeRaw) ?? TYPE_BY_TEXT.get(typeRaw.trim().toLowerCase());
  if (!recordType) throw new FieldError('record_type', `unknown record_type "${typeRaw}" (expected ${RECORD_TYPES.join(', ')})`);
  const currency = parseCurrency(get(c.currency!), 'currency');
  const amount = parseDecimalAmount(get(c.amount!), currency, 'amount');
  const feeText = opt(get(c.fee!));
  const fee = feeText === null ? 0 : parseDecimalAmount(feeText, currency, 'fee');
  const netText = opt(get(c.net!));
  const net = netText === null ? amount - fee : parseDecimalAmount(netText, currency, 'net');
  if (net !== amount - fee) throw new FieldError('net', `net ${netText} is not amount ${get(c.amount!)} minus fee ${feeText ?? '0'}`);
  if ((recordType === 'refund' || recordType === 'chargeback') && amount > 0) throw new FieldError('amount', `a ${recordType} must be negative, got ${get(c.amount!)}`);
  const settledText = opt(get(c.settled!));
  return record({
    gateway, recordType, gatewayTxnId: recordType === 'payout_total' ? opt(get(c.txn!)) : requireText(opt(get(c.txn!)), 'gateway_txn_id'),
    paymentId: opt(get(c.payment!)), orderId: opt(get(c.order!)),
    amount, currency, fee, net, settledAt: settledText === null ? null : parseTimestamp(settledText, 'settled_at'), ctx, row,
  });
}

/** The JSON report's records as rows of the CSV form (raw = the record's JSON), header first. */
export function platformJsonRows(records: readonly Record<string, unknown>[]): Row[] {
  const rows: Row[] = [{ cells: [...PLATFORM_COLUMNS], row: 0, raw: PLATFORM_COLUMNS.join(',') }];
  records.forEach((rec, i) => {
    rows.push({
      cells: PLATFORM_COLUMNS.map((k) => {
        const v = rec[k];
        return v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
      }),
      row: i + 1,
      raw: JSON.stringify(rec),
    });
  });
  return rows;
}

export type { AdapterOutput };
