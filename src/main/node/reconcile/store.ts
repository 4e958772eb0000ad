/**
 * Reconciliation storage (migration 0003): input blobs, runs, their inputs and items, the
 * append-only resolutions, the scheduler watermark, and the settings (a JSON value in `settings`).
 */
import { createHash } from 'node:crypto';
import type { Database } from '../db/index.ts';
import type { SettingsStore } from '../services/settings.ts';
import { cyrb53 } from '../ingest/hash.ts';
import { isKnownCurrency, parseMinor } from '../../../analytics/money.ts';
import type { ReconItem, ReconStatus, RecordType, Review, RowError } from '../../../analytics/reconcile/index.ts';
import type { ReconSummary } from '../../../analytics/reconcile/report.ts';
import type {
  ReconItemRow, ReconRunDetail, ReconRunInfo, ReconRunInput, ReconSettings, ResolutionInfo, ResolutionKind,
} from '../../common/api-reconciliation.ts';
import type { ApiArgs } from '../../common/api.ts';

export const RECON_SETTINGS_KEY = 'reconciliation';
export const GATEWAYS = ['vnpay', 'momo', 'stripe', 'adyen', 'paypal'];

export const DEFAULT_RECON_SETTINGS: Omit<ReconSettings, 'lastScheduledDate'> = {
  scheduleEnabled: true,
  runHour: 2,
  runMinute: 0,
  agingDays: 3,
  gateways: GATEWAYS,
  toleranceMinor: {},
  alertThreshold: { amount: '10000000', currency: 'VND' },
  catchUpDays: 7,
  crossCheck: true,
};

export function getReconSettings(db: Database, settings: SettingsStore): ReconSettings {
  const stored = settings.getInternal<Partial<ReconSettings>>(RECON_SETTINGS_KEY) ?? {};
  const out: Record<string, unknown> = { ...DEFAULT_RECON_SETTINGS };
  for (const k of Object.keys(DEFAULT_RECON_SETTINGS)) if (k in stored) out[k] = (stored as Record<string, unknown>)[k];
  return { ...(out as Omit<ReconSettings, 'lastScheduledDate'>), lastScheduledDate: scheduleWatermark(db).lastDate };
}

export function updateReconSettings(db: Database, settings: SettingsStore, patch: ApiArgs<'recon.settings.update'>): ReconSettings {
  if (patch.alertThreshold) {
    const { amount, currency } = patch.alertThreshold;
    if (!isKnownCurrency(currency)) throw new Error(`alertThreshold.currency: unknown currency "${currency}"`);
    parseMinor(amount, currency);
  }
  if (patch.toleranceMinor) for (const c of Object.keys(patch.toleranceMinor)) if (!isKnownCurrency(c)) throw new Error(`toleranceMinor: unknown currency "${c}"`);
  if (patch.gateways && patch.gateways.length === 0) throw new Error('gateways: at least one gateway');
  const current = getReconSettings(db, settings);
  const { lastScheduledDate: _w, ...rest } = current;
  const next = { ...rest };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  settings.setInternal(RECON_SETTINGS_KEY, next);
  return getReconSettings(db, settings);
}

export function thresholdMinor(s: ReconSettings): { minor: number; currency: string } {
  return { minor: parseMinor(s.alertThreshold.amount, s.alertThreshold.currency), currency: s.alertThreshold.currency };
}

// ---- blobs

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function putBlob(db: Database, bytes: Uint8Array, now: number): string {
  const sha = sha256(bytes);
  db.prepare('INSERT OR IGNORE INTO recon_blobs (sha256, bytes, content, stored_at) VALUES (?, ?, ?, ?)').run(sha, bytes.byteLength, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), now);
  return sha;
}

export function getBlob(db: Database, sha: string): Uint8Array | null {
  const r = db.prepare<[string], { content: Buffer }>('SELECT content FROM recon_blobs WHERE sha256 = ?').get(sha);
  return r ? new Uint8Array(r.content) : null;
}

/** The most recent stored settlement input for (gateway, date), e.g. an earlier file import. */
export function latestStoredInput(db: Database, kind: string, gateway: string | null, date: string): { sha256: string; name: string; format: string; origin: string; adapter: string | null } | null {
  return db.prepare<[string, string | null, string], { sha256: string; name: string; format: string; origin: string; adapter: string | null }>(
    `SELECT i.sha256, i.name, i.format, i.origin, i.adapter FROM recon_run_inputs i JOIN recon_runs r ON r.id = i.run_id
     WHERE i.kind = ? AND i.gateway IS ? AND i.business_date = ? AND i.sha256 IS NOT NULL AND r.status = 'done'
     ORDER BY i.run_id DESC, i.seq DESC LIMIT 1`,
  ).get(kind, gateway, date) ?? null;
}

