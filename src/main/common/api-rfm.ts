/**
 * The RFM slice of the API (spec 3.2, docs/rfm.md): runs (on demand and weekly), the overview
 * (segment sizes, revenue share, cut points, R×F grid), per-customer rows and history, the
 * migration matrix between two runs, the push of segments to the platform (with a dry-run preview)
 * and exports. Money is integer minor units of the run's reporting currency.
 */
import { s } from './schema.ts';
import type { RfmCustomer, RfmSummary, SegmentSize, RfmWindow } from '../../analytics/rfm/compute.ts';
import type { ScoreCut } from '../../analytics/rfm/score.ts';
import { SEGMENTS, type Segment } from '../../analytics/rfm/segments.ts';

const day = s.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ });
const runId = s.int({ min: 1 });
const customerId = s.string({ min: 1, max: 200 });

export const rfmSettingsPatch = s.object({
  /** run weekly on `weekday` (1 = Monday .. 7 = Sunday) at hour:minute, business timezone */
  enabled: s.optional(s.boolean()),
  weekday: s.optional(s.int({ min: 1, max: 7 })),
  hour: s.optional(s.int({ min: 0, max: 23 })),
  minute: s.optional(s.int({ min: 0, max: 59 })),
  /** push the changed segments to the platform after a scheduled run */
  autoPush: s.optional(s.boolean()),
});

export const rfmArgs = {
  'rfm.settings.get': s.void(),
  'rfm.settings.update': rfmSettingsPatch,
  /** run now; asOf defaults to today in the business timezone */
  'rfm.run': s.object({ asOf: s.optional(day) }),
  'rfm.runs': s.object({ limit: s.optional(s.int({ min: 1, max: 500 })), offset: s.optional(s.int({ min: 0 })) }),
  /** a run's detail; the latest finished run when runId is left out */
  'rfm.get': s.object({ runId: s.optional(runId) }),
  'rfm.customers': s.object({
    runId,
    segment: s.optional(s.literal(...SEGMENTS)),
    r: s.optional(s.int({ min: 1, max: 5 })),
    f: s.optional(s.int({ min: 1, max: 5 })),
    q: s.optional(s.string({ max: 200 })),
    sort: s.optional(s.literal('customer', 'recency', 'frequency', 'monetary')),
    dir: s.optional(s.literal('asc', 'desc')),
    limit: s.optional(s.int({ min: 1, max: 1000 })),
    offset: s.optional(s.int({ min: 0 })),
  }),
  'rfm.customer': s.object({ customerId }),
  'rfm.migration': s.object({ fromRunId: runId, toRunId: runId }),
  'rfm.push.preview': s.object({ runId: s.optional(runId), limit: s.optional(s.int({ min: 0, max: 1000 })) }),
  /** push the changed segments of a run (default: the latest); resumes an unfinished push first */
  'rfm.push': s.object({ runId: s.optional(runId) }),
  'rfm.pushes': s.object({ limit: s.optional(s.int({ min: 1, max: 500 })) }),
  'rfm.export': s.object({ runId, format: s.literal('csv', 'xlsx'), segment: s.optional(s.literal(...SEGMENTS)) }),
} as const;

export interface RfmSettings {
  enabled: boolean;
  weekday: number;
  hour: number;
  minute: number;
  autoPush: boolean;
  /** the ISO week the scheduler last ran */
  lastWeek: string | null;
  lastRunId: number | null;
}

export interface RfmRunInfo {
  id: number;
  asOf: string;
  trigger: string;
  actor: string;
  status: 'running' | 'done' | 'error';
  startedAt: number;
  finishedAt: number | null;
  customers: number | null;
  watermark: { seq: number | null; time: number | null; events: number | null };
  inputsHash: string | null;
  resultHash: string | null;
  error: string | null;
}

export interface RfmRunParams { asOf: string; timezone: string; reportingCurrency: string; fxRates: Record<string, string>; window: RfmWindow; method: string }

export interface RfmRunDetail extends RfmRunInfo {
  params: RfmRunParams;
  summary: RfmSummary | null;
}

export interface RfmCustomerRow extends RfmCustomer {
  runId: number;
}

export interface RfmCustomerHistory {
  customerId: string;
  /** newest run first */
  history: (RfmCustomerRow & { asOf: string })[];
  /** what the platform was last told */
  pushed: { segment: string; runId: number; pushId: number; pushedAt: number } | null;
}

export interface RfmMigration {
  from: RfmRunInfo;
  to: RfmRunInfo;
  /** row / column labels: the segments, then "Not in run" */
  labels: string[];
  /** matrix[i][j] = customers in labels[i] in `from` and labels[j] in `to` */
  matrix: number[][];
  /** customers whose segment changed (incl. entering / leaving the population) */
  moved: number;
}

export interface RfmPushPreview {
  runId: number;
  asOf: string;
  /** customers whose segment differs from what the platform was last told */
  changes: number;
  /** per (from, to) pair; from = null: never pushed */
  transitions: { from: string | null; to: string; customers: number }[];
  sample: { customerId: string; from: string | null; to: string }[];
  batchSize: number;
  batches: number;
  /** an unfinished (failed) push that a push would resume first */
  pending: RfmPushInfo | null;
}

export interface RfmPushInfo {
  id: number;
  runId: number;
  platformUrl: string;
  actor: string;
  status: 'pending' | 'done' | 'failed';
  startedAt: number;
  finishedAt: number | null;
  changes: number;
  batches: number;
  sentBatches: number;
  attempts: number;
  error: string | null;
}

export interface RfmPushResult { resumed: RfmPushInfo[]; push: RfmPushInfo }
export interface RfmExportFile { filename: string; mimeType: string; bytes: number; base64: string }

export interface RfmResults {
  'rfm.settings.get': RfmSettings;
  'rfm.settings.update': RfmSettings;
  'rfm.run': RfmRunDetail;
  'rfm.runs': { total: number; runs: RfmRunInfo[] };
  'rfm.get': RfmRunDetail | null;
  'rfm.customers': { total: number; rows: RfmCustomerRow[] };
  'rfm.customer': RfmCustomerHistory;
  'rfm.migration': RfmMigration;
  'rfm.push.preview': RfmPushPreview;
  'rfm.push': RfmPushResult;
  'rfm.pushes': RfmPushInfo[];
  'rfm.export': RfmExportFile;
}

export type { RfmSummary, SegmentSize, ScoreCut, Segment, RfmWindow };
