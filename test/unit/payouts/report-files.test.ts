/** The Payout Settlement Report's files: exact decimal strings, formula-injection guard, same bytes for the same report. */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { reportJson, reportPdf, reportTables, reportXlsx } from '../../../src/main/node/payouts/report.ts';
import type { SettlementReport } from '../../../src/analytics/payouts/settlement-report.ts';

const f = (over: Partial<Record<string, number>> = {}) => ({ disbursed: 0, payouts: 0, transfersSent: 0, pending: 0, openDiscrepancy: 0, openTickets: 0, newTickets: 0, ...over });
const REPORT: SettlementReport = {
  date: '2025-06-30', previousDate: '2025-06-29', timezone: 'Asia/Ho_Chi_Minh', rulesVersion: 'payout-rules/1',
  byCurrency: [
    { currency: 'USD', today: f({ disbursed: 1250, pending: 7 }), previous: f({ disbursed: 1300 }), change: f({ disbursed: -50, pending: 7 }) },
    { currency: 'VND', today: f({ disbursed: 9_007_199_254_740_991 }), previous: f(), change: f({ disbursed: 9_007_199_254_740_991 }) },
  ],
  byGateway: [{ gateway: '=cmd|calc', currency: 'USD', today: f({ disbursed: 1250 }), previous: f(), change: f() }],
  bySeller: [{ sellerId: '@SUM(A1)', currency: 'USD', today: f({ disbursed: 1250 }), previous: f(), change: f() }],
  openTickets: [{ id: 1, week: '2025-W26', sellerId: '+S1', currency: 'KWD', direction: 'underpayment', difference: -1234, state: 'open', openedAt: 0 }],
};

describe('Payout Settlement Report files', () => {
  it('amounts are exact decimal strings in major units; text that could start a formula is guarded', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(reportXlsx(REPORT).bytes as unknown as ExcelJS.Buffer);
    const summary = wb.getWorksheet('Summary')!;
    const rows: unknown[][] = [];
    summary.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    const usd = rows.find((r) => r[0] === 'USD')!;
    expect(usd[1]).toBe('12.50');
    expect(usd[15]).toBe('-0.50'); // change of disbursed: a plain negative decimal stays as it is
    expect(rows.find((r) => r[0] === 'VND')![1]).toBe('9007199254740991');
    const gw = wb.getWorksheet('By gateway')!.getRow(2).getCell(1).value;
    expect(gw).toBe("'=cmd|calc");
    expect(wb.getWorksheet('By seller')!.getRow(2).getCell(1).value).toBe("'@SUM(A1)");
    const t = wb.getWorksheet('Open tickets')!.getRow(2);
    expect(t.getCell(3).value).toBe("'+S1");
    expect(t.getCell(6).value).toBe('-1.234');
    // no cell is a formula
    for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => expect(c.formula).toBeUndefined()));
    expect(reportTables(REPORT).map((x) => x.name)).toEqual(['Summary', 'By gateway', 'By seller', 'Open tickets']);
  });

  it('the same report gives the same bytes (XLSX, PDF, JSON)', async () => {
    expect(reportXlsx(REPORT).sha256).toBe(reportXlsx(structuredClone(REPORT)).sha256);
    const a = await reportPdf(REPORT);
    const b = await reportPdf(structuredClone(REPORT));
    expect(a.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(a.sha256).toBe(b.sha256);
    expect(reportJson(REPORT).bytes.toString()).toBe(reportJson(structuredClone(REPORT)).bytes.toString());
  });
});
