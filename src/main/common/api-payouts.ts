/**
 * The payouts slice of the API (spec 5.2 seller payout reconciliation, spec 7 Payout Settlement
 * Report): weekly runs (expected vs disbursed per seller and currency), payout discrepancy tickets
 * with their transitions and notes, corrective transfers (approve → sent with an idempotency key),
 * deductions carried forward from overpayments, the daily settlement report and its files.
 * Amounts are integer minor units with their currency; docs/payouts.md defines every figure.
 */
import { s } from './schema.ts';
import type { CurrencyTotals, PayoutLine, PayoutStatus, SourceFinding } from '../../analytics/payouts/engine.ts';
import type { SettlementReport } from '../../analytics/payouts/settlement-report.ts';

const week = s.string({ pattern: /^\d{4}-W\d{2}$/ });
const day = s.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ });
const currency = s.string({ pattern: /^[A-Z]{3}$/ });
const note = s.string({ min: 1, max: 2000 });
const id = s.int({ min: 1 });

export const TICKET_STATES = ['open', 'in_review', 'resolved'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

export const payoutSettingsPatch = s.object({
  /** |difference| up to this (per currency, minor units of that currency) is within tolerance: no ticket */
  toleranceMinor: s.optional(s.record(s.int({ min: 0, max: 1_000_000_000 }))),
  /** Σ|difference| of a run's discrepancies above this raises the alert (CLI exit 4): decimal major units and currency */
  alertThreshold: s.optional(s.object({ amount: s.string({ pattern: /^\d+(\.\d+)?$/, max: 30 }), currency })),
  /** run the previous ISO week every Monday at runHour:runMinute (business timezone) */
  scheduleEnabled: s.optional(s.boolean()),
  runHour: s.optional(s.int({ min: 0, max: 23 })),
  runMinute: s.optional(s.int({ min: 0, max: 59 })),
  /** weeks the scheduler catches up at start */
  catchUpWeeks: s.optional(s.int({ min: 0, max: 26 })),
});

export const payoutArgs = {
  'payouts.settings.get': s.void(),
  'payouts.settings.update': payoutSettingsPatch,
  'payouts.run': s.object({ /** ISO week YYYY-Www (default: the last complete week) */ week: s.optional(week) }),
  'payouts.runs': s.object({ week: s.optional(week), limit: s.optional(s.int({ min: 1, max: 500 })), offset: s.optional(s.int({ min: 0 })) }),
  'payouts.get': s.object({ runId: id }),
  /** the run's report (canonical JSON) regenerated from what the run stored: its SHA-256 equals the run's reportSha256 */
  'payouts.run.report': s.object({ runId: id, /** json (default): the hashed report; xlsx: the same for review (summary, lines, findings) */ format: s.optional(s.literal('json', 'xlsx')) }),
  'payouts.lines': s.object({
    runId: id,
    /** discrepancies: underpayment + overpayment only */
    filter: s.optional(s.literal('all', 'discrepancies')),
    q: s.optional(s.string({ max: 200 })),
    limit: s.optional(s.int({ min: 1, max: 5000 })),
    offset: s.optional(s.int({ min: 0 })),
  }),
  'payouts.tickets': s.object({ state: s.optional(s.literal(...TICKET_STATES)), week: s.optional(week), limit: s.optional(s.int({ min: 1, max: 1000 })), offset: s.optional(s.int({ min: 0 })) }),
  'payouts.ticket': s.object({ ticketId: id }),
  'payouts.ticket.transition': s.object({ ticketId: id, to: s.literal(...TICKET_STATES), note }),
  'payouts.ticket.note': s.object({ ticketId: id, note }),
  'payouts.transfers': s.object({ status: s.optional(s.literal('proposed', 'approved', 'sent', 'cancelled')), limit: s.optional(s.int({ min: 1, max: 1000 })) }),
  /** approve a proposed corrective transfer and send it (idempotent: approving again never pays twice) */
  'payouts.transfer.approve': s.object({ transferId: id }),
  /** reject a proposed corrective transfer (never one already approved), with the reason */
  'payouts.transfer.cancel': s.object({ transferId: id, note }),
  'payouts.deductions': s.object({ sellerId: s.optional(s.string({ min: 1, max: 100 })), limit: s.optional(s.int({ min: 1, max: 1000 })) }),
  /**
   * waive a deduction: it is no longer applied from `fromWeek` on (default: the week after the latest
   * week with a payout run); earlier weeks keep what their runs applied. With the reason; audited.
   */
  'payouts.deduction.waive': s.object({ deductionId: id, note, fromWeek: s.optional(week) }),
  'payouts.report': s.object({ date: day }),
  'payouts.report.file': s.object({ date: day, format: s.literal('xlsx', 'pdf', 'json') }),
} as const;

export interface PayoutSettings {
  toleranceMinor: Record<string, number>;
  alertThreshold: { amount: string; currency: string };
  scheduleEnabled: boolean;
  runHour: number;
  runMinute: number;
  catchUpWeeks: number;
  lastScheduledWeek: string | null;
}

export interface PayoutRunInput { kind: string; origin: string; sha256: string | null; rows: number; note: string | null }

export interface PayoutRunInfo {
  id: number;
  week: string;
  trigger: string;
  actor: string;
  status: 'running' | 'done' | 'error';
  startedAt: number;
  finishedAt: number | null;
  rulesVersion: string;
  inputsSha256: string | null;
  reportSha256: string | null;
  lineCount: number;
  discrepancyCount: number;
  findingCount: number;
  alert: boolean;
  error: string | null;
}

export interface PayoutRunDetail extends PayoutRunInfo {
  params: Record<string, unknown>;
  counts: Record<string, number> | null;
  totals: CurrencyTotals[];
  inputs: PayoutRunInput[];
  findings: SourceFinding[];
  /** Σ|difference| of the discrepancies in the threshold's currency, and whether it is above the threshold */
  discrepancyTotal: { minor: number; currency: string; missingRates: string[] } | null;
  tickets: number[];
}

/** A stored line of a run: the engine's line without its inputs (applied deductions, statements, gateways). */
export interface PayoutLineRow extends Omit<PayoutLine, 'applied' | 'statements' | 'gateways'> {
  runId: number;
  ticketId: number | null;
}

export interface TicketEvent { id: number; at: number; actor: string; action: string; from: TicketState | null; to: TicketState | null; note: string | null; runId: number | null }

export interface TransferRow {
  id: number;
  ticketId: number;
  sellerId: string;
  amount: number;
  currency: string;
  reason: string;
  idempotencyKey: string;
  status: 'proposed' | 'approved' | 'sent' | 'cancelled';
  proposedAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
  sentAt: number | null;
  attempts: number;
  lastError: string | null;
  platformTransferId: string | null;
  transferRef: string | null;
}

export interface DeductionRow {
  id: number;
  ticketId: number;
  sellerId: string;
  currency: string;
  amount: number;
  originWeek: string;
  recordedAt: number;
  applied: { runId: number; week: string; amount: number }[];
  /** amount − what the latest run of each later week applied */
  outstanding: number;
  /** set when a finance admin waived it: not applied from `fromWeek` on */
  waived: { fromWeek: string; note: string; actor: string; at: number } | null;
}

export interface TicketRow {
  id: number;
  week: string;
  sellerId: string;
  currency: string;
  direction: 'underpayment' | 'overpayment';
  expected: number;
  disbursed: number;
  difference: number;
  runId: number;
  state: TicketState;
  openedAt: number;
  updatedAt: number;
  transfer: TransferRow | null;
  deduction: DeductionRow | null;
}

export interface TicketDetail extends TicketRow { events: TicketEvent[] }

export interface PayoutReportFile { filename: string; mimeType: string; bytes: number; base64: string; sha256: string }

export interface PayoutResults {
  'payouts.settings.get': PayoutSettings;
  'payouts.settings.update': PayoutSettings;
  'payouts.run': PayoutRunDetail;
  'payouts.runs': { total: number; runs: PayoutRunInfo[] };
  'payouts.get': PayoutRunDetail;
  'payouts.run.report': PayoutReportFile;
  'payouts.lines': { total: number; lines: PayoutLineRow[] };
  'payouts.tickets': { total: number; tickets: TicketRow[] };
  'payouts.ticket': TicketDetail;
  'payouts.ticket.transition': TicketDetail;
  'payouts.ticket.note': TicketDetail;
  'payouts.transfers': TransferRow[];
  'payouts.transfer.approve': TransferRow;
  'payouts.transfer.cancel': TransferRow;
  'payouts.deductions': DeductionRow[];
  'payouts.deduction.waive': DeductionRow;
  'payouts.report': SettlementReport;
  'payouts.report.file': PayoutReportFile;
}

export type { CurrencyTotals, PayoutStatus, SourceFinding, SettlementReport };
