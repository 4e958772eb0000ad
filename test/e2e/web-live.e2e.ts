/**
 * The first-run journey in web mode, in real Chromium:
 * first run → Demo workspace → sync progress → the Live page's numbers equal `marketlens gmv --json`
 * → a GMV drop injected on the demo platform raises the alert banner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, cli, hasChromium, launchBrowser, startWebMode, until, workspaceToken, type WebApp } from './helpers.ts';
import type { SyncStatus, AlertEntry, Settings } from '../../src/main/common/types.ts';
import type { LiveSnapshot } from '../../src/analytics/live.ts';

describe.skipIf(!hasChromium())('web mode: demo workspace and Live page', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startWebMode({ MARKETLENS_DEMO_DAYS: '10', MARKETLENS_DEMO_USERS: '1500', MARKETLENS_DEMO_LIVE: '0' });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('first run offers the demo workspace, syncs with visible progress', async () => {
    await page.goto(app.launchUrl);
    expect(new URL(page.url()).hash).not.toContain('token='); // the token is taken out of the address bar
    await page.getByRole('button', { name: /demo workspace/i }).click();
    await page.getByTestId('sync-progress').waitFor({ timeout: 30_000 });
    const done = await until(async () => {
      const s = await api<SyncStatus>(app, 'sync.status');
      return s.state === 'done' && s.inserted > 0 ? s : null;
    }, 180_000, 'the demo sync to finish');
    expect(done.duplicates).toBe(0);
  });

  it('shows the same numbers as `marketlens gmv --json`', async () => {
    await page.goto(`${app.url}/#/live`);
    const orders = page.getByTestId('live-orders');
    await orders.waitFor();
    const { stdout } = await cli(['gmv', '--json', '--workspace', app.workspace]);
    const snap = JSON.parse(stdout) as LiveSnapshot;
    expect(snap.orders).toBeGreaterThan(0);
    await expect.poll(async () => (await page.getByTestId('live-orders').innerText()).replace(/\D/g, ''), { timeout: 20_000 }).toBe(String(snap.orders));
    await expect.poll(async () => page.getByTestId('live-gmv').innerText(), { timeout: 20_000 }).toBe(snap.gmv.display);
    expect(await page.getByTestId('live-aov').innerText()).toBe(snap.aov?.display ?? '—');
    expect(await page.getByTestId('live-last-synced').innerText()).not.toBe('');
  });

  it('raises the banner when the demo platform drops GMV', async () => {
    // Short windows so the test does not wait 30 minutes; the rule is the same code path.
    await api<Settings>(app, 'settings.update', { gmvWindowMinutes: 0.25, liveIntervalSeconds: 1, pollSeconds: 1, gmvMinPriorOrders: 20 });
    await api(app, 'sync.start', {});
    const settings = await api<Settings>(app, 'settings.get');
    const platform = settings.platformUrl!;
    const headers = { Authorization: `Bearer ${workspaceToken(app.workspace)}`, 'Content-Type': 'application/json' };
    const live = await fetch(`${platform}/v1/demo/live`, { method: 'POST', headers, body: JSON.stringify({ on: true, orders_per_minute: 1200 }) });
    expect(live.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20_000)); // a full prior window at the normal rate
    const switchedAt = Date.now();
    const drop = await fetch(`${platform}/v1/demo/gmv-drop`, { method: 'POST', headers, body: JSON.stringify({ on: true, factor: 0.05 }) });
    expect(drop.status).toBe(200);
    const banner = page.getByTestId('alert-banner');
    await banner.waitFor({ timeout: 90_000 });
    expect(await banner.innerText()).toMatch(/GMV/);
    await banner.getByTestId('alert-runbook').click();
    await expect.poll(() => page.getByTestId('runbook-text').innerText(), { timeout: 10_000 }).toMatch(/Runbook: GMV drop/);
    await page.keyboard.press('Escape');
    const alerts = await api<AlertEntry[]>(app, 'alerts.list', {});
    const fired = alerts.find((a) => a.rule === 'gmv_drop' && a.firedAt >= switchedAt);
    expect(fired, JSON.stringify(alerts)).toBeTruthy();
    expect(Number(fired!.values.changePct)).toBeLessThan(-30);
    expect(fired!.runbookUrl).toContain('gmv-drop');
    await fetch(`${platform}/v1/demo/live`, { method: 'POST', headers, body: JSON.stringify({ on: false }) });
  });
});
