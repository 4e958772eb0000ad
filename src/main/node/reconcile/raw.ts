/**
 * The raw records behind an item, for the side-by-side view: a settlement or ledger row exactly as
 * received (from the stored input blob: the CSV line, the sheet row, the JSON record) or the synced
 * CloudEvent behind a workspace ledger entry.
 */
import type { Database } from '../db/index.ts';
import { getBlob } from './store.ts';
import { csvRows, decodeText, xlsxRows } from './read-file.ts';
import type { Row } from '../../../analytics/reconcile/index.ts';

const cache = new Map<string, Map<number, string>>();
const CACHE_MAX = 8;

async function rowsOf(db: Database, sha: string): Promise<Map<number, string> | null> {
  const hit = cache.get(sha);
  if (hit) return hit;
  const meta = db.prepare<[string], { format: string; kind: string }>('SELECT format, kind FROM recon_run_inputs WHERE sha256 = ? LIMIT 1').get(sha);
  const bytes = getBlob(db, sha);
  if (!meta || !bytes) return null;
  let rows: Row[];
  if (meta.format === 'xlsx') rows = await xlsxRows(bytes);
  else {
    const text = decodeText(bytes, sha);
    if (meta.format === 'json') {
      const j = JSON.parse(text) as { records?: unknown[]; captures?: unknown[] };
      const list = (meta.kind === 'ledger' ? j.captures : j.records) ?? [];
      rows = list.map((x, i) => ({ cells: [], row: i + 1, raw: JSON.stringify(x) }));
    } else rows = csvRows(text);
  }
  const m = new Map(rows.map((r) => [r.row, r.raw]));
  cache.set(sha, m);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return m;
}

function eventJson(db: Database, type: string, time: number, ref: string): string | null {
  const e = db.prepare<[string, number, string], { id: string; type: string; source: string; time: number; subject: string | null; data: string }>(
    'SELECT id, type, source, time, subject, data FROM events WHERE type = ? AND time = ? AND ref = ? LIMIT 1',
  ).get(type, time, ref);
  if (!e) return null;
  return JSON.stringify({ specversion: '1.0', id: e.id, type: e.type, source: e.source, time: new Date(e.time).toISOString(), subject: e.subject ?? undefined, data: JSON.parse(e.data) });
}

/** The raw text for a reference "<sha>#<row>", "payments:<id>" or "refunds:<id>". */
export async function rawFor(db: Database, ref: string | null): Promise<{ raw: string | null; origin: string | null }> {
  if (!ref) return { raw: null, origin: null };
  if (ref.startsWith('payments:')) {
    const id = ref.slice(9);
    const p = db.prepare<[string], { captured_at: number | null }>('SELECT captured_at FROM payments WHERE payment_id = ?').get(id);
    return { raw: p?.captured_at != null ? eventJson(db, 'payment.captured', p.captured_at, id) : null, origin: 'synced payment.captured event' };
  }
  if (ref.startsWith('refunds:')) {
    const id = ref.slice(8);
    const r = db.prepare<[string], { time: number }>('SELECT time FROM refunds WHERE refund_id = ?').get(id);
    return { raw: r ? eventJson(db, 'payment.refunded', r.time, id) : null, origin: 'synced payment.refunded event' };
  }
  const i = ref.lastIndexOf('#');
  if (i <= 0) return { raw: null, origin: null };
  const sha = ref.slice(0, i);
  const row = Number(ref.slice(i + 1));
  const m = await rowsOf(db, sha);
  const input = db.prepare<[string], { origin: string; name: string }>('SELECT origin, name FROM recon_run_inputs WHERE sha256 = ? ORDER BY run_id DESC LIMIT 1').get(sha);
  return { raw: m?.get(row) ?? null, origin: input ? `${input.origin} (${input.name}), row ${row}, sha256 ${sha.slice(0, 12)}…` : null };
}
