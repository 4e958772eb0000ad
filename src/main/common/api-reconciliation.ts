/**
 * The reconciliation slice of the API (spec 5.1, daily payment reconciliation): runs, their
 * summaries and items, the exceptions queue with resolve / reopen, report downloads (CSV / XLSX
 * bytes) and the settings of the daily run. docs/reconciliation.md defines statuses and totals.
 * Amounts are integer minor units with their currency.
 */
import { s } from './schema.ts';
import type { ReconItem, ReconStatus, RecordType, Review } from '../../analytics/reconcile/types.ts';
import type { ReconSummary } from '../../analytics/reconcile/report.ts';

const day = s.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ });
const gateway = s.string({ pattern: /^[a-z0-9_-]{1,32}$/ });
const currency = s.string({ pattern: /^[A-Z]{3}$/ });
const key = s.string({ min: 1, max: 600 });
const STATUS_VALUES = ['matched', 'amount_mismatch', 'gateway_only', 'internal_only', 'duplicate', 'currency_mismatch', 'chargeback', 'fee', 'ledger_event_mismatch'] as const;
export const RESOLUTION_KINDS = ['write_off', 'manual_match', 'timing'] as const;
export type ResolutionKind = (typeof RESOLUTION_KINDS)[number];

export const reconSettingsPatch = s.object({
  /** run every day at runHour:runMinute (business timezone) for T-1 when the app runs in the background */
  scheduleEnabled: s.optional(s.boolean()),
  runHour: s.optional(s.int({ min: 0, max: 23 })),
  runMinute: s.optional(s.int({ min: 0, max: 59 })),
  /** internal_only becomes an exception once this many days old */
  agingDays: s.optional(s.int({ min: 0, max: 60 })),
  gateways: s.optional(s.array(gateway, { max: 32 })),
  /** per currency, minor units of that currency */
  toleranceMinor: s.optional(s.record(s.int({ min: 0, max: 1_000_000_000 }))),
  /** total discrepancy above this raises the alert: a decimal amount in major units and its currency */
  alertThreshold: s.optional(s.object({ amount: s.string({ pattern: /^\d+(\.\d+)?$/, max: 30 }), currency })),
  /** how many missed days the scheduler catches up at start */
  catchUpDays: s.optional(s.int({ min: 0, max: 60 })),
  /** cross-check the ledger against the synced payment.captured events */
  crossCheck: s.optional(s.boolean()),
});

const fileArg = s.object({
  name: s.string({ min: 1, max: 255 }),
  /** the file's bytes, base64 (web mode and Electron upload) */
  base64: s.optional(s.string({ max: 96 * 1024 * 1024 })),
  /** or a path on this machine (CLI) */
  path: s.optional(s.string({ min: 1, max: 4096 })),
  /** the gateway, when the file's format does not say (platform format without a gateway column) */
  gateway: s.optional(gateway),
  /** settlement (default) or ledger */
  kind: s.optional(s.literal('settlement', 'ledger')),
});

export const reconArgs = {
  'recon.settings.get': s.void(),
  'recon.settings.update': reconSettingsPatch,
  'recon.run': s.object({
    /** the business date to reconcile (default: yesterday in the business timezone) */
    date: s.optional(day),
    gateways: s.optional(s.array(gateway, { max: 32 })),
    /** settlement files to use instead of the platform's reports for their gateway */
    files: s.optional(s.array(fileArg, { max: 20 })),
  }),
  'recon.runs': s.object({
    date: s.optional(day),
    limit: s.optional(s.int({ min: 1, max: 500 })),
    offset: s.optional(s.int({ min: 0 })),
  }),
  'recon.get': s.object({ runId: s.int({ min: 1 }) }),
  'recon.items': s.object({
    runId: s.int({ min: 1 }),
    /** exceptions: review = exception; open / resolved: exceptions by resolution state */
    queue: s.optional(s.literal('all', 'exceptions', 'open', 'resolved', 'pending')),
    status: s.optional(s.array(s.literal(...STATUS_VALUES), { max: 9 })),
    gateway: s.optional(gateway),
    currency: s.optional(currency),
    /** text search in payment id, order id, gateway txn id, record key */
    q: s.optional(s.string({ max: 200 })),
    sort: s.optional(s.literal('key', 'status', 'gateway', 'payment_id', 'discrepancy', 'abs_discrepancy', 'captured', 'settled', 'age')),
    dir: s.optional(s.literal('asc', 'desc')),
    limit: s.optional(s.int({ min: 1, max: 1000 })),
    offset: s.optional(s.int({ min: 0 })),
  }),
  'recon.item': s.object({ runId: s.int({ min: 1 }), key }),
  'recon.resolve': s.object({
    runId: s.int({ min: 1 }),
    key,
    kind: s.literal(...RESOLUTION_KINDS),
    note: s.string({ min: 1, max: 2000 }),
    /** manual_match: the record key (or gateway txn / payment id) it was matched to */
    matchedTo: s.optional(s.string({ min: 1, max: 600 })),
  }),
  'recon.reopen': s.object({ runId: s.int({ min: 1 }), key, note: s.string({ min: 1, max: 2000 }) }),
  'recon.report': s.object({ runId: s.int({ min: 1 }), format: s.literal('csv', 'xlsx') }),
} as const;

