/**
 * The Cohorts page in web mode, in real Chromium, on a demo workspace of a few months:
 * run the monthly cohorts → the sizes and M1 shown equal `marketlens cohorts --json` → the heatmap
 * draws one cell per (cohort, period) → click a cell → its customers → save them as a segment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, cli, hasChromium, launchBrowser, startWebMode, until, type WebApp } from './helpers.ts';
import type { SyncStatus } from '../../src/main/common/types.ts';
import type { CohortResult } from '../../src/analytics/cohorts/types.ts';

describe.skipIf(!hasChromium())('web mode: Cohorts page', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startWebMode({ MARKETLENS_DEMO_DAYS: '70', MARKETLENS_DEMO_USERS: '300', MARKETLENS_DEMO_LIVE: '0' });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true })).newPage();
    await page.goto(app.launchUrl);
    await api(app, 'demo.start', {});
    await until(async () => {
      const s = await api<SyncStatus>(app, 'sync.status');
      return s.state === 'done' && s.inserted > 0 ? s : null;
    }, 90_000, 'the demo sync to finish');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows the same cohorts as the CLI, draws the heatmap, drills into a cell and saves it as a segment', async () => {
    await page.goto(`${app.url}/#/cohorts`);
    await page.getByTestId('nav-cohorts').waitFor();
    const from = await page.getByTestId('cohort-from').inputValue();
    const to = await page.getByTestId('cohort-to').inputValue();
    await page.getByTestId('cohort-run').click();
    await page.getByTestId('cohort-heatmap').locator('svg').waitFor({ timeout: 30_000 });

    const { stdout } = await cli(['cohorts', '--from', from, '--to', to, '--json', '--workspace', app.workspace]);
    const r = JSON.parse(stdout) as CohortResult;
    const nonEmpty = r.matrix.rows.filter((x) => x.size > 0);
    expect(nonEmpty.length).toBeGreaterThanOrEqual(2);
    expect((await page.getByTestId('cohort-kpi-customers').innerText()).replace(/\D/g, '')).toBe(String(r.customers));
    // heatmap: one labelled row per cohort ("KEY · size")
    const labels = await page.getByTestId('cohort-heatmap').locator('svg text').allTextContents();
    for (const row of r.matrix.rows) expect(labels).toContain(`${row.key} · ${row.size}`);
    // the current month's cells are marked in progress
    expect(labels.some((t) => /%\*/.test(t))).toBe(true);

    // click the M0 cell of the largest cohort
    const big = [...nonEmpty].sort((a, b) => b.size - a.size)[0]!;
    const m0 = big.cells[0]!;
    // the grid: cohorts top to bottom, offsets left to right, inside the page's margins (top 30, right 10, bottom 10, left 110)
    const row = r.matrix.rows.indexOf(big);
    const box = (await page.getByTestId('cohort-heatmap').locator('svg').first().boundingBox())!;
    const cellW = (box.width - 120) / (r.maxOffset + 1), cellH = (box.height - 40) / r.matrix.rows.length;
    await page.mouse.click(box.x + 110 + cellW / 2, box.y + 30 + (row + 0.5) * cellH);
    await page.getByRole('dialog').getByText(`Customers: ${big.key}, M0`).waitFor({ timeout: 15_000 });
    const table = page.getByTestId('cohort-customers');
    await table.waitFor();
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 15_000 }).toBe(Math.min(25, m0.active));
    await page.getByRole('button', { name: 'Save as segment' }).click();
    await page.getByTestId('saved-segments').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('saved-segments').innerText()).toContain(`${m0.active} customers`);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    // revenue retention names the currency and the rates used
    await page.getByRole('combobox', { name: 'Show' }).click();
    await page.getByRole('option', { name: /Revenue retention/ }).click();
    await page.getByRole('listbox').waitFor({ state: 'detached' });
    expect(await page.getByTestId('cohort-fx').innerText()).toContain(`GMV of counted orders in ${r.fx.reportingCurrency}`);

    if (process.env.COHORTS_SCREENSHOT) {
      await page.screenshot({ path: process.env.COHORTS_SCREENSHOT, fullPage: true });
    }
  });
});
