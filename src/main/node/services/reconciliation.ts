/**
 * The reconciliation slice of the handler map (spec 5.1): run a business date (platform reports
 * or an uploaded file), list runs, the exceptions queue with resolve / reopen (append-only, audited,
 * carried over to re-runs by record key), the side-by-side raw records, and the report bytes.
 *
 * With `background` on, a scheduler runs T-1 every day at runHour:runMinute in the business
 * timezone and, at start, catches up the days it missed (watermark in `recon_schedule`).
 */
import { createSerialQueue, startBackgroundJob } from './background.ts';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Handlers } from '../../common/api.ts';
import type { ReconItemDetail, ReconRunDetail } from '../../common/api-reconciliation.ts';
import type { ServiceContext } from './context.ts';
import { addDays, dayKey, isDay, localParts, previousDay } from '../../../analytics/calendar.ts';
import { summarize, type ReconSummary } from '../../../analytics/reconcile/index.ts';
import { runReconciliation, type RunFile } from '../reconcile/runner.ts';
import {
  addResolution, allItems, fingerprint, getReconSettings, getRunRow, history, itemRow, itemsPage, listRuns, otherRuns, resolvedKeys, runDetail, runInputs,
  scheduleWatermark, setScheduleWatermark, updateReconSettings,
} from '../reconcile/store.ts';
import { rawFor } from '../reconcile/raw.ts';
import { csvReport, xlsxReport } from '../reconcile/report-files.ts';

type ReconHandlers = Pick<Handlers, Extract<keyof Handlers, `recon.${string}`>>;

export interface ReconServiceOptions {
  /** run the daily 02:00 reconciliation and catch up missed days */
  background?: boolean;
  /** scheduler tick (default 60 s) */
  tickMs?: number;
}

/** The business date the schedule should have reconciled by `now`: T-1 once runHour:runMinute has passed, else T-2. */
export function dueDate(now: number, tz: string, hour: number, minute: number): string {
  const today = dayKey(now, tz);
  const p = localParts(now, tz);
  const passed = p.hour > hour || (p.hour === hour && p.minute >= minute);
  return passed ? previousDay(today) : addDays(today, -2);
}

/** Dates to run: after the watermark up to `due`, at most `catchUp` of them (the most recent). */
export function datesToRun(watermark: string | null, due: string, catchUp: number): string[] {
  if (watermark !== null && watermark >= due) return [];
  const out: string[] = [];
  for (let d = due; out.length < Math.max(1, catchUp) && (watermark === null ? out.length < 1 : d > watermark); d = addDays(d, -1)) out.push(d);
  return out.reverse();
}

