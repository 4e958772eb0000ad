/**
 * One seller payout reconciliation run of an ISO week (spec 5.2):
 *
 * 1. pull the platform's payout statements for the week over HTTP (stored as received, hashed);
 * 2. read the week's escrow releases (with their payments' gateways), penalties and synced
 *    `payout.disbursed` events from the workspace, and the deductions still to recover;
 * 3. reconcile (src/analytics/payouts), record the run with the SHA-256 of its canonical inputs,
 *    its lines, source findings, counts and totals, and the report's SHA-256;
 * 4. open a payout_discrepancy_ticket per discrepancy (one per week, seller and currency; a re-run
 *    links to it), propose a corrective transfer for an underpayment, record a deduction for an
 *    overpayment; every step in the audit log;
 * 5. raise `payout_discrepancy` when Σ|difference| is above the alert threshold.
 */
import type { ServiceContext } from '../services/context.ts';
import type { PayoutRunDetail } from '../../common/api-payouts.ts';
import {
  PAYOUT_RULES_VERSION, isDiscrepancy, previousIsoWeek, weekWindow, type PayoutResult,
} from '../../../analytics/payouts/engine.ts';
import { convertMinor, displayMoney, parseMinor } from '../../../analytics/money.ts';
import { platformGet } from '../reconcile/platform.ts';
import { runbookUrl } from '../services/alerts.ts';
import {
  addTicketEvent, getPayoutSettings, insertLines, latestDoneRun, outstandingDeductions, putBlob, runDetail,
} from './store.ts';

export interface RunRequest { week: string; trigger: string }

/** Deterministic idempotency key of a ticket's corrective transfer. */
export function transferKey(ticketId: number, amount: number, currency: string): string {
  return `marketlens-payout-ticket-${ticketId}-${amount}-${currency}`;
}

export { canonical, reportBytes } from './canonical.ts';

