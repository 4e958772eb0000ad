/** One cohort run end to end over the event columns: extract (memoised), compute, assemble. */
import type { EventColumns } from '../columns.ts';
import type { CustomerOrders } from '../customers/orders.ts';
import { computeCohorts, assembleCohorts, type CohortComputation } from './compute.ts';
import { MILESTONES, type CohortQuery, type CohortResult, type CohortWatermark } from './types.ts';

export function milestoneLabels(g: CohortQuery['granularity']): Record<string, string> {
  return Object.fromEntries(MILESTONES.map((m) => [String(m), `${g === 'month' ? 'M' : 'W'}${m}`]));
}

export function cohortResult(
  cols: EventColumns, co: CustomerOrders, q: CohortQuery,
  o: { watermark: CohortWatermark; loadMs?: number; extractMs?: number; startedAt?: number; check?: () => void },
): { result: CohortResult; comp: CohortComputation } {
  const t0 = performance.now();
  const comp = computeCohorts(cols, co, q, o.check);
  const a = assembleCohorts(cols, comp);
  const computeMs = performance.now() - t0;
  const { fxRates: _fx, ...query } = q;
  const result: CohortResult = {
    query,
    milestoneLabels: milestoneLabels(q.granularity),
    maxOffset: comp.K - 1,
    matrix: a.matrix,
    breakdown: q.breakdown ? { dimension: q.breakdown, values: a.breakdown ?? [] } : null,
    fx: { reportingCurrency: q.reportingCurrency, ...a.fx },
    customers: comp.cust.length,
    orders: comp.counts,
    watermark: o.watermark,
    timing: {
      loadMs: Math.round(o.loadMs ?? 0), extractMs: Math.round(o.extractMs ?? 0), computeMs: Math.round(computeMs),
      totalMs: Math.round(performance.now() - (o.startedAt ?? t0)),
    },
  };
  return { result, comp };
}
