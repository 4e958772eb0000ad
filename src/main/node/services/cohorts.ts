/**
 * The cohorts slice of the handler map: cohort retention runs (computed in the analytics worker on
 * its columnar event cache), drill-down into a cell's customers, CSV/XLSX exports (the XLSX has a
 * heatmap-coloured sheet), saved segments (`saved_segments`), and the stored runs: every run is kept
 * in `cohort_runs` with its inputs (parameters, data watermark, hash of both) and a summary, so runs
 * can be compared. With `background` on, the monthly run happens on the 1st of each business month
 * (and at start when this month's run is missing: catch-up); `cohort.runScheduled` and
 * `marketlens cohorts --scheduled` run it on demand.
 */
import { startBackgroundJob } from './background.ts';
import { createRequests } from './requests.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { ApiArgs, Handlers } from '../../common/api.ts';
import type {
  CohortComparison, CohortExportFile, CohortRunRow, CohortRunSummary, CohortSettings, SavedSegment,
} from '../../common/api-cohorts.ts';
import type { ServiceContext } from './context.ts';
import { monthKey } from '../../../analytics/calendar.ts';
import { canonicalJson } from '../../../analytics/funnel/definition.ts';
import { firstWeekOfMonth, isMonthKey, isWeekKey, lastWeekOfMonth, nextPeriod, periodKeyOf } from '../../../analytics/cohorts/periods.ts';
import { MILESTONES, type CohortCustomer, type CohortMatrix, type CohortQuery, type CohortResult } from '../../../analytics/cohorts/types.ts';
import { toCsv, toStyledXlsx, heatColour, type ExportColumn, type StyledCell, type StyledSheet } from '../export/index.ts';
import type { Cell } from '../export/csv.ts';

type CohortHandlers = Pick<Handlers, Extract<keyof Handlers, `cohort.${string}` | `segment.${string}`>>;
type QueryArgs = ApiArgs<'cohort.run'>;

export interface CohortServiceOptions {
  /** run the monthly scheduled run (1st of each business month, catch-up at start) */
  background?: boolean;
  /** scheduler tick (default 60 s) */
  tickMs?: number;
}

const SETTINGS_KEY = 'cohorts';
export const DEFAULT_COHORT_SETTINGS: CohortSettings = { includeRefunded: true };
/** Cohorts in the scheduled run: the 12 business months before the run's month. */
export const SCHEDULED_MONTHS = 12;
const MIME = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

interface RunRow {
  id: number; created_at: number; trigger: 'scheduled' | 'on_demand'; schedule_month: string | null; params: string; watermark_seq: number;
  watermark_time: number | null; input_hash: string; summary: string;
}
interface SegmentRow { id: string; name: string; origin: string; size: number; created_at: number }