export async function runPayouts(ctx: ServiceContext, req: RunRequest): Promise<PayoutRunDetail> {
  const { db } = ctx;
  const now = () => ctx.clock.now();
  const ws = ctx.settings.get();
  const ps = getPayoutSettings(db, ctx.settings);
  const tz = ws.timezone;
  const window = weekWindow(req.week, tz);
  const params = {
    week: req.week, timezone: tz, window: { from: window.from, to: window.to, start: window.start, end: window.end, payoutDate: window.payoutDate },
    toleranceMinor: ps.toleranceMinor, alertThreshold: ps.alertThreshold, fxRates: ws.fxRates, reportingCurrency: ws.reportingCurrency,
  };
  const runId = Number(db.prepare("INSERT INTO payout_runs (week, trigger, actor, status, started_at, rules_version, params) VALUES (?, ?, ?, 'running', ?, ?, ?)")
    .run(req.week, req.trigger, ctx.actor, now(), PAYOUT_RULES_VERSION, JSON.stringify(params)).lastInsertRowid);
  try {
    const platform = ctx.platform();
    if (!platform) throw new Error('no platform configured: payout statements come from the platform (Settings → platform URL and token)');
    const fetched = await platformGet(platform, `/v1/payouts/statements?week=${encodeURIComponent(req.week)}`);
    // no statements (HTTP 404): the week is not disbursed yet or outside the platform's history;
    // nothing can be compared, so the run fails instead of calling every seller underpaid
    if (!fetched) throw new Error(`the platform has no payout statements for ${req.week} (not disbursed yet, or outside its history)`);
    const statementSha = putBlob(db, fetched.bytes, now());
    const deductions = outstandingDeductions(db, req.week);
    // reading and reconciling the week runs in the analytics worker (read-only connection)
    // the worker also hashes the inputs and the report and serialises the lines: the main thread only stores
    // the statements are parsed and checked there too (a malformed statement fails the run with its index)
    const computed = await ctx.worker.run('payouts.compute', {
      week: req.week, timezone: tz, statementsText: Buffer.from(fetched.bytes).toString('utf8'), deductions, toleranceMinor: ps.toleranceMinor, statementsSha256: statementSha,
    });
    const statements = { length: computed.rows.statements };
    const { result, hashes, inputsSha256: inputsSha, reportSha256: reportSha } = computed;
    const tStore = performance.now();
    const discrepancies = result.lines.filter(isDiscrepancy);
    const total = discrepancyTotal(result, ps.alertThreshold.currency, ws.fxRates, ws.reportingCurrency);
    const threshold = parseMinor(ps.alertThreshold.amount, ps.alertThreshold.currency);
    const alert = total.minor > threshold;
    const counts = {
      escrowReleases: computed.rows.escrows, penalties: computed.rows.penalties, statements: statements.length, events: computed.rows.events, deductions: deductions.length,
      lines: result.lines.length, matched: result.lines.filter((l) => l.status === 'matched').length, withinTolerance: result.lines.filter((l) => l.status === 'within_tolerance').length,
      underpayments: result.lines.filter((l) => l.status === 'underpayment').length, overpayments: result.lines.filter((l) => l.status === 'overpayment').length,
      findings: result.findings.length, discrepancyTotal: total,
    };

    db.transaction(() => {
      const ins = db.prepare('INSERT INTO payout_run_inputs (run_id, seq, kind, origin, sha256, rows, note) VALUES (?, ?, ?, ?, ?, ?, ?)');
      ins.run(runId, 1, 'statements', `${platform.url.replace(/\/+$/, '')}/v1/payouts/statements?week=${req.week}`, statementSha, statements.length, null);
      ins.run(runId, 2, 'escrow_releases', 'workspace: escrow.released events', hashes.escrows, computed.rows.escrows, null);
      ins.run(runId, 3, 'penalties', 'workspace: seller.penalty_applied events', hashes.penalties, computed.rows.penalties, null);
      ins.run(runId, 4, 'disbursement_events', 'workspace: payout.disbursed events', hashes.events, computed.rows.events,
        computed.rows.events === 0 && statements.length > 0 ? `no payout.disbursed events of ${req.week} in the workspace: sync before reconciling` : null);
      const prevWeek = previousIsoWeek(req.week);
      const prevNote = latestDoneRun(db, prevWeek) === null
        ? `${prevWeek} has no payout run: overpayments of weeks not reconciled yet are not deducted here (run the weeks in order)`
        : null;
      ins.run(runId, 5, 'deductions', 'workspace: deductions carried forward', hashes.deductions, deductions.length, prevNote);
      insertLines(db, runId, result.lines, computed.lineDetails);
      const f = db.prepare('INSERT INTO payout_findings (run_id, seq, kind, disbursement_id, seller_id, currency, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
      result.findings.forEach((x, i) => f.run(runId, i + 1, x.kind, x.disbursementId, x.sellerId, x.currency, JSON.stringify(x)));
      const app = db.prepare('INSERT INTO payout_deduction_applications (run_id, deduction_id, week, amount) VALUES (?, ?, ?, ?)');
      for (const l of result.lines) for (const a of l.applied) if (a.amount > 0) app.run(runId, a.deductionId, req.week, a.amount);
      openTickets(ctx, runId, req.week, result);
      db.prepare(
        `UPDATE payout_runs SET status = 'done', finished_at = ?, inputs_sha256 = ?, counts = ?, totals = ?, report_sha256 = ?, line_count = ?, discrepancy_count = ?, finding_count = ?, alert = ? WHERE id = ?`,
      ).run(now(), inputsSha, JSON.stringify(counts), JSON.stringify(result.totals), reportSha, result.lines.length, discrepancies.length, result.findings.length, alert ? 1 : 0, runId);
    }).immediate();
    if (process.env.MARKETLENS_PAYOUT_TIMINGS) {
      const ph = computed.phasesMs;
      process.stderr.write(`payouts.run phases ms: worker read ${ph.read}, hash ${ph.hash}, reconcile ${ph.reconcile}; main store ${(performance.now() - tStore).toFixed(0)}\n`);
    }
    const alertId = alert ? fireAlert(ctx, runId, req.week, total, ps.alertThreshold, discrepancies.length) : null;
    if (alertId !== null) db.prepare('UPDATE payout_runs SET alert_id = ? WHERE id = ?').run(alertId, runId);
    ctx.audit({
      action: 'payouts.run', entity: 'payout_run', entityId: String(runId), before: null,
      after: { week: req.week, trigger: req.trigger, rulesVersion: PAYOUT_RULES_VERSION, inputsSha256: inputsSha, statementsSha256: statementSha, reportSha256: reportSha, counts, totals: result.totals, alert },
    });
    return runDetail(db, runId);
  } catch (e) {
    db.prepare("UPDATE payout_runs SET status = 'error', finished_at = ?, error = ? WHERE id = ?").run(now(), (e as Error).message, runId);
    ctx.audit({ action: 'payouts.run', entity: 'payout_run', entityId: String(runId), before: null, after: { week: req.week, trigger: req.trigger, error: (e as Error).message } });
    throw e;
  }
}

/** Σ|difference| of the discrepancies, each currency converted once (half-even) into the threshold's currency. */
export function discrepancyTotal(res: PayoutResult, currency: string, fxRates: Record<string, string>, reportingCurrency: string): { minor: number; currency: string; missingRates: string[] } {
  let minor = 0;
  const missing: string[] = [];
  for (const t of res.totals) {
    const abs = t.underpaid + t.overpaid;
    if (abs === 0) continue;
    if (t.currency === currency) minor += abs;
    else if (currency === reportingCurrency && fxRates[t.currency]) minor += convertMinor(abs, t.currency, currency, fxRates[t.currency]!);
    else missing.push(t.currency);
  }
  return { minor, currency, missingRates: missing };
}

function openTickets(ctx: ServiceContext, runId: number, week: string, res: PayoutResult): void {
  const { db } = ctx;
  const at = ctx.clock.now();
  const found = new Set<string>();
  for (const l of res.lines) {
    if (!isDiscrepancy(l)) continue;
    found.add(l.key);
    const direction = l.status as 'underpayment' | 'overpayment';
    const prior = db.prepare<[string, string, string], { id: number; direction: string; difference: number; state: string }>(
      'SELECT id, direction, difference, state FROM payout_tickets WHERE week = ? AND seller_id = ? AND currency = ?',
    ).get(week, l.sellerId, l.currency);
    if (prior) {
      if (prior.difference !== l.difference || prior.direction !== direction) {
        addTicketEvent(db, { ticketId: prior.id, at, actor: ctx.actor, action: 'rerun_changed', from: null, to: null, runId,
          note: `run ${runId} finds ${direction} ${displayMoney(Math.abs(l.difference), l.currency)} (was ${prior.direction} ${displayMoney(Math.abs(prior.difference), l.currency)}); the ticket keeps its original amount, transfer and deduction` });
      } else {
        addTicketEvent(db, { ticketId: prior.id, at, actor: ctx.actor, action: 'rerun_confirmed', from: null, to: null, runId, note: `run ${runId} finds the same ${direction}` });
      }
      continue;
    }
    const id = Number(db.prepare(
      "INSERT INTO payout_tickets (week, seller_id, currency, direction, expected, disbursed, difference, run_id, state, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
    ).run(week, l.sellerId, l.currency, direction, l.expected, l.disbursed, l.difference, runId, at, at).lastInsertRowid);
    const amount = Math.abs(l.difference);
    addTicketEvent(db, { ticketId: id, at, actor: ctx.actor, action: 'open', from: null, to: 'open', runId,
      note: `${direction}: expected ${displayMoney(l.expected, l.currency)}, disbursed ${displayMoney(l.disbursed, l.currency)}` });
    const ticketAfter = { id, week, sellerId: l.sellerId, currency: l.currency, direction, expected: l.expected, disbursed: l.disbursed, difference: l.difference, state: 'open' };
    ctx.audit({ action: 'payouts.ticket.open', entity: 'payout_ticket', entityId: String(id), before: null, after: ticketAfter });
    if (direction === 'underpayment') {
      const key = transferKey(id, amount, l.currency);
      const reason = `underpayment ${week}`;
      const tId = Number(db.prepare(
        "INSERT INTO payout_transfers (ticket_id, seller_id, amount, currency, reason, idempotency_key, status, proposed_at) VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?)",
      ).run(id, l.sellerId, amount, l.currency, reason, key, at).lastInsertRowid);
      addTicketEvent(db, { ticketId: id, at, actor: ctx.actor, action: 'transfer_proposed', from: null, to: null, runId, note: `corrective transfer #${tId} of ${displayMoney(amount, l.currency)} proposed (awaiting approval)` });
      ctx.audit({ action: 'payouts.transfer.propose', entity: 'payout_transfer', entityId: String(tId), before: null, after: { id: tId, ticketId: id, sellerId: l.sellerId, amount, currency: l.currency, idempotencyKey: key, status: 'proposed' } });
    } else {
      const dId = Number(db.prepare('INSERT INTO payout_deductions (ticket_id, seller_id, currency, amount, origin_week, recorded_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, l.sellerId, l.currency, amount, week, at).lastInsertRowid);
      addTicketEvent(db, { ticketId: id, at, actor: ctx.actor, action: 'deduction_recorded', from: null, to: null, runId, note: `deduction #${dId} of ${displayMoney(amount, l.currency)} applies from the next cycle` });
      ctx.audit({ action: 'payouts.deduction.record', entity: 'payout_deduction', entityId: String(dId), before: null, after: { id: dId, ticketId: id, sellerId: l.sellerId, currency: l.currency, amount, originWeek: week } });
    }
  }
  // tickets of this week the run no longer finds stay as they are, with a note
  const open = db.prepare<[string], { id: number; seller_id: string; currency: string }>("SELECT id, seller_id, currency FROM payout_tickets WHERE week = ? AND state != 'resolved'").all(week);
  for (const t of open) {
    if (found.has(`${t.seller_id}|${t.currency}`)) continue;
    addTicketEvent(db, { ticketId: t.id, at, actor: ctx.actor, action: 'rerun_not_found', from: null, to: null, runId, note: `run ${runId} no longer finds this discrepancy` });
  }
  // deductions applied this run: a note on their tickets
  for (const l of res.lines) {
    for (const a of l.applied) {
      const t = db.prepare<[number], { ticket_id: number }>('SELECT ticket_id FROM payout_deductions WHERE id = ?').get(a.deductionId);
      if (t) addTicketEvent(db, { ticketId: t.ticket_id, at, actor: ctx.actor, action: 'deduction_applied', from: null, to: null, runId, note: `${displayMoney(a.amount, l.currency)} deducted from the ${week} payout (run ${runId})` });
    }
  }
}

function fireAlert(ctx: ServiceContext, runId: number, week: string, total: { minor: number; currency: string; missingRates: string[] }, threshold: { amount: string; currency: string }, n: number): number {
  const thr = parseMinor(threshold.amount, threshold.currency);
  // one alert per episode: an unacknowledged alert of an earlier run of this week with the same total stands
  const prev = ctx.db.prepare<[string], { id: number; v: string }>(
    `SELECT id, "values" AS v FROM alerts WHERE rule = 'payout_discrepancy' AND acknowledged_at IS NULL AND json_extract("values", '$.week') = ? ORDER BY id DESC LIMIT 1`,
  ).get(week);
  if (prev && (JSON.parse(prev.v) as { discrepancyMinor?: number }).discrepancyMinor === total.minor) return prev.id;
  const entry = ctx.alerts.fire({
    rule: 'payout_discrepancy',
    severity: 'P2',
    title: `Seller payouts ${week}: discrepancies ${displayMoney(total.minor, total.currency)} above ${displayMoney(thr, threshold.currency)}`,
    message: `The ${week} seller payout reconciliation (run ${runId}) found ${n} under- or overpayment(s) adding up to ${displayMoney(total.minor, total.currency)} (Σ|difference|)${total.missingRates.length ? `; no rate for ${total.missingRates.join(', ')}` : ''}, above the ${displayMoney(thr, threshold.currency)} threshold. Tickets wait on the Payouts page.`,
    values: { week, runId, discrepancy: displayMoney(total.minor, total.currency), discrepancyMinor: total.minor, threshold: displayMoney(thr, threshold.currency), count: n },
    firedAt: ctx.clock.now(),
    runbookUrl: runbookUrl(ctx.settings.get().runbookBaseUrl, 'payout-discrepancy'),
  });
  return entry.id;
}
