/**
 * The funnel drop-off investigation slice of the handler map (spec 2.3). For each watched
 * transition of the standard funnel (default: checkout started → order placed), a window of whole
 * local hours is compared with the same hours of the previous days: counts per device x source and
 * the dropped sessions come from the analytics worker (funnel.run / funnel.drilldown on the
 * sub-funnel that starts at the watched step), the signals of the dropped sessions (payment
 * failures, errors, abandonment reasons) from the event log. The pure arithmetic is in
 * src/analytics/dropoff. Every evaluation is stored (dropoff_evaluations); the first firing hour
 * of an episode raises one alert (alerts history, desktop notification, runbook funnel-dropoff).
 * The hourly scheduled funnel run calls {@link evaluateScheduled}.
 */
import type { Handlers } from '../../common/api.ts';
import type { DropoffListRow } from '../../common/api-dropoff.ts';
import type { ServiceContext } from './context.ts';
import { HOUR_MS, dayKey, localParts, zonedToUtc } from '../../../analytics/calendar.ts';
import {
  DEFAULT_DROPOFF_SETTINGS, attribute, evaluateTrigger, sessionCauses, windowsFor,
  type DropoffInvestigation, type DropoffSettings, type DropoffWatch, type DroppedSession, type SignalEvent, type TimeWindow, type WindowData,
} from '../../../analytics/dropoff/index.ts';
import { STANDARD_FUNNEL, DEFAULT_SESSION_GAP_MS } from '../../../analytics/funnel/definition.ts';
import type { ExportFile, FunnelQuery, FunnelStep } from '../../../analytics/funnel/types.ts';
import { runbookUrl } from './alerts.ts';
import { startOfLocalHour } from './funnels.ts';
import { toCsv, toXlsx, type Sheet } from '../export/index.ts';

type DropoffHandlers = Pick<Handlers, Extract<keyof Handlers, `dropoff.${string}`>>;

export const DROPOFF_SETTINGS_KEY = 'dropoff';
export const DROPOFF_RULE = 'funnel_dropoff';
/** dropped sessions kept in a stored investigation (the counts cover all of them) */
export const SESSIONS_LIMIT = 2000;
const DRILL_PAGE = 1000;
const DRILL_CAP = 100_000;
const SIGNAL_TYPES = ['payment.failed', 'error.occurred', 'checkout.abandoned'] as const;

interface EvalRow {
  id: number; watch_id: string; window_start: number; window_end: number; evaluated_at: number; origin: string; fired: number;
  entered: number; dropped: number; rate: number | null; baseline_rate: number | null; excess_pp: number | null; alert_id: number | null;
  investigation: string; review_flagged_at: number | null; review_note: string | null; review_actor: string | null;
}

export function getDropoffSettings(ctx: Pick<ServiceContext, 'settings'>): DropoffSettings {
  const stored = ctx.settings.getInternal<Partial<DropoffSettings>>(DROPOFF_SETTINGS_KEY) ?? {};
  return { ...DEFAULT_DROPOFF_SETTINGS, ...stored, watches: (stored.watches ?? DEFAULT_DROPOFF_SETTINGS.watches).map((w) => ({ ...w })) };
}

/** The sub-funnel of the standard funnel from the watch's first step to its last. */
export function watchSteps(w: DropoffWatch): FunnelStep[] {
  const steps = STANDARD_FUNNEL.steps;
  const a = steps.findIndex((s) => s.eventType === w.fromEventType);
  const b = steps.findIndex((s) => s.eventType === w.toEventType);
  if (a < 0 || b < 0) throw new Error(`watch "${w.id}": both steps must be steps of the standard funnel (${steps.map((s) => s.eventType).join(', ')})`);
  if (b <= a) throw new Error(`watch "${w.id}": "${w.toEventType}" must come after "${w.fromEventType}"`);
  return steps.slice(a, b + 1).map((s) => ({ ...s }));
}

