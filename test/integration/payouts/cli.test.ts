/** `marketlens payouts` as a real process: run --json, exit code 4 above the alert threshold, report files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import type { PayoutRunDetail } from '../../../src/main/common/api-payouts.ts';
import type { Injections } from '../../../src/platform-sim/types.ts';

const BIN = new URL('../../../bin/marketlens.mjs', import.meta.url).pathname;
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const END = '2025-06-30';
let platform: RunningPlatform;
let inj: Injections;
const ws = mkdtempSync(join(tmpdir(), 'ml-payouts-cli-'));
beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 11, days: 35, users: 800, endDate: END, token: 'cli-token', worker: false });
  const s = await run(['sync', '--workspace', ws, '--platform', platform.url, '--json', '--quiet'], { MARKETLENS_TOKEN: 'cli-token' });
  expect(s.code, s.stderr).toBe(0);
  inj = (await (await fetch(`${platform.url}/v1/demo/injections`, { headers: { authorization: 'Bearer cli-token' } })).json()) as Injections;
}, 120_000);
afterAll(() => platform?.close());

describe('marketlens payouts', () => {
  it('run --json prints the run; exit 0 under the threshold, 4 above it', async () => {
    const injected = inj.payouts.filter((x) => x.week === '2025-W26');
    expect(injected.length).toBeGreaterThan(0);
    // W25's overpayments are deducted from W26: reconcile in order
    const w25 = await run(['payouts', 'run', '--week', '2025-W25', '--json', '--workspace', ws]);
    expect(w25.code, w25.stderr).toBe(0);
    expect((JSON.parse(w25.stdout) as PayoutRunDetail).inputs.find((i) => i.kind === 'deductions')!.note).toMatch(/2025-W24 has no payout run/);
    const r = await run(['payouts', 'run', '--week', '2025-W26', '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const run1 = JSON.parse(r.stdout) as PayoutRunDetail;
    expect(run1).toMatchObject({ week: '2025-W26', status: 'done', trigger: 'cli', actor: 'cli', alert: false, discrepancyCount: injected.length, findingCount: 0 });
    expect(run1.inputsSha256).toMatch(/^[0-9a-f]{64}$/);
    const set = await run(['payouts', 'settings', 'set', 'alertThreshold', '{"amount":"1","currency":"VND"}', '--workspace', ws]);
    expect(set.code, set.stderr).toBe(0);
    const r2 = await run(['payouts', 'run', '--week', '2025-W26', '--workspace', ws]);
    expect(r2.code, r2.stderr).toBe(4);
    expect(r2.stdout).toMatch(/Seller payouts 2025-W26 — run #3/);
    expect(r2.stderr).toMatch(/ALERT/);
    const bad = await run(['payouts', 'run', '--week', '2025-26', '--workspace', ws]);
    expect(bad.code).toBe(2);
  });

  it('report --out writes the XLSX and the PDF with their hashes; amounts are exact decimal strings', async () => {
    const out = join(ws, 'reports');
    const r = await run(['payouts', 'report', '--date', END, '--out', out, '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { files: { path: string; sha256: string; format: string }[]; report: { byCurrency: { currency: string; today: { payouts: number } }[] } };
    for (const f of res.files) expect(createHash('sha256').update(readFileSync(f.path)).digest('hex')).toBe(f.sha256);
    expect(readFileSync(join(out, `payout_settlement_report_${END}.pdf`)).subarray(0, 5).toString()).toBe('%PDF-');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(join(out, `payout_settlement_report_${END}.xlsx`)) as unknown as ExcelJS.Buffer);
    const sheet = wb.getWorksheet('Summary')!;
    const vnd = res.report.byCurrency.find((c) => c.currency === 'VND')!;
    let found = false;
    sheet.eachRow((row) => {
      if (row.getCell(1).value === 'VND') {
        expect(row.getCell(3).value).toBe(String(vnd.today.payouts)); // weekly payouts, text, exact
        found = true;
      }
    });
    expect(found).toBe(true);
  });

  it('deductions --json lists them; waive needs a deduction with something outstanding and a reason, then says from which week', async () => {
    const list = await run(['payouts', 'deductions', '--json', '--workspace', ws]);
    expect(list.code, list.stderr).toBe(0);
    type D = { id: number; originWeek: string; outstanding: number; waived: unknown };
    // W25's overpayments were deducted in full from W26: nothing left to waive
    const done = (JSON.parse(list.stdout) as D[]).find((x) => x.originWeek === '2025-W25' && x.outstanding === 0);
    expect(done, list.stdout).toBeDefined();
    const none = await run(['payouts', 'waive', '--deduction', String(done!.id), '--note', 'x', '--workspace', ws]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/nothing outstanding from 2025-W27 on: it was deducted in full by 2025-W26/);

    // a workspace where only W25 is reconciled: its deduction is outstanding
    const ws2 = mkdtempSync(join(tmpdir(), 'ml-payouts-cli-waive-'));
    expect((await run(['sync', '--workspace', ws2, '--platform', platform.url, '--json', '--quiet'], { MARKETLENS_TOKEN: 'cli-token' })).code).toBe(0);
    expect((await run(['payouts', 'run', '--week', '2025-W25', '--json', '--workspace', ws2])).code).toBe(0);
    const d = (JSON.parse((await run(['payouts', 'deductions', '--json', '--workspace', ws2])).stdout) as D[]).find((x) => x.outstanding > 0 && x.waived === null);
    expect(d).toBeDefined();
    expect((await run(['payouts', 'waive', '--deduction', String(d!.id), '--workspace', ws2])).code).toBe(2);
    expect((await run(['payouts', 'waive', '--note', 'x', '--workspace', ws2])).code).toBe(2);
    expect((await run(['payouts', 'waive', '--deduction', String(d!.id), '--note', 'x', '--from-week', '2025-26', '--workspace', ws2])).code).toBe(2);
    const w = await run(['payouts', 'waive', '--deduction', String(d!.id), '--note', 'written off', '--json', '--workspace', ws2]);
    expect(w.code, w.stderr).toBe(0);
    // the week after the latest reconciled one
    expect(JSON.parse(w.stdout)).toMatchObject({ id: d!.id, waived: { fromWeek: '2025-W26', note: 'written off', actor: 'cli' } });
    const again = await run(['payouts', 'waive', '--deduction', String(d!.id), '--note', 'again', '--workspace', ws2]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already waived/);
    // W26 reconciled now does not deduct it: the platform's recovery shows as an underpayment
    const w26 = JSON.parse((await run(['payouts', 'run', '--week', '2025-W26', '--json', '--workspace', ws2])).stdout) as PayoutRunDetail;
    expect(w26.discrepancyCount).toBe(inj.payouts.filter((x) => x.week === '2025-W26').length + 1);
  }, 60_000);
});
