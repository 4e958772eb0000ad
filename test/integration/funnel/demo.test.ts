/**
 * Funnels end to end on a demo workspace synced from the demo platform (real HTTP, the real sync
 * engine and services): the engine equals the plain-SQL reference (counts, and times to the
 * millisecond), drill-down, exports, saved funnels, the scheduled report, the CLI and cancellation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { openDatabase, type OpenDatabase } from '../../../src/main/node/db/index.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { addDays, dayRange } from '../../../src/analytics/calendar.ts';
import { run as cli } from '../../../src/main/node/cli/main.ts';
import { referenceFunnel } from '../../reference/funnel.sql.ts';
import { demoWorkspace, END, TZ, type DemoWorkspace } from './helpers.ts';
import type { FunnelResult } from '../../../src/analytics/funnel/types.ts';
import { createFunnelHandlers } from '../../../src/main/node/services/funnels.ts';
import { SettingsStore } from '../../../src/main/node/services/settings.ts';
import { PushBus } from '../../../src/main/node/services/push-bus.ts';
import { WorkerHost } from '../../../src/main/node/worker/host.ts';
import type { ServiceContext } from '../../../src/main/node/services/context.ts';

const FROM = addDays(END, -3);
const STD = ['page.landing_viewed', 'product.viewed', 'product.added_to_cart', 'checkout.started', 'checkout.payment_initiated', 'order.placed'];
let ws: DemoWorkspace;
let call: ReturnType<typeof directClient>;
let ro: OpenDatabase;

beforeAll(async () => {
  ws = await demoWorkspace(11);
  call = directClient(ws.services.handlers);
  ro = openDatabase(ws.services.dbFile);
});
afterAll(async () => {
  ro?.close();
  await ws?.close();
});

const noTiming = (r: FunnelResult): Omit<FunnelResult, 'timing'> => {
  const { timing: _t, ...rest } = r;
  return rest;
};

describe('the standard funnel on the demo workspace', () => {
  it('equals the plain-SQL reference: counts per step and device, and times to the millisecond', async () => {
    const r = await call('funnel.run', { from: FROM, to: END, breakdown: ['device'], topN: 100 });
    const { start } = dayRange(FROM, TZ), { end } = dayRange(END, TZ);
    expect(r.period).toEqual({ start, end, timezone: TZ, from: FROM, to: END });
    const ref = referenceFunnel(ro.db, { types: STD, start, end, windowMs: r.windowMs });
    expect(r.entered).toBeGreaterThan(1000);
    expect(r.completed).toBeGreaterThan(50);
    r.steps.forEach((s, k) => {
      const want = ref.steps[k]!;
      expect(s.entered).toBe(want.entered);
      for (const [got, exp] of [[s.timeFromPrevious, want.timeFromPrevious], [s.timeToConvert, want.timeToConvert]] as const) {
        if (exp === null) {
          expect(got).toBeNull();
          continue;
        }
        const { histogram, ...stats } = got!;
        const { histogram: expHist, ...expStats } = exp;
        expect(stats).toEqual(expStats);
        expect(histogram.counts).toEqual(expHist);
      }
    });
    const byDevice = Object.fromEntries(r.breakdown!.rows.map((row) => [row.keys.device, row.reached]));
    expect(byDevice).toEqual(ref.byDevice);
    // the demo platform's drop-off reasons surface at checkout and payment
    expect(r.steps.slice(3, 5).flatMap((s) => s.topDropoffReasons).length).toBeGreaterThan(0);
  });

  it('per day: the daily trend sums to the whole period, and each day equals its own run', async () => {
    const r = await call('funnel.run', { from: FROM, to: END, trend: 'day' });
    expect(r.trend!.buckets.map((b) => b.label)).toEqual([FROM, addDays(FROM, 1), addDays(FROM, 2), END]);
    expect(r.trend!.buckets.reduce((a, b) => a + b.entered, 0)).toBe(r.entered);
    const day = await call('funnel.run', { from: addDays(FROM, 1), to: addDays(FROM, 1), trend: 'hour' });
    expect(day.entered).toBe(r.trend!.buckets[1]!.entered);
    expect(day.completed).toBe(r.trend!.buckets[1]!.completed);
    expect(day.trend!.buckets).toHaveLength(24);
  });

  it('by user: every unit is a user; two dimensions with top N + other', async () => {
    const byUser = await call('funnel.run', { from: FROM, to: END, unit: 'user', breakdown: ['device', 'source'], topN: 2 });
    expect(byUser.unit).toBe('user');
    expect(byUser.entered).toBeGreaterThan(100);
    expect(byUser.excludedAnonymous).toBeGreaterThan(0);
    expect(byUser.breakdown!.values.device).toHaveLength(2);
    expect(byUser.breakdown!.rows.reduce((a, row) => a + row.entered, 0)).toBe(byUser.entered);
    expect(byUser.breakdown!.rows.some((row) => row.keys.device === 'other' || row.keys.source === 'other')).toBe(true);
  });
});

describe('drill-down', () => {
  it('pages through the sessions that dropped at a step, with their last events and errors', async () => {
    const r = await call('funnel.run', { from: FROM, to: END });
    const step = 4; // checkout started -> no payment
    const first = await call('funnel.drilldown', { from: FROM, to: END, step, limit: 20 });
    expect(first.total).toBe(r.steps[step - 1]!.dropped);
    expect(first.rows).toHaveLength(Math.min(20, first.total));
    const second = await call('funnel.drilldown', { from: FROM, to: END, step, limit: 20, offset: 20 });
    const keys = new Set([...first.rows, ...second.rows].map((u) => u.unit));
    expect(keys.size).toBe(first.rows.length + second.rows.length);
    for (const u of first.rows) {
      expect(u.lastEvents.length).toBeGreaterThan(0);
      expect(u.lastEvents.some((e) => e.type === 'checkout.started')).toBe(true);
      expect(u.lastStepAt).toBeGreaterThanOrEqual(u.enteredAt);
    }
    const withErrors = (await call('funnel.drilldown', { from: FROM, to: END, step, limit: 1000 })).rows.filter((u) => u.errors.length > 0);
    const reasons = r.steps[step - 1]!.topDropoffReasons;
    if (reasons.length) expect(withErrors.filter((u) => u.errors.some((e) => e.code === reasons[0]!.code)).length).toBe(reasons[0]!.units);
  });
});

describe('exports', () => {
  it('CSV and XLSX bytes of the funnel tables', async () => {
    const csv = await call('funnel.export', { from: FROM, to: END, format: 'csv', breakdown: ['device'] });
    expect(csv.filename).toBe(`funnel-standard-purchase-funnel-${FROM}_${END}-steps.csv`);
    const text = Buffer.from(csv.base64, 'base64').toString('utf8').replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['step', 'label', 'event_type', 'entered', 'converted', 'dropped']);
    expect(lines).toHaveLength(7);
    const dropped = await call('funnel.export', { from: FROM, to: END, format: 'csv', table: 'dropped', step: 4 });
    expect(Buffer.from(dropped.base64, 'base64').toString('utf8').split('\r\n')[0]).toContain('unit,user_id,device');
    const xlsx = await call('funnel.export', { from: FROM, to: END, format: 'xlsx', breakdown: ['device'], step: 4 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(xlsx.base64, 'base64') as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Steps', 'Breakdown', 'Trend', 'Dropped at step 4']);
    const r = await call('funnel.run', { from: FROM, to: END });
    expect(wb.getWorksheet('Steps')!.getRow(2).getCell(4).value).toBe(r.steps[0]!.entered);
  });
});

describe('saved funnels', () => {
  it('saves, lists, runs (with a filter) and deletes a user-defined funnel; audit-logged', async () => {
    const saved = await call('funnel.save', {
      name: 'Mobile checkout',
      steps: [
        { eventType: 'product.added_to_cart', label: 'Cart' },
        { eventType: 'checkout.started', filters: [{ property: 'device', op: 'in', values: ['ios', 'android'] }] },
        { eventType: 'order.placed', windowMs: 3_600_000 },
      ],
      order: 'strict',
    });
    expect(saved).toMatchObject({ name: 'Mobile checkout', builtin: false, order: 'strict', unit: 'session', scheduled: false });
    expect((await call('funnel.list', undefined)).map((f) => f.name)).toEqual(['Standard purchase funnel', 'Mobile checkout']);
    const r = await call('funnel.run', { funnel: 'mobile checkout', from: FROM, to: END });
    expect(r.funnel).toMatchObject({ id: saved.id, name: 'Mobile checkout' });
    expect(r.steps.map((s) => s.label)).toEqual(['Cart', 'checkout.started', 'order.placed']);
    expect(r.steps[1]!.entered).toBeLessThan(r.steps[0]!.entered);
    await expect(call('funnel.save', { name: 'Mobile checkout', steps: [{ eventType: 'page.landing_viewed' }, { eventType: 'order.placed' }] })).rejects.toThrow(/already exists/);
    await expect(call('funnel.save', { name: 'Bad', steps: [{ eventType: 'page.landing_viewed' }] })).rejects.toThrow(/2 to 10 steps/);
    await expect(call('funnel.save', { name: 'Bad', steps: [{ eventType: 'page.landing_viewed' }, { eventType: 'no.such' }] })).rejects.toThrow(/unknown event type/);
    expect(await call('funnel.delete', { id: saved.id })).toEqual({ deleted: true });
    expect(await call('funnel.delete', { id: saved.id })).toEqual({ deleted: false });
    const audit = ro.db.prepare("SELECT action FROM audit_log WHERE entity = 'funnel' ORDER BY id").pluck().all();
    expect(audit).toEqual(['funnel.save', 'funnel.delete']);
  });
});

describe('scheduled report', () => {
  it('stores a snapshot of the last 24 h with its inputs; the same inputs reuse the same row', async () => {
    const now = dayRange(END, TZ).end - 30 * 60_000; // 23:30 local on the last day
    const [row] = await call('funnel.runScheduled', { now });
    expect(row!.periodEnd).toBe(dayRange(END, TZ).end - 3_600_000); // the start of the local hour
    expect(row!.periodEnd - row!.periodStart).toBe(86_400_000);
    expect(row!.params).toMatchObject({ funnelId: 'standard', start: row!.periodStart, end: row!.periodEnd, timezone: TZ, order: 'sequential', unit: 'session' });
    expect(row!.watermark.seq).toBeGreaterThan(0);
    expect(row!.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.report.steps).toHaveLength(6);
    const direct = await call('funnel.run', { start: row!.periodStart, end: row!.periodEnd });
    expect(row!.report.steps.map((s) => s.entered)).toEqual(direct.steps.map((s) => s.entered));
    expect(row!.report.steps.map((s) => s.topDropoffReasons)).toEqual(direct.steps.map((s) => s.topDropoffReasons));
    const [again] = await call('funnel.runScheduled', { now: now + 60_000 });
    expect(again!.id).toBe(row!.id);
    const list = await call('funnel.reports', { funnel: 'standard' });
    expect(list.total).toBe(1);
    expect(list.rows[0]).toEqual(row);
  });
});

describe('background scheduler', () => {
  it('with background on, a timer runs the hourly report once per funnel and hour, and keeps the cache warm', async () => {
    const other = openDatabase(ws.services.dbFile);
    const worker = new WorkerHost(ws.services.dbFile);
    const clock = { now: () => dayRange(END, TZ).end - 2 * 3_600_000 + 5 * 60_000 }; // 22:05 local
    const ctx = { db: other.db, worker, settings: new SettingsStore(other.db), push: new PushBus(), clock, audit: () => undefined } as unknown as ServiceContext;
    createFunnelHandlers(ctx, { background: true, tickMs: 100 });
    const periodEnd = dayRange(END, TZ).end - 2 * 3_600_000;
    const count = () => other.db.prepare('SELECT count(*) FROM funnel_reports WHERE period_end = ?').pluck().get(periodEnd) as number;
    for (let i = 0; i < 100 && count() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(count()).toBe(1);
    await new Promise((r) => setTimeout(r, 400)); // more ticks: no second row for the same hour
    expect(count()).toBe(1);
    expect(await worker.run('funnel.cache', {})).toMatchObject({ origin: 'snapshot' });
    await worker.close();
    other.close(); // the timer stops itself once the database is closed
  });
});

describe('CLI', () => {
  it('`marketlens funnel --json` prints the object the services return', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await cli(['funnel', '--workspace', ws.dir, '--from', FROM, '--to', END, '--breakdown', 'device,source', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(out.join('')) as FunnelResult;
    const direct = await call('funnel.run', { from: FROM, to: END, breakdown: ['device', 'source'] });
    expect(noTiming(printed)).toEqual(noTiming(direct));
    const text: string[] = [];
    expect(await cli(['funnel', '--workspace', ws.dir, '--from', FROM, '--to', END], { out: (s) => text.push(s), err: () => undefined })).toBe(0);
    expect(text.join('')).toMatch(/1\. Landing/);
    expect(await cli(['funnel', '--workspace', ws.dir, '--from', 'yesterday'], { out: () => undefined, err: () => undefined })).toBe(2);
  });
});

describe('progress and cancellation', () => {
  it('pushes funnel.progress for a request id and cancels it on funnel.cancel', async () => {
    const seen: string[] = [];
    const off = ws.services.push.subscribe((name, p) => {
      if (name === 'funnel.progress' && (p as { requestId: string }).requestId === 'r1') seen.push((p as { phase: string }).phase);
    });
    await call('funnel.run', { from: FROM, to: END, unit: 'user', requestId: 'r1', trend: 'hour' });
    off();
    expect(seen).toContain('aggregate');
    // Cancel in the same tick the run starts: the run is registered synchronously, so the cancel flag
    // is set before the worker could finish (a cancel issued from a progress push races a small query).
    const run = call('funnel.run', { from: FROM, to: END, unit: 'user', order: 'any', requestId: 'r2' });
    const cancelled = call('funnel.cancel', { requestId: 'r2' });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(await cancelled).toEqual({ cancelled: true });
    expect(await call('funnel.cancel', { requestId: 'r2' })).toEqual({ cancelled: false }); // nothing left running
  });
});
