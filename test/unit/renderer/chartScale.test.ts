import { describe, expect, it } from 'vitest';
import { bandIndexAt, bands, hourTickSlots, linearY, niceStep, niceTicks } from '../../../src/renderer/components/chartScale.ts';

describe('chart scales', () => {
  it('picks nice steps', () => {
    expect(niceStep(0.3)).toBe(1);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(17)).toBe(20);
    expect(niceStep(22)).toBe(25);
    expect(niceStep(2_400_000)).toBe(2_500_000);
    expect(niceStep(0.3, false)).toBeCloseTo(0.5);
  });
  it('covers the max with integer ticks', () => {
    expect(niceTicks(0)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
    expect(niceTicks(95)).toEqual({ max: 100, step: 25, ticks: [0, 25, 50, 75, 100] });
    expect(niceTicks(100)).toEqual({ max: 100, step: 25, ticks: [0, 25, 50, 75, 100] });
    expect(niceTicks(3)).toEqual({ max: 3, step: 1, ticks: [0, 1, 2, 3] });
    const t = niceTicks(9_876_543);
    expect(t.max).toBeGreaterThanOrEqual(9_876_543);
    expect(t.ticks.every((v) => Number.isInteger(v))).toBe(true);
  });
  it('maps values onto the plot', () => {
    const y = linearY(100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(50)).toBe(100);
    expect(y(100)).toBe(0);
    expect(y(150)).toBe(0);
    expect(linearY(0, 10, 0)(0)).toBe(10);
  });
  it('lays out bands and finds the one under the pointer', () => {
    const b = bands(4, 10, 400, 0.5);
    expect(b.step).toBe(100);
    expect(b.bandWidth).toBe(50);
    expect(b.x(0)).toBe(35);
    expect(b.x(3)).toBe(335);
    expect(bandIndexAt(10, 4, 10, 400)).toBe(0);
    expect(bandIndexAt(209, 4, 10, 400)).toBe(1);
    expect(bandIndexAt(999, 4, 10, 400)).toBe(3);
    expect(bandIndexAt(-5, 4, 10, 400)).toBe(0);
    expect(bandIndexAt(5, 0, 10, 400)).toBe(-1);
  });
  it('spaces hour labels to the width', () => {
    expect(hourTickSlots(96, 15, 960)).toEqual(Array.from({ length: 24 }, (_v, i) => i * 4).filter((i) => i % 8 === 0));
    expect(hourTickSlots(96, 15, 2400)).toHaveLength(24);
    expect(hourTickSlots(96, 15, 200)).toEqual([0, 24, 48, 72]);
    expect(hourTickSlots(96, 15, 60)).toEqual([0, 48]);
    expect(hourTickSlots(0, 15, 500)).toEqual([]);
  });
});
