/**
 * Cohort retention over the customer-orders tables (src/analytics/customers/orders.ts):
 *
 * 1. a kernel over typed arrays assigns each customer to the cohort period of their acquisition
 *    (registration, or first qualifying order), groups their qualifying orders (completed, not
 *    cancelled, refunded only when the setting counts them) with a counting sort, and emits two
 *    small derived tables: one row per customer (cohort, breakdown value, last active offset) and one
 *    row per active customer-period (cohort, offset, breakdown value, orders); GMV accumulates per
 *    (cohort, offset, currency);
 * 2. Arquero rolls those up into cohort sizes, active customers and orders per cell;
 * 3. the matrix adds percentages, 95% Wilson intervals, revenue retention converted into the
 *    reporting currency at the stated rates (per currency, rounded once per cell), milestones and
 *    size-weighted averages over complete periods.
 */
import { table, op } from 'arquero';
import type { EventColumns } from '../columns.ts';
import type { CustomerOrders } from '../customers/orders.ts';
import { convertMinor } from '../money.ts';
import { buildAxis, periodIndex, periodStart, type PeriodAxis } from './periods.ts';
import {
  MILESTONES, SMALL_COHORT, type CohortCell, type CohortMatrix, type CohortQuery, type CohortRow, type OffsetAverage,
} from './types.ts';

/** The kernel's output: kept by the worker for drill-down paging. */
export interface CohortComputation {
  q: CohortQuery;
  co: CustomerOrders;
  axis: PeriodAxis;
  /** number of cohorts (from..to, capped at the period containing asOf) */
  C: number;
  /** number of offsets (0..K-1) */
  K: number;
  cust: { length: number; user: Uint32Array; c: Int32Array; b: Uint32Array; maxK: Int32Array; acq: Float64Array; orders: Uint32Array; first: Float64Array; last: Float64Array };
  cp: { length: number; cust: Uint32Array; c: Int32Array; k: Int32Array; b: Uint32Array; orders: Uint32Array };
  /** GMV in minor units per (c * K + k) * nCur + currency code */
  gmv: Float64Array;
  nCur: number;
  counts: { counted: number; cancelled: number; refundedExcluded: number; beforeAcquisition: number };
}

