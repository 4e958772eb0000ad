/**
 * Reconciliation benchmark: `npm run bench -- recon [--rows 1000000] [--rate 0.005] [--seed 1] [--no-duckdb]`.
 *
 * Generated (once, untimed, in a child process) a ledger of N captures and a settlement report of
 * about N rows with `rate` discrepancies (perf/gen-recon.ts). Timed:
 * - Marketlens end to end in a worker thread: stream-parse both CSVs (the import's CSV parser and
 *   the adapters), match (the reconciliation engine) and write the report CSV. The main thread's
 *   event loop is sampled meanwhile (its longest stall shows the UI would stay responsive).
 * - DuckDB in its own process, the same job: read both CSVs, full outer join, classify, write the
 *   report (perf/recon-duckdb.ts).
 * Prints seconds, rows/s, peak RSS, the ratio to DuckDB and the status counts (checked against the
 * generator's expected counts for both).
 */
import { peakRssBytes } from './rss.ts';
import { parseArgs as parseFlags } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';

interface Options { rows: number; rate: number; seed: number; duckdb: boolean; keep: boolean }

const DATA = fileURLToPath(new URL('./.data/', import.meta.url));
const DATE = '2025-06-30';

function parseArgs(argv: string[]): Options {
  const { values: v } = parseFlags({
    args: argv,
    strict: true,
    options: {
      rows: { type: 'string', default: '1000000' }, rate: { type: 'string', default: '0.005' }, seed: { type: 'string', default: '1' },
      'no-duckdb': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
    },
  });
  const o: Options = { rows: Math.round(Number(v.rows!.replace(/_/g, ''))), rate: Number(v.rate), seed: Number(v.seed), duckdb: !v['no-duckdb'], keep: v.keep! };
  if (!Number.isSafeInteger(o.rows) || o.rows < 10) throw new Error('--rows must be an integer >= 10');
  if (!(o.rate >= 0 && o.rate <= 0.2)) throw new Error('--rate must be in [0, 0.2]');
  return o;
}

