/**
 * The heavy half of a payout run, on a read-only connection (it runs in the analytics worker): parse
 * the statements the run fetched, read the week's escrow releases (with their payments' gateways),
 * penalties and synced payout events, hash them row by row, reconcile against the statements and
 * deductions, and hash the inputs and the report (the main thread then only stores the run).
 */
import { createHash } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { canonical, reportBytes } from './canonical.ts';
import { parseStatements } from './statements.ts';
import {
  PAYOUT_RULES_VERSION, reconcilePayouts, weekWindow, type DeductionInput, type DisbursementEventInput, type EscrowInput, type PayoutResult, type PenaltyInput,
} from '../../../analytics/payouts/engine.ts';

export interface PayoutComputeParams {
  week: string;
  timezone: string;
  /** the statements' JSON as received from the platform (parsed and checked here: statements.ts) */
  statementsText: string;
  deductions: DeductionInput[];
  toleranceMinor: Record<string, number>;
  /** SHA-256 of the statements' bytes as fetched (part of the inputs hash) */
  statementsSha256: string;
}

export interface PayoutComputeResult {
  result: PayoutResult;
  hashes: { escrows: string; penalties: string; events: string; deductions: string };
  /** SHA-256 of the canonical inputs (rules, week, timezone, tolerances, every input's hash) */
  inputsSha256: string;
  /** SHA-256 of the run's canonical report (reportBytes) */
  reportSha256: string;
  /** JSON of each result line, in order (what payout_lines.detail stores) */
  lineDetails: string[];
  rows: { escrows: number; penalties: number; events: number; statements: number };
  phasesMs: { read: number; hash: number; reconcile: number };
}

/**
 * SHA-256 of rows as lines of JSON arrays of the given fields, in that order (the rows come sorted by
 * their id, so equal inputs hash equally).
 */
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function hashRows<T>(rows: readonly T[], fields: readonly (keyof T)[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(fields) + '\n');
  for (const r of rows) h.update(JSON.stringify(fields.map((f) => r[f] ?? null)) + '\n');
  return h.digest('hex');
}

/**
 * Escrow releases with start <= time < end, by escrow id, each with the gateway of its order's first
 * captured payment. Iterated rather than .all(): a week runs to a million releases, and only one
 * copy of each is kept. (The payout run and the settlement report both read them this way.)
 */
export function readReleases(db: Database, start: number, end: number): EscrowInput[] {
  const escrows: EscrowInput[] = [];
  for (const r of db.prepare<[number, number], { escrow_id: string; order_id: string; seller_id: string; amount: number; currency: string; bps: number; fee: number | null; time: number; gateway: string | null }>(
    `SELECT e.escrow_id, e.order_id, e.seller_id, e.amount, e.currency, e.commission_rate_bps AS bps, e.fee, e.time,
       (SELECT p.gateway FROM payments p WHERE p.order_id = e.order_id AND p.captured_at IS NOT NULL ORDER BY p.captured_at, p.payment_id LIMIT 1) AS gateway
     FROM escrow_releases e WHERE e.time >= ? AND e.time < ? ORDER BY e.escrow_id`,
  ).iterate(start, end)) {
    escrows.push({ escrowId: r.escrow_id, orderId: r.order_id, sellerId: r.seller_id, amount: r.amount, currency: r.currency, bps: r.bps, fee: r.fee ?? 0, time: r.time, gateway: r.gateway });
  }
  return escrows;
}

/** Seller penalties with start <= time < end, by penalty id. */
export function readPenalties(db: Database, start: number, end: number): PenaltyInput[] {
  return db.prepare<[number, number], { penalty_id: string; seller_id: string; amount: number; currency: string; time: number }>(
    'SELECT penalty_id, seller_id, amount, currency, time FROM seller_penalties WHERE time >= ? AND time < ? ORDER BY penalty_id',
  ).all(start, end).map((r) => ({ penaltyId: r.penalty_id, sellerId: r.seller_id, amount: r.amount, currency: r.currency, time: r.time }));
}

export function readWeekInputs(db: Database, week: string, tz: string): { escrows: EscrowInput[]; penalties: PenaltyInput[]; events: DisbursementEventInput[] } {
  const w = weekWindow(week, tz);
  const escrows = readReleases(db, w.start, w.end);
  const penalties = readPenalties(db, w.start, w.end);
  const events = db.prepare<[string], { disbursement_id: string; seller_id: string; amount: number; currency: string; transfer_ref: string; time: number }>(
    'SELECT disbursement_id, seller_id, amount, currency, transfer_ref, time FROM payout_disbursements WHERE week = ? ORDER BY disbursement_id',
  ).all(week).map((r) => ({ disbursementId: r.disbursement_id, sellerId: r.seller_id, amount: r.amount, currency: r.currency, transferRef: r.transfer_ref, time: r.time }));
  return { escrows, penalties, events };
}

export function computePayouts(db: Database, p: PayoutComputeParams): PayoutComputeResult {
  const t0 = performance.now();
  const statements = parseStatements(p.statementsText, p.week);
  const { escrows, penalties, events } = readWeekInputs(db, p.week, p.timezone);
  const t1 = performance.now();
  const hashes = {
    escrows: hashRows(escrows, ['escrowId', 'orderId', 'sellerId', 'amount', 'currency', 'bps', 'fee', 'time', 'gateway']),
    penalties: hashRows(penalties, ['penaltyId', 'sellerId', 'amount', 'currency', 'time']),
    events: hashRows(events, ['disbursementId', 'sellerId', 'amount', 'currency', 'transferRef', 'time']),
    deductions: hashRows(p.deductions, ['id', 'sellerId', 'currency', 'amount', 'originWeek']),
  };
  const t2 = performance.now();
  const result = reconcilePayouts({ week: p.week, timezone: p.timezone, escrows, penalties, deductions: p.deductions, statements, events, toleranceMinor: p.toleranceMinor });
  const inputsSha256 = sha256(canonical({
    rulesVersion: PAYOUT_RULES_VERSION, week: p.week, timezone: p.timezone, toleranceMinor: p.toleranceMinor, statementsSha256: p.statementsSha256, ...hashes,
  }));
  const reportSha256 = sha256(reportBytes(result, inputsSha256));
  const lineDetails = result.lines.map((l) => JSON.stringify(l));
  const t3 = performance.now();
  return {
    result, hashes, inputsSha256, reportSha256, lineDetails, rows: { escrows: escrows.length, penalties: penalties.length, events: events.length, statements: statements.length },
    phasesMs: { read: Math.round(t1 - t0), hash: Math.round(t2 - t1), reconcile: Math.round(t3 - t2) },
  };
}
