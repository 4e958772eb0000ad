/**
 * Reconciliation end to end against the demo platform over real HTTP and a real SQLite workspace:
 * sync the feed, run every business date of the history, and find exactly what the platform
 * injected (`GET /v1/demo/injections`): every injected discrepancy with the right status and
 * amounts, next-day settlements pending then matched, the ledger/event differences, nothing else.
 * Then: the report bytes equal the run's hash and are identical on a re-run; resolutions carry over
 * to re-runs by record key and are audited; the alert fires above the threshold; a settlement file
 * uploaded instead of the API gives the same result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { addDays, dayRange } from '../../../src/analytics/calendar.ts';
import { parseMinor } from '../../../src/analytics/money.ts';
import type { Injections } from '../../../src/platform-sim/types.ts';
import type { ReconItemRow, ReconRunDetail } from '../../../src/main/common/api-reconciliation.ts';
import { csvRows } from '../../../src/main/node/reconcile/read-file.ts';

const END = '2025-11-02';
const DAYS = 5;
const TZ = 'Asia/Ho_Chi_Minh';
const DATES = Array.from({ length: DAYS }, (_, i) => addDays(END, i - DAYS + 1));
let platform: RunningPlatform;
let services: Services;
let call: ReturnType<typeof directClient>;
let inj: Injections;
const notifier = new RecordingNotifier();
const clock = new ManualClock(dayRange(addDays(END, 1), TZ).start + 8 * 3600_000);
const runs = new Map<string, { run: ReconRunDetail; items: ReconItemRow[] }>();

const m = (x: { amount: string; currency: string }) => parseMinor(x.amount, x.currency);

async function allItems(runId: number): Promise<ReconItemRow[]> {
  const out: ReconItemRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await call('recon.items', { runId, limit: 1000, offset });
    out.push(...page.items);
    if (out.length >= page.total) return out;
  }
}

beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 11, days: DAYS, users: 800, endDate: END, token: 'tok', worker: false });
  services = await createServices({ workspaceDir: mkdtempSync(join(tmpdir(), 'ml-recon-')), mode: 'test', secrets: new MemorySecretStore(), notifier, clock });
  call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token: 'tok' });
  await call('sync.start', {});
  expect((await services.sync.wait()).state).toBe('done');
  const res = await fetch(`${platform.url}/v1/demo/injections`, { headers: { authorization: 'Bearer tok' } });
  inj = (await res.json()) as Injections;
  for (const date of DATES) {
    const run = await call('recon.run', { date });
    runs.set(date, { run, items: await allItems(run.id) });
  }
}, 120_000);

afterAll(async () => {
  await services?.close();
  await platform?.close();
});

describe('daily reconciliation against the demo platform', () => {
  it('finds every injected settlement discrepancy with the right status and amounts', () => {
    const kinds: Record<string, number> = {};
    for (const x of inj.settlements) {
      kinds[x.kind] = (kinds[x.kind] ?? 0) + 1;
      const { items } = runs.get(x.date)!;
      const find = (key: string) => items.find((i) => i.key === key);
      switch (x.kind) {
        case 'amount_mismatch': {
          const it = find(`pay:${x.payment_id}`);
          expect(it, JSON.stringify(x)).toMatchObject({ status: 'amount_mismatch', review: 'exception', gateway: x.gateway, captured: m(x.expected!), settled: m(x.actual!), discrepancy: m(x.actual!) - m(x.expected!), currency: x.expected!.currency });
          break;
        }
        case 'internal_only':
          expect(find(`pay:${x.payment_id}`), JSON.stringify(x)).toMatchObject({ status: 'internal_only', review: 'pending', captured: m(x.expected!), settled: null, discrepancy: -m(x.expected!) });
          break;
        case 'gateway_only':
          expect(find(`gw:${x.gateway}:settlement:${x.gateway_txn_id}`), JSON.stringify(x)).toMatchObject({ status: 'gateway_only', review: 'exception', captured: null, settled: m(x.actual!), discrepancy: m(x.actual!), currency: x.actual!.currency });
          break;
        case 'duplicate':
          expect(find(`pay:${x.payment_id}`)).toMatchObject({ status: 'matched', captured: m(x.expected!), settled: m(x.actual!) });
          expect(find(`dup:pay:${x.payment_id}:${x.date}:1`), JSON.stringify(x)).toMatchObject({ status: 'duplicate', review: 'exception', settled: m(x.actual!), discrepancy: m(x.actual!) });
          break;
        case 'currency_mismatch':
          expect(find(`pay:${x.payment_id}`), JSON.stringify(x)).toMatchObject({
            status: 'currency_mismatch', review: 'exception', currency: x.expected!.currency, captured: m(x.expected!),
            settledCurrency: x.actual!.currency, settled: m(x.actual!), discrepancy: null,
          });
          break;
        case 'fee_row':
          expect(find(`fee:${x.gateway}:${x.gateway_txn_id}`), JSON.stringify(x)).toMatchObject({ status: 'fee', review: 'none', fee: -m(x.actual!), discrepancy: 0 });
          break;
        case 'chargeback':
          expect(find(`cb:${x.gateway}:${x.gateway_txn_id}`), JSON.stringify(x)).toMatchObject({ status: 'chargeback', review: 'exception', settled: m(x.actual!), discrepancy: m(x.actual!) });
          break;
      }
    }
    // the last complete day always has these (docs/platform-api.md)
    expect(kinds.amount_mismatch).toBeGreaterThan(0);
    expect(kinds.internal_only).toBeGreaterThan(0);
    expect(kinds.duplicate).toBeGreaterThan(0);
    expect(kinds.currency_mismatch).toBeGreaterThan(0);
    expect(kinds.fee_row).toBeGreaterThanOrEqual(5); // the 1st of the month, every gateway
  });

  it('next-day settlements are pending on their capture day and matched the day after', () => {
    const lost = new Set(inj.settlements.filter((x) => x.kind === 'internal_only').map((x) => x.payment_id));
    let checked = 0;
    for (const t of inj.settlement_timing) {
      const cap = runs.get(t.captured_date);
      if (cap) expect(cap.items.find((i) => i.key === `pay:${t.payment_id}`), JSON.stringify(t)).toMatchObject({ status: 'internal_only', review: 'pending', ageDays: 0 });
      const set = runs.get(t.settled_date);
      if (set && !lost.has(t.payment_id)) {
        const it = set.items.find((i) => i.key === `pay:${t.payment_id}`);
        expect(['matched', 'amount_mismatch', 'currency_mismatch']).toContain(it?.status);
        expect(it).toMatchObject({ capturedDate: t.captured_date, settledDate: t.settled_date });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('reports the ledger against the synced events as its own finding', () => {
    expect(inj.ledger.length).toBeGreaterThan(0);
    for (const x of inj.ledger) {
      const it = runs.get(x.date)!.items.find((i) => i.key === `lem:${x.payment_id}`);
      expect(it, JSON.stringify(x)).toMatchObject({
        status: 'ledger_event_mismatch', review: 'exception', eventAmount: m(x.event_amount), captured: x.ledger_amount ? m(x.ledger_amount) : null,
        discrepancy: (x.ledger_amount ? m(x.ledger_amount) : 0) - m(x.event_amount),
      });
    }
  });

  it('finds nothing else: per run, every non-matched item is an injection (or an open capture of the window)', () => {
    const counts: Record<string, number> = {};
    for (const date of DATES) {
      const { items } = runs.get(date)!;
      const expected = new Set<string>();
      for (const x of inj.settlements.filter((s) => s.date === date)) {
        if (x.kind === 'gateway_only') expected.add(`gateway_only gw:${x.gateway}:settlement:${x.gateway_txn_id}`);
        else if (x.kind === 'duplicate') expected.add(`duplicate dup:pay:${x.payment_id}:${date}:1`);
        else if (x.kind === 'fee_row') expected.add(`fee fee:${x.gateway}:${x.gateway_txn_id}`);
        else if (x.kind === 'chargeback') expected.add(`chargeback cb:${x.gateway}:${x.gateway_txn_id}`);
        else expected.add(`${x.kind} pay:${x.payment_id}`);
      }
      for (const x of inj.ledger.filter((l) => l.date === date)) expected.add(`ledger_event_mismatch lem:${x.payment_id}`);
      // open captures of the window: next-day settlements captured this day, and injected internal_only of the last agingDays
      for (const t of inj.settlement_timing.filter((t) => t.captured_date === date)) expected.add(`internal_only pay:${t.payment_id}`);
      for (const x of inj.settlements.filter((s) => s.kind === 'internal_only' && s.date < date && s.date >= addDays(date, -3))) expected.add(`internal_only pay:${x.payment_id}`);
      const got = new Set(items.filter((i) => i.status !== 'matched').map((i) => `${i.status} ${i.key}`));
      expect([...got].sort(), date).toEqual([...expected].sort());
      for (const i of items) counts[i.status] = (counts[i.status] ?? 0) + 1;
    }
    console.info('items by status over the history:', JSON.stringify(counts));
  });

  it('an injected internal_only becomes an exception once three days old', () => {
    const olds = inj.settlements.filter((x) => x.kind === 'internal_only' && DATES.includes(addDays(x.date, 3)));
    for (const x of olds) {
      const it = runs.get(addDays(x.date, 3))!.items.find((i) => i.key === `pay:${x.payment_id}`);
      expect(it).toMatchObject({ status: 'internal_only', review: 'exception' });
      expect(it!.ageDays).toBeGreaterThanOrEqual(3);
    }
  });

  it('every run records its inputs with their SHA-256 and the rules version; the report bytes match the run hash', async () => {
    const { run } = runs.get(END)!;
    expect(run.status).toBe('done');
    expect(run.rulesVersion).toBe('recon-rules/1');
    const settlementInputs = run.inputs.filter((i) => i.kind === 'settlement' && i.date === END);
    expect(settlementInputs.map((i) => i.gateway).sort()).toEqual(['adyen', 'momo', 'paypal', 'stripe', 'vnpay']);
    for (const i of run.inputs.filter((x) => x.sha256)) {
      const res = await fetch(`${platform.url}${i.origin.replace(/^api:/, '')}`, { headers: { authorization: 'Bearer tok' } });
      expect(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'), i.origin).toBe(i.sha256);
    }
    const csv = await call('recon.report', { runId: run.id, format: 'csv' });
    expect(csv.filename).toBe(`reconciliation_report_${END}.csv`);
    expect(csv.sha256).toBe(run.reportSha256);
    const rows = csvRows(Buffer.from(csv.base64, 'base64').toString('utf8'));
    expect(rows[0]!.cells.slice(0, 9)).toEqual(['payment_id', 'order_id', 'gateway_txn_id', 'captured_amount', 'settled_amount', 'status', 'discrepancy', 'currency', 'gateway']);
    expect(rows.length - 1).toBe(run.itemCount);
    // a USD amount is written with its two decimals
    expect(rows.slice(1).some((r) => r.cells[7] === 'USD' && /^\d+\.\d{2}$/.test(r.cells[3]!))).toBe(true);
  });

  it('re-running a date makes a new run with a byte-identical report; resolutions carry over and are audited', async () => {
    const { run, items } = runs.get(END)!;
    const exc = items.filter((i) => i.review === 'exception' && i.status !== 'ledger_event_mismatch');
    expect(exc.length).toBeGreaterThan(1);
    const [a, b] = exc;
    await call('recon.resolve', { runId: run.id, key: a!.key, kind: 'write_off', note: 'approved by CFO <script>' });
    await call('recon.resolve', { runId: run.id, key: b!.key, kind: 'timing', note: 'arrives in the next batch' });
    await expect(call('recon.resolve', { runId: run.id, key: a!.key, kind: 'timing', note: 'again' })).rejects.toThrow(/already resolved/);
    const again = await call('recon.run', { date: END });
    expect(again.id).not.toBe(run.id);
    expect(again.reportSha256).toBe(run.reportSha256);
    const csv1 = await call('recon.report', { runId: run.id, format: 'csv' });
    const csv2 = await call('recon.report', { runId: again.id, format: 'csv' });
    expect(csv2.base64).toBe(csv1.base64);
    expect((await call('recon.runs', { date: END })).total).toBe(2);
    const ra = (await call('recon.items', { runId: again.id, q: a!.key })).items.find((i) => i.key === a!.key)!;
    expect(ra).toMatchObject({ state: 'resolved', resolution: { kind: 'write_off', action: 'resolve' } });
    expect(again.summary!.openExceptions).toBe(run.summary!.openExceptions - 2);
    const open = await call('recon.items', { runId: again.id, queue: 'open', limit: 1000 });
    expect(open.items.map((i) => i.key)).not.toContain(a!.key);
    expect(open.total).toBe(again.summary!.openExceptions + again.summary!.pending);
    expect(open.items.filter((i) => i.review === 'exception')).toHaveLength(again.summary!.openExceptions);
    const resolved = await call('recon.items', { runId: again.id, queue: 'resolved' });
    expect(resolved.items.map((i) => i.key).sort()).toEqual([a!.key, b!.key].sort());
    const exceptions = await call('recon.items', { runId: again.id, queue: 'exceptions', limit: 1000 });
    expect(exceptions.total).toBe(again.summary!.exceptions);
    const reopened = await call('recon.reopen', { runId: again.id, key: b!.key, note: 'not in the next batch either' });
    expect(reopened.state).toBe('open');
    const detail = await call('recon.item', { runId: again.id, key: b!.key });
    expect(detail.history.map((h) => h.action)).toEqual(['resolve', 'reopen']);
    expect(detail.otherRuns.map((r) => r.runId)).toContain(run.id);
    const { openDatabase } = await import('../../../src/main/node/db/index.ts');
    const ro = openDatabase(services.dbFile, { readonly: true });
    try {
      const audit = ro.db.prepare("SELECT action, entity_id, before, after, actor FROM audit_log WHERE action LIKE 'recon.%' ORDER BY id").all() as { action: string; entity_id: string; before: string | null; after: string; actor: string }[];
      expect(audit.filter((x) => x.action === 'recon.run').length).toBeGreaterThanOrEqual(DAYS + 1);
      const res = audit.filter((x) => x.action !== 'recon.run');
      expect(res.map((x) => [x.action, x.entity_id])).toEqual([['recon.resolve', a!.key], ['recon.resolve', b!.key], ['recon.reopen', b!.key]]);
      expect(JSON.parse(res[0]!.before!)).toMatchObject({ state: 'open' });
      expect(JSON.parse(res[0]!.after)).toMatchObject({ state: 'resolved', resolution: { kind: 'write_off' } });
      expect(res[0]!.actor).toBe('test-user');
      expect(() => ro.db.prepare('DELETE FROM recon_resolutions').run()).toThrow();
    } finally {
      ro.close();
    }
  });

  it('shows both sides raw, exactly as received', async () => {
    const { run, items } = runs.get(END)!;
    const mm = items.find((i) => i.status === 'amount_mismatch')!;
    const d = await call('recon.item', { runId: run.id, key: mm.key });
    expect(JSON.parse(d.settlementRaw!)).toMatchObject({ payment_id: mm.paymentId, record_type: 'settlement' });
    expect(JSON.parse(d.ledgerRaw!)).toMatchObject({ payment_id: mm.paymentId });
    const lem = items.find((i) => i.status === 'ledger_event_mismatch');
    if (lem) {
      const e = await call('recon.item', { runId: run.id, key: lem.key });
      expect(JSON.parse(e.eventRaw!)).toMatchObject({ type: 'payment.captured', data: { payment_id: lem.paymentId } });
    }
  });

  it('raises the alert above the threshold: stored, notified, runbook linked; summary converts at the stated rate', async () => {
    await call('recon.settings.update', { alertThreshold: { amount: '1000', currency: 'VND' } });
    const r = await call('recon.run', { date: END });
    expect(r.alert).toBe(true);
    const alerts = (await call('alerts.list', {})).filter((a) => a.rule === 'recon_discrepancy');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'P2', runbookUrl: 'runbook:recon-discrepancy', values: { date: END, runId: r.id } });
    expect(notifier.sent.some((n) => /Reconciliation/.test(n.title))).toBe(true);
    const rb = await call('runbook.get', { name: 'recon-discrepancy' });
    expect(rb.markdown).toMatch(/# Runbook: Reconciliation discrepancy/);
    const t = r.summary!.openDiscrepancy;
    const usd = t.byCurrency.find((b) => b.currency === 'USD');
    if (usd) expect(usd).toMatchObject({ rate: '26000', converted: Math.round((usd.minor * 26000) / 100) });
    expect(t.minor).toBe(t.byCurrency.reduce((s, b) => s + (b.converted ?? 0), 0));
    await call('recon.settings.update', { alertThreshold: { amount: '10000000', currency: 'VND' } });
  });

  it('a settlement file uploaded instead of the API report gives the same items for that gateway', async () => {
    const date = addDays(END, -1);
    const res = await fetch(`${platform.url}/v1/settlements?gateway=vnpay&date=${date}&format=csv`, { headers: { authorization: 'Bearer tok' } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const viaFile = await call('recon.run', { date, files: [{ name: `settlement_vnpay_${date}.csv`, base64: bytes.toString('base64') }] });
    expect(viaFile.inputs.find((i) => i.origin.startsWith('file:'))).toMatchObject({ gateway: 'vnpay', adapter: 'platform', errors: 0 });
    const fileItems = await allItems(viaFile.id);
    const strip = (i: ReconItemRow) => ({ key: i.key, status: i.status, review: i.review, captured: i.captured, settled: i.settled, discrepancy: i.discrepancy });
    const apiItems = runs.get(date)!.items.filter((i) => i.gateway === 'vnpay');
    expect(fileItems.map(strip)).toEqual(apiItems.map(strip));
  });
});
