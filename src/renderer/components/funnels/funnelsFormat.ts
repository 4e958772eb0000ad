/**
 * Display helpers of the Funnels page: durations, percentages, run progress, breakdown sorting,
 * drill-down summaries and base64 bytes. Pure.
 */
import type {
  BreakdownRow, CountingUnit, DroppedUnit, FunnelCacheStatus, FunnelResult, UnitEvent,
} from '../../../analytics/funnel/types.ts';
import { DASH, formatBytes, formatDecimal, formatInt } from '../../format.ts';

const S = 1000, M = 60_000, H = 3_600_000, D = 86_400_000;

/** A duration for people: "850 ms", "42 s", "4 min 05 s", "2 h 15 min", "3 d 4 h". */
export function formatDurationShort(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < S) return `${Math.round(ms)} ms`;
  if (ms < M) {
    const s = ms / S;
    return s < 10 ? `${formatDecimal(Math.floor(s * 10) / 10, 1)} s` : `${Math.floor(s)} s`;
  }
  if (ms < H) {
    const m = Math.floor(ms / M), s = Math.floor((ms % M) / S);
    return s ? `${m} min ${String(s).padStart(2, '0')} s` : `${m} min`;
  }
  if (ms < D) {
    const h = Math.floor(ms / H), m = Math.floor((ms % H) / M);
    return m ? `${h} h ${String(m).padStart(2, '0')} min` : `${h} h`;
  }
  const d = Math.floor(ms / D), h = Math.floor((ms % D) / H);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** A compact duration for tables: "850ms", "42s", "4m 05s", "2h 15m", "3d 4h". */
export function formatDurationCompact(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < S) return `${Math.round(ms)}ms`;
  if (ms < M) {
    const s = ms / S;
    return s < 10 ? `${formatDecimal(Math.floor(s * 10) / 10, 1)}s` : `${Math.floor(s)}s`;
  }
  if (ms < H) {
    const m = Math.floor(ms / M), s = Math.floor((ms % M) / S);
    return `${m}m ${String(s).padStart(2, '0')}s`;
  }
  if (ms < D) {
    const h = Math.floor(ms / H), m = Math.floor((ms % H) / M);
    return `${h}h ${String(m).padStart(2, '0')}m`;
  }
  const d = Math.floor(ms / D), h = Math.floor((ms % D) / H);
  return `${d}d ${h}h`;
}

/** A histogram bin edge as a compact label: 0, 10s, 1m, 2h, 1d. */
export function edgeLabel(ms: number): string {
  if (ms <= 0) return '0';
  if (ms < M) return `${ms / S}s`;
  if (ms < H) return `${ms / M}m`;
  if (ms < D) return `${ms / H}h`;
  return `${ms / D}d`;
}

/** Bin i of a histogram as a range label: "10s–30s", the last one "7d+". */
export function binLabel(edgesMs: readonly number[], i: number): string {
  const lo = edgesMs[i] ?? 0;
  const hi = edgesMs[i + 1];
  return hi === undefined ? `${edgeLabel(lo)}+` : `${edgeLabel(lo)}–${edgeLabel(hi)}`;
}

/** A ratio 0..1 as "62.3%"; null as a dash. */
export function pct(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
  return `${formatDecimal(ratio * 100, digits)}%`;
}

export function unitWord(unit: CountingUnit, n = 2): string {
  return unit === 'user' ? (n === 1 ? 'user' : 'users') : n === 1 ? 'session' : 'sessions';
}

export const PHASES = ['load', 'sessionize', 'match', 'aggregate'] as const;
const PHASE_LABEL: Record<string, string> = {
  starting: 'Starting', load: 'Loading events', sessionize: 'Grouping into sessions', match: 'Matching steps', aggregate: 'Aggregating',
};
/** The share of the load phase in the overall bar (the cache is usually warm: loading is quick). */
const PHASE_WEIGHTS = [0.15, 0.3, 0.45, 0.1];

export interface RunProgress { phase: string; done: number; total: number }

/** Overall progress 0..100 across the phases; null while nothing was reported (indeterminate). */
export function progressPercent(p: RunProgress | null): number | null {
  if (!p) return null;
  const i = (PHASES as readonly string[]).indexOf(p.phase);
  if (i < 0) return null;
  const frac = p.total > 0 ? Math.max(0, Math.min(1, p.done / p.total)) : 0;
  let before = 0;
  for (let k = 0; k < i; k++) before += PHASE_WEIGHTS[k]!;
  return Math.round((before + PHASE_WEIGHTS[i]! * frac) * 1000) / 10;
}

