/**
 * The RFM slice of the handler map (spec 3.2, docs/rfm.md): runs on demand and weekly (with a
 * catch-up at start when the scheduled run was missed), overview, customers, migration matrix,
 * exports, and the push of changed segments to the platform (dry-run preview, resume, audit).
 */
import { createSerialQueue, startBackgroundJob } from './background.ts';
import type { Handlers } from '../../common/api.ts';
import type { RfmCustomerRow, RfmPushInfo, RfmPushPreview } from '../../common/api-rfm.ts';
import type { ServiceContext } from './context.ts';
import { addDays, dayKey, isDay, isoWeekKey, zonedToUtc, parseDay } from '../../../analytics/calendar.ts';
import { runRfm } from '../rfm/runner.ts';
import {
  changedCustomers, customerHistory, customersPage, getRun, getSettings, latestRunId, listPushes, listRuns, migration, runDetail,
  setScheduleWatermark, unfinishedPushes, updateSettings,
} from '../rfm/store.ts';
import { createPush, PUSH_BATCH_SIZE, PushError, sendPush } from '../rfm/push.ts';
import { toCsv, toXlsx, type ExportColumn } from '../export/index.ts';
import { formatMinor } from '../../../analytics/money.ts';
import type { RetryPolicy } from '../sync/http.ts';

type RfmHandlers = Pick<Handlers, Extract<keyof Handlers, `rfm.${string}`>>;

export interface RfmServiceOptions {
  /** run the weekly schedule and catch up a missed week at start */
  background?: boolean;
  tickMs?: number;
  /** push batch size (tests) */
  batchSize?: number;
  retry?: RetryPolicy;
}

/**
 * The latest scheduled moment at or before `now`: `weekday` (1 = Monday) at hour:minute in the
 * business timezone. Returns its business day and ISO week; the run's as-of date is the day before
 * (the last complete business day).
 */
export function lastScheduledSlot(now: number, tz: string, weekday: number, hour: number, minute: number): { day: string; week: string; asOf: string; at: number } {
  const today = dayKey(now, tz);
  const { y, m, d } = parseDay(today);
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7;
  let day = addDays(today, -((dow - weekday + 7) % 7));
  const slotAt = (dd: string): number => {
    const p = parseDay(dd);
    return zonedToUtc(p.y, p.m, p.d, hour, minute, tz);
  };
  if (slotAt(day) > now) day = addDays(day, -7);
  return { day, week: isoWeekKey(day), asOf: addDays(day, -1), at: slotAt(day) };
}

/** A scheduled run started more than this after its slot is a catch-up (the app was not running). */
const CATCH_UP_AFTER_MS = 60 * 60_000;

const MIME = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

