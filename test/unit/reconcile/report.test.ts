/**
 * The report files: the spec's columns in order, exact decimal amounts per currency exponent,
 * formula-injection safety (parsed back: the CSV with the import's parser, the XLSX with exceljs),
 * the summary totals and the conversion at the stated rate.
 */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { csvRows } from '../../../src/main/node/reconcile/read-file.ts';
import { xlsxReport } from '../../../src/main/node/reconcile/report-files.ts';
import { formulaSafe, reconcile, reportCsv, REPORT_COLUMNS, summarize, convertTotal, type ReconItem } from '../../../src/analytics/reconcile/index.ts';
import { MoneyBag } from '../../../src/analytics/money.ts';
import { cap, srow } from './helpers.ts';

const P = { date: '2025-06-30', agingDays: 3, toleranceMinor: {} };
const EVIL = ['=HYPERLINK("http://evil","x")', '+1+cmd|" /C calc"!A0', '-2+3', '@SUM(A1:A9)', '\tleading tab', '\rcarriage'];

function evilItems(): ReconItem[] {
  return reconcile({
    captures: [cap(EVIL[0]!, 125_000, { orderId: EVIL[1]! }), cap('PAY-USD', 1250, { currency: 'USD', gateway: 'stripe' }), cap('PAY-KWD', 1_234, { currency: 'KWD', gateway: 'adyen' })],
    refunds: [],
    settlements: [
      srow(EVIL[0]!, 120_000, { gatewayTxnId: EVIL[3]!, orderId: EVIL[1]! }),
      srow('PAY-USD', 1200, { currency: 'USD', gateway: 'stripe' }),
      srow(null, 5, { gatewayTxnId: EVIL[2]! }),
      srow(null, 7, { gatewayTxnId: EVIL[4]! }),
      srow(null, 9, { gatewayTxnId: EVIL[5]! }),
    ],
  }, P).items;
}

const summaryOpts = { date: '2025-06-30', threshold: { minor: 10_000_000, currency: 'VND' }, fxRates: { USD: '26000', KWD: '85000.5' }, reportingCurrency: 'VND' };

