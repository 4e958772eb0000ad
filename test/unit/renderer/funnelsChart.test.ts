import { describe, expect, it } from 'vitest';
import {
  bandAt, compactCount, fitLabel, funnelLayout, histogramBars, pctTick, tickEvery, tickIndices, trendLayout, trendTickLabel,
} from '../../../src/renderer/components/funnels/funnelsChart.ts';

const M = { top: 40, right: 10, bottom: 50, left: 50 };

describe('funnel layout', () => {
  it('draws bars proportional to entered on a shared nice axis', () => {
    const L = funnelLayout([1000, 600, 150, 0], 850, 390, M);
    expect(L.plotW).toBe(790);
    expect(L.plotH).toBe(300);
    expect(L.yTicks.at(-1)!.v).toBeGreaterThanOrEqual(1000);
    expect(L.yTicks[0]).toEqual({ v: 0, y: 340 });
    const [a, b, c, d] = L.bars;
    expect(a!.base).toBe(340);
    expect(a!.top).toBeLessThan(b!.top);
    expect(b!.top).toBeLessThan(c!.top);
    // heights are proportional: (base - top) ∝ entered
    expect((a!.base - a!.top) / (b!.base - b!.top)).toBeCloseTo(1000 / 600, 5);
    // the drop band spans from the previous level down to this bar's top
    expect(b!.ghostTop).toBeCloseTo(a!.top, 6);
    expect(a!.ghostTop).toBe(a!.top);
    expect(d!.top).toBe(d!.base);
    // bars stay inside the plot, in order, same width
    expect(a!.x).toBeGreaterThanOrEqual(50);
    expect(d!.x + d!.w).toBeLessThanOrEqual(840);
    expect(new Set(L.bars.map((x) => x.w)).size).toBe(1);
    expect(b!.x).toBeGreaterThan(a!.x);
  });
  it('handles an empty funnel', () => {
    const L = funnelLayout([0, 0], 400, 300, M);
    expect(L.bars.every((b) => b.top === b.base)).toBe(true);
    expect(L.yTicks.map((t) => t.v)).toEqual([0, 1]);
  });
  it('gives a tiny non-zero step a visible bar', () => {
    const L = funnelLayout([1_000_000, 1], 400, 300, M);
    expect(L.bars[1]!.base - L.bars[1]!.top).toBeGreaterThanOrEqual(1);
  });
});

describe('labels and ticks', () => {
  it('compacts counts and fits labels', () => {
    expect(compactCount(950)).toBe('950');
    expect(compactCount(1200)).toBe('1.2K');
    expect(compactCount(25_000)).toBe('25K');
    expect(compactCount(3_450_000)).toBe('3.45M');
    expect(fitLabel('Checkout started', 200)).toBe('Checkout started');
    expect(fitLabel('Checkout started', 50)).toBe('Checko…');
    expect(pctTick(2.5)).toBe('2.5%');
    expect(pctTick(10)).toBe('10%');
  });
  it('spaces x labels by the available width', () => {
    expect(tickEvery(7, 700, 56)).toBe(1);
    expect(tickEvery(72, 600, 44)).toBe(6);
    expect(tickIndices(24, 240, 40, [1, 2, 3, 4, 6, 12])).toEqual([0, 4, 8, 12, 16, 20]);
    expect(tickEvery(0, 100)).toBe(1);
  });
  it('labels trend buckets', () => {
    expect(trendTickLabel('2026-02-03', 'day')).toBe('02-03');
    expect(trendTickLabel('2026-02-03 14:00', 'hour')).toBe('14:00');
    expect(trendTickLabel('2026-02-04 00:00', 'hour')).toBe('02-04');
  });
  it('maps pixels to bands', () => {
    expect(bandAt(55, 10, 50, 100)).toBe(0);
    expect(bandAt(149.9, 10, 50, 100)).toBe(9);
    expect(bandAt(150, 10, 50, 100)).toBe(9);
    expect(bandAt(10, 10, 50, 100)).toBe(-1);
    expect(bandAt(55, 0, 50, 100)).toBe(-1);
  });
});

describe('trend layout', () => {
  it('puts conversion on the left axis (percent) and entered on the right', () => {
    const L = trendLayout([{ entered: 100, conversion: 0.05 }, { entered: 0, conversion: null }, { entered: 200, conversion: 0.1 }], 600, 240, { top: 10, right: 40, bottom: 24, left: 40 });
    expect(L.pctTicks.at(-1)!.v).toBeGreaterThanOrEqual(10);
    expect(L.countTicks.at(-1)!.v).toBeGreaterThanOrEqual(200);
    expect(L.points[1]!.lineY).toBeNull();
    expect(L.points[1]!.barTop).toBe(L.base);
    // a gap in the line where a bucket has no conversion
    expect(L.path.match(/M/g)).toHaveLength(2);
    expect(L.points[2]!.lineY!).toBeLessThan(L.points[0]!.lineY!);
    expect(L.points[2]!.barTop).toBeLessThan(L.points[0]!.barTop);
  });
  it('copes with no data', () => {
    const L = trendLayout([], 300, 200, { top: 10, right: 10, bottom: 20, left: 30 });
    expect(L.points).toEqual([]);
    expect(L.path).toBe('');
  });
});

describe('histogram bars', () => {
  it('scales to the largest bin and skips empty bins', () => {
    const bars = histogramBars([0, 5, 10, 0], 40, 20, 1);
    expect(bars.map((b) => b.i)).toEqual([1, 2]);
    expect(bars[1]).toEqual({ i: 2, x: 20, y: 0, w: 9, h: 20 });
    expect(bars[0]!.h).toBe(10);
    expect(histogramBars([], 40, 20)).toEqual([]);
    expect(histogramBars([0, 0], 40, 20)).toEqual([]);
  });
});