/** 'YYYY-MM' n months before `month`. */
function monthsBefore(month: string, n: number): string {
  const y = Number(month.slice(0, 4)), m = Number(month.slice(5, 7));
  const idx = y * 12 + (m - 1) - n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

export function createCohortHandlers(ctx: ServiceContext, opts: CohortServiceOptions = {}): CohortHandlers {
  const { db } = ctx;

  function settings(): CohortSettings {
    return { ...DEFAULT_COHORT_SETTINGS, ...(ctx.settings.getInternal<Partial<CohortSettings>>(SETTINGS_KEY) ?? {}) };
  }
  function hasRegistrations(): boolean {
    return db.prepare("SELECT 1 FROM events WHERE type = 'user.registered' LIMIT 1").get() !== undefined;
  }

  function resolveQuery(a: QueryArgs, now = ctx.clock.now()): CohortQuery {
    const st = ctx.settings.get();
    const tz = st.timezone;
    const granularity = a.granularity ?? (a.from && isWeekKey(a.from) ? 'week' : 'month');
    const current = monthKey(now, tz);
    let from = a.from ?? monthsBefore(current, SCHEDULED_MONTHS - 1);
    let to = a.to ?? (a.from && !isMonthKey(a.from) ? periodKeyOf(now, tz, granularity) : current);
    for (const [name, v] of [['from', from], ['to', to]] as const) {
      if (granularity === 'month' && !isMonthKey(v)) throw new Error(`${name}: monthly cohorts take a month (YYYY-MM), got "${v}"`);
      if (granularity === 'week' && !isMonthKey(v) && !isWeekKey(v)) throw new Error(`${name}: "${v}" is not a month (YYYY-MM) or an ISO week (YYYY-Www)`);
    }
    if (granularity === 'week') {
      if (isMonthKey(from)) from = firstWeekOfMonth(from);
      if (isMonthKey(to)) to = lastWeekOfMonth(to);
    }
    if (to < from) throw new Error(`the cohort range is empty (to ${to} before from ${from})`);
    let n = 0;
    for (let k = from; k <= to && n <= 600; k = nextPeriod(k, granularity)) n++;
    if (n > 520) throw new Error('at most 520 cohorts per run');
    return {
      granularity, from, to, mode: a.mode ?? 'on',
      acquisition: a.acquisition ?? (hasRegistrations() ? 'registration' : 'first_order'),
      includeRefunded: a.includeRefunded ?? settings().includeRefunded,
      breakdown: a.breakdown ?? null, timezone: tz, reportingCurrency: st.reportingCurrency, fxRates: { ...st.fxRates }, asOf: now,
    };
  }

  // ---- stored runs
  function summaryOf(r: CohortResult): CohortRunSummary {
    return {
      granularity: r.query.granularity, mode: r.query.mode, customers: r.customers,
      cohorts: r.matrix.rows.map((x) => ({ key: x.key, size: x.size, milestones: x.milestones })),
      milestones: r.matrix.milestones,
    };
  }
  function runRow(r: RunRow): CohortRunRow {
    return {
      id: r.id, createdAt: r.created_at, trigger: r.trigger, scheduleMonth: r.schedule_month, params: JSON.parse(r.params) as Record<string, unknown>,
      watermark: { seq: r.watermark_seq, time: r.watermark_time }, inputHash: r.input_hash, summary: JSON.parse(r.summary) as CohortRunSummary,
    };
  }
  function store(q: CohortQuery, r: CohortResult, trigger: 'scheduled' | 'on_demand', scheduleMonth: string | null): CohortRunRow {
    const params = { ...q };
    const watermark = { seq: r.watermark.seq, time: r.watermark.time };
    // the matrix depends on asOf only through the period containing it: hash that, so re-running
    // the same query on the same data within a period stores one row
    const hashed = { ...params, asOf: periodKeyOf(q.asOf, q.timezone, q.granularity) };
    const hash = createHash('sha256').update(canonicalJson({ params: hashed, watermark })).digest('hex');
    db.prepare(`INSERT OR IGNORE INTO cohort_runs (created_at, trigger, schedule_month, params, watermark_seq, watermark_time, input_hash, summary)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(ctx.clock.now(), trigger, scheduleMonth, canonicalJson(params), watermark.seq, watermark.time, hash, canonicalJson(summaryOf(r)));
    return runRow(db.prepare('SELECT * FROM cohort_runs WHERE input_hash = ? AND trigger = ?').get(hash, trigger) as RunRow);
  }

  const requests = createRequests((p) => ctx.push.emit('cohort.progress', p));
  async function run(q: CohortQuery, requestId?: string): Promise<CohortResult> {
    return requests.run(requestId, (o) => ctx.worker.run('cohort.run', q, o));
  }

  async function runScheduled(now: number): Promise<CohortRunRow> {
    const tz = ctx.settings.get().timezone;
    const month = monthKey(now, tz);
    const q = resolveQuery({ granularity: 'month', from: monthsBefore(month, SCHEDULED_MONTHS), to: monthsBefore(month, 1) }, now);
    return store(q, await run(q), 'scheduled', month);
  }

  if (opts.background) {
    // worker closed or no data yet: the tick throws and the next one retries; the first is the catch-up
    startBackgroundJob({
      db, clock: ctx.clock, everyMs: opts.tickMs ?? 60_000, firstAfterMs: 5_000,
      async tick(now) {
        // keeps the customer cache (cohorts, RFM) caught up and its snapshot current, so the
        // Cohorts and Segments pages answer at once and a restart has little to read
        await ctx.worker.run('customers.cache', { refresh: true });
        const month = monthKey(now, ctx.settings.get().timezone);
        const done = db.prepare("SELECT 1 FROM cohort_runs WHERE trigger = 'scheduled' AND schedule_month = ?").get(month);
        if (!done) await runScheduled(now);
      },
    });
  }

  // ---- cells
  function cellQuery(a: ApiArgs<'cohort.customers'>) {
    const { cohort, offset, value, offsetRows: _o, limit: _l, ...rest } = a;
    const query = resolveQuery(rest);
    if (value !== undefined && !query.breakdown) throw new Error('value needs breakdown');
    return { query, cohort, offset: offset ?? null, breakdownValue: value ?? null };
  }

  // ---- exports
  const pct = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : Math.round(x * 1e6) / 1e4);
  function matrixRows(r: CohortResult, m: CohortMatrix, value: string | null): Record<string, Cell>[] {
    const out: Record<string, Cell>[] = [];
    for (const row of m.rows) {
      for (const c of row.cells) {
        out.push({
          breakdown: value, cohort: row.key, cohort_start_utc: new Date(row.start).toISOString(), cohort_size: row.size, offset: c.offset,
          period_label: `${r.query.granularity === 'month' ? 'M' : 'W'}${c.offset}`, active: c.active, retention_pct: pct(c.pct),
          ci95_low_pct: pct(c.ci[0]), ci95_high_pct: pct(c.ci[1]), orders: c.orders, orders_per_active: c.ordersPerActive === null ? null : Math.round(c.ordersPerActive * 1e4) / 1e4,
          gmv_minor: c.gmvMinor, currency: r.fx.reportingCurrency, revenue_retention_pct: pct(c.revenuePct), incomplete: c.incomplete,
        });
      }
    }
    return out;
  }
  const MATRIX_COLS = ['breakdown', 'cohort', 'cohort_start_utc', 'cohort_size', 'offset', 'period_label', 'active', 'retention_pct', 'ci95_low_pct', 'ci95_high_pct',
    'orders', 'orders_per_active', 'gmv_minor', 'currency', 'revenue_retention_pct', 'incomplete'];
  const matrixColumns: ExportColumn<Record<string, Cell>>[] = MATRIX_COLS.map((k) => ({ header: k, key: (row) => row[k] }));
  const customerColumns: ExportColumn<CohortCustomer>[] = [
    { header: 'user_id', key: 'userId' }, { header: 'acquired_at', key: (c) => new Date(c.acquiredAt).toISOString() }, { header: 'source', key: 'source' },
    { header: 'device', key: 'device' }, { header: 'orders_in_period', key: 'orders' }, { header: 'orders_total', key: 'ordersTotal' },
    { header: 'first_order_at', key: (c) => (c.firstOrderAt === null ? null : new Date(c.firstOrderAt).toISOString()) },
    { header: 'last_order_at', key: (c) => (c.lastOrderAt === null ? null : new Date(c.lastOrderAt).toISOString()) },
  ];

  /** The heatmap sheet: cohorts down, offsets across, fill by % (scaled to the largest complete cell), incomplete cells marked. */
  function heatmapSheet(r: CohortResult, m: CohortMatrix, name: string, revenue: boolean): StyledSheet {
    const label = r.query.granularity === 'month' ? 'M' : 'W';
    const K = r.maxOffset + 1;
    const val = (c: CohortResult['matrix']['rows'][number]['cells'][number]) => (revenue ? c.revenuePct : c.pct);
    let max = 0;
    for (const row of m.rows) for (const c of row.cells) if (c.offset > 0 && !c.incomplete) max = Math.max(max, val(c) ?? 0);
    const head: StyledCell[] = [{ value: 'cohort', bold: true }, { value: 'size', bold: true }, ...Array.from({ length: K }, (_, k) => ({ value: `${label}${k}`, bold: true }))];
    const rows: (Cell | StyledCell)[][] = [head];
    for (const row of m.rows) {
      const line: (Cell | StyledCell)[] = [row.key, row.size];
      for (let k = 0; k < K; k++) {
        const c = row.cells[k];
        if (!c) line.push(null);
        else if (c.incomplete) line.push({ value: `${pct(val(c)) ?? ''}% (incomplete)`, fill: 'EEEEEE' });
        else {
          const v = val(c);
          line.push({ value: v, format: '0.0%', fill: v === null ? undefined : heatColour(k === 0 || max === 0 ? Math.min(1, v) : v / max) });
        }
      }
      rows.push(line);
    }
    rows.push([]);
    rows.push([{ value: 'weighted average', bold: true }, null, ...m.averages.map((a) => ({ value: revenue ? null : a.pct, format: '0.0%' }))]);
    return { name, rows, widths: [12, 8, ...Array.from({ length: K }, () => 10)] };
  }

  async function allCustomers(a: ApiArgs<'cohort.customers'>): Promise<CohortCustomer[]> {
    const base = cellQuery(a);
    const first = await ctx.worker.run('cohort.customers', { ...base, offsetRows: 0, limit: 1000 });
    const rows = [...first.rows];
    for (let off = 1000; off < first.total && off < 1_000_000; off += 1000) rows.push(...(await ctx.worker.run('cohort.customers', { ...base, offsetRows: off, limit: 1000 })).rows);
    return rows;
  }

  function segmentOf(r: SegmentRow): SavedSegment {
    return { id: r.id, name: r.name, origin: JSON.parse(r.origin) as Record<string, unknown>, size: r.size, createdAt: r.created_at };
  }
  const compareMilestones = (now: Record<string, number | null>, before: Record<string, number | null> | null) =>
    Object.fromEntries(MILESTONES.map(String).map((m) => {
      const n = now[m] ?? null, b = before ? (before[m] ?? null) : null;
      return [m, { now: n, before: b, delta: n !== null && b !== null ? n - b : null }];
    }));

  return {
    async 'cohort.run'(a) {
      const { requestId, ...rest } = a;
      const q = resolveQuery(rest);
      const r = await run(q, requestId);
      const stored = store(q, r, 'on_demand', null);
      return { ...r, runId: stored.id };
    },
    async 'cohort.cancel'({ requestId }) {
      return requests.cancel(requestId);
    },
    async 'cohort.customers'(a) {
      return ctx.worker.run('cohort.customers', { ...cellQuery(a), offsetRows: a.offsetRows ?? 0, limit: a.limit ?? 50 });
    },
    async 'cohort.export'(a): Promise<CohortExportFile> {
      const { format, table, cohort, offset, value, ...rest } = a;
      const q = resolveQuery(rest);
      const name = `cohorts-${q.granularity}-${q.mode}-${q.from}_${q.to}`;
      if ((table ?? 'matrix') === 'customers') {
        if (!cohort) throw new Error('table "customers" needs cohort');
        const rows = await allCustomers({ ...rest, cohort, offset, value });
        const cell = `${cohort}${offset === undefined ? '' : '-' + (q.granularity === 'month' ? 'M' : 'W') + offset}${value ? '-' + value : ''}`;
        const bytes = format === 'csv' ? toCsv(rows, customerColumns) : await toStyledXlsx([{ name: 'Customers', rows: [customerColumns.map((c) => ({ value: c.header, bold: true })), ...rows.map((r) => customerColumns.map((c) => (typeof c.key === 'function' ? c.key(r) : (r[c.key] as Cell))))] }]);
        return { filename: `${name}-customers-${cell.replace(/[^A-Za-z0-9-]+/g, '_')}.${format}`, mimeType: MIME[format], bytes: bytes.length, base64: bytes.toString('base64') };
      }
      const r = await run(q);
      const rows = [...matrixRows(r, r.matrix, null)];
      for (const b of r.breakdown?.values ?? []) rows.push(...matrixRows(r, b.matrix, b.value));
      let bytes: Buffer;
      if (format === 'csv') bytes = toCsv(rows, matrixColumns);
      else {
        const sheets: StyledSheet[] = [heatmapSheet(r, r.matrix, 'Retention heatmap', false), heatmapSheet(r, r.matrix, 'Revenue retention', true)];
        sheets.push({ name: 'Matrix', rows: [MATRIX_COLS.map((h) => ({ value: h, bold: true })), ...rows.map((row) => MATRIX_COLS.map((k) => row[k]))] });
        const fxRows: (Cell | StyledCell)[][] = [[{ value: 'currency', bold: true }, { value: 'gmv_minor', bold: true }, { value: `rate into ${r.fx.reportingCurrency}`, bold: true }]];
        for (const g of r.fx.gmvByCurrency) fxRows.push([g.currency, g.minor, g.currency === r.fx.reportingCurrency ? '1' : (r.fx.rates[g.currency] ?? 'missing')]);
        sheets.push({ name: 'FX rates', rows: fxRows });
        for (const b of r.breakdown?.values ?? []) sheets.push(heatmapSheet(r, b.matrix, `${r.breakdown!.dimension} ${b.value}`, false));
        bytes = await toStyledXlsx(sheets);
      }
      return { filename: `${name}.${format}`, mimeType: MIME[format], bytes: bytes.length, base64: bytes.toString('base64') };
    },
    async 'cohort.saveSegment'(a) {
      const { name, ...cell } = a;
      const trimmed = name.trim();
      if (!trimmed) throw new Error('name: a segment needs a name');
      const base = cellQuery({ ...cell });
      const users = await ctx.worker.run('cohort.cellUsers', base);
      const id = 'seg_' + randomUUID().replace(/-/g, '').slice(0, 12);
      const origin = { kind: 'cohort_cell', cohort: base.cohort, offset: base.offset, value: base.breakdownValue, query: base.query };
      try {
        db.transaction(() => {
          db.prepare('INSERT INTO saved_segments (id, name, origin, size, created_at) VALUES (?, ?, ?, ?, ?)').run(id, trimmed, canonicalJson(origin), users.length, ctx.clock.now());
          const ins = db.prepare('INSERT OR IGNORE INTO saved_segment_members (segment_id, user_id) VALUES (?, ?)');
          for (const u of users) ins.run(id, u);
        })();
      } catch (e) {
        if (/UNIQUE/.test((e as Error).message)) throw new Error(`a segment named "${trimmed}" already exists`);
        throw e;
      }
      const seg = segmentOf(db.prepare('SELECT * FROM saved_segments WHERE id = ?').get(id) as SegmentRow);
      ctx.audit({ action: 'segment.save', entity: 'segment', entityId: id, before: null, after: seg });
      return seg;
    },
    async 'segment.list'() {
      return (db.prepare('SELECT * FROM saved_segments ORDER BY created_at DESC, name').all() as SegmentRow[]).map(segmentOf);
    },
    async 'segment.members'(a) {
      const r = db.prepare('SELECT * FROM saved_segments WHERE id = ?').get(a.id) as SegmentRow | undefined;
      if (!r) throw new Error(`no segment "${a.id}"`);
      const userIds = db.prepare('SELECT user_id FROM saved_segment_members WHERE segment_id = ? ORDER BY user_id LIMIT ? OFFSET ?').pluck().all(a.id, a.limit ?? 100, a.offset ?? 0) as string[];
      return { segment: segmentOf(r), total: r.size, userIds };
    },
    async 'segment.delete'({ id }) {
      const r = db.prepare('SELECT * FROM saved_segments WHERE id = ?').get(id) as SegmentRow | undefined;
      if (!r) return { deleted: false };
      db.prepare('DELETE FROM saved_segments WHERE id = ?').run(id);
      ctx.audit({ action: 'segment.delete', entity: 'segment', entityId: id, before: segmentOf(r), after: null });
      return { deleted: true };
    },
    async 'cohort.runs'(a) {
      const total = db.prepare('SELECT count(*) FROM cohort_runs').pluck().get() as number;
      const rows = db.prepare('SELECT * FROM cohort_runs ORDER BY id DESC LIMIT ? OFFSET ?').all(a.limit ?? 50, a.offset ?? 0) as RunRow[];
      return { total, rows: rows.map(runRow) };
    },
    async 'cohort.runScheduled'(a) {
      return runScheduled(a.now ?? ctx.clock.now());
    },
    async 'cohort.compare'(a): Promise<CohortComparison> {
      const get = (id: number) => {
        const r = db.prepare('SELECT * FROM cohort_runs WHERE id = ?').get(id) as RunRow | undefined;
        if (!r) throw new Error(`no cohort run ${id}`);
        return runRow(r);
      };
      const latest = a.run !== undefined ? get(a.run) : (() => {
        const r = db.prepare('SELECT * FROM cohort_runs ORDER BY id DESC LIMIT 1').get() as RunRow | undefined;
        if (!r) throw new Error('no cohort runs yet');
        return runRow(r);
      })();
      const against = a.against !== undefined ? get(a.against) : (() => {
        const r = db.prepare('SELECT * FROM cohort_runs WHERE id < ? ORDER BY id DESC LIMIT 1').get(latest.id) as RunRow | undefined;
        return r ? runRow(r) : null;
      })();
      const before = new Map((against?.summary.cohorts ?? []).map((c) => [c.key, c]));
      return {
        run: latest, against,
        cohorts: latest.summary.cohorts.map((c) => ({
          key: c.key, size: c.size, sizeBefore: before.get(c.key)?.size ?? null, milestones: compareMilestones(c.milestones, before.get(c.key)?.milestones ?? null),
        })),
        milestones: compareMilestones(latest.summary.milestones, against?.summary.milestones ?? null),
      };
    },
    async 'cohort.settings'() {
      return settings();
    },
    async 'cohort.updateSettings'(a) {
      const before = settings();
      const after = { ...before, ...(a.includeRefunded !== undefined ? { includeRefunded: a.includeRefunded } : {}) };
      ctx.settings.setInternal(SETTINGS_KEY, after);
      ctx.audit({ action: 'cohort.updateSettings', entity: 'settings', entityId: SETTINGS_KEY, before, after });
      return after;
    },
  };
}
