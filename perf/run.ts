/**
 * Benchmark dispatcher for `npm run bench [-- <name>] [options]`.
 * With no name it runs the ingest benchmark at 1M events. Add benchmarks to BENCHES.
 *
 *   npm run bench                         # ingest, 1M events
 *   npm run bench -- ingest --events 10000000 --dup-rate 0.01
 *   npm run bench -- --events 200000      # options without a name go to the default bench
 */
type Bench = { describe: string; run: (argv: string[]) => Promise<void> };

const BENCHES: Record<string, Bench> = {
  ingest: {
    describe: 'generated CloudEvents -> validate -> dedup -> SQLite (+ DuckDB reference)',
    run: async (argv) => (await import('./ingest.ts')).main(argv),
  },
  recon: {
    describe: 'daily reconciliation: 1M settlement rows vs 1M ledger rows (parse, match, write CSV) in a worker vs DuckDB',
    run: async (argv) => (await import('./recon.ts')).main(argv),
  },
  funnel: {
    describe: 'standard funnel by device: Marketlens worker (warm, cold + snapshot, cold rebuild) vs DuckDB; Funnels page long tasks in Chromium',
    run: async (argv) => (await import('./funnel.ts')).main(argv),
  },
  payouts: {
    describe: 'seller payouts: one week of 1M escrow releases for 20k sellers, payouts.run end to end + the daily settlement report',
    run: async (argv) => (await import('./payouts.ts')).main(argv),
  },
  cohorts: {
    describe: 'monthly cohort retention matrix: Marketlens worker (warm, cold + snapshot, cold rebuild) vs DuckDB',
    run: async (argv) => (await import('./cohorts.ts')).main(argv),
  },
  rfm: {
    describe: 'RFM segmentation over ~13 months of events: Marketlens worker (warm, cold + snapshot, cold rebuild) vs DuckDB',
    run: async (argv) => (await import('./rfm.ts')).main(argv),
  },
  live: {
    describe: 'Live page first paint in Chromium on a workspace of --events N (default 1M)',
    run: async (argv) => (await import('./ui.ts')).liveBench(argv),
  },
  sync: {
    describe: 'full sync of the default demo workspace in web mode: progress updates and long tasks in Chromium',
    run: async (argv) => (await import('./ui.ts')).syncBench(argv),
  },
};
const DEFAULT = 'ingest';

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`usage: npm run bench -- [${Object.keys(BENCHES).join('|')}] [options]\n`);
    for (const [name, b] of Object.entries(BENCHES)) process.stdout.write(`  ${name.padEnd(10)} ${b.describe}\n`);
    return;
  }
  if (first === undefined || first.startsWith('-')) return BENCHES[DEFAULT]!.run(argv);
  const bench = BENCHES[first];
  if (!bench) throw new Error(`unknown benchmark "${first}" (known: ${Object.keys(BENCHES).join(', ')})`);
  return bench.run(rest);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
