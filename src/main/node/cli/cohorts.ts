/**
 * `marketlens cohorts ...`: cohort retention runs, a cell's customers, exports, the scheduled run and
 * the comparison of stored runs, through the same handler map as the app (docs/cli.md lists the JSON
 * fields, docs/cohorts.md the definitions).
 */
import { writeFileSync } from 'node:fs';
import type { Services } from '../services/index.ts';
import { directClient } from '../../common/dispatch.ts';
import type { ApiArgs } from '../../common/api.ts';
import type { CohortComparison } from '../../common/api-cohorts.ts';
import type { CohortResult } from '../../../analytics/cohorts/types.ts';
import { UsageError, type Parsed } from './flags.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** flags that take no value (registered with the CLI's parser) */
export const COHORT_BOOLEAN_FLAGS = ['weekly', 'revenue', 'on-or-after', 'include-refunded', 'exclude-refunded'];

export const COHORTS_USAGE = `  cohorts --from YYYY-MM --to YYYY-MM [--weekly] [--revenue] [--on-or-after] [--breakdown source|device]
          [--acquisition registration|first_order] [--include-refunded|--exclude-refunded] [--json]
                                                    cohort retention matrix (docs/cohorts.md); --revenue prints revenue retention
  cohorts customers --cohort KEY [--offset K] [--value V] [--limit N] [--skip N] [run options] [--json]
                                                    the customers behind one cell
  cohorts export --format csv|xlsx [--table matrix|customers] [--cohort KEY --offset K] --out FILE [run options]
  cohorts scheduled [--json]                        run this month's scheduled run now and store it
  cohorts compare [--run ID] [--against ID] [--json]  a stored run against an earlier one (default: the latest two)`;

const PERIOD_RE = /^\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\d|5[0-3]))$/;

