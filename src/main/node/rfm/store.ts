/** RFM runs, per-customer rows, the schedule and the push tables in SQLite (migration 0008). */
import type { Database } from '../db/index.ts';
import type {
  RfmCustomerHistory, RfmCustomerRow, RfmMigration, RfmPushInfo, RfmRunDetail, RfmRunInfo, RfmRunParams, RfmSettings, RfmSummary,
} from '../../common/api-rfm.ts';
import { SEGMENTS, type Segment } from '../../../analytics/rfm/segments.ts';

interface RunRow {
  id: number; as_of: string; trigger: string; actor: string; status: RfmRunInfo['status']; started_at: number; finished_at: number | null;
  params: string; watermark_seq: number | null; watermark_time: number | null; watermark_events: number | null; inputs_hash: string | null;
  result_hash: string | null; customers: number | null; summary: string | null; error: string | null;
}

function info(r: RunRow): RfmRunInfo {
  return {
    id: r.id, asOf: r.as_of, trigger: r.trigger, actor: r.actor, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at,
    customers: r.customers, watermark: { seq: r.watermark_seq, time: r.watermark_time, events: r.watermark_events },
    inputsHash: r.inputs_hash, resultHash: r.result_hash, error: r.error,
  };
}

export function getRun(db: Database, id: number): RunRow {
  const r = db.prepare<[number], RunRow>('SELECT * FROM rfm_runs WHERE id = ?').get(id);
  if (!r) throw new Error(`no RFM run ${id}`);
  return r;
}

export function runDetail(db: Database, id: number): RfmRunDetail {
  const r = getRun(db, id);
  return { ...info(r), params: JSON.parse(r.params) as RfmRunParams, summary: r.summary ? (JSON.parse(r.summary) as RfmSummary) : null };
}

export function runInfo(db: Database, id: number): RfmRunInfo {
  return info(getRun(db, id));
}

/** The latest finished run: greatest as-of date, then the newest. */
export function latestRunId(db: Database): number | null {
  return db.prepare<[], number>("SELECT id FROM rfm_runs WHERE status = 'done' ORDER BY as_of DESC, id DESC LIMIT 1").pluck().get() ?? null;
}

export function listRuns(db: Database, limit = 50, offset = 0): { total: number; runs: RfmRunInfo[] } {
  const total = db.prepare<[], number>('SELECT count(*) FROM rfm_runs').pluck().get()!;
  const runs = db.prepare<[number, number], RunRow>('SELECT * FROM rfm_runs ORDER BY id DESC LIMIT ? OFFSET ?').all(limit, offset).map(info);
  return { total, runs };
}

interface CustRow { run_id: number; customer_id: string; last_order_at: number; recency_days: number; frequency: number; monetary: number; r: number; f: number; m: number; segment: string }
const cust = (c: CustRow): RfmCustomerRow => ({
  runId: c.run_id, customerId: c.customer_id, lastOrderAt: c.last_order_at, recencyDays: c.recency_days, frequency: c.frequency,
  monetary: c.monetary, r: c.r, f: c.f, m: c.m, segment: c.segment as Segment,
});

export interface CustomerQuery { runId: number; segment?: Segment; r?: number; f?: number; q?: string; sort?: 'customer' | 'recency' | 'frequency' | 'monetary'; dir?: 'asc' | 'desc'; limit?: number; offset?: number }

export function customersPage(db: Database, a: CustomerQuery): { total: number; rows: RfmCustomerRow[] } {
  const where = ['run_id = ?'];
  const params: (string | number)[] = [a.runId];
  if (a.segment) { where.push('segment = ?'); params.push(a.segment); }
  if (a.r) { where.push('r = ?'); params.push(a.r); }
  if (a.f) { where.push('f = ?'); params.push(a.f); }
  if (a.q) { where.push("customer_id LIKE ? ESCAPE '\\'"); params.push('%' + a.q.replace(/[\\%_]/g, (c) => '\\' + c) + '%'); }
  const col = { customer: 'customer_id', recency: 'recency_days', frequency: 'frequency', monetary: 'monetary' }[a.sort ?? 'customer'];
  const dir = a.dir === 'desc' ? 'DESC' : 'ASC';
  const w = where.join(' AND ');
  const total = db.prepare<(string | number)[], number>(`SELECT count(*) FROM rfm_customers WHERE ${w}`).pluck().get(...params)!;
  const rows = a.limit === undefined && a.offset === undefined
    ? db.prepare<(string | number)[], CustRow>(`SELECT * FROM rfm_customers WHERE ${w} ORDER BY ${col} ${dir}, customer_id`).all(...params)
    : db.prepare<(string | number)[], CustRow>(`SELECT * FROM rfm_customers WHERE ${w} ORDER BY ${col} ${dir}, customer_id LIMIT ? OFFSET ?`).all(...params, a.limit ?? 100, a.offset ?? 0);
  return { total, rows: rows.map(cust) };
}

export function customerHistory(db: Database, customerId: string): RfmCustomerHistory {
  const history = db.prepare<[string], CustRow & { as_of: string }>(
    `SELECT c.*, r.as_of FROM rfm_customers c JOIN rfm_runs r ON r.id = c.run_id WHERE c.customer_id = ? AND r.status = 'done' ORDER BY r.as_of DESC, r.id DESC LIMIT 200`,
  ).all(customerId).map((c) => ({ ...cust(c), asOf: c.as_of }));
  const p = db.prepare<[string], { segment: string; run_id: number; push_id: number; pushed_at: number }>('SELECT segment, run_id, push_id, pushed_at FROM rfm_push_state WHERE customer_id = ?').get(customerId);
  return { customerId, history, pushed: p ? { segment: p.segment, runId: p.run_id, pushId: p.push_id, pushedAt: p.pushed_at } : null };
}

