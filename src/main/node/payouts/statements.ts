/**
 * The platform's payout statements of a week (GET /v1/payouts/statements, docs/platform-api.md),
 * parsed and checked: every amount is a money object in the statement's currency, parsed exactly
 * into minor units. Runs in the analytics worker as part of a payout run.
 */
import { parseMinor } from '../../../analytics/money.ts';
import type { StatementInput } from '../../../analytics/payouts/engine.ts';

interface WireMoney { amount: string; currency: string }
interface WireStatement {
  seller_id: string; currency: string; disbursed: WireMoney; escrow_released: WireMoney; commission: WireMoney; fees: WireMoney; penalties: WireMoney;
  deductions?: WireMoney; transfer_ref: string; disbursement_id: string; disbursed_at: string;
}

function money(m: WireMoney, field: string, currency: string): number {
  if (!m || typeof m.amount !== 'string' || m.currency !== currency) throw new Error(`${field}: expected a ${currency} money object, got ${JSON.stringify(m)}`);
  return parseMinor(m.amount, currency);
}

export function parseStatements(text: string, week: string): StatementInput[] {
  const body = JSON.parse(text) as { week?: string; statements?: WireStatement[] };
  if (body.week !== week) throw new Error(`payout statements: asked for ${week}, the platform answered ${String(body.week)}`);
  if (!Array.isArray(body.statements)) throw new Error('payout statements: "statements" is not an array');
  return body.statements.map((s, i) => {
    const c = s.currency;
    const at = `statements[${i}] (${s.disbursement_id})`;
    return {
      sellerId: s.seller_id, currency: c, disbursed: money(s.disbursed, `${at}.disbursed`, c), escrow: money(s.escrow_released, `${at}.escrow_released`, c),
      commission: money(s.commission, `${at}.commission`, c), fees: money(s.fees, `${at}.fees`, c), penalties: money(s.penalties, `${at}.penalties`, c),
      deductions: s.deductions ? money(s.deductions, `${at}.deductions`, c) : 0, disbursementId: s.disbursement_id, transferRef: s.transfer_ref,
      disbursedAt: Date.parse(s.disbursed_at),
    };
  });
}
