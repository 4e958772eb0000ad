/**
 * RFM benchmark: RFM segmentation (docs/rfm.md) over generated events spanning ~13 months
 * (perf/gen-events.ts, sessions mode: storefront sessions of ~4 events each, plus ~8% other events
 * among them order completions and cancellations of recent orders), as of the last day with data,
 * three ways:
 *
 *   DuckDB      the same rows loaded into DuckDB (untimed), the same rules in SQL (window, dedup,
 *               cancellations, RANK()-based scores, the segment CASE)
 *   warm        Marketlens' analytics worker with its columnar cache loaded (recomputed each run)
 *   cold+snap   a fresh worker (new process) with the cache snapshot on disk: start -> result
 *   cold        a fresh worker with no snapshot: rebuild the cache from SQLite -> result
 *
 *   npm run bench -- rfm [--events 1000000] [--seed 1] [--runs 5] [--no-duckdb] [--no-cold]
 *
 * Each Marketlens scenario runs in its own process so its peak RSS is its own. The results must
 * agree customer by customer (a checksum of customer, R, F, M, segment) and per segment.
 */
import { peakRssBytes } from './rss.ts';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/main/node/db/index.ts';
import { WorkerHost } from '../src/main/node/worker/host.ts';
import { benchSnapshot, coldAndWarm, parentInput, duckdbEvents, ensureWorkspace, log, median, mib, parseCacheBenchArgs, printRows, timingRows } from './cache-bench.ts';
import { dayKey } from '../src/analytics/calendar.ts';
import { rfmWindow, type RfmParams } from '../src/analytics/rfm/compute.ts';
import { SEGMENTS } from '../src/analytics/rfm/segments.ts';
import type { RfmComputeResult } from '../src/main/node/worker/rfm-methods.ts';

const SELF = fileURLToPath(import.meta.url);
const TZ = 'Asia/Ho_Chi_Minh';
const TZ_OFFSET_MS = 7 * 3_600_000; // Asia/Ho_Chi_Minh has no DST
const START = Date.UTC(2025, 0, 1);
const SPAN_MS = 400 * 86_400_000;

function benchParams(dbFile: string): RfmParams {
  const { db, close } = openDatabase(dbFile, { readonly: true });
  const hi = db.prepare("SELECT max(time) FROM events WHERE type = 'order.completed'").pluck().get() as number;
  close();
  return { asOf: dayKey(hi, TZ), timezone: TZ, reportingCurrency: 'VND', fxRates: { USD: '26000' } };
}

interface Digest { customers: number; checksum: string; segments: Record<string, number> }

function digestOf(r: RfmComputeResult): Digest {
  const c = r.customers;
  const idx = c.customerId.map((_, i) => i).sort((a, b) => (c.customerId[a]! < c.customerId[b]! ? -1 : 1));
  const h = createHash('sha256');
  const segments: Record<string, number> = {};
  for (const i of idx) {
    const g = SEGMENTS[c.segment[i]!]!;
    h.update(`${c.customerId[i]},${c.r[i]},${c.f[i]},${c.m[i]},${g}\n`);
    segments[g] = (segments[g] ?? 0) + 1;
  }
  return { customers: idx.length, checksum: h.digest('hex'), segments };
}

interface ChildOut { firstMs: number; warmMs: number[]; rssBytes: number; digest: Digest; timings: RfmComputeResult['timings'] }

