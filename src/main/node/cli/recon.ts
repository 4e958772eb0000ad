/**
 * `marketlens recon ...`: the daily payment reconciliation (spec 5.1) from the command line or cron,
 * through the same handler map as the app. Exit code 4 when the run's open discrepancy is above
 * the alert threshold, so cron can page (docs/cli.md lists the JSON fields).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Services } from '../services/index.ts';
import { directClient } from '../../common/dispatch.ts';
import { isDay } from '../../../analytics/calendar.ts';
import { displayMoney } from '../../../analytics/money.ts';
import type { ReconRunDetail } from '../../common/api-reconciliation.ts';
import { UsageError, type Parsed } from './flags.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** Exit code when the reconciliation alert threshold is crossed. */
export const EXIT_RECON_ALERT = 4;

export const RECON_USAGE = `  recon run [--date YYYY-MM-DD] [--gateway G[,G...]] [--file F] [--ledger-file F] [--json]
                                                    reconcile a business date (default T-1): settlements vs ledger;
                                                    exit 4 when the open discrepancy is above the alert threshold
  recon report --date YYYY-MM-DD --out DIR [--run ID] [--json]
                                                    write reconciliation_report_DATE.csv and .xlsx of the latest run
                                                    (runs the date first when it has no run); exit 4 as above
  recon runs [--date YYYY-MM-DD] [--limit N] [--json] reconciliation runs, newest first
  recon settings [get] | recon settings set KEY VALUE  the daily run's settings (alertThreshold, agingDays, ...)`;

function date(flags: Parsed['flags'], required: boolean): string | undefined {
  const v = flags.date;
  if (v === undefined) {
    if (required) throw new UsageError('--date YYYY-MM-DD is required');
    return undefined;
  }
  if (!isDay(v)) throw new UsageError(`--date must be YYYY-MM-DD, got "${String(v)}"`);
  return v;
}

