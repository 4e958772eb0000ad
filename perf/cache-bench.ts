/**
 * What the analytics-cache benchmarks (funnel, cohorts, rfm) share: their options, the generated
 * workspace each runs on (NDJSON generated once, then ingested through the real import path; both
 * kept in perf/.data/ and reused), and the three Marketlens scenarios, each in its own process so
 * its peak RSS is its own:
 *
 *   cold        a fresh worker with no snapshot: rebuild the cache from SQLite -> result
 *   cold+snap   a fresh worker with the cache snapshot on disk: start -> result, then warm runs
 *   running     (cohorts, RFM) the first query of a running app: the worker has been up for
 *               RUNNING_IDLE_MS (its modules loaded while idle), the snapshot not yet read
 *
 * and DuckDB's: warm (the rows in an in-memory table, the query repeated) and cold (a fresh Node
 * process loads DuckDB, opens a database file of the same rows and runs the query once).
 *
 * A bench module runs `child()` when started with `--child DBFILE RUNS` and prints its ChildOut as
 * the last line of stdout.
 */
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { openDatabase } from '../src/main/node/db/index.ts';
import { importFile } from '../src/main/node/import/index.ts';
import { WorkerHost } from '../src/main/node/worker/host.ts';
import { snapshotPathFor } from '../src/main/node/cache/event-cache.ts';
import { CUSTOMER_SNAPSHOT_NAME } from '../src/main/node/worker/customer-cache.ts';
import type { GeneratorOptions } from './gen-events.ts';
import type { DuckDBConnection } from '@duckdb/node-api';

export const DATA = fileURLToPath(new URL('./.data/', import.meta.url));

export interface CacheBenchOptions { events: number; seed: number; runs: number; duckdb: boolean; cold: boolean; page: boolean }

/** `[--events 1000000] [--seed 1] [--runs 5] [--no-duckdb] [--no-cold]`, plus `[--no-page]` when `page` is offered. */
export function parseCacheBenchArgs(argv: string[], opts: { page?: boolean } = {}): CacheBenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, runs: { type: 'string', default: '5' },
      'no-duckdb': { type: 'boolean', default: false }, 'no-cold': { type: 'boolean', default: false },
      ...(opts.page ? { 'no-page': { type: 'boolean', default: false } } : {}),
    },
  });
  const o: CacheBenchOptions = {
    events: Math.round(Number(String(v.events).replace(/_/g, ''))), seed: Number(v.seed), runs: Number(v.runs),
    duckdb: !v['no-duckdb'], cold: !v['no-cold'], page: opts.page === true && !(v as Record<string, unknown>)['no-page'],
  };
  if (!Number.isSafeInteger(o.events) || o.events < 1) throw new Error('--events must be a positive integer');
  return o;
}

export const log = (s: string): void => void process.stderr.write(s + '\n');
export const mib = (b: number): string => `${(b / (1 << 20)).toFixed(0)} MiB`;
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Print `[label, value]` rows as an aligned table on stdout. */
export function printRows(rows: [string, string][]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
}

export interface DuckTimes { firstMs: number; medianMs: number; loadS: number; coldMs: number[] }
interface Scenario { firstMs: number; rssBytes: number }

/**
 * The timing rows the cohort and RFM benches share: DuckDB warm and cold, Marketlens warm, cold with
 * the snapshot, cold rebuilding, the first query of a running app, their ratios to DuckDB, and peak RSS.
 * `warmNote` / `snapNote` add a breakdown to the warm and cold-with-snapshot rows.
 */
export function timingRows(r: {
  duck: DuckTimes | null; warmMs: number; warmNote?: string; warm: Scenario; snapNote?: string; cold: Scenario | null; running: Scenario | null;
  same: boolean | null; sameLabel: string;
}): [string, string][] {
  const { duck, warmMs, warm, cold, running } = r;
  const rows: [string, string][] = [];
  if (duck) {
    rows.push(['DuckDB warm (first / median of runs)', `${duck.firstMs.toFixed(0)} ms / ${duck.medianMs.toFixed(0)} ms  (load ${duck.loadS.toFixed(1)} s untimed)`]);
    rows.push(['DuckDB cold (fresh process: load, open file, query)', `${median(duck.coldMs).toFixed(0)} ms median of ${duck.coldMs.map((x) => x.toFixed(0)).join(', ')}`]);
  }
  rows.push(['Marketlens warm (median)', `${warmMs.toFixed(0)} ms${r.warmNote ?? ''}`]);
  rows.push(['Marketlens cold + snapshot (worker start -> result)', `${warm.firstMs.toFixed(0)} ms${r.snapNote ?? ''}`]);
  if (cold) rows.push(['Marketlens cold, no snapshot (rebuild from SQLite)', `${cold.firstMs.toFixed(0)} ms`]);
  if (running) rows.push(['Marketlens first query in a running app (snapshot not loaded)', `${running.firstMs.toFixed(0)} ms`]);
  if (duck) {
    rows.push(['warm / DuckDB', `${(warmMs / duck.medianMs).toFixed(3)}x  (target <= 0.5x)`]);
    rows.push(['cold+snapshot / DuckDB warm', `${(warm.firstMs / duck.medianMs).toFixed(2)}x  (target <= 2x)`]);
    rows.push(['cold+snapshot / DuckDB cold', `${(warm.firstMs / median(duck.coldMs)).toFixed(2)}x`]);
    if (running) rows.push(['running app first query / DuckDB warm', `${(running.firstMs / duck.medianMs).toFixed(2)}x`]);
    if (cold) rows.push(['cold no snapshot / DuckDB', `${(cold.firstMs / duck.medianMs).toFixed(2)}x`]);
    rows.push([r.sameLabel, String(r.same)]);
  }
  rows.push(['peak RSS, process with worker (snapshot + warm)', `${mib(warm.rssBytes)}  (target <= 1.5 GB)`]);
  if (cold) rows.push(['peak RSS, process with worker (rebuild)', mib(cold.rssBytes)]);
  return rows;
}

