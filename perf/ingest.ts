/**
 * Ingestion benchmark: generated CloudEvents (JSON text, as off the wire) through the real ingest
 * path (NDJSON import: parse + validate in a worker thread, dedup + raw rows + projections written
 * by the main thread) into a fresh SQLite file; DuckDB ingests the same file as the reference.
 *
 *   node perf/ingest.ts [--events 1000000] [--dup-rate 0.01] [--workers 1] [--chunk-mb 8] [--tx-rows 250000]
 *                       [--cache-mb 2048] [--seed 1] [--no-duckdb] [--keep]
 *
 * The NDJSON input is generated once into perf/.data/ (untimed) and reused.
 *
 * Where the time goes (CPU per event on the shared 2-core dev machine, 1M events; absolute numbers
 * swing ~2x with the other work on the machine, so compare against the DuckDB reference of the
 * same run):
 *   worker thread  ~8 us: JSON.parse ~3, JSON.stringify(data) ~0.7, validateEvent ~0.8 (compiled
 *                  per type; was ~2.3), columnar packing (codes, text join) ~0.8, Latin-1 decode +
 *                  per-line ASCII check ~0.3, GC ~1.5, structured clone out ~0.3 (typed arrays +
 *                  two strings per batch instead of ~20 JS values per event)
 *   main thread    ~7 us: better-sqlite3 parameter binding ~2.5 (N-API, 18 params; 9 of them now
 *                  integer codes), SQLite row + (type, time) index ~1.8, projections ~0.5-1,
 *                  COMMIT / WAL / checkpoint ~1, malloc/copies ~1, dedup ~0.2 (in-memory index,
 *                  no random B-tree: flat from 1M to 10M)
 * Parsing overlaps writing, so throughput is bounded by the slower thread, and both threads share
 * the 2 cores with everything else. Measured side by side with the previous version on a busy
 * machine: 1M median ~115k events/s, 1.9x DuckDB's time (previous: ~74k/s, 2.9x); 10M 67k/s,
 * 2.3x DuckDB (previous ~55k/s): the rate no longer drops from 1M to 10M (the old UNIQUE(id_hash)
 * index dirtied most of its ~200 MiB per transaction). File ~17% smaller (integer codes).
 * The 250k/s target needs <= 8 us of CPU per event across both cores; measured ~15. What is left
 * is mostly fixed per-value cost: JSON.parse, and N-API binding (~140 ns per parameter).
 * Tried and rejected: literal-SQL VALUES instead of binding (slower), JSON-packed rows unpacked by
 * SQLite (json_each / jsonb_each / ->>: slower), larger/smaller multi-row statements (flat),
 * RETURNING (slower than checking `changes`), slicing `data` out of the input text instead of
 * JSON.stringify (a JS scan to prove where the value ends costs more), packing the integer codes
 * into fewer parameters (unpacked in SQL: no measurable gain), one concatenated text per batch
 * when it holds non-Latin-1 text (two-byte strings bind ~2x slower: ASCII and other lines are
 * kept apart). Kept: multi-row INSERT, 16 KiB pages, one (type, time) index, big transactions
 * (--tx-rows), dictionary codes for low-cardinality columns (migration 0004), the in-memory dedup
 * index (src/main/node/ingest/dedup.ts).
 *
 * Second pass (A/B against the previous commit, alternating runs, 1M events, CPU = user + sys of
 * the whole process as /usr/bin/time reports it; wall figures swing +-30% with the other work):
 *   kept   INSERT OR FAIL for the multi-row event_log insert: a plain (OR ABORT) multi-row INSERT
 *          in a transaction keeps a statement journal, copying the table's last page and the
 *          index pages it touches per statement; -0.7 s CPU per 1M (-6%), ~5% faster
 *   kept   projections as multi-row upserts grouped by statement (up to 32 rows, OR FAIL):
 *          projection phase 1.59 -> 1.24, 1.23 -> 0.68, 0.79 -> 0.64 s per 1M in 3 pairs; end to end
 *          within noise (~2%)
 *   kept   NULLs bound as NaN (SQLite stores a NaN double as NULL; better-sqlite3 binds a number
 *          after one type check, a null after five): ~40 ns per NULL parameter, ~7 per row;
 *          CPU median 11.4 -> 10.9 s per 1M
 *   kept   a 96 MB young generation for the parse worker (Worker resourceLimits): ~4% faster,
 *          -0.35 s CPU per 1M; 48 and 192-384 MB were no better
 *   kept   the worker writes ASCII lines' values as Latin-1 bytes into a buffer it transfers
 *          (no join, no structured clone of the text, no strings kept alive across scavenges);
 *          the writer decodes it once: ~2% faster and -0.2 s CPU per 1M (6 of 7 pairs)
 *   kept   the worker counts each chunk's lines (it scans them anyway); the main thread no longer
 *          calls indexOf per line to number rows: -0.3 s CPU per 1M
 *   rejected  dropping the (type, time) index when a bulk import starts on an empty event_log and
 *          building it at the end: CREATE INDEX took 0.68-0.78 s per 1M (PRAGMA threads = 2: no
 *          better) while the load without the index saved only ~0.3-0.4 s: slower end to end
 *   rejected  the text values of a row as one bound string split by substr() in SQL
 *          (INSERT ... SELECT FROM (VALUES ...)): 1.35 vs 1.02-1.09 us per row (micro-benchmark)
 *   rejected  text values bound as Buffer views with CAST(? AS TEXT): no gain (micro-benchmark,
 *          0.94-1.15 vs 0.95-1.12 us per row of 4 texts)
 *   rejected  wal_autocheckpoint 16000 pages instead of 4000: +0.3 s CPU per 1M, not faster
 *   rejected  OR FAIL on the single-row projection upserts alone: no measurable change (a
 *          single-row statement keeps no statement journal; it matters for the multi-row ones)
 * Result (same machine, same hour, 9 alternating pairs, another CPU-bound job on the machine, load
 * 2-4): the version before this pass median 117k events/s (81k-145k), 12.3 s CPU per 1M; now
 * median 146k events/s (81k-164k), 10.6 s CPU (-14%); median ratio within a pair 1.15x. 10M, one
 * run under the same kind of load: 111k events/s (89.9 s). Left: ~10.5 us of CPU per event
 * against the 8 us the target allows; JSON.parse (the largest item of the worker), N-API
 * binding and SQLite's row and index inserts (most of the writer) remain the bulk.
 */
