/**
 * Large settlement and ledger files, streamed: the file is read in chunks through the import's CSV
 * parser and handed to the adapter in batches (header + rows), so only the normalized records stay
 * in memory, never the whole text or every row's cells.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import { createCsvParser } from '../import/csv.ts';
import { adapterById, detectAdapter, LedgerTable, parseLedgerRows, SettlementTable, type PackedSettlements, type Row, type RowError } from '../../../analytics/reconcile/index.ts';

/** Call `onBatch(header, rows)` for every `batchRows` rows of a CSV file. */
export function streamCsvRows(path: string, onBatch: (header: Row, rows: Row[]) => void, batchRows = 2_000, chunkBytes = 256 << 10): void {
  const fd = openSync(path, 'r');
  const decoder = new TextDecoder('utf-8');
  let header: Row | null = null;
  let batch: Row[] = [];
  const parser = createCsvParser((r) => {
    const row: Row = { cells: r.fields, row: r.line, raw: r.raw };
    if (!header) {
      header = row;
      return;
    }
    batch.push(row);
    if (batch.length >= batchRows) {
      onBatch(header, batch);
      batch = [];
    }
  });
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    // ASCII chunks (the common case) become one-byte strings directly; the UTF-8 decoder takes over
    // from the first chunk that is not, and keeps its state across chunk boundaries from then on
    let utf8 = false;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      const bytes = buf.subarray(0, n);
      if (!utf8 && isAscii(bytes)) parser.push(bytes.toString('latin1'));
      else {
        utf8 = true;
        parser.push(decoder.decode(bytes, { stream: true }));
      }
    }
    const tail = decoder.decode();
    if (tail) parser.push(tail);
    parser.end();
    if (header && batch.length > 0) onBatch(header, batch);
  } finally {
    closeSync(fd);
  }
}

export interface StreamedSettlements { adapter: string; table: SettlementTable; errors: RowError[]; rows: number; skipped: number }

/** A settlement file (any adapter but PayPal STL, whose sections need the whole file) in batches, into a columnar table. */
export function readSettlementFile(path: string, ctx: { source: string; date: string; gateway?: string | null }): StreamedSettlements {
  const out: StreamedSettlements = { adapter: '', table: new SettlementTable(), errors: [], rows: 0, skipped: 0 };
  streamCsvRows(path, (header, rows) => {
    const a = out.adapter ? adapterById(out.adapter)! : detectAdapter([header]);
    if (!a || a.id === 'paypal') throw new Error(`${path}: not a settlement format that can be streamed (header "${header.cells.slice(0, 6).join(',')}")`);
    out.adapter = a.id;
    const r = a.parse([header, ...rows], ctx);
    for (const x of r.records) out.table.push(x);
    for (const e of r.errors) out.errors.push(e);
    out.rows += r.rows;
    out.skipped += r.skipped;
  });
  return out;
}

export function readLedgerFile(path: string, ctx: { source: string; date: string; timezone: string }): { table: LedgerTable; errors: RowError[]; rows: number } {
  const out = { table: new LedgerTable(), errors: [] as RowError[], rows: 0 };
  streamCsvRows(path, (header, rows) => {
    const r = parseLedgerRows([header, ...rows], ctx);
    for (const x of r.entries) out.table.push(x);
    for (const e of r.errors) out.errors.push(e);
    out.rows += r.rows;
  });
  return out;
}

/** readSettlementFile on another thread (parse-worker.ts): the caller reads the ledger meanwhile. */
export function readSettlementFileInWorker(path: string, ctx: { source: string; date: string; gateway?: string | null }, youngGenMb = 192): Promise<StreamedSettlements> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./parse-worker.ts', import.meta.url), { workerData: { path, ctx }, resourceLimits: { maxYoungGenerationSizeMb: youngGenMb } });
    w.once('message', (m: { ok: true; adapter: string; rows: number; skipped: number; errors: RowError[]; packed: PackedSettlements } | { ok: false; error: string }) => {
      if (!m.ok) reject(new Error(m.error));
      else resolve({ adapter: m.adapter, rows: m.rows, skipped: m.skipped, errors: m.errors, table: SettlementTable.unpack(m.packed) });
      void w.terminate();
    });
    w.once('error', reject);
  });
}
