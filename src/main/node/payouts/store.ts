/**
 * Storage of seller payout reconciliation (migration 0006): settings, runs, lines, tickets with
 * their append-only history, corrective transfers and deductions. Row → API shape mapping lives here.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../db/index.ts';
import type { SettingsStore } from '../services/settings.ts';
import type { ApiArgs } from '../../common/api.ts';
import type {
  DeductionRow, PayoutLineRow, PayoutRunDetail, PayoutRunInfo, PayoutRunInput, PayoutSettings, TicketDetail, TicketEvent, TicketRow, TicketState, TransferRow,
} from '../../common/api-payouts.ts';
import { isIsoWeek, nextIsoWeek, type CurrencyTotals, type PayoutLine, type PayoutResult, type PayoutStatus, type SourceFinding } from '../../../analytics/payouts/engine.ts';
import { isKnownCurrency, parseMinor } from '../../../analytics/money.ts';

const SETTINGS_KEY = 'payouts';
export const DEFAULT_PAYOUT_SETTINGS: Omit<PayoutSettings, 'lastScheduledWeek'> = {
  toleranceMinor: {},
  alertThreshold: { amount: '10000000', currency: 'VND' },
  scheduleEnabled: true,
  runHour: 12,
  runMinute: 0,
  catchUpWeeks: 4,
};

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function getPayoutSettings(db: Database, settings: SettingsStore): PayoutSettings {
  const stored = settings.getInternal<Partial<PayoutSettings>>(SETTINGS_KEY) ?? {};
  const out: Record<string, unknown> = { ...DEFAULT_PAYOUT_SETTINGS };
  for (const k of Object.keys(DEFAULT_PAYOUT_SETTINGS)) if (k in stored) out[k] = (stored as Record<string, unknown>)[k];
  return { ...(out as Omit<PayoutSettings, 'lastScheduledWeek'>), lastScheduledWeek: scheduleWatermark(db) };
}

export function updatePayoutSettings(db: Database, settings: SettingsStore, patch: ApiArgs<'payouts.settings.update'>): PayoutSettings {
  if (patch.alertThreshold) {
    if (!isKnownCurrency(patch.alertThreshold.currency)) throw new Error(`alertThreshold.currency: unknown currency "${patch.alertThreshold.currency}"`);
    parseMinor(patch.alertThreshold.amount, patch.alertThreshold.currency);
  }
  if (patch.toleranceMinor) for (const c of Object.keys(patch.toleranceMinor)) if (!isKnownCurrency(c)) throw new Error(`toleranceMinor: unknown currency "${c}"`);
  const { lastScheduledWeek: _w, ...next } = getPayoutSettings(db, settings);
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  settings.setInternal(SETTINGS_KEY, next);
  return getPayoutSettings(db, settings);
}

export function scheduleWatermark(db: Database): string | null {
  return db.prepare<[], { last_week: string | null }>('SELECT last_week FROM payout_schedule WHERE id = 1').get()?.last_week ?? null;
}
export function setScheduleWatermark(db: Database, week: string, runId: number, at: number): void {
  db.prepare('INSERT INTO payout_schedule (id, last_week, run_id, at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET last_week = excluded.last_week, run_id = excluded.run_id, at = excluded.at')
    .run(week, runId, at);
}

export function putBlob(db: Database, bytes: Uint8Array, now: number): string {
  const sha = sha256(bytes);
  db.prepare('INSERT OR IGNORE INTO payout_blobs (sha256, bytes, content, stored_at) VALUES (?, ?, ?, ?)').run(sha, bytes.byteLength, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), now);
  return sha;
}

// ---- runs

interface RunRow {
  id: number; week: string; trigger: string; actor: string; status: 'running' | 'done' | 'error'; started_at: number; finished_at: number | null; rules_version: string;
  params: string; inputs_sha256: string | null; counts: string | null; totals: string | null; report_sha256: string | null; line_count: number; discrepancy_count: number;
  finding_count: number; alert: number; alert_id: number | null; error: string | null;
}

export function getRunRow(db: Database, runId: number): RunRow {
  const r = db.prepare<[number], RunRow>('SELECT * FROM payout_runs WHERE id = ?').get(runId);
  if (!r) throw new Error(`no payout run ${runId}`);
  return r;
}

function runInfo(r: RunRow): PayoutRunInfo {
  return {
    id: r.id, week: r.week, trigger: r.trigger, actor: r.actor, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, rulesVersion: r.rules_version,
    inputsSha256: r.inputs_sha256, reportSha256: r.report_sha256, lineCount: r.line_count, discrepancyCount: r.discrepancy_count, findingCount: r.finding_count,
    alert: r.alert === 1, error: r.error,
  };
}

export function listRuns(db: Database, a: { week?: string; limit?: number; offset?: number }): { total: number; runs: PayoutRunInfo[] } {
  const where = a.week ? 'WHERE week = ?' : '';
  const p = a.week ? [a.week] : [];
  const total = (db.prepare(`SELECT count(*) AS n FROM payout_runs ${where}`).get(...p) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM payout_runs ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...p, a.limit ?? 50, a.offset ?? 0) as RunRow[];
  return { total, runs: rows.map(runInfo) };
}

export function latestDoneRun(db: Database, week: string): number | null {
  return db.prepare<[string], { id: number }>("SELECT id FROM payout_runs WHERE week = ? AND status = 'done' ORDER BY id DESC LIMIT 1").get(week)?.id ?? null;
}

export function runDetail(db: Database, runId: number): PayoutRunDetail {
  const r = getRunRow(db, runId);
  const inputs = db.prepare<[number], { kind: string; origin: string; sha256: string | null; rows: number; note: string | null }>(
    'SELECT kind, origin, sha256, rows, note FROM payout_run_inputs WHERE run_id = ? ORDER BY seq',
  ).all(runId) as PayoutRunInput[];
  const findings = (db.prepare<[number], { detail: string }>('SELECT detail FROM payout_findings WHERE run_id = ? ORDER BY seq').all(runId)).map((x) => JSON.parse(x.detail) as SourceFinding);
  const counts = r.counts ? (JSON.parse(r.counts) as Record<string, number> & { discrepancyTotal?: PayoutRunDetail['discrepancyTotal'] }) : null;
  const tickets = db.prepare<[number], number>("SELECT DISTINCT ticket_id FROM payout_ticket_events WHERE run_id = ? ORDER BY ticket_id").pluck().all(runId);
  const { discrepancyTotal, ...plainCounts } = counts ?? {};
  return {
    ...runInfo(r), params: JSON.parse(r.params) as Record<string, unknown>, counts: counts ? (plainCounts as Record<string, number>) : null,
    totals: r.totals ? (JSON.parse(r.totals) as CurrencyTotals[]) : [], inputs, findings, discrepancyTotal: discrepancyTotal ?? null, tickets,
  };
}

/** Store a run's lines; `details[i]` is JSON.stringify(lines[i]) when the caller serialised them already (the worker does). */
export function insertLines(db: Database, runId: number, lines: readonly PayoutLine[], details?: readonly string[]): void {
  const st = db.prepare('INSERT INTO payout_lines (run_id, key, seller_id, currency, expected, disbursed, difference, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  lines.forEach((l, i) => st.run(runId, l.key, l.sellerId, l.currency, l.expected, l.disbursed, l.difference, l.status, details?.[i] ?? JSON.stringify(l)));
}

export function linesPage(db: Database, a: ApiArgs<'payouts.lines'>): { total: number; lines: PayoutLineRow[] } {
  const r = getRunRow(db, a.runId);
  const conds = ['l.run_id = ?'];
  const p: unknown[] = [a.runId];
  if (a.filter === 'discrepancies') conds.push("l.status IN ('underpayment', 'overpayment')");
  if (a.q) {
    conds.push('l.seller_id LIKE ?');
    p.push(`%${a.q.replace(/[%_]/g, '')}%`);
  }
  const where = conds.join(' AND ');
  const total = (db.prepare(`SELECT count(*) AS n FROM payout_lines l WHERE ${where}`).get(...p) as { n: number }).n;
  const rows = db.prepare(
    `SELECT l.detail, t.id AS ticket_id FROM payout_lines l LEFT JOIN payout_tickets t ON t.week = ? AND t.seller_id = l.seller_id AND t.currency = l.currency
     WHERE ${where} ORDER BY l.key LIMIT ? OFFSET ?`,
  ).all(r.week, ...p, a.limit ?? 500, a.offset ?? 0) as { detail: string; ticket_id: number | null }[];
  return {
    total,
    lines: rows.map((x) => {
      const l = JSON.parse(x.detail) as PayoutLine;
      return {
        runId: a.runId, key: l.key, sellerId: l.sellerId, currency: l.currency, releases: l.releases, escrow: l.escrow, commission: l.commission, fees: l.fees,
        penalties: l.penalties, deductions: l.deductions, expected: l.expected, disbursed: l.disbursed, eventAmount: l.eventAmount, difference: l.difference,
        status: l.status as PayoutStatus, notes: l.notes, ticketId: x.ticket_id,
      };
    }),
  };
}

// ---- tickets

interface TicketDbRow {
  id: number; week: string; seller_id: string; currency: string; direction: 'underpayment' | 'overpayment'; expected: number; disbursed: number; difference: number;
  run_id: number; state: TicketState; opened_at: number; updated_at: number;
}
interface TransferDbRow {
  id: number; ticket_id: number; seller_id: string; amount: number; currency: string; reason: string; idempotency_key: string; status: TransferRow['status'];
  proposed_at: number; approved_by: string | null; approved_at: number | null; sent_at: number | null; attempts: number; last_error: string | null;
  platform_transfer_id: string | null; transfer_ref: string | null;
}

export function transferOf(r: TransferDbRow): TransferRow {
  return {
    id: r.id, ticketId: r.ticket_id, sellerId: r.seller_id, amount: r.amount, currency: r.currency, reason: r.reason, idempotencyKey: r.idempotency_key, status: r.status,
    proposedAt: r.proposed_at, approvedBy: r.approved_by, approvedAt: r.approved_at, sentAt: r.sent_at, attempts: r.attempts, lastError: r.last_error,
    platformTransferId: r.platform_transfer_id, transferRef: r.transfer_ref,
  };
}

export function getTransfer(db: Database, id: number): TransferRow {
  const r = db.prepare<[number], TransferDbRow>('SELECT * FROM payout_transfers WHERE id = ?').get(id);
  if (!r) throw new Error(`no corrective transfer ${id}`);
  return transferOf(r);
}

export function listTransfers(db: Database, a: { status?: string; limit?: number }): TransferRow[] {
  const where = a.status ? 'WHERE status = ?' : '';
  const p = a.status ? [a.status] : [];
  return (db.prepare(`SELECT * FROM payout_transfers ${where} ORDER BY id DESC LIMIT ?`).all(...p, a.limit ?? 200) as TransferDbRow[]).map(transferOf);
}

/** Deductions with what each later week's latest run applied of them. */
export function deductionRows(db: Database, a: { sellerId?: string; limit?: number; ids?: number[] }): DeductionRow[] {
  const conds: string[] = [];
  const p: unknown[] = [];
  if (a.sellerId) {
    conds.push('seller_id = ?');
    p.push(a.sellerId);
  }
  if (a.ids) {
    conds.push(`id IN (${a.ids.map(() => '?').join(',') || 'NULL'})`);
    p.push(...a.ids);
  }
  const rows = db.prepare(`SELECT * FROM payout_deductions ${conds.length ? 'WHERE ' + conds.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`).all(...p, a.limit ?? 500) as {
    id: number; ticket_id: number; seller_id: string; currency: string; amount: number; origin_week: string; recorded_at: number;
  }[];
  const apps = db.prepare<[number], { run_id: number; week: string; amount: number }>(
    `SELECT a.run_id, a.week, a.amount FROM payout_deduction_applications a
     WHERE a.deduction_id = ? AND a.run_id = (SELECT max(r.id) FROM payout_runs r WHERE r.week = a.week AND r.status = 'done') ORDER BY a.week`,
  );
  const waiver = db.prepare<[number], { from_week: string; note: string; actor: string; waived_at: number }>('SELECT from_week, note, actor, waived_at FROM payout_deduction_waivers WHERE deduction_id = ?');
  return rows.map((r) => {
    const applied = apps.all(r.id).map((x) => ({ runId: x.run_id, week: x.week, amount: x.amount }));
    const w = waiver.get(r.id);
    return {
      id: r.id, ticketId: r.ticket_id, sellerId: r.seller_id, currency: r.currency, amount: r.amount, originWeek: r.origin_week, recordedAt: r.recorded_at, applied,
      outstanding: r.amount - applied.reduce((s, x) => s + x.amount, 0),
      waived: w ? { fromWeek: w.from_week, note: w.note, actor: w.actor, at: w.waived_at } : null,
    };
  });
}

/**
 * Waive deduction `id` from ISO week `fromWeek` on (default: the week after the latest week that has
 * a done payout run, and never before the week after its origin). Throws on an unknown or already
 * waived deduction, a week it could not apply to anyway, or when nothing would change (nothing
 * outstanding, and nothing deducted by runs of that week or later).
 */
export function waiveDeduction(db: Database, a: { id: number; note: string; fromWeek?: string; actor: string; at: number }): { before: DeductionRow; after: DeductionRow } {
  const before = deductionRows(db, { ids: [a.id] })[0];
  if (!before) throw new Error(`no payout deduction #${a.id}`);
  if (before.waived) throw new Error(`deduction #${a.id} was already waived from ${before.waived.fromWeek} by ${before.waived.actor}`);
  const firstApplicable = nextIsoWeek(before.originWeek);
  let from = a.fromWeek;
  if (from === undefined) {
    const last = db.prepare<[], string | null>("SELECT max(week) FROM payout_runs WHERE status = 'done'").pluck().get() ?? null;
    from = last !== null && last >= firstApplicable ? nextIsoWeek(last) : firstApplicable;
  }
  if (!isIsoWeek(from)) throw new Error(`${from} is not an ISO week (YYYY-Www)`);
  if (from < firstApplicable) throw new Error(`deduction #${a.id} of ${before.originWeek} applies from ${firstApplicable} on: waive it from ${firstApplicable} or later`);
  // something must change: an amount still outstanding, or one that runs of `from` or later deducted
  const affected = before.outstanding + before.applied.filter((x) => x.week >= from).reduce((t, x) => t + x.amount, 0);
  if (affected <= 0) {
    const last = before.applied.at(-1)?.week ?? before.originWeek;
    throw new Error(`deduction #${a.id} has nothing outstanding from ${from} on: it was deducted in full by ${last}`);
  }
  db.prepare('INSERT INTO payout_deduction_waivers (deduction_id, from_week, note, actor, waived_at) VALUES (?, ?, ?, ?, ?)').run(a.id, from, a.note.trim(), a.actor, a.at);
  return { before, after: deductionRows(db, { ids: [a.id] })[0]! };
}

/**
 * What is left of every deduction to apply to week `week`: its amount less what the latest done run
 * of each week strictly between its origin week and `week` applied (weeks compare as YYYY-Www).
 */
export function outstandingDeductions(db: Database, week: string): { id: number; sellerId: string; currency: string; amount: number; originWeek: string }[] {
  // a waived deduction is not applied from its waiver's week on
  const rows = db.prepare<[string, string], { id: number; seller_id: string; currency: string; amount: number; origin_week: string }>(
    `SELECT d.id, d.seller_id, d.currency, d.amount, d.origin_week FROM payout_deductions d
     WHERE d.origin_week < ? AND NOT EXISTS (SELECT 1 FROM payout_deduction_waivers w WHERE w.deduction_id = d.id AND w.from_week <= ?)
     ORDER BY d.origin_week, d.id`,
  ).all(week, week);
  const used = db.prepare<[number, string], { s: number | null }>(
    `SELECT sum(a.amount) AS s FROM payout_deduction_applications a
     WHERE a.deduction_id = ? AND a.week < ? AND a.run_id = (SELECT max(r.id) FROM payout_runs r WHERE r.week = a.week AND r.status = 'done')`,
  );
  return rows.map((r) => ({ id: r.id, sellerId: r.seller_id, currency: r.currency, amount: r.amount - (used.get(r.id, week)?.s ?? 0), originWeek: r.origin_week }))
    .filter((d) => d.amount > 0);
}

function ticketOf(db: Database, r: TicketDbRow): TicketRow {
  const tr = db.prepare<[number], TransferDbRow>('SELECT * FROM payout_transfers WHERE ticket_id = ?').get(r.id);
  const dId = db.prepare<[number], { id: number }>('SELECT id FROM payout_deductions WHERE ticket_id = ?').get(r.id)?.id;
  return {
    id: r.id, week: r.week, sellerId: r.seller_id, currency: r.currency, direction: r.direction, expected: r.expected, disbursed: r.disbursed, difference: r.difference,
    runId: r.run_id, state: r.state, openedAt: r.opened_at, updatedAt: r.updated_at, transfer: tr ? transferOf(tr) : null,
    deduction: dId !== undefined ? (deductionRows(db, { ids: [dId] })[0] ?? null) : null,
  };
}

export function getTicketRow(db: Database, id: number): TicketDbRow {
  const r = db.prepare<[number], TicketDbRow>('SELECT * FROM payout_tickets WHERE id = ?').get(id);
  if (!r) throw new Error(`no payout discrepancy ticket ${id}`);
  return r;
}

export function ticketDetail(db: Database, id: number): TicketDetail {
  const r = getTicketRow(db, id);
  const events = db.prepare<[number], { id: number; at: number; actor: string; action: string; from_state: TicketState | null; to_state: TicketState | null; note: string | null; run_id: number | null }>(
    'SELECT * FROM payout_ticket_events WHERE ticket_id = ? ORDER BY id',
  ).all(id).map((e): TicketEvent => ({ id: e.id, at: e.at, actor: e.actor, action: e.action, from: e.from_state, to: e.to_state, note: e.note, runId: e.run_id }));
  return { ...ticketOf(db, r), events };
}

export function listTickets(db: Database, a: ApiArgs<'payouts.tickets'>): { total: number; tickets: TicketRow[] } {
  const conds: string[] = [];
  const p: unknown[] = [];
  if (a.state) {
    conds.push('state = ?');
    p.push(a.state);
  }
  if (a.week) {
    conds.push('week = ?');
    p.push(a.week);
  }
  const where = conds.length ? 'WHERE ' + conds.join(' AND ') : '';
  const total = (db.prepare(`SELECT count(*) AS n FROM payout_tickets ${where}`).get(...p) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM payout_tickets ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...p, a.limit ?? 200, a.offset ?? 0) as TicketDbRow[];
  return { total, tickets: rows.map((r) => ticketOf(db, r)) };
}

export function addTicketEvent(db: Database, e: { ticketId: number; at: number; actor: string; action: string; from: TicketState | null; to: TicketState | null; note: string | null; runId: number | null }): void {
  db.prepare('INSERT INTO payout_ticket_events (ticket_id, at, actor, action, from_state, to_state, note, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(e.ticketId, e.at, e.actor, e.action, e.from, e.to, e.note, e.runId);
}

/** Allowed ticket transitions: open → in_review → resolved; in_review → open; resolved → in_review (reopen). */
export const TRANSITIONS: Readonly<Record<TicketState, readonly TicketState[]>> = { open: ['in_review'], in_review: ['resolved', 'open'], resolved: ['in_review'] };

/** What a done run stored, as the engine's result (lines in key order, findings in order). */
export function storedResult(db: Database, runId: number): { result: PayoutResult; inputsSha256: string } {
  const r = getRunRow(db, runId);
  if (r.status !== 'done' || !r.inputs_sha256) throw new Error(`payout run ${runId} is ${r.status}: no report`);
  const p = JSON.parse(r.params) as { window: { start: number; end: number; from: string; to: string } };
  const lines = db.prepare<[number], { detail: string }>('SELECT detail FROM payout_lines WHERE run_id = ?').all(runId)
    .map((x) => JSON.parse(x.detail) as PayoutLine).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const findings = db.prepare<[number], { detail: string }>('SELECT detail FROM payout_findings WHERE run_id = ? ORDER BY seq').all(runId).map((x) => JSON.parse(x.detail) as SourceFinding);
  const { start, end, from, to } = p.window;
  return {
    result: { week: r.week, window: { start, end, from, to }, lines, findings, totals: r.totals ? (JSON.parse(r.totals) as CurrencyTotals[]) : [] },
    inputsSha256: r.inputs_sha256,
  };
}
