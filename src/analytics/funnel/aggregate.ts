/**
 * From the kernel's derived tables to the plain FunnelResult: Arquero does the table work (step
 * totals, top-N + "other" breakdowns, pivots of reached counts per step, the trend); durations are
 * summarised from the kernel's typed arrays (nearest-rank percentiles).
 */
import { table, op, desc } from 'arquero';
import type { EventColumns } from '../columns.ts';
import type { FunnelComputation } from './kernel.ts';
import { durationStats } from './stats.ts';
import type { Breakdown, BreakdownDim, BreakdownRow, FunnelResult, StepMetrics, Trend, Watermark } from './types.ts';

export const UNKNOWN = 'unknown';
export const OTHER = 'other';

type ColumnTable = ReturnType<typeof table>;

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Label of a breakdown code (code 0 -> "unknown"). */
export function dimLabel(cols: EventColumns, comp: FunnelComputation, dim: BreakdownDim, code: number, segmentLabels: readonly string[] = []): string {
  if (code === 0) return UNKNOWN;
  if (dim === 'segment') return segmentLabels[code - 1] ?? UNKNOWN;
  const c = dim === 'device' ? 'device' : dim === 'source' ? 'source' : 'category';
  void comp;
  return cols.dicts[c].value(code) ?? UNKNOWN;
}

/** reached_k = sum of n over cells with depth >= k, as Arquero expressions r1..rn */
function reachedExprs(n: number, src: (k: number) => string): Record<string, string> {
  const o: Record<string, string> = {};
  for (let k = 1; k <= n; k++) o['r' + k] = src(k);
  return o;
}

function withReached(t: ColumnTable, n: number): ColumnTable {
  return t.derive(reachedExprs(n, (k) => `d => d.depth >= ${k} ? d.n : 0`));
}
function sumReached(n: number): Record<string, string> {
  return reachedExprs(n, (k) => `d => op.sum(d.r${k})`);
}
function reachedOf(row: Record<string, unknown>, n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k++) out.push(Number(row['r' + k] ?? 0));
  return out;
}

export interface AggregateInput {
  cols: EventColumns;
  comp: FunnelComputation;
  watermark: Watermark;
  segmentLabels?: readonly string[];
  loadMs?: number;
  startedAt?: number;
}

