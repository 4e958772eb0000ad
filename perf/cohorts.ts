/**
 * Cohort benchmark: the monthly cohort retention matrix (registration cohorts, "on" retention,
 * refunded orders counted) over generated events spread over a year (perf/gen-events.ts, sessions
 * mode: storefront sessions of ~4 events each, plus ~8% other events: registrations, completed /
 * cancelled orders and refunds of random users), three ways:
 *
 *   DuckDB      the same rows loaded into DuckDB (untimed), the same definition in SQL
 *   warm        Marketlens' analytics worker with its columnar cache loaded (customer orders are
 *               extracted once per cache version, so warm runs recompute the cohorts from them)
 *   cold+snap   a fresh worker (new process) with the cache snapshot on disk: start -> result
 *   cold        a fresh worker with no snapshot: rebuild the cache from SQLite -> result
 *
 *   node perf/cohorts.ts [--events 1000000] [--seed 1] [--runs 5] [--no-duckdb] [--no-cold]
 *
 * Inputs are generated and ingested once into perf/.data/ (untimed) and reused. Each Marketlens
 * scenario runs in its own process so its peak RSS is its own. The counts must equal DuckDB's.
 */
import { peakRssBytes } from './rss.ts';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/main/node/db/index.ts';
import { WorkerHost } from '../src/main/node/worker/host.ts';
import { benchSnapshot, coldAndWarm, parentInput, duckdbEvents, ensureWorkspace, log, median, mib, parseCacheBenchArgs, printRows, timingRows } from './cache-bench.ts';
import { monthKey } from '../src/analytics/calendar.ts';
import type { CohortQuery, CohortResult } from '../src/analytics/cohorts/types.ts';

const SELF = fileURLToPath(import.meta.url);
const TZ = 'Asia/Ho_Chi_Minh';
const OFFSET_MS = 7 * 3_600_000; // Asia/Ho_Chi_Minh: no DST
const YEAR_MS = 365 * 86_400_000;

/** Every month with data, monthly cohorts, as of just after the last event. */
function benchQuery(dbFile: string): CohortQuery {
  const { db, close } = openDatabase(dbFile, { readonly: true });
  const r = db.prepare('SELECT min(time) AS lo, max(time) AS hi FROM events').get() as { lo: number; hi: number };
  close();
  return {
    granularity: 'month', from: monthKey(r.lo, TZ), to: monthKey(r.hi, TZ), mode: 'on', acquisition: 'registration', includeRefunded: true,
    breakdown: null, timezone: TZ, reportingCurrency: 'VND', fxRates: { USD: '26000' }, asOf: r.hi + 1,
  };
}

type Counts = Record<string, number[]>;
interface ChildOut { firstMs: number; warmMs: number[]; rssBytes: number; counts: Counts; sizes: Record<string, number>; timing: CohortResult['timing'] }

const countsOf = (r: CohortResult): Counts => Object.fromEntries(r.matrix.rows.map((x) => [x.key, x.cells.map((c) => c.active)]));

