/**
 * Real data: the Olist e-commerce sample (/work/shared/data/olist). The order payments are imported
 * as the ledger (one capture per order: the order's payments added up, BRL, 2 decimals) against a
 * "settlement" of the order items (price + freight_value per order), both as files through the
 * service (`recon.run` with files). The result must agree with an independent computation from the
 * raw CSV made here: plain string arithmetic in cents, no engine code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import type { ReconItemRow } from '../../../src/main/common/api-reconciliation.ts';

const DIR = '/work/shared/data/olist';
const PAYMENTS = join(DIR, 'olist_order_payments_dataset.csv');
const ITEMS = join(DIR, 'olist_order_items_dataset.csv');
const DATE = '2018-08-15';
const have = existsSync(PAYMENTS) && existsSync(ITEMS);

/** "128.45" / "541.0" / "99.9" / "27" -> cents, by string arithmetic only. */
function cents(s: string): bigint {
  const [i, f = ''] = s.trim().split('.');
  if (!/^\d+$/.test(i!) || !/^\d{0,2}$/.test(f)) throw new Error(`not a BRL amount: ${s}`);
  return BigInt(i!) * 100n + BigInt(f.padEnd(2, '0'));
}
function brl(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
function table(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [cols[k]!, v])));
}

let services: Services;
let call: ReturnType<typeof directClient>;
const paid = new Map<string, bigint>();
const billed = new Map<string, bigint>();

beforeAll(async () => {
  if (!have) return;
  for (const r of table(PAYMENTS)) paid.set(r.order_id!, (paid.get(r.order_id!) ?? 0n) + cents(r.payment_value!));
  for (const r of table(ITEMS)) billed.set(r.order_id!, (billed.get(r.order_id!) ?? 0n) + cents(r.price!) + cents(r.freight_value!));
  services = await createServices({ workspaceDir: mkdtempSync(join(tmpdir(), 'ml-olist-')), mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock: new ManualClock(Date.UTC(2018, 7, 16, 3)) });
  call = directClient(services.handlers);
});
afterAll(async () => {
  await services?.close();
});

describe.skipIf(!have)('Olist payments (ledger) against order items (settlement)', () => {
  it('agrees with an independent computation from the raw CSV', async () => {
    // the files the user would import: ledger (payment_id = the order) and a platform-format settlement
    const ledger = ['payment_id,order_id,gateway,amount,currency', ...[...paid].map(([o, c]) => `${o},${o},olist,${brl(c)},BRL`)].join('\n') + '\n';
    const settlement = ['gateway,gateway_txn_id,payment_id,order_id,record_type,amount,currency,fee,net',
      ...[...billed].map(([o, c]) => `olist,ITM-${o},${o},${o},settlement,${brl(c)},BRL,0,${brl(c)}`)].join('\r\n') + '\r\n';
    const run = await call('recon.run', {
      date: DATE,
      files: [
        { name: 'olist_ledger.csv', kind: 'ledger', base64: Buffer.from(ledger).toString('base64') },
        { name: 'olist_items_settlement.csv', base64: Buffer.from(settlement).toString('base64') },
      ],
    });
    expect(run.status).toBe('done');
    expect(run.inputs.filter((i) => i.origin.startsWith('file:')).map((i) => [i.kind, i.errors])).toEqual([['ledger', 0], ['settlement', 0]]);

    // independent: per order, status and discrepancy in cents
    const expected = new Map<string, { status: string; captured: bigint | null; settled: bigint | null; discrepancy: bigint }>();
    for (const o of new Set([...paid.keys(), ...billed.keys()])) {
      const p = paid.get(o) ?? null, b = billed.get(o) ?? null;
      const status = p === null ? 'gateway_only' : b === null ? 'internal_only' : p === b ? 'matched' : 'amount_mismatch';
      expected.set(o, { status, captured: p, settled: b, discrepancy: (b ?? 0n) - (p ?? 0n) });
    }
    const items: ReconItemRow[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await call('recon.items', { runId: run.id, limit: 1000, offset });
      items.push(...page.items);
      if (items.length >= page.total) break;
    }
    expect(items).toHaveLength(expected.size);
    for (const it of items) {
      const e = expected.get(it.paymentId!)!;
      expect({ key: it.key, status: it.status, captured: it.captured, settled: it.settled, discrepancy: it.discrepancy, currency: it.currency }).toEqual({
        key: e.status === 'gateway_only' ? `gw:olist:settlement:ITM-${it.paymentId}` : `pay:${it.paymentId}`, status: e.status,
        captured: e.captured === null ? null : Number(e.captured), settled: e.settled === null ? null : Number(e.settled), discrepancy: Number(e.discrepancy), currency: 'BRL',
      });
    }
    // totals per status agree, and reconcile: Σsettled − Σcaptured = Σdiscrepancy
    const count: Record<string, number> = {};
    for (const e of expected.values()) count[e.status] = (count[e.status] ?? 0) + 1;
    const s = run.summary!;
    for (const [status, n] of Object.entries(count)) expect(s.byStatus.find((x) => x.status === status)!.count, status).toBe(n);
    const sumP = [...paid.values()].reduce((a, b) => a + b, 0n), sumB = [...billed.values()].reduce((a, b) => a + b, 0n);
    const brlRow = s.byCurrency.find((c) => c.currency === 'BRL')!;
    expect(BigInt(brlRow.captured)).toBe(sumP);
    expect(BigInt(brlRow.settled)).toBe(sumB);
    expect(BigInt(brlRow.discrepancy)).toBe(sumB - sumP);
    console.info(`Olist: ${expected.size} orders,`, JSON.stringify(count), `Σpaid ${brl(sumP)} BRL, Σitems+freight ${brl(sumB)} BRL`);
  });
});