// ---- runs

interface RunRow {
  id: number; business_date: string; trigger: string; actor: string; status: 'running' | 'done' | 'error'; started_at: number; finished_at: number | null;
  rules_version: string; params: string; summary: string | null; report_sha256: string | null; item_count: number; exception_count: number;
  open_discrepancy: number | null; total_currency: string | null; alert_id: number | null; data_watermark: number | null; error: string | null;
}

export function createRun(db: Database, r: { date: string; trigger: string; actor: string; startedAt: number; rulesVersion: string; params: unknown }): number {
  const info = db.prepare('INSERT INTO recon_runs (business_date, trigger, actor, status, started_at, rules_version, params) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(r.date, r.trigger, r.actor, 'running', r.startedAt, r.rulesVersion, JSON.stringify(r.params));
  return Number(info.lastInsertRowid);
}

export function failRun(db: Database, id: number, error: string, at: number): void {
  db.prepare("UPDATE recon_runs SET status = 'error', error = ?, finished_at = ? WHERE id = ?").run(error, at, id);
}

export function finishRun(db: Database, id: number, r: { at: number; summary: ReconSummary; reportSha256: string; itemCount: number; exceptionCount: number; watermark: number | null; alertId: number | null }): void {
  db.prepare(`UPDATE recon_runs SET status = 'done', finished_at = ?, summary = ?, report_sha256 = ?, item_count = ?, exception_count = ?,
    open_discrepancy = ?, total_currency = ?, alert_id = ?, data_watermark = ? WHERE id = ?`).run(
    r.at, JSON.stringify(r.summary), r.reportSha256, r.itemCount, r.exceptionCount, r.summary.openDiscrepancy.minor, r.summary.openDiscrepancy.currency, r.alertId, r.watermark, id,
  );
}

export function insertRunInputs(db: Database, runId: number, inputs: ReconRunInput[]): void {
  const st = db.prepare(`INSERT INTO recon_run_inputs (run_id, seq, kind, gateway, business_date, origin, name, format, adapter, sha256, rows, errors, skipped, note)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    inputs.forEach((i, k) => st.run(runId, k + 1, i.kind, i.gateway, i.date, i.origin, i.name, i.format, i.adapter, i.sha256, i.rows, i.errors, i.skipped, i.note));
  })();
}

export function runInputs(db: Database, runId: number): ReconRunInput[] {
  return db.prepare<[number], Record<string, unknown>>('SELECT * FROM recon_run_inputs WHERE run_id = ? ORDER BY seq').all(runId).map((r) => ({
    kind: r.kind as ReconRunInput['kind'], gateway: r.gateway as string | null, date: r.business_date as string, origin: r.origin as string, name: r.name as string,
    format: r.format as string, adapter: r.adapter as string | null, sha256: r.sha256 as string | null, rows: r.rows as number, errors: r.errors as number,
    skipped: r.skipped as number, note: r.note as string | null,
  }));
}

/** Row errors to the workspace quarantine: origin "settlement:<file>", location "row <n>". */
export function quarantineRows(db: Database, origin: string, errors: readonly RowError[], now: number): number {
  const st = db.prepare(`INSERT OR IGNORE INTO quarantine (origin, location, event_id, event_type, field, reason, raw, raw_hash, quarantined_at)
    VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)`);
  let n = 0;
  db.transaction(() => {
    for (const e of errors) n += st.run(origin, `row ${e.row}`, 'settlement', e.field, e.reason, e.raw, cyrb53(e.raw), now).changes;
  })();
  return n;
}

function runInfo(r: RunRow): ReconRunInfo {
  return {
    id: r.id, date: r.business_date, trigger: r.trigger, actor: r.actor, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at,
    rulesVersion: r.rules_version, reportSha256: r.report_sha256, itemCount: r.item_count, exceptionCount: r.exception_count,
    openDiscrepancy: r.open_discrepancy === null || r.total_currency === null ? null : { minor: r.open_discrepancy, currency: r.total_currency },
    alert: r.alert_id !== null || (r.summary !== null && (JSON.parse(r.summary) as ReconSummary).alert), alertId: r.alert_id, error: r.error,
  };
}

export function listRuns(db: Database, q: { date?: string; limit?: number; offset?: number }): { total: number; runs: ReconRunInfo[] } {
  const where = q.date ? 'WHERE business_date = ?' : '';
  const params = q.date ? [q.date] : [];
  const total = (db.prepare(`SELECT count(*) AS n FROM recon_runs ${where}`).get(...params) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM recon_runs ${where} ORDER BY business_date DESC, id DESC LIMIT ? OFFSET ?`).all(...params, q.limit ?? 50, q.offset ?? 0) as RunRow[];
  return { total, runs: rows.map(runInfo) };
}

