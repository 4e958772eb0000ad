/**
 * The funnels slice of the API: saved funnel definitions, runs (steps, breakdowns, trend),
 * drill-down into dropped units, exports, and the scheduled report snapshots.
 * docs/funnels.md defines the computation; every result is a plain object.
 */
import { s } from './schema.ts';
import { FILTER_PROPERTIES } from '../../analytics/funnel/types.ts';
import type {
  DrilldownPage, ExportFile, FunnelCacheStatus, FunnelDefinition, FunnelReportRow, FunnelResult,
} from '../../analytics/funnel/types.ts';

const DAY_MS = 86_400_000;
const day = s.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ });

export const funnelStepSchema = s.object({
  label: s.optional(s.string({ min: 1, max: 100 })),
  eventType: s.string({ min: 1, max: 100 }),
  filters: s.optional(s.array(s.object({
    property: s.literal(...FILTER_PROPERTIES),
    op: s.literal('eq', 'neq', 'in'),
    values: s.array(s.string({ min: 1, max: 200 }), { max: 100 }),
  }), { max: 10 })),
  windowMs: s.optional(s.int({ min: 0, max: 366 * DAY_MS })),
});

/** The fields every query-shaped method shares (run, drill-down, export). */
const queryFields = {
  /** a saved funnel's id or name (default: the standard purchase funnel) */
  funnel: s.optional(s.string({ min: 1, max: 200 })),
  /** an ad-hoc funnel instead of a saved one */
  steps: s.optional(s.array(funnelStepSchema, { max: 10 })),
  /** business days in the workspace timezone, `to` inclusive (default: the last 7 days with data) */
  from: s.optional(day),
  to: s.optional(day),
  /** or an explicit [start, end) in UTC epoch ms */
  start: s.optional(s.int({ min: 0 })),
  end: s.optional(s.int({ min: 0 })),
  unit: s.optional(s.literal('session', 'user')),
  order: s.optional(s.literal('sequential', 'strict', 'any')),
  windowMs: s.optional(s.int({ min: 1, max: 90 * DAY_MS })),
  sessionGapMinutes: s.optional(s.number({ min: 1, max: 24 * 60 })),
  breakdown: s.optional(s.array(s.literal('device', 'source', 'segment', 'category'), { max: 2 })),
  topN: s.optional(s.int({ min: 1, max: 100 })),
  trend: s.optional(s.literal('hour', 'day', 'none')),
  /** lets funnel.cancel stop this call; progress is pushed as `funnel.progress` with it */
  requestId: s.optional(s.string({ min: 1, max: 64 })),
};

export const funnelArgs = {
  'funnel.list': s.void(),
  'funnel.save': s.object({
    /** omit to create; an existing id to update */
    id: s.optional(s.string({ min: 1, max: 64 })),
    name: s.string({ min: 1, max: 200 }),
    steps: s.array(funnelStepSchema, { max: 10 }),
    order: s.optional(s.literal('sequential', 'strict', 'any')),
    unit: s.optional(s.literal('session', 'user')),
    windowMs: s.optional(s.int({ min: 1, max: 90 * DAY_MS })),
    scheduled: s.optional(s.boolean()),
  }),
  'funnel.delete': s.object({ id: s.string({ min: 1, max: 64 }) }),
  'funnel.run': s.object(queryFields),
  'funnel.cancel': s.object({ requestId: s.string({ min: 1, max: 64 }) }),
  'funnel.drilldown': s.object({
    ...queryFields,
    /** 1-based step: the units whose furthest step is this one */
    step: s.int({ min: 1, max: 10 }),
    offset: s.optional(s.int({ min: 0 })),
    limit: s.optional(s.int({ min: 1, max: 1000 })),
  }),
  'funnel.export': s.object({
    ...queryFields,
    format: s.literal('csv', 'xlsx'),
    /** CSV: which table (default steps); XLSX: every table as a sheet, plus the dropped units of `step` when given */
    table: s.optional(s.literal('steps', 'breakdown', 'trend', 'dropped')),
    step: s.optional(s.int({ min: 1, max: 10 })),
  }),
  'funnel.reports': s.object({
    funnel: s.optional(s.string({ min: 1, max: 200 })),
    limit: s.optional(s.int({ min: 1, max: 1000 })),
    offset: s.optional(s.int({ min: 0 })),
  }),
  'funnel.runScheduled': s.object({
    /** one funnel (id or name); default: every scheduled funnel */
    funnel: s.optional(s.string({ min: 1, max: 200 })),
    /** the run's clock (default now): the period is the 24 h before the start of its local hour */
    now: s.optional(s.int({ min: 0 })),
  }),
  'funnel.cacheStatus': s.void(),
} as const;

export interface FunnelProgress { requestId: string; phase: string; done: number; total: number }

export interface FunnelResults {
  'funnel.list': FunnelDefinition[];
  'funnel.save': FunnelDefinition;
  'funnel.delete': { deleted: boolean };
  'funnel.run': FunnelResult;
  'funnel.cancel': { cancelled: boolean };
  'funnel.drilldown': DrilldownPage;
  'funnel.export': ExportFile;
  'funnel.reports': { total: number; rows: FunnelReportRow[] };
  'funnel.runScheduled': FunnelReportRow[];
  'funnel.cacheStatus': FunnelCacheStatus;
}