export function createRfmHandlers(ctx: ServiceContext, opts: RfmServiceOptions = {}): RfmHandlers {
  const { db } = ctx;
  const serial = createSerialQueue();

  function resolveRun(runId?: number): number {
    const id = runId ?? latestRunId(db);
    if (id === null) throw new Error('no RFM run yet: run one first (Segments page or `marketlens rfm`)');
    return id;
  }

  function preview(runId: number, limit = 50): RfmPushPreview {
    const run = getRun(db, runId);
    if (run.status !== 'done') throw new Error(`RFM run ${runId} is ${run.status}`);
    const changes = changedCustomers(db, runId);
    const t = new Map<string, { from: string | null; to: string; customers: number }>();
    for (const c of changes) {
      const k = `${c.from ?? ''}\u0000${c.to}`;
      const e = t.get(k) ?? { from: c.from, to: c.to, customers: 0 };
      e.customers++;
      t.set(k, e);
    }
    const size = opts.batchSize ?? PUSH_BATCH_SIZE;
    return {
      runId, asOf: run.as_of, changes: changes.length, transitions: [...t.values()].sort((a, b) => b.customers - a.customers),
      sample: changes.slice(0, limit), batchSize: size, batches: Math.ceil(changes.length / size), pending: unfinishedPushes(db)[0] ?? null,
    };
  }

  async function push(runId: number): Promise<{ resumed: RfmPushInfo[]; push: RfmPushInfo }> {
    const platform = ctx.platform();
    if (!platform) throw new Error('no platform configured: set the platform URL and token in Settings');
    const po = { platform, actor: ctx.actor, now: () => ctx.clock.now(), batchSize: opts.batchSize, retry: opts.retry };
    const pushedBefore = db.prepare<[], number>('SELECT count(*) FROM rfm_push_state').pluck().get()!;
    const send = async (id: number, resumed: boolean): Promise<RfmPushInfo> => {
      try {
        const done = await sendPush(db, id, po);
        ctx.audit({ action: resumed ? 'rfm.push.resume' : 'rfm.push', entity: 'rfm_push', entityId: String(id), before: { pushedCustomers: pushedBefore }, after: done });
        return done;
      } catch (e) {
        if (e instanceof PushError) ctx.audit({ action: resumed ? 'rfm.push.resume' : 'rfm.push', entity: 'rfm_push', entityId: String(id), before: { pushedCustomers: pushedBefore }, after: e.push });
        throw e;
      }
    };
    const resumed: RfmPushInfo[] = [];
    for (const p of unfinishedPushes(db)) resumed.push(await send(p.id, true));
    const id = createPush(db, runId, po);
    return { resumed, push: await send(id, false) };
  }

  // ---- weekly schedule
  if (opts.background) {
    startBackgroundJob({
      db, clock: ctx.clock, everyMs: opts.tickMs ?? 60_000, firstAfterMs: 3_000, retryAfterMs: 15 * 60_000,
      async tick(now) {
        const s = getSettings(db);
        if (!s.enabled) return;
        const events = db.prepare('SELECT 1 FROM events LIMIT 1').get();
        if (!events) return;
        const slot = lastScheduledSlot(now, ctx.settings.get().timezone, s.weekday, s.hour, s.minute);
        if (s.lastWeek !== null && s.lastWeek >= slot.week) return;
        const run = await serial(() => runRfm(ctx, { asOf: slot.asOf, trigger: now - slot.at > CATCH_UP_AFTER_MS ? 'catch-up' : 'schedule' }));
        setScheduleWatermark(db, slot.week, run.id, ctx.clock.now());
        if (s.autoPush && ctx.platform() !== null) await serial(() => push(run.id));
      },
    });
  }

  const tableColumns = (cur: string): ExportColumn<RfmCustomerRow>[] => [
    { header: 'customer_id', key: 'customerId' },
    { header: 'segment', key: 'segment' },
    { header: 'r', key: 'r' },
    { header: 'f', key: 'f' },
    { header: 'm', key: 'm' },
    { header: 'recency_days', key: 'recencyDays' },
    { header: 'frequency', key: 'frequency' },
    { header: `monetary_minor_${cur}`, key: 'monetary' },
    { header: `monetary_${cur}`, key: (r) => formatMinor(r.monetary, cur) },
    { header: 'last_order_at', key: (r) => new Date(r.lastOrderAt) },
  ];

  return {
    async 'rfm.settings.get'() {
      return getSettings(db);
    },
    async 'rfm.settings.update'(patch) {
      const before = getSettings(db);
      const after = updateSettings(db, patch, ctx.clock.now());
      ctx.audit({ action: 'rfm.settings.update', entity: 'rfm_settings', entityId: 'workspace', before, after });
      return after;
    },
    async 'rfm.run'({ asOf }) {
      const day = asOf ?? dayKey(ctx.clock.now(), ctx.settings.get().timezone);
      if (!isDay(day)) throw new Error(`asOf "${day}" is not a calendar date`);
      return serial(() => runRfm(ctx, { asOf: day, trigger: ctx.actor === 'cli' ? 'cli' : 'manual' }));
    },
    async 'rfm.runs'({ limit, offset }) {
      return listRuns(db, limit, offset);
    },
    async 'rfm.get'({ runId }) {
      const id = runId ?? latestRunId(db);
      return id === null ? null : runDetail(db, id);
    },
    async 'rfm.customers'(a) {
      getRun(db, a.runId);
      return customersPage(db, { ...a, limit: a.limit ?? 100, offset: a.offset ?? 0 });
    },
    async 'rfm.customer'({ customerId }) {
      return customerHistory(db, customerId);
    },
    async 'rfm.migration'({ fromRunId, toRunId }) {
      return migration(db, fromRunId, toRunId);
    },
    async 'rfm.push.preview'({ runId, limit }) {
      return preview(resolveRun(runId), limit);
    },
    async 'rfm.push'({ runId }) {
      const id = resolveRun(runId);
      return serial(() => push(id));
    },
    async 'rfm.pushes'({ limit }) {
      return listPushes(db, limit);
    },
    async 'rfm.export'({ runId, format, segment }) {
      const run = runDetail(db, runId);
      if (run.status !== 'done' || !run.summary) throw new Error(`RFM run ${runId} is ${run.status}: nothing to export`);
      const cur = run.params.reportingCurrency;
      const rows = customersPage(db, { runId, segment, sort: 'customer' }).rows;
      const name = `rfm-${run.asOf}-run${runId}${segment ? '-' + segment.toLowerCase().replace(/[^a-z0-9]+/g, '-') : ''}`;
      if (format === 'csv') {
        const bytes = toCsv(rows, tableColumns(cur));
        return { filename: `${name}.csv`, mimeType: MIME.csv, bytes: bytes.length, base64: bytes.toString('base64') };
      }
      const sum = run.summary;
      const sheets = [
        { name: 'RFM', rows, columns: tableColumns(cur) },
        {
          name: 'Segments', rows: sum.segments, columns: [
            { header: 'segment', key: 'segment' }, { header: 'rule', key: 'rule' }, { header: 'customers', key: 'customers' },
            { header: 'customer_share', key: 'customerShare' }, { header: `revenue_minor_${cur}`, key: 'revenue' }, { header: 'revenue_share', key: 'revenueShare' },
          ] as ExportColumn<(typeof sum.segments)[number]>[],
        },
        {
          name: 'Cut points', rows: (['r', 'f', 'm'] as const).flatMap((k) => sum.cuts[k].map((c) => ({ dim: k.toUpperCase(), ...c }))), columns: [
            { header: 'score_of', key: 'dim' }, { header: 'score', key: 'score' }, { header: 'customers', key: 'count' }, { header: 'min', key: 'min' }, { header: 'max', key: 'max' },
          ] as ExportColumn<{ dim: string; score: number; count: number; min: number | null; max: number | null }>[],
        },
        {
          name: 'Inputs', rows: [
            { k: 'as_of', v: run.asOf }, { k: 'window', v: `${run.params.window.firstDay} .. ${run.params.window.lastDay}` }, { k: 'timezone', v: run.params.timezone },
            { k: 'reporting_currency', v: cur }, ...sum.rates.map((r) => ({ k: `fx_${r.currency}`, v: r.rate })), { k: 'watermark_seq', v: String(run.watermark.seq) },
            { k: 'inputs_hash', v: run.inputsHash ?? '' }, { k: 'result_hash', v: run.resultHash ?? '' }, { k: 'method', v: run.params.method },
          ], columns: [{ header: 'input', key: 'k' }, { header: 'value', key: 'v' }] as ExportColumn<{ k: string; v: string }>[],
        },
      ];
      const bytes = toXlsx(sheets);
      return { filename: `${name}.xlsx`, mimeType: MIME.xlsx, bytes: bytes.length, base64: bytes.toString('base64') };
    },
  };
}
