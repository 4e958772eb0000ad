/**
 * The payouts slice of the handler map (spec 5.2 seller payout reconciliation, spec 7 Payout
 * Settlement Report): weekly runs, tickets (transitions and notes, append-only and audited),
 * corrective transfers (approve → send with an idempotency key), deductions, the daily report.
 *
 * With `background` on, a scheduler runs the previous ISO week every Monday at runHour:runMinute
 * (default 12:00 business time: the platform disburses the week's payouts on Monday at 10:00) and
 * at start catches up the weeks it missed (watermark in payout_schedule).
 */
import { createSerialQueue, startBackgroundJob } from './background.ts';
import type { Handlers } from '../../common/api.ts';
import type { ServiceContext } from './context.ts';
import { dayKey, isoWeekKey, localParts } from '../../../analytics/calendar.ts';
import { isIsoWeek, previousIsoWeek, isoWeekMonday } from '../../../analytics/payouts/engine.ts';
import { reportBytes, runPayouts } from '../payouts/runner.ts';
import { approveTransfer, cancelTransfer } from '../payouts/transfers.ts';
import { reportJson, runXlsx } from '../payouts/report.ts';
import {
  TRANSITIONS, addTicketEvent, deductionRows, waiveDeduction, getPayoutSettings, getTicketRow, linesPage, listRuns, listTickets, listTransfers, runDetail, scheduleWatermark,
  setScheduleWatermark, sha256, storedResult, ticketDetail, updatePayoutSettings,
} from '../payouts/store.ts';

type PayoutHandlers = Pick<Handlers, Extract<keyof Handlers, `payouts.${string}`>>;

export interface PayoutServiceOptions { background?: boolean; tickMs?: number }

/** The ISO week the schedule should have reconciled by `now`: the previous week once Monday runHour:runMinute has passed, else the week before. */
export function dueWeek(now: number, tz: string, hour: number, minute: number): string {
  const today = dayKey(now, tz);
  const p = localParts(now, tz);
  const thisWeek = isoWeekKey(today);
  const passed = today > isoWeekMonday(thisWeek) || p.hour > hour || (p.hour === hour && p.minute >= minute);
  const previous = previousIsoWeek(thisWeek);
  return passed ? previous : previousIsoWeek(previous);
}

export function weeksToRun(watermark: string | null, due: string, catchUp: number): string[] {
  if (watermark !== null && watermark >= due) return [];
  const out: string[] = [];
  for (let w = due; out.length < Math.max(1, catchUp) && (watermark === null ? out.length < 1 : w > watermark); w = previousIsoWeek(w)) out.push(w);
  return out.reverse();
}

