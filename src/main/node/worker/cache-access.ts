/**
 * How worker methods use an event cache: `ready()` before every call (verify that the database is
 * still the one the cache was built from, open it on first use, append new rows), a snapshot write
 * scheduled after the call has answered, and the cache's status. Funnels use the cache of every
 * event; cohorts and RFM share the cache of the customer event types (customer-cache.ts).
 */
import type { Database } from '../db/sqlite.ts';
import { EventCache, type EventCacheOptions } from '../cache/event-cache.ts';
import { CODE_COLUMNS } from '../../../analytics/columns.ts';
import type { FunnelCacheStatus } from '../../../analytics/funnel/types.ts';

/** The worker's per-call context (structurally the worker's own Ctx). */
export interface MethodCtx { progress(done: number, total: number, phase: string): void; check(): void }

/** A cache and its readiness step, shared by the methods that read it. */
export interface SharedCache {
  cache: EventCache;
  /** open / verify / catch up (progress phase 'load'); returns the time it took in ms */
  ready(ctx: MethodCtx): number;
  status(): FunnelCacheStatus;
}

export type CacheStatus = FunnelCacheStatus;

/** `onReset` runs when the rows change (rebuilt, reloaded or appended): drop derived results. */
export function createCacheAccess(db: Database, dbFile: string, opts: EventCacheOptions = {}, onReset: () => void = () => undefined): SharedCache {
  const cache = new EventCache(db, dbFile, opts);
  let persistTimer: ReturnType<typeof setImmediate> | null = null;

  /** Write the snapshot after the current call has answered (never on the query's clock). */
  function schedulePersist(): void {
    if (persistTimer || opts.noPersist) return;
    persistTimer = setImmediate(() => {
      persistTimer = null;
      try {
        cache.persistIfDue();
      } catch {
        /* a failed snapshot write only costs the next cold start a rebuild */
      }
    });
  }

  return {
    cache,
    ready(ctx) {
      const t0 = performance.now();
      if (!cache.verify()) onReset();
      const progress = (done: number, total: number) => ctx.progress(done, total, 'load');
      if (!cache.isOpen) {
        onReset();
        cache.open(progress, () => ctx.check());
      } else if (cache.catchUp(progress, () => ctx.check()) > 0) onReset();
      schedulePersist();
      return performance.now() - t0;
    },
    status() {
      const dictionaries: Record<string, number> = {};
      for (const c of CODE_COLUMNS) dictionaries[c] = cache.cols.dicts[c].size - 1;
      const cols = cache.cols;
      return {
        events: cols.length, lastSeq: cols.lastSeq, lastTime: Number.isFinite(cols.maxTime) ? cols.maxTime : null,
        origin: cache.origin, rebuildReason: cache.rebuildReason, snapshotFile: cache.snapshotFile, snapshotBytes: cache.snapshotBytes,
        snapshotSeq: cache.snapshotSeq, memoryBytes: cache.memoryBytes(), dictionaries,
      };
    },
  };
}
