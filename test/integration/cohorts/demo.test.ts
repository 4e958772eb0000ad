/**
 * Cohorts end to end on a demo workspace synced from the demo platform (real HTTP, the real sync
 * engine, services and analytics worker): the engine equals the plain-SQL reference exactly (sizes,
 * active customers "on" and "on or after", orders, GMV per currency, with refunded orders counted or
 * not), incomplete periods, breakdowns, drill-down, saved segments, exports, stored and scheduled
 * runs, their comparison, and the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type OpenDatabase } from '../../../src/main/node/db/index.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { convertMinor } from '../../../src/analytics/money.ts';
import { zonedToUtc } from '../../../src/analytics/calendar.ts';
import { run as cli } from '../../../src/main/node/cli/main.ts';
import { referenceCohorts, type RefCohorts } from '../../reference/cohorts.sql.ts';
import { cohortWorkspace, TZ, type CohortWorkspace } from './helpers.ts';
import type { CohortResult } from '../../../src/analytics/cohorts/types.ts';
import { createCohortHandlers } from '../../../src/main/node/services/cohorts.ts';
import { SettingsStore } from '../../../src/main/node/services/settings.ts';
import { PushBus } from '../../../src/main/node/services/push-bus.ts';
import { WorkerHost } from '../../../src/main/node/worker/host.ts';
import type { ServiceContext } from '../../../src/main/node/services/context.ts';

const FROM = '2025-12';
const TO = '2026-03';
let ws: CohortWorkspace;
let call: ReturnType<typeof directClient>;
let ro: OpenDatabase;

beforeAll(async () => {
  ws = await cohortWorkspace(7);
  call = directClient(ws.services.handlers);
  ro = openDatabase(ws.services.dbFile);
}, 120_000);
afterAll(async () => {
  ro?.close();
  await ws?.close();
});

function expectEqualsReference(r: CohortResult, ref: RefCohorts): void {
  expect(Object.fromEntries(r.matrix.rows.map((x) => [x.key, x.size]))).toEqual(ref.sizes);
  for (const row of r.matrix.rows) {
    const k = row.cells.length;
    const want = (m: Record<string, number[]>) => Array.from({ length: k }, (_, i) => m[row.key]?.[i] ?? 0);
    expect(row.cells.map((c) => c.active), `${row.key} ${r.query.mode}`).toEqual(want(r.query.mode === 'on' ? ref.on : ref.onOrAfter));
    expect(row.cells.map((c) => c.activeOn)).toEqual(want(ref.on));
    expect(row.cells.map((c) => c.orders)).toEqual(want(ref.orders));
    const rates = { ...r.fx.rates };
    expect(row.cells.map((c) => c.gmvMinor)).toEqual(row.cells.map((c) => {
      const per = ref.gmv[row.key]?.[c.offset] ?? {};
      return Object.entries(per).reduce((a, [cur, minor]) => a + (cur === r.fx.reportingCurrency ? minor : convertMinor(minor, cur, r.fx.reportingCurrency, rates[cur]!)), 0);
    }));
  }
}

describe('cohort retention on the demo workspace', () => {
  it('equals the plain-SQL reference exactly: on / on or after, refunded orders counted or not', async () => {
    const asOf = ws.clock.now();
    for (const includeRefunded of [true, false]) {
      const ref = referenceCohorts(ro.db, { from: FROM, to: TO, offsetMs: 7 * 3_600_000, includeRefunded, asOf });
      expect(Object.keys(ref.sizes)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03']);
      for (const mode of ['on', 'on_or_after'] as const) {
        const r = await call('cohort.run', { from: FROM, to: TO, mode, includeRefunded });
        expect(r.query.acquisition).toBe('registration');
        expectEqualsReference(r, ref);
      }
    }
    // the demo has refunds of completed orders, so the setting matters
    const withR = await call('cohort.run', { from: FROM, to: TO, includeRefunded: true });
    const without = await call('cohort.run', { from: FROM, to: TO, includeRefunded: false });
    expect(without.orders.refundedExcluded).toBeGreaterThan(0);
    expect(without.orders.counted).toBe(withR.orders.counted - without.orders.refundedExcluded);
  });

  it('first-order acquisition equals the reference too', async () => {
    const ref = referenceCohorts(ro.db, { from: FROM, to: TO, offsetMs: 7 * 3_600_000, includeRefunded: true, asOf: ws.clock.now(), acquisition: 'first_order' });
    const r = await call('cohort.run', { from: FROM, to: TO, acquisition: 'first_order' });
    expectEqualsReference(r, ref);
    // by definition everyone is active in their first period
    for (const row of r.matrix.rows) expect(row.cells[0]!.active).toBe(row.size);
  });

  it('marks the current month incomplete; milestones and averages use complete periods only', async () => {
    const r = await call('cohort.run', { from: FROM, to: TO });
    const last = r.matrix.rows.map((row) => row.cells.at(-1)!);
    expect(last.every((c) => c.incomplete)).toBe(true);
    expect(r.matrix.rows.flatMap((row) => row.cells.slice(0, -1)).every((c) => !c.incomplete)).toBe(true);
    const dec = r.matrix.rows[0]!;
    expect(dec.milestones['1']).toBe(dec.cells[1]!.pct);
    expect(dec.milestones['3']).toBeNull(); // Dec + 3 = March: incomplete
    const k1 = r.matrix.rows.filter((row) => row.cells[1] && !row.cells[1].incomplete);
    expect(r.matrix.averages[1]!.pct).toBe(k1.reduce((a, row) => a + row.cells[1]!.active, 0) / k1.reduce((a, row) => a + row.size, 0));
    expect(r.matrix.milestones['1']).toBe(r.matrix.averages[1]!.pct);
  });

  it('breakdown by acquisition source partitions every cohort', async () => {
    const r = await call('cohort.run', { from: FROM, to: TO, breakdown: 'source' });
    expect(r.breakdown!.values.length).toBeGreaterThan(1);
    r.matrix.rows.forEach((row, i) => {
      expect(r.breakdown!.values.reduce((a, v) => a + v.matrix.rows[i]!.size, 0)).toBe(row.size);
      row.cells.forEach((c, k) => expect(r.breakdown!.values.reduce((a, v) => a + v.matrix.rows[i]!.cells[k]!.active, 0)).toBe(c.active));
    });
    // a breakdown value's cell drills down to its own customers, whose registration carries that source
    const v = r.breakdown!.values[0]!;
    const page = await call('cohort.customers', { from: FROM, to: TO, breakdown: 'source', value: v.value, cohort: FROM, offset: 0, limit: 1000 });
    expect(page.total).toBe(v.matrix.rows[0]!.cells[0]!.active);
    expect(page.rows.every((c) => c.source === v.value)).toBe(true);
  });

  it('weekly cohorts cover the ISO weeks whose Monday falls in the months', async () => {
    const r = await call('cohort.run', { from: '2026-01', to: '2026-02', granularity: 'week' });
    expect(r.matrix.rows[0]!.key).toBe('2026-W02');
    expect(r.matrix.rows.at(-1)!.key).toBe('2026-W09');
    const start = zonedToUtc(2026, 1, 5, 0, 0, TZ), end = zonedToUtc(2026, 3, 2, 0, 0, TZ);
    const regs = ro.db.prepare("SELECT count(DISTINCT user_id) FROM events WHERE type = 'user.registered' AND time >= ? AND time < ?").pluck().get(start, end);
    expect(r.matrix.rows.reduce((a, x) => a + x.size, 0)).toBe(regs);
    expect(r.milestoneLabels['1']).toBe('W1');
  });

  it('drill-down lists a cell\'s customers; a cell saves as a named segment', async () => {
    const r = await call('cohort.run', { from: FROM, to: TO });
    const cell = r.matrix.rows[0]!.cells[1]!;
    const page = await call('cohort.customers', { from: FROM, to: TO, cohort: FROM, offset: 1, limit: 5 });
    expect(page.total).toBe(cell.active);
    expect(page.rows.length).toBe(Math.min(5, cell.active));
    expect(page.rows.every((c) => c.orders >= 1)).toBe(true);
    const next = await call('cohort.customers', { from: FROM, to: TO, cohort: FROM, offset: 1, limit: 5, offsetRows: 5 });
    expect(next.rows[0]!.userId > page.rows.at(-1)!.userId).toBe(true);
    const seg = await call('cohort.saveSegment', { from: FROM, to: TO, cohort: FROM, offset: 1, name: 'Dec cohort active in M1' });
    expect(seg.size).toBe(cell.active);
    expect((await call('segment.list', undefined)).map((s) => s.name)).toContain('Dec cohort active in M1');
    const members = await call('segment.members', { id: seg.id, limit: 1000 });
    expect(members.userIds.length).toBe(cell.active);
    await expect(call('cohort.saveSegment', { from: FROM, to: TO, cohort: FROM, offset: 1, name: 'dec COHORT active in m1' })).rejects.toThrow(/already exists/);
    expect(await call('segment.delete', { id: seg.id })).toEqual({ deleted: true });
  });

  it('exports the matrix as CSV and as XLSX with a heatmap-coloured sheet and the FX rates', async () => {
    const csv = await call('cohort.export', { from: FROM, to: TO, format: 'csv' });
    const text = Buffer.from(csv.base64, 'base64').toString('utf8');
    expect(text.split('\r\n')[0]).toContain('cohort,cohort_start_utc,cohort_size,offset');
    const r = await call('cohort.run', { from: FROM, to: TO });
    expect(text.trim().split('\r\n').length - 1).toBe(r.matrix.rows.reduce((a, row) => a + row.cells.length, 0));
    const x = await call('cohort.export', { from: FROM, to: TO, format: 'xlsx' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(x.base64, 'base64') as unknown as ArrayBuffer);
    const heat = wb.getWorksheet('Retention heatmap')!;
    expect(heat.getCell(2, 1).value).toBe(FROM);
    expect(heat.getCell(2, 2).value).toBe(r.matrix.rows[0]!.size);
    expect(heat.getCell(2, 4).value).toBe(r.matrix.rows[0]!.cells[1]!.pct);
    expect((heat.getCell(2, 4).fill as ExcelJS.FillPattern).fgColor?.argb).toMatch(/^FF[0-9A-F]{6}$/);
    expect(String(heat.getCell(5, 3).value)).toMatch(/incomplete/); // March cohort, M0
    const fx = wb.getWorksheet('FX rates')!;
    expect(fx.getCell(1, 3).value).toBe('rate into VND');
    const cust = await call('cohort.export', { from: FROM, to: TO, format: 'csv', table: 'customers', cohort: FROM, offset: 1 });
    expect(Buffer.from(cust.base64, 'base64').toString('utf8').trim().split('\r\n').length - 1).toBe(r.matrix.rows[0]!.cells[1]!.active);
  });

  it('stores every run with its inputs; the scheduled run is idempotent and runs compare', async () => {
    const before = await call('cohort.runs', {});
    expect(before.total).toBeGreaterThan(0);
    const s1 = await call('cohort.runScheduled', {});
    const s2 = await call('cohort.runScheduled', { now: ws.clock.now() + 60_000 });
    expect(s2.id).toBe(s1.id); // same month, same data: the same stored run
    const a = await call('cohort.run', { from: FROM, to: TO });
    ws.clock.advance(1000);
    const b = await call('cohort.run', { from: FROM, to: TO });
    expect(b.runId).toBe(a.runId);
    expect(s1.scheduleMonth).toBe('2026-03');
    expect(s1.params).toMatchObject({ from: '2025-03', to: '2026-02', granularity: 'month', timezone: TZ });
    expect(s1.inputHash).toMatch(/^[0-9a-f]{64}$/);
    const monthly = before.rows.find((x) => x.params.granularity === 'month' && x.params.from === FROM && x.params.mode === 'on' && x.params.breakdown === null && x.params.acquisition === 'registration' && x.params.includeRefunded === true)!;
    const cmp = await call('cohort.compare', { run: s1.id, against: monthly.id });
    expect(cmp.against!.id).toBe(monthly.id);
    const dec = cmp.cohorts.find((c) => c.key === '2025-12')!;
    // same data and definition for that cohort: no change
    expect(dec.size).toBe(dec.sizeBefore);
    expect(dec.milestones['1']!.delta).toBe(0);
    const latest = await call('cohort.compare', {});
    expect(latest.run.id).toBe((await call('cohort.runs', { limit: 1 })).rows[0]!.id);
  });

  it('the CLI prints the same object as the API (--json), and a revenue table', async () => {
    let out = '';
    const io = { out: (s: string) => void (out += s), err: () => undefined };
    // the CLI opens its own services on the same workspace folder, on the system clock: later periods exist there
    expect(await cli(['cohorts', '--from', FROM, '--to', TO, '--json', '--workspace', ws.dir], io)).toBe(0);
    const j = JSON.parse(out) as CohortResult;
    const api = await call('cohort.run', { from: FROM, to: TO });
    expect(j.matrix.rows.map((r, i) => r.cells.slice(0, api.matrix.rows[i]!.cells.length).map((c) => c.active))).toEqual(api.matrix.rows.map((r) => r.cells.map((c) => c.active)));
    expect(j.matrix.rows.map((r) => r.size)).toEqual(api.matrix.rows.map((r) => r.size));
    out = '';
    expect(await cli(['cohorts', '--from', FROM, '--to', TO, '--revenue', '--workspace', ws.dir], io)).toBe(0);
    expect(out).toContain('Revenue retention');
    expect(out).toMatch(/1 USD = 26000 VND/);
    out = '';
    expect(await cli(['cohorts', '--from', '2026-01', '--to', '2026-02', '--weekly', '--json', '--workspace', ws.dir], io)).toBe(0);
    expect((JSON.parse(out) as CohortResult).query.granularity).toBe('week');
    expect(await cli(['cohorts', '--from', '2026-13', '--workspace', ws.dir], io)).toBe(2);
    out = '';
    expect(await cli(['cohorts', 'customers', '--from', FROM, '--to', TO, '--cohort', FROM, '--offset', '1', '--limit', '3', '--json', '--workspace', ws.dir], io)).toBe(0);
    const page = JSON.parse(out) as { total: number; rows: unknown[] };
    expect(page.total).toBe(api.matrix.rows[0]!.cells[1]!.active);
    expect(page.rows).toHaveLength(3);
    const file = join(ws.dir, 'matrix.xlsx');
    expect(await cli(['cohorts', 'export', '--format', 'xlsx', '--from', FROM, '--to', TO, '--out', file, '--workspace', ws.dir], io)).toBe(0);
    expect(readFileSync(file).subarray(0, 2).toString('latin1')).toBe('PK');
  });
});

describe('monthly schedule', () => {
  it('catches up at start when this month\'s run is missing, once per business month', async () => {
    const other = openDatabase(ws.services.dbFile);
    const worker = new WorkerHost(ws.services.dbFile);
    // 1 April 2026 00:30 local = 31 March 17:30 UTC: already April in the business timezone
    let now = zonedToUtc(2026, 4, 1, 0, 30, TZ);
    const clock = { now: () => now };
    const ctx = { db: other.db, worker, settings: new SettingsStore(other.db), push: new PushBus(), clock, audit: () => undefined } as unknown as ServiceContext;
    createCohortHandlers(ctx, { background: true, tickMs: 100 });
    const count = (m: string) => other.db.prepare("SELECT count(*) FROM cohort_runs WHERE trigger = 'scheduled' AND schedule_month = ?").pluck().get(m) as number;
    for (let i = 0; i < 100 && count('2026-04') === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(count('2026-04')).toBe(1);
    const row = other.db.prepare("SELECT params FROM cohort_runs WHERE schedule_month = '2026-04'").pluck().get() as string;
    expect(JSON.parse(row)).toMatchObject({ from: '2025-04', to: '2026-03', granularity: 'month' });
    await new Promise((r) => setTimeout(r, 400)); // more ticks in the same month: no second run
    expect(count('2026-04')).toBe(1);
    now = zonedToUtc(2026, 5, 1, 0, 5, TZ); // the next 1st
    for (let i = 0; i < 100 && count('2026-05') === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(count('2026-05')).toBe(1);
    await worker.close();
    other.close(); // the timer stops itself once the database is closed
  });
});

describe('progress and cancellation', () => {
  it('pushes cohort.progress for a request id and cancels it on cohort.cancel', async () => {
    const seen: string[] = [];
    const off = ws.services.push.subscribe((name, p) => {
      if (name === 'cohort.progress' && (p as { requestId: string }).requestId === 'c1') seen.push((p as { phase: string }).phase);
    });
    const r = await call('cohort.run', { requestId: 'c1' });
    off();
    expect(r.matrix.rows.length).toBeGreaterThan(0);
    expect(seen).toContain('extract');
    expect(seen.at(-1)).toBe('cohorts');
    // cancel in the same tick the run starts: the run is registered before the worker could answer
    const run = call('cohort.run', { requestId: 'c2' });
    const cancelled = call('cohort.cancel', { requestId: 'c2' });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(await cancelled).toEqual({ cancelled: true });
    expect(await call('cohort.cancel', { requestId: 'c2' })).toEqual({ cancelled: false });
  });
});
