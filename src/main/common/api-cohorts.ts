/**
 * The cohorts slice of the API: cohort retention runs (monthly or weekly acquisition cohorts, "on"
 * or "on or after" retention, revenue retention, breakdowns), the customers behind a heatmap cell,
 * exports, saved segments, the stored runs and their comparison, and the cohort settings.
 * docs/cohorts.md defines the computation; every result is a plain object.
 */
import { s } from './schema.ts';
import type { CohortCustomersPage, CohortResult } from '../../analytics/cohorts/types.ts';

const period = s.string({ pattern: /^\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\d|5[0-3]))$/ });

/** The fields every query-shaped method shares (run, customers, export, save segment). */
const queryFields = {
  granularity: s.optional(s.literal('month', 'week')),
  /** first and last cohort: 'YYYY-MM' (weekly: the ISO weeks whose Monday falls in those months) or 'YYYY-Www' (weekly) */
  from: s.optional(period),
  to: s.optional(period),
  mode: s.optional(s.literal('on', 'on_or_after')),
  /** default: registration when the workspace has registration events, else the first order */
  acquisition: s.optional(s.literal('registration', 'first_order')),
  /** default: the workspace setting (cohorts.includeRefunded) */
  includeRefunded: s.optional(s.boolean()),
  breakdown: s.optional(s.literal('source', 'device')),
};
const cellFields = {
  ...queryFields,
  cohort: period,
  /** periods since acquisition; omit for the whole cohort */
  offset: s.optional(s.int({ min: 0, max: 5000 })),
  /** a breakdown value (with `breakdown`) */
  value: s.optional(s.string({ min: 1, max: 200 })),
};

export const cohortArgs = {
  /** `requestId` lets cohort.cancel stop the run; its progress is pushed as `cohort.progress` */
  'cohort.run': s.object({ ...queryFields, requestId: s.optional(s.string({ min: 1, max: 64 })) }),
  'cohort.cancel': s.object({ requestId: s.string({ min: 1, max: 64 }) }),
  'cohort.customers': s.object({ ...cellFields, offsetRows: s.optional(s.int({ min: 0 })), limit: s.optional(s.int({ min: 1, max: 1000 })) }),
  'cohort.export': s.object({
    ...queryFields,
    format: s.literal('csv', 'xlsx'),
    /** CSV: which table (default matrix); `customers` needs cohort (+ offset) */
    table: s.optional(s.literal('matrix', 'customers')),
    cohort: s.optional(period),
    offset: s.optional(s.int({ min: 0, max: 5000 })),
    value: s.optional(s.string({ min: 1, max: 200 })),
  }),
  'cohort.saveSegment': s.object({ ...cellFields, name: s.string({ min: 1, max: 200 }) }),
  'segment.list': s.void(),
  'segment.members': s.object({ id: s.string({ min: 1, max: 64 }), offset: s.optional(s.int({ min: 0 })), limit: s.optional(s.int({ min: 1, max: 1000 })) }),
  'segment.delete': s.object({ id: s.string({ min: 1, max: 64 }) }),
  'cohort.runs': s.object({ limit: s.optional(s.int({ min: 1, max: 1000 })), offset: s.optional(s.int({ min: 0 })) }),
  /** the scheduled run for the business month of `now` (default: the clock), stored with its inputs */
  'cohort.runScheduled': s.object({ now: s.optional(s.int({ min: 0 })) }),
  /** the latest run against an earlier one (default: the one before it) */
  'cohort.compare': s.object({ run: s.optional(s.int({ min: 1 })), against: s.optional(s.int({ min: 1 })) }),
  'cohort.settings': s.void(),
  'cohort.updateSettings': s.object({ includeRefunded: s.optional(s.boolean()) }),
} as const;

export interface CohortSettings {
  /** whether refunded orders count as purchases (default true; cancelled orders never count) */
  includeRefunded: boolean;
}

export interface SavedSegment { id: string; name: string; origin: Record<string, unknown>; size: number; createdAt: number }

export interface CohortRunSummary {
  granularity: string;
  mode: string;
  customers: number;
  cohorts: { key: string; size: number; milestones: Record<string, number | null> }[];
  milestones: Record<string, number | null>;
}
export interface CohortRunRow {
  id: number;
  createdAt: number;
  trigger: 'scheduled' | 'on_demand';
  scheduleMonth: string | null;
  params: Record<string, unknown>;
  watermark: { seq: number; time: number | null };
  inputHash: string;
  summary: CohortRunSummary;
}
export interface CohortComparison {
  run: CohortRunRow;
  against: CohortRunRow | null;
  /** per cohort present in both: size and milestone changes (percentage points as fractions) */
  cohorts: { key: string; size: number; sizeBefore: number | null; milestones: Record<string, { now: number | null; before: number | null; delta: number | null }> }[];
  milestones: Record<string, { now: number | null; before: number | null; delta: number | null }>;
}

export interface CohortExportFile { filename: string; mimeType: string; bytes: number; base64: string }

export interface CohortResults {
  'cohort.run': CohortResult & { runId: number };
  'cohort.cancel': { cancelled: boolean };
  'cohort.customers': CohortCustomersPage;
  'cohort.export': CohortExportFile;
  'cohort.saveSegment': SavedSegment;
  'segment.list': SavedSegment[];
  'segment.members': { segment: SavedSegment; total: number; userIds: string[] };
  'segment.delete': { deleted: boolean };
  'cohort.runs': { total: number; rows: CohortRunRow[] };
  'cohort.runScheduled': CohortRunRow;
  'cohort.compare': CohortComparison;
  'cohort.settings': CohortSettings;
  'cohort.updateSettings': CohortSettings;
}
