/**
 * Daily payment reconciliation (spec 5.1): the shapes shared by the settlement adapters, the
 * matching engine and the report. Pure types, no I/O.
 *
 * Money is integer minor units of the stated currency (see ../money.ts); times are UTC epoch ms;
 * dates are business days 'YYYY-MM-DD' in the workspace timezone.
 */

/** What a settlement row is. */
export const RECORD_TYPES = ['settlement', 'refund', 'chargeback', 'fee', 'payout_total'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** One row of a gateway's settlement report, normalized by an adapter. */
export interface SettlementRecord {
  gateway: string;
  recordType: RecordType;
  /** the gateway's id of this transaction (refunds: the refund's id; chargebacks: the dispute's id) */
  gatewayTxnId: string | null;
  /** the merchant reference the gateway carries: the platform's payment id */
  paymentId: string | null;
  orderId: string | null;
  /** refunds and chargebacks: the gateway id of the original payment, when the gateway gives it */
  originalTxnId: string | null;
  /** signed minor units of `currency` (refunds and chargebacks negative; fee rows 0) */
  amount: number;
  currency: string;
  /** the gateway's fee for the row, minor units of `netCurrency` (positive = charged) */
  fee: number;
  /** amount - fee when netCurrency = currency; else the gateway's net in netCurrency */
  net: number;
  netCurrency: string;
  settledAt: number | null;
  /** business date of the report the row came from */
  date: string;
  /** id of the input (sha-256 of its bytes) */
  source: string;
  /** 1-based row within the input (CSV line, spreadsheet row, JSON array index + 1) */
  row: number;
}

/** A row an adapter could not use; quarantined with the file, row and field it names. */
export interface RowError { row: number; field: string; reason: string; raw: string }

/** One side of the internal ledger: a captured payment, or a refund paid back. */
export interface LedgerEntry {
  kind: 'capture' | 'refund';
  paymentId: string;
  /** refunds: the refund id */
  refundId: string | null;
  orderId: string | null;
  gateway: string | null;
  /** captures: the payment's gateway txn id; refunds: the refund's gateway txn id */
  gatewayTxnId: string | null;
  /** positive minor units of `currency` (captured, or refunded) */
  amount: number;
  currency: string;
  at: number | null;
  /** business date of the capture / refund */
  date: string;
  source: string;
  row: number;
}

/** A `payment.captured` event as synced (for the ledger-vs-events cross-check). */
export interface EventCapture {
  paymentId: string;
  orderId: string | null;
  gateway: string | null;
  gatewayTxnId: string | null;
  amount: number;
  currency: string;
  at: number;
  /** the event id (or "payments:<payment_id>" from the projection) */
  source: string;
}

export const STATUSES = [
  'matched', 'amount_mismatch', 'gateway_only', 'internal_only', 'duplicate', 'currency_mismatch',
  'chargeback', 'fee', 'ledger_event_mismatch',
] as const;
export type ReconStatus = (typeof STATUSES)[number];

/** none: nothing to do; pending: internal_only within the settlement window; exception: needs review. */
export type Review = 'none' | 'pending' | 'exception';

/** Where a side of an item came from: an input (sha) and its row. */
export interface SourceRef { source: string; row: number }

/** One line of the reconciliation: a settlement row, a ledger entry, or both. */
export interface ReconItem {
  /** stable across re-runs and days: resolutions are keyed by it */
  key: string;
  status: ReconStatus;
  review: Review;
  recordType: RecordType;
  gateway: string;
  paymentId: string | null;
  orderId: string | null;
  gatewayTxnId: string | null;
  /** the currency of captured_amount / discrepancy (the ledger's, else the settlement's) */
  currency: string;
  /** ledger side, signed like the settlement (refunds negative); null when absent */
  captured: number | null;
  /** settlement side (in settledCurrency); null when absent */
  settled: number | null;
  settledCurrency: string | null;
  /** settled - captured in `currency`; null when it cannot be computed (currency mismatch) */
  discrepancy: number | null;
  /** ledger_event_mismatch: the synced event's amount */
  eventAmount: number | null;
  fee: number | null;
  feeCurrency: string | null;
  capturedDate: string | null;
  settledDate: string | null;
  /** internal_only: whole days since the capture/refund business date */
  ageDays: number | null;
  note: string;
  settlement: SourceRef | null;
  ledger: SourceRef | null;
  event: SourceRef | null;
}

export interface MatchParams {
  /** the business date reconciled (T-1 of the run) */
  date: string;
  /** internal_only becomes an exception once its age in days reaches this (default 3) */
  agingDays: number;
  /** per currency, in minor units of that currency: |discrepancy| <= tolerance counts as matched (default 0) */
  toleranceMinor: Readonly<Record<string, number>>;
  /** only these gateways (default: every gateway in the inputs) */
  gateways?: readonly string[] | null;
}

/** A capture or refund found outside the window (late settlements, chargebacks). */
export interface Lookup {
  capture?(q: { paymentId: string | null; gateway: string; gatewayTxnId: string | null }): LedgerEntry | null;
  refund?(q: { paymentId: string | null; gateway: string; gatewayTxnId: string | null }): LedgerEntry | null;
  /** when `key` was already settled by a row of an earlier business date (before the window): that date */
  settledBefore?(key: string, date: string): string | null;
}

export interface MatchInput {
  /** settlement rows of the window's days (days before `date` only consume ledger entries) */
  settlements: readonly SettlementRecord[];
  /** captures of the window's days [date - agingDays, date] */
  captures: readonly LedgerEntry[];
  /** refunds of the window's days */
  refunds: readonly LedgerEntry[];
  /** payment.captured events of `date` (omit to skip the ledger/event cross-check) */
  events?: readonly EventCapture[] | null;
  /** events are complete up to this instant (captures after it are not called missing from the events) */
  eventsCompleteUntil?: number | null;
  lookup?: Lookup;
}

export interface ControlTotal {
  gateway: string;
  currency: string;
  date: string;
  /** the payout_total row's net */
  reported: number;
  /** sum of the other rows' net in that currency */
  computed: number;
  ok: boolean;
}

export interface MatchResult {
  items: ReconItem[];
  controlTotals: ControlTotal[];
  warnings: string[];
}

export const RULES_VERSION = 'recon-rules/1';

/** Statuses whose |discrepancy| counts toward the total (internal_only only once overdue). */
export const EXCEPTION_STATUSES: readonly ReconStatus[] = [
  'amount_mismatch', 'gateway_only', 'internal_only', 'duplicate', 'currency_mismatch', 'chargeback', 'ledger_event_mismatch',
];