import { peakRssBytes } from './rss.ts';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { openDatabase } from '../src/main/node/db/index.ts';
import { importFile } from '../src/main/node/import/index.ts';

export interface IngestBenchOptions {
  events: number;
  dupRate: number;
  workers: number;
  chunkMb: number;
  seed: number;
  duckdb: boolean;
  keep: boolean;
  cacheMb: number;
  txRows: number;
}

export interface IngestBenchResult {
  bench: 'ingest';
  events: number;
  dupRate: number;
  inserted: number;
  duplicates: number;
  quarantined: number;
  seconds: number;
  eventsPerSec: number;
  fileBytes: number;
  peakRssBytes: number;
  workers: number;
  txRows: number;
  duckdb: { seconds: number; eventsPerSec: number; rows: number; fileBytes: number; ratio: number } | { error: string } | null;
}

const DATA = fileURLToPath(new URL('./.data/', import.meta.url));

export function parseIngestArgs(argv: string[]): IngestBenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string', default: '1000000' }, 'dup-rate': { type: 'string', default: '0.01' }, workers: { type: 'string', default: '1' },
      'chunk-mb': { type: 'string', default: '8' }, seed: { type: 'string', default: '1' }, 'cache-mb': { type: 'string', default: '2048' },
      'tx-rows': { type: 'string', default: '250000' }, 'no-duckdb': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
    },
  });
  const o: IngestBenchOptions = {
    events: Math.round(Number(v.events!.replace(/_/g, ''))), dupRate: Number(v['dup-rate']), workers: Number(v.workers), chunkMb: Number(v['chunk-mb']),
    seed: Number(v.seed), duckdb: !v['no-duckdb'], keep: v.keep!, cacheMb: Number(v['cache-mb']), txRows: Number(v['tx-rows']),
  };
  if (!Number.isSafeInteger(o.events) || o.events < 1) throw new Error('--events must be a positive integer');
  if (!(o.dupRate >= 0 && o.dupRate < 1)) throw new Error('--dup-rate must be in [0, 1)');
  return o;
}

function rmDb(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true, recursive: true });
}

/** Generate (once) the NDJSON input in a child process, so its memory does not count. */
function ensureInput(o: IngestBenchOptions): string {
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `events-${o.events}-s${o.seed}-d${o.dupRate}.ndjson`);
  if (fs.existsSync(file)) return file;
  const t0 = performance.now();
  process.stderr.write(`generating ${o.events.toLocaleString('en-US')} events into ${path.relative(process.cwd(), file)} ...\n`);
  const gen = fileURLToPath(new URL('./gen-events.ts', import.meta.url));
  const script = `import { writeNdjson } from ${JSON.stringify(gen)}; await writeNdjson(${JSON.stringify(file + '.tmp')}, ${o.events}, { seed: ${o.seed}, dupRate: ${o.dupRate} });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('event generation failed');
  fs.renameSync(file + '.tmp', file);
  process.stderr.write(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(fs.statSync(file).size / 1e6).toFixed(0)} MB)\n`);
  return file;
}

