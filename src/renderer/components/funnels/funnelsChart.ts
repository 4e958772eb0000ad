/**
 * Geometry of the Funnels page's SVG charts (funnel bars, conversion trend, duration histograms).
 * Pure: numbers in, pixel positions out; the components only draw them.
 */
import { bands, linearY, niceTicks } from '../chartScale.ts';

export interface Margins { top: number; right: number; bottom: number; left: number }

export interface FunnelBar {
  i: number;
  /** left edge and width of the bar */
  x: number;
  w: number;
  /** centre of the band (labels) */
  cx: number;
  /** y of the bar's top (entered) and of the baseline */
  top: number;
  base: number;
  /** y of the previous step's level (the drop from it is drawn between ghostTop and top); = top for step 1 */
  ghostTop: number;
}

export interface FunnelLayout {
  plotW: number;
  plotH: number;
  step: number;
  yTicks: { v: number; y: number }[];
  bars: FunnelBar[];
}

/** One bar per step, height ∝ units entered; all steps share a y axis from 0 to a nice max ≥ step 1. */
export function funnelLayout(entered: readonly number[], width: number, height: number, m: Margins): FunnelLayout {
  const plotW = Math.max(10, width - m.left - m.right);
  const plotH = Math.max(10, height - m.top - m.bottom);
  const max = entered.reduce((a, b) => Math.max(a, b), 0);
  const { max: yMax, ticks } = niceTicks(max, 4);
  const y = linearY(yMax, m.top + plotH, m.top);
  const n = Math.max(1, entered.length);
  const b = bands(n, m.left, plotW, n > 6 ? 0.3 : 0.38);
  const base = m.top + plotH;
  const bars = entered.map((v, i) => {
    const top = v > 0 ? Math.min(base - 1, y(v)) : base;
    const prev = i > 0 ? entered[i - 1]! : v;
    const ghostTop = prev > 0 ? Math.min(top, y(prev)) : top;
    return { i, x: b.x(i), w: b.bandWidth, cx: b.x(i) + b.bandWidth / 2, top, base, ghostTop };
  });
  return { plotW, plotH, step: b.step, yTicks: ticks.map((v) => ({ v, y: y(v) })), bars };
}

/** Compact count for axis ticks: 1200 -> "1.2K", 3_400_000 -> "3.4M". */
export function compactCount(n: number): string {
  const abs = Math.abs(n);
  for (const [v, u] of [[1e9, 'B'], [1e6, 'M'], [1e3, 'K']] as const) {
    if (abs >= v) {
      const x = n / v;
      const s = Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
      return (s.includes('.') ? s.replace(/\.?0+$/, '') : s) + u;
    }
  }
  return String(Math.round(n));
}

/** Truncate a label to fit about `px` pixels of ~6.3 px characters (11 px font). */
export function fitLabel(text: string, px: number, charPx = 6.3): string {
  const max = Math.max(3, Math.floor(px / charPx));
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/**
 * Which of n equally spaced slots get an x label so labels are at least `minPx` apart: every k-th,
 * k the smallest of `steps` that fits (the last step's multiple otherwise).
 */
export function tickEvery(n: number, plotW: number, minPx = 56, steps: readonly number[] = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168]): number {
  if (n <= 0) return 1;
  const px = plotW / n;
  for (const k of steps) if (px * k >= minPx) return k;
  const last = steps.at(-1) ?? 1;
  return Math.ceil(minPx / Math.max(px, 1e-9) / last) * last;
}

export function tickIndices(n: number, plotW: number, minPx = 56, steps?: readonly number[]): number[] {
  const k = tickEvery(n, plotW, minPx, steps);
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  return out;
}

/**
 * An x label of a trend bucket. Days: "MM-DD". Hours: "HH:00", and "MM-DD" at local midnight
 * (so a multi-day hourly chart shows where days start).
 */
