/**
 * A worker thread that reads one settlement file into a columnar table and sends it back packed
 * (typed arrays transferred, ids as one string), so a large run parses the settlement file and the
 * ledger on two cores at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readSettlementFile } from './stream.ts';
import { SettlementTable } from '../../../analytics/reconcile/index.ts';

const { path, ctx } = workerData as { path: string; ctx: { source: string; date: string; gateway?: string | null } };
try {
  const r = readSettlementFile(path, ctx);
  const packed = r.table.pack();
  parentPort!.postMessage({ ok: true, adapter: r.adapter, rows: r.rows, skipped: r.skipped, errors: r.errors, packed }, SettlementTable.transferList(packed));
} catch (e) {
  parentPort!.postMessage({ ok: false, error: (e as Error).message });
}
