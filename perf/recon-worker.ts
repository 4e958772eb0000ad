/**
 * The Marketlens side of the reconciliation benchmark, in a worker thread (as in the app, the
 * matching runs off the main thread): stream-parse the ledger and the settlement CSV through the
 * import's CSV parser and the adapters, match, and write the report CSV.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readLedgerFile, readSettlementFileInWorker } from '../src/main/node/reconcile/stream.ts';
import { LedgerTable, reconcileTables, writePlanCsv } from '../src/analytics/reconcile/index.ts';

const { ledger, settlement, out, date } = workerData as { ledger: string; settlement: string; out: string; date: string };
const t0 = performance.now();
// the settlement file on a second thread while this one reads the ledger (two cores, as DuckDB uses)
const pending = readSettlementFileInWorker(settlement, { source: 'settlement', date });
const l = readLedgerFile(ledger, { source: 'ledger', date, timezone: 'Asia/Ho_Chi_Minh' });
const t1 = performance.now();
const s = await pending;
const t2 = performance.now();
const plan = reconcileTables({ settlements: s.table, captures: l.table, refunds: new LedgerTable() }, { date, agingDays: 3, toleranceMinor: {} });
const t3 = performance.now();
const fd = openSync(out, 'w');
let bytes = 0;
writePlanCsv(plan, (text) => {
  bytes += writeSync(fd, text);
});
closeSync(fd);
const t4 = performance.now();
const counts: Record<string, number> = {};
for (let k = 0; k < plan.count; k++) {
  const st = plan.item(k).status;
  counts[st] = (counts[st] ?? 0) + 1;
}
parentPort!.postMessage({
  phases: { parseLedger: (t1 - t0) / 1000, parseSettlementWait: (t2 - t1) / 1000, match: (t3 - t2) / 1000, writeReport: (t4 - t3) / 1000 },
  ledgerRows: l.rows, settlementRows: s.rows, errors: l.errors.length + s.errors.length, items: plan.count, counts, reportBytes: bytes,
  heapUsed: process.memoryUsage().heapUsed,
});