export interface ReconSettings {
  scheduleEnabled: boolean;
  runHour: number;
  runMinute: number;
  agingDays: number;
  gateways: string[];
  toleranceMinor: Record<string, number>;
  alertThreshold: { amount: string; currency: string };
  catchUpDays: number;
  crossCheck: boolean;
  /** the scheduler's watermark: the last business date it reconciled */
  lastScheduledDate: string | null;
}

export interface ReconRunInput {
  kind: 'settlement' | 'ledger' | 'refunds' | 'events';
  gateway: string | null;
  date: string;
  origin: string;
  name: string;
  format: string;
  adapter: string | null;
  sha256: string | null;
  rows: number;
  errors: number;
  skipped: number;
  note: string | null;
}

export interface ReconRunInfo {
  id: number;
  date: string;
  trigger: string;
  actor: string;
  status: 'running' | 'done' | 'error';
  startedAt: number;
  finishedAt: number | null;
  rulesVersion: string;
  reportSha256: string | null;
  itemCount: number;
  exceptionCount: number;
  /** Σ|discrepancy| of the open exceptions, in the threshold's currency (minor units) */
  openDiscrepancy: { minor: number; currency: string } | null;
  alert: boolean;
  alertId: number | null;
  error: string | null;
}

export interface ReconRunDetail extends ReconRunInfo {
  params: Record<string, unknown>;
  inputs: ReconRunInput[];
  /** the summary with resolutions as they are now (open counts and totals) */
  summary: ReconSummary | null;
  /** the summary as computed when the run finished */
  summaryAtRun: ReconSummary | null;
  dataWatermark: number | null;
  quarantined: number;
}

export interface ResolutionInfo {
  id: number;
  action: 'resolve' | 'reopen';
  kind: ResolutionKind | null;
  note: string;
  matchedTo: string | null;
  actor: string;
  at: number;
  runId: number;
}

export interface ReconItemRow extends ReconItem {
  runId: number;
  seq: number;
  /** exceptions: open or resolved; other items: none */
  state: 'open' | 'resolved' | 'none';
  resolution: ResolutionInfo | null;
  /** a resolution exists for the key but the record changed since (status or amounts): it no longer applies */
  staleResolution: boolean;
}

export interface ReconItemDetail {
  item: ReconItemRow;
  /** the settlement row exactly as received (CSV line, sheet row, JSON record) */
  settlementRaw: string | null;
  ledgerRaw: string | null;
  eventRaw: string | null;
  /** where the raw rows came from */
  settlementOrigin: string | null;
  ledgerOrigin: string | null;
  history: ResolutionInfo[];
  /** the same key in other runs (date, status) */
  otherRuns: { runId: number; date: string; status: ReconStatus; review: Review }[];
}

export interface ReconItemsPage { total: number; items: ReconItemRow[] }
export interface ReconReportFile { filename: string; mimeType: string; bytes: number; base64: string; sha256: string }

export interface ReconResults {
  'recon.settings.get': ReconSettings;
  'recon.settings.update': ReconSettings;
  'recon.run': ReconRunDetail;
  'recon.runs': { total: number; runs: ReconRunInfo[] };
  'recon.get': ReconRunDetail;
  'recon.items': ReconItemsPage;
  'recon.item': ReconItemDetail;
  'recon.resolve': ReconItemRow;
  'recon.reopen': ReconItemRow;
  'recon.report': ReconReportFile;
}

export type { ReconItem, ReconStatus, RecordType, Review, ReconSummary };
