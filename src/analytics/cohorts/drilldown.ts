/**
 * The customers behind one heatmap cell: cohort `key`, offset k (null = the whole cohort), and the
 * breakdown value when the matrix was broken down. "On": customers with a qualifying order in the
 * period; "on or after": in it or any later period. Sorted by user id, paged.
 */
import type { EventColumns } from '../columns.ts';
import type { CohortComputation } from './compute.ts';
import type { CohortCustomer, CohortCustomersPage } from './types.ts';

export interface CellRef { cohort: string; offset: number | null; breakdownValue: string | null; offsetRows: number; limit: number }

/** Every customer of the cell (unpaged), as user codes into `cols.dicts.user` with their customer index. */
export function cellCustomers(cols: EventColumns, comp: CohortComputation, ref: Pick<CellRef, 'cohort' | 'offset' | 'breakdownValue'>): number[] {
  const c = comp.axis.keys.indexOf(ref.cohort);
  if (c < 0 || c >= comp.C) throw new Error(`cohort "${ref.cohort}" is not in this matrix`);
  if (ref.offset !== null && (ref.offset < 0 || c + ref.offset >= comp.K)) throw new Error(`offset ${ref.offset} is outside cohort ${ref.cohort}'s periods`);
  let bCode = -1;
  if (ref.breakdownValue !== null) {
    if (comp.q.breakdown === null) throw new Error('this matrix has no breakdown');
    const dict = comp.q.breakdown === 'device' ? cols.dicts.device : cols.dicts.source;
    bCode = ref.breakdownValue === 'unknown' ? 0 : dict.lookup(ref.breakdownValue);
    if (bCode < 0) return [];
  }
  const { cust, cp } = comp;
  const picked: number[] = [];
  if (ref.offset === null || comp.q.mode === 'on_or_after') {
    for (let i = 0; i < cust.length; i++) {
      if (cust.c[i] !== c || (bCode >= 0 && cust.b[i] !== bCode)) continue;
      if (ref.offset !== null && cust.maxK[i]! < ref.offset) continue;
      picked.push(i);
    }
  } else {
    for (let x = 0; x < cp.length; x++) {
      if (cp.c[x] !== c || cp.k[x] !== ref.offset || (bCode >= 0 && cp.b[x] !== bCode)) continue;
      picked.push(cp.cust[x]!);
    }
  }
  const name = (i: number): string => cols.dicts.user.value(cust.user[i]!) ?? '';
  return picked.map((i) => [name(i), i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

export function cohortCustomersPage(cols: EventColumns, comp: CohortComputation, ref: CellRef): CohortCustomersPage {
  const all = cellCustomers(cols, comp, ref);
  const c = comp.axis.keys.indexOf(ref.cohort);
  const slice = all.slice(ref.offsetRows, ref.offsetRows + ref.limit);
  // orders in the cell's period, from the customer-period table
  const inPeriod = new Map<number, number>();
  if (ref.offset !== null) {
    const want = new Set(slice);
    const { cp } = comp;
    for (let x = 0; x < cp.length; x++) if (cp.c[x] === c && cp.k[x] === ref.offset && want.has(cp.cust[x]!)) inPeriod.set(cp.cust[x]!, cp.orders[x]!);
  }
  const { cust } = comp;
  const rows: CohortCustomer[] = slice.map((i) => {
    const u = cust.user[i]!;
    const first = cust.first[i]!, last = cust.last[i]!;
    return {
      userId: cols.dicts.user.value(u) ?? '',
      acquiredAt: cust.acq[i]!,
      source: cols.dicts.source.value(comp.co.regSource[u] ?? 0),
      device: cols.dicts.device.value(comp.co.regDevice[u] ?? 0),
      orders: ref.offset === null ? cust.orders[i]! : (inPeriod.get(i) ?? 0),
      ordersTotal: cust.orders[i]!,
      firstOrderAt: Number.isNaN(first) ? null : first,
      lastOrderAt: Number.isNaN(last) ? null : last,
    };
  });
  return { cohort: ref.cohort, offset: ref.offset, breakdownValue: ref.breakdownValue, total: all.length, page: { offset: ref.offsetRows, limit: ref.limit }, rows };
}
