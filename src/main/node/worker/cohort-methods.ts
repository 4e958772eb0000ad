/**
 * Cohort methods of the analytics worker, on the same columnar event cache as funnels: the cache is
 * caught up before each call, customer orders are extracted once per cache version, and the last
 * computation is kept so drill-down pages reuse it. Progress phases: 'load' -> 'extract' -> 'cohorts'.
 */
import { CustomerOrdersCache } from '../../../analytics/customers/orders.ts';
import { cohortResult } from '../../../analytics/cohorts/run.ts';
import { cellCustomers, cohortCustomersPage } from '../../../analytics/cohorts/drilldown.ts';
import type { CohortComputation } from '../../../analytics/cohorts/compute.ts';
import type { CohortCustomersPage, CohortQuery, CohortResult } from '../../../analytics/cohorts/types.ts';
import { canonicalJson } from '../../../analytics/funnel/definition.ts';
import { periodKeyOf } from '../../../analytics/cohorts/periods.ts';
import type { MethodCtx, SharedCache } from './cache-access.ts';

export interface CohortCellQuery { query: CohortQuery; cohort: string; offset: number | null; breakdownValue: string | null }

export interface CohortWorkerMethods {
  'cohort.run': { params: CohortQuery; result: CohortResult };
  'cohort.customers': { params: CohortCellQuery & { offsetRows: number; limit: number }; result: CohortCustomersPage };
  /** every user id of a cell (saving it as a segment, exports) */
  'cohort.cellUsers': { params: CohortCellQuery; result: string[] };
}

type Methods = { [M in keyof CohortWorkerMethods]: (params: CohortWorkerMethods[M]['params'], ctx: MethodCtx) => CohortWorkerMethods[M]['result'] };

export function createCohortMethods(shared: SharedCache): Methods {
  const orders = new CustomerOrdersCache();
  let last: { key: string; comp: CohortComputation } | null = null;

  function compute(q: CohortQuery, ctx: MethodCtx, reuse: boolean): { result: CohortResult | null; comp: CohortComputation } {
    const started = performance.now();
    const loadMs = shared.ready(ctx);
    const cols = shared.cache.cols;
    // the customer tables depend on asOf only through its period: drill-down pages of a run reuse it
    const key = canonicalJson({ ...q, asOf: periodKeyOf(q.asOf, q.timezone, q.granularity) }) + '@' + cols.lastSeq;
    if (reuse && last?.key === key) return { result: null, comp: last.comp };
    ctx.progress(0, 1, 'extract');
    const t0 = performance.now();
    const co = orders.get(cols, () => ctx.check());
    const extractMs = performance.now() - t0;
    ctx.progress(1, 1, 'extract');
    ctx.check();
    ctx.progress(0, 1, 'cohorts');
    const watermark = { seq: cols.lastSeq, time: Number.isFinite(cols.maxTime) ? cols.maxTime : null, events: cols.length };
    const out = cohortResult(cols, co, q, { watermark, loadMs, extractMs, startedAt: started, check: () => ctx.check() });
    ctx.progress(1, 1, 'cohorts');
    last = { key, comp: out.comp };
    return out;
  }

  return {
    'cohort.run'(q, ctx) {
      return compute(q, ctx, false).result!;
    },
    'cohort.customers'(p, ctx) {
      const { comp } = compute(p.query, ctx, true);
      return cohortCustomersPage(shared.cache.cols, comp, { cohort: p.cohort, offset: p.offset, breakdownValue: p.breakdownValue, offsetRows: p.offsetRows, limit: p.limit });
    },
    'cohort.cellUsers'(p, ctx) {
      const { comp } = compute(p.query, ctx, true);
      const cols = shared.cache.cols;
      return cellCustomers(cols, comp, p).map((i) => cols.dicts.user.value(comp.cust.user[i]!) ?? '');
    },
  };
}