describe('reconciliation report CSV', () => {
  it('has the spec columns first and in order, then currency and gateway', () => {
    expect(REPORT_COLUMNS.slice(0, 9)).toEqual(['payment_id', 'order_id', 'gateway_txn_id', 'captured_amount', 'settled_amount', 'status', 'discrepancy', 'currency', 'gateway']);
    const rows = csvRows(reportCsv(evilItems()));
    expect(rows[0]!.cells).toEqual([...REPORT_COLUMNS]);
  });

  it('writes exact decimal amounts for the currency exponent, no floats, no timestamps', () => {
    const text = reportCsv(evilItems());
    const rows = csvRows(text).slice(1);
    const usd = rows.find((r) => r.cells[0] === 'PAY-USD')!;
    expect(usd.cells.slice(3, 9)).toEqual(['12.50', '12.00', 'amount_mismatch', '-0.50', 'USD', 'stripe']);
    const kwd = rows.find((r) => r.cells[0] === 'PAY-KWD')!;
    expect(kwd.cells[3]).toBe('1.234');
    expect(kwd.cells[6]).toBe('-1.234');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('is safe against formula injection: risky cells get a leading quote, numbers stay numbers', () => {
    const rows = csvRows(reportCsv(evilItems())).slice(1);
    const cells = rows.flatMap((r) => r.cells);
    for (const e of EVIL) {
      expect(cells).not.toContain(e);
      expect(cells).toContain(`'${e}`);
    }
    for (const c of cells) if (/^[=+\-@\t\r]/.test(c)) expect(c, c).toMatch(/^-\d+(\.\d+)?$/);
    expect(cells).toContain('-5000');
    expect(formulaSafe('-12.50')).toBe('-12.50');
    expect(formulaSafe('-1+2')).toBe("'-1+2");
  });
});

describe('summary', () => {
  it('counts and totals per status, gateway and currency; the total converts each currency once at the stated rate', () => {
    const items = evilItems();
    const s = summarize(items, summaryOpts);
    expect(s.items).toBe(items.length);
    expect(s.byStatus.find((x) => x.status === 'amount_mismatch')!.count).toBe(2);
    expect(s.byStatus.find((x) => x.status === 'gateway_only')!.count).toBe(3);
    expect(s.byStatus.find((x) => x.status === 'internal_only')).toMatchObject({ count: 1, pending: 1, exceptions: 0 });
    // VND: |−5000| + 5 + 7 + 9; USD: 50 cents -> 13,000 ₫; the KWD capture is pending, not counted
    expect(s.totalDiscrepancy.byCurrency).toEqual([
      { currency: 'USD', minor: 50, converted: 13_000, rate: '26000' },
      { currency: 'VND', minor: 5021, converted: 5021, rate: '1' },
    ]);
    expect(s.totalDiscrepancy.minor).toBe(18_021);
    expect(s.alert).toBe(false);
    expect(summarize(items, { ...summaryOpts, threshold: { minor: 18_020, currency: 'VND' } }).alert).toBe(true);
    expect(summarize(items, { ...summaryOpts, threshold: { minor: 18_020, currency: 'VND' }, resolved: new Set(items.filter((i) => i.status === 'amount_mismatch').map((i) => i.key)) }).alert).toBe(false);
  });

  it('converts into a threshold in another currency with the cross rate, half-even, and lists missing rates', () => {
    const bag = new MoneyBag().add(2_600_000, 'VND').add(150, 'USD').add(3, 'THB');
    const t = convertTotal(bag, { threshold: { minor: 0, currency: 'USD' }, fxRates: { USD: '26000' }, reportingCurrency: 'VND' });
    expect(t.byCurrency).toEqual([
      { currency: 'THB', minor: 3, converted: null, rate: null },
      { currency: 'USD', minor: 150, converted: 150, rate: '1' },
      { currency: 'VND', minor: 2_600_000, converted: 10_000, rate: '1 / 26000' },
    ]);
    expect(t.missingRates).toEqual(['THB']);
    expect(t.minor).toBe(10_150);
  });
});

describe('XLSX report', () => {
  it('has a summary sheet and is safe against formula injection (read back with exceljs)', async () => {
    const items = evilItems();
    const s = summarize(items, summaryOpts);
    const file = xlsxReport('2025-06-30', 7, items, s, [], { rulesVersion: 'recon-rules/1' }, new Map());
    expect(file.filename).toBe('reconciliation_report_2025-06-30.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.bytes as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Items', 'Exceptions']);
    const texts: string[] = [];
    let formulas = 0;
    for (const ws of wb.worksheets) {
      ws.eachRow((row) => row.eachCell((c) => {
        if (c.type === ExcelJS.ValueType.Formula || c.formula) formulas++;
        if (typeof c.value === 'string') texts.push(c.value);
      }));
    }
    expect(formulas).toBe(0);
    // a CR is stored escaped as _x000d_ (exceljs does not unescape it); what matters is the leading quote
    const norm = (t: string) => t.replace(/_x000d_/g, '\r');
    for (const e of EVIL) {
      expect(texts.map(norm)).not.toContain(norm(e));
      expect(texts.map(norm)).toContain(norm(`'${e}`));
    }
    const summary = wb.getWorksheet('Summary')!;
    const byLabel = new Map<string, ExcelJS.Row>();
    summary.eachRow((r) => byLabel.set(String(r.getCell(1).value), r));
    expect(byLabel.get('Items')!.getCell(2).value).toBe(items.length);
    expect(byLabel.get('Total discrepancy')!.getCell(2).value).toBe(18021);
    expect(byLabel.get('Alert threshold')!.getCell(2).value).toBe(10_000_000);
    const itemsSheet = wb.getWorksheet('Items')!;
    expect((itemsSheet.getRow(1).values as unknown[]).slice(1, 10)).toEqual(['payment_id', 'order_id', 'gateway_txn_id', 'captured_amount', 'settled_amount', 'status', 'discrepancy', 'currency', 'gateway']);
    let usdRow: ExcelJS.Row | null = null;
    itemsSheet.eachRow((r) => { if (r.getCell(1).value === 'PAY-USD') usdRow = r; });
    expect(usdRow!.getCell(4).value).toBe(12.5);
    expect(usdRow!.getCell(7).value).toBe(-0.5);
  });
});