function toInvestigation(r: EvalRow): DropoffInvestigation {
  const inv = JSON.parse(r.investigation) as DropoffInvestigation;
  return {
    ...inv, id: r.id,
    alert: r.alert_id === null ? null : { id: r.alert_id, newEpisode: inv.alert?.newEpisode ?? true },
    review: r.review_flagged_at === null ? null : { flaggedAt: r.review_flagged_at, note: r.review_note ?? '', actor: r.review_actor ?? '' },
  };
}

function hourLabel(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${dayKey(ms, tz)} ${String(p.hour).padStart(2, '0')}:00`;
}

/** Counts per device x source and the dropped sessions of one window (worker + event log). */
async function gatherWindow(ctx: ServiceContext, steps: FunnelStep[], w: TimeWindow, completionMs: number): Promise<WindowData & { watermark: { seq: number; time: number | null } }> {
  const tz = ctx.settings.get().timezone;
  const q: FunnelQuery = {
    spec: { steps, order: 'sequential', windowMs: completionMs }, unit: 'session', start: w.start, end: w.end, timezone: tz,
    sessionGapMs: DEFAULT_SESSION_GAP_MS, breakdown: ['device', 'source'], topN: 100, trend: null,
    meta: { id: null, name: 'drop-off watch', from: null, to: null },
  };
  const r = await ctx.worker.run('funnel.run', q);
  const last = steps.length - 1;
  const segments = (r.breakdown?.rows ?? []).map((row) => ({
    device: row.keys.device ?? 'unknown', source: row.keys.source ?? 'unknown', entered: row.entered, dropped: row.entered - (row.reached[last] ?? 0),
  }));
  const dropped: DroppedSession[] = [];
  const bySession = new Map<string, SignalEvent[]>();
  const rows = ctx.db.prepare<[number, number], { session_id: string; type: SignalEvent['type']; time: number; code: string | null; reason: string | null; detail: string | null }>(
    `SELECT session_id, type, time, code, json_extract(data, '$.reason') AS reason,
       CASE type WHEN 'payment.failed' THEN json_extract(data, '$.method') WHEN 'error.occurred' THEN json_extract(data, '$.service') ELSE json_extract(data, '$.last_step') END AS detail
     FROM events WHERE type IN ('${SIGNAL_TYPES.join("','")}') AND time >= ? AND time <= ? AND session_id IS NOT NULL`,
  ).all(w.start, w.end + completionMs);
  for (const e of rows) {
    const l = bySession.get(e.session_id) ?? [];
    l.push({ type: e.type, time: e.time, code: e.type === 'checkout.abandoned' ? e.reason : e.code, detail: e.detail });
    bySession.set(e.session_id, l);
  }
  for (let step = 1; step < steps.length; step++) {
    for (let offset = 0; offset < DRILL_CAP; offset += DRILL_PAGE) {
      const page = await ctx.worker.run('funnel.drilldown', { query: q, step, offset, limit: DRILL_PAGE });
      for (const u of page.rows) {
        const sig = (bySession.get(u.unit) ?? []).filter((e) => e.time >= u.enteredAt && e.time <= u.enteredAt + completionMs);
        dropped.push({ unit: u.unit, userId: u.userId, device: u.device, source: u.source, enteredAt: u.enteredAt, lastStepAt: u.lastStepAt, lastStep: page.label, causes: sessionCauses(sig) });
      }
      if (offset + DRILL_PAGE >= page.total) break;
    }
  }
  dropped.sort((a, b) => a.enteredAt - b.enteredAt || a.unit.localeCompare(b.unit));
  return { ...w, segments, dropped, watermark: { seq: r.watermark.seq, time: r.watermark.time } };
}

/** Evaluate one watch for the window ending at `end`; stores the evaluation and fires the alert on a new episode. */
export async function evaluateWatch(ctx: ServiceContext, watch: DropoffWatch, end: number, origin: string): Promise<DropoffInvestigation> {
  const s = getDropoffSettings(ctx);
  const tz = ctx.settings.get().timezone;
  const steps = watchSteps(watch);
  const completionMs = s.completionMinutes * 60_000;
  const { current, baseline } = windowsFor(end, s.windowHours, s.baselineDays, tz);
  const cur = await gatherWindow(ctx, steps, current, completionMs);
  const base: WindowData[] = [];
  for (const b of baseline) base.push(await gatherWindow(ctx, steps, b, completionMs));
  const a = attribute(cur, base);
  const dataComplete = cur.watermark.time !== null && cur.watermark.time >= current.end + completionMs;
  let t = evaluateTrigger(a.current, a.baseline, s);
  if (!dataComplete && t.fired) {
    t = { ...t, fired: false, reason: `the window's sessions have not had ${s.completionMinutes} min to complete yet (data up to ${cur.watermark.time === null ? 'nothing' : new Date(cur.watermark.time).toISOString()})` };
  }
  const fromLabel = steps[0]!.label ?? steps[0]!.eventType, toLabel = steps.at(-1)!.label ?? steps.at(-1)!.eventType;
  const inv: DropoffInvestigation = {
    id: 0,
    watch: { ...watch, fromLabel, toLabel },
    funnel: { id: STANDARD_FUNNEL.id, name: STANDARD_FUNNEL.name },
    timezone: tz,
    window: { ...current, hours: s.windowHours, label: `${hourLabel(current.start, tz)} – ${hourLabel(current.end, tz)}` },
    completionMinutes: s.completionMinutes,
    dataComplete,
    baselineMethod: `pooled over the same local hours (${hourLabel(current.start, tz).slice(11)}–${hourLabel(current.end, tz).slice(11)}, ${tz}) of the previous ${s.baselineDays} day(s): Σ dropped / Σ sessions`,
    baselineWindows: base.map((b) => ({ start: b.start, end: b.end, entered: b.segments.reduce((x, y) => x + y.entered, 0), dropped: b.segments.reduce((x, y) => x + y.dropped, 0) })),
    current: a.current, baseline: a.baseline,
    excessPp: t.excessPp === null ? null : Math.round(t.excessPp * 100) / 100,
    excessDropped: a.excessDropped,
    z: t.z === null ? null : Math.round(t.z * 100) / 100,
    trigger: { thresholdPp: s.thresholdPp, minEntered: s.minEntered, minBaselineEntered: s.minBaselineEntered, minZ: s.minZ, fired: t.fired, reason: t.reason },
    alert: null,
    segments: a.segments, causes: a.causes, causeTotals: a.causeTotals, commonCauses: a.commonCauses,
    sessions: cur.dropped.slice(0, SESSIONS_LIMIT), sessionsTotal: cur.dropped.length, sessionsLimit: SESSIONS_LIMIT,
    drilldown: { steps: steps.map((x) => ({ eventType: x.eventType, label: x.label ?? x.eventType })), start: current.start, end: current.end, dropSteps: steps.slice(0, -1).map((_, i) => i + 1) },
    watermark: cur.watermark,
    evaluatedAt: ctx.clock.now(),
    origin,
    review: null,
  };
  return store(ctx, inv);
}

