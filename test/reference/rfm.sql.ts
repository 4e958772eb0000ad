/**
 * Reference implementation of RFM (docs/rfm.md) in plain SQL (SQLite), written from the docs and
 * independent of the engine's code: the window (as_of − 12 months, as_of] in business days, completed
 * and not cancelled orders counted once per order id (the first completion by seq), R = days from the
 * last order's business day to as_of, F = orders, M = per-currency spend converted at the rates, the
 * scores by RANK() (ties share the minimum rank): 1 + floor(5 × (rank − 1) / n), R ranked by days
 * descending, and the segment rules in the spec's order.
 *
 * The business timezone is passed as a fixed UTC offset (the demo's Asia/Ho_Chi_Minh has no DST).
 */
import type { Database } from '../../src/main/node/db/index.ts';

export interface RefRfmRow { customer_id: string; recency_days: number; frequency: number; monetary: number; r: number; f: number; m: number; segment: string }

export function referenceRfm(db: Database, o: { asOf: string; offsetMinutes: number; reportingCurrency: string; rates: Record<string, { rate: number; scale: number }> }): RefRfmRow[] {
  const off = o.offsetMinutes * 60_000;
  const rates = Object.entries(o.rates).map(([c, r]) => `SELECT '${c}' AS currency, ${r.rate} AS rate, ${r.scale} AS scale`);
  rates.push(`SELECT '${o.reportingCurrency}', 1, 1`);
  const sql = `
WITH bounds AS (
  SELECT (CAST(strftime('%s', date(:asOf, '-12 months', '+1 day')) AS INTEGER) * 1000) - ${off} AS start_ms,
         (CAST(strftime('%s', date(:asOf, '+1 day')) AS INTEGER) * 1000) - ${off} AS end_ms
),
rates AS (${rates.join(' UNION ALL ')}),
cancelled AS (
  SELECT DISTINCT ref FROM events, bounds WHERE type = 'order.cancelled' AND ref IS NOT NULL AND time < bounds.end_ms
),
completions AS (
  SELECT e.seq, e.time, e.user_id, e.ref, e.amount, e.currency FROM events e, bounds b
  WHERE e.type = 'order.completed' AND e.time >= b.start_ms AND e.time < b.end_ms
),
counted AS (
  SELECT c.* FROM completions c
  WHERE c.user_id IS NOT NULL
    AND (c.ref IS NULL OR (c.ref NOT IN (SELECT ref FROM cancelled) AND c.seq = (SELECT min(seq) FROM completions d WHERE d.ref = c.ref)))
),
per_currency AS (
  SELECT user_id, currency, sum(amount) AS spend FROM counted WHERE amount IS NOT NULL AND currency IS NOT NULL GROUP BY user_id, currency
),
money AS (
  SELECT p.user_id, sum(CAST(round(p.spend * r.rate * 1.0 / r.scale) AS INTEGER)) AS monetary FROM per_currency p JOIN rates r USING (currency) GROUP BY p.user_id
),
cust AS (
  SELECT c.user_id AS customer_id, count(*) AS frequency, max(c.time) AS last_time,
    CAST(julianday(:asOf) - julianday(date((max(c.time) + ${off}) / 1000, 'unixepoch')) AS INTEGER) AS recency_days,
    coalesce((SELECT monetary FROM money m WHERE m.user_id = c.user_id), 0) AS monetary
  FROM counted c GROUP BY c.user_id
),
ranked AS (
  SELECT *, count(*) OVER () AS n,
    rank() OVER (ORDER BY recency_days DESC) AS rr,
    rank() OVER (ORDER BY frequency ASC) AS fr,
    rank() OVER (ORDER BY monetary ASC) AS mr
  FROM cust
),
scored AS (
  SELECT customer_id, recency_days, frequency, monetary,
    1 + (5 * (rr - 1)) / n AS r, 1 + (5 * (fr - 1)) / n AS f, 1 + (5 * (mr - 1)) / n AS m
  FROM ranked
)
SELECT customer_id, recency_days, frequency, monetary, r, f, m,
  CASE
    WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'Champions'
    WHEN r >= 3 AND f >= 3 THEN 'Loyal Customers'
    WHEN r >= 4 AND f = 1 THEN 'New Customers'
    WHEN r >= 4 AND f >= 2 AND m <= 2 THEN 'Potential Loyalists'
    WHEN r <= 2 AND f >= 3 THEN 'At-Risk Customers'
    WHEN r = 1 AND f = 1 THEN 'Lost Customers'
    ELSE 'Other'
  END AS segment
FROM scored ORDER BY customer_id`;
  return db.prepare(sql).all({ asOf: o.asOf }) as RefRfmRow[];
}