function ensureInputs(o: Options): string {
  fs.mkdirSync(DATA, { recursive: true });
  const base = path.join(DATA, `recon-${o.rows}-r${o.rate}-s${o.seed}`);
  if (fs.existsSync(base + '.expected.json')) return base;
  process.stderr.write(`generating ${o.rows.toLocaleString('en-US')} ledger rows and their settlement report ...\n`);
  const gen = fileURLToPath(new URL('./gen-recon.ts', import.meta.url));
  const script = `import { writeReconInputs } from ${JSON.stringify(gen)}; writeReconInputs(${JSON.stringify(base)}, ${o.rows}, ${o.rate}, ${o.seed}, ${JSON.stringify(DATE)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('input generation failed');
  return base;
}

interface WorkerResult {
  phases: Record<string, number>; ledgerRows: number; settlementRows: number; errors: number; items: number; counts: Record<string, number>; reportBytes: number; heapUsed: number;
}

async function runMarketlens(base: string, out: string): Promise<{ seconds: number; maxStallMs: number; r: WorkerResult; peakRssBytes: number }> {
  let maxStall = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    maxStall = Math.max(maxStall, now - last - 5);
    last = now;
  }, 5);
  const t0 = performance.now();
  const r = await new Promise<WorkerResult>((resolve, reject) => {
    const w = new Worker(new URL('./recon-worker.ts', import.meta.url), {
      workerData: { ledger: base + '.ledger.csv', settlement: base + '.settlement.csv', out, date: DATE }, resourceLimits: { maxYoungGenerationSizeMb: 192 },
    });
    w.once('message', (m: WorkerResult) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(probe);
  return { seconds, maxStallMs: Math.max(0, maxStall), r, peakRssBytes: peakRssBytes() };
}

function runDuckdb(base: string, out: string): { seconds: number; counts: Record<string, number>; peakRssBytes: number } | { error: string } {
  const script = fileURLToPath(new URL('./recon-duckdb.ts', import.meta.url));
  const r = spawnSync(process.execPath, [script, base + '.ledger.csv', base + '.settlement.csv', out], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().slice(0, 500) };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; counts: Record<string, number>; peakRssBytes: number };
}

/** SHA-256 of a text file with CRLF read as LF (DuckDB writes LF, the report CRLF). */
function lfHash(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carryCR = false;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let text = buf.toString('latin1', 0, n);
      if (carryCR) text = '\r' + text;
      carryCR = text.endsWith('\r');
      if (carryCR) text = text.slice(0, -1);
      h.update(text.replace(/\r\n/g, '\n'), 'latin1');
    }
    if (carryCR) h.update('\r', 'latin1');
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

const mb = (b: number): string => `${(b / (1 << 20)).toFixed(0)} MiB`;
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

export async function main(argv: string[]): Promise<void> {
  const o = parseArgs(argv);
  const base = ensureInputs(o);
  const expected = (JSON.parse(fs.readFileSync(base + '.expected.json', 'utf8')) as { expected: Record<string, number> }).expected;
  const out = base + '.report.csv';
  const ml = await runMarketlens(base, out);
  const duckOut = base + '.duckdb-report.csv';
  const duck = o.duckdb ? runDuckdb(base, duckOut) : null;
  const okMl = Object.entries(expected).every(([k, v]) => (ml.r.counts[k] ?? 0) === v);
  const rows: [string, string][] = [
    ['ledger rows / settlement rows', `${fmtInt(ml.r.ledgerRows)} / ${fmtInt(ml.r.settlementRows)}`],
    ['discrepancy rate', `${o.rate * 100}%`],
    ['Marketlens seconds (parse + match + write CSV)', ml.seconds.toFixed(2)],
    ['  phases', Object.entries(ml.r.phases).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')],
    ['Marketlens rows/s (both inputs)', fmtInt((ml.r.ledgerRows + ml.r.settlementRows) / ml.seconds)],
    ['Marketlens peak RSS', mb(ml.peakRssBytes)],
    ['main thread longest stall while matching', `${ml.maxStallMs.toFixed(0)} ms`],
    ['report', `${fmtInt(ml.r.items)} lines, ${mb(ml.r.reportBytes)}`],
    ['status counts (Marketlens)', JSON.stringify(ml.r.counts)],
    ['as generated', `${JSON.stringify(expected)} ${okMl ? 'OK' : 'MISMATCH'}`],
  ];
  let ratio: number | null = null;
  if (duck && 'error' in duck) rows.push(['DuckDB', `failed: ${duck.error}`]);
  else if (duck) {
    ratio = ml.seconds / duck.seconds;
    const okDuck = Object.entries(expected).every(([k, v]) => (duck.counts[k] ?? 0) === v);
    rows.push(['DuckDB seconds (read_csv x2, full outer join, COPY TO csv)', duck.seconds.toFixed(2)]);
    rows.push(['DuckDB peak RSS', mb(duck.peakRssBytes)]);
    rows.push(['status counts (DuckDB)', `${JSON.stringify(duck.counts)} ${okDuck ? 'OK' : 'MISMATCH'}`]);
    rows.push(['Marketlens time / DuckDB time', `${ratio.toFixed(2)}x (target <= 2x)`]);
    const same = lfHash(out) === lfHash(duckOut);
    rows.push(['DuckDB report = Marketlens report (line ends aside)', same ? 'identical' : 'DIFFERENT']);
    (duck as { identical?: boolean }).identical = same;
  }
  rows.push(['peak RSS target', `${ml.peakRssBytes <= 1 << 30 ? 'OK' : 'OVER'} (<= 1 GiB)`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
  process.stdout.write(JSON.stringify({ bench: 'recon', rows: o.rows, rate: o.rate, seconds: ml.seconds, phases: ml.r.phases, peakRssBytes: ml.peakRssBytes, maxStallMs: ml.maxStallMs, counts: ml.r.counts, countsOk: okMl, duckdb: duck, ratio }) + '\n');
  if (!o.keep) for (const f of [out, duckOut]) fs.rmSync(f, { force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
