/**
 * RFM methods of the analytics worker (docs/rfm.md): the per-customer order extraction over the
 * shared columnar event cache (the same one funnels use, caught up before every run), then the
 * scores, segments and summary. Progress phases: 'load' -> 'extract' -> 'score'.
 */
import type { SharedCache, MethodCtx } from './cache-access.ts';
import { extractCustomerOrders } from '../../../analytics/rfm/orders.ts';
import { computeRfm, rfmWindow, type RfmColumns, type RfmParams, type RfmSummary } from '../../../analytics/rfm/compute.ts';

export type { RfmColumns };

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

export function createRfmMethods(access: SharedCache): Methods {
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
      const { columns: out, summary } = computeRfm(orders, p);
      ctx.progress(1, 1, 'score');
      return {
        summary, customers: out,
        watermark: { seq: cols.lastSeq, time: Number.isFinite(cols.maxTime) ? cols.maxTime : null, events: cols.length },
        timings: { loadMs, extractMs: t1 - t0, scoreMs: performance.now() - t1 },
      };
    },
  };
}
