/**
 * `marketlens rfm ...`: RFM segmentation (spec 3.2, docs/rfm.md) from the command line or cron,
 * through the same handler map as the app. `--json` prints the object the Segments page renders.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Services } from '../services/index.ts';
import { directClient } from '../../common/dispatch.ts';
import { isDay } from '../../../analytics/calendar.ts';
import { displayMoney } from '../../../analytics/money.ts';
import { SEGMENTS, type Segment } from '../../../analytics/rfm/segments.ts';
import type { RfmPushPreview, RfmPushResult, RfmRunDetail } from '../../common/api-rfm.ts';
import { PushError } from '../rfm/push.ts';
import { UsageError, type Parsed } from './flags.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

export const RFM_USAGE = `  rfm [--as-of YYYY-MM-DD] [--json]                 run RFM segmentation (default as-of: today, business timezone)
  rfm push [--dry-run] [--run ID] [--json]          send changed customer segments to the platform (resumes a failed push);
                                                    --dry-run prints what would change
  rfm export --run ID --format csv|xlsx --out DIR [--segment NAME]
                                                    the RFM table (or one segment's list) as CSV / XLSX`;

function runIdFlag(flags: Parsed['flags']): number | undefined {
  if (flags.run === undefined) return undefined;
  const n = Number(flags.run);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--run must be a run id, got "${String(flags.run)}"`);
  return n;
}

export async function rfmCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const [sub] = positionals;
  if (sub === undefined || sub === 'run') {
    const asOf = flags['as-of'];
    if (asOf !== undefined && !isDay(asOf)) throw new UsageError(`--as-of must be YYYY-MM-DD, got "${String(asOf)}"`);
    const run = await call('rfm.run', { asOf: asOf as string | undefined });
    io.out(flags.json ? JSON.stringify(run, null, 2) + '\n' : renderRun(run));
    return 0;
  }
  if (sub === 'push') {
    const runId = runIdFlag(flags);
    if (flags['dry-run']) {
      const p = await call('rfm.push.preview', { runId, limit: 1000 });
      io.out(flags.json ? JSON.stringify(p, null, 2) + '\n' : renderPreview(p));
      return 0;
    }
    try {
      const r = await call('rfm.push', { runId });
      io.out(flags.json ? JSON.stringify(r, null, 2) + '\n' : renderPush(r));
      return 0;
    } catch (e) {
      if (e instanceof PushError && flags.json) io.out(JSON.stringify({ error: e.message, push: e.push }, null, 2) + '\n');
      throw e;
    }
  }
  if (sub === 'export') {
    const runId = runIdFlag(flags);
    if (runId === undefined) throw new UsageError('--run ID is required');
    const format = flags.format;
    if (format !== 'csv' && format !== 'xlsx') throw new UsageError('--format must be csv or xlsx');
    if (typeof flags.out !== 'string') throw new UsageError('--out DIR is required');
    const segment = flags.segment as string | undefined;
    if (segment !== undefined && !(SEGMENTS as readonly string[]).includes(segment)) throw new UsageError(`--segment must be one of ${SEGMENTS.join(', ')}`);
    const f = await call('rfm.export', { runId, format, segment: segment as Segment | undefined });
    const dir = resolve(flags.out);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, f.filename);
    writeFileSync(path, Buffer.from(f.base64, 'base64'));
    io.out(flags.json ? JSON.stringify({ path, bytes: f.bytes }, null, 2) + '\n' : `${path} (${f.bytes} bytes)\n`);
    return 0;
  }
  throw new UsageError(`unknown rfm subcommand "${sub}"`);
}

function renderRun(r: RfmRunDetail): string {
  const s = r.summary!;
  const cur = s.reportingCurrency;
  const lines = [
    `RFM run ${r.id}: as of ${r.asOf} (${r.params.timezone}), window ${s.window.firstDay} .. ${s.window.lastDay}`,
    `Customers ${s.customers}, orders ${s.orders}, revenue ${displayMoney(s.revenue, cur)}`,
    `FX        ${s.rates.map((x) => `1 ${x.currency} = ${x.rate} ${cur}`).join(', ') || '—'}`,
    '',
    'segment               customers   share  revenue share',
  ];
  for (const g of s.segments) {
    lines.push(`${g.segment.padEnd(20)} ${String(g.customers).padStart(10)} ${(g.customerShare * 100).toFixed(1).padStart(6)}% ${(g.revenueShare * 100).toFixed(1).padStart(12)}%`);
  }
  lines.push('', 'cut points (score: min..max)');
  for (const k of ['r', 'f', 'm'] as const) {
    lines.push(`  ${k.toUpperCase()}: ` + s.cuts[k].map((c) => `${c.score}: ${c.min === null ? '—' : `${c.min}..${c.max}`}`).join('  '));
  }
  lines.push(`inputs ${r.inputsHash}  result ${r.resultHash}`);
  return lines.join('\n') + '\n';
}

function renderPreview(p: RfmPushPreview): string {
  const lines = [`Dry run: run ${p.runId} (as of ${p.asOf}) would send ${p.changes} changed segment(s) in ${p.batches} batch(es) of ≤ ${p.batchSize}`];
  if (p.pending) lines.push(`An unfinished push ${p.pending.id} (${p.pending.sentBatches}/${p.pending.batches} batches sent) is resumed first`);
  for (const t of p.transitions) lines.push(`  ${(t.from ?? '(not pushed)').padEnd(20)} -> ${t.to.padEnd(20)} ${t.customers}`);
  return lines.join('\n') + '\n';
}

function renderPush(r: RfmPushResult): string {
  const lines = r.resumed.map((p) => `resumed push ${p.id}: ${p.status}, ${p.sentBatches}/${p.batches} batches, ${p.changes} customers`);
  lines.push(`push ${r.push.id} (run ${r.push.runId}): ${r.push.status}, ${r.push.sentBatches}/${r.push.batches} batches, ${r.push.changes} customers`);
  return lines.join('\n') + '\n';
}
