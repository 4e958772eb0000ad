/**
 * `marketlens payouts ...`: seller payout reconciliation (spec 5.2) and the Payout Settlement Report
 * (spec 7) from the command line or cron, through the same handler map as the app. Exit code 4 when
 * a run's Σ|difference| of under- and overpayments is above the alert threshold (docs/payouts.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Services } from '../services/index.ts';
import { directClient } from '../../common/dispatch.ts';
import { isDay } from '../../../analytics/calendar.ts';
import { isIsoWeek } from '../../../analytics/payouts/engine.ts';
import { displayMoney, formatMinor } from '../../../analytics/money.ts';
import type { PayoutRunDetail } from '../../common/api-payouts.ts';
import { UsageError, type Parsed } from './flags.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

export const EXIT_PAYOUT_ALERT = 4;

export const PAYOUTS_USAGE = `  payouts run [--week YYYY-Www] [--json]            reconcile a week's seller payouts (default: the last disbursed week);
                                                    exit 4 when the discrepancies are above the alert threshold
  payouts report --date YYYY-MM-DD --out DIR [--json]
                                                    write payout_settlement_report_DATE.xlsx and .pdf
  payouts runs [--week YYYY-Www] [--json]          payout runs, newest first
  payouts tickets [--state open|in_review|resolved] [--json]
  payouts deductions [--seller ID] [--json]        deductions carried forward from overpayments
  payouts waive --deduction N --note TEXT [--from-week YYYY-Www] [--json]
                                                    waive a deduction from a week on (default: after the
                                                    latest reconciled week); audited
  payouts settings [get] | payouts settings set KEY VALUE`;

export async function payoutsCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const [sub, ...rest] = positionals;
  const week = (): string | undefined => {
    if (flags.week === undefined) return undefined;
    if (!isIsoWeek(flags.week)) throw new UsageError(`--week must be an ISO week YYYY-Www, got "${String(flags.week)}"`);
    return flags.week;
  };
  switch (sub) {
    case 'run': {
      const run = await call('payouts.run', { week: week() });
      io.out(flags.json ? JSON.stringify(run, null, 2) + '\n' : renderRun(run));
      if (run.alert) io.err(`marketlens payouts: ALERT: discrepancies ${total(run)} are above the threshold\n`);
      return run.alert ? EXIT_PAYOUT_ALERT : 0;
    }
    case 'report': {
      const d = flags.date;
      if (!isDay(d)) throw new UsageError('--date YYYY-MM-DD is required');
      if (typeof flags.out !== 'string') throw new UsageError('--out DIR is required');
      const dir = resolve(flags.out);
      mkdirSync(dir, { recursive: true });
      const files = [];
      for (const format of ['xlsx', 'pdf'] as const) {
        const f = await call('payouts.report.file', { date: d, format });
        const path = join(dir, f.filename);
        writeFileSync(path, Buffer.from(f.base64, 'base64'));
        files.push({ path, format, bytes: f.bytes, sha256: f.sha256 });
      }
      if (flags.json) io.out(JSON.stringify({ date: d, report: await call('payouts.report', { date: d }), files }, null, 2) + '\n');
      else for (const f of files) io.out(`${f.path}  (${f.bytes} bytes, sha256 ${f.sha256})\n`);
      return 0;
    }
    case 'runs': {
      const list = await call('payouts.runs', { week: week(), limit: flags.limit !== undefined ? Number(flags.limit) : 20 });
      if (flags.json) io.out(JSON.stringify(list, null, 2) + '\n');
      else for (const r of list.runs) io.out(`#${r.id} ${r.week} ${r.status} ${r.trigger} lines ${r.lineCount} discrepancies ${r.discrepancyCount} findings ${r.findingCount}${r.alert ? ' ALERT' : ''}${r.error ? ` — ${r.error}` : ''}\n`);
      return 0;
    }
    case 'tickets': {
      const state = flags.state;
      if (state !== undefined && state !== 'open' && state !== 'in_review' && state !== 'resolved') throw new UsageError('--state must be open, in_review or resolved');
      const list = await call('payouts.tickets', { state, limit: 1000 });
      if (flags.json) io.out(JSON.stringify(list, null, 2) + '\n');
      else for (const t of list.tickets) io.out(`#${t.id} ${t.week} ${t.sellerId} ${t.direction} ${formatMinor(t.difference, t.currency)} ${t.currency} ${t.state}${t.transfer ? ` transfer #${t.transfer.id} ${t.transfer.status}` : ''}${t.deduction ? ` deduction #${t.deduction.id} outstanding ${formatMinor(t.deduction.outstanding, t.currency)}` : ''}\n`);
      return 0;
    }
    case 'deductions': {
      const list = await call('payouts.deductions', { sellerId: typeof flags.seller === 'string' ? flags.seller : undefined, limit: 1000 });
      if (flags.json) io.out(JSON.stringify(list, null, 2) + '\n');
      else for (const d of list) io.out(`#${d.id} ${d.originWeek} ${d.sellerId} ${formatMinor(d.amount, d.currency)} ${d.currency} outstanding ${formatMinor(d.outstanding, d.currency)}${d.waived ? ` waived from ${d.waived.fromWeek} by ${d.waived.actor}` : ''}\n`);
      return 0;
    }
    case 'waive': {
      const id = Number(flags.deduction);
      if (!Number.isSafeInteger(id) || id < 1) throw new UsageError('--deduction N (a deduction id, see `marketlens payouts deductions`) is required');
      if (typeof flags.note !== 'string' || !flags.note.trim()) throw new UsageError('--note TEXT (the reason, recorded in the audit log) is required');
      const from = flags['from-week'];
      if (from !== undefined && !isIsoWeek(from)) throw new UsageError(`--from-week must be an ISO week YYYY-Www, got "${String(from)}"`);
      const d = await call('payouts.deduction.waive', { deductionId: id, note: flags.note, fromWeek: from as string | undefined });
      io.out(flags.json ? JSON.stringify(d, null, 2) + '\n' : `deduction #${d.id} (${d.sellerId}, ${d.originWeek}) waived from ${d.waived!.fromWeek}: ${formatMinor(d.outstanding, d.currency)} ${d.currency} will not be deducted\n`);
      return 0;
    }
    case 'settings': {
      const [op, key, value] = rest;
      if (op === undefined || op === 'get') {
        io.out(JSON.stringify(await call('payouts.settings.get', undefined), null, 2) + '\n');
        return 0;
      }
      if (op !== 'set' || !key || value === undefined) throw new UsageError('usage: marketlens payouts settings set KEY VALUE (VALUE as JSON when not a plain string)');
      let v: unknown = value;
      try {
        v = JSON.parse(value);
      } catch {
        v = value;
      }
      io.out(JSON.stringify(await call('payouts.settings.update', { [key]: v } as never), null, 2) + '\n');
      return 0;
    }
    default:
      throw new UsageError(`usage:\n${PAYOUTS_USAGE}`);
  }
}

function total(run: PayoutRunDetail): string {
  const t = run.discrepancyTotal;
  return t ? displayMoney(t.minor, t.currency) : '?';
}

export function renderRun(r: PayoutRunDetail): string {
  const lines = [`Seller payouts ${r.week} — run #${r.id} (${r.status}, ${r.rulesVersion})`];
  if (r.status !== 'done') return lines.concat(r.error ? [`error: ${r.error}`] : []).join('\n') + '\n';
  for (const t of r.totals) {
    lines.push(`  ${t.currency}: ${t.sellers} sellers, expected ${formatMinor(t.expected, t.currency)}, disbursed ${formatMinor(t.disbursed, t.currency)}, difference ${formatMinor(t.difference, t.currency)}` +
      ` (underpaid ${formatMinor(t.underpaid, t.currency)}, overpaid ${formatMinor(t.overpaid, t.currency)}, ${t.discrepancies} discrepancies)`);
  }
  lines.push(`Findings (statements vs synced events): ${r.findingCount}`);
  lines.push(`Discrepancies ${total(r)}${r.alert ? '  ** ALERT **' : ''}`);
  lines.push(`Inputs sha256 ${r.inputsSha256}; report sha256 ${r.reportSha256}`);
  return lines.join('\n') + '\n';
}
