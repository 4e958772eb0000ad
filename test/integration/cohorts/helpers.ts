/** A demo workspace over several months, synced from the demo platform through the real sync engine and services. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';

/** the last demo day: mid-month, so the current month is incomplete */
export const END = '2026-03-15';
export const TZ = 'Asia/Ho_Chi_Minh';
export const DAYS = 100;

export interface CohortWorkspace { platform: RunningPlatform; services: Services; dir: string; clock: ManualClock; close(): Promise<void> }

export async function cohortWorkspace(seed = 7): Promise<CohortWorkspace> {
  const platform = await startPlatform({ port: 0, seed, days: DAYS, users: 300, endDate: END, token: 't0k', worker: false });
  const dir = mkdtempSync(join(tmpdir(), 'ml-cohorts-'));
  const clock = new ManualClock(dayRange(END, TZ).end - 3_600_000);
  const services = await createServices({ workspaceDir: dir, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock });
  const call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token: 't0k' });
  await call('sync.start', {});
  const s = await services.sync.wait();
  if (s.state !== 'done') throw new Error(`sync ended ${s.state}: ${s.error}`);
  services.sync.cancel();
  return {
    platform, services, dir, clock,
    async close() {
      await services.close();
      await platform.close();
    },
  };
}