function store(ctx: ServiceContext, inv: DropoffInvestigation): DropoffInvestigation {
  const { db } = ctx;
  const key = [inv.watch.id, inv.window.end] as [string, number];
  const prev = db.prepare<[string, number], EvalRow>('SELECT * FROM dropoff_evaluations WHERE watch_id = ? AND window_end = ?').get(...key);
  // one alert per episode: firing windows whose evaluations follow each other by at most the window
  // length (the hourly run: consecutive hours) share the alert raised by the first
  const before = db.prepare<[string, number, number], { fired: number; alert_id: number | null }>(
    'SELECT fired, alert_id FROM dropoff_evaluations WHERE watch_id = ? AND window_end < ? AND window_end >= ? ORDER BY window_end DESC LIMIT 1',
  ).get(inv.watch.id, inv.window.end, inv.window.end - Math.max(1, inv.window.hours) * HOUR_MS);
  let alertId: number | null = prev?.alert_id ?? null; // this window was evaluated before and raised (or joined) an alert
  if (inv.trigger.fired && alertId === null && before?.fired === 1) alertId = before.alert_id; // the episode's alert, raised by an earlier hour
  const newEpisode = inv.trigger.fired && alertId === null;
  const write = (alert: { id: number; newEpisode: boolean } | null): void => {
    const json = JSON.stringify({ ...inv, id: 0, alert, review: null });
    db.prepare(`INSERT INTO dropoff_evaluations (watch_id, window_start, window_end, evaluated_at, origin, fired, entered, dropped, rate, baseline_rate, excess_pp, alert_id, investigation)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (watch_id, window_end) DO UPDATE SET window_start = excluded.window_start, evaluated_at = excluded.evaluated_at, origin = excluded.origin,
        fired = excluded.fired, entered = excluded.entered, dropped = excluded.dropped, rate = excluded.rate, baseline_rate = excluded.baseline_rate,
        excess_pp = excluded.excess_pp, alert_id = excluded.alert_id, investigation = excluded.investigation`)
      .run(inv.watch.id, inv.window.start, inv.window.end, inv.evaluatedAt, inv.origin, inv.trigger.fired ? 1 : 0, inv.current.entered, inv.current.dropped,
        inv.current.rate, inv.baseline.rate, inv.excessPp, alert?.id ?? null, json);
  };
  write(alertId === null ? null : { id: alertId, newEpisode: false });
  if (newEpisode) {
    // stored first, so the alert (and its push) can name the investigation
    const id = (db.prepare<[string, number], { id: number }>('SELECT id FROM dropoff_evaluations WHERE watch_id = ? AND window_end = ?').get(...key))!.id;
    write({ id: fireAlert(ctx, inv, id), newEpisode: true });
  }
  return toInvestigation(db.prepare<[string, number], EvalRow>('SELECT * FROM dropoff_evaluations WHERE watch_id = ? AND window_end = ?').get(...key)!);
}

