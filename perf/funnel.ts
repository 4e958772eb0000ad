/**
 * Funnel benchmark: the standard purchase funnel with a breakdown by device over generated events
 * whose sessions walk the funnel (perf/gen-events.ts, sessions mode), three ways:
 *
 *   DuckDB      the same rows loaded into DuckDB (untimed), the same definition in SQL (ASOF joins)
 *   warm        Marketlens' analytics worker with its columnar cache loaded (recomputed each run)
 *   cold+snap   a fresh worker (new process) with the cache snapshot on disk: start -> result
 *   cold        a fresh worker with no snapshot: rebuild the cache from SQLite -> result
 *   page        the Funnels page in Chromium (web mode on the same workspace): the standard funnel
 *               over every day with data, run from the page; a PerformanceObserver('longtask')
 *               installed before load records every main-thread task over 50 ms, and the longest
 *               one while a query runs must stay <= 100 ms
 *
 *   node perf/funnel.ts [--events 1000000] [--seed 1] [--runs 5] [--no-duckdb] [--no-cold] [--no-page]
 *
 * Inputs are generated and ingested once into perf/.data/ (untimed) and the workspace is reused
 * (the NDJSON may be deleted afterwards). Each Marketlens
 * scenario runs in its own process so its peak RSS is its own.
 */
import { peakRssBytes } from './rss.ts';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/main/node/db/index.ts';
import { WorkerHost } from '../src/main/node/worker/host.ts';
import { benchSnapshot, coldAndWarm, parentInput, duckdbEvents, ensureWorkspace, log, median, mib, parseCacheBenchArgs, printRows } from './cache-bench.ts';
import { STANDARD_STEPS, DEFAULT_SESSION_GAP_MS } from '../src/analytics/funnel/definition.ts';
import { dayKey, dayRange } from '../src/analytics/calendar.ts';
import type { FunnelQuery, FunnelResult } from '../src/analytics/funnel/types.ts';

const SELF = fileURLToPath(import.meta.url);
const TZ = 'Asia/Ho_Chi_Minh';
const WINDOW = 86_400_000;
const SPACING_MS = 100;

/** The query: every business day with data, the standard funnel, by device, no trend. */
function benchQuery(dbFile: string, tag: string): FunnelQuery {
  const { db, close } = openDatabase(dbFile, { readonly: true });
  const r = db.prepare('SELECT min(time) AS lo, max(time) AS hi FROM events').get() as { lo: number; hi: number };
  close();
  return {
    spec: { steps: STANDARD_STEPS.map((s) => ({ ...s })), order: 'sequential', windowMs: WINDOW },
    unit: 'session', start: dayRange(dayKey(r.lo, TZ), TZ).start, end: dayRange(dayKey(r.hi, TZ), TZ).end, timezone: TZ,
    sessionGapMs: DEFAULT_SESSION_GAP_MS, breakdown: ['device'], topN: 100, trend: null,
    meta: { id: 'standard', name: tag, from: null, to: null },
  };
}

interface ChildOut { firstMs: number; warmMs: number[]; rssBytes: number; result: { reached: number[]; byDevice: Record<string, number[]>; medians: (number | null)[] }; cache: unknown }

