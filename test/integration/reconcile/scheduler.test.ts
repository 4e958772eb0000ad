/**
 * The daily schedule: due date T-1 once 02:00 (business timezone) has passed; at start, the days
 * missed since the watermark are caught up (at most catchUpDays), each as a run, and the watermark
 * (`recon_schedule`) advances.
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
import { datesToRun, dueDate } from '../../../src/main/node/services/reconciliation.ts';
import { openDatabase } from '../../../src/main/node/db/index.ts';
import { setScheduleWatermark } from '../../../src/main/node/reconcile/store.ts';
import { zonedToUtc } from '../../../src/analytics/calendar.ts';

const TZ = 'Asia/Ho_Chi_Minh';

describe('schedule arithmetic', () => {
  it('T-1 once the run time has passed, else T-2', () => {
    expect(dueDate(zonedToUtc(2026, 11, 20, 1, 59, TZ), TZ, 2, 0)).toBe('2026-11-18');
    expect(dueDate(zonedToUtc(2026, 11, 20, 2, 0, TZ), TZ, 2, 0)).toBe('2026-11-19');
    expect(dueDate(zonedToUtc(2026, 11, 20, 23, 0, TZ), TZ, 2, 30)).toBe('2026-11-19');
  });
  it('catches up the days after the watermark, at most catchUpDays, oldest first', () => {
    expect(datesToRun(null, '2026-11-19', 7)).toEqual(['2026-11-19']);
    expect(datesToRun('2026-11-19', '2026-11-19', 7)).toEqual([]);
    expect(datesToRun('2026-11-15', '2026-11-19', 7)).toEqual(['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19']);
    expect(datesToRun('2026-11-01', '2026-11-19', 3)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19']);
  });
});

const END = '2026-11-20';
let platform: RunningPlatform;
let services: Services;
const ws = mkdtempSync(join(tmpdir(), 'ml-recon-sched-'));

beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 9, days: 5, users: 200, endDate: END, token: 'tok', worker: false });
  // the app was last running on the 16th: the watermark says the 16th was reconciled
  const o = openDatabase(join(ws, 'marketlens.sqlite'));
  setScheduleWatermark(o.db, '2026-11-16', 0, 0);
  o.close();
  // it starts again on the 21st at 08:00: the 17th..20th are due
  const clock = new ManualClock(zonedToUtc(2026, 11, 21, 8, 0, TZ));
  services = await createServices({ workspaceDir: ws, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock, background: true });
  const call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token: 'tok' });
});
afterAll(async () => {
  await services?.close();
  await platform?.close();
});

describe('the scheduler', () => {
  it('catches up the missed days at start and advances the watermark', async () => {
    const call = directClient(services.handlers);
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && (await call('recon.settings.get', undefined)).lastScheduledDate !== END) await new Promise((r) => setTimeout(r, 250));
    expect((await call('recon.settings.get', undefined)).lastScheduledDate).toBe(END);
    const runs = (await call('recon.runs', { limit: 50 })).runs;
    expect(runs.map((r) => [r.date, r.trigger, r.status]).sort()).toEqual([
      ['2026-11-17', 'catch-up', 'done'], ['2026-11-18', 'catch-up', 'done'], ['2026-11-19', 'catch-up', 'done'], ['2026-11-20', 'schedule', 'done'],
    ]);
  });
});