async function duckdbIngest(input: string, events: number): Promise<{ seconds: number; rows: number; fileBytes: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const file = path.join(DATA, 'bench-ingest.duckdb');
  rmDb(file);
  fs.rmSync(`${file}.wal`, { force: true });
  const inst = await DuckDBInstance.create(file);
  const con = await inst.connect();
  try {
    await con.run(`CREATE TABLE events (id VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, source VARCHAR NOT NULL, time TIMESTAMPTZ NOT NULL, subject VARCHAR, data JSON NOT NULL)`);
    const t0 = performance.now();
    await con.run(`INSERT OR IGNORE INTO events
      SELECT id, type, source, CAST(time AS TIMESTAMPTZ), subject, data
      FROM read_json(${sqlString(input)}, format = 'newline_delimited', maximum_object_size = 16777216,
        columns = {id: 'VARCHAR', type: 'VARCHAR', source: 'VARCHAR', time: 'VARCHAR', subject: 'VARCHAR', data: 'JSON'})`);
    await con.run('CHECKPOINT');
    const seconds = (performance.now() - t0) / 1000;
    const reader = await con.runAndReadAll('SELECT count(*) FROM events');
    const rows = Number(reader.getRows()[0]![0]);
    void events;
    return { seconds, rows, fileBytes: fs.statSync(file).size };
  } finally {
    con.closeSync();
    inst.closeSync();
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.wal`, { force: true });
  }
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export async function runIngestBench(o: IngestBenchOptions): Promise<IngestBenchResult> {
  const input = ensureInput(o);
  const dbFile = path.join(DATA, 'bench-ingest.db');
  rmDb(dbFile);
  const { db, close } = openDatabase(dbFile, { cacheMiB: o.cacheMb });
  const t0 = performance.now();
  let lastReport = t0;
  const r = await importFile(db, input, {
    workers: o.workers,
    chunkBytes: Math.round(o.chunkMb * (1 << 20)),
    txRows: o.txRows,
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        process.stderr.write(`  ${p.rows.toLocaleString('en-US')} events, ${Math.round(p.rows / ((now - t0) / 1000)).toLocaleString('en-US')}/s\n`);
      }
    },
  });
  db.pragma('wal_checkpoint(TRUNCATE)');
  const seconds = (performance.now() - t0) / 1000;
  close();
  const fileBytes = fs.statSync(dbFile).size;
  const peakRss = peakRssBytes();
  if (!o.keep) rmDb(dbFile);
  let duck: IngestBenchResult['duckdb'] = null;
  if (o.duckdb) {
    try {
      const d = await duckdbIngest(input, o.events);
      duck = { seconds: d.seconds, eventsPerSec: Math.round(o.events / d.seconds), rows: d.rows, fileBytes: d.fileBytes, ratio: seconds / d.seconds };
    } catch (e) {
      duck = { error: (e as Error).message };
    }
  }
  return {
    bench: 'ingest', events: o.events, dupRate: o.dupRate, inserted: r.inserted, duplicates: r.duplicates, quarantined: r.quarantined,
    seconds, eventsPerSec: Math.round(o.events / seconds), fileBytes, peakRssBytes: peakRss, workers: o.workers, txRows: o.txRows, duckdb: duck,
  };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (b: number): string => `${(b / (1 << 20)).toFixed(0)} MiB`;

export function printIngestResult(r: IngestBenchResult): void {
  const rows: [string, string][] = [
    ['events', fmtInt(r.events)],
    ['inserted / duplicates / quarantined', `${fmtInt(r.inserted)} / ${fmtInt(r.duplicates)} / ${fmtInt(r.quarantined)}`],
    ['seconds', r.seconds.toFixed(2)],
    ['events/s', fmtInt(r.eventsPerSec)],
    ['SQLite file size', mb(r.fileBytes)],
    ['peak RSS', mb(r.peakRssBytes)],
  ];
  if (r.duckdb && 'error' in r.duckdb) rows.push(['DuckDB', `failed: ${r.duckdb.error}`]);
  else if (r.duckdb) {
    rows.push(['DuckDB seconds (read_json + INSERT OR IGNORE, id PK)', r.duckdb.seconds.toFixed(2)]);
    rows.push(['DuckDB events/s', fmtInt(r.duckdb.eventsPerSec)]);
    rows.push(['DuckDB rows / file size', `${fmtInt(r.duckdb.rows)} / ${mb(r.duckdb.fileBytes)}`]);
    rows.push(['SQLite time / DuckDB time', `${r.duckdb.ratio.toFixed(2)}x`]);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
  process.stdout.write(JSON.stringify(r) + '\n');
}

export async function main(argv: string[]): Promise<void> {
  const r = await runIngestBench(parseIngestArgs(argv));
  printIngestResult(r);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
