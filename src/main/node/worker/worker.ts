/**
 * The analytics worker thread: its own read-only SQLite connection, runs queries off the main
 * thread one at a time, reports progress and honours cancellation through shared flags.
 *
 * Start-up is kept short (a cold query pays for it): the worker opens a bare connection (no
 * Kysely) and loads each group of methods (funnels, customer analytics, reconciliation, payouts)
 * with its modules on the group's first call, or once it has been idle for a second (code only:
 * no data is loaded before a query asks for it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.ts';
import { computeLive, liveDay, liveWindowStart, type AmountRow } from '../../../analytics/live.ts';
import type { HostMessage, WorkerInit, WorkerMessage, WorkerMethod, WorkerMethods, LiveQuery } from './protocol.ts';
import { CancelledError } from './protocol.ts';
import { statSync } from 'node:fs';
import type { createCustomerCache } from './customer-cache.ts';

const init = workerData as WorkerInit;
const flags = new Int32Array(init.cancelFlags);
const { db } = openConnection(init.dbFile, { readonly: true, cacheMiB: 64 });

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

interface Ctx { id: number; slot: number; progress(done: number, total: number, phase: string): void; check(): void }

const q = {
  amounts: db.prepare<[string, number, number], AmountRow>('SELECT time, amount, currency FROM events WHERE type = ? AND time >= ? AND time < ? AND amount IS NOT NULL'),
  syncState: db.prepare<[], { lastSyncedAt: number | null; lastEventAt: number | null }>('SELECT max(last_synced_at) AS lastSyncedAt, max(last_event_time) AS lastEventAt FROM sync_state'),
};

type Method = (params: never, ctx: Ctx) => unknown;
type Methods = { [M in keyof WorkerMethods]: (params: WorkerMethods[M]['params'], ctx: Ctx) => WorkerMethods[M]['result'] | Promise<WorkerMethods[M]['result']> };

let customers: Promise<ReturnType<typeof createCustomerCache>> | null = null;
/** the customer cache, shared by cohorts and RFM (created once) */
const customerCache = () => (customers ??= import('./customer-cache.ts').then((m) => m.createCustomerCache(db, init.dbFile)));

/** Method groups by the prefix of their names, loaded with their modules on first use. */
const groups: Record<string, () => Promise<Partial<Methods>>> = {
  funnel: async () => (await import('./funnel-methods.ts')).createFunnelMethods(db, init.dbFile),
  customers: async () => (await customerCache()).methods,
  cohort: async () => (await import('./cohort-methods.ts')).createCohortMethods((await customerCache()).shared),
  rfm: async () => (await import('./rfm-methods.ts')).createRfmMethods((await customerCache()).shared),
  recon: async () => (await import('./recon-methods.ts')).createReconMethods(db),
  payouts: async () => (await import('./payout-methods.ts')).createPayoutMethods(db),
};
const loaded = new Map<string, Promise<void>>();

function loadGroup(prefix: string): Promise<void> {
  let p = loaded.get(prefix);
  if (!p) loaded.set(prefix, (p = groups[prefix]!().then((m) => void Object.assign(methods, m))));
  return p;
}

async function methodOf(name: WorkerMethod): Promise<Method | undefined> {
  const prefix = name.slice(0, name.indexOf('.'));
  if (!(name in methods) && groups[prefix]) await loadGroup(prefix);
  return (methods as Record<string, Method | undefined>)[name];
}

const methods: Partial<Methods> = {
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

async function handle(m: HostMessage): Promise<void> {
  const ctx: Ctx = {
    id: m.id,
    slot: m.slot,
    progress: (done, total, phase) => post({ kind: 'progress', id: m.id, done, total, phase }),
    check: () => {
      if (Atomics.load(flags, m.slot) !== 0) throw new CancelledError();
    },
  };
  try {
    const fn = (await methodOf(m.method)) as ((p: unknown, c: Ctx) => unknown) | undefined;
    if (!fn) throw new Error(`unknown worker method ${m.method}`);
    const result = await fn(m.params, ctx); // (the next request waits: one at a time)
    post({ kind: 'result', id: m.id, result });
  } catch (e) {
    post({ kind: 'error', id: m.id, message: (e as Error).message, cancelled: e instanceof CancelledError });
  }
}

// one request at a time, in arrival order (a group's first call waits for its modules)
let queue: Promise<void> = Promise.resolve();
let pending = 0;
parentPort!.on('message', (m: HostMessage) => {
  if (m.kind !== 'run') return;
  pending++;
  queue = queue.then(() => handle(m)).finally(() => void pending--);
});

/**
 * Once the worker has been idle for a while, load the remaining method groups' modules (code, not
 * data) one by one, giving way to any request that arrives; so in a running app the first query of
 * a page does not wait for its modules. A request sent right after start never waits for this.
 */
const PRELOAD_IDLE_MS = 1000;
function schedulePreload(): void {
  setTimeout(() => {
    queue = queue.then(async () => {
      for (const g of Object.keys(groups)) {
        if (pending > 0) return schedulePreload();
        await loadGroup(g).catch(() => undefined); // a failing group reports its error on its first call
      }
    });
  }, PRELOAD_IDLE_MS).unref();
}
schedulePreload();
post({ kind: 'ready' });