export function trendTickLabel(label: string, granularity: 'hour' | 'day'): string {
  // labels are 'YYYY-MM-DD' or 'YYYY-MM-DD HH:00'
  const md = label.slice(5, 10);
  if (granularity === 'day') return md;
  const hm = label.slice(11, 16);
  return hm === '00:00' ? md : hm;
}

export interface TrendPoint { i: number; x: number; cx: number; w: number; barTop: number; lineY: number | null }

export interface TrendLayout {
  plotW: number;
  plotH: number;
  step: number;
  base: number;
  /** left axis: conversion in percent */
  pctTicks: { v: number; y: number }[];
  /** right axis: units entered */
  countTicks: { v: number; y: number }[];
  points: TrendPoint[];
  /** SVG path of the conversion line (gaps where a bucket has no entries) */
  path: string;
}

/** Entered as light bars (right axis) and conversion as a line (left axis, percent). */
export function trendLayout(buckets: readonly { entered: number; conversion: number | null }[], width: number, height: number, m: Margins): TrendLayout {
  const plotW = Math.max(10, width - m.left - m.right);
  const plotH = Math.max(10, height - m.top - m.bottom);
  const base = m.top + plotH;
  const maxPct = buckets.reduce((a, b) => Math.max(a, b.conversion === null ? 0 : b.conversion * 100), 0);
  const maxCount = buckets.reduce((a, b) => Math.max(a, b.entered), 0);
  const pt = niceTicks(maxPct > 0 ? maxPct : 1, 4, false);
  const ct = niceTicks(maxCount, 4);
  const yp = linearY(pt.max, base, m.top);
  const yc = linearY(ct.max, base, m.top);
  const n = Math.max(1, buckets.length);
  const b = bands(n, m.left, plotW, n > 48 ? 0.1 : 0.25);
  const points = buckets.map((bk, i) => ({
    i, x: b.x(i), w: b.bandWidth, cx: b.x(i) + b.bandWidth / 2,
    barTop: bk.entered > 0 ? Math.min(base - 1, yc(bk.entered)) : base,
    lineY: bk.conversion === null ? null : yp(bk.conversion * 100),
  }));
  let path = '';
  let pen = false;
  for (const p of points) {
    if (p.lineY === null) {
      pen = false;
      continue;
    }
    path += `${pen ? 'L' : 'M'}${round2(p.cx)},${round2(p.lineY)}`;
    pen = true;
  }
  return {
    plotW, plotH, step: b.step, base,
    pctTicks: pt.ticks.map((v) => ({ v, y: yp(v) })),
    countTicks: ct.ticks.map((v) => ({ v, y: yc(v) })),
    points, path,
  };
}

/** A percent tick label: 2.5 -> "2.5%", 10 -> "10%". */
export function pctTick(v: number): string {
  const r = Math.round(v * 100) / 100;
  return `${Number.isInteger(r) ? r : r.toString()}%`;
}

export interface HistBar { i: number; x: number; y: number; w: number; h: number }

/** Small bars of a histogram in a width × height box (a count of 0 gets no bar). */
export function histogramBars(counts: readonly number[], width: number, height: number, gap = 1): HistBar[] {
  const n = counts.length;
  if (n === 0) return [];
  const max = counts.reduce((a, b) => Math.max(a, b), 0);
  const step = width / n;
  const w = Math.max(1, step - gap);
  return counts.flatMap((c, i) => {
    if (!(c > 0) || max <= 0) return [];
    const h = Math.max(1, (c / max) * height);
    return [{ i, x: i * step, y: height - h, w, h }];
  });
}

/** Index of the band under pixel x (n bands over [x0, x0+width]); -1 outside. */
export function bandAt(x: number, n: number, x0: number, width: number): number {
  if (n <= 0 || width <= 0 || x < x0 || x > x0 + width) return -1;
  return Math.min(n - 1, Math.floor(((x - x0) / width) * n));
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