export function getRunRow(db: Database, id: number): RunRow {
  const r = db.prepare<[number], RunRow>('SELECT * FROM recon_runs WHERE id = ?').get(id);
  if (!r) throw new Error(`reconciliation run ${id} not found`);
  return r;
}

export function latestDoneRun(db: Database, date: string): number | null {
  return db.prepare<[string], { id: number }>("SELECT id FROM recon_runs WHERE business_date = ? AND status = 'done' ORDER BY id DESC LIMIT 1").get(date)?.id ?? null;
}

export function runDetail(db: Database, id: number, current: ReconSummary | null): ReconRunDetail {
  const r = getRunRow(db, id);
  const inputs = runInputs(db, id);
  const origins = [...new Set(inputs.filter((i) => i.errors > 0).map((i) => `settlement:${i.name}`))];
  const quarantined = origins.length === 0 ? 0 : (db.prepare(`SELECT count(*) AS n FROM quarantine WHERE origin IN (${origins.map(() => '?').join(',')})`).get(...origins) as { n: number }).n;
  return {
    ...runInfo(r), params: JSON.parse(r.params) as Record<string, unknown>, inputs, summary: current, summaryAtRun: r.summary ? (JSON.parse(r.summary) as ReconSummary) : null,
    dataWatermark: r.data_watermark, quarantined,
  };
}

// ---- items

export function fingerprint(it: Pick<ReconItem, 'status' | 'currency' | 'captured' | 'settled' | 'settledCurrency' | 'eventAmount'>): string {
  return [it.status, it.currency, it.captured ?? '', it.settled ?? '', it.settledCurrency ?? '', it.eventAmount ?? ''].join('|');
}

const refText = (r: { source: string; row: number } | null): string | null => (r === null ? null : r.row > 0 ? `${r.source}#${r.row}` : r.source);
const refOf = (t: string | null): { source: string; row: number } | null => {
  if (t === null) return null;
  const i = t.lastIndexOf('#');
  return i > 0 && /^\d+$/.test(t.slice(i + 1)) ? { source: t.slice(0, i), row: Number(t.slice(i + 1)) } : { source: t, row: 0 };
};

export function insertItems(db: Database, runId: number, items: readonly ReconItem[], exceptionAbs: (it: ReconItem) => number, from = 0, count = items.length): void {
  const st = db.prepare(`INSERT INTO recon_items (run_id, seq, record_key, status, review, record_type, gateway, payment_id, order_id, gateway_txn_id, currency,
    captured, settled, settled_currency, discrepancy, event_amount, fee, fee_currency, captured_date, settled_date, age_days, exception_abs, note,
    settlement_ref, ledger_ref, event_ref, fingerprint) VALUES (${new Array(27).fill('?').join(', ')})`);
  db.transaction(() => {
    for (let k = from; k < Math.min(items.length, from + count); k++) {
      const it = items[k]!;
      st.run(runId, k + 1, it.key, it.status, it.review, it.recordType, it.gateway, it.paymentId, it.orderId, it.gatewayTxnId, it.currency,
        it.captured, it.settled, it.settledCurrency, it.discrepancy, it.eventAmount, it.fee, it.feeCurrency, it.capturedDate, it.settledDate, it.ageDays,
        exceptionAbs(it), it.note, refText(it.settlement), refText(it.ledger), refText(it.event), fingerprint(it));
    }
  })();
}

