/**
 * The Segments page in web mode, in real Chromium, against the demo platform: run RFM as of a date,
 * see segment sizes, cut points and the R×F grid equal to the run, look a customer up, preview the
 * push (dry run), push, and see the platform hold the segments; download the CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { api, hasChromium, launchBrowser, startWebMode, until, type WebApp } from './helpers.ts';
import { startPlatform, type RunningPlatform } from '../../src/platform-sim/server.ts';
import type { SyncStatus } from '../../src/main/common/types.ts';
import type { RfmCustomerRow, RfmRunDetail } from '../../src/main/common/api-rfm.ts';

const END = '2025-11-02';
const TOKEN = 'e2e-tok';

describe.skipIf(!hasChromium())('web mode: Segments page', () => {
  let app: WebApp;
  let platform: RunningPlatform;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    platform = await startPlatform({ port: 0, seed: 3, days: 10, users: 600, endDate: END, token: TOKEN, worker: false });
    app = await startWebMode({ MARKETLENS_DEMO_LIVE: '0' });
    await api(app, 'rfm.settings.update', { enabled: false });
    await api(app, 'settings.update', { platformUrl: platform.url, pollSeconds: 0 });
    await api(app, 'settings.setToken', { token: TOKEN });
    await api(app, 'sync.start', {});
    await until(async () => (await api<SyncStatus>(app, 'sync.status')).state === 'done', 120_000, 'the sync');
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await platform?.close();
  });

  it('runs RFM as of a date: sizes, grid and cut points equal the run', async () => {
    await page.goto(app.launchUrl);
    await page.evaluate(() => { window.location.hash = '#/segments'; });
    await page.getByTestId('rfm-empty').waitFor();
    await page.getByTestId('rfm-asof').fill(END);
    await page.getByTestId('rfm-run').click();
    await page.getByTestId('rfm-segments').waitFor({ timeout: 60_000 });
    const run = (await api<RfmRunDetail | null>(app, 'rfm.get', {}))!;
    expect(run.asOf).toBe(END);
    const s = run.summary!;
    await expect.poll(() => page.getByTestId('rfm-kpi-customers').innerText()).toContain(s.customers.toLocaleString('en-US'));
    for (const g of s.segments) expect(await page.getByTestId(`rfm-seg-${g.segment}`).innerText()).toContain(g.customers.toLocaleString('en-US'));
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) expect(await page.getByTestId(`rfm-grid-${r}-${f}`).innerText()).toBe(s.grid[r - 1]![f - 1]!.toLocaleString('en-US'));
    expect(await page.getByTestId('rfm-cuts').innerText()).toContain('R: days since last order');
    await page.screenshot({ path: '/tmp/segments-page.png', fullPage: true });
  });

  it('looks a customer up and shows their history', async () => {
    const one = (await api<{ rows: RfmCustomerRow[] }>(app, 'rfm.customers', { runId: (await api<RfmRunDetail>(app, 'rfm.get', {})).id, limit: 1 })).rows[0]!;
    await page.getByTestId('rfm-lookup-input').fill(one.customerId);
    await page.getByTestId('rfm-lookup-go').click();
    const h = page.getByTestId('rfm-lookup-history');
    await h.waitFor();
    expect(await h.innerText()).toContain(one.segment);
  });

  it('previews the push, pushes, and the platform holds the segments; CSV download', async () => {
    const run = (await api<RfmRunDetail>(app, 'rfm.get', {}));
    await page.getByTestId('rfm-dry-run').click();
    await page.getByTestId('rfm-preview').waitFor();
    expect(await page.getByTestId('rfm-preview').innerText()).toContain(`${run.summary!.customers.toLocaleString('en-US')}`);
    await page.getByTestId('rfm-push-now').click();
    await page.getByTestId('rfm-notice').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('rfm-notice').innerText()).toMatch(/done/);
    const r = await fetch(`${platform.url}/v1/segments`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await r.json()) as { count: number }).count).toBe(run.summary!.customers);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rfm-download-csv').click()]);
    const text = readFileSync((await dl.path())!, 'utf8');
    expect(text.split('\r\n').length - 2).toBe(run.summary!.customers);
  });
});
