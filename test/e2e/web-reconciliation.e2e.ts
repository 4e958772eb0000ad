/**
 * The Reconciliation page in web mode, in real Chromium, against the demo platform: run a business
 * date, see the summary and the alert state, open an exception with both raw records side by side,
 * resolve it (audited), download the CSV report (the run's bytes), and reconcile an uploaded
 * settlement file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { api, hasChromium, launchBrowser, startWebMode, until, type WebApp } from './helpers.ts';
import { startPlatform, type RunningPlatform } from '../../src/platform-sim/server.ts';
import type { SyncStatus } from '../../src/main/common/types.ts';
import type { ReconItemsPage, ReconRunDetail, ReconReportFile } from '../../src/main/common/api-reconciliation.ts';

const END = '2025-11-02';

describe.skipIf(!hasChromium())('web mode: Reconciliation page', () => {
  let app: WebApp;
  let platform: RunningPlatform;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    platform = await startPlatform({ port: 0, seed: 11, days: 5, users: 800, endDate: END, token: 'e2e-tok', worker: false });
    app = await startWebMode({ MARKETLENS_DEMO_LIVE: '0' });
    await api(app, 'settings.update', { platformUrl: platform.url, pollSeconds: 0 });
    await api(app, 'settings.setToken', { token: 'e2e-tok' });
    await api(app, 'sync.start', {});
    await until(async () => (await api<SyncStatus>(app, 'sync.status')).state === 'done', 120_000, 'the sync');
    await api(app, 'recon.settings.update', { alertThreshold: { amount: '1000000', currency: 'VND' } });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await platform?.close();
  });

  it('runs a date, shows the summary and raises the alert', async () => {
    await page.goto(app.launchUrl);
    await page.evaluate(() => { window.location.hash = '#/reconciliation'; });
    await page.getByTestId('recon-date').fill(END);
    await page.getByTestId('recon-run-now').click();
    await page.getByTestId('recon-summary').waitFor({ timeout: 60_000 });
    const runs = await api<{ runs: ReconRunDetail[] }>(app, 'recon.runs', { date: END });
    const run = await api<ReconRunDetail>(app, 'recon.get', { runId: runs.runs[0]!.id });
    await expect.poll(() => page.getByTestId('recon-kpi-items').innerText()).toBe(String(run.summary!.items));
    expect(run.summary!.alert).toBe(true);
    await page.getByTestId('recon-alert-state').waitFor();
    await page.getByTestId('alert-banner').waitFor({ timeout: 20_000 });
  });

  it('opens an exception with both sides raw, resolves it, and the queue and audit follow', async () => {
    const row = page.getByTestId('recon-queue-row').first();
    await row.waitFor();
    await row.click();
    await page.getByTestId('recon-raw-ledger').waitFor();
    await page.getByTestId('recon-resolve').click();
    await page.getByTestId('recon-resolve-note').fill('timing: next batch (e2e)');
    await page.getByTestId('recon-resolve-submit').click();
    await expect.poll(() => page.getByTestId('recon-drawer-state').innerText()).toMatch(/resolved/);
    const runs = await api<{ runs: ReconRunDetail[] }>(app, 'recon.runs', { date: END });
    const resolved = await api<ReconItemsPage>(app, 'recon.items', { runId: runs.runs[0]!.id, queue: 'resolved' });
    expect(resolved.items).toHaveLength(1);
    expect(resolved.items[0]!.resolution).toMatchObject({ action: 'resolve', note: 'timing: next batch (e2e)' });
    await page.getByTestId('recon-drawer').getByRole('button', { name: 'close' }).click();
    await page.getByTestId('recon-drawer').waitFor({ state: 'detached' });
  });

  it('downloads the CSV report: the bytes of the run', async () => {
    const runs = await api<{ runs: ReconRunDetail[] }>(app, 'recon.runs', { date: END });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('recon-download-csv').click()]);
    expect(download.suggestedFilename()).toBe(`reconciliation_report_${END}.csv`);
    const bytes = readFileSync((await download.path())!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(runs.runs[0]!.reportSha256);
    const viaApi = await api<ReconReportFile>(app, 'recon.report', { runId: runs.runs[0]!.id, format: 'csv' });
    expect(bytes.toString('base64')).toBe(viaApi.base64);
  });

  it('reconciles an uploaded settlement file', async () => {
    const date = '2025-11-01';
    const res = await fetch(`${platform.url}/v1/settlements?gateway=momo&date=${date}&format=csv`, { headers: { authorization: 'Bearer e2e-tok' } });
    const csv = Buffer.from(await res.arrayBuffer());
    await page.getByTestId('recon-import').click();
    await page.getByTestId('recon-import-file').setInputFiles({ name: `settlement_momo_${date}.csv`, mimeType: 'text/csv', buffer: csv });
    await page.getByLabel('Business date').last().fill(date);
    await page.getByTestId('recon-import-run').click();
    // the run's row exists from its start; its inputs and summary are stored when it finishes
    await expect.poll(async () => (await api<{ total: number; runs: ReconRunDetail[] }>(app, 'recon.runs', { date })).runs.map((r) => r.status), { timeout: 30_000 }).toEqual(['done']);
    const run = await api<ReconRunDetail>(app, 'recon.get', { runId: (await api<{ runs: ReconRunDetail[] }>(app, 'recon.runs', { date })).runs[0]!.id });
    expect(run.inputs.find((i) => i.origin.startsWith('file:'))).toMatchObject({ gateway: 'momo', adapter: 'platform', errors: 0 });
    await page.getByTestId('recon-summary').waitFor();
    await expect.poll(() => page.getByTestId('recon-kpi-items').innerText()).toBe(String(run.summary!.items));
  });
});
