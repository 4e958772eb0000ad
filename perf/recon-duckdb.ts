/**
 * The DuckDB side of the reconciliation benchmark (run in its own process): read both CSVs, full
 * outer join on the payment id (the first settlement row of a payment settles it, later ones are
 * duplicates), classify, and write the same report columns as Marketlens, ordered by record key.
 *   node perf/recon-duckdb.ts LEDGER SETTLEMENT OUT [DATE]
 */
import { peakRssBytes } from './rss.ts';
import { DuckDBInstance } from '@duckdb/node-api';

const [ledger, settlement, out, DATE = '2025-06-30'] = process.argv.slice(2) as [string, string, string, string?];
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const t0 = performance.now();
// decimal text -> integer minor units (USD 2 decimals, VND 0), exactly
const minor = (col: string) => `CASE currency WHEN 'USD' THEN CAST(CAST(${col} AS DECIMAL(18,2)) * 100 AS BIGINT) ELSE CAST(${col} AS BIGINT) END`;
// exact decimal text of minor units (USD: 2 decimals) with integer arithmetic only
const money = (col: string, cur: string) => `CASE WHEN (${col}) IS NULL THEN NULL WHEN ${cur} = 'USD' THEN (CASE WHEN (${col}) < 0 THEN '-' ELSE '' END) || CAST(abs(${col}) // 100 AS VARCHAR) || '.' || lpad(CAST(abs(${col}) % 100 AS VARCHAR), 2, '0') ELSE CAST(${col} AS VARCHAR) END`;
await con.run(`COPY (
  WITH l AS (
    SELECT *, ${minor('amount')} AS minor,
      strftime(strptime(substr(captured_at, 1, 19), '%Y-%m-%dT%H:%M:%S') + INTERVAL 7 HOUR, '%Y-%m-%d') AS captured_date
    FROM read_csv(${q(ledger)}, header = true, all_varchar = true)),
  s0 AS (
    SELECT *, ${minor('amount')} AS minor,
      ${minor('fee')} AS fee_minor
    FROM read_csv(${q(settlement)}, header = true, all_varchar = true)),
  s AS (SELECT *, row_number() OVER (PARTITION BY coalesce(payment_id, gateway_txn_id) ORDER BY amount, currency, gateway_txn_id) AS n FROM s0),
  s1 AS (SELECT * FROM s WHERE n = 1),
  j AS (
    SELECT coalesce(l.payment_id, s1.payment_id) AS payment_id, coalesce(l.order_id, s1.order_id) AS order_id,
      coalesce(s1.gateway_txn_id, l.gateway_txn_id) AS gateway_txn_id, l.minor AS captured, s1.minor AS settled, s1.fee_minor AS fee,
      coalesce(l.currency, s1.currency) AS currency, s1.currency AS settled_currency, coalesce(s1.gateway, l.gateway) AS gateway, l.captured_date, 1 AS n,
      CASE WHEN l.payment_id IS NULL THEN 'gateway_only' WHEN s1.gateway_txn_id IS NULL THEN 'internal_only'
           WHEN l.currency <> s1.currency THEN 'currency_mismatch' WHEN l.minor = s1.minor THEN 'matched' ELSE 'amount_mismatch' END AS status
    FROM l FULL OUTER JOIN s1 ON l.payment_id = s1.payment_id
    UNION ALL
    SELECT payment_id, order_id, gateway_txn_id, NULL, minor, fee_minor, currency, currency, gateway, NULL, n, 'duplicate'
    FROM s WHERE n > 1),
  k AS (
    SELECT *, CASE status WHEN 'gateway_only' THEN 'gw:' || gateway || ':settlement:' || gateway_txn_id
                          WHEN 'duplicate' THEN 'dup:pay:' || payment_id || ':${DATE}:' || CAST(n - 1 AS VARCHAR) ELSE 'pay:' || payment_id END AS record_key
    FROM j)
  SELECT payment_id, order_id, gateway_txn_id,
    ${money('CASE WHEN status = \'duplicate\' THEN NULL ELSE captured END', 'currency')} AS captured_amount,
    ${money('settled', 'settled_currency')} AS settled_amount,
    status,
    CASE WHEN status = 'currency_mismatch' THEN NULL ELSE ${money('coalesce(settled, 0) - CASE WHEN status = \'duplicate\' THEN 0 ELSE coalesce(captured, 0) END', 'currency')} END AS discrepancy,
    currency, gateway, 'settlement' AS record_type, settled_currency, NULL AS event_amount, ${money('fee', 'settled_currency')} AS fee, settled_currency AS fee_currency,
    CASE WHEN status IN ('duplicate', 'gateway_only') THEN NULL ELSE captured_date END AS captured_date,
    CASE WHEN status = 'internal_only' THEN NULL ELSE '${DATE}' END AS settled_date,
    CASE status WHEN 'matched' THEN 'none' WHEN 'internal_only' THEN 'pending' ELSE 'exception' END AS review,
    record_key,
    CASE status WHEN 'gateway_only' THEN 'no ledger entry for this settlement row' WHEN 'duplicate' THEN 'duplicate: the same record appears earlier in the report'
      WHEN 'internal_only' THEN 'not settled yet (day 0 of 3)' WHEN 'currency_mismatch' THEN 'ledger ' || currency || ', settled in ' || settled_currency ELSE NULL END AS note
  FROM k ORDER BY record_key
) TO ${q(out)} (HEADER, DELIMITER ',')`);
const seconds = (performance.now() - t0) / 1000;
const counts = Object.fromEntries((await con.runAndReadAll(`SELECT status, count(*) FROM read_csv(${q(out)}, header = true, all_varchar = true) GROUP BY 1`)).getRows().map((r) => [String(r[0]), Number(r[1])]));
con.closeSync();
inst.closeSync();
process.stdout.write(JSON.stringify({ seconds, counts, peakRssBytes: peakRssBytes() }) + '\n');
