/**
 * Funnel definitions, queries and results: plain objects shared by the worker (which computes
 * them), the services, the CLI, exports and the UI. docs/funnels.md defines every field precisely.
 */

/** Event properties a step may filter on (columns of the event cache). */
export const FILTER_PROPERTIES = ['device', 'traffic_source', 'category', 'code', 'experiment_id', 'variant', 'currency'] as const;
export type FilterProperty = (typeof FILTER_PROPERTIES)[number];

export type FilterOp = 'eq' | 'neq' | 'in';

/**
 * `eq`: the property is present and equals `values[0]`; `in`: present and one of `values`;
 * `neq`: absent, or present and different from `values[0]` (the complement of `eq`).
 */
export interface StepFilter { property: FilterProperty; op: FilterOp; values: string[] }

export interface FunnelStep {
  /** display name; defaults to the event type */
  label?: string;
  eventType: string;
  filters?: StepFilter[];
  /** sequential/strict order only: at most this many ms after the previous step's matched event (inclusive) */
  windowMs?: number | null;
}

export type FunnelOrder = 'sequential' | 'strict' | 'any';
export type CountingUnit = 'session' | 'user';
export type BreakdownDim = 'device' | 'source' | 'segment' | 'category';
export const BREAKDOWN_DIMS: readonly BreakdownDim[] = ['device', 'source', 'segment', 'category'];
export type TrendGranularity = 'hour' | 'day';

/** A funnel as saved in the workspace (or the built-in standard funnel). */
export interface FunnelDefinition {
  id: string;
  name: string;
  builtin: boolean;
  steps: FunnelStep[];
  /** defaults for runs (a run may override them) */
  order: FunnelOrder;
  unit: CountingUnit;
  /** conversion window of the whole funnel, from the entry event (inclusive) */
  windowMs: number;
  /** included in the hourly scheduled report */
  scheduled: boolean;
  createdAt: number | null;
  updatedAt: number | null;
}

/** What the kernel matches: steps, order and windows. */
export interface FunnelSpec {
  steps: FunnelStep[];
  order: FunnelOrder;
  windowMs: number;
}

/** A fully resolved query, as sent to the worker. Times are UTC epoch ms. */
export interface FunnelQuery {
  spec: FunnelSpec;
  unit: CountingUnit;
  /** entries (step-1 events) with start <= time < end are counted */
  start: number;
  end: number;
  timezone: string;
  /** inactivity gap that splits the events of a user that carry no session_id into sessions */
  sessionGapMs: number;
  breakdown: BreakdownDim[];
  topN: number;
  trend: TrendGranularity | null;
  /** echoed into the result: the funnel's id and name, and the business days asked for */
  meta?: { id: string | null; name: string; from: string | null; to: string | null };
}

export interface Histogram {
  /** bin lower edges in ms; bin i is [edgesMs[i], edgesMs[i+1]) and the last bin is open-ended */
  edgesMs: number[];
  counts: number[];
}

/** Durations in ms; percentiles by the nearest-rank method (always an observed value). */
export interface DurationStats {
  count: number;
  meanMs: number;
  medianMs: number;
  p90Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  histogram: Histogram;
}

export interface DropoffReason { code: string; units: number }

export interface StepMetrics {
  /** 1-based */
  step: number;
  label: string;
  eventType: string;
  /** units that reached this step */
  entered: number;
  /** units that went on to the next step (the last step: = entered) */
  converted: number;
  /** entered - converted: units whose furthest step is this one */
  dropped: number;
  /** entered / previous step's entered (null for step 1 or when the previous step is 0) */
  conversionFromPrevious: number | null;
  /** entered / step 1's entered */
  conversionFromStart: number | null;
  /** time from the previous step's event to this step's event (null for step 1) */
  timeFromPrevious: DurationStats | null;
  /** time from the entry (step 1) to this step's event (null for step 1) */
  timeToConvert: DurationStats | null;
  /** the most frequent error/failure codes among the units that dropped at this step */
  topDropoffReasons: DropoffReason[];
}

export interface BreakdownRow {
  /** one value per dimension, e.g. {device: 'ios', source: 'other'} */
  keys: Record<string, string>;
  entered: number;
  /** units that reached each step (index 0 = step 1 = entered) */
  reached: number[];
  /** reached[last] / entered */
  conversion: number | null;
}

