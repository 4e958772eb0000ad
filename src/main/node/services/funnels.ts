/**
 * The funnels slice of the handler map: saved definitions (SQLite `funnels`), runs and drill-downs
 * (computed in the analytics worker, which owns the columnar event cache), exports (CSV/XLSX bytes),
 * and the scheduled report: hourly, over the last 24 h, one `funnel_reports` row per funnel with its
 * inputs (parameters, data watermark, hash of both). With `background` on, a timer runs it and keeps
 * the worker's cache warm; `funnel.runScheduled` and `marketlens funnel-report` run it on demand.
 */
import { startBackgroundJob } from './background.ts';
import { createRequests } from './requests.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { ApiArgs, Handlers } from '../../common/api.ts';
import type { ServiceContext } from './context.ts';
import { isEventType } from '../../../contract/events.ts';
import { addDays, dayKey, dayRange, localParts, zonedToUtc, HOUR_MS } from '../../../analytics/calendar.ts';
import {
  STANDARD_FUNNEL, STANDARD_FUNNEL_ID, DEFAULT_SESSION_GAP_MS, DEFAULT_TOP_N, canonicalJson, checkSteps,
} from '../../../analytics/funnel/definition.ts';
import { defaultGranularity } from '../../../analytics/funnel/buckets.ts';
import type {
  BreakdownDim, DrilldownPage, ExportFile, FunnelDefinition, FunnelQuery, FunnelReportRow, FunnelReportSummary, FunnelResult, FunnelStep,
} from '../../../analytics/funnel/types.ts';
import { toCsv, toXlsx, type ExportColumn, type Sheet } from '../export/index.ts';

type FunnelHandlers = Pick<Handlers, Extract<keyof Handlers, `funnel.${string}`>>;
type QueryArgs = ApiArgs<'funnel.run'>;

export interface FunnelServiceOptions {
  /** run the hourly scheduled report and keep the worker's cache warm */
  background?: boolean;
  /** scheduler tick (default 60 s) */
  tickMs?: number;
  /** runs after each hourly scheduled run (the drop-off watches) with the run's clock */
  afterScheduled?: (now: number) => Promise<unknown>;
}

interface FunnelRow { id: string; name: string; definition: string; scheduled: number; created_at: number; updated_at: number }
interface ReportRow {
  id: number; funnel_id: string; funnel_name: string; created_at: number; period_start: number; period_end: number; params: string;
  watermark_seq: number; watermark_time: number | null; input_hash: string; report: string;
}

const MIME = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

/** Start (UTC ms) of the local hour containing `ms` in `tz`. */
export function startOfLocalHour(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const t = zonedToUtc(p.year, p.month, p.day, p.hour, 0, tz);
  return t <= ms ? t : t - HOUR_MS;
}

