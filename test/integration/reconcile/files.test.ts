/**
 * Settlement files through the service (no platform configured): an XLSX (Adyen) and a CSV (VNPay)
 * uploaded as bytes, recognised by header, their bad rows quarantined with origin
 * "settlement:<file>", row and field; the rows reconciled against the synced ledger (none here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { csvRows, decodeText } from '../../../src/main/node/reconcile/read-file.ts';

const FIX = new URL('../../fixtures/settlements/', import.meta.url);
let services: Services;
let call: ReturnType<typeof directClient>;

beforeAll(async () => {
  services = await createServices({ workspaceDir: mkdtempSync(join(tmpdir(), 'ml-recon-files-')), mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock: new ManualClock(Date.UTC(2025, 6, 1, 3)) });
  call = directClient(services.handlers);
});
afterAll(async () => {
  await services?.close();
});

describe('settlement files through the service', () => {
  it('reads an Adyen XLSX and a VNPay CSV, quarantines their bad rows, reconciles the rest', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Settlement details');
    for (const r of csvRows(decodeText(readFileSync(new URL('adyen_settlement_details.csv', FIX)), 'a'))) ws.addRow(r.cells);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const vnpay = readFileSync(new URL('vnpay_2025-06-30.csv', FIX));
    const run = await call('recon.run', {
      date: '2025-06-30',
      files: [{ name: 'adyen.xlsx', base64: xlsx.toString('base64') }, { name: 'vnpay_2025-06-30.csv', base64: vnpay.toString('base64') }],
    });
    expect(run.status).toBe('done');
    const files = run.inputs.filter((i) => i.origin.startsWith('file:'));
    expect(files.map((i) => [i.name, i.format, i.adapter, i.gateway, i.rows, i.errors, i.skipped])).toEqual([
      ['adyen.xlsx', 'xlsx', 'adyen', 'adyen', 8, 2, 0],
      ['vnpay_2025-06-30.csv', 'csv', 'vnpay', 'vnpay', 5, 1, 1],
    ]);
    expect(run.params.gateways).toEqual(['adyen', 'vnpay']);
    const q = await call('quarantine.list', { origin: 'settlement:adyen.xlsx' });
    expect(q.rows.map((r) => [r.location, r.field]).sort()).toEqual([['row 8', 'Gross Credit (GC)'], ['row 9', 'Type']]);
    const v = await call('quarantine.list', { origin: 'settlement:vnpay_2025-06-30.csv' });
    expect(v.rows).toEqual([expect.objectContaining({ location: 'row 7', field: 'vnp_Amount', raw: expect.stringContaining('Số tiền lẻ') })]);
    const s = run.summary!;
    // no ledger synced: every payment row is gateway_only; fees are fees; the chargeback is its own line
    expect(Object.fromEntries(s.byStatus.filter((x) => x.count).map((x) => [x.status, x.count]))).toEqual({ gateway_only: 6, chargeback: 1, fee: 1 });
    expect(s.controlTotals.find((c) => c.gateway === 'adyen' && c.currency === 'VND')).toMatchObject({ reported: 2_380_500, computed: 2_380_500, ok: true });
    expect(s.warnings.join('\n')).toMatch(/adyen.xlsx: 2 row\(s\) quarantined/);
    const fee = (await call('recon.items', { runId: run.id, status: ['fee'] })).items[0]!;
    expect(fee).toMatchObject({ gateway: 'adyen', fee: 55_000, feeCurrency: 'VND', discrepancy: 0 });
    const detail = await call('recon.item', { runId: run.id, key: fee.key });
    expect(JSON.parse(detail.settlementRaw!)).toContain('Fee');
  });
});
