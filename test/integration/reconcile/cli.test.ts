/** `marketlens recon` as a real process: run --json, exit code 4 above the alert threshold, report files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import type { ReconRunDetail } from '../../../src/main/common/api-reconciliation.ts';
import { csvRows } from '../../../src/main/node/reconcile/read-file.ts';

const BIN = new URL('../../../bin/marketlens.mjs', import.meta.url).pathname;
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const END = '2026-11-20';
let platform: RunningPlatform;
const ws = mkdtempSync(join(tmpdir(), 'ml-recon-cli-'));
beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 5, days: 3, users: 300, endDate: END, token: 'cli-token', worker: false });
  const s = await run(['sync', '--workspace', ws, '--platform', platform.url, '--json', '--quiet'], { MARKETLENS_TOKEN: 'cli-token' });
  expect(s.code, s.stderr).toBe(0);
}, 60_000);
afterAll(() => platform?.close());

describe('marketlens recon', () => {
  it('run --json prints the run; exit 0 under the threshold, 4 above it', async () => {
    const r = await run(['recon', 'run', '--date', END, '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const run1 = JSON.parse(r.stdout) as ReconRunDetail;
    expect(run1).toMatchObject({ date: END, status: 'done', trigger: 'cli', actor: 'cli', alert: false });
    expect(run1.summary!.exceptions).toBeGreaterThan(0);
    const set = await run(['recon', 'settings', 'set', 'alertThreshold', '{"amount":"1","currency":"VND"}', '--workspace', ws]);
    expect(set.code, set.stderr).toBe(0);
    const r2 = await run(['recon', 'run', '--date', END, '--gateway', 'vnpay', '--workspace', ws]);
    expect(r2.code).toBe(4);
    expect(r2.stdout).toMatch(/Reconciliation 2026-11-20 — run #2/);
    expect(r2.stdout).toMatch(/\*\* ALERT \*\*/);
    expect(r2.stderr).toMatch(/ALERT: open discrepancy/);
  });

  it('report --out writes the CSV (the run hash) and the XLSX; exit 4 when the run is above its threshold', async () => {
    const out = join(ws, 'reports');
    const latest = await run(['recon', 'report', '--date', END, '--out', join(ws, 'latest'), '--json', '--workspace', ws]);
    expect(latest.code, latest.stderr).toBe(4); // run #2, above the 1 ₫ threshold
    const r = await run(['recon', 'report', '--date', END, '--out', out, '--run', '1', '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0); // run #1 was under its threshold
    const res = JSON.parse(r.stdout) as { runId: number; files: { path: string; sha256: string; format: string }[] };
    const csv = readFileSync(join(out, `reconciliation_report_${END}.csv`));
    const list = JSON.parse((await run(['recon', 'runs', '--date', END, '--json', '--workspace', ws])).stdout) as { runs: { id: number; reportSha256: string }[] };
    expect(createHash('sha256').update(csv).digest('hex')).toBe(list.runs.find((x) => x.id === 1)!.reportSha256);
    expect(csvRows(csv.toString('utf8'))[0]!.cells.slice(0, 7)).toEqual(['payment_id', 'order_id', 'gateway_txn_id', 'captured_amount', 'settled_amount', 'status', 'discrepancy']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(join(out, `reconciliation_report_${END}.xlsx`)) as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Items', 'Exceptions']);
    expect(res.files.map((f) => f.format)).toEqual(['csv', 'xlsx']);
    expect((await run(['recon', 'bogus', '--workspace', ws])).code).toBe(2);
  });
});