export const NOT_IN_RUN = 'Not in run';

export function migration(db: Database, fromRunId: number, toRunId: number): RfmMigration {
  const from = runInfo(db, fromRunId);
  const to = runInfo(db, toRunId);
  for (const r of [from, to]) if (r.status !== 'done') throw new Error(`RFM run ${r.id} is ${r.status}`);
  const labels = [...SEGMENTS, NOT_IN_RUN];
  const idx = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  const rows = db.prepare<[number, number, number, number], { a: string | null; b: string | null; n: number }>(
    `WITH a AS (SELECT customer_id, segment FROM rfm_customers WHERE run_id = ?), b AS (SELECT customer_id, segment FROM rfm_customers WHERE run_id = ?)
     SELECT a.segment AS a, b.segment AS b, count(*) AS n FROM a LEFT JOIN b USING (customer_id) GROUP BY 1, 2
     UNION ALL
     SELECT NULL, b.segment, count(*) FROM (SELECT customer_id, segment FROM rfm_customers WHERE run_id = ?) b
       WHERE b.customer_id NOT IN (SELECT customer_id FROM rfm_customers WHERE run_id = ?) GROUP BY 2`,
  ).all(fromRunId, toRunId, toRunId, fromRunId);
  let moved = 0;
  for (const r of rows) {
    const i = idx.get(r.a ?? NOT_IN_RUN)!;
    const j = idx.get(r.b ?? NOT_IN_RUN)!;
    matrix[i]![j]! += r.n;
    if (i !== j) moved += r.n;
  }
  return { from, to, labels, matrix, moved };
}

// ---- schedule

interface SchedRow { enabled: number; weekday: number; hour: number; minute: number; auto_push: number; last_week: string | null; last_run_id: number | null }

export function getSettings(db: Database): RfmSettings {
  const r = db.prepare<[], SchedRow>('SELECT * FROM rfm_schedule WHERE id = 1').get()!;
  return { enabled: r.enabled === 1, weekday: r.weekday, hour: r.hour, minute: r.minute, autoPush: r.auto_push === 1, lastWeek: r.last_week, lastRunId: r.last_run_id };
}

export function updateSettings(db: Database, p: Partial<Pick<RfmSettings, 'enabled' | 'weekday' | 'hour' | 'minute' | 'autoPush'>>, at: number): RfmSettings {
  const cur = getSettings(db);
  const n = { ...cur, ...p };
  db.prepare('UPDATE rfm_schedule SET enabled = ?, weekday = ?, hour = ?, minute = ?, auto_push = ?, updated_at = ? WHERE id = 1').run(
    n.enabled ? 1 : 0, n.weekday, n.hour, n.minute, n.autoPush ? 1 : 0, at,
  );
  return getSettings(db);
}

export function setScheduleWatermark(db: Database, week: string, runId: number, at: number): void {
  db.prepare('UPDATE rfm_schedule SET last_week = ?, last_run_id = ?, updated_at = ? WHERE id = 1').run(week, runId, at);
}

// ---- pushes

interface PushRow {
  id: number; run_id: number; platform_url: string; actor: string; status: RfmPushInfo['status']; started_at: number; finished_at: number | null;
  changes: number; batches: number; sent_batches: number; attempts: number; error: string | null;
}
export const pushInfo = (r: PushRow): RfmPushInfo => ({
  id: r.id, runId: r.run_id, platformUrl: r.platform_url, actor: r.actor, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at,
  changes: r.changes, batches: r.batches, sentBatches: r.sent_batches, attempts: r.attempts, error: r.error,
});

export function getPush(db: Database, id: number): RfmPushInfo {
  const r = db.prepare<[number], PushRow>('SELECT * FROM rfm_pushes WHERE id = ?').get(id);
  if (!r) throw new Error(`no RFM push ${id}`);
  return pushInfo(r);
}

export function listPushes(db: Database, limit = 50): RfmPushInfo[] {
  return db.prepare<[number], PushRow>('SELECT * FROM rfm_pushes ORDER BY id DESC LIMIT ?').all(limit).map(pushInfo);
}

/** Pushes that did not finish (failed or interrupted), oldest first. */
export function unfinishedPushes(db: Database): RfmPushInfo[] {
  return db.prepare<[], PushRow>("SELECT * FROM rfm_pushes WHERE status != 'done' ORDER BY id").all().map(pushInfo);
}

/** Customers of `runId` whose segment differs from the last pushed state (or were never pushed), by customer id. */
export function changedCustomers(db: Database, runId: number): { customerId: string; from: string | null; to: string }[] {
  return db.prepare<[number], { customer_id: string; from_segment: string | null; segment: string }>(
    `SELECT c.customer_id, s.segment AS from_segment, c.segment FROM rfm_customers c LEFT JOIN rfm_push_state s ON s.customer_id = c.customer_id
     WHERE c.run_id = ? AND (s.segment IS NULL OR s.segment != c.segment) ORDER BY c.customer_id`,
  ).all(runId).map((r) => ({ customerId: r.customer_id, from: r.from_segment, to: r.segment }));
}