const pp = (x: number | null): string => (x === null ? '—' : (x * 100).toFixed(1) + '%');

function fireAlert(ctx: ServiceContext, inv: DropoffInvestigation, investigationId: number): number {
  const top = inv.causes[0];
  const topText = top && top.excess > 0 ? ` Top cause: ${top.label} on ${top.device} (${top.current} dropped session(s) vs ${top.expected} expected).` : '';
  const entry = ctx.alerts.fire({
    rule: DROPOFF_RULE,
    severity: 'P2',
    title: `Funnel drop-off: ${inv.watch.label} ${pp(inv.current.rate)} vs baseline ${pp(inv.baseline.rate)} (${inv.window.label})`,
    message: `In ${inv.window.label} (${inv.timezone}) ${inv.current.dropped} of ${inv.current.entered} sessions that reached "${inv.watch.fromLabel}" did not reach "${inv.watch.toLabel}": ${pp(inv.current.rate)}, ${inv.excessPp?.toFixed(1)} pp above the baseline ${pp(inv.baseline.rate)} (${inv.baselineMethod}); threshold ${inv.trigger.thresholdPp} pp. About ${Math.round(inv.excessDropped)} more dropped sessions than the baseline predicts.${topText}`,
    values: {
      watch: inv.watch.id, windowStart: new Date(inv.window.start).toISOString(), windowEnd: new Date(inv.window.end).toISOString(), window: inv.window.label,
      timezone: inv.timezone, entered: inv.current.entered, dropped: inv.current.dropped,
      ratePct: inv.current.rate === null ? null : Math.round(inv.current.rate * 10_000) / 100, baselineRatePct: inv.baseline.rate === null ? null : Math.round(inv.baseline.rate * 10_000) / 100,
      baselineEntered: inv.baseline.entered, excessPp: inv.excessPp, thresholdPp: inv.trigger.thresholdPp, z: inv.z, excessDropped: inv.excessDropped,
      topCause: top?.cause ?? null, topDevice: top?.device ?? null, topExcess: top?.excess ?? null, investigationId,
    },
    firedAt: ctx.clock.now(),
    runbookUrl: runbookUrl(ctx.settings.get().runbookBaseUrl, 'funnel-dropoff'),
  });
  return entry.id;
}