interface ItemDbRow {
  run_id: number; seq: number; record_key: string; status: string; review: string; record_type: string; gateway: string; payment_id: string | null;
  order_id: string | null; gateway_txn_id: string | null; currency: string; captured: number | null; settled: number | null; settled_currency: string | null;
  discrepancy: number | null; event_amount: number | null; fee: number | null; fee_currency: string | null; captured_date: string | null;
  settled_date: string | null; age_days: number | null; exception_abs: number; note: string; settlement_ref: string | null; ledger_ref: string | null;
  event_ref: string | null; fingerprint: string;
  res_id: number | null; res_action: 'resolve' | 'reopen' | null; res_kind: ResolutionKind | null; res_note: string | null; res_matched_to: string | null;
  res_fingerprint: string | null; res_actor: string | null; res_at: number | null; res_run_id: number | null;
}

export function toItem(r: ItemDbRow): ReconItem {
  return {
    key: r.record_key, status: r.status as ReconStatus, review: r.review as Review, recordType: r.record_type as RecordType, gateway: r.gateway,
    paymentId: r.payment_id, orderId: r.order_id, gatewayTxnId: r.gateway_txn_id, currency: r.currency, captured: r.captured, settled: r.settled,
    settledCurrency: r.settled_currency, discrepancy: r.discrepancy, eventAmount: r.event_amount, fee: r.fee, feeCurrency: r.fee_currency,
    capturedDate: r.captured_date, settledDate: r.settled_date, ageDays: r.age_days, note: r.note,
    settlement: refOf(r.settlement_ref), ledger: refOf(r.ledger_ref), event: refOf(r.event_ref),
  };
}

function toRow(r: ItemDbRow): ReconItemRow {
  const resolution: ResolutionInfo | null = r.res_id === null ? null : {
    id: r.res_id, action: r.res_action!, kind: r.res_kind, note: r.res_note ?? '', matchedTo: r.res_matched_to, actor: r.res_actor ?? '', at: r.res_at ?? 0, runId: r.res_run_id ?? 0,
  };
  const applies = resolution?.action === 'resolve' && r.res_fingerprint === r.fingerprint;
  return {
    ...toItem(r), runId: r.run_id, seq: r.seq,
    state: r.review === 'none' && !applies ? 'none' : applies ? 'resolved' : 'open',
    resolution, staleResolution: resolution?.action === 'resolve' && !applies,
  };
}

const ITEM_SELECT = `SELECT i.*, l.id AS res_id, l.action AS res_action, l.kind AS res_kind, l.note AS res_note, l.matched_to AS res_matched_to,
  l.fingerprint AS res_fingerprint, l.actor AS res_actor, l.at AS res_at, l.run_id AS res_run_id
  FROM recon_items i LEFT JOIN recon_resolutions l ON l.id = (SELECT max(id) FROM recon_resolutions x WHERE x.record_key = i.record_key)`;
/** the item's latest resolution applies (false, not NULL, when it has none) */
const RESOLVED = `coalesce(l.action = 'resolve' AND l.fingerprint = i.fingerprint, 0)`;

const SORTS: Record<string, string> = {
  key: 'i.record_key', status: 'i.status', gateway: 'i.gateway', payment_id: 'i.payment_id', discrepancy: 'i.discrepancy',
  abs_discrepancy: 'abs(coalesce(i.discrepancy, i.captured))', captured: 'i.captured', settled: 'i.settled', age: 'i.age_days',
};

