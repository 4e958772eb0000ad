/**
 * `marketlens funnel ...`: funnel runs, drill-down, exports and the scheduled report, through the
 * same handler map as the app (docs/cli.md lists the JSON fields).
 */
import { writeFileSync } from 'node:fs';
import type { Services } from '../services/index.ts';
import { directClient } from '../../common/dispatch.ts';
import { isDay } from '../../../analytics/calendar.ts';
import type { ApiArgs } from '../../common/api.ts';
import type { DrilldownPage, DurationStats, FunnelReportRow, FunnelResult } from '../../../analytics/funnel/types.ts';
import { UsageError, type Parsed } from './flags.ts';
import { dropoffSettingsCmd, investigateCmd, INVESTIGATE_USAGE } from './funnel-investigate.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

export const FUNNEL_USAGE = `  funnel [--funnel NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--unit session|user] [--order sequential|strict|any]
         [--window-hours N] [--gap-minutes N] [--breakdown device,source] [--top N] [--trend hour|day|none] [--json]
                                                    run a funnel (default: the standard purchase funnel)
  funnel list [--json]                              saved funnels (and the built-in one)
  funnel dropped --step N [--limit N] [--offset N] [run options] [--json]
                                                    the units that dropped at step N, with their last events and errors
  funnel export --format csv|xlsx [--table steps|breakdown|trend|dropped] [--step N] --out FILE [run options]
  funnel report [--funnel NAME] [--json]            run the scheduled report (last 24 h) now and store it
  funnel reports [--funnel NAME] [--limit N] [--json]  stored report snapshots, newest first
${INVESTIGATE_USAGE}`;

function num(flags: Parsed['flags'], name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
  return n;
}

function queryArgs(flags: Parsed['flags']): ApiArgs<'funnel.run'> {
  const a: ApiArgs<'funnel.run'> = {};
  if (typeof flags.funnel === 'string') a.funnel = flags.funnel;
  for (const k of ['from', 'to'] as const) {
    const v = flags[k];
    if (v === undefined) continue;
    if (!isDay(v)) throw new UsageError(`--${k} must be YYYY-MM-DD, got "${String(v)}"`);
    a[k] = v;
  }
  if (flags.unit !== undefined) {
    if (flags.unit !== 'session' && flags.unit !== 'user') throw new UsageError('--unit is session or user');
    a.unit = flags.unit;
  }
  if (flags.order !== undefined) {
    if (flags.order !== 'sequential' && flags.order !== 'strict' && flags.order !== 'any') throw new UsageError('--order is sequential, strict or any');
    a.order = flags.order;
  }
  const wh = num(flags, 'window-hours');
  if (wh !== undefined) a.windowMs = Math.round(wh * 3_600_000);
  const gap = num(flags, 'gap-minutes');
  if (gap !== undefined) a.sessionGapMinutes = gap;
  if (typeof flags.breakdown === 'string') {
    const dims = flags.breakdown.split(',').map((d) => d.trim()).filter(Boolean);
    for (const d of dims) if (!['device', 'source', 'segment', 'category'].includes(d)) throw new UsageError(`--breakdown: unknown dimension "${d}" (device, source, segment, category)`);
    if (dims.length > 2) throw new UsageError('--breakdown takes at most two dimensions');
    a.breakdown = dims as ('device' | 'source' | 'segment' | 'category')[];
  }
  const top = num(flags, 'top');
  if (top !== undefined) a.topN = top;
  if (flags.trend !== undefined) {
    if (flags.trend !== 'hour' && flags.trend !== 'day' && flags.trend !== 'none') throw new UsageError('--trend is hour, day or none');
    a.trend = flags.trend;
  }
  return a;
}