/** The window end for on-demand arguments: `at` → start of its local hour; date+hour → end of that hour; default → the latest window whose sessions had completionMinutes in the data. */
export function windowEnd(ctx: ServiceContext, a: { at?: number; date?: string; hour?: number }): number {
  const tz = ctx.settings.get().timezone;
  if (a.at !== undefined) {
    if (a.date !== undefined || a.hour !== undefined) throw new Error('give either at or date + hour');
    return startOfLocalHour(a.at, tz);
  }
  if (a.date !== undefined || a.hour !== undefined) {
    if (a.date === undefined || a.hour === undefined) throw new Error('date and hour go together');
    const [y, m, d] = a.date.split('-').map(Number) as [number, number, number];
    return startOfLocalHour(zonedToUtc(y, m, d, a.hour, 0, tz), tz) + HOUR_MS;
  }
  const latest = latestEventTime(ctx);
  return startOfLocalHour((latest ?? ctx.clock.now()) - getDropoffSettings(ctx).completionMinutes * 60_000, tz);
}

/** The latest event time known (sync state, else the last arrived event). */
function latestEventTime(ctx: ServiceContext): number | null {
  const st = ctx.db.prepare('SELECT max(last_event_time) FROM sync_state').pluck().get() as number | null;
  const last = ctx.db.prepare('SELECT time FROM events ORDER BY seq DESC LIMIT 1').pluck().get() as number | undefined;
  const latest = Math.max(st ?? -Infinity, last ?? -Infinity);
  return Number.isFinite(latest) ? latest : null;
}

/**
 * The hourly scheduled run: evaluate every enabled watch, once per window, for the latest window
 * whose sessions have had completionMinutes to complete by `now` (the window ending at the start of
 * the local hour containing now − completionMinutes), as soon as the synced data reaches that far.
 */
export async function evaluateScheduled(ctx: ServiceContext, now: number): Promise<DropoffInvestigation[]> {
  const s = getDropoffSettings(ctx);
  if (!s.enabled) return [];
  const completionMs = s.completionMinutes * 60_000;
  const end = startOfLocalHour(now - completionMs, ctx.settings.get().timezone);
  const latest = latestEventTime(ctx);
  if (latest === null || latest < end + completionMs) return []; // the sync has not caught up yet: a later tick will
  const out: DropoffInvestigation[] = [];
  for (const w of s.watches.filter((x) => x.enabled)) {
    if (!ctx.db.open) break;
    const done = ctx.db.prepare('SELECT 1 FROM dropoff_evaluations WHERE watch_id = ? AND window_end = ?').get(w.id, end);
    if (!done) out.push(await evaluateWatch(ctx, w, end, 'schedule'));
  }
  return out;
}

// ---- exports
const pct = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e4);
const iso = (t: number): string => new Date(t).toISOString();