export function itemsPage(db: Database, q: ApiArgs<'recon.items'>): { total: number; items: ReconItemRow[] } {
  const where: string[] = ['i.run_id = ?'];
  const params: unknown[] = [q.runId];
  switch (q.queue ?? 'all') {
    case 'exceptions': where.push("i.review = 'exception'"); break;
    case 'pending': where.push("i.review = 'pending'"); break;
    case 'open': where.push(`i.review <> 'none' AND NOT ${RESOLVED}`); break;
    case 'resolved': where.push(RESOLVED); break;
    default: break;
  }
  if (q.status && q.status.length > 0) {
    where.push(`i.status IN (${q.status.map(() => '?').join(', ')})`);
    params.push(...q.status);
  }
  if (q.gateway) { where.push('i.gateway = ?'); params.push(q.gateway); }
  if (q.currency) { where.push('(i.currency = ? OR i.settled_currency = ?)'); params.push(q.currency, q.currency); }
  if (q.q && q.q.trim()) {
    const like = `%${q.q.trim().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    where.push("(i.payment_id LIKE ? ESCAPE '\\' OR i.order_id LIKE ? ESCAPE '\\' OR i.gateway_txn_id LIKE ? ESCAPE '\\' OR i.record_key LIKE ? ESCAPE '\\')");
    params.push(like, like, like, like);
  }
  const w = where.join(' AND ');
  const total = (db.prepare(`SELECT count(*) AS n FROM recon_items i LEFT JOIN recon_resolutions l ON l.id = (SELECT max(id) FROM recon_resolutions x WHERE x.record_key = i.record_key) WHERE ${w}`).get(...params) as { n: number }).n;
  const col = SORTS[q.sort ?? 'key'] ?? 'i.record_key';
  const dir = q.dir === 'desc' ? 'DESC' : 'ASC';
  const rows = db.prepare(`${ITEM_SELECT} WHERE ${w} ORDER BY (${col}) IS NULL, ${col} ${dir}, i.seq LIMIT ? OFFSET ?`).all(...params, q.limit ?? 100, q.offset ?? 0) as ItemDbRow[];
  return { total, items: rows.map(toRow) };
}

export function itemRow(db: Database, runId: number, key: string): ReconItemRow {
  const r = db.prepare(`${ITEM_SELECT} WHERE i.run_id = ? AND i.record_key = ?`).get(runId, key) as ItemDbRow | undefined;
  if (!r) throw new Error(`no item "${key}" in reconciliation run ${runId}`);
  return toRow(r);
}

/** Every item of a run in report order (for the report and the summary). */
export function allItems(db: Database, runId: number): ReconItem[] {
  return (db.prepare('SELECT * FROM recon_items WHERE run_id = ? ORDER BY seq').all(runId) as ItemDbRow[]).map(toItem);
}

/** Keys of the run's items whose resolution applies now, with the resolution. */
export function resolvedKeys(db: Database, runId: number): Map<string, ResolutionInfo> {
  const rows = db.prepare(`${ITEM_SELECT} WHERE i.run_id = ? AND ${RESOLVED}`).all(runId) as ItemDbRow[];
  return new Map(rows.map((r) => [r.record_key, toRow(r).resolution!]));
}

export function history(db: Database, key: string): ResolutionInfo[] {
  return (db.prepare('SELECT * FROM recon_resolutions WHERE record_key = ? ORDER BY id').all(key) as Record<string, unknown>[]).map((r) => ({
    id: r.id as number, action: r.action as 'resolve' | 'reopen', kind: r.kind as ResolutionKind | null, note: r.note as string,
    matchedTo: r.matched_to as string | null, actor: r.actor as string, at: r.at as number, runId: r.run_id as number,
  }));
}

export function otherRuns(db: Database, key: string, runId: number): { runId: number; date: string; status: ReconStatus; review: Review }[] {
  return (db.prepare(`SELECT i.run_id, r.business_date, i.status, i.review FROM recon_items i JOIN recon_runs r ON r.id = i.run_id
    WHERE i.record_key = ? AND i.run_id <> ? ORDER BY i.run_id DESC LIMIT 20`).all(key, runId) as { run_id: number; business_date: string; status: string; review: string }[])
    .map((r) => ({ runId: r.run_id, date: r.business_date, status: r.status as ReconStatus, review: r.review as Review }));
}

export function addResolution(db: Database, r: { key: string; action: 'resolve' | 'reopen'; kind: ResolutionKind | null; note: string; matchedTo: string | null; fingerprint: string | null; runId: number; actor: string; at: number }): number {
  const info = db.prepare('INSERT INTO recon_resolutions (record_key, action, kind, note, matched_to, fingerprint, run_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(r.key, r.action, r.kind, r.note, r.matchedTo, r.fingerprint, r.runId, r.actor, r.at);
  return Number(info.lastInsertRowid);
}

// ---- scheduler watermark

export function scheduleWatermark(db: Database): { lastDate: string | null; lastRunId: number | null } {
  const r = db.prepare<[], { last_date: string | null; last_run_id: number | null }>('SELECT last_date, last_run_id FROM recon_schedule WHERE id = 1').get();
  return { lastDate: r?.last_date ?? null, lastRunId: r?.last_run_id ?? null };
}

export function setScheduleWatermark(db: Database, date: string, runId: number, at: number): void {
  db.prepare(`INSERT INTO recon_schedule (id, last_date, last_run_id, updated_at) VALUES (1, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET last_date = CASE WHEN recon_schedule.last_date IS NULL OR excluded.last_date > recon_schedule.last_date THEN excluded.last_date ELSE recon_schedule.last_date END,
    last_run_id = excluded.last_run_id, updated_at = excluded.updated_at`).run(date, runId, at);
}
