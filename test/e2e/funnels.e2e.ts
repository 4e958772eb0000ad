/**
 * The Funnels page in web mode, in real Chromium, on a small demo workspace:
 * run the standard funnel broken down by device → the step counts shown equal
 * `marketlens funnel --json` → drill into a step's dropped units → export the steps as CSV →
 * investigate the checkout drop-off (the panel equals `marketlens funnel investigate --json`) and flag it for review.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, cli, hasChromium, launchBrowser, startWebMode, until, type WebApp } from './helpers.ts';
import type { SyncStatus } from '../../src/main/common/types.ts';
import type { FunnelResult } from '../../src/analytics/funnel/types.ts';
import type { DropoffInvestigation } from '../../src/analytics/dropoff/index.ts';

const digits = (s: string): string => s.replace(/\D/g, '');

describe.skipIf(!hasChromium())('web mode: Funnels page', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startWebMode({ MARKETLENS_DEMO_DAYS: '5', MARKETLENS_DEMO_USERS: '800', MARKETLENS_DEMO_LIVE: '0' });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true })).newPage();
    await page.goto(app.launchUrl);
    await api(app, 'demo.start', {});
    await until(async () => {
      const s = await api<SyncStatus>(app, 'sync.status');
      return s.state === 'done' && s.inserted > 0 ? s : null;
    }, 60_000, 'the demo sync to finish');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('runs the standard funnel by device; the steps equal `marketlens funnel --json`', async () => {
    await page.goto(`${app.url}/#/funnels`);
    await page.getByTestId('nav-funnels').waitFor();
    // the page runs the standard funnel on open; wait for it, then add the breakdown and run again
    await page.getByTestId('funnel-results').waitFor({ timeout: 30_000 });
    await page.getByTestId('funnel-breakdown-device').click();
    await page.getByTestId('funnel-run').click();
    await page.getByTestId('funnel-breakdown-table').waitFor({ timeout: 30_000 });
    await expect.poll(async () => page.getByTestId('funnel-progress').count(), { timeout: 30_000 }).toBe(0);

    const period = page.getByTestId('funnel-period');
    const from = (await period.getAttribute('data-from'))!;
    const to = (await period.getAttribute('data-to'))!;
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await page.getByTestId('funnel-from').inputValue()).toBe(from);

    const { stdout } = await cli(['funnel', '--from', from, '--to', to, '--breakdown', 'device', '--json', '--workspace', app.workspace]);
    const r = JSON.parse(stdout) as FunnelResult;
    expect(r.steps).toHaveLength(6);
    expect(r.entered).toBeGreaterThan(0);
    for (const s of r.steps) {
      expect(digits(await page.getByTestId(`funnel-step-${s.step}-entered`).innerText()), `step ${s.step} entered`).toBe(String(s.entered));
      expect(await page.getByTestId(`funnel-step-${s.step}-conversion`).innerText()).toBe(`${((s.conversionFromStart ?? 0) * 100).toFixed(1)}%`);
    }
    expect(digits(await page.getByTestId('funnel-kpi-completed').innerText())).toBe(String(r.completed));

    // the breakdown: one row per device value, same units entered as the CLI
    const rows = page.getByTestId('funnel-breakdown-table').getByTestId('funnel-breakdown-row');
    expect(await rows.count()).toBe(r.breakdown!.rows.length);
    const shown = new Map<string, string>();
    for (let i = 0; i < (await rows.count()); i++) {
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      shown.set(cells[0]!, digits(cells[1]!));
    }
    for (const row of r.breakdown!.rows) expect(shown.get(row.keys.device!), row.keys.device).toBe(String(row.entered));

    // sorting by a column re-orders the rows (device A→Z)
    await page.getByTestId('funnel-breakdown-table').getByRole('button', { name: 'Device' }).click();
    const sorted = await rows.locator('td:first-child').allInnerTexts();
    expect(sorted).toEqual([...sorted].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true })));
  });

  it('drills into the units that dropped at a step', async () => {
    const { stdout } = await cli(['funnel', '--from', (await page.getByTestId('funnel-period').getAttribute('data-from'))!,
      '--to', (await page.getByTestId('funnel-period').getAttribute('data-to'))!, '--json', '--workspace', app.workspace]);
    const r = JSON.parse(stdout) as FunnelResult;
    const step = r.steps.find((s) => s.step < r.steps.length && s.dropped > 0)!;
    await page.getByTestId(`funnel-step-${step.step}-dropped`).click();
    const table = page.getByTestId('funnel-drilldown-table');
    await table.getByTestId('funnel-drilldown-row').first().waitFor({ timeout: 30_000 });
    expect(await table.getByTestId('funnel-drilldown-row').count()).toBe(Math.min(25, step.dropped));
    expect(digits((await page.getByTestId('funnel-drilldown-summary').innerText()).split(' ')[0]!)).toBe(String(step.dropped));
    await page.getByTestId('funnel-drilldown-close').click();
    await table.waitFor({ state: 'detached' });
  });

  it('exports the steps as CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('funnel-export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^funnel-standard-purchase-funnel-.*-steps\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const [first, second] = text.split('\r\n');
    expect(first).toBe('step,label,event_type,entered,converted,dropped,conversion_from_previous_pct,conversion_from_start_pct,'
      + 'time_from_previous_mean_ms,time_from_previous_median_ms,time_from_previous_p90_ms,time_from_previous_p95_ms,'
      + 'time_to_convert_median_ms,time_to_convert_p90_ms,top_dropoff_reasons');
    expect(second!.split(',').slice(0, 3)).toEqual(['1', 'Landing', 'page.landing_viewed']);
    expect(second!.split(',')[3]).toBe(digits(await page.getByTestId('funnel-step-1-entered').innerText()));
  });

  it('investigates the checkout drop-off: the panel equals the CLI; flag for review', async () => {
    await page.getByTestId('dropoff-investigate').click();
    const panel = page.getByTestId('dropoff-investigation');
    await panel.waitFor({ timeout: 30_000 });
    const list = await api<{ rows: { id: number; windowEnd: number }[] }>(app, 'dropoff.list', { limit: 1 });
    const end = new Date(list.rows[0]!.windowEnd).toISOString();
    let stdout: string;
    try {
      ({ stdout } = await cli(['funnel', 'investigate', '--at', end, '--json', '--workspace', app.workspace]));
    } catch (e) {
      stdout = (e as { stdout: string; code: number }).stdout; // exit 4: the trigger fired
      expect((e as { code: number }).code).toBe(4);
    }
    const [r] = JSON.parse(stdout) as DropoffInvestigation[];
    const pct1 = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
    expect(await page.getByTestId('dropoff-kpi-rate').innerText()).toContain(pct1(r!.current.rate));
    expect(await page.getByTestId('dropoff-kpi-baseline').innerText()).toContain(pct1(r!.baseline.rate));
    expect(await page.getByTestId('dropoff-status').innerText()).toBe(r!.trigger.fired ? 'Triggered' : 'Not triggered');
    expect(await page.getByTestId('dropoff-causes').locator('tbody tr').count()).toBe(r!.causes.filter((c) => c.excess > 0 || c.current > 0).slice(0, 12).length);

    await page.getByTestId('dropoff-flag').click();
    await page.getByTestId('dropoff-flag-note').fill('checkout copy change on 5.2');
    await page.getByTestId('dropoff-flag-save').click();
    await page.getByTestId('dropoff-flagged').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('dropoff-review-note').innerText()).toContain('checkout copy change on 5.2');
    const stored = await api<DropoffInvestigation>(app, 'dropoff.get', { id: r!.id });
    expect(stored.review?.note).toBe('checkout copy change on 5.2');
  });
});
