/**
 * Funnel methods of the analytics worker. The worker owns the columnar event cache: it loads the
 * snapshot (or rebuilds from SQLite) on first use, appends new rows before every query, runs the
 * typed-array kernel and the Arquero aggregation, and reports progress in phases
 * 'load' -> 'sessionize' -> 'match' -> 'aggregate'. Every phase polls the cancel flag.
 */
import type { Database } from '../db/sqlite.ts';
import type { EventCacheOptions } from '../cache/event-cache.ts';
import { createCacheAccess, type MethodCtx, type SharedCache } from './cache-access.ts';
import { loadSegments } from '../cache/segments.ts';
import { computeFunnel, type FunnelComputation } from '../../../analytics/funnel/kernel.ts';
import { aggregateFunnel } from '../../../analytics/funnel/aggregate.ts';
import { drilldown } from '../../../analytics/funnel/drilldown.ts';
import { canonicalJson } from '../../../analytics/funnel/definition.ts';
import type { DrilldownPage, FunnelCacheStatus, FunnelQuery, FunnelResult, Watermark } from '../../../analytics/funnel/types.ts';

export interface DrilldownQuery { query: FunnelQuery; step: number; offset: number; limit: number }

export interface FunnelWorkerMethods {
  'funnel.run': { params: FunnelQuery; result: FunnelResult };
  'funnel.drilldown': { params: DrilldownQuery; result: DrilldownPage };
  /** cache status; `refresh` appends new rows first, `persist` writes the snapshot when due */
  'funnel.cache': { params: { refresh?: boolean; persist?: boolean }; result: FunnelCacheStatus };
}

type Methods = { [M in keyof FunnelWorkerMethods]: (params: FunnelWorkerMethods[M]['params'], ctx: MethodCtx) => FunnelWorkerMethods[M]['result'] };

const LRU_SIZE = 1;

export function createFunnelMethods(db: Database, dbFile: string, opts: EventCacheOptions = {}): Methods & SharedCache {
  const recent = new Map<string, FunnelComputation>();
  const access = createCacheAccess(db, dbFile, opts, () => recent.clear());
  const { cache, ready } = access;

  function watermark(): Watermark {
    const c = cache.cols;
    return { seq: c.lastSeq, time: Number.isFinite(c.maxTime) ? c.maxTime : null, events: c.length };
  }

  /** The computation of `q`; drill-downs reuse a recent one (same query and data), runs always compute. */
  function compute(q: FunnelQuery, ctx: MethodCtx, reuse: boolean): FunnelComputation {
    const { meta: _meta, ...rest } = q;
    const key = canonicalJson(rest) + '@' + cache.cols.lastSeq;
    const hit = reuse ? recent.get(key) : undefined;
    if (hit) {
      recent.delete(key);
      recent.set(key, hit);
      return { ...hit, query: q };
    }
    const segments = loadSegments(db, cache.cols);
    let last = 0;
    const comp = computeFunnel(cache.cols, q, {
      sessionUsers: q.unit === 'user' || segments ? cache.sessionUsers() : undefined,
      segments,
      tick: (phase, done, total) => {
        ctx.check();
        const now = performance.now();
        if (now - last > 50 || done === total) {
          last = now;
          ctx.progress(done, total, phase);
        }
      },
    });
    // keep what drill-downs need (not the duration lists) for the next pages
    recent.delete(key);
    recent.set(key, { ...comp, fromPrevious: [], toConvert: [] });
    while (recent.size > LRU_SIZE) recent.delete(recent.keys().next().value!);
    return comp;
  }

  return {
    ...access,
    'funnel.run'(q, ctx) {
      const started = performance.now();
      const loadMs = ready(ctx);
      const comp = compute(q, ctx, false);
      ctx.check();
      ctx.progress(0, 1, 'aggregate');
      const result = aggregateFunnel({ cols: cache.cols, comp, watermark: watermark(), loadMs, startedAt: started });
      ctx.progress(1, 1, 'aggregate');
      return result;
    },
    'funnel.drilldown'(p, ctx) {
      ready(ctx);
      const comp = compute(p.query, ctx, true);
      return drilldown({ cols: cache.cols, comp, sessionUsers: cache.sessionUsers(), step: p.step, offset: p.offset, limit: p.limit, watermark: watermark() });
    },
    'funnel.cache'(p, ctx) {
      if (p.refresh) ready(ctx);
      if (p.persist) cache.persistIfDue(true);
      return access.status();
    },
  };
}
