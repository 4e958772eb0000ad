/** A demo workspace with or without the drop-off incident, synced over real HTTP. */
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

export const END = '2026-03-15';
export const INCIDENT_DAY = '2026-03-14';
export const TZ = 'Asia/Ho_Chi_Minh';
export const USERS = 20000;

export interface Workspace { platform: RunningPlatform; services: Services; notifier: RecordingNotifier; dir: string; clock: ManualClock; close(): Promise<void> }

export async function workspace(dropoffIncident: boolean, seed = 5): Promise<Workspace> {
  const platform = await startPlatform({ port: 0, seed, days: 9, users: USERS, endDate: END, token: 't0k', worker: false, dropoffIncident, now: () => dayRange(END, TZ).end + 3_600_000 });
  const dir = mkdtempSync(join(tmpdir(), 'ml-dropoff-'));
  const clock = new ManualClock(dayRange(END, TZ).end);
  const notifier = new RecordingNotifier();
  const services = await createServices({ workspaceDir: dir, mode: 'test', secrets: new MemorySecretStore(), notifier, clock });
  const call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token: 't0k' });
  await call('sync.start', {});
  const s = await services.sync.wait();
  if (s.state !== 'done') throw new Error(`sync ended ${s.state}: ${s.error}`);
  services.sync.cancel();
  return {
    platform, services, notifier, dir, clock,
    async close() {
      await services.close();
      await platform.close();
    },
  };
}
