/**
 * The weekly schedule: on Monday after runHour:runMinute (business timezone) the previous ISO week
 * is due; at start, the weeks missed since the watermark are caught up oldest first (at most
 * catchUpWeeks), each as a run, and the watermark (`payout_schedule`) advances.
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
import { openDatabase } from '../../../src/main/node/db/index.ts';
import { setScheduleWatermark } from '../../../src/main/node/payouts/store.ts';
import { zonedToUtc } from '../../../src/analytics/calendar.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const END = '2025-06-30';
let platform: RunningPlatform;
let services: Services;
const ws = mkdtempSync(join(tmpdir(), 'ml-payouts-sched-'));

beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 11, days: 35, users: 800, endDate: END, token: 'tok', worker: false });
  // synced while the schedule was off
  const first = await createServices({ workspaceDir: ws, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier() });
  const c1 = directClient(first.handlers);
  await c1('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await c1('settings.setToken', { token: 'tok' });
  await c1('sync.start', {});
  expect((await first.sync.wait()).state).toBe('done');
  await first.close();
  // the app last reconciled 2025-W22; it starts again on Monday 2025-06-30 at 13:00: W23..W26 are due
  const o = openDatabase(join(ws, 'marketlens.sqlite'));
  setScheduleWatermark(o.db, '2025-W22', 0, 0);
  o.close();
  const secrets = new MemorySecretStore();
  secrets.set('platform-token', 'tok');
  services = await createServices({ workspaceDir: ws, mode: 'test', secrets, notifier: new RecordingNotifier(), clock: new ManualClock(zonedToUtc(2025, 6, 30, 13, 0, TZ)), background: true });
}, 120_000);
afterAll(async () => {
  await services?.close();
  await platform?.close();
});

describe('the weekly payout scheduler', () => {
  it('catches up the missed weeks at start, oldest first, and advances the watermark', async () => {
    const call = directClient(services.handlers);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await call('payouts.settings.get', undefined)).lastScheduledWeek !== '2025-W26') await new Promise((r) => setTimeout(r, 250));
    expect((await call('payouts.settings.get', undefined)).lastScheduledWeek).toBe('2025-W26');
    const runs = (await call('payouts.runs', { limit: 50 })).runs;
    expect(runs.map((r) => [r.week, r.trigger, r.status]).reverse()).toEqual([
      ['2025-W23', 'catch-up', 'done'], ['2025-W24', 'catch-up', 'done'], ['2025-W25', 'catch-up', 'done'], ['2025-W26', 'schedule', 'done'],
    ]);
  }, 70_000);
});