/** In a child process: start a worker, run once (timed from the worker's creation), then warm runs. */
async function child(argv: string[]): Promise<void> {
  const [dbFile, runsS] = argv;
  const runs = Number(runsS);
  const q = parentInput<FunnelQuery>() ?? benchQuery(dbFile!, 'bench'); // (untimed: it scans the table for the time range)
  const named = (i: number): FunnelQuery => ({ ...q, meta: { ...q.meta!, name: `bench-${i}` } });
  const t0 = performance.now();
  const host = new WorkerHost(dbFile!);
  const first = await host.run('funnel.run', named(0));
  const firstMs = performance.now() - t0;
  const warmMs: number[] = [];
  let last: FunnelResult = first;
  for (let i = 1; i <= runs; i++) {
    const t = performance.now();
    last = await host.run('funnel.run', named(i)); // every run computes (runs never reuse a result)
    warmMs.push(performance.now() - t);
  }
  const cache = await host.run('funnel.cache', { persist: false });
  await host.close();
  const out: ChildOut = {
    firstMs, warmMs, rssBytes: peakRssBytes(), cache,
    result: {
      reached: last.steps.map((s) => s.entered),
      byDevice: Object.fromEntries(last.breakdown!.rows.map((r) => [r.keys.device!, r.reached])),
      medians: last.steps.map((s) => s.timeFromPrevious?.medianMs ?? null),
    },
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function duckdb(dbFile: string, q: FunnelQuery, runs: number): Promise<{ firstMs: number; medianMs: number; reached: number[]; byDevice: Record<string, number[]>; loadS: number }> {
  // the same rows, with the columns the definition needs (exported from SQLite and loaded untimed)
  const { con, loadS, close } = await duckdbEvents('funnel', dbFile, 'SELECT seq, time, type, session_id, device FROM events ORDER BY seq', { seq: 'BIGINT', time: 'BIGINT', type: 'VARCHAR', session_id: 'VARCHAR', device: 'VARCHAR' });
  const types = q.spec.steps.map((s) => s.eventType);
  const maxSeq = Number((await con.runAndReadAll('SELECT max(seq) FROM events')).getRows()[0]![0]);
  const mult = 2 ** Math.ceil(Math.log2(maxSeq + 2));
  // ordering key (time, seq) as one BIGINT: (time - start) * 2^k + seq
  const chain: string[] = [`s1 AS (SELECT unit, device, o AS o1, time AS t1 FROM ev WHERE type = '${types[0]}' AND time < ${q.end})`];
  for (let k = 2; k <= types.length; k++) {
    const carry = Array.from({ length: k - 1 }, (_, i) => `a.o${i + 1}, a.t${i + 1}`).join(', ');
    chain.push(`s${k} AS (
      SELECT a.unit, a.device, ${carry},
             CASE WHEN a.o${k - 1} IS NOT NULL AND b.time <= a.t1 + ${q.spec.windowMs} THEN b.o END AS o${k},
             CASE WHEN a.o${k - 1} IS NOT NULL AND b.time <= a.t1 + ${q.spec.windowMs} THEN b.time END AS t${k}
      FROM s${k - 1} a ASOF LEFT JOIN (SELECT unit, o, time FROM ev WHERE type = '${types[k - 1]}') b ON a.unit = b.unit AND b.o > a.o${k - 1})`);
  }
  const n = types.length;
  const depth = Array.from({ length: n }, (_, i) => `(o${i + 1} IS NOT NULL)::INT`).join(' + ');
  const sql = `WITH ev AS (
      SELECT (time - ${q.start}) * ${mult} + seq AS o, time, session_id AS unit, type, device FROM events
      WHERE session_id IS NOT NULL AND time >= ${q.start} AND time < ${q.end + q.spec.windowMs} AND type IN (${types.map((t) => `'${t}'`).join(', ')})
    ),
    ${chain.join(',\n')},
    best AS (SELECT *, ${depth} AS depth, row_number() OVER (PARTITION BY unit ORDER BY ${depth} DESC, o1) AS rn FROM s${n})
    SELECT coalesce(device, 'unknown') AS device, ${Array.from({ length: n }, (_, i) => `count(*) FILTER (depth >= ${i + 1}) AS r${i + 1}`).join(', ')},
      ${Array.from({ length: n - 1 }, (_, i) => `quantile_disc(t${i + 2} - t${i + 1}, 0.5) AS m${i + 2}`).join(', ')}
    FROM best WHERE rn = 1 GROUP BY ALL ORDER BY 1`;
  const times: number[] = [];
  let rows: unknown[][] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = (await con.runAndReadAll(sql)).getRows() as unknown[][];
    times.push(performance.now() - t);
  }
  close();
  const byDevice: Record<string, number[]> = {};
  const reached = new Array<number>(n).fill(0);
  for (const r of rows) {
    byDevice[String(r[0])] = r.slice(1, 1 + n).map(Number);
    r.slice(1, 1 + n).forEach((x, i) => (reached[i]! += Number(x)));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: sorted[Math.floor(sorted.length / 2)]!, reached, byDevice, loadS };
}

const LONGTASK_OBSERVER = `
  window.__longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  // when each funnel query was sent and answered, to tell start-up work from work during a query
  window.__funnelCalls = [];
  const origFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = String(input && input.url ? input.url : input);
    if (!url.includes('/api/call/funnel.run')) return origFetch(input, init);
    const call = [performance.now(), Infinity];
    window.__funnelCalls.push(call);
    return origFetch(input, init).finally(() => { call[1] = performance.now(); });
  };
`;

interface PageOut { runMs: number[]; runLongTasks: number[][]; loadLongTasks: number[]; startupLongTasks: number[]; firstQueryLongTasks: number[]; maxRunLongTaskMs: number; entered: number[] }

/**
 * The Funnels page in Chromium against web mode on the bench workspace (the app's services and
 * renderer). The page runs the standard funnel when it opens (cache load + first query: "load");
 * then the period is set to every day with data and the query is run `runs` times from the page.
 * Long tasks are split by when they started: during a run (click -> results shown) or before.
 */
async function pageBench(dbFile: string, q: FunnelQuery, runs: number): Promise<PageOut> {
  const { launchBrowser, startWebMode } = await import('../test/e2e/helpers.ts');
  const app = await startWebMode({ MARKETLENS_DEMO_LIVE: '0' }, path.dirname(dbFile));
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.addInitScript(LONGTASK_OBSERVER);
    await page.goto(`${app.url}/#/funnels&token=${app.token}`);
    const idle = async (): Promise<void> => {
      await page.getByTestId('funnel-results').waitFor({ timeout: 900_000 });
      await page.waitForFunction(() => document.querySelector('[data-testid="funnel-progress"]') === null, undefined, { timeout: 900_000, polling: 20 });
    };
    await idle();
    await page.getByTestId('funnel-from').fill(dayKey(q.start, TZ));
    await page.getByTestId('funnel-to').fill(dayKey(q.end - 1, TZ));
    const windows: [number, number][] = [];
    const runMs: number[] = [];
    const entered: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = await page.evaluate(() => performance.now());
      await page.getByTestId('funnel-run').click();
      await page.getByTestId('funnel-progress').waitFor({ timeout: 60_000 }).catch(() => undefined); // a fast run may finish first
      await idle();
      const t1 = await page.evaluate(() => performance.now());
      windows.push([t0, t1]);
      runMs.push(t1 - t0);
      entered.push(Number((await page.getByTestId('funnel-kpi-entered').innerText()).replace(/\D/g, '')));
    }
    const all = (await page.evaluate(() => (window as unknown as { __longTasks: [number, number][] }).__longTasks)) ?? [];
    const runLongTasks = windows.map(([a, b]) => all.filter(([s]) => s >= a && s <= b).map(([, d]) => Math.round(d)));
    const loadLongTasks = all.filter(([s]) => s < windows[0]![0]).map(([, d]) => Math.round(d));
    // the page's own first query (sent when the page opens): long tasks from when it was sent until it
    // was answered and shown, apart from the start-up before it (bundle evaluation, first render)
    const calls = (await page.evaluate(() => (window as unknown as { __funnelCalls: [number, number][] }).__funnelCalls)) ?? [];
    const firstSent = calls[0]?.[0] ?? windows[0]![0];
    const firstQueryLongTasks = all.filter(([s]) => s >= firstSent && s < windows[0]![0]).map(([, d]) => Math.round(d));
    const startupLongTasks = all.filter(([s]) => s < firstSent).map(([, d]) => Math.round(d));
    return { runMs, runLongTasks, loadLongTasks, startupLongTasks, firstQueryLongTasks, maxRunLongTaskMs: Math.max(0, ...runLongTasks.flat(), ...firstQueryLongTasks), entered };
  } finally {
    await browser.close();
    await app.stop();
  }
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv.slice(1));
  const o = parseCacheBenchArgs(argv, { page: true });
  const dbFile = await ensureWorkspace('funnel', o, { sessions: true, spacingMs: SPACING_MS }, 'session events');
  const snap = benchSnapshot(dbFile, 'funnel');
  const q = benchQuery(dbFile, 'bench');
  const { cold, warm } = await coldAndWarm<ChildOut>(SELF, dbFile, o, 1, 'funnel', q);
  let duck: Awaited<ReturnType<typeof duckdb>> | null = null;
  if (o.duckdb) {
    log('DuckDB ...');
    duck = await duckdb(dbFile, q, o.runs);
  }
  let pg: PageOut | null = null;
  if (o.page) {
    log('Funnels page in Chromium (web mode), long-task observer ...');
    pg = await pageBench(dbFile, q, Math.max(1, Math.min(o.runs, 3)));
  }
  const warmMs = median(warm.warmMs);
  const sorted = (o: Record<string, number[]>): string => JSON.stringify(Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const same = duck ? sorted(duck.byDevice) === sorted(warm.result.byDevice) && (cold === null || sorted(cold.result.byDevice) === sorted(warm.result.byDevice)) : null;
  const rows: [string, string][] = [
    ['events', o.events.toLocaleString('en-US')],
    ['sessions entered / completed', `${warm.result.reached[0]!.toLocaleString('en-US')} / ${warm.result.reached.at(-1)!.toLocaleString('en-US')}`],
    ['snapshot size', mib(fs.statSync(snap).size)],
  ];
  if (duck) rows.push(['DuckDB (first / median of runs)', `${duck.firstMs.toFixed(0)} ms / ${duck.medianMs.toFixed(0)} ms  (load ${duck.loadS.toFixed(1)} s untimed)`]);
  rows.push(['Marketlens warm (median)', `${warmMs.toFixed(0)} ms`]);
  rows.push(['Marketlens cold + snapshot (worker start -> result)', `${warm.firstMs.toFixed(0)} ms`]);
  if (cold) rows.push(['Marketlens cold, no snapshot (rebuild from SQLite)', `${cold.firstMs.toFixed(0)} ms`]);
  if (duck) {
    rows.push(['warm / DuckDB', `${(warmMs / duck.medianMs).toFixed(3)}x  (target <= 0.25x)`]);
    rows.push(['cold+snapshot / DuckDB', `${(warm.firstMs / duck.medianMs).toFixed(2)}x  (target <= 1.5x)`]);
    if (cold) rows.push(['cold no snapshot / DuckDB', `${(cold.firstMs / duck.medianMs).toFixed(2)}x`]);
    rows.push(['same counts as DuckDB', String(same)]);
  }
  rows.push(['peak RSS, process with worker (snapshot + warm)', mib(warm.rssBytes)]);
  if (cold) rows.push(['peak RSS, process with worker (rebuild)', mib(cold.rssBytes)]);
  if (pg) {
    rows.push(['page: query runs from the Funnels page (click -> shown)', pg.runMs.map((x) => `${x.toFixed(0)} ms`).join(', ')]);
    rows.push(['page: long tasks (> 50 ms) while a query runs', `${pg.runLongTasks.map((l) => `[${l.join(', ')}]`).join(' ')} ms; longest ${pg.maxRunLongTaskMs} ms (target <= 100 ms: ${pg.maxRunLongTaskMs <= 100 ? 'met' : 'NOT met'})`]);
    rows.push(['page: long tasks at start-up, before its first query is sent', `${pg.startupLongTasks.length}, longest ${Math.max(0, ...pg.startupLongTasks)} ms`]);
    rows.push(['page: long tasks while its first query runs (sent -> shown)', `[${pg.firstQueryLongTasks.join(', ')}] ms`]);
    rows.push(['page: sessions entered shown = worker result', String(pg.entered.every((e) => e === warm.result.reached[0]))]);
  }
  printRows(rows);
  process.stdout.write(JSON.stringify({
    bench: 'funnel', events: o.events, duckdb: duck && { firstMs: duck.firstMs, medianMs: duck.medianMs }, warmMs: warm.warmMs, coldSnapshotMs: warm.firstMs,
    coldRebuildMs: cold?.firstMs ?? null, rssSnapshotBytes: warm.rssBytes, rssRebuildBytes: cold?.rssBytes ?? null, sameAsDuckdb: same, reached: warm.result.reached,
    page: pg && { runMs: pg.runMs, runLongTasksMs: pg.runLongTasks, maxRunLongTaskMs: pg.maxRunLongTaskMs, startupLongTasksMs: pg.startupLongTasks, firstQueryLongTasksMs: pg.firstQueryLongTasks },
  }) + '\n');
  if (pg && !pg.entered.every((e) => e === warm.result.reached[0])) throw new Error(`the page shows ${pg.entered.join(', ')} sessions entered, the worker ${warm.result.reached[0]}`);
  if (same === false) throw new Error(`DuckDB and Marketlens disagree: ${JSON.stringify(duck!.byDevice)} vs ${JSON.stringify(warm.result.byDevice)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