export function phaseLabel(p: RunProgress | null): string {
  if (!p) return PHASE_LABEL.starting!;
  const base = PHASE_LABEL[p.phase] ?? p.phase;
  if (p.total > 1) return `${base} · ${formatInt(p.done)} / ${formatInt(p.total)}`;
  return base;
}

// ---- breakdown table

export type BreakdownSortKey = { kind: 'dim'; dim: string } | { kind: 'entered' } | { kind: 'step'; index: number } | { kind: 'conversion' };
export type SortDir = 'asc' | 'desc';

export function sortKeyId(k: BreakdownSortKey): string {
  return k.kind === 'dim' ? `dim:${k.dim}` : k.kind === 'step' ? `step:${k.index}` : k.kind;
}

function sortValue(r: BreakdownRow, k: BreakdownSortKey): string | number | null {
  switch (k.kind) {
    case 'dim': return r.keys[k.dim] ?? '';
    case 'entered': return r.entered;
    case 'step': return r.reached[k.index] ?? 0;
    case 'conversion': return r.conversion;
  }
}

/**
 * Rows sorted by a column (text columns by locale, numbers numerically; null conversions last in
 * either direction). Ties keep the service's order (most entered first). Does not mutate `rows`.
 */
export function sortBreakdown(rows: readonly BreakdownRow[], key: BreakdownSortKey, dir: SortDir): BreakdownRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: sortValue(r, key) }))
    .sort((a, b) => {
      if (a.v === null && b.v === null) return a.i - b.i;
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      const c = typeof a.v === 'string' || typeof b.v === 'string'
        ? String(a.v).localeCompare(String(b.v), 'en', { numeric: true, sensitivity: 'base' })
        : a.v - b.v;
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

/** Default direction when a column is first clicked: text ascending, numbers descending. */
export function defaultDir(k: BreakdownSortKey): SortDir {
  return k.kind === 'dim' ? 'asc' : 'desc';
}

/** reached[k] as a share of the row's entered units. */
export function shareOf(n: number, of: number): number | null {
  return of > 0 ? n / of : null;
}

// ---- drill-down

/** Distinct error codes of a dropped unit, in order of first occurrence. */
export function errorCodes(u: Pick<DroppedUnit, 'errors'>): string[] {
  const out: string[] = [];
  for (const e of u.errors) if (e.code && !out.includes(e.code)) out.push(e.code);
  return out;
}

/** The last `n` events (the row shows the tail; the tooltip all of them). */
export function tailEvents(events: readonly UnitEvent[], n = 3): { hidden: number; shown: UnitEvent[] } {
  const shown = events.slice(Math.max(0, events.length - n));
  return { hidden: events.length - shown.length, shown };
}

// ---- result header, cache chip

/** "6 steps · sequential · sessions · 24 h window". */
export function describeRun(r: Pick<FunnelResult, 'funnel' | 'order' | 'unit' | 'windowMs'>): string {
  return [
    `${r.funnel.steps.length} steps`,
    r.order === 'any' ? 'any order' : r.order,
    unitWord(r.unit),
    `${formatDurationShort(r.windowMs)} window`,
  ].join(' · ');
}

export function cacheLabel(c: FunnelCacheStatus | undefined, error?: string | null): string {
  if (error) return 'Cache: unavailable';
  if (!c) return 'Cache: …';
  if (c.origin === null) return 'Cache: not loaded yet';
  return `Cache: ${formatInt(c.events)} events · ${c.origin === 'snapshot' ? 'from snapshot' : 'rebuilt'}`;
}

export function cacheDetails(c: FunnelCacheStatus): string[] {
  const lines = [
    `${formatInt(c.events)} events in memory (${formatBytes(c.memoryBytes)}), up to seq ${formatInt(c.lastSeq)}`,
    c.origin === null ? 'Not loaded yet: the first run loads it.' : c.origin === 'snapshot' ? 'Loaded from the snapshot file.' : `Rebuilt from the database${c.rebuildReason ? ` (${c.rebuildReason})` : ''}.`,
    c.snapshotBytes !== null ? `Snapshot: ${formatBytes(c.snapshotBytes)} at seq ${formatInt(c.snapshotSeq)}` : 'No snapshot written yet.',
  ];
  return lines;
}

// ---- downloads

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A request id for a page's cancellable run (funnel.run / cohort.run, with their cancel and progress pushes). */
export function newRequestId(now = Date.now(), rnd = Math.random(), prefix = 'funnel'): string {
  return `${prefix}-${now.toString(36)}-${Math.floor(rnd * 36 ** 6).toString(36).padStart(6, '0')}`;
}