function int(flags: Parsed['flags'], name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

function queryArgs(flags: Parsed['flags']): ApiArgs<'cohort.run'> {
  const a: ApiArgs<'cohort.run'> = {};
  for (const k of ['from', 'to'] as const) {
    const v = flags[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !PERIOD_RE.test(v)) throw new UsageError(`--${k} must be YYYY-MM (or YYYY-Www with --weekly), got "${String(v)}"`);
    a[k] = v;
  }
  if (flags.weekly) a.granularity = 'week';
  else if (a.from?.includes('W') || a.to?.includes('W')) throw new UsageError('ISO weeks need --weekly');
  else a.granularity = 'month';
  if (flags['on-or-after']) a.mode = 'on_or_after';
  if (flags['include-refunded'] && flags['exclude-refunded']) throw new UsageError('--include-refunded and --exclude-refunded exclude each other');
  if (flags['include-refunded']) a.includeRefunded = true;
  if (flags['exclude-refunded']) a.includeRefunded = false;
  if (flags.breakdown !== undefined) {
    if (flags.breakdown !== 'source' && flags.breakdown !== 'device') throw new UsageError('--breakdown is source or device');
    a.breakdown = flags.breakdown;
  }
  if (flags.acquisition !== undefined) {
    if (flags.acquisition !== 'registration' && flags.acquisition !== 'first_order') throw new UsageError('--acquisition is registration or first_order');
    a.acquisition = flags.acquisition;
  }
  return a;
}

function cellArgs(flags: Parsed['flags']) {
  const cohort = flags.cohort;
  if (typeof cohort !== 'string' || !PERIOD_RE.test(cohort)) throw new UsageError('--cohort KEY (YYYY-MM or YYYY-Www) is required');
  const offset = int(flags, 'offset');
  const value = typeof flags.value === 'string' ? flags.value : undefined;
  return { ...queryArgs(flags), cohort, ...(offset !== undefined ? { offset } : {}), ...(value !== undefined ? { value } : {}) };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

export function renderCohorts(r: CohortResult, revenue: boolean): string {
  const label = r.query.granularity === 'month' ? 'M' : 'W';
  const K = r.maxOffset + 1;
  const lines: string[] = [];
  lines.push(`${revenue ? 'Revenue retention' : 'Retention'} by ${r.query.granularity} of ${r.query.acquisition === 'registration' ? 'registration' : 'first order'} (${r.query.mode === 'on' ? 'on' : 'on or after'}; refunded orders ${r.query.includeRefunded ? 'count' : 'excluded'}; ${r.query.timezone})`);
  if (revenue) {
    const rates = Object.entries(r.fx.rates).map(([c, v]) => `1 ${c} = ${v} ${r.fx.reportingCurrency}`).join(', ');
    lines.push(`GMV in ${r.fx.reportingCurrency}${rates ? ` at ${rates}` : ''}${r.fx.missing.length ? `; no rate for ${r.fx.missing.join(', ')}: revenue not shown` : ''}`);
  }
  lines.push(['cohort  ', 'size'.padStart(6), ...Array.from({ length: K }, (_, k) => `${label}${k}`.padStart(8))].join(' '));
  for (const row of r.matrix.rows) {
    const cells = Array.from({ length: K }, (_, k) => {
      const c = row.cells[k];
      if (!c) return ''.padStart(8);
      return `${pct(revenue ? c.revenuePct : c.pct)}${c.incomplete ? '*' : ''}`.padStart(8);
    });
    lines.push([row.key.padEnd(8), String(row.size).padStart(6), ...cells].join(' '));
  }
  if (!revenue) lines.push(['average '.padEnd(8), ''.padStart(6), ...r.matrix.averages.map((a) => pct(a.pct).padStart(8))].join(' '));
  lines.push(`* incomplete period (as of ${new Date(r.query.asOf).toISOString()})`);
  lines.push(`${Object.entries(r.milestoneLabels).map(([k, l]) => `${l} ${pct(r.matrix.milestones[k])}`).join('  ')} (size-weighted over complete periods)`);
  return lines.join('\n') + '\n';
}

function renderCompare(c: CohortComparison): string {
  const d = (x: { delta: number | null }) => (x.delta === null ? '—' : `${x.delta >= 0 ? '+' : ''}${(x.delta * 100).toFixed(1)} pp`);
  const lines = [`run ${c.run.id} (${new Date(c.run.createdAt).toISOString()}) against ${c.against ? `run ${c.against.id}` : 'nothing earlier'}`];
  for (const [m, v] of Object.entries(c.milestones)) lines.push(`  M${m}: ${pct(v.now)} (was ${pct(v.before)}, ${d(v)})`);
  return lines.join('\n') + '\n';
}

export async function cohortsCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const sub = positionals[0];
  const json = Boolean(flags.json);
  const print = (obj: unknown, text: () => string): void => io.out(json ? JSON.stringify(obj, null, 2) + '\n' : text());
  switch (sub) {
    case undefined:
    case 'run': {
      const r = await call('cohort.run', queryArgs(flags));
      print(r, () => renderCohorts(r, Boolean(flags.revenue)));
      return 0;
    }
    case 'customers': {
      const p = await call('cohort.customers', { ...cellArgs(flags), limit: int(flags, 'limit') ?? 50, offsetRows: int(flags, 'skip') ?? 0 });
      print(p, () => `${p.total} customers\n` + p.rows.map((c) => `${c.userId}\t${new Date(c.acquiredAt).toISOString()}\t${c.orders} orders in period\t${c.ordersTotal} total`).join('\n') + '\n');
      return 0;
    }
    case 'export': {
      const format = flags.format;
      if (format !== 'csv' && format !== 'xlsx') throw new UsageError('--format is csv or xlsx');
      if (typeof flags.out !== 'string') throw new UsageError('--out FILE is required');
      const table = flags.table === undefined ? 'matrix' : flags.table;
      if (table !== 'matrix' && table !== 'customers') throw new UsageError('--table is matrix or customers');
      const args: ApiArgs<'cohort.export'> = table === 'customers' ? { ...cellArgs(flags), format, table } : { ...queryArgs(flags), format, table };
      const f = await call('cohort.export', args);
      writeFileSync(flags.out, Buffer.from(f.base64, 'base64'));
      print({ file: flags.out, bytes: f.bytes, filename: f.filename }, () => `wrote ${flags.out} (${f.bytes} bytes)\n`);
      return 0;
    }
    case 'scheduled': {
      const r = await call('cohort.runScheduled', {});
      print(r, () => `stored run ${r.id} for ${r.scheduleMonth} (watermark seq ${r.watermark.seq})\n`);
      return 0;
    }
    case 'compare': {
      const c = await call('cohort.compare', { run: int(flags, 'run'), against: int(flags, 'against') });
      print(c, () => renderCompare(c));
      return 0;
    }
    default:
      throw new UsageError(`unknown cohorts subcommand "${sub}"\n${COHORTS_USAGE}`);
  }
}
