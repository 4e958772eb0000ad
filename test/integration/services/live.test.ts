/**
 * Services end to end on a real SQLite file and real HTTP: sync from the demo platform, then the
 * Live snapshot of a past business day equals an independent computation from the platform's own
 * generated events; the GMV-drop rule stores, notifies and pushes one alert per episode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { dayRange, addDays } from '../../../src/analytics/calendar.ts';
import { parseMinor } from '../../../src/analytics/money.ts';
import type { AlertEntry } from '../../../src/main/common/types.ts';

const END = '2026-11-20';
const TZ = 'Asia/Ho_Chi_Minh';
let platform: RunningPlatform;
let services: Services;
const notifier = new RecordingNotifier();
const clock = new ManualClock(dayRange(END, TZ).end);

beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 7, days: 6, users: 800, endDate: END, token: 't0k', worker: false });
  services = await createServices({ workspaceDir: mkdtempSync(join(tmpdir(), 'ml-svc-')), mode: 'test', secrets: new MemorySecretStore(), notifier, clock });
  const call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token: 't0k' });
});
afterAll(async () => {
  await services?.close();
  await platform?.close();
});

describe('services over a synced demo workspace', () => {
  it('syncs the whole feed and reports it', async () => {
    const call = directClient(services.handlers);
    expect((await call('app.info', undefined)).platformConfigured).toBe(true);
    await call('sync.start', {});
    const s = await services.sync.wait();
    expect(s.state).toBe('done');
    const expected = [...platform.sim.events()].length;
    expect(s.inserted).toBe(expected);
    const stats = await call('workspace.stats', undefined);
    expect(stats.events).toBe(expected);
  });

  it('Live GMV of a past day equals an independent sum over the generated events', async () => {
    const day = addDays(END, -1);
    const { start, end } = dayRange(day, TZ);
    const sums: Record<string, number> = {};
    let orders = 0;
    for (const e of platform.sim.events()) {
      const t = Date.parse(e.time);
      if (e.type !== 'order.placed' || t < start || t >= end) continue;
      const total = (e.data as { total: { amount: string; currency: string } }).total;
      sums[total.currency] = (sums[total.currency] ?? 0) + parseMinor(total.amount, total.currency);
      orders++;
    }
    const snap = await services.liveAt(Date.now(), day);
    expect(snap.asOf).toBe(end);
    expect(snap.day).toBe(day);
    expect(snap.orders).toBe(orders);
    expect(Object.fromEntries(snap.gmvByCurrency.map((m) => [m.currency, m.minor]))).toEqual(sums);
    const usd = sums.USD ?? 0;
    expect(snap.gmv.minor).toBe((sums.VND ?? 0) + Math.round((usd * 26000) / 100)); // default rate 1 USD = 26000 VND
  });

  it('fires one GMV-drop alert per episode, stored, notified and pushed', async () => {
    const call = directClient(services.handlers);
    const pushed: AlertEntry[] = [];
    const off = services.push.subscribe((name, p) => { if (name === 'alert.fired') pushed.push(p as AlertEntry); });
    // Fit the window to the data: find a 2-window span of the last day with a drop.
    await call('settings.update', { gmvWindowMinutes: 60, gmvDropPct: 30, gmvMinPriorOrders: 1 });
    const { start, end } = dayRange(END, TZ);
    let firedAt: number | null = null;
    for (let t = start + 2 * 3600_000; t <= end && firedAt === null; t += 15 * 60_000) {
      clock.set(t);
      const snap = await services.refreshLive();
      if (snap.window.dropping) firedAt = t;
    }
    expect(firedAt, 'the demo day has at least one hour-over-hour drop of 30%').not.toBeNull();
    await services.refreshLive(); // same instant, condition still true: no second alert
    off();
    expect(pushed).toHaveLength(1);
    expect(notifier.sent).toHaveLength(1);
    const list = await call('alerts.list', {});
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ rule: 'gmv_drop', severity: 'P2', runbookUrl: 'runbook:gmv-drop', acknowledgedAt: null });
    expect(Number(list[0]!.values.changePct)).toBeLessThan(-30);
    const acked = await call('alerts.ack', { id: list[0]!.id });
    expect(acked.acknowledgedAt).toBe(clock.now());
    const rb = await call('runbook.get', { name: 'gmv-drop' });
    expect(rb.markdown).toMatch(/# Runbook: GMV drop/);
  });

  it('never stores the token in SQLite and audits settings changes', async () => {
    const { openDatabase } = await import('../../../src/main/node/db/index.ts');
    const ro = openDatabase(services.dbFile, { readonly: true });
    try {
      const settingsText = ro.db.prepare('SELECT group_concat(value) AS v FROM settings').get() as { v: string };
      expect(settingsText.v).not.toContain('t0k');
      const audit = ro.db.prepare("SELECT action FROM audit_log WHERE action LIKE 'settings.%'").all() as { action: string }[];
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['settings.update', 'settings.setToken']));
      const all = ro.db.prepare("SELECT count(*) AS n FROM audit_log WHERE after LIKE '%t0k%' OR before LIKE '%t0k%'").get() as { n: number };
      expect(all.n).toBe(0);
    } finally {
      ro.close();
    }
  });
});
