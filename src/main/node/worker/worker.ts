/**
 * The analytics worker thread: its own read-only SQLite connection, runs queries off the main
 * thread, reports progress and honours cancellation through shared flags.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/index.ts';
import { computeLive, liveDay, liveWindowStart, type AmountRow } from '../../../analytics/live.ts';
import type { HostMessage, WorkerInit, WorkerMessage, WorkerMethods, LiveQuery } from './protocol.ts';
import { CancelledError } from './protocol.ts';
import { statSync } from 'node:fs';
import { createFunnelMethods } from './funnel-methods.ts';
import { createReconMethods } from './recon-methods.ts';
import { createPayoutMethods } from './payout-methods.ts';
import { createCohortMethods } from './cohort-methods.ts';
import { createRfmMethods } from './rfm-methods.ts';

const init = workerData as WorkerInit;
const flags = new Int32Array(init.cancelFlags);
const { db } = openDatabase(init.dbFile, { readonly: true, cacheMiB: 64 });

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

interface Ctx { id: number; slot: number; progress(done: number, total: number, phase: string): void; check(): void }

const q = {
  amounts: db.prepare<[string, number, number], AmountRow>('SELECT time, amount, currency FROM events WHERE type = ? AND time >= ? AND time < ? AND amount IS NOT NULL'),
  syncState: db.prepare<[], { lastSyncedAt: number | null; lastEventAt: number | null }>('SELECT max(last_synced_at) AS lastSyncedAt, max(last_event_time) AS lastEventAt FROM sync_state'),
};

const funnels = createFunnelMethods(db, init.dbFile);
const methods: { [M in keyof WorkerMethods]: (params: WorkerMethods[M]['params'], ctx: Ctx) => WorkerMethods[M]['result'] } = {
  ...funnels,
  ...createCohortMethods(funnels),
  ...createReconMethods(db),
  ...createPayoutMethods(db),
  ...createRfmMethods(funnels),
  'live.snapshot'(p: LiveQuery) {
    const from = liveWindowStart(p);
    const { now } = liveDay(p);
    const orders = q.amounts.all('order.placed', from, now);
    const refunds = q.amounts.all('payment.refunded', from, now);
    const st = q.syncState.get() ?? { lastSyncedAt: null, lastEventAt: null };
    return computeLive({ orders, refunds, lastEventAt: st.lastEventAt, lastSyncedAt: st.lastSyncedAt }, p);
  },
  'workspace.stats'() {
    const byType = db.prepare<[], { type: string; count: number }>('SELECT type, count(*) AS count FROM events GROUP BY type ORDER BY count DESC').all();
    const events = byType.reduce((a, r) => a + r.count, 0);
    const quarantined = (db.prepare('SELECT count(*) AS n FROM quarantine').get() as { n: number }).n;
    const range = db.prepare<[], { first: number | null; last: number | null }>(
      "SELECT (SELECT min(time) FROM events WHERE type = 'order.placed') AS first, (SELECT max(time) FROM events WHERE type = 'order.placed') AS last",
    ).get()!;
    let dbBytes = 0;
    for (const f of [init.dbFile, init.dbFile + '-wal']) {
      try { dbBytes += statSync(f).size; } catch { /* absent */ }
    }
    return { events, quarantined, firstEventAt: range.first, lastEventAt: range.last, byType, dbBytes };
  },
  'events.scan'(p, ctx) {
    const total = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const chunk = p.chunk ?? 50_000;
    const sums: Record<string, number> = {};
    let rows = 0;
    for (const r of db.prepare('SELECT amount, currency FROM events').iterate() as Iterable<{ amount: number | null; currency: string | null }>) {
      rows++;
      if (r.amount !== null && r.currency !== null) sums[r.currency] = (sums[r.currency] ?? 0) + r.amount;
      if (rows % chunk === 0) {
        ctx.check();
        ctx.progress(rows, total, 'scan');
      }
    }
    ctx.progress(rows, total, 'scan');
    return { rows, amountByCurrency: sums };
  },
};

parentPort!.on('message', (m: HostMessage) => {
  if (m.kind !== 'run') return;
  const ctx: Ctx = {
    id: m.id,
    slot: m.slot,
    progress: (done, total, phase) => post({ kind: 'progress', id: m.id, done, total, phase }),
    check: () => {
      if (Atomics.load(flags, m.slot) !== 0) throw new CancelledError();
    },
  };
  try {
    const fn = methods[m.method] as (p: unknown, c: Ctx) => unknown;
    if (!fn) throw new Error(`unknown worker method ${m.method}`);
    const result = fn(m.params, ctx);
    post({ kind: 'result', id: m.id, result });
  } catch (e) {
    post({ kind: 'error', id: m.id, message: (e as Error).message, cancelled: e instanceof CancelledError });
  }
});
post({ kind: 'ready' });
