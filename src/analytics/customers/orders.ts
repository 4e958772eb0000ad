/**
 * Customer orders extracted from the columnar event cache: one pass over the event columns gives
 * each customer's acquisition (registration time, device and traffic source of the registration
 * event) and each order's outcome (completion time, amount and currency of order.completed, whether
 * the order was cancelled or refunded). Shared by the analytics that look at customers over time
 * (cohort retention; RFM segmentation can read the same tables).
 *
 * Definitions (docs/cohorts.md):
 * - a customer's registration is their earliest `user.registered` event;
 * - an order is *completed* at its earliest `order.completed` event; the amount is that event's
 *   `total` in its own currency (integer minor units);
 * - an order is *cancelled* when any `order.cancelled` event names it, and *refunded* when any
 *   `payment.refunded` event names it (full or partial), whatever the order of arrival.
 *
 * Pure TypeScript over EventColumns; no I/O.
 */
import { rowsOfType, type EventColumns } from '../columns.ts';

/**
 * Every event type the customer analytics read (this extraction, and RFM's, which reads a subset):
 * the worker's customer cache holds only these rows.
 */
export const CUSTOMER_EVENT_TYPES = ['user.registered', 'order.completed', 'order.cancelled', 'payment.refunded'] as const;

export interface CustomerOrders {
  /** the columns object and length this was extracted from (reuse while unchanged) */
  readonly source: EventColumns;
  readonly rows: number;
  /** per user code (index = code in cols.dicts.user): earliest registration time, NaN when none */
  registeredAt: Float64Array;
  /** per user code: device / traffic source codes of that registration event (0 = none) */
  regDevice: Uint32Array;
  regSource: Uint32Array;
  /** number of users with a registration event */
  registered: number;
  /** completed orders, one entry each, in completion order of first sight */
  orders: {
    length: number;
    /** order code (cols.dicts.order) */
    order: Uint32Array;
    user: Uint32Array;
    /** completion time, UTC epoch ms */
    time: Float64Array;
    /** `total` of order.completed in minor units of `currency` */
    amount: Float64Array;
    /** currency code (cols.dicts.currency) */
    currency: Uint32Array;
    cancelled: Uint8Array;
    refunded: Uint8Array;
  };
}

/** Extract customers and completed orders from the event columns: visits only the rows of the four types it reads (rowsOfType). */
export function extractCustomerOrders(cols: EventColumns, check: () => void = () => undefined): CustomerOrders {
  const n = cols.length;
  const tReg = cols.dicts.type.lookup('user.registered');
  const tDone = cols.dicts.type.lookup('order.completed');
  const tCancel = cols.dicts.type.lookup('order.cancelled');
  const tRefund = cols.dicts.type.lookup('payment.refunded');
  const nUsers = cols.dicts.user.size;
  const nOrders = cols.dicts.order.size;
  const registeredAt = new Float64Array(nUsers).fill(NaN);
  const regDevice = new Uint32Array(nUsers);
  const regSource = new Uint32Array(nUsers);
  /** order code -> row of its earliest order.completed + 1 (0 = none) */
  const doneRow = new Uint32Array(nOrders);
  /** order code -> 1 cancelled, 2 refunded (bits) */
  const flags = new Uint8Array(nOrders);
  const usr = cols.codes.user, ord = cols.codes.order, time = cols.time;
  const dev = cols.codes.device, src = cols.codes.source;
  let registered = 0;
  let completed = 0;
  // each type's rows in row (arrival) order: ties in time go to the first row, as in one pass over all rows
  const regRows = rowsOfType(cols, tReg);
  for (let k = 0; k < regRows.length; k++) {
    if ((k & 0xfffff) === 0) check();
    const i = regRows[k]!;
    const u = usr[i]!;
    if (u === 0) continue;
    const prev = registeredAt[u]!;
    if (Number.isNaN(prev)) registered++;
    if (Number.isNaN(prev) || time[i]! < prev) {
      registeredAt[u] = time[i]!;
      regDevice[u] = dev[i]!;
      regSource[u] = src[i]!;
    }
  }
  const doneRows = rowsOfType(cols, tDone);
  for (let k = 0; k < doneRows.length; k++) {
    if ((k & 0xfffff) === 0) check();
    const i = doneRows[k]!;
    const o = ord[i]!;
    if (o === 0) continue;
    const prev = doneRow[o]!;
    if (prev === 0) completed++;
    if (prev === 0 || time[i]! < time[prev - 1]!) doneRow[o] = i + 1;
  }
  for (const [t, bit] of [[tCancel, 1], [tRefund, 2]] as const) {
    const rows = rowsOfType(cols, t);
    for (let k = 0; k < rows.length; k++) {
      const o = ord[rows[k]!]!;
      if (o !== 0) flags[o]! |= bit;
    }
  }
  const orders = {
    length: 0,
    order: new Uint32Array(completed), user: new Uint32Array(completed), time: new Float64Array(completed), amount: new Float64Array(completed),
    currency: new Uint32Array(completed), cancelled: new Uint8Array(completed), refunded: new Uint8Array(completed),
  };
  const amt = cols.amount, cur = cols.codes.currency;
  let j = 0;
  for (let o = 1; o < nOrders; o++) {
    const r = doneRow[o]!;
    if (r === 0) continue;
    const i = r - 1;
    orders.order[j] = o;
    orders.user[j] = usr[i]!;
    orders.time[j] = time[i]!;
    const a = amt[i]!;
    orders.amount[j] = Number.isNaN(a) ? 0 : a;
    orders.currency[j] = cur[i]!;
    orders.cancelled[j] = flags[o]! & 1;
    orders.refunded[j] = (flags[o]! >> 1) & 1;
    j++;
  }
  orders.length = j;
  return { source: cols, rows: n, registeredAt, regDevice, regSource, registered, orders };
}

/** A memo of the last extraction: reused while the columns are unchanged. */
export class CustomerOrdersCache {
  private last: CustomerOrders | null = null;
  get(cols: EventColumns, check?: () => void): CustomerOrders {
    const l = this.last;
    if (l && l.source === cols && l.rows === cols.length && l.registeredAt.length === cols.dicts.user.size) return l;
    this.last = extractCustomerOrders(cols, check);
    return this.last;
  }
}
