/**
 * The Payouts page in web mode, in real Chromium, against the demo platform: a week's run shows the
 * injected discrepancies as tickets; approving a corrective transfer sends it to the platform once
 * (a double click does not pay twice) and the ticket's history shows the approval and the transfer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, hasChromium, launchBrowser, startWebMode, until, type WebApp } from './helpers.ts';
import { startPlatform, type RunningPlatform } from '../../src/platform-sim/server.ts';
import type { SyncStatus } from '../../src/main/common/types.ts';
import type { DeductionRow, PayoutRunDetail, TicketRow, TransferRow } from '../../src/main/common/api-payouts.ts';
import type { Injections } from '../../src/platform-sim/types.ts';

const END = '2025-06-30';

describe.skipIf(!hasChromium())('web mode: Payouts page', () => {
  let app: WebApp;
  let platform: RunningPlatform;
  let browser: Browser;
  let page: Page;
  let inj: Injections;

  beforeAll(async () => {
    platform = await startPlatform({ port: 0, seed: 11, days: 35, users: 800, endDate: END, token: 'e2e-tok', worker: false });
    app = await startWebMode({ MARKETLENS_DEMO_LIVE: '0' });
    await api(app, 'settings.update', { platformUrl: platform.url, pollSeconds: 0 });
    await api(app, 'settings.setToken', { token: 'e2e-tok' });
    await api(app, 'sync.start', {});
    await until(async () => (await api<SyncStatus>(app, 'sync.status')).state === 'done', 120_000, 'the sync');
    inj = (await (await fetch(`${platform.url}/v1/demo/injections`, { headers: { authorization: 'Bearer e2e-tok' } })).json()) as Injections;
    // weeks in order: an overpayment of one week is deducted from the next
    for (const week of ['2025-W22', '2025-W23', '2025-W24', '2025-W25']) await api<PayoutRunDetail>(app, 'payouts.run', { week });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1500, height: 1100 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await platform?.close();
  });

  it('runs a week from the page and lists its tickets', async () => {
    await page.goto(app.launchUrl);
    await page.evaluate(() => { window.location.hash = '#/payouts'; });
    await page.getByTestId('payouts-week').fill('2025-W26');
    await page.getByTestId('payouts-run-now').click();
    const expected = inj.payouts.length;
    await expect.poll(() => page.getByTestId('payouts-ticket-row').count(), { timeout: 60_000 }).toBe(expected);
    const runs = await api<{ runs: PayoutRunDetail[] }>(app, 'payouts.runs', { week: '2025-W26' });
    expect(runs.runs[0]!.status).toBe('done');
    await expect.poll(() => page.getByTestId('payouts-line-row').count()).toBe(runs.runs[0]!.discrepancyCount);
  });

  it('approves a corrective transfer (double click): sent once, the ticket shows it', async () => {
    const transfers = await api<TransferRow[]>(app, 'payouts.transfers', { status: 'proposed' });
    expect(transfers.length).toBeGreaterThan(0);
    const row = page.getByTestId('payouts-transfer-row').filter({ hasText: transfers[0]!.idempotencyKey });
    await row.getByTestId('payouts-approve').dblclick();
    await expect.poll(() => row.getByTestId('payouts-transfer-status').innerText(), { timeout: 30_000 }).toBe('sent');
    const onPlatform = (await (await fetch(`${platform.url}/v1/transfers`, { headers: { authorization: 'Bearer e2e-tok' } })).json()) as { transfers: { idempotency_key: string }[] };
    expect(onPlatform.transfers.filter((t) => t.idempotency_key === transfers[0]!.idempotencyKey)).toHaveLength(1);
    const tickets = await api<{ tickets: TicketRow[] }>(app, 'payouts.tickets', { limit: 100 });
    const ticket = tickets.tickets.find((t) => t.id === transfers[0]!.ticketId)!;
    expect(ticket.state).toBe('resolved');
    await page.getByTestId('payouts-ticket-row').filter({ hasText: `#${ticket.id}` }).first().click();
    await expect.poll(() => page.getByTestId('payouts-ticket-panel').innerText()).toContain(`Ticket #${ticket.id} `);
    const events = page.getByTestId('payouts-ticket-events');
    await expect.poll(() => events.innerText()).toMatch(/transfer_approved[\s\S]*transfer_sent/);
  });

  it('moves an open ticket to review with a note', async () => {
    const open = (await api<{ tickets: TicketRow[] }>(app, 'payouts.tickets', { state: 'open', limit: 1 })).tickets[0]!;
    await page.getByTestId('payouts-ticket-row').filter({ hasText: `#${open.id}` }).first().click();
    await expect.poll(() => page.getByTestId('payouts-ticket-panel').innerText()).toContain(`Ticket #${open.id} `);
    await page.getByTestId('payouts-ticket-note').fill('checking the statement with the seller');
    await page.getByTestId('payouts-ticket-to-in_review').click();
    await expect.poll(async () => (await api<TicketRow>(app, 'payouts.ticket', { ticketId: open.id })).state).toBe('in_review');
    await expect.poll(() => page.getByTestId('payouts-ticket-events').innerText()).toMatch(/open → in_review/);
  });

  it('waives an outstanding deduction with a reason: it shows as waived from the next week', async () => {
    const d = (await api<DeductionRow[]>(app, 'payouts.deductions', {})).find((x) => x.outstanding > 0 && !x.waived)!;
    expect(d).toBeDefined();
    const row = page.getByTestId('payouts-deduction-row').filter({ hasText: `#${d.id}` }).first();
    await row.getByTestId('payouts-waive').click();
    await page.getByTestId('payouts-waive-reason').locator('textarea').first().fill('written off by the platform');
    await page.getByTestId('payouts-waive-confirm').click();
    await expect.poll(() => row.getByTestId('payouts-deduction-waiver').innerText(), { timeout: 30_000 }).toBe('waived from 2025-W27');
    const after = (await api<DeductionRow[]>(app, 'payouts.deductions', {})).find((x) => x.id === d.id)!;
    expect(after.waived).toMatchObject({ fromWeek: '2025-W27', note: 'written off by the platform' });
  });
});
