/** Hand-made event fixtures for the funnel kernel: rows in arrival (seq) order. */
import { EventColumns, SessionUsers, type EventRow } from '../../../src/analytics/columns.ts';
import { computeFunnel } from '../../../src/analytics/funnel/kernel.ts';
import { aggregateFunnel } from '../../../src/analytics/funnel/aggregate.ts';
import { STANDARD_STEPS, DEFAULT_SESSION_GAP_MS } from '../../../src/analytics/funnel/definition.ts';
import type { FunnelQuery, FunnelResult, FunnelSpec } from '../../../src/analytics/funnel/types.ts';

export const T0 = Date.UTC(2026, 2, 10, 3, 0, 0); // 10:00 in Asia/Ho_Chi_Minh
export const MIN = 60_000;
export const TZ = 'Asia/Ho_Chi_Minh';

export function columns(rows: EventRow[]): EventColumns {
  const c = new EventColumns(4);
  rows.forEach((r, i) => c.appendRow(i + 1, r));
  return c;
}

/** session `s` walking the given types at minute offsets from `at` */
export function walk(s: string, at: number, steps: [string, number][], extra: Partial<EventRow> = {}): EventRow[] {
  return steps.map(([type, min]) => ({ time: at + min * MIN, type, session: s, device: 'ios', source: 'organic', ...extra }));
}

export const STD = ['page.landing_viewed', 'product.viewed', 'product.added_to_cart', 'checkout.started', 'checkout.payment_initiated', 'order.placed'];

export function query(over: Omit<Partial<FunnelQuery>, 'spec'> & { spec?: Partial<FunnelSpec> } = {}): FunnelQuery {
  const { spec, ...rest } = over;
  return {
    spec: { steps: STANDARD_STEPS.map((s) => ({ ...s })), order: 'sequential', windowMs: 24 * 60 * MIN, ...spec },
    unit: 'session', start: T0 - 60 * MIN, end: T0 + 24 * 60 * MIN, timezone: TZ, sessionGapMs: DEFAULT_SESSION_GAP_MS,
    breakdown: [], topN: 10, trend: null, ...rest,
  };
}

export function run(cols: EventColumns, q: FunnelQuery): FunnelResult {
  const su = new SessionUsers().update(cols);
  const comp = computeFunnel(cols, q, { sessionUsers: su });
  return aggregateFunnel({ cols, comp, watermark: { seq: cols.lastSeq, time: cols.maxTime, events: cols.length } });
}

export const reached = (r: FunnelResult): number[] => r.steps.map((s) => s.entered);
