import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenDatabase } from '../../../src/main/node/db/index.ts';
import { createEventGenerator } from '../../../perf/gen-events.ts';
import type { CloudEvent } from '../../../src/contract/events.ts';

export function tempDir(prefix = 'marketlens-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function freshDb(dir = tempDir()): OpenDatabase & { file: string; dir: string } {
  const file = path.join(dir, 'workspace.db');
  return { ...openDatabase(file), file, dir };
}

export function makeEvents(n: number, seed = 1): CloudEvent[] {
  const g = createEventGenerator({ seed });
  return Array.from({ length: n }, () => g.next());
}

export function count(db: OpenDatabase['db'], table: string, where = ''): number {
  return db.prepare(`SELECT count(*) FROM ${table} ${where}`).pluck().get() as number;
}

/** Every projection table with a stable ordering, for equality checks. */
export const PROJECTIONS: Record<string, string> = {
  orders: 'order_id',
  order_items: 'order_id, item_no',
  order_lines: 'order_id, line_id',
  tax_lines: 'order_id, line_no',
  payments: 'payment_id',
  refunds: 'refund_id',
  customers: 'user_id',
  escrow_releases: 'escrow_id',
  seller_penalties: 'penalty_id',
  payout_disbursements: 'disbursement_id',
};

export function dumpProjections(db: OpenDatabase['db']): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [t, order] of Object.entries(PROJECTIONS)) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY ${order}`).all();
  return out;
}
