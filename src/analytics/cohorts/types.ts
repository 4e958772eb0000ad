/** Types of cohort retention (docs/cohorts.md). Plain objects: the UI, the CLI and exports render them alike. */
import type { Granularity } from './periods.ts';

export type RetentionMode = 'on' | 'on_or_after';
export type Acquisition = 'registration' | 'first_order';
export type CohortBreakdown = 'source' | 'device';

/** The milestone offsets reported per cohort (M1, M3, M6 / W1, W3, W6). */
export const MILESTONES = [1, 3, 6] as const;
/** Cohorts smaller than this show a 95% Wilson interval next to their percentages. */
export const SMALL_COHORT = 100;

export interface CohortQuery {
  granularity: Granularity;
  /** first and last cohort period ('YYYY-MM' or 'YYYY-Www' matching the granularity) */
  from: string;
  to: string;
  mode: RetentionMode;
  acquisition: Acquisition;
  /** whether refunded orders count as purchases (cancelled orders never do) */
  includeRefunded: boolean;
  breakdown: CohortBreakdown | null;
  timezone: string;
  reportingCurrency: string;
  /** units of reportingCurrency per one unit of each other currency (decimal strings) */
  fxRates: Record<string, string>;
  /** the clock of the run: the period containing it is incomplete, later ones are not shown */
  asOf: number;
}

export interface CohortCell {
  offset: number;
  /** customers of the cohort active in the period ("on") or in it or any later one ("on or after") */
  active: number;
  /** active / cohort size (0..1) */
  pct: number;
  /** 95% Wilson interval of pct (0..1), for every cell; the UI shows it for small cohorts */
  ci: [number, number];
  /** completed qualifying orders in the period (always "on") */
  orders: number;
  /** customers with an order in the period ("on"; equals `active` in "on" mode) */
  activeOn: number;
  /** orders / activeOn, null when no one was active */
  ordersPerActive: number | null;
  /** GMV of those orders in the reporting currency (minor units); null when a rate is missing */
  gmvMinor: number | null;
  /** gmvMinor / GMV of period 0, null when either is null or period 0 had none */
  revenuePct: number | null;
  /** the period has not ended at asOf (shown as incomplete, never as a drop) */
  incomplete: boolean;
}

export interface CohortRow {
  key: string;
  start: number;
  end: number;
  size: number;
  small: boolean;
  /** cells by offset 0.. (periods that had not started at asOf are left out) */
  cells: CohortCell[];
  /** pct at MILESTONES offsets; null when that period is incomplete or not reached */
  milestones: Record<string, number | null>;
}

export interface OffsetAverage {
  offset: number;
  /** size-weighted: sum(active) / sum(size) over cohorts whose period is complete */
  pct: number | null;
  cohorts: number;
  customers: number;
}

export interface CohortMatrix { rows: CohortRow[]; averages: OffsetAverage[]; milestones: Record<string, number | null> }

/** The data a result saw: the last event seq examined (any type), the latest customer event's time, the customer events held. */
export interface CohortWatermark { seq: number; time: number | null; events: number }

export interface CohortResult {
  query: Omit<CohortQuery, 'asOf' | 'fxRates'> & { asOf: number };
  /** milestone labels, e.g. { "1": "M1" } */
  milestoneLabels: Record<string, string>;
  maxOffset: number;
  matrix: CohortMatrix;
  breakdown: { dimension: CohortBreakdown; values: { value: string; customers: number; matrix: CohortMatrix }[] } | null;
  /** the FX rates used for revenue (currency -> rate into the reporting currency), and currencies without one */
  fx: { reportingCurrency: string; rates: Record<string, string>; missing: string[]; gmvByCurrency: { currency: string; minor: number }[] };
  customers: number;
  orders: { counted: number; cancelled: number; refundedExcluded: number; beforeAcquisition: number };
  watermark: CohortWatermark;
  timing: { loadMs: number; extractMs: number; computeMs: number; totalMs: number };
}

export interface CohortCustomer {
  userId: string;
  acquiredAt: number;
  source: string | null;
  device: string | null;
  /** qualifying orders in the cell's period */
  orders: number;
  /** all qualifying orders since acquisition */
  ordersTotal: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
}

export interface CohortCustomersPage {
  cohort: string;
  offset: number | null;
  breakdownValue: string | null;
  total: number;
  page: { offset: number; limit: number };
  rows: CohortCustomer[];
}