export function createPayoutHandlers(ctx: ServiceContext, opts: PayoutServiceOptions = {}): PayoutHandlers {
  const { db } = ctx;
  const serial = createSerialQueue();

  if (opts.background) {
    startBackgroundJob({
      db, clock: ctx.clock, everyMs: opts.tickMs ?? 60_000, firstAfterMs: 5_000, retryAfterMs: 15 * 60_000,
      async tick(now) {
        const s = getPayoutSettings(db, ctx.settings);
        if (!s.scheduleEnabled || ctx.platform() === null) return;
        const due = dueWeek(now, ctx.settings.get().timezone, s.runHour, s.runMinute);
        const wm = scheduleWatermark(db);
        for (const w of weeksToRun(wm, due, s.catchUpWeeks)) {
          if (!db.open) break;
          // the week's payout.disbursed events not synced yet: wait for the sync rather than compare against nothing
          if (!db.prepare('SELECT 1 FROM payout_disbursements WHERE week = ? LIMIT 1').get(w)) throw new Error(`${w}: no payout events synced yet`);
          const r = await serial(() => runPayouts(ctx, { week: w, trigger: wm === null || w === due ? 'schedule' : 'catch-up' }));
          setScheduleWatermark(db, w, r.id, ctx.clock.now());
        }
      },
    });
  }

  return {
    async 'payouts.settings.get'() {
      return getPayoutSettings(db, ctx.settings);
    },
    async 'payouts.settings.update'(patch) {
      const before = getPayoutSettings(db, ctx.settings);
      const after = updatePayoutSettings(db, ctx.settings, patch);
      ctx.audit({ action: 'payouts.settings.update', entity: 'payout_settings', entityId: 'workspace', before, after });
      return after;
    },
    async 'payouts.run'({ week }) {
      const s = getPayoutSettings(db, ctx.settings);
      const w = week ?? dueWeek(ctx.clock.now(), ctx.settings.get().timezone, s.runHour, s.runMinute);
      if (!isIsoWeek(w)) throw new Error(`"${w}" is not an ISO week (YYYY-Www)`);
      return serial(() => runPayouts(ctx, { week: w, trigger: ctx.actor === 'cli' ? 'cli' : 'manual' }));
    },
    async 'payouts.runs'(args) {
      return listRuns(db, args);
    },
    async 'payouts.get'({ runId }) {
      return runDetail(db, runId);
    },
    async 'payouts.run.report'({ runId, format }) {
      const { result, inputsSha256 } = storedResult(db, runId);
      if (format === 'xlsx') {
        const f = runXlsx(runDetail(db, runId), result);
        return { filename: f.filename, mimeType: f.mimeType, bytes: f.bytes.byteLength, base64: f.bytes.toString('base64'), sha256: f.sha256 };
      }
      const bytes = Buffer.from(reportBytes(result, inputsSha256), 'utf8');
      return { filename: `payout_reconciliation_${result.week}_run-${runId}.json`, mimeType: 'application/json', bytes: bytes.byteLength, base64: bytes.toString('base64'), sha256: sha256(bytes) };
    },
    async 'payouts.lines'(args) {
      return linesPage(db, args);
    },
    async 'payouts.tickets'(args) {
      return listTickets(db, args);
    },
    async 'payouts.ticket'({ ticketId }) {
      return ticketDetail(db, ticketId);
    },
    async 'payouts.ticket.transition'({ ticketId, to, note }) {
      const at = ctx.clock.now();
      const before = ticketDetail(db, ticketId);
      db.transaction(() => {
        const cur = getTicketRow(db, ticketId);
        if (!TRANSITIONS[cur.state].includes(to)) throw new Error(`ticket ${ticketId} is ${cur.state}: it cannot move to ${to} (allowed: ${TRANSITIONS[cur.state].join(', ')})`);
        db.prepare('UPDATE payout_tickets SET state = ?, updated_at = ? WHERE id = ? AND state = ?').run(to, at, ticketId, cur.state);
        addTicketEvent(db, { ticketId, at, actor: ctx.actor, action: 'transition', from: cur.state, to, note, runId: null });
      }).immediate();
      const after = ticketDetail(db, ticketId);
      ctx.audit({ action: 'payouts.ticket.transition', entity: 'payout_ticket', entityId: String(ticketId), before: { state: before.state }, after: { state: after.state, note } });
      return after;
    },
    async 'payouts.ticket.note'({ ticketId, note }) {
      getTicketRow(db, ticketId);
      addTicketEvent(db, { ticketId, at: ctx.clock.now(), actor: ctx.actor, action: 'note', from: null, to: null, note, runId: null });
      ctx.audit({ action: 'payouts.ticket.note', entity: 'payout_ticket', entityId: String(ticketId), before: null, after: { note } });
      return ticketDetail(db, ticketId);
    },
    async 'payouts.transfers'(args) {
      return listTransfers(db, args);
    },
    async 'payouts.transfer.approve'({ transferId }) {
      return approveTransfer(ctx, transferId);
    },
    async 'payouts.transfer.cancel'({ transferId, note }) {
      return cancelTransfer(ctx, transferId, note);
    },
    async 'payouts.deductions'(args) {
      return deductionRows(db, args);
    },
    async 'payouts.deduction.waive'({ deductionId, note, fromWeek }) {
      const at = ctx.clock.now();
      const { before, after } = db.transaction(() => {
        const r = waiveDeduction(db, { id: deductionId, note, fromWeek, actor: ctx.actor, at });
        addTicketEvent(db, {
          ticketId: r.after.ticketId, at, actor: ctx.actor, action: 'deduction_waived', from: null, to: null, runId: null,
          note: `deduction #${deductionId} waived from ${r.after.waived!.fromWeek} (${r.after.outstanding} outstanding, minor units of ${r.after.currency}): ${note.trim()}`,
        });
        return r;
      }).immediate();
      ctx.audit({ action: 'payouts.deduction.waive', entity: 'payout_deduction', entityId: String(deductionId), before, after });
      return after;
    },
    async 'payouts.report'({ date }) {
      return (await ctx.worker.run('payouts.report', { date, timezone: ctx.settings.get().timezone })).report;
    },
    async 'payouts.report.file'({ date, format }) {
      // the report and its XLSX or PDF are computed in the analytics worker
      const r = await ctx.worker.run('payouts.report', { date, timezone: ctx.settings.get().timezone, file: format === 'json' ? undefined : format });
      let f: { filename: string; mimeType: string; bytes: Buffer };
      if (format === 'json') f = reportJson(r.report);
      else {
        const bytes = Buffer.from(r.file!.buffer, r.file!.byteOffset, r.file!.byteLength);
        f = format === 'xlsx'
          ? { filename: `payout_settlement_report_${date}.xlsx`, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes }
          : { filename: `payout_settlement_report_${date}.pdf`, mimeType: 'application/pdf', bytes };
      }
      return { filename: f.filename, mimeType: f.mimeType, bytes: f.bytes.byteLength, base64: f.bytes.toString('base64'), sha256: sha256(f.bytes) };
    },
  };
}
