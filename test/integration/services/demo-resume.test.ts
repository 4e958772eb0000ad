/**
 * Demo workspace across restarts: the demo platform comes back (on a new port) with the same data,
 * and the sync resumes from its committed cursor instead of re-reading the feed.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { FileSecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { until } from '../../e2e/helpers.ts';

process.env.MARKETLENS_DEMO_LIVE = '0';
const ws = mkdtempSync(join(tmpdir(), 'ml-demo-'));
const open = (background: boolean) =>
  createServices({ workspaceDir: ws, mode: 'test', secrets: new FileSecretStore(join(ws, 'secrets')), notifier: new RecordingNotifier(), background });

describe('demo workspace restart', () => {
  it('resumes the same feed from its cursor on a new platform port', async () => {
    let s: Services = await open(false);
    const call = directClient(s.handlers);
    const first = await call('demo.start', { days: 2, users: 200, seed: 5 });
    const done = await s.sync.wait();
    expect(done.state).toBe('done');
    expect(done.inserted).toBeGreaterThan(500);
    const events = (await call('workspace.stats', undefined)).events;
    await s.close();

    s = await open(true); // background: restarts the demo platform and syncs
    try {
      const again = directClient(s.handlers);
      const info = await until(async () => ((await again('app.info', undefined)).demoRunning ? again('settings.get', undefined) : null), 30_000, 'the demo platform to come back');
      expect(info.platformUrl).not.toBe(first.url);
      const st = await until(async () => {
        const x = await again('sync.status', undefined);
        return x.state === 'done' || x.state === 'error' ? x : null;
      }, 60_000, 'the resumed sync');
      expect(st.state).toBe('done');
      expect(st.duplicates).toBe(0);
      expect((await again('workspace.stats', undefined)).events).toBe(events + st.inserted);
    } finally {
      await s.close();
    }
  });
});
