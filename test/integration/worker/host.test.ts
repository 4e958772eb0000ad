/** The analytics worker: own read-only connection, progress, cancellation, and a free main thread. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/main/node/db/index.ts';
import { WorkerHost } from '../../../src/main/node/worker/host.ts';
import { CancelledError } from '../../../src/main/node/worker/protocol.ts';

const ROWS = 400_000;
let host: WorkerHost;
let file: string;

beforeAll(() => {
  file = join(mkdtempSync(join(tmpdir(), 'ml-worker-')), 'ws.sqlite');
  const { db, close } = openDatabase(file);
  // Synthetic rows straight in SQL (this test is about the worker, not ingestion).
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO events (id_hash, id, type, source, time, amount, currency, data)
    SELECT i, 'e' || i, 'order.placed', '/services/order', 1795000000000 + i * 1000, i % 1000, CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'VND' END, '{}' FROM n`);
  close();
  host = new WorkerHost(file);
});
afterAll(() => host?.close());

describe('WorkerHost', () => {
  it('runs a scan with progress while the main thread keeps ticking', async () => {
    const progress: number[] = [];
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const r = await host.run('events.scan', { chunk: 20_000 }, { onProgress: (p) => progress.push(p.done) });
    clearInterval(timer);
    expect(r.rows).toBe(ROWS);
    let vnd = 0, usd = 0;
    for (let i = 1; i <= ROWS; i++) {
      if (i % 10 === 0) usd += i % 1000;
      else vnd += i % 1000;
    }
    expect(r.amountByCurrency).toEqual({ VND: vnd, USD: usd });
    expect(progress.length).toBeGreaterThanOrEqual(ROWS / 20_000);
    expect(progress.at(-1)).toBe(ROWS);
    expect(ticks).toBeGreaterThan(3); // the main thread was never stuck behind the query
    expect(maxGap).toBeLessThan(1000);
  });

  it('cancels a running query through the shared flag and keeps serving', async () => {
    const ctrl = new AbortController();
    const p = host.run('events.scan', { chunk: 10_000 }, { signal: ctrl.signal, onProgress: () => ctrl.abort() });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    const stats = await host.run('workspace.stats', {});
    expect(stats.events).toBe(ROWS);
  });

  it('loads method groups on first use and while idle; requests keep their order; unknown methods fail', async () => {
    const fresh = new WorkerHost(file);
    try {
      // sent at once: the first needs the funnel group's modules, the second none; answers keep order
      const order: string[] = [];
      await Promise.all([
        fresh.run('funnel.cache', {}).then((s) => { order.push('funnel'); expect(s.origin).toBeNull(); }),
        fresh.run('workspace.stats', {}).then((s) => { order.push('stats'); expect(s.events).toBe(ROWS); }),
      ]);
      expect(order).toEqual(['funnel', 'stats']);
      await expect(fresh.run('nope.method' as never, {} as never)).rejects.toThrow(/unknown worker method nope\.method/);
      // idle long enough for the preload to run; every group still answers
      await new Promise((r) => setTimeout(r, 1500));
      expect((await fresh.run('customers.cache', { refresh: true })).events).toBe(0); // no customer event types here
      expect((await fresh.run('customers.cache', {})).lastSeq).toBe(ROWS);
    } finally {
      await fresh.close();
    }
  });

  it('cannot write: the worker connection is read-only', async () => {
    const ro = openDatabase(file, { readonly: true });
    expect(() => ro.db.exec("INSERT INTO settings (key, value) VALUES ('x', '1')")).toThrow();
    ro.close();
  });
});
