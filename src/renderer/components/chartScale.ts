/** Scale math for the small SVG charts. Pure; values are integers (minor units, counts). */

/** The smallest "nice" step (1, 2, 2.5 or 5 × 10^k) that is >= raw; at least 1 for integer data. */
export function niceStep(raw: number, integer = true): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const pow = 10 ** Math.floor(Math.log10(raw));
  let step = pow * 10;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (pow * m >= raw - 1e-9 * pow) { step = pow * m; break; }
  }
  if (integer) step = Math.max(1, Math.ceil(step));
  return step;
}

/** Ticks 0..niceMax covering `max` with about `count` intervals. */
export function niceTicks(max: number, count = 4, integer = true): { max: number; step: number; ticks: number[] } {
  const m = Number.isFinite(max) && max > 0 ? max : 0;
  if (m === 0) return { max: 1, step: 1, ticks: [0, 1] };
  const step = niceStep(m / Math.max(1, count), integer);
  const top = Math.ceil(m / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step * 1e-9; i++) ticks.push(Math.round(i * step * 1e6) / 1e6);
  return { max: top, step, ticks };
}

/** Linear map from [0, domainMax] to [rangeBottom, rangeTop] (SVG y grows downward). */
export function linearY(domainMax: number, rangeBottom: number, rangeTop: number): (v: number) => number {
  const d = domainMax > 0 ? domainMax : 1;
  return (v) => rangeBottom - (Math.max(0, Math.min(v, d)) / d) * (rangeBottom - rangeTop);
}

export interface Bands { step: number; bandWidth: number; x(i: number): number }

/** n equal bands over [x0, x0+width]; `gap` is the fraction of each step left empty. */
export function bands(n: number, x0: number, width: number, gap = 0.2): Bands {
  const count = Math.max(1, n);
  const step = Math.max(0, width) / count;
  const bandWidth = Math.max(1, step * (1 - gap));
  return { step, bandWidth, x: (i) => x0 + i * step + (step - bandWidth) / 2 };
}

/** The band index under pixel x, clamped to [0, n-1]; -1 when there are no bands. */
export function bandIndexAt(x: number, n: number, x0: number, width: number): number {
  if (n <= 0 || width <= 0) return -1;
  const i = Math.floor(((x - x0) / width) * n);
  return Math.max(0, Math.min(n - 1, i));
}

/**
 * Which slots of an intraday series get an x-axis label: every k hours, where k is the smallest
 * of 1, 2, 3, 4, 6, 12 that keeps labels at least `minPx` apart.
 */
export function hourTickSlots(nSlots: number, bucketMinutes: number, width: number, minPx = 44): number[] {
  if (nSlots <= 0 || bucketMinutes <= 0) return [];
  const slotsPerHour = Math.max(1, Math.round(60 / bucketMinutes));
  const pxPerHour = (width / nSlots) * slotsPerHour;
  let everyHours = 12;
  for (const k of [1, 2, 3, 4, 6, 12]) {
    if (pxPerHour * k >= minPx) { everyHours = k; break; }
  }
  const every = everyHours * slotsPerHour;
  const out: number[] = [];
  for (let i = 0; i < nSlots; i += every) out.push(i);
  return out;
}
