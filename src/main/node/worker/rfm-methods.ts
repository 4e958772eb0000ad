/**
 * RFM methods of the analytics worker (docs/rfm.md): the per-customer order extraction over the
 * shared columnar event cache (the same one funnels use, caught up before every run), then the
 * scores, segments and summary. Progress phases: 'load' -> 'extract' -> 'score'.
 */
import type { CacheAccess, MethodCtx } from './funnel-methods.ts';
import { extractCustomerOrders } from '../../../analytics/rfm/orders.ts';
import { computeRfm, rfmWindow, type RfmParams, type RfmSummary } from '../../../analytics/rfm/compute.ts';
import type { Segment } from '../../../analytics/rfm/segments.ts';

/** Per-customer results, column by column (cheap to post between threads). */
export interface RfmColumns {
  customerId: string[];
  lastOrderAt: Float64Array;
  recencyDays: Uint16Array;
  frequency: Uint32Array;
  monetary: Float64Array;
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  segment: Segment[];
}

export interface RfmComputeResult {
  summary: RfmSummary;
  customers: RfmColumns;
  watermark: { seq: number; time: number | null; events: number };
  timings: { loadMs: number; extractMs: number; scoreMs: number };
}

export interface RfmWorkerMethods {
  'rfm.compute': { params: RfmParams; result: RfmComputeResult };
}

type Methods = { [M in keyof RfmWorkerMethods]: (params: RfmWorkerMethods[M]['params'], ctx: MethodCtx) => RfmWorkerMethods[M]['result'] };

export function createRfmMethods(access: CacheAccess): Methods {
  return {
    'rfm.compute'(p, ctx) {
      const loadMs = access.ready(ctx);
      const cols = access.cache.cols;
      const t0 = performance.now();
      ctx.progress(0, 1, 'extract');
      const orders = extractCustomerOrders(cols, rfmWindow(p.asOf, p.timezone), () => ctx.check());
      const t1 = performance.now();
      ctx.check();
      ctx.progress(0, 1, 'score');
      const { customers, summary } = computeRfm(orders, p);
      const n = customers.length;
      const out: RfmColumns = {
        customerId: new Array(n), lastOrderAt: new Float64Array(n), recencyDays: new Uint16Array(n), frequency: new Uint32Array(n),
        monetary: new Float64Array(n), r: new Uint8Array(n), f: new Uint8Array(n), m: new Uint8Array(n), segment: new Array(n),
      };
      for (let i = 0; i < n; i++) {
        const c = customers[i]!;
        out.customerId[i] = c.customerId;
        out.lastOrderAt[i] = c.lastOrderAt;
        out.recencyDays[i] = c.recencyDays;
        out.frequency[i] = c.frequency;
        out.monetary[i] = c.monetary;
        out.r[i] = c.r;
        out.f[i] = c.f;
        out.m[i] = c.m;
        out.segment[i] = c.segment;
      }
      ctx.progress(1, 1, 'score');
      return {
        summary, customers: out,
        watermark: { seq: cols.lastSeq, time: Number.isFinite(cols.maxTime) ? cols.maxTime : null, events: cols.length },
        timings: { loadMs, extractMs: t1 - t0, scoreMs: performance.now() - t1 },
      };
    },
  };
}