/**
 * The bench's workspace: `<key>-events-N-sS.ndjson` generated with `gen` (in a child process, so
 * its memory does not count), ingested into `<key>-ws-N-sS/marketlens.sqlite`. Returns the SQLite file.
 */
export async function ensureWorkspace(key: string, o: CacheBenchOptions, gen: GeneratorOptions, what: string): Promise<string> {
  const dir = path.join(DATA, `${key}-ws-${o.events}-s${o.seed}`);
  const file = path.join(dir, 'marketlens.sqlite');
  if (fs.existsSync(file) && fs.existsSync(path.join(dir, 'ingested'))) return file;
  fs.mkdirSync(DATA, { recursive: true });
  const input = path.join(DATA, `${key}-events-${o.events}-s${o.seed}.ndjson`);
  if (!fs.existsSync(input)) {
    const t0 = performance.now();
    log(`generating ${o.events.toLocaleString('en-US')} ${what} into ${path.relative(process.cwd(), input)} ...`);
    const genModule = fileURLToPath(new URL('./gen-events.ts', import.meta.url));
    const script = `import { writeNdjson } from ${JSON.stringify(genModule)}; await writeNdjson(${JSON.stringify(input + '.tmp')}, ${o.events}, ${JSON.stringify({ seed: o.seed, ...gen })});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('event generation failed');
    fs.renameSync(input + '.tmp', input);
    log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  log(`ingesting into ${path.relative(process.cwd(), file)} ...`);
  const { db, close } = openDatabase(file, { cacheMiB: 1024 });
  const r = await importFile(db, input, { workers: 1 });
  db.pragma('wal_checkpoint(TRUNCATE)');
  close();
  fs.writeFileSync(path.join(dir, 'ingested'), JSON.stringify(r));
  log(`ingested ${r.inserted.toLocaleString('en-US')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

const INPUT_ENV = 'MARKETLENS_BENCH_INPUT';

/**
 * The query a bench child runs, as its parent computed it (deriving it scans the events table, which
 * would count in the child's peak RSS); null when the child was started by hand.
 */
export function parentInput<T>(): T | null {
  const v = process.env[INPUT_ENV];
  return v ? (JSON.parse(v) as T) : null;
}

/** Run the bench module `self` as `--child DBFILE RUNS [IDLE_MS]` with `input` for parentInput(); its last stdout line is the result. */
export function runChild<T>(self: string, dbFile: string, runs: number, idleMs = 0, input: unknown = null): T {
  const r = spawnSync(process.execPath, [self, '--child', dbFile, String(runs), String(idleMs)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, env: { ...process.env, [INPUT_ENV]: JSON.stringify(input) },
  });
  if (r.status !== 0) throw new Error(`benchmark child failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

/** How long the "running app" scenario's worker is up before its first query. */
export const RUNNING_IDLE_MS = 2000;

/** Which worker cache a bench reads: funnels the cache of every event, cohorts and RFM the customer cache. */
export type BenchCache = 'funnel' | 'customers';

export const benchSnapshot = (dbFile: string, which: BenchCache): string => (which === 'funnel' ? snapshotPathFor(dbFile) : snapshotPathFor(dbFile, CUSTOMER_SNAPSHOT_NAME));

/**
 * The Marketlens scenarios: cold without a snapshot (`coldRuns` warm runs after it; only with
 * `o.cold`), then cold with the snapshot on disk followed by `o.runs` warm runs.
 */
export async function coldAndWarm<T>(self: string, dbFile: string, o: CacheBenchOptions, coldRuns: number, which: BenchCache, input: unknown): Promise<{ cold: T | null; warm: T; running: T | null }> {
  const snap = benchSnapshot(dbFile, which);
  let cold: T | null = null;
  if (o.cold) {
    fs.rmSync(snap, { force: true });
    log('Marketlens cold (no snapshot: rebuild from SQLite) ...');
    cold = runChild<T>(self, dbFile, coldRuns, 0, input);
  }
  if (!fs.existsSync(snap)) {
    // the snapshot is written after the first answer; make sure it exists for the next scenario
    const host = new WorkerHost(dbFile);
    await host.run(which === 'funnel' ? 'funnel.cache' : 'customers.cache', { refresh: true, persist: true });
    await host.close();
  }
  log('Marketlens cold with snapshot, then warm runs ...');
  const warm = runChild<T>(self, dbFile, o.runs, 0, input);
  let running: T | null = null;
  if (which === 'customers') {
    log(`Marketlens in a running app (worker up ${RUNNING_IDLE_MS} ms, nothing loaded), first query ...`);
    running = runChild<T>(self, dbFile, 0, RUNNING_IDLE_MS, input);
  }
  return { cold, warm, running };
}

/**
 * DuckDB's copy of the bench workspace: the rows of `select` (run on SQLite; its columns, in order,
 * are `columns`: name -> DuckDB type), exported once to `<key>-duck-<workspace>.csv` in perf/.data and
 * loaded into an in-memory table `events`. Both steps are untimed by the benches (`loadS` reports them).
 */
export async function duckdbEvents(key: string, dbFile: string, select: string, columns: Record<string, string>): Promise<{ con: DuckDBConnection; loadS: number; close(): void; cold(sql: string, runs: number): Promise<number[]> }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const csv = path.join(DATA, `${key}-duck-${path.basename(path.dirname(dbFile))}.csv`);
  const t0 = performance.now();
  if (!fs.existsSync(csv)) {
    const { db, close } = openDatabase(dbFile, { readonly: true });
    const out = fs.openSync(csv + '.tmp', 'w');
    let buf: string[] = [Object.keys(columns).join(',')];
    const esc = (v: unknown): string => (v === null || v === undefined ? '' : typeof v !== 'string' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    for (const r of db.prepare(select).raw().iterate() as Iterable<unknown[]>) {
      buf.push(r.map(esc).join(','));
      if (buf.length >= 100_000) {
        fs.writeSync(out, buf.join('\n') + '\n');
        buf = [];
      }
    }
    fs.writeSync(out, buf.join('\n') + '\n');
    fs.closeSync(out);
    close();
    fs.renameSync(csv + '.tmp', csv);
  }
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const spec = Object.entries(columns).map(([n, t]) => `'${n}': '${t}'`).join(', ');
  await con.run(`CREATE TABLE events AS SELECT * FROM read_csv('${csv.replace(/'/g, "''")}', header = true, columns = {${spec}})`);
  return {
    con, loadS: (performance.now() - t0) / 1000, close: () => { con.closeSync(); inst.closeSync(); },
    cold: async (sql, runs) => duckdbCold(await duckdbFile(csv, spec), sql, runs),
  };
}

/** A DuckDB database file holding the CSV's rows as table `events` (written once, untimed). */
async function duckdbFile(csv: string, spec: string): Promise<string> {
  const file = csv.replace(/\.csv$/, '.duckdb');
  if (fs.existsSync(file)) return file;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  fs.rmSync(file + '.tmp', { force: true });
  const inst = await DuckDBInstance.create(file + '.tmp');
  const con = await inst.connect();
  await con.run(`CREATE TABLE events AS SELECT * FROM read_csv('${csv.replace(/'/g, "''")}', header = true, columns = {${spec}})`);
  await con.run('CHECKPOINT');
  con.closeSync();
  inst.closeSync();
  fs.rmSync(file + '.tmp.wal', { force: true });
  fs.renameSync(file + '.tmp', file);
  return file;
}

/**
 * DuckDB cold, the counterpart of Marketlens' cold start: each run is a fresh Node process that
 * loads DuckDB, opens `file` read-only and runs `sql` once (timed from before the import to the
 * rows). Returns each run's time in ms.
 */
function duckdbCold(file: string, sql: string, runs: number): number[] {
  const api = import.meta.resolve('@duckdb/node-api');
  const script = `const t0 = performance.now();
    const { DuckDBInstance } = await import(${JSON.stringify(api)});
    const inst = await DuckDBInstance.create(${JSON.stringify(file)}, { access_mode: 'READ_ONLY' });
    const con = await inst.connect();
    const rows = (await con.runAndReadAll(${JSON.stringify(sql)})).getRows().length;
    process.stdout.write(JSON.stringify({ ms: performance.now() - t0, rows }) + '\\n');
    con.closeSync(); inst.closeSync();`;
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error('DuckDB cold run failed');
    out.push((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ms: number }).ms);
  }
  return out;
}