export function investigationSheets(inv: DropoffInvestigation): { summary: Sheet; segments: Sheet; causes: Sheet; sessions: Sheet } {
  const summaryRows: { field: string; value: string | number | null }[] = [
    { field: 'watch', value: `${inv.watch.id}: ${inv.watch.fromLabel} -> ${inv.watch.toLabel}` },
    { field: 'window', value: `${inv.window.label} (${inv.timezone})` }, { field: 'window_start_utc', value: iso(inv.window.start) }, { field: 'window_end_utc', value: iso(inv.window.end) },
    { field: 'baseline_method', value: inv.baselineMethod },
    { field: 'entered', value: inv.current.entered }, { field: 'dropped', value: inv.current.dropped }, { field: 'rate_pct', value: pct(inv.current.rate) },
    { field: 'baseline_entered', value: inv.baseline.entered }, { field: 'baseline_dropped', value: inv.baseline.dropped }, { field: 'baseline_rate_pct', value: pct(inv.baseline.rate) },
    { field: 'excess_pp', value: inv.excessPp }, { field: 'excess_dropped', value: inv.excessDropped }, { field: 'z', value: inv.z },
    { field: 'threshold_pp', value: inv.trigger.thresholdPp }, { field: 'fired', value: inv.trigger.fired ? 'yes' : 'no' }, { field: 'reason', value: inv.trigger.reason },
    { field: 'alert_id', value: inv.alert?.id ?? null }, { field: 'review_note', value: inv.review?.note ?? null },
    ...inv.commonCauses.map((c) => ({ field: `common_cause_${c.category}`, value: c.seen ? `${c.current} dropped (expected ${c.expected}, excess ${c.excess})` : 'not in the data' })),
  ];
  return {
    summary: { name: 'Summary', rows: summaryRows, columns: [{ header: 'field', key: 'field' }, { header: 'value', key: 'value' }] },
    segments: {
      name: 'Segments', rows: inv.segments,
      columns: [
        { header: 'device', key: 'device' }, { header: 'source', key: 'source' }, { header: 'entered', key: 'entered' }, { header: 'dropped', key: 'dropped' },
        { header: 'rate_pct', key: (r: DropoffInvestigation['segments'][number]) => pct(r.rate) }, { header: 'baseline_entered', key: 'baselineEntered' },
        { header: 'baseline_dropped', key: 'baselineDropped' }, { header: 'baseline_rate_pct', key: (r: DropoffInvestigation['segments'][number]) => pct(r.baselineRate) },
        { header: 'excess_dropped', key: 'excessDropped' },
      ],
    },
    causes: {
      name: 'Causes', rows: inv.causes,
      columns: [
        { header: 'rank', key: 'rank' }, { header: 'cause', key: 'cause' }, { header: 'label', key: 'label' }, { header: 'category', key: 'category' },
        { header: 'device', key: 'device' }, { header: 'dropped_with_cause', key: 'current' }, { header: 'expected_from_baseline', key: 'expected' },
        { header: 'excess', key: 'excess' }, { header: 'share_of_excess_pct', key: (c: DropoffInvestigation['causes'][number]) => pct(c.shareOfExcess) },
        { header: 'by_source', key: (c: DropoffInvestigation['causes'][number]) => c.bySource.map((x) => `${x.key} ${x.current} (exp ${x.expected})`).join('; ') },
      ],
    },
    sessions: {
      name: 'Sessions', rows: inv.sessions,
      columns: [
        { header: 'session', key: 'unit' }, { header: 'user_id', key: 'userId' }, { header: 'device', key: 'device' }, { header: 'source', key: 'source' },
        { header: 'entered_at', key: (u: DroppedSession) => iso(u.enteredAt) }, { header: 'last_step', key: 'lastStep' },
        { header: 'last_step_at', key: (u: DroppedSession) => iso(u.lastStepAt) }, { header: 'causes', key: (u: DroppedSession) => u.causes.join('; ') },
      ],
    },
  };
}