export function createFunnelHandlers(ctx: ServiceContext, opts: FunnelServiceOptions = {}): FunnelHandlers {
  const { db } = ctx;
  /** worker calls with cancellation (funnel.cancel) and progress pushes keyed by requestId */
  const requests = createRequests((p) => ctx.push.emit('funnel.progress', p));

  function rowToDef(r: FunnelRow): FunnelDefinition {
    const d = JSON.parse(r.definition) as Pick<FunnelDefinition, 'steps' | 'order' | 'unit' | 'windowMs'>;
    return {
      id: r.id, name: r.name, builtin: false, steps: d.steps, order: d.order, unit: d.unit, windowMs: d.windowMs,
      scheduled: r.scheduled === 1, createdAt: r.created_at, updatedAt: r.updated_at,
    };
  }
  function saved(): FunnelDefinition[] {
    return (db.prepare('SELECT * FROM funnels ORDER BY name COLLATE NOCASE').all() as FunnelRow[]).map(rowToDef);
  }
  function find(ref: string | undefined): FunnelDefinition {
    if (ref === undefined || ref === STANDARD_FUNNEL_ID || ref.toLowerCase() === STANDARD_FUNNEL.name.toLowerCase()) return STANDARD_FUNNEL;
    const r = (db.prepare('SELECT * FROM funnels WHERE id = ?').get(ref) ?? db.prepare('SELECT * FROM funnels WHERE name = ? COLLATE NOCASE').get(ref)) as FunnelRow | undefined;
    if (!r) throw new Error(`no funnel "${ref}"`);
    return rowToDef(r);
  }
  function validSteps(steps: FunnelStep[]): FunnelStep[] {
    const errs = checkSteps(steps, isEventType);
    if (errs.length) throw new Error(errs.join('; '));
    return steps.map((s) => {
      const o: FunnelStep = { eventType: s.eventType };
      if (s.label) o.label = s.label;
      if (s.filters?.length) o.filters = s.filters.map((f) => ({ property: f.property, op: f.op, values: [...f.values] }));
      if (s.windowMs !== undefined && s.windowMs !== null) o.windowMs = s.windowMs;
      return o;
    });
  }

  /** The latest event time known (sync state, else the last arrived event). */
  function latestEventTime(): number | null {
    const st = db.prepare('SELECT max(last_event_time) FROM sync_state').pluck().get() as number | null;
    const last = db.prepare('SELECT time FROM events ORDER BY seq DESC LIMIT 1').pluck().get() as number | undefined;
    const t = Math.max(st ?? -Infinity, last ?? -Infinity);
    return Number.isFinite(t) ? t : null;
  }

  function resolveQuery(a: QueryArgs): FunnelQuery {
    const def = a.steps ? null : find(a.funnel);
    const steps = a.steps ? validSteps(a.steps) : def!.steps;
    const tz = ctx.settings.get().timezone;
    let start: number, end: number, from: string | null = null, to: string | null = null;
    if (a.start !== undefined || a.end !== undefined) {
      if (a.start === undefined || a.end === undefined) throw new Error('start and end go together');
      if (a.from || a.to) throw new Error('give either from/to (business days) or start/end (epoch ms)');
      start = a.start;
      end = a.end;
    } else {
      const latest = latestEventTime() ?? ctx.clock.now();
      to = a.to ?? dayKey(latest, tz);
      from = a.from ?? addDays(to, -6);
      start = dayRange(from, tz).start;
      end = dayRange(to, tz).end;
    }
    if (!(end > start)) throw new Error('the period is empty (to before from?)');
    if (end - start > 400 * 86_400_000) throw new Error('the period is longer than 400 days');
    const breakdown = [...new Set(a.breakdown ?? [])] as BreakdownDim[];
    const trend = a.trend === 'none' ? null : (a.trend ?? defaultGranularity(start, end));
    return {
      spec: { steps, order: a.order ?? def?.order ?? 'sequential', windowMs: a.windowMs ?? def?.windowMs ?? STANDARD_FUNNEL.windowMs },
      unit: a.unit ?? def?.unit ?? 'session',
      start, end, timezone: tz,
      sessionGapMs: a.sessionGapMinutes !== undefined ? Math.round(a.sessionGapMinutes * 60_000) : DEFAULT_SESSION_GAP_MS,
      breakdown, topN: a.topN ?? DEFAULT_TOP_N, trend,
      meta: { id: def?.id ?? null, name: def?.name ?? 'ad-hoc funnel', from, to },
    };
  }

  function runQuery(q: FunnelQuery, requestId?: string): Promise<FunnelResult> {
    return requests.run(requestId, (o) => ctx.worker.run('funnel.run', q, o));
  }
  function drill(q: FunnelQuery, step: number, offset: number, limit: number, requestId?: string): Promise<DrilldownPage> {
    if (step > q.spec.steps.length) throw new Error(`step must be 1..${q.spec.steps.length}`);
    return requests.run(requestId, (o) => ctx.worker.run('funnel.drilldown', { query: q, step, offset, limit }, o));
  }

  // ---- scheduled report
  function summary(r: FunnelResult): FunnelReportSummary {
    return {
      entered: r.entered, completed: r.completed, conversion: r.conversion,
      steps: r.steps.map((s) => ({
        step: s.step, label: s.label, eventType: s.eventType, entered: s.entered, converted: s.converted, dropped: s.dropped,
        conversionFromPrevious: s.conversionFromPrevious, conversionFromStart: s.conversionFromStart,
        medianTimeFromPreviousMs: s.timeFromPrevious?.medianMs ?? null, topDropoffReasons: s.topDropoffReasons,
      })),
    };
  }
  function reportRow(r: ReportRow): FunnelReportRow {
    return {
      id: r.id, funnelId: r.funnel_id, funnelName: r.funnel_name, createdAt: r.created_at, periodStart: r.period_start, periodEnd: r.period_end,
      params: JSON.parse(r.params) as Record<string, unknown>, watermark: { seq: r.watermark_seq, time: r.watermark_time },
      inputHash: r.input_hash, report: JSON.parse(r.report) as FunnelReportSummary,
    };
  }

  async function runScheduledFor(def: FunnelDefinition, now: number): Promise<FunnelReportRow> {
    const tz = ctx.settings.get().timezone;
    const end = startOfLocalHour(now, tz);
    const start = end - 24 * HOUR_MS;
    const q: FunnelQuery = {
      spec: { steps: def.steps, order: def.order, windowMs: def.windowMs }, unit: def.unit, start, end, timezone: tz,
      sessionGapMs: DEFAULT_SESSION_GAP_MS, breakdown: [], topN: DEFAULT_TOP_N, trend: null,
      meta: { id: def.id, name: def.name, from: null, to: null },
    };
    const result = await ctx.worker.run('funnel.run', q);
    const params = { funnelId: def.id, steps: def.steps, order: def.order, unit: def.unit, windowMs: def.windowMs, sessionGapMs: q.sessionGapMs, start, end, timezone: tz };
    const watermark = { seq: result.watermark.seq, time: result.watermark.time };
    const hash = createHash('sha256').update(canonicalJson({ params, watermark })).digest('hex');
    db.prepare(`INSERT OR IGNORE INTO funnel_reports (funnel_id, funnel_name, created_at, period_start, period_end, params, watermark_seq, watermark_time, input_hash, report)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      def.id, def.name, ctx.clock.now(), start, end, canonicalJson(params), watermark.seq, watermark.time, hash, canonicalJson(summary(result)),
    );
    return reportRow(db.prepare('SELECT * FROM funnel_reports WHERE input_hash = ?').get(hash) as ReportRow);
  }
  function scheduledFunnels(): FunnelDefinition[] {
    return [STANDARD_FUNNEL, ...saved().filter((f) => f.scheduled)];
  }

  if (opts.background) {
    // worker closed or a bad saved funnel: the tick throws and the next one retries; the first warms the cache
    startBackgroundJob({
      db, clock: ctx.clock, everyMs: opts.tickMs ?? 60_000, firstAfterMs: 2_000,
      async tick(now) {
        await ctx.worker.run('funnel.cache', { refresh: true });
        const end = startOfLocalHour(now, ctx.settings.get().timezone);
        for (const f of scheduledFunnels()) {
          if (!db.open) break;
          const done = db.prepare('SELECT 1 FROM funnel_reports WHERE funnel_id = ? AND period_end = ?').get(f.id, end);
          if (!done) await runScheduledFor(f, now);
        }
        if (db.open) await opts.afterScheduled?.(now);
      },
    });
  }

  // ---- exports
  const pct = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e4);
  function stepsSheet(r: FunnelResult): Sheet<FunnelResult['steps'][number]> {
    return {
      name: 'Steps',
      rows: r.steps,
      columns: [
        { header: 'step', key: 'step' }, { header: 'label', key: 'label' }, { header: 'event_type', key: 'eventType' },
        { header: 'entered', key: 'entered' }, { header: 'converted', key: 'converted' }, { header: 'dropped', key: 'dropped' },
        { header: 'conversion_from_previous_pct', key: (s) => pct(s.conversionFromPrevious) },
        { header: 'conversion_from_start_pct', key: (s) => pct(s.conversionFromStart) },
        { header: 'time_from_previous_mean_ms', key: (s) => s.timeFromPrevious?.meanMs },
        { header: 'time_from_previous_median_ms', key: (s) => s.timeFromPrevious?.medianMs },
        { header: 'time_from_previous_p90_ms', key: (s) => s.timeFromPrevious?.p90Ms },
        { header: 'time_from_previous_p95_ms', key: (s) => s.timeFromPrevious?.p95Ms },
        { header: 'time_to_convert_median_ms', key: (s) => s.timeToConvert?.medianMs },
        { header: 'time_to_convert_p90_ms', key: (s) => s.timeToConvert?.p90Ms },
        { header: 'top_dropoff_reasons', key: (s) => s.topDropoffReasons.map((x) => `${x.code} (${x.units})`).join('; ') },
      ],
    };
  }
  function breakdownSheet(r: FunnelResult): Sheet<NonNullable<FunnelResult['breakdown']>['rows'][number]> {
    const b = r.breakdown;
    const dims = b?.dimensions ?? [];
    const cols: ExportColumn<NonNullable<FunnelResult['breakdown']>['rows'][number]>[] = dims.map((d) => ({ header: d, key: (row) => row.keys[d] }));
    cols.push({ header: 'entered', key: 'entered' });
    r.steps.forEach((s, k) => cols.push({ header: `step${s.step}_${s.label}`, key: (row) => row.reached[k] }));
    cols.push({ header: 'conversion_pct', key: (row) => pct(row.conversion) });
    return { name: 'Breakdown', rows: b?.rows ?? [], columns: cols };
  }
  function trendSheet(r: FunnelResult): Sheet<NonNullable<FunnelResult['trend']>['buckets'][number]> {
    const cols: ExportColumn<NonNullable<FunnelResult['trend']>['buckets'][number]>[] = [
      { header: 'bucket', key: 'label' }, { header: 'start_utc', key: (b) => new Date(b.start).toISOString() },
      { header: 'entered', key: 'entered' }, { header: 'completed', key: 'completed' }, { header: 'conversion_pct', key: (b) => pct(b.conversion) },
    ];
    r.steps.forEach((s, k) => cols.push({ header: `step${s.step}_${s.label}`, key: (b) => b.reached[k] }));
    return { name: 'Trend', rows: r.trend?.buckets ?? [], columns: cols };
  }
  function droppedSheet(p: DrilldownPage): Sheet<DrilldownPage['rows'][number]> {
    const iso = (t: number) => new Date(t).toISOString();
    return {
      name: `Dropped at step ${p.step}`,
      rows: p.rows,
      columns: [
        { header: 'unit', key: 'unit' }, { header: 'user_id', key: 'userId' }, { header: 'device', key: 'device' }, { header: 'source', key: 'source' },
        { header: 'segment', key: 'segment' }, { header: 'category', key: 'category' },
        { header: 'entered_at', key: (u) => iso(u.enteredAt) }, { header: 'last_step_at', key: (u) => iso(u.lastStepAt) },
        { header: 'last_event_type', key: (u) => u.lastEvents.at(-1)?.type }, { header: 'last_event_at', key: (u) => (u.lastEvents.length ? iso(u.lastEvents.at(-1)!.time) : null) },
        { header: 'last_events', key: (u) => u.lastEvents.map((e) => `${e.type}@${iso(e.time)}`).join('; ') },
        { header: 'error_codes', key: (u) => [...new Set(u.errors.map((e) => e.code).filter(Boolean))].join('; ') },
      ],
    };
  }
  const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'funnel';

  return {
    async 'funnel.list'() {
      return [STANDARD_FUNNEL, ...saved()];
    },
    async 'funnel.save'(a) {
      const steps = validSteps(a.steps);
      if (a.name.trim() === '') throw new Error('name: a funnel needs a name');
      if (a.name.trim().toLowerCase() === STANDARD_FUNNEL.name.toLowerCase() || a.id === STANDARD_FUNNEL_ID) throw new Error('the standard funnel is built in and cannot be changed');
      const now = ctx.clock.now();
      const before = a.id ? (db.prepare('SELECT * FROM funnels WHERE id = ?').get(a.id) as FunnelRow | undefined) : undefined;
      if (a.id && !before) throw new Error(`no funnel "${a.id}"`);
      const prev = before ? rowToDef(before) : null;
      const definition = { steps, order: a.order ?? prev?.order ?? 'sequential', unit: a.unit ?? prev?.unit ?? 'session', windowMs: a.windowMs ?? prev?.windowMs ?? STANDARD_FUNNEL.windowMs };
      const id = a.id ?? 'f_' + randomUUID().replace(/-/g, '').slice(0, 12);
      const scheduled = (a.scheduled ?? prev?.scheduled ?? false) ? 1 : 0;
      try {
        if (before) db.prepare('UPDATE funnels SET name = ?, definition = ?, scheduled = ?, updated_at = ? WHERE id = ?').run(a.name.trim(), JSON.stringify(definition), scheduled, now, id);
        else db.prepare('INSERT INTO funnels (id, name, definition, scheduled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, a.name.trim(), JSON.stringify(definition), scheduled, now, now);
      } catch (e) {
        if (/UNIQUE/.test((e as Error).message)) throw new Error(`a funnel named "${a.name.trim()}" already exists`);
        throw e;
      }
      const after = rowToDef(db.prepare('SELECT * FROM funnels WHERE id = ?').get(id) as FunnelRow);
      ctx.audit({ action: 'funnel.save', entity: 'funnel', entityId: id, before: prev, after });
      return after;
    },
    async 'funnel.delete'({ id }) {
      if (id === STANDARD_FUNNEL_ID) throw new Error('the standard funnel is built in and cannot be deleted');
      const before = db.prepare('SELECT * FROM funnels WHERE id = ?').get(id) as FunnelRow | undefined;
      if (!before) return { deleted: false };
      db.prepare('DELETE FROM funnels WHERE id = ?').run(id);
      ctx.audit({ action: 'funnel.delete', entity: 'funnel', entityId: id, before: rowToDef(before), after: null });
      return { deleted: true };
    },
    async 'funnel.run'(a) {
      return runQuery(resolveQuery(a), a.requestId);
    },
    async 'funnel.cancel'({ requestId }) {
      return requests.cancel(requestId);
    },
    async 'funnel.drilldown'(a) {
      const { step, offset, limit, ...rest } = a;
      return drill(resolveQuery(rest), step, offset ?? 0, limit ?? 50, a.requestId);
    },
    async 'funnel.export'(a): Promise<ExportFile> {
      const { format, table, step, ...rest } = a;
      const q = resolveQuery(rest);
      const r = await runQuery(q, a.requestId);
      const name = `funnel-${slug(r.funnel.name)}-${r.period.from ?? new Date(q.start).toISOString().slice(0, 10)}_${r.period.to ?? new Date(q.end - 1).toISOString().slice(0, 10)}`;
      const dropped = async (s: number): Promise<DrilldownPage> => {
        const first = await drill(q, s, 0, 1000);
        const rows = [...first.rows];
        for (let off = 1000; off < first.total && off < 100_000; off += 1000) rows.push(...(await drill(q, s, off, 1000)).rows);
        return { ...first, rows, limit: rows.length };
      };
      let bytes: Buffer;
      let filename: string;
      if (format === 'xlsx') {
        const sheets: Sheet[] = [stepsSheet(r)];
        if (r.breakdown) sheets.push(breakdownSheet(r));
        if (r.trend) sheets.push(trendSheet(r));
        if (step !== undefined) sheets.push(droppedSheet(await dropped(step)));
        bytes = toXlsx(sheets);
        filename = `${name}.xlsx`;
      } else {
        const t = table ?? 'steps';
        let sheet: Sheet;
        if (t === 'steps') sheet = stepsSheet(r);
        else if (t === 'breakdown') sheet = breakdownSheet(r);
        else if (t === 'trend') sheet = trendSheet(r);
        else {
          if (step === undefined) throw new Error('table "dropped" needs step');
          sheet = droppedSheet(await dropped(step));
        }
        bytes = toCsv(sheet.rows, sheet.columns);
        filename = `${name}-${t}${t === 'dropped' ? '-step' + step : ''}.csv`;
      }
      return { filename, mimeType: MIME[format], bytes: bytes.length, base64: bytes.toString('base64') };
    },
    async 'funnel.reports'(a) {
      const limit = a.limit ?? 50, offset = a.offset ?? 0;
      const id = a.funnel ? find(a.funnel).id : null;
      const where = id ? 'WHERE funnel_id = ?' : '';
      const params = id ? [id] : [];
      const total = db.prepare(`SELECT count(*) FROM funnel_reports ${where}`).pluck().get(...params) as number;
      const rows = db.prepare(`SELECT * FROM funnel_reports ${where} ORDER BY period_end DESC, id DESC LIMIT ? OFFSET ?`).all(...params, limit, offset) as ReportRow[];
      return { total, rows: rows.map(reportRow) };
    },
    async 'funnel.runScheduled'(a) {
      const now = a.now ?? ctx.clock.now();
      const defs = a.funnel ? [find(a.funnel)] : scheduledFunnels();
      const out: FunnelReportRow[] = [];
      for (const d of defs) out.push(await runScheduledFor(d, now));
      if (!a.funnel) await opts.afterScheduled?.(now);
      return out;
    },
    async 'funnel.cacheStatus'() {
      return ctx.worker.run('funnel.cache', {});
    },
  };
}