export async function reconCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const [sub, ...rest] = positionals;
  switch (sub) {
    case 'run': {
      const gateways = typeof flags.gateway === 'string' ? flags.gateway.split(',').map((g) => g.trim().toLowerCase()).filter(Boolean) : undefined;
      const files: { name: string; path: string; kind?: 'settlement' | 'ledger' }[] = [];
      for (const f of [...(typeof flags.file === 'string' ? [flags.file] : []), ...rest]) files.push({ name: basename(f), path: resolve(f) });
      if (typeof flags['ledger-file'] === 'string') files.push({ name: basename(flags['ledger-file']), path: resolve(flags['ledger-file']), kind: 'ledger' });
      const run = await call('recon.run', { date: date(flags, false), gateways, files: files.length ? files : undefined });
      io.out(flags.json ? JSON.stringify(run, null, 2) + '\n' : renderRun(run));
      if (run.alert) io.err(`marketlens recon: ALERT: open discrepancy ${money(run)} is above the threshold\n`);
      return run.alert ? EXIT_RECON_ALERT : 0;
    }
    case 'report': {
      const d = date(flags, true)!;
      if (typeof flags.out !== 'string') throw new UsageError('--out DIR is required');
      let runId = flags.run !== undefined ? Number(flags.run) : undefined;
      if (runId !== undefined && !Number.isSafeInteger(runId)) throw new UsageError('--run must be a run id');
      if (runId === undefined) {
        const list = await call('recon.runs', { date: d, limit: 50 });
        runId = list.runs.find((r) => r.status === 'done')?.id;
        if (runId === undefined) {
          io.err(`no reconciliation run for ${d} yet: running it now\n`);
          runId = (await call('recon.run', { date: d })).id;
        }
      }
      const run = await call('recon.get', { runId });
      if (run.date !== d) throw new UsageError(`run ${runId} is of ${run.date}, not ${d}`);
      const dir = resolve(flags.out);
      mkdirSync(dir, { recursive: true });
      const files = [];
      for (const format of ['csv', 'xlsx'] as const) {
        const f = await call('recon.report', { runId, format });
        const path = join(dir, f.filename);
        writeFileSync(path, Buffer.from(f.base64, 'base64'));
        files.push({ path, format, bytes: f.bytes, sha256: f.sha256 });
      }
      const alert = run.summary?.alert ?? run.alert;
      if (flags.json) io.out(JSON.stringify({ runId, date: d, alert, openDiscrepancy: run.summary?.openDiscrepancy ?? null, files }, null, 2) + '\n');
      else for (const f of files) io.out(`${f.path}  (${f.bytes} bytes, sha256 ${f.sha256})\n`);
      if (alert) io.err(`marketlens recon: ALERT: open discrepancy ${money(run)} is above the threshold\n`);
      return alert ? EXIT_RECON_ALERT : 0;
    }
    case 'runs': {
      const limit = flags.limit !== undefined ? Number(flags.limit) : 20;
      const list = await call('recon.runs', { date: date(flags, false), limit });
      if (flags.json) io.out(JSON.stringify(list, null, 2) + '\n');
      else {
        io.out(`${list.total} run(s)\n`);
        for (const r of list.runs) {
          io.out(`#${r.id} ${r.date} ${r.status} ${r.trigger} items ${r.itemCount} exceptions ${r.exceptionCount}` +
            `${r.openDiscrepancy ? ` open ${displayMoney(r.openDiscrepancy.minor, r.openDiscrepancy.currency)}` : ''}${r.alert ? ' ALERT' : ''}${r.error ? ` — ${r.error}` : ''}\n`);
        }
      }
      return 0;
    }
    case 'settings': {
      const [op, key, value] = rest;
      if (op === undefined || op === 'get') {
        io.out(JSON.stringify(await call('recon.settings.get', undefined), null, 2) + '\n');
        return 0;
      }
      if (op !== 'set' || !key || value === undefined) throw new UsageError('usage: marketlens recon settings set KEY VALUE (VALUE as JSON when not a plain string)');
      let v: unknown = value;
      try {
        v = JSON.parse(value);
      } catch {
        v = value;
      }
      const s = await call('recon.settings.update', { [key]: v } as never);
      io.out(JSON.stringify(s, null, 2) + '\n');
      return 0;
    }
    default:
      throw new UsageError(`usage:\n${RECON_USAGE}`);
  }
}

function money(run: ReconRunDetail): string {
  const t = run.summary?.openDiscrepancy ?? null;
  return t ? displayMoney(t.minor, t.currency) : '?';
}

export function renderRun(r: ReconRunDetail): string {
  const s = r.summary;
  const lines = [`Reconciliation ${r.date} — run #${r.id} (${r.status}, ${r.rulesVersion})`];
  if (!s) return lines.concat(r.error ? [`error: ${r.error}`] : []).join('\n') + '\n';
  lines.push(`Items ${s.items}, exceptions ${s.exceptions} (open ${s.openExceptions}), pending settlement ${s.pending}`);
  for (const st of s.byStatus.filter((x) => x.count > 0)) {
    lines.push(`  ${st.status.padEnd(22)} ${String(st.count).padStart(7)}  Δ ${st.discrepancy.map((d) => displayMoney(d.minor, d.currency)).join(' + ') || '0'}`);
  }
  for (const g of s.byGateway) lines.push(`  ${g.gateway.padEnd(10)} ${String(g.count).padStart(7)} items, ${g.exceptions} exceptions, fees ${g.fees.map((f) => displayMoney(f.minor, f.currency)).join(' + ') || '0'}`);
  const t = s.openDiscrepancy;
  lines.push(`Open discrepancy ${displayMoney(t.minor, t.currency)} (threshold ${displayMoney(s.threshold.minor, s.threshold.currency)})${s.alert ? '  ** ALERT **' : ''}`);
  for (const b of t.byCurrency.filter((x) => x.currency !== t.currency)) lines.push(`  ${displayMoney(b.minor, b.currency)} at 1 ${b.currency} = ${b.rate ?? 'no rate'} ${t.currency}`);
  lines.push(`Report sha256 ${r.reportSha256}`);
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}