/** 95% Wilson score interval of x successes in n trials. */
export function wilson(x: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

export function computeCohorts(cols: EventColumns, co: CustomerOrders, q: CohortQuery, check: () => void = () => undefined): CohortComputation {
  const axis = buildAxis(q.from, q.asOf, q.timezone, q.granularity);
  const K = axis.keys.length;
  let C = 0;
  const toStart = periodStart(q.to, q.timezone, q.granularity);
  while (C < K && axis.starts[C]! <= toStart) C++;
  const O = co.orders;
  const nU = co.registeredAt.length;
  const counts = { counted: 0, cancelled: 0, refundedExcluded: 0, beforeAcquisition: 0 };
  const qualifies = new Uint8Array(O.length);
  for (let j = 0; j < O.length; j++) {
    if (O.cancelled[j]) counts.cancelled++;
    else if (O.refunded[j] && !q.includeRefunded) counts.refundedExcluded++;
    else qualifies[j] = 1;
  }
  let acq: Float64Array;
  if (q.acquisition === 'registration') acq = co.registeredAt;
  else {
    acq = new Float64Array(nU).fill(NaN);
    for (let j = 0; j < O.length; j++) {
      if (!qualifies[j]) continue;
      const u = O.user[j]!;
      const t = O.time[j]!;
      if (!(t >= acq[u]!)) acq[u] = t; // NaN compares false
    }
  }
  const bCodes = q.breakdown === 'device' ? co.regDevice : q.breakdown === 'source' ? co.regSource : null;

  // customers of the cohorts
  const custOf = new Int32Array(nU).fill(-1);
  const userL: number[] = [], cL: number[] = [], acqL: number[] = [];
  for (let u = 1; u < nU; u++) {
    const t = acq[u]!;
    if (Number.isNaN(t)) continue;
    const p = periodIndex(axis, t);
    if (p < 0 || p >= C) continue;
    custOf[u] = userL.length;
    userL.push(u);
    cL.push(p);
    acqL.push(t);
  }
  check();
  const nC = userL.length;
  const cust = {
    length: nC, user: Uint32Array.from(userL), c: Int32Array.from(cL), b: new Uint32Array(nC), maxK: new Int32Array(nC).fill(-1),
    acq: Float64Array.from(acqL), orders: new Uint32Array(nC), first: new Float64Array(nC).fill(NaN), last: new Float64Array(nC).fill(NaN),
  };
  if (bCodes) for (let i = 0; i < nC; i++) cust.b[i] = bCodes[cust.user[i]!]!;

  // counting sort of the qualifying orders by customer
  const start = new Uint32Array(nC + 1);
  for (let j = 0; j < O.length; j++) {
    if (!qualifies[j]) continue;
    const ci = custOf[O.user[j]!]!;
    if (ci >= 0) start[ci + 1]!++;
  }
  for (let i = 0; i < nC; i++) start[i + 1]! += start[i]!;
  const byCust = new Uint32Array(start[nC]!);
  const fill = start.slice(0, nC);
  for (let j = 0; j < O.length; j++) {
    if (!qualifies[j]) continue;
    const ci = custOf[O.user[j]!]!;
    if (ci >= 0) byCust[fill[ci]!++] = j;
  }
  check();

  const nCur = cols.dicts.currency.size;
  const gmv = new Float64Array(Math.max(1, C * K * nCur));
  const perK = new Uint32Array(K);
  const touched: number[] = [];
  const cpCust: number[] = [], cpC: number[] = [], cpK: number[] = [], cpB: number[] = [], cpOrders: number[] = [];
  for (let i = 0; i < nC; i++) {
    if ((i & 0xffff) === 0) check();
    const c = cust.c[i]!;
    for (let x = start[i]!; x < start[i + 1]!; x++) {
      const j = byCust[x]!;
      const t = O.time[j]!;
      const p = periodIndex(axis, t);
      const k = p - c;
      if (t < cust.acq[i]! || k < 0) {
        counts.beforeAcquisition++;
        continue;
      }
      if (p >= K) continue; // after asOf
      counts.counted++;
      if (perK[k] === 0) touched.push(k);
      perK[k]!++;
      gmv[(c * K + k) * nCur + O.currency[j]!]! += O.amount[j]!;
      cust.orders[i]!++;
      if (!(t >= cust.first[i]!)) cust.first[i] = t;
      if (!(t <= cust.last[i]!)) cust.last[i] = t;
    }
    let maxK = -1;
    for (const k of touched) {
      cpCust.push(i);
      cpC.push(c);
      cpK.push(k);
      cpB.push(cust.b[i]!);
      cpOrders.push(perK[k]!);
      if (k > maxK) maxK = k;
      perK[k] = 0;
    }
    touched.length = 0;
    cust.maxK[i] = maxK;
  }
  const cp = {
    length: cpCust.length, cust: Uint32Array.from(cpCust), c: Int32Array.from(cpC), k: Int32Array.from(cpK), b: Uint32Array.from(cpB),
    orders: Uint32Array.from(cpOrders),
  };
  return { q, co, axis, C, K, cust, cp, gmv, nCur, counts };
}

interface Rolled {
  /** size per cohort */
  size: number[];
  /** [c][k] customers active in period k */
  activeOn: number[][];
  /** [c][k] orders in period k */
  orders: number[][];
  /** [c][k] customers whose last active offset is k */
  lastAt: number[][];
}

const zeros = (C: number, K: number): number[][] => Array.from({ length: C }, () => new Array<number>(K).fill(0));

/** Arquero roll-ups of the derived tables, per breakdown code (key -1 = all customers). */
function rollUp(comp: CohortComputation): Map<number, Rolled> {
  const { C, K } = comp;
  const out = new Map<number, Rolled>();
  const get = (b: number): Rolled => {
    let r = out.get(b);
    if (!r) {
      r = { size: new Array<number>(C).fill(0), activeOn: zeros(C, K), orders: zeros(C, K), lastAt: zeros(C, K) };
      out.set(b, r);
    }
    return r;
  };
  const all = get(-1);
  const byB = comp.q.breakdown !== null;
  const n = comp.cust.length;
  const custT = table({ c: comp.cust.c.subarray(0, n), b: comp.cust.b.subarray(0, n), maxK: comp.cust.maxK.subarray(0, n) });
  for (const r of custT.groupby('c', 'b', 'maxK').count({ as: 'n' }).objects() as { c: number; b: number; maxK: number; n: number }[]) {
    for (const t of byB ? [all, get(r.b)] : [all]) {
      t.size[r.c]! += r.n;
      if (r.maxK >= 0) t.lastAt[r.c]![r.maxK]! += r.n;
    }
  }
  if (comp.cp.length > 0) {
    const cpT = table({ c: comp.cp.c, k: comp.cp.k, b: comp.cp.b, orders: comp.cp.orders });
    const cells = cpT.groupby('c', 'k', 'b').rollup({ active: op.count(), orders: op.sum('orders') }).objects() as { c: number; k: number; b: number; active: number; orders: number }[];
    for (const r of cells) {
      for (const t of byB ? [all, get(r.b)] : [all]) {
        t.activeOn[r.c]![r.k]! += r.active;
        t.orders[r.c]![r.k]! += r.orders;
      }
    }
  }
  return out;
}

function matrixOf(comp: CohortComputation, r: Rolled, gmv: ((c: number, k: number) => number | null) | null, milestoneKeys: string[]): CohortMatrix {
  const { axis, C, K, q } = comp;
  const rows: CohortRow[] = [];
  const avgActive = new Array<number>(K).fill(0), avgSize = new Array<number>(K).fill(0), avgCohorts = new Array<number>(K).fill(0);
  for (let c = 0; c < C; c++) {
    const size = r.size[c]!;
    const cells: CohortCell[] = [];
    let after = 0; // customers whose last active offset >= k, built from the end
    const afterAt = new Array<number>(K).fill(0);
    for (let k = K - 1 - c; k >= 0; k--) {
      after += r.lastAt[c]![k]!;
      afterAt[k] = after;
    }
    const g0 = gmv ? gmv(c, 0) : null;
    for (let k = 0; c + k < K; k++) {
      const activeOn = r.activeOn[c]![k]!;
      const active = q.mode === 'on' ? activeOn : afterAt[k]!;
      const incomplete = axis.starts[c + k + 1]! > q.asOf;
      const orders = r.orders[c]![k]!;
      const g = gmv ? gmv(c, k) : null;
      cells.push({
        offset: k, active, pct: size > 0 ? active / size : 0, ci: wilson(active, size), orders, activeOn,
        ordersPerActive: activeOn > 0 ? orders / activeOn : null, gmvMinor: g,
        revenuePct: g !== null && g0 !== null && g0 > 0 ? g / g0 : null, incomplete,
      });
      if (!incomplete && size > 0) {
        avgActive[k]! += active;
        avgSize[k]! += size;
        avgCohorts[k]!++;
      }
    }
    const milestones: Record<string, number | null> = {};
    for (const m of MILESTONES) {
      const cell = cells[m];
      milestones[String(m)] = cell && !cell.incomplete && size > 0 ? cell.pct : null;
    }
    rows.push({ key: axis.keys[c]!, start: axis.starts[c]!, end: axis.starts[c + 1]!, size, small: size < SMALL_COHORT, cells, milestones });
  }
  const averages: OffsetAverage[] = [];
  for (let k = 0; k < K; k++) {
    averages.push({ offset: k, pct: avgSize[k]! > 0 ? avgActive[k]! / avgSize[k]! : null, cohorts: avgCohorts[k]!, customers: avgSize[k]! });
  }
  const milestones: Record<string, number | null> = {};
  for (const m of milestoneKeys) milestones[m] = averages[Number(m)]?.pct ?? null;
  return { rows, averages, milestones };
}

export interface AssembledCohorts {
  matrix: CohortMatrix;
  breakdown: { value: string; customers: number; matrix: CohortMatrix }[] | null;
  fx: { rates: Record<string, string>; missing: string[]; gmvByCurrency: { currency: string; minor: number }[] };
}

/** Roll up a computation into the total matrix, one matrix per breakdown value, and revenue. */
export function assembleCohorts(cols: EventColumns, comp: CohortComputation): AssembledCohorts {
  const { q, C, K, nCur, gmv } = comp;
  const rolled = rollUp(comp);
  // revenue: per currency sums, converted once per cell
  const used = new Set<number>();
  for (let i = 0; i < C * K; i++) for (let cur = 0; cur < nCur; cur++) if (gmv[i * nCur + cur] !== 0) used.add(cur);
  const missing: string[] = [];
  const rates: Record<string, string> = {};
  const byCurrency: { currency: string; minor: number }[] = [];
  for (const cur of [...used].sort((a, b) => a - b)) {
    const name = cols.dicts.currency.value(cur) ?? '';
    let sum = 0;
    for (let i = 0; i < C * K; i++) sum += gmv[i * nCur + cur]!;
    byCurrency.push({ currency: name || 'unknown', minor: sum });
    if (name === q.reportingCurrency) continue;
    const rate = q.fxRates[name];
    if (rate) rates[name] = rate;
    else missing.push(name || 'unknown');
  }
  byCurrency.sort((a, b) => (a.currency < b.currency ? -1 : 1));
  const gmvAt = (c: number, k: number): number | null => {
    if (missing.length > 0) return null;
    let total = 0;
    const base = (c * K + k) * nCur;
    for (const cur of used) {
      const v = gmv[base + cur]!;
      if (v === 0) continue;
      const name = cols.dicts.currency.value(cur)!;
      total += name === q.reportingCurrency ? v : convertMinor(v, name, q.reportingCurrency, rates[name]!);
    }
    return total;
  };
  const labels = MILESTONES.map(String);
  const matrix = matrixOf(comp, rolled.get(-1)!, gmvAt, labels);
  let breakdown: AssembledCohorts['breakdown'] = null;
  if (q.breakdown) {
    const dict = q.breakdown === 'device' ? cols.dicts.device : cols.dicts.source;
    breakdown = [...rolled.entries()]
      .filter(([b]) => b >= 0)
      .map(([b, r]) => ({ value: dict.value(b) ?? 'unknown', customers: r.size.reduce((a, x) => a + x, 0), matrix: matrixOf(comp, r, null, labels) }))
      .sort((a, b) => b.customers - a.customers || (a.value < b.value ? -1 : 1));
  }
  return { matrix, breakdown, fx: { rates, missing, gmvByCurrency: byCurrency } };
}
