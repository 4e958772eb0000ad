import { describe, expect, it } from 'vitest';
import { cellColour, cellLabel, heatSeries, scaleMax, INCOMPLETE_COLOUR, type HeatDatum } from '../../../src/renderer/components/cohorts/cohortsFormat.ts';
import type { CohortCell, CohortResult } from '../../../src/analytics/cohorts/types.ts';

const cell = (offset: number, pct: number, incomplete = false): CohortCell => ({
  offset, active: Math.round(pct * 10), pct, ci: [Math.max(0, pct - 0.2), Math.min(1, pct + 0.2)], orders: 1, activeOn: 1, ordersPerActive: 1,
  gmvMinor: 0, revenuePct: null, incomplete,
});
const result = {
  query: { granularity: 'month' }, maxOffset: 2,
  matrix: {
    rows: [
      { key: '2026-01', size: 10, small: true, start: 0, end: 1, cells: [cell(0, 0.5), cell(1, 0.2), cell(2, 0.3, true)], milestones: {} },
      { key: '2026-02', size: 500, small: false, start: 1, end: 2, cells: [cell(0, 0.6), cell(1, 0.1, true)], milestones: {} },
    ],
    averages: [], milestones: {},
  },
} as unknown as CohortResult;

describe('cohort heatmap helpers', () => {
  it('one serie per cohort, one datum per offset, null past the cohort\'s periods', () => {
    const s = heatSeries(result, result.matrix, 'retention');
    expect(s.map((x) => x.id)).toEqual(['2026-01 · 10', '2026-02 · 500']);
    expect(s[1]!.data.map((d) => d.y)).toEqual([0.6, 0.1, null]);
    expect(s[0]!.data.map((d) => d.x)).toEqual(['M0', 'M1', 'M2']);
  });
  it('scales to the largest complete value after period 0; incomplete cells are grey, not a drop', () => {
    const s = heatSeries(result, result.matrix, 'retention');
    expect(scaleMax(s)).toBe(0.2);
    expect(cellColour(s[0]!.data[2]!, 0.2)).toBe(INCOMPLETE_COLOUR);
    expect(cellColour(s[0]!.data[1]!, 0.2)).toBe('#08519c');
    expect(cellColour(s[1]!.data[2]!, 0.2)).toBe('#ffffff');
  });
  it('labels small cohorts with their 95% interval and incomplete cells with *', () => {
    const s = heatSeries(result, result.matrix, 'retention');
    expect(cellLabel(s[0]!.data[1]!, 'retention')).toBe('20% (0–40)');
    expect(cellLabel(s[1]!.data[1]!, 'retention')).toBe('10%*');
    expect(cellLabel({ ...s[1]!.data[0]!, y: 1.25 } as HeatDatum, 'orders')).toBe('1.25');
  });
});

describe('empty cohorts', () => {
  it('show no rates (no 0% that reads as a drop)', () => {
    const empty = { ...result, matrix: { ...result.matrix, rows: [{ ...result.matrix.rows[0]!, size: 0 }] } } as CohortResult;
    const s = heatSeries(empty, empty.matrix, 'retention');
    expect(s[0]!.data.every((d) => d.y === null && d.cell === null)).toBe(true);
    expect(cellLabel(s[0]!.data[0]!, 'retention')).toBe('');
  });
});
