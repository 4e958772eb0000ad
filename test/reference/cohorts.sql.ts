/**
 * Reference implementation of monthly cohort retention in plain SQL (SQLite), written straight from
 * docs/cohorts.md and independent of the engine's code. Business months come from a fixed UTC
 * offset (the default Asia/Ho_Chi_Minh has had no DST since 1975, so +07:00 is exact for it).
 *
 * - cohort: the local month of a customer's earliest user.registered;
 * - an order counts when it has an order.completed (earliest one: time, user, total, currency), no
 *   order.cancelled, and (unless refunded orders count) no payment.refunded naming it;
 * - k = local month index of the order - that of the registration (orders before the registration
 *   instant are ignored); "on": distinct customers per (cohort, k); "on or after": customers whose
 *   greatest k is >= k.
 *
 * Used by the integration tests: the engine must equal it exactly.
 */
import type { Database } from '../../src/main/node/db/index.ts';

export interface RefCohorts {
  sizes: Record<string, number>;
  /** cohort -> k -> customers */
  on: Record<string, number[]>;
  onOrAfter: Record<string, number[]>;
  orders: Record<string, number[]>;
  /** cohort -> k -> currency -> minor units */
  gmv: Record<string, Record<number, Record<string, number>>>;
}

export function referenceCohorts(db: Database, o: { from: string; to: string; offsetMs: number; includeRefunded: boolean; asOf: number; acquisition?: 'registration' | 'first_order' }): RefCohorts {
  const off = o.offsetMs;
  const month = (t: string) => `strftime('%Y-%m', (${t} + ${off}) / 1000, 'unixepoch')`;
  const idx = (t: string) => `(CAST(strftime('%Y', (${t} + ${off}) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (${t} + ${off}) / 1000, 'unixepoch') AS INTEGER) - 1)`;
  const refundFilter = o.includeRefunded ? '' : `AND d.order_id NOT IN (SELECT json_extract(data, '$.order_id') FROM events WHERE type = 'payment.refunded' AND json_extract(data, '$.order_id') IS NOT NULL)`;
  const acquisition = (o.acquisition ?? 'registration') === 'registration'
    ? `SELECT user_id, min(time) AS t FROM events WHERE type = 'user.registered' AND user_id IS NOT NULL GROUP BY user_id`
    : `SELECT user_id, min(t) AS t FROM q GROUP BY user_id`;
  db.exec('DROP TABLE IF EXISTS temp.ref_act; DROP TABLE IF EXISTS temp.ref_cust');
  const base = `
    WITH done AS (
      SELECT ref AS order_id, user_id, min(time) AS t, amount, currency FROM events WHERE type = 'order.completed' AND ref IS NOT NULL GROUP BY ref
    ),
    q AS (
      SELECT d.* FROM done d
      WHERE d.order_id NOT IN (SELECT ref FROM events WHERE type = 'order.cancelled' AND ref IS NOT NULL) ${refundFilter} AND d.t <= ${o.asOf}
    ),
    acq AS (${acquisition}),
    cust AS (SELECT user_id, t, ${month('t')} AS cohort FROM acq WHERE ${month('t')} BETWEEN '${o.from}' AND '${o.to}')`;
  db.exec(`CREATE TEMP TABLE ref_cust AS ${base} SELECT * FROM cust`);
  db.exec(`CREATE TEMP TABLE ref_act AS ${base}
    SELECT c.user_id, c.cohort, ${idx('q.t')} - ${idx('c.t')} AS k, q.amount, q.currency
    FROM cust c JOIN q ON q.user_id = c.user_id AND q.t >= c.t`);
  const out: RefCohorts = { sizes: {}, on: {}, onOrAfter: {}, orders: {}, gmv: {} };
  for (const r of db.prepare('SELECT cohort, count(*) AS n FROM ref_cust GROUP BY cohort ORDER BY cohort').all() as { cohort: string; n: number }[]) out.sizes[r.cohort] = r.n;
  const put = (m: Record<string, number[]>, c: string, k: number, v: number) => ((m[c] ??= [])[k] = v);
  for (const r of db.prepare('SELECT cohort, k, count(DISTINCT user_id) AS n, count(*) AS orders FROM ref_act GROUP BY cohort, k').all() as { cohort: string; k: number; n: number; orders: number }[]) {
    put(out.on, r.cohort, r.k, r.n);
    put(out.orders, r.cohort, r.k, r.orders);
  }
  const after = db.prepare(`WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k < 600),
      last AS (SELECT cohort, user_id, max(k) AS mk FROM ref_act GROUP BY cohort, user_id)
    SELECT last.cohort, ks.k, count(*) AS n FROM last JOIN ks ON ks.k <= last.mk GROUP BY last.cohort, ks.k`).all() as { cohort: string; k: number; n: number }[];
  for (const r of after) put(out.onOrAfter, r.cohort, r.k, r.n);
  for (const r of db.prepare('SELECT cohort, k, currency, sum(amount) AS s FROM ref_act GROUP BY cohort, k, currency').all() as { cohort: string; k: number; currency: string; s: number }[]) {
    ((out.gmv[r.cohort] ??= {})[r.k] ??= {})[r.currency] = r.s;
  }
  db.exec('DROP TABLE temp.ref_act; DROP TABLE temp.ref_cust');
  return out;
}