export function createDropoffHandlers(ctx: ServiceContext): DropoffHandlers {
  const { db } = ctx;
  function get(id: number): EvalRow {
    const r = db.prepare<[number], EvalRow>('SELECT * FROM dropoff_evaluations WHERE id = ?').get(id);
    if (!r) throw new Error(`drop-off investigation ${id} not found`);
    return r;
  }
  return {
    async 'dropoff.settings.get'() {
      return getDropoffSettings(ctx);
    },
    async 'dropoff.settings.update'(patch) {
      const before = getDropoffSettings(ctx);
      const next: DropoffSettings = { ...before };
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
      const ids = new Set<string>();
      for (const w of next.watches) {
        if (ids.has(w.id)) throw new Error(`watches: the id "${w.id}" is used twice`);
        ids.add(w.id);
        watchSteps(w);
      }
      ctx.settings.setInternal(DROPOFF_SETTINGS_KEY, next);
      const after = getDropoffSettings(ctx);
      ctx.audit({ action: 'dropoff.settings.update', entity: 'dropoff_settings', entityId: 'workspace', before, after });
      return after;
    },
    async 'dropoff.investigate'(a) {
      const s = getDropoffSettings(ctx);
      const watches = a.watch ? s.watches.filter((w) => w.id === a.watch) : s.watches.filter((w) => w.enabled);
      if (a.watch && watches.length === 0) throw new Error(`no drop-off watch "${a.watch}" (${s.watches.map((w) => w.id).join(', ')})`);
      await ctx.worker.run('funnel.cache', { refresh: true });
      const end = windowEnd(ctx, a);
      const out: DropoffInvestigation[] = [];
      for (const w of watches) out.push(await evaluateWatch(ctx, w, end, ctx.actor === 'cli' ? 'cli' : 'manual'));
      return out;
    },
    async 'dropoff.list'(a) {
      const where = a.firedOnly ? 'WHERE fired = 1' : '';
      const total = db.prepare(`SELECT count(*) FROM dropoff_evaluations ${where}`).pluck().get() as number;
      // the top cause straight from the stored JSON (without parsing the sessions)
      const rows = db.prepare<[number, number], Omit<EvalRow, 'investigation'> & { top_cause: string | null; top_device: string | null; top_excess: number | null }>(
        `SELECT id, watch_id, window_start, window_end, evaluated_at, fired, entered, rate, baseline_rate, excess_pp, alert_id, review_flagged_at,
           json_extract(investigation, '$.causes[0].cause') AS top_cause, json_extract(investigation, '$.causes[0].device') AS top_device,
           json_extract(investigation, '$.causes[0].excess') AS top_excess
         FROM dropoff_evaluations ${where} ORDER BY window_end DESC, id DESC LIMIT ? OFFSET ?`,
      ).all(a.limit ?? 50, a.offset ?? 0);
      return {
        total,
        rows: rows.map((r): DropoffListRow => {
          const top = r.top_excess !== null && r.top_excess > 0 ? { cause: r.top_cause, device: r.top_device, excess: r.top_excess } : null;
          return {
            id: r.id, watchId: r.watch_id, windowStart: r.window_start, windowEnd: r.window_end, evaluatedAt: r.evaluated_at, fired: r.fired === 1,
            entered: r.entered, rate: r.rate, baselineRate: r.baseline_rate, excessPp: r.excess_pp, alertId: r.alert_id,
            topCause: top?.cause ?? null, topDevice: top?.device ?? null, flagged: r.review_flagged_at !== null,
          };
        }),
      };
    },
    async 'dropoff.get'({ id }) {
      return toInvestigation(get(id));
    },
    async 'dropoff.flag'({ id, note }) {
      const r = get(id);
      const before = r.review_flagged_at === null ? null : { flaggedAt: r.review_flagged_at, note: r.review_note, actor: r.review_actor };
      const now = ctx.clock.now();
      db.prepare('UPDATE dropoff_evaluations SET review_flagged_at = ?, review_note = ?, review_actor = ? WHERE id = ?').run(now, note.trim(), ctx.actor, id);
      ctx.audit({
        action: 'dropoff.flag_for_review', entity: 'dropoff_investigation', entityId: String(id), before,
        after: { flaggedAt: now, note: note.trim(), actor: ctx.actor, for: 'UX/product review', watch: r.watch_id, windowStart: r.window_start, windowEnd: r.window_end },
      });
      return toInvestigation(get(id));
    },
    async 'dropoff.export'({ id, format, table }): Promise<ExportFile> {
      const inv = toInvestigation(get(id));
      const sheets = investigationSheets(inv);
      const name = `dropoff-${inv.watch.id}-${dayKey(inv.window.start, inv.timezone)}-${String(localParts(inv.window.start, inv.timezone).hour).padStart(2, '0')}h-${inv.window.hours}h`;
      if (format === 'xlsx') {
        const bytes = toXlsx([sheets.summary, sheets.causes, sheets.segments, sheets.sessions]);
        return { filename: `${name}.xlsx`, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes: bytes.length, base64: bytes.toString('base64') };
      }
      const t = table ?? 'causes';
      const sh = sheets[t];
      const bytes = toCsv(sh.rows, sh.columns);
      return { filename: `${name}-${t}.csv`, mimeType: 'text/csv; charset=utf-8', bytes: bytes.length, base64: bytes.toString('base64') };
    },
  };
}
