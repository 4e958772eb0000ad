/**
 * RFM on a small imported workspace (no platform): a run that cannot convert a currency fails and is
 * stored as failed with the reason; an empty population; exports neutralise formula-like customer
 * ids (CSV and XLSX); a push without a platform is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { makeEvents } from '../../unit/store/helpers.ts';

let services: Services;
let call: ReturnType<typeof directClient>;
const EVIL = '=HYPERLINK("http://x","y")';

beforeAll(async () => {
  services = await createServices({ workspaceDir: mkdtempSync(join(tmpdir(), 'ml-rfm-ws-')), mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier() });
  call = directClient(services.handlers);
  const events = makeEvents(4000, 9);
  // several completions for one customer, late in the stream (early ones mostly complete and cancel the same few orders)
  let left = 5;
  for (const e of [...events].reverse()) {
    if (e.type === 'order.completed' && left > 0) {
      (e.data as Record<string, unknown>).user_id = EVIL;
      left--;
    }
  }
  const r = await call('import.upload', { name: 'events.ndjson', text: events.map((e) => JSON.stringify(e)).join('\n') });
  expect(r.quarantined).toBe(0);
});
afterAll(async () => {
  await services?.close();
});

describe('RFM on an imported workspace', () => {
  it('no run yet: the overview is empty and a push is refused', async () => {
    expect(await call('rfm.get', {})).toBeNull();
    await expect(call('rfm.push', {})).rejects.toThrow(/no RFM run yet/);
  });

  it('a currency without a stated rate fails the run, which is stored with the reason', async () => {
    await call('settings.update', { reportingCurrency: 'USD', fxRates: {} });
    await expect(call('rfm.run', { asOf: '2026-01-01' })).rejects.toThrow(/no FX rate from VND to USD/);
    const runs = await call('rfm.runs', {});
    expect(runs.runs[0]).toMatchObject({ status: 'error', asOf: '2026-01-01' });
    expect(runs.runs[0]!.error).toMatch(/no FX rate from VND to USD/);
    expect(await call('rfm.get', {})).toBeNull();
    await call('settings.update', { reportingCurrency: 'VND', fxRates: { USD: '26000' } });
  });

  it('an empty population: every count is zero', async () => {
    const run = await call('rfm.run', { asOf: '2024-06-01' });
    expect(run.summary).toMatchObject({ customers: 0, orders: 0, revenue: 0 });
    expect(run.summary!.segments.every((s) => s.customers === 0 && s.revenueShare === 0)).toBe(true);
    expect(run.summary!.grid.flat().every((n) => n === 0)).toBe(true);
  });

  it('exports neutralise formula-like customer ids, and a push needs a platform', async () => {
    const run = await call('rfm.run', { asOf: '2026-01-01' });
    expect(run.summary!.customers).toBeGreaterThan(10);
    const evil = (await call('rfm.customers', { runId: run.id, q: 'HYPERLINK' })).rows;
    expect(evil.map((r) => r.customerId)).toEqual([EVIL]);
    const csv = await call('rfm.export', { runId: run.id, format: 'csv' });
    const text = Buffer.from(csv.base64, 'base64').toString('utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(text.split('\r\n').length - 2).toBe(run.summary!.customers);
    const x = await call('rfm.export', { runId: run.id, format: 'xlsx', segment: evil[0]!.segment });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(x.base64, 'base64') as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('RFM')!;
    const ids: unknown[] = [];
    ws.eachRow((row, i) => { if (i > 1) ids.push(row.getCell(1).value); });
    expect(ids).toContain(`'${EVIL}`);
    for (let i = 1; i <= ws.rowCount; i++) for (let c = 1; c <= 10; c++) expect(ws.getRow(i).getCell(c).formula).toBeUndefined();
    await expect(call('rfm.push', { runId: run.id })).rejects.toThrow(/no platform configured/);
    const preview = await call('rfm.push.preview', { runId: run.id });
    expect(preview.changes).toBe(run.summary!.customers);
  });
});
