/**
 * The worker's cache grows while the sync engine is still writing pages: funnel runs between pages
 * see a growing prefix, and the final result equals a cold rebuild from SQLite (trend day by day).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform } from '../../../src/platform-sim/server.ts';
import { createServices } from '../../../src/main/node/services/index.ts';
import { createSyncEngine } from '../../../src/main/node/sync/index.ts';
import { openDatabase } from '../../../src/main/node/db/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';

const END = '2026-03-15';

describe('funnel cache growing during a sync', () => {
  it('equals a cold rebuild once the sync is done', async () => {
    const platform = await startPlatform({ port: 0, seed: 21, days: 6, users: 900, endDate: END, token: 'g', worker: false });
    const dir = mkdtempSync(join(tmpdir(), 'ml-grow-'));
    const open = () => createServices({ workspaceDir: dir, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier() });
    const args = { from: '2026-03-10', to: END, trend: 'day' as const, breakdown: ['device' as const] };
    try {
      const services = await open();
      const call = directClient(services.handlers);
      const { db, close } = openDatabase(join(dir, 'marketlens.sqlite'));
      let pages = 0;
      const entered: number[] = [];
      for (;;) {
        const s = await createSyncEngine({ db, platformUrl: platform.url, token: 'g', pageSize: 1500, maxPages: 2, workers: 0 }).run();
        expect(s.state).toBe('done');
        pages++;
        const r = await call('funnel.run', args); // the worker catches up with the rows written so far
        entered.push(r.entered);
        if (s.fetched === 0 || pages > 200) break;
      }
      close();
      const warm = await call('funnel.run', args);
      await services.close();
      expect(entered.length).toBeGreaterThan(3);
      expect(entered).toEqual([...entered].sort((a, b) => a - b)); // grows monotonically

      rmSync(join(dir, 'cache'), { recursive: true, force: true }); // no snapshot: rebuild from SQLite
      const fresh = await open();
      const cold = await directClient(fresh.handlers)('funnel.run', args);
      await fresh.close();
      expect(cold.watermark.events).toBe(warm.watermark.events);
      expect(warm.steps.map((s) => s.entered)).toEqual(cold.steps.map((s) => s.entered));
      expect(warm.trend?.buckets.map((b) => [b.label, b.entered, b.completed])).toEqual(cold.trend?.buckets.map((b) => [b.label, b.entered, b.completed]));
      expect(warm.breakdown?.rows).toEqual(cold.breakdown?.rows);
    } finally {
      await platform.close();
    }
  });
});