async function child(argv: string[]): Promise<void> {
  const [dbFile, runsS, idleS] = argv;
  const runs = Number(runsS);
  const q = parentInput<CohortQuery>() ?? benchQuery(dbFile!);
  let t0 = performance.now();
  const host = new WorkerHost(dbFile!);
  if (Number(idleS ?? 0) > 0) {
    // a running app: the worker started a while ago (and loaded its modules when idle); no data loaded yet
    await new Promise((r) => setTimeout(r, Number(idleS)));
    t0 = performance.now();
  }
  const first = await host.run('cohort.run', q);
  const firstMs = performance.now() - t0;
  const warmMs: number[] = [];
  let last = first;
  for (let i = 1; i <= runs; i++) {
    const t = performance.now();
    last = await host.run('cohort.run', { ...q, asOf: q.asOf + i }); // every run computes the matrix
    warmMs.push(performance.now() - t);
  }
  await host.close();
  const out: ChildOut = {
    firstMs, warmMs, rssBytes: peakRssBytes(), counts: countsOf(last),
    sizes: Object.fromEntries(last.matrix.rows.map((x) => [x.key, x.size])), timing: first.timing,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function duckdb(dbFile: string, q: CohortQuery, runs: number): Promise<{ firstMs: number; medianMs: number; coldMs: number[]; counts: Counts; sizes: Record<string, number>; loadS: number }> {
  // the same rows, with the columns the definition needs (exported from SQLite and loaded untimed)
  const { con, loadS, close, cold } = await duckdbEvents('cohorts', dbFile, `SELECT seq, time, type, user_id,
      CASE WHEN type IN ('order.placed', 'order.completed', 'order.cancelled') THEN ref WHEN type = 'payment.refunded' THEN json_extract(data, '$.order_id') END,
      amount, currency
    FROM events ORDER BY seq`, { seq: 'BIGINT', time: 'BIGINT', type: 'VARCHAR', user_id: 'VARCHAR', order_id: 'VARCHAR', amount: 'BIGINT', currency: 'VARCHAR' });
  const mi = (t: string) => `(date_part('year', make_timestamp((${t} + ${OFFSET_MS}) * 1000)) * 12 + date_part('month', make_timestamp((${t} + ${OFFSET_MS}) * 1000)) - 1)`;
  const fromIdx = Number(q.from.slice(0, 4)) * 12 + Number(q.from.slice(5, 7)) - 1;
  const toIdx = Number(q.to.slice(0, 4)) * 12 + Number(q.to.slice(5, 7)) - 1;
  const sql = `WITH reg AS (
      SELECT user_id, min(time) AS t FROM events WHERE type = 'user.registered' AND user_id IS NOT NULL GROUP BY user_id
    ),
    cust AS (SELECT user_id, t, ${mi('t')} AS c FROM reg WHERE ${mi('t')} BETWEEN ${fromIdx} AND ${toIdx}),
    done AS (
      SELECT order_id, first(user_id ORDER BY time, seq) AS user_id, min(time) AS t
      FROM events WHERE type = 'order.completed' AND order_id IS NOT NULL GROUP BY order_id
    ),
    q AS (SELECT * FROM done WHERE order_id NOT IN (SELECT order_id FROM events WHERE type = 'order.cancelled' AND order_id IS NOT NULL) AND t <= ${q.asOf}),
    act AS (SELECT DISTINCT c.user_id, c.c, ${mi('q.t')} - c.c AS k FROM cust c JOIN q ON q.user_id = c.user_id AND q.t >= c.t)
    SELECT 'size' AS what, c, -1 AS k, count(*) AS n FROM cust GROUP BY c
    UNION ALL SELECT 'active', c, k, count(*) FROM act GROUP BY c, k`;
  const times: number[] = [];
  let rows: unknown[][] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = (await con.runAndReadAll(sql)).getRows() as unknown[][];
    times.push(performance.now() - t);
  }
  close();
  const coldMs = await cold(sql, 3);
  const key = (c: number) => `${Math.floor(c / 12)}-${String((c % 12) + 1).padStart(2, '0')}`;
  const sizes: Record<string, number> = {};
  const counts: Counts = {};
  // offsets of cohort c: through the month containing asOf
  const asOfIdx = Number(monthKey(q.asOf, TZ).slice(0, 4)) * 12 + Number(monthKey(q.asOf, TZ).slice(5, 7)) - 1;
  const K = (c: number) => asOfIdx - c + 1;
  for (const r of rows) {
    const c = Number(r[1]), k = Number(r[2]), n = Number(r[3]);
    if (r[0] === 'size') sizes[key(c)] = n;
    else (counts[key(c)] ??= new Array<number>(K(c)).fill(0))[k] = n;
  }
  for (const c of Object.keys(sizes)) {
    const idx = Number(c.slice(0, 4)) * 12 + Number(c.slice(5, 7)) - 1;
    counts[c] ??= new Array<number>(K(idx)).fill(0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: sorted[Math.floor(sorted.length / 2)]!, coldMs, counts, sizes, loadS };
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv.slice(1));
  const o = parseCacheBenchArgs(argv);
  // storefront sessions (several events each, as on a real marketplace) rather than one session id per event
  const gen = { sessions: true, spacingMs: Math.max(1, Math.round(YEAR_MS / o.events)), users: Math.max(1000, Math.round(o.events / 50)), start: Date.UTC(2025, 0, 1) };
  const dbFile = await ensureWorkspace('cohorts-sessions', o, gen, 'events over a year');
  const snap = benchSnapshot(dbFile, 'customers');
  const q = benchQuery(dbFile);
  const { cold, warm, running } = await coldAndWarm<ChildOut>(SELF, dbFile, o, 1, 'customers', q);
  let duck: Awaited<ReturnType<typeof duckdb>> | null = null;
  if (o.duckdb) {
    log('DuckDB ...');
    duck = await duckdb(dbFile, q, o.runs);
  }
  const warmMs = median(warm.warmMs);
  const sorted = (x: object): string => JSON.stringify(Object.entries(x).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const same = duck ? sorted(duck.counts) === sorted(warm.counts) && sorted(duck.sizes) === sorted(warm.sizes) && (cold === null || sorted(cold.counts) === sorted(warm.counts)) : null;
  const customers = Object.values(warm.sizes).reduce((a, b) => a + b, 0);
  const rows: [string, string][] = [
    ['events', o.events.toLocaleString('en-US')],
    ['cohorts / customers', `${Object.keys(warm.sizes).length} / ${customers.toLocaleString('en-US')} (${q.from}..${q.to})`],
    ['snapshot size', mib(fs.statSync(snap).size)],
  ];
  rows.push(...timingRows({
    duck, warmMs, warm, cold, running, same, sameLabel: 'same counts as DuckDB',
    snapNote: `  (load ${warm.timing.loadMs} ms, extract ${warm.timing.extractMs} ms, compute ${warm.timing.computeMs} ms)`,
  }));
  printRows(rows);
  process.stdout.write(JSON.stringify({
    bench: 'cohorts', events: o.events, duckdb: duck && { firstMs: duck.firstMs, medianMs: duck.medianMs, coldMs: duck.coldMs }, warmMs: warm.warmMs, coldSnapshotMs: warm.firstMs,
    coldRebuildMs: cold?.firstMs ?? null, runningAppFirstMs: running?.firstMs ?? null, rssSnapshotBytes: warm.rssBytes, rssRebuildBytes: cold?.rssBytes ?? null, sameAsDuckdb: same, customers,
  }) + '\n');
  if (same === false) throw new Error(`DuckDB and Marketlens disagree: ${sorted(duck!.counts)} vs ${sorted(warm.counts)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