async function child(argv: string[]): Promise<void> {
  const [dbFile, runsS, idleS] = argv;
  const runs = Number(runsS);
  const p = parentInput<RfmParams>() ?? benchParams(dbFile!); // untimed
  let t0 = performance.now();
  const host = new WorkerHost(dbFile!);
  if (Number(idleS ?? 0) > 0) {
    // a running app: the worker started a while ago (and loaded its modules when idle); no data loaded yet
    await new Promise((r) => setTimeout(r, Number(idleS)));
    t0 = performance.now();
  }
  let last = await host.run('rfm.compute', p);
  const firstMs = performance.now() - t0;
  const warmMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await host.run('rfm.compute', p);
    warmMs.push(performance.now() - t);
  }
  await host.close();
  const out: ChildOut = { firstMs, warmMs, rssBytes: peakRssBytes(), digest: digestOf(last), timings: last.timings };
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function duckdb(dbFile: string, p: RfmParams, runs: number): Promise<{ firstMs: number; medianMs: number; coldMs: number[]; digest: Digest; loadS: number }> {
  // the same rows, with the columns the definition needs (exported from SQLite and loaded untimed)
  const { con, loadS, close, cold } = await duckdbEvents('rfm', dbFile, "SELECT seq, time, type, user_id, CASE WHEN type IN ('order.placed', 'order.completed', 'order.cancelled') THEN ref END, amount, currency FROM events ORDER BY seq", { seq: 'BIGINT', time: 'BIGINT', type: 'VARCHAR', user_id: 'VARCHAR', order_id: 'VARCHAR', amount: 'BIGINT', currency: 'VARCHAR' });
  const w = rfmWindow(p.asOf, p.timezone);
  const asOfDay = `DATE '${p.asOf}'`;
  const sql = `
    WITH cancelled AS (SELECT DISTINCT order_id FROM events WHERE type = 'order.cancelled' AND order_id IS NOT NULL AND time < ${w.end}),
    comp AS (
      SELECT seq, time, user_id, order_id, amount, currency,
        row_number() OVER (PARTITION BY order_id ORDER BY seq) AS k
      FROM events WHERE type = 'order.completed' AND time >= ${w.start} AND time < ${w.end}
    ),
    counted AS (
      SELECT c.* FROM comp c LEFT JOIN cancelled x ON x.order_id = c.order_id
      WHERE c.user_id IS NOT NULL AND (c.order_id IS NULL OR (x.order_id IS NULL AND c.k = 1))
    ),
    rates AS (SELECT * FROM (VALUES ('VND', 1.0), ${Object.entries(p.fxRates).map(([c, r]) => `('${c}', ${Number(r) / 100})`).join(', ')}) t(currency, rate)),
    per_cur AS (SELECT user_id, currency, sum(amount) AS spend FROM counted WHERE amount IS NOT NULL AND currency IS NOT NULL GROUP BY ALL),
    money AS (SELECT user_id, sum(CAST(round_even(spend * rate, 0) AS BIGINT)) AS monetary FROM per_cur JOIN rates USING (currency) GROUP BY ALL),
    cust AS (
      SELECT c.user_id, count(*) AS frequency,
        date_diff('day', CAST(epoch_ms(max(c.time) + ${TZ_OFFSET_MS}) AS DATE), ${asOfDay}) AS recency,
        coalesce(any_value(m.monetary), 0) AS monetary
      FROM counted c LEFT JOIN money m USING (user_id) GROUP BY c.user_id
    ),
    scored AS (
      SELECT user_id, n,
        1 + (5 * (rank() OVER (ORDER BY recency DESC) - 1)) // n AS r,
        1 + (5 * (rank() OVER (ORDER BY frequency) - 1)) // n AS f,
        1 + (5 * (rank() OVER (ORDER BY monetary) - 1)) // n AS m
      FROM (SELECT *, count(*) OVER () AS n FROM cust)
    )
    SELECT user_id, r, f, m,
      CASE WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'Champions' WHEN r >= 3 AND f >= 3 THEN 'Loyal Customers' WHEN r >= 4 AND f = 1 THEN 'New Customers'
        WHEN r >= 4 AND f >= 2 AND m <= 2 THEN 'Potential Loyalists' WHEN r <= 2 AND f >= 3 THEN 'At-Risk Customers' WHEN r = 1 AND f = 1 THEN 'Lost Customers'
        ELSE 'Other' END AS segment
    FROM scored`;
  const times: number[] = [];
  let rows: unknown[][] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = (await con.runAndReadAll(sql)).getRows() as unknown[][];
    times.push(performance.now() - t);
  }
  close();
  const coldMs = await cold(sql, 3);
  rows.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  const h = createHash('sha256');
  const segments: Record<string, number> = {};
  for (const r of rows) {
    h.update(`${String(r[0])},${Number(r[1])},${Number(r[2])},${Number(r[3])},${String(r[4])}\n`);
    segments[String(r[4])] = (segments[String(r[4])] ?? 0) + 1;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: sorted[Math.floor(sorted.length / 2)]!, coldMs, digest: { customers: rows.length, checksum: h.digest('hex'), segments }, loadS };
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv.slice(1));
  const o = parseCacheBenchArgs(argv);
  const gen = { sessions: true, start: START, spacingMs: Math.max(1, Math.round(SPAN_MS / o.events)), users: Math.max(1000, Math.round(o.events / 10)) };
  const dbFile = await ensureWorkspace('rfm-sessions', o, gen, 'events over ~400 days');
  const snap = benchSnapshot(dbFile, 'customers');
  const p = benchParams(dbFile);
  const { cold, warm, running } = await coldAndWarm<ChildOut>(SELF, dbFile, o, 0, 'customers', p);
  let duck: Awaited<ReturnType<typeof duckdb>> | null = null;
  if (o.duckdb) {
    log('DuckDB ...');
    duck = await duckdb(dbFile, p, o.runs);
  }
  const warmMs = median(warm.warmMs);
  const same = duck ? duck.digest.checksum === warm.digest.checksum && (cold === null || cold.digest.checksum === warm.digest.checksum) : null;
  const rows: [string, string][] = [
    ['events', o.events.toLocaleString('en-US')],
    ['as of / window', `${p.asOf} / ${rfmWindow(p.asOf, TZ).firstDay} .. ${p.asOf}`],
    ['customers', warm.digest.customers.toLocaleString('en-US')],
    ['segments', Object.entries(warm.digest.segments).sort().map(([k, v]) => `${k} ${v}`).join(', ')],
    ['snapshot size', mib(fs.statSync(snap).size)],
  ];
  rows.push(...timingRows({
    duck, warmMs, warm, cold, running, same, sameLabel: 'same customers, scores and segments as DuckDB',
    warmNote: `  (extract ${warm.timings.extractMs.toFixed(0)} ms, score ${warm.timings.scoreMs.toFixed(0)} ms)`,
  }));
  printRows(rows);
  process.stdout.write(JSON.stringify({
    bench: 'rfm', events: o.events, asOf: p.asOf, customers: warm.digest.customers, duckdb: duck && { firstMs: duck.firstMs, medianMs: duck.medianMs, coldMs: duck.coldMs }, warmMs: warm.warmMs,
    coldSnapshotMs: warm.firstMs, coldRebuildMs: cold?.firstMs ?? null, runningAppFirstMs: running?.firstMs ?? null, rssSnapshotBytes: warm.rssBytes, rssRebuildBytes: cold?.rssBytes ?? null, sameAsDuckdb: same,
  }) + '\n');
  if (same === false) throw new Error(`DuckDB and Marketlens disagree: ${JSON.stringify(duck!.digest.segments)} vs ${JSON.stringify(warm.digest.segments)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
