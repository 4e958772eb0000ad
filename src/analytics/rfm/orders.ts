/**
 * Per-customer completed orders in a window, as of its end, from the columnar event cache: the
 * extraction RFM builds on. It differs from the all-time cohort extraction (../customers/orders.ts)
 * in being windowed and as-of: a cancellation counts only when it happened before the window's end.
 *
 * An order counts when:
 * - an `order.completed` event for it has a time in the window [start, end) (UTC ms), and a user;
 * - no `order.cancelled` event with the same order id has a time before `end` (cancelled as of the
 *   snapshot: the order is excluded whenever it was completed);
 * - it is counted once: when several completion events carry the same order id, the first one in
 *   arrival (seq) order counts (its time, amount and currency). A completion without an order id
 *   counts on its own.
 *
 * Per customer: the time of the last counted order, the number of counted orders, and the spend per
 * currency in integer minor units (never added across currencies here).
 */
import { rowsOfType, type EventColumns } from '../columns.ts';

export interface OrderWindow {
  /** inclusive, UTC ms */
  start: number;
  /** exclusive, UTC ms */
  end: number;
}

export interface CustomerOrders {
  /** number of customers (rows) */
  n: number;
  /** user code per row (ascending) */
  user: Uint32Array;
  /** customer id per row */
  customerId: string[];
  /** UTC ms of the last counted order */
  lastTime: Float64Array;
  /** counted orders */
  orders: Uint32Array;
  /** currency codes present (ISO 4217), in first-seen order */
  currencies: string[];
  /** spend[k][row]: minor units of currencies[k] */
  spend: Float64Array[];
  /** completions skipped: cancelled, duplicate order id, no user, no amount/currency */
  skipped: { cancelled: number; duplicate: number; noUser: number; noMoney: number };
}

export function extractCustomerOrders(cols: EventColumns, w: OrderWindow, check: () => void = () => undefined): CustomerOrders {
  const tCompleted = cols.dicts.type.lookup('order.completed');
  const tCancelled = cols.dicts.type.lookup('order.cancelled');
  const nOrders = cols.dicts.order.size;
  const time = cols.time;
  const ord = cols.codes.order;
  const cancelled = new Uint8Array(nOrders);
  const cancelRows = rowsOfType(cols, tCancelled);
  for (let k = 0; k < cancelRows.length; k++) {
    const i = cancelRows[k]!;
    if (time[i]! < w.end) cancelled[ord[i]!] = 1;
    if ((k & 0xfffff) === 0) check();
  }
  cancelled[0] = 0;
  const nUsers = cols.dicts.user.size;
  const last = new Float64Array(nUsers).fill(-Infinity);
  const count = new Uint32Array(nUsers);
  const curSlot = new Int32Array(cols.dicts.currency.size).fill(-1);
  const currencies: string[] = [];
  const perUser: Float64Array[] = [];
  const seen = new Uint8Array(nOrders);
  const skipped = { cancelled: 0, duplicate: 0, noUser: 0, noMoney: 0 };
  if (tCompleted > 0) {
    const usr = cols.codes.user;
    const cur = cols.codes.currency;
    const amt = cols.amount;
    // completions in row (arrival) order: the first completion of an order id is the one that counts
    const doneRows = rowsOfType(cols, tCompleted);
    for (let j = 0; j < doneRows.length; j++) {
      if ((j & 0xfffff) === 0) check();
      const i = doneRows[j]!;
      const t = time[i]!;
      if (t < w.start || t >= w.end) continue;
      const o = ord[i]!;
      if (o !== 0) {
        if (cancelled[o] === 1) {
          skipped.cancelled++;
          continue;
        }
        if (seen[o] === 1) {
          skipped.duplicate++;
          continue;
        }
        seen[o] = 1;
      }
      const u = usr[i]!;
      if (u === 0) {
        skipped.noUser++;
        continue;
      }
      count[u]!++;
      if (t > last[u]!) last[u] = t;
      const c = cur[i]!;
      const a = amt[i]!;
      if (c === 0 || Number.isNaN(a)) {
        skipped.noMoney++;
        continue;
      }
      let k = curSlot[c]!;
      if (k < 0) {
        k = currencies.length;
        curSlot[c] = k;
        currencies.push(cols.dicts.currency.value(c)!);
        perUser.push(new Float64Array(nUsers));
      }
      perUser[k]![u]! += a;
    }
  }
  let rows = 0;
  for (let u = 1; u < nUsers; u++) if (count[u]! > 0) rows++;
  const out: CustomerOrders = {
    n: rows, user: new Uint32Array(rows), customerId: new Array<string>(rows), lastTime: new Float64Array(rows), orders: new Uint32Array(rows),
    currencies, spend: currencies.map(() => new Float64Array(rows)), skipped,
  };
  let r = 0;
  for (let u = 1; u < nUsers; u++) {
    if (count[u]! === 0) continue;
    out.user[r] = u;
    out.customerId[r] = cols.dicts.user.value(u)!;
    out.lastTime[r] = last[u]!;
    out.orders[r] = count[u]!;
    for (let k = 0; k < currencies.length; k++) out.spend[k]![r] = perUser[k]![u]!;
    r++;
  }
  return out;
}
