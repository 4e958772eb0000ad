/** Shared fixtures for the platform-sim tests: small parameters and independent re-derivations. */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import { divRoundHalfEven, parseMinor } from '../../../src/analytics/money.ts';
import { dayKey, isoWeekKey } from '../../../src/analytics/calendar.ts';
import type { CloudEvent } from '../../../src/contract/events.ts';

export const SMALL = { seed: 7, days: 14, users: 1500, endDate: '2025-06-30' } as const;
export const TZ = 'Asia/Ho_Chi_Minh';

export function hashEvents(events: Iterable<CloudEvent>): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e)).update('\n');
  return h.digest('hex');
}

/** An ajv instance with every schema in resources/schemas loaded. */
export function loadSchemas(): { ajv: InstanceType<typeof Ajv2020>; names: string[] } {
  const dir = new URL('../../../resources/schemas/', import.meta.url);
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  const names: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
    names.push(f);
  }
  return { ajv, names };
}

export const SCHEMA_BASE = 'https://schemas.marketlens.dev/platform/v1/';

function minor(m: { amount: string; currency: string }): number {
  return parseMinor(m.amount, m.currency);
}

/**
 * Expected weekly payouts re-derived from the events alone: per (week, seller, currency),
 * escrow - commission (half-even per escrow event) - fees - penalties.
 */
export function expectedPayouts(events: readonly CloudEvent[]): Map<string, number> {
  const acc = new Map<string, number>();
  const add = (k: string, v: number) => acc.set(k, (acc.get(k) ?? 0) + v);
  for (const e of events) {
    const d = e.data as any;
    const week = isoWeekKey(dayKey(Date.parse(e.time), TZ));
    if (e.type === 'escrow.released') {
      const amt = minor(d.amount);
      const commission = Number(divRoundHalfEven(BigInt(amt) * BigInt(d.commission_rate_bps), 10000n));
      add(`${week}|${d.seller_id}|${d.amount.currency}`, amt - commission - minor(d.fee));
    } else if (e.type === 'seller.penalty_applied') {
      add(`${week}|${d.seller_id}|${d.amount.currency}`, -minor(d.amount));
    }
  }
  return acc;
}

interface Rec { payment_id: string | null; record_type: string; amount: string; currency: string; gateway_txn_id: string }
interface Cap { payment_id: string; amount: string; currency: string; gateway: string; captured_at: string }

/**
 * A tiny reconciliation of one settlement report against the ledger captures it should contain:
 * returns "kind|payment_id-or-txn" strings for every discrepancy found.
 */
export function reconcile(records: readonly Rec[], expected: readonly Cap[]): string[] {
  const found: string[] = [];
  const byPayment = new Map<string, Rec[]>();
  for (const r of records) {
    if (r.record_type === 'fee') found.push(`fee_row|${r.gateway_txn_id}`);
    else if (r.record_type === 'chargeback') found.push(`chargeback|${r.payment_id}`);
    else if (r.record_type === 'settlement') {
      if (r.payment_id === null) found.push(`gateway_only|${r.gateway_txn_id}`);
      else byPayment.set(r.payment_id, [...(byPayment.get(r.payment_id) ?? []), r]);
    }
  }
  const known = new Set(expected.map((c) => c.payment_id));
  for (const pid of byPayment.keys()) if (!known.has(pid)) found.push(`gateway_only|${pid}`);
  for (const c of expected) {
    const rs = byPayment.get(c.payment_id);
    if (!rs) {
      found.push(`internal_only|${c.payment_id}`);
      continue;
    }
    if (rs.length > 1) found.push(`duplicate|${c.payment_id}`);
    const r = rs[0]!;
    if (r.currency !== c.currency) found.push(`currency_mismatch|${c.payment_id}`);
    else if (r.amount !== c.amount) found.push(`amount_mismatch|${c.payment_id}`);
  }
  return found.sort();
}
