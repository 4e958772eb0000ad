/**
 * A workspace synced from the demo platform over real HTTP through the real sync engine and
 * services: the starting point of the capability integration tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type PlatformOptions, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';

export interface SyncedWorkspace {
  platform: RunningPlatform;
  services: Services;
  notifier: RecordingNotifier;
  dir: string;
  clock: ManualClock;
  close(): Promise<void>;
}

export interface SyncedWorkspaceOptions {
  /** the demo platform's options (port 0, token 't0k' and an in-process generator unless given) */
  platform: PlatformOptions & Required<Pick<PlatformOptions, 'seed' | 'days' | 'users' | 'endDate'>>;
  /** the workspace clock's start (UTC ms) */
  now: number;
  /** temp folder name prefix */
  prefix: string;
}

export async function syncedWorkspace(o: SyncedWorkspaceOptions): Promise<SyncedWorkspace> {
  const token = o.platform.token ?? 't0k';
  const platform = await startPlatform({ port: 0, worker: false, ...o.platform, token });
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const clock = new ManualClock(o.now);
  const notifier = new RecordingNotifier();
  const services = await createServices({ workspaceDir: dir, mode: 'test', secrets: new MemorySecretStore(), notifier, clock });
  const call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token });
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