export interface Breakdown {
  dimensions: BreakdownDim[];
  topN: number;
  /** the values kept per dimension (most entered first); the rest are grouped as "other" */
  values: Record<string, string[]>;
  rows: BreakdownRow[];
}

export interface TrendBucket {
  /** UTC epoch ms of the bucket start (a local hour or business day) */
  start: number;
  /** 'YYYY-MM-DD' or 'YYYY-MM-DD HH:00' in the business timezone */
  label: string;
  entered: number;
  /** units that reached the last step */
  completed: number;
  conversion: number | null;
  reached: number[];
}

export interface Trend { granularity: TrendGranularity; timezone: string; buckets: TrendBucket[] }

export interface Watermark {
  /** the highest events.seq in the cache when the query ran */
  seq: number;
  /** the latest event time in the cache (epoch ms), null when empty */
  time: number | null;
  /** events in the cache */
  events: number;
}

export interface FunnelResult {
  funnel: { id: string | null; name: string; steps: { step: number; label: string; eventType: string; filters: StepFilter[]; windowMs: number | null }[] };
  unit: CountingUnit;
  order: FunnelOrder;
  windowMs: number;
  sessionGapMs: number;
  period: { start: number; end: number; timezone: string; from: string | null; to: string | null };
  watermark: Watermark;
  /** units that entered (step 1) and that reached the last step */
  entered: number;
  completed: number;
  conversion: number | null;
  steps: StepMetrics[];
  breakdown: Breakdown | null;
  trend: Trend | null;
  percentileMethod: 'nearest-rank';
  /** anonymous sessions left out of a user-unit funnel (sessions without any user_id) */
  excludedAnonymous: number;
  timing: { totalMs: number; loadMs: number; sessionizeMs: number; matchMs: number; aggregateMs: number };
}

export interface UnitEvent { type: string; time: number; code: string | null }

/** One unit that dropped at a step (reached it, not the next one). */
export interface DroppedUnit {
  /** session id, user id, or "gap:<user>:<start ms>" for a session derived by the inactivity gap */
  unit: string;
  userId: string | null;
  device: string;
  source: string;
  segment: string;
  category: string;
  /** entry (step-1) event time */
  enteredAt: number;
  /** time of the last step reached (the drop step) */
  lastStepAt: number;
  /** the unit's last events of the attempt (up to the window end), oldest first */
  lastEvents: UnitEvent[];
  /** error.occurred / payment.failed events of the attempt, after the last step reached */
  errors: UnitEvent[];
}

export interface DrilldownPage {
  step: number;
  label: string;
  total: number;
  offset: number;
  limit: number;
  watermark: Watermark;
  rows: DroppedUnit[];
}

export interface FunnelCacheStatus {
  events: number;
  lastSeq: number;
  lastTime: number | null;
  /** how the cache was filled at worker start: 'snapshot', 'rebuild' (missing/stale/corrupt) or null (not loaded yet) */
  origin: 'snapshot' | 'rebuild' | null;
  /** why a rebuild happened */
  rebuildReason: string | null;
  snapshotFile: string;
  snapshotBytes: number | null;
  snapshotSeq: number | null;
  memoryBytes: number;
  dictionaries: Record<string, number>;
}

/** The stored summary of a scheduled run (funnel_reports.report). */
export interface FunnelReportSummary {
  entered: number;
  completed: number;
  conversion: number | null;
  steps: (Pick<StepMetrics, 'step' | 'label' | 'eventType' | 'entered' | 'converted' | 'dropped' | 'conversionFromPrevious' | 'conversionFromStart' | 'topDropoffReasons'> & {
    medianTimeFromPreviousMs: number | null;
  })[];
}

/** A funnel_reports row: the inputs (parameters, data watermark and their hash) and the summary. */
export interface FunnelReportRow {
  id: number;
  funnelId: string;
  funnelName: string;
  createdAt: number;
  periodStart: number;
  periodEnd: number;
  params: Record<string, unknown>;
  watermark: { seq: number; time: number | null };
  /** sha256 hex of the canonical JSON of {params, watermark} */
  inputHash: string;
  report: FunnelReportSummary;
}

export interface ExportFile { filename: string; mimeType: string; bytes: number; base64: string }