export async function funnelCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const sub = positionals[0];
  const json = Boolean(flags.json);
  const print = (obj: unknown, text: () => string): void => io.out(json ? JSON.stringify(obj, null, 2) + '\n' : text());
  switch (sub) {
    case undefined:
    case 'run': {
      const r = await call('funnel.run', queryArgs(flags));
      print(r, () => renderFunnel(r));
      return 0;
    }
    case 'list': {
      const l = await call('funnel.list', undefined);
      print(l, () => l.map((f) => `${f.id.padEnd(16)} ${f.name}${f.builtin ? ' (built in)' : ''}${f.scheduled ? ' [scheduled]' : ''}\n    ${f.steps.map((s) => s.label ?? s.eventType).join(' -> ')}`).join('\n') + '\n');
      return 0;
    }
    case 'dropped': {
      const step = num(flags, 'step');
      if (step === undefined) throw new UsageError('funnel dropped needs --step N');
      const p = await call('funnel.drilldown', { ...queryArgs(flags), step, limit: num(flags, 'limit') ?? 50, offset: num(flags, 'offset') ?? 0 });
      print(p, () => renderDropped(p));
      return 0;
    }
    case 'export': {
      const format = flags.format;
      if (format !== 'csv' && format !== 'xlsx') throw new UsageError('funnel export needs --format csv|xlsx');
      if (typeof flags.out !== 'string') throw new UsageError('funnel export needs --out FILE');
      const table = flags.table as 'steps' | 'breakdown' | 'trend' | 'dropped' | undefined;
      const f = await call('funnel.export', { ...queryArgs(flags), format, table, step: num(flags, 'step') });
      writeFileSync(flags.out, Buffer.from(f.base64, 'base64'));
      print({ file: flags.out, filename: f.filename, bytes: f.bytes, mimeType: f.mimeType }, () => `wrote ${f.bytes} bytes to ${flags.out}\n`);
      return 0;
    }
    case 'report': {
      const rows = await call('funnel.runScheduled', typeof flags.funnel === 'string' ? { funnel: flags.funnel } : {});
      print(rows, () => rows.map(renderReport).join('\n'));
      return 0;
    }
    case 'reports': {
      const page = await call('funnel.reports', { funnel: typeof flags.funnel === 'string' ? flags.funnel : undefined, limit: num(flags, 'limit') ?? 24 });
      print(page, () => `${page.total} report(s)\n` + page.rows.map(renderReport).join('\n'));
      return 0;
    }
    case 'investigate':
      return investigateCmd(services, { flags, positionals }, io);
    case 'dropoff-settings':
      return dropoffSettingsCmd(services, { flags, positionals }, io);
    default:
      throw new UsageError(`unknown funnel subcommand "${sub}"`);
  }
}

const pct = (x: number | null): string => (x === null ? '—' : (x * 100).toFixed(1) + '%');
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
const med = (d: DurationStats | null): string => fmtDuration(d?.medianMs);

export function renderFunnel(r: FunnelResult): string {
  const period = r.period.from ? `${r.period.from} .. ${r.period.to}` : `${new Date(r.period.start).toISOString()} .. ${new Date(r.period.end).toISOString()}`;
  const lines = [
    `${r.funnel.name}: ${period} (${r.period.timezone}), per ${r.unit}, ${r.order} order, window ${fmtDuration(r.windowMs)}`,
    `data up to seq ${r.watermark.seq} (${r.watermark.events.toLocaleString('en-US')} events)`,
    '',
    `${'step'.padEnd(26)} ${'entered'.padStart(9)} ${'dropped'.padStart(9)} ${'vs prev'.padStart(8)} ${'vs start'.padStart(8)} ${'median from prev'.padStart(17)}  top drop-off reasons`,
  ];
  for (const s of r.steps) {
    lines.push(`${(s.step + '. ' + s.label).padEnd(26)} ${String(s.entered).padStart(9)} ${String(s.dropped).padStart(9)} ${pct(s.conversionFromPrevious).padStart(8)} ${pct(s.conversionFromStart).padStart(8)} ${med(s.timeFromPrevious).padStart(17)}  ${s.topDropoffReasons.slice(0, 3).map((x) => `${x.code} (${x.units})`).join(', ')}`);
  }
  lines.push('', `conversion ${pct(r.conversion)} (${r.completed}/${r.entered}); median time to convert ${med(r.steps.at(-1)!.timeToConvert)}`);
  if (r.breakdown) {
    lines.push('', `by ${r.breakdown.dimensions.join(' x ')}:`);
    for (const row of r.breakdown.rows) lines.push(`  ${r.breakdown.dimensions.map((d) => row.keys[d]).join(' / ').padEnd(30)} ${String(row.entered).padStart(9)} entered  ${pct(row.conversion).padStart(7)} converted`);
  }
  return lines.join('\n') + '\n';
}

function renderDropped(p: DrilldownPage): string {
  const out = [`${p.total} unit(s) dropped at step ${p.step} (${p.label}); showing ${p.offset + 1}..${p.offset + p.rows.length}`];
  for (const u of p.rows) {
    out.push(`${u.unit} ${u.userId ?? ''} ${u.device}/${u.source} entered ${new Date(u.enteredAt).toISOString()}`);
    out.push(`    last: ${u.lastEvents.slice(-3).map((e) => e.type).join(' -> ')}${u.errors.length ? `; errors: ${u.errors.map((e) => e.code).join(', ')}` : ''}`);
  }
  return out.join('\n') + '\n';
}

function renderReport(r: FunnelReportRow): string {
  return `#${r.id} ${r.funnelName} ${new Date(r.periodStart).toISOString()} .. ${new Date(r.periodEnd).toISOString()} seq ${r.watermark.seq}: ${r.report.entered} entered, ${pct(r.report.conversion)} converted (hash ${r.inputHash.slice(0, 12)})\n` +
    r.report.steps.map((s) => `    ${s.step}. ${s.label}: ${s.entered} ${pct(s.conversionFromPrevious)}${s.topDropoffReasons.length ? ' — ' + s.topDropoffReasons.map((x) => `${x.code} (${x.units})`).join(', ') : ''}`).join('\n') + '\n';
}
