/**
 * Every settlement adapter on its hand-written fixture (test/fixtures/settlements/, written from the
 * public column specs): detection by header, normalization to integer minor units, and row errors
 * that name the row and the field (amounts that are not a whole number of minor units).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { csvRows, decodeText, fileRows } from '../../../src/main/node/reconcile/read-file.ts';
import { detectAdapter, parseSettlementRows, parseDecimalAmount, parseHundredths, parseIntegerAmount, parseTimestamp, type AdapterOutput } from '../../../src/analytics/reconcile/index.ts';

const FIX = new URL('../../fixtures/settlements/', import.meta.url);
const ctx = { source: 'sha-test', date: '2025-06-30' };

function load(name: string): AdapterOutput {
  const text = decodeText(readFileSync(new URL(name, FIX)), name);
  return parseSettlementRows(csvRows(text, name), ctx);
}
const pick = (o: AdapterOutput) => o.records.map((r) => ({ type: r.recordType, txn: r.gatewayTxnId, pid: r.paymentId, amount: r.amount, currency: r.currency, fee: r.fee, net: r.net, netCurrency: r.netCurrency, row: r.row }));

describe('amount parsing', () => {
  it('decimal major units with thousands separators, signs and parentheses', () => {
    expect(parseDecimalAmount('1,234.50', 'USD', 'x')).toBe(123450);
    expect(parseDecimalAmount('-0.5', 'USD', 'x')).toBe(-50);
    expect(parseDecimalAmount('(3.00)', 'USD', 'x')).toBe(-300);
    expect(parseDecimalAmount('1 250 000', 'VND', 'x')).toBe(1250000);
    expect(parseDecimalAmount('12.500', 'USD', 'x')).toBe(1250);
    expect(() => parseDecimalAmount('12.345', 'USD', 'gross')).toThrow(/not a whole number of USD minor units/);
    expect(() => parseDecimalAmount('1,23.4', 'USD', 'gross')).toThrow(/not a decimal amount/);
    expect(parseDecimalAmount('1.234', 'KWD', 'x')).toBe(1234);
  });
  it('hundredths whatever the currency', () => {
    expect(parseHundredths('12550000', 'VND', 'x')).toBe(125500);
    expect(parseHundredths('1250', 'USD', 'x')).toBe(1250);
    expect(parseHundredths('250000', 'JPY', 'x')).toBe(2500);
    expect(parseHundredths('1234', 'KWD', 'x')).toBe(12340);
    expect(() => parseHundredths('12345', 'VND', 'vnp_Amount')).toThrow(/123\.45 VND, not a whole number/);
  });
  it('integer amounts grouped with dots or commas', () => {
    expect(parseIntegerAmount('1.250.000', 'VND', 'x')).toBe(1250000);
    expect(parseIntegerAmount('366,450', 'VND', 'x')).toBe(366450);
    expect(() => parseIntegerAmount('99000.5', 'VND', 'amount')).toThrow(/not a whole number of VND/);
  });
  it('timestamps in the forms the files use', () => {
    expect(parseTimestamp('20250630010112', 'f', '+07:00')).toBe(Date.parse('2025-06-29T18:01:12Z'));
    expect(parseTimestamp('2025/06/30 09:15:02 -0700', 'f')).toBe(Date.parse('2025-06-30T16:15:02Z'));
    expect(parseTimestamp('2025-06-30 09:12:45', 'f', 'ICT')).toBe(Date.parse('2025-06-30T02:12:45Z'));
    expect(parseTimestamp('2025-06-30 09:12:45', 'f', 'Asia/Ho_Chi_Minh')).toBe(Date.parse('2025-06-30T02:12:45Z'));
    expect(parseTimestamp('2025-06-30T08:15:00.123Z', 'f')).toBe(Date.parse('2025-06-30T08:15:00.123Z'));
    expect(() => parseTimestamp('30/06/2025', 'when')).toThrow(/not a date-time/);
  });
});

describe('adapters on their fixtures', () => {
  it('platform format: refund, fee and payout rows; a USD amount with three decimals is a row error', () => {
    const o = load('platform_2025-06-30.csv');
    expect(o.adapter).toBe('platform');
    expect(pick(o)).toEqual([
      { type: 'settlement', txn: '17527492301235', pid: 'PAY-20250629-00348-1', amount: 372900, currency: 'VND', fee: 4102, net: 368798, netCurrency: 'VND', row: 2 },
      { type: 'settlement', txn: '19969231993346', pid: 'PAY-20250630-00004-1', amount: 75900, currency: 'VND', fee: 835, net: 75065, netCurrency: 'VND', row: 3 },
      { type: 'refund', txn: '98765432109876', pid: 'PAY-20250628-00077-1', amount: -149000, currency: 'VND', fee: 0, net: -149000, netCurrency: 'VND', row: 4 },
      { type: 'fee', txn: 'FEE-VNPAY-20250630', pid: null, amount: 0, currency: 'VND', fee: 110000, net: -110000, netCurrency: 'VND', row: 5 },
      { type: 'payout_total', txn: 'PAYOUT-VNPAY-20250630-VND', pid: null, amount: 299800, currency: 'VND', fee: 114937, net: 184863, netCurrency: 'VND', row: 7 },
    ]);
    expect(o.errors).toEqual([expect.objectContaining({ row: 6, field: 'amount', reason: expect.stringMatching(/"12\.345" is not a whole number of USD minor units/) })]);
    expect(o.errors[0]!.raw).toContain('ch_3Qx9AbCdEfGhIjKlMnOpQrSt');
    expect(o.records[0]!.settledAt).toBe(Date.parse('2025-06-29T17:20:00Z'));
    expect(o.records.every((r) => r.date === '2025-06-30' && r.source === 'sha-test')).toBe(true);
  });

  it('Stripe itemized: decimal major units, lower-case currency, negative gross for refunds and disputes', () => {
    const o = load('stripe_payout_reconciliation_itemized.csv');
    expect(o.adapter).toBe('stripe');
    expect(pick(o)).toEqual([
      { type: 'settlement', txn: 'ch_3Qx9AbCdEfGhIjKlMnOpQrSt', pid: 'PAY-20250630-00101-1', amount: 123450, currency: 'USD', fee: 3610, net: 119840, netCurrency: 'USD', row: 2 },
      { type: 'refund', txn: 're_3Qx9AbCdEfGhIjKlMnOpQrSv', pid: 'PAY-20250620-00042-1', amount: -2500, currency: 'USD', fee: 0, net: -2500, netCurrency: 'USD', row: 3 },
      { type: 'chargeback', txn: 'dp_1Qx9AbCdEfGhIjKlMnOpQr13', pid: 'PAY-20250610-00009-1', amount: -8000, currency: 'USD', fee: 1500, net: -9500, netCurrency: 'USD', row: 4 },
      { type: 'fee', txn: 'txn_1AAA0000000000000000004', pid: null, amount: 0, currency: 'USD', fee: 500, net: -500, netCurrency: 'USD', row: 5 },
    ]);
    expect(o.records[0]!.orderId).toBe('ORD-20250630-00101');
    expect(o.records[1]!.originalTxnId).toBe('ch_3Qx9AbCdEfGhIjKlMnOpQr11');
    expect(o.errors).toEqual([expect.objectContaining({ row: 6, field: 'gross', reason: expect.stringMatching(/"10\.005" is not a whole number of USD minor units/) })]);
  });

  it('Adyen Settlement details: split debit/credit, gross vs net currency, Type rows', () => {
    const o = load('adyen_settlement_details.csv');
    expect(o.adapter).toBe('adyen');
    expect(pick(o)).toEqual([
      { type: 'settlement', txn: '8815123456789012', pid: 'PAY-20250630-00201-1', amount: 5250000, currency: 'VND', fee: 115500, net: 5134500, netCurrency: 'VND', row: 2 },
      { type: 'settlement', txn: '8815123456789013', pid: 'PAY-20250630-00202-1', amount: 4000, currency: 'USD', fee: 97, net: 3573, netCurrency: 'EUR', row: 3 },
      { type: 'refund', txn: 'R815123456789015', pid: 'PAY-20250625-00017-1', amount: -499000, currency: 'VND', fee: 0, net: -499000, netCurrency: 'VND', row: 4 },
      { type: 'chargeback', txn: 'C815123456789017', pid: 'PAY-20250612-00088-1', amount: -2000000, currency: 'VND', fee: 200000, net: -2200000, netCurrency: 'VND', row: 5 },
      { type: 'fee', txn: 'Monthly fee "June"\r\n(invoice 2025-06)', pid: null, amount: 0, currency: 'VND', fee: 55000, net: -55000, netCurrency: 'VND', row: 6 },
      { type: 'payout_total', txn: null, pid: null, amount: 0, currency: 'VND', fee: 0, net: 2380500, netCurrency: 'VND', row: 8 },
    ]);
    expect(o.records[0]!.settledAt).toBe(Date.parse('2025-06-30T02:12:45Z'));
    expect(o.records[2]!.originalTxnId).toBe('8815123456789014');
    expect(o.errors.map((e) => [e.row, e.field])).toEqual([[9, 'Gross Credit (GC)'], [10, 'Type']]);
    expect(o.errors[1]!.reason).toMatch(/unsupported Type "Balancetransfer"/);
  });

  it('PayPal STL: section rows, amounts x100 whatever the currency, CR/DR', () => {
    const o = load('paypal_stl.csv');
    expect(o.adapter).toBe('paypal');
    expect(pick(o)).toEqual([
      { type: 'settlement', txn: '5TY05013RG002845M', pid: 'PAY-20250630-00301-1', amount: 4990, currency: 'USD', fee: 200, net: 4790, netCurrency: 'USD', row: 5 },
      { type: 'settlement', txn: '7KX91234AB5678901', pid: 'PAY-20250630-00302-1', amount: 2500, currency: 'JPY', fee: 128, net: 2372, netCurrency: 'JPY', row: 6 },
      { type: 'refund', txn: 'RF12345678ABCDEFG', pid: 'PAY-20250622-00011-1', amount: -1500, currency: 'USD', fee: 0, net: -1500, netCurrency: 'USD', row: 7 },
      { type: 'chargeback', txn: '9PQ00000CB0000001', pid: 'PAY-20250615-00005-1', amount: -3000, currency: 'USD', fee: 2000, net: -5000, netCurrency: 'USD', row: 8 },
      { type: 'fee', txn: '2ZZ00000FE0000001', pid: null, amount: 0, currency: 'USD', fee: 2000, net: -2000, netCurrency: 'USD', row: 9 },
    ]);
    expect(o.records[0]!.orderId).toBe('ORD-20250630-00301');
    expect(o.records[0]!.settledAt).toBe(Date.parse('2025-06-30T02:15:02Z'));
    expect(o.records[2]!.originalTxnId).toBe('3JK11111AB2222222');
    expect(o.errors).toEqual([expect.objectContaining({ row: 10, field: 'Gross Transaction Amount', reason: expect.stringMatching(/123\.45 JPY, not a whole number/) })]);
    expect(o.rows).toBe(6);
  });

  it('VNPay-style: BOM, CRLF, diacritics and a quoted newline; amounts x100; response code 00 only', () => {
    const bytes = readFileSync(new URL('vnpay_2025-06-30.csv', FIX));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.includes(Buffer.from('\r\n'))).toBe(true);
    const o = load('vnpay_2025-06-30.csv');
    expect(o.adapter).toBe('vnpay');
    expect(pick(o)).toEqual([
      { type: 'settlement', txn: '19969231993346', pid: 'PAY-20250630-00004-1', amount: 75900, currency: 'VND', fee: 835, net: 75065, netCurrency: 'VND', row: 2 },
      { type: 'settlement', txn: '19969231993347', pid: 'PAY-20250630-00005-1', amount: 1250000, currency: 'VND', fee: 13750, net: 1236250, netCurrency: 'VND', row: 3 },
      { type: 'refund', txn: '98765432109876', pid: 'PAY-20250628-00077-1', amount: -149000, currency: 'VND', fee: 0, net: -149000, netCurrency: 'VND', row: 6 },
    ]);
    expect(o.records[0]!.settledAt).toBe(Date.parse('2025-06-29T18:01:12Z'));
    expect(o.records[2]!.originalTxnId).toBe('17527492301299');
    expect(o.skipped).toBe(1);
    expect(o.errors).toEqual([expect.objectContaining({ row: 7, field: 'vnp_Amount', reason: expect.stringMatching(/123456\.01 VND, not a whole number/) })]);
    expect(o.errors[0]!.raw).toContain('Số tiền lẻ');
  });

  it('MoMo-style: integer đồng with thousands separators, resultCode 0 only', () => {
    const o = load('momo_2025-06-30.csv');
    expect(o.adapter).toBe('momo');
    expect(pick(o)).toEqual([
      { type: 'settlement', txn: 'MM41376765322', pid: 'PAY-20250630-00401-1', amount: 1250000, currency: 'VND', fee: 18750, net: 1231250, netCurrency: 'VND', row: 2 },
      { type: 'settlement', txn: 'MM41376765323', pid: 'PAY-20250630-00402-1', amount: 366450, currency: 'VND', fee: 5497, net: 360953, netCurrency: 'VND', row: 3 },
      { type: 'refund', txn: 'MR00000000001', pid: 'PAY-20250620-00019-1', amount: -149000, currency: 'VND', fee: 0, net: -149000, netCurrency: 'VND', row: 5 },
    ]);
    expect(o.records[0]!.settledAt).toBe(1751246400000);
    expect(o.records[1]!.settledAt).toBe(Date.parse('2025-06-30T01:20:00Z'));
    expect(o.skipped).toBe(1);
    expect(o.errors).toEqual([expect.objectContaining({ row: 6, field: 'amount', reason: expect.stringMatching(/not a whole number of VND/) })]);
  });

  it('detects by header whatever the column order, and refuses an unknown header', () => {
    const rows = csvRows('amount,currency,vnp_Amount,vnp_TransactionNo,vnp_TxnRef,vnp_ResponseCode,vnp_PayDate\n1,VND,7590000,1,PAY-1,00,20250630010112\n');
    expect(detectAdapter(rows)?.id).toBe('vnpay');
    expect(parseSettlementRows(rows, ctx).records[0]).toMatchObject({ amount: 75900, paymentId: 'PAY-1' });
    expect(() => parseSettlementRows(csvRows('foo,bar\n1,2\n'), ctx)).toThrow(/unrecognised settlement file: the header "foo,bar"/);
  });

  it('reads the same report from an XLSX workbook (exceljs), formulas by their cached value only', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Settlement details');
    const rows = csvRows(decodeText(readFileSync(new URL('adyen_settlement_details.csv', FIX)), 'a'));
    for (const r of rows) ws.addRow(r.cells.map((c) => (/^\d+(\.\d+)?$/.test(c) && !/^0\d/.test(c) && c.length < 12 ? Number(c) : c)));
    ws.getCell('A2').value = { formula: 'CONCAT("Marketlens","Co")', result: 'MarketlensCo' } as ExcelJS.CellValue;
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const f = await fileRows('adyen.xlsx', bytes);
    expect(f.format).toBe('xlsx');
    const o = parseSettlementRows(f.rows, ctx);
    const fromCsv = load('adyen_settlement_details.csv');
    // XML text normalizes a CRLF inside a cell to LF
    const strip = (o: AdapterOutput) => pick(o).map(({ row: _r, ...x }) => ({ ...x, txn: x.txn?.replace(/\r\n/g, '\n') ?? null }));
    expect(strip(o)).toEqual(strip(fromCsv));
    expect(o.errors.map((e) => e.field)).toEqual(['Gross Credit (GC)', 'Type']);
  });
});