export function createReconciliationHandlers(ctx: ServiceContext, opts: ReconServiceOptions = {}): ReconHandlers {
  const { db } = ctx;
  /** one run at a time */
  const serial = createSerialQueue();

  function currentSummary(runId: number): ReconSummary | null {
    const r = getRunRow(db, runId);
    if (r.status !== 'done' || !r.summary) return null;
    const atRun = JSON.parse(r.summary) as ReconSummary;
    const items = allItems(db, runId);
    const p = JSON.parse(r.params) as { fxRates?: Record<string, string>; reportingCurrency?: string };
    return summarize(items, {
      date: r.business_date, threshold: atRun.threshold, fxRates: p.fxRates ?? {}, reportingCurrency: p.reportingCurrency ?? atRun.threshold.currency,
      controlTotals: atRun.controlTotals, warnings: atRun.warnings, resolved: new Set(resolvedKeys(db, runId).keys()),
    });
  }

  function detail(runId: number): ReconRunDetail {
    return runDetail(db, runId, currentSummary(runId));
  }

  async function run(date: string, trigger: string, gateways?: string[], files?: RunFile[]): Promise<ReconRunDetail> {
    return serial(() => runReconciliation(ctx, { date, trigger, gateways, files }));
  }

  // ---- scheduler
  if (opts.background) {
    // platform down or no data yet: the tick throws and is tried again 15 minutes later
    startBackgroundJob({
      db, clock: ctx.clock, everyMs: opts.tickMs ?? 60_000, firstAfterMs: 3_000, retryAfterMs: 15 * 60_000,
      async tick(now) {
        const s = getReconSettings(db, ctx.settings);
        if (!s.scheduleEnabled || ctx.platform() === null) return;
        const due = dueDate(now, ctx.settings.get().timezone, s.runHour, s.runMinute);
        const wm = scheduleWatermark(db).lastDate;
        const dates = datesToRun(wm, due, s.catchUpDays);
        for (const d of dates) {
          if (!db.open) break;
          const r = await run(d, wm === null || d === due ? 'schedule' : 'catch-up');
          setScheduleWatermark(db, d, r.id, ctx.clock.now());
        }
      },
    });
  }

  return {
    async 'recon.settings.get'() {
      return getReconSettings(db, ctx.settings);
    },
    async 'recon.settings.update'(patch) {
      const before = getReconSettings(db, ctx.settings);
      const after = updateReconSettings(db, ctx.settings, patch);
      ctx.audit({ action: 'recon.settings.update', entity: 'recon_settings', entityId: 'workspace', before, after });
      return after;
    },
    async 'recon.run'(args) {
      const tz = ctx.settings.get().timezone;
      const date = args.date ?? previousDay(dayKey(ctx.clock.now(), tz));
      if (!isDay(date)) throw new Error(`date "${date}" is not a calendar date`);
      const files: RunFile[] = [];
      for (const f of args.files ?? []) {
        let bytes: Uint8Array;
        if (f.base64 !== undefined) bytes = new Uint8Array(Buffer.from(f.base64, 'base64'));
        else if (f.path !== undefined) bytes = new Uint8Array(await readFile(f.path));
        else throw new Error(`file "${f.name}": give its bytes (base64) or a path`);
        files.push({ name: basename(f.name), bytes, gateway: f.gateway, kind: f.kind });
      }
      return run(date, ctx.actor === 'cli' ? 'cli' : 'manual', args.gateways, files);
    },
    async 'recon.runs'(args) {
      return listRuns(db, args);
    },
    async 'recon.get'({ runId }) {
      return detail(runId);
    },
    async 'recon.items'(args) {
      getRunRow(db, args.runId);
      return itemsPage(db, args);
    },
    async 'recon.item'({ runId, key }): Promise<ReconItemDetail> {
      const item = itemRow(db, runId, key);
      const ref = (r: { source: string; row: number } | null) => (r === null ? null : r.row > 0 ? `${r.source}#${r.row}` : r.source);
      const s = await rawFor(db, ref(item.settlement));
      const l = await rawFor(db, ref(item.ledger));
      const e = await rawFor(db, ref(item.event) ?? (item.status === 'ledger_event_mismatch' && item.paymentId ? `payments:${item.paymentId}` : null));
      return {
        item, settlementRaw: s.raw, ledgerRaw: l.raw, eventRaw: e.raw, settlementOrigin: s.origin, ledgerOrigin: l.origin,
        history: history(db, key), otherRuns: otherRuns(db, key, runId),
      };
    },
    async 'recon.resolve'({ runId, key, kind, note, matchedTo }) {
      const before = itemRow(db, runId, key);
      if (before.review === 'none') throw new Error(`"${key}" is ${before.status}: nothing to resolve`);
      if (before.state === 'resolved') throw new Error(`"${key}" is already resolved (reopen it first)`);
      if (kind === 'manual_match' && !matchedTo) throw new Error('a manual match needs the record it was matched to (matchedTo)');
      let counterpart: ReturnType<typeof itemRow> | null = null;
      if (kind === 'manual_match' && matchedTo) {
        try {
          counterpart = itemRow(db, runId, matchedTo);
        } catch {
          counterpart = null;
        }
        if (counterpart?.key === key) throw new Error('a record cannot be matched to itself');
      }
      const at = ctx.clock.now();
      addResolution(db, { key, action: 'resolve', kind, note, matchedTo: matchedTo ?? null, fingerprint: fingerprint(before), runId, actor: ctx.actor, at });
      const after = itemRow(db, runId, key);
      ctx.audit({ action: 'recon.resolve', entity: 'recon_item', entityId: key, before: auditView(before), after: auditView(after) });
      if (counterpart && counterpart.review !== 'none' && counterpart.state === 'open') {
        addResolution(db, { key: counterpart.key, action: 'resolve', kind, note: `${note} (matched to ${key})`, matchedTo: key, fingerprint: fingerprint(counterpart), runId, actor: ctx.actor, at });
        ctx.audit({ action: 'recon.resolve', entity: 'recon_item', entityId: counterpart.key, before: auditView(counterpart), after: auditView(itemRow(db, runId, counterpart.key)) });
      }
      return after;
    },
    async 'recon.reopen'({ runId, key, note }) {
      const before = itemRow(db, runId, key);
      if (before.state !== 'resolved' && !before.staleResolution) throw new Error(`"${key}" is not resolved`);
      addResolution(db, { key, action: 'reopen', kind: null, note, matchedTo: null, fingerprint: null, runId, actor: ctx.actor, at: ctx.clock.now() });
      const after = itemRow(db, runId, key);
      ctx.audit({ action: 'recon.reopen', entity: 'recon_item', entityId: key, before: auditView(before), after: auditView(after) });
      return after;
    },
    async 'recon.report'({ runId, format }) {
      const r = getRunRow(db, runId);
      if (r.status !== 'done') throw new Error(`run ${runId} is ${r.status}: no report`);
      const items = allItems(db, runId);
      const file = format === 'csv'
        ? csvReport(r.business_date, items)
        : xlsxReport(r.business_date, runId, items, currentSummary(runId)!, runInputs(db, runId), JSON.parse(r.params) as Record<string, unknown>, resolvedKeys(db, runId));
      return { filename: file.filename, mimeType: file.mimeType, bytes: file.bytes.byteLength, base64: file.bytes.toString('base64'), sha256: file.sha256 };
    },
  };
}

/** What the audit log records of an item: its identity, amounts and resolution state. */
function auditView(r: ReturnType<typeof itemRow>) {
  return {
    runId: r.runId, key: r.key, status: r.status, review: r.review, currency: r.currency, captured: r.captured, settled: r.settled,
    settledCurrency: r.settledCurrency, discrepancy: r.discrepancy, state: r.state,
    resolution: r.resolution ? { id: r.resolution.id, action: r.resolution.action, kind: r.resolution.kind, note: r.resolution.note, matchedTo: r.resolution.matchedTo } : null,
  };
}