export function aggregateFunnel({ cols, comp, watermark, segmentLabels = comp.segmentLabels, loadMs = 0, startedAt }: AggregateInput): FunnelResult {
  const t0 = performance.now();
  const q = comp.query;
  const n = comp.nSteps;
  const cells = withReached(table({ bucket: comp.cells.bucket, a: comp.cells.a, b: comp.cells.b, depth: comp.cells.depth, n: comp.cells.n }), n);

  // ---- steps
  const totals = cells.rollup(sumReached(n)).objects()[0] as Record<string, unknown> | undefined;
  const reached = totals ? reachedOf(totals, n) : new Array<number>(n).fill(0);
  const codeDict = cols.dicts.code;
  const steps: StepMetrics[] = q.spec.steps.map((s, k) => {
    const entered = reached[k]!;
    const converted = k === n - 1 ? entered : reached[k + 1]!;
    const reasons = [...comp.dropoff[k]!.entries()]
      .map(([code, units]) => ({ code: codeDict.value(code) ?? '', units }))
      .sort((x, y) => y.units - x.units || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0))
      .slice(0, 5);
    return {
      step: k + 1,
      label: s.label ?? s.eventType,
      eventType: s.eventType,
      entered,
      converted,
      dropped: entered - converted,
      conversionFromPrevious: k === 0 ? null : ratio(entered, reached[k - 1]!),
      conversionFromStart: ratio(entered, reached[0]!),
      timeFromPrevious: k === 0 ? null : durationStats(comp.fromPrevious[k]!),
      timeToConvert: k === 0 ? null : durationStats(comp.toConvert[k]!),
      topDropoffReasons: reasons,
    };
  });

  // ---- breakdown: top N values per dimension (by units entered), the rest as "other"
  let breakdown: Breakdown | null = null;
  if (comp.dims.length > 0) {
    const label = (dim: BreakdownDim) => (code: number) => dimLabel(cols, comp, dim, code, segmentLabels);
    const keep: Record<string, string[]> = {};
    const maps: Map<number, string>[] = [];
    comp.dims.forEach((dim, i) => {
      const col = i === 0 ? 'a' : 'b';
      const lab = label(dim);
      const ranked = cells
        .groupby(col)
        .rollup({ entered: op.sum('r1') })
        .objects()
        .map((r) => ({ code: Number((r as Record<string, unknown>)[col]), entered: Number((r as Record<string, unknown>).entered) }))
        .filter((r) => r.entered > 0)
        .map((r) => ({ ...r, label: lab(r.code) }))
        .sort((x, y) => y.entered - x.entered || (x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
      const top = ranked.slice(0, q.topN);
      const m = new Map<number, string>();
      for (const r of ranked) m.set(r.code, OTHER);
      for (const r of top) m.set(r.code, r.label);
      maps.push(m);
      keep[dim] = top.map((r) => r.label);
    });
    const la = Array.from(comp.cells.a, (c) => maps[0]!.get(c) ?? OTHER);
    const lb = comp.dims.length > 1 ? Array.from(comp.cells.b, (c) => maps[1]!.get(c) ?? OTHER) : Array.from(comp.cells.b, () => '');
    const grouped = cells
      .assign({ la, lb })
      .groupby('la', 'lb')
      .rollup(sumReached(n))
      .orderby(desc('r1'), 'la', 'lb')
      .objects() as Record<string, unknown>[];
    const rows: BreakdownRow[] = grouped.map((r) => {
      const rr = reachedOf(r, n);
      const keys: Record<string, string> = { [comp.dims[0]!]: String(r.la) };
      if (comp.dims[1]) keys[comp.dims[1]] = String(r.lb);
      return { keys, entered: rr[0]!, reached: rr, conversion: ratio(rr[n - 1]!, rr[0]!) };
    });
    breakdown = { dimensions: [...comp.dims], topN: q.topN, values: keep, rows };
  }

  // ---- trend: per bucket of the entry time, every bucket listed
  let trend: Trend | null = null;
  if (q.trend) {
    const per = cells.groupby('bucket').rollup(sumReached(n)).objects() as Record<string, unknown>[];
    const byBucket = new Map<number, number[]>();
    for (const r of per) byBucket.set(Number(r.bucket), reachedOf(r, n));
    trend = {
      granularity: q.trend,
      timezone: q.timezone,
      buckets: comp.buckets.starts.map((start, i) => {
        const rr = byBucket.get(i) ?? new Array<number>(n).fill(0);
        return { start, label: comp.buckets.labels[i]!, entered: rr[0]!, completed: rr[n - 1]!, conversion: ratio(rr[n - 1]!, rr[0]!), reached: rr };
      }),
    };
  }
  const t1 = performance.now();
  const meta = q.meta;
  return {
    funnel: {
      id: meta?.id ?? null,
      name: meta?.name ?? 'funnel',
      steps: q.spec.steps.map((s, k) => ({ step: k + 1, label: s.label ?? s.eventType, eventType: s.eventType, filters: s.filters ?? [], windowMs: k === 0 ? null : (s.windowMs ?? null) })),
    },
    unit: q.unit,
    order: q.spec.order,
    windowMs: q.spec.windowMs,
    sessionGapMs: q.sessionGapMs,
    period: { start: q.start, end: q.end, timezone: q.timezone, from: meta?.from ?? null, to: meta?.to ?? null },
    watermark,
    entered: reached[0]!,
    completed: reached[n - 1]!,
    conversion: ratio(reached[n - 1]!, reached[0]!),
    steps,
    breakdown,
    trend,
    percentileMethod: 'nearest-rank',
    excludedAnonymous: comp.excludedAnonymous,
    timing: {
      totalMs: startedAt !== undefined ? t1 - startedAt : loadMs + comp.timing.sessionizeMs + comp.timing.matchMs + (t1 - t0),
      loadMs,
      sessionizeMs: comp.timing.sessionizeMs,
      matchMs: comp.timing.matchMs,
      aggregateMs: t1 - t0,
    },
  };
}
