/** Pure helpers of the Cohorts page: heatmap series, labels and colours (unit-tested). */
import type { CohortCell, CohortMatrix, CohortResult } from '../../../analytics/cohorts/types.ts';

export type CohortMetric = 'retention' | 'revenue' | 'orders';

export interface HeatDatum {
  x: string;
  y: number | null;
  offset: number;
  cohort: string;
  size: number;
  small: boolean;
  cell: CohortCell | null;
}
export interface HeatSerie { id: string; data: HeatDatum[] }

export const INCOMPLETE_COLOUR = '#d9d9d9';
export const EMPTY_COLOUR = '#ffffff';

export function metricValue(c: CohortCell, m: CohortMetric): number | null {
  return m === 'retention' ? c.pct : m === 'revenue' ? c.revenuePct : c.ordersPerActive;
}

export function offsetLabel(granularity: 'month' | 'week', k: number): string {
  return `${granularity === 'month' ? 'M' : 'W'}${k}`;
}

/** One serie per cohort (rows), one datum per offset (columns); cells beyond a cohort's periods are null. */
export function heatSeries(r: CohortResult, m: CohortMatrix, metric: CohortMetric): HeatSerie[] {
  const K = r.maxOffset + 1;
  return m.rows.map((row) => ({
    id: `${row.key} · ${row.size}`,
    data: Array.from({ length: K }, (_, k) => {
      const c = row.cells[k] ?? null;
      // an empty cohort has no rates to show
      const shown = c && row.size > 0 ? c : null;
      return { x: offsetLabel(r.query.granularity, k), y: shown ? metricValue(shown, metric) : null, offset: k, cohort: row.key, size: row.size, small: row.small, cell: shown };
    }),
  }));
}

/** The colour scale's top: the largest complete value past period 0 (period 0 is often far larger). */
export function scaleMax(series: HeatSerie[]): number {
  let max = 0;
  for (const s of series) for (const d of s.data) if (d.cell && !d.cell.incomplete && d.offset > 0 && d.y !== null) max = Math.max(max, d.y);
  return max > 0 ? max : 1;
}

/** White -> blue by value / max (clamped); incomplete periods grey, never a colour that reads as a drop. */
export function cellColour(d: HeatDatum, max: number): string {
  if (!d.cell || d.y === null) return EMPTY_COLOUR;
  if (d.cell.incomplete) return INCOMPLETE_COLOUR;
  const t = Math.max(0, Math.min(1, d.y / max));
  const from = [0xf7, 0xfb, 0xff], to = [0x08, 0x51, 0x9c];
  return '#' + from.map((f, i) => Math.round(f + (to[i]! - f) * t).toString(16).padStart(2, '0')).join('');
}

export function pctText(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`;
}

/** The text inside a cell: the value, "*" when incomplete, the 95% interval for small cohorts' retention (when it fits). */
export function cellLabel(d: HeatDatum, metric: CohortMetric, withInterval = true): string {
  if (!d.cell || d.y === null) return '';
  const v = metric === 'orders' ? d.y.toFixed(2) : pctText(d.y, d.y < 0.1 ? 1 : 0);
  const star = d.cell.incomplete ? '*' : '';
  if (metric === 'retention' && d.small && withInterval) return `${v}${star} (${Math.round(d.cell.ci[0] * 100)}–${Math.round(d.cell.ci[1] * 100)})`;
  return v + star;
}
