/**
 * Seller payout reconciliation end to end against the demo platform over real HTTP and a real
 * SQLite workspace: sync the feed, run every payout week of the history in order, and find exactly
 * the under- and overpayments the platform injected (`GET /v1/demo/injections` → payouts): each
 * with its direction and amount, nothing else. Overpayments become deductions that the next
 * cycles' expected amounts apply (and the platform's statements recover); underpayments become
 * corrective transfers that are paid once only — under concurrent approvals and when a network
 * error hides a request the platform accepted. Re-runs keep the old run and give identical bytes.
 * The daily Payout Settlement Report adds up and exports to XLSX and PDF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as XLSX from 'xlsx';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import { createServices, type Services } from '../../../src/main/node/services/index.ts';
import { MemorySecretStore } from '../../../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../../../src/main/node/ports/notifier.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';
import { convertMinor, formatMinor, parseMinor } from '../../../src/analytics/money.ts';
import { openDatabase } from '../../../src/main/node/db/index.ts';
import type { Injections } from '../../../src/platform-sim/types.ts';
import type { PayoutLineRow, PayoutRunDetail } from '../../../src/main/common/api-payouts.ts';
import { nextIsoWeek as nextWeekOf } from '../../../src/analytics/payouts/engine.ts';

const END = '2025-06-30';
const TZ = 'Asia/Ho_Chi_Minh';
const WEEKS = ['2025-W22', '2025-W23', '2025-W24', '2025-W25', '2025-W26'];
let platform: RunningPlatform;
let services: Services;
let call: ReturnType<typeof directClient>;
let inj: Injections;
const clock = new ManualClock(dayRange('2025-07-01', TZ).start + 8 * 3600_000);
const runs = new Map<string, { run: PayoutRunDetail; lines: PayoutLineRow[] }>();
const WS = mkdtempSync(join(tmpdir(), 'ml-payouts-'));

async function statementsOf(week: string): Promise<{ seller_id: string; currency: string; deductions: { amount: string; currency: string } }[]> {
  const r = await fetch(`${platform.url}/v1/payouts/statements?week=${week}`, { headers: { authorization: 'Bearer tok' } });
  return ((await r.json()) as { statements: never[] }).statements;
}

async function platformTransfers(): Promise<{ idempotency_key: string; amount: { amount: string; currency: string }; seller_id: string }[]> {
  const r = await fetch(`${platform.url}/v1/transfers`, { headers: { authorization: 'Bearer tok' } });
  return ((await r.json()) as { transfers: never[] }).transfers;
}

beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 11, days: 35, users: 800, endDate: END, token: 'tok', worker: false });
  services = await createServices({ workspaceDir: WS, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock });
  call = directClient(services.handlers);
  await call('settings.update', { platformUrl: platform.url, pollSeconds: 0 });
  await call('settings.setToken', { token: 'tok' });
  await call('sync.start', {});
  expect((await services.sync.wait()).state).toBe('done');
  inj = (await (await fetch(`${platform.url}/v1/demo/injections`, { headers: { authorization: 'Bearer tok' } })).json()) as Injections;
  for (const week of WEEKS) {
    clock.advance(60_000);
    const run = await call('payouts.run', { week });
    const lines = (await call('payouts.lines', { runId: run.id, limit: 5000 })).lines;
    runs.set(week, { run, lines });
  }
}, 240_000);

afterAll(async () => {
  await services?.close();
  await platform?.close();
});

describe('seller payout reconciliation against the demo platform', () => {
  it('finds exactly the injected under- and overpayments, with direction and amount', () => {
    expect(inj.payouts.some((x) => x.kind === 'underpayment')).toBe(true);
    expect(inj.payouts.some((x) => x.kind === 'overpayment')).toBe(true);
    expect(new Set(inj.payouts.map((x) => x.currency))).toEqual(new Set(['VND', 'USD']));
    const found: string[] = [];
    for (const [week, { lines }] of runs) {
      for (const l of lines) if (l.status === 'underpayment' || l.status === 'overpayment') found.push(`${week}|${l.sellerId}|${l.currency}|${l.status}|${l.difference}|${l.expected}|${l.disbursed}`);
    }
    const injected = inj.payouts.map((x) =>
      `${x.week}|${x.seller_id}|${x.currency}|${x.kind}|${parseMinor(x.difference.amount, x.currency)}|${parseMinor(x.expected.amount, x.currency)}|${parseMinor(x.disbursed.amount, x.currency)}`);
    expect(found.sort()).toEqual(injected.sort());
  });

  it('every run is done, its statements agree with the synced events, and money is conserved per currency', () => {
    for (const [week, { run, lines }] of runs) {
      expect(run.status, week).toBe('done');
      expect(run.findings, week).toEqual([]);
      expect(run.inputs.find((i) => i.kind === 'statements')!.sha256).toMatch(/^[0-9a-f]{64}$/);
      for (const t of run.totals) {
        const ls = lines.filter((l) => l.currency === t.currency);
        const sum = (f: (l: PayoutLineRow) => number) => ls.reduce((s, l) => s + f(l), 0);
        expect(sum((l) => l.expected) - sum((l) => l.disbursed) + sum((l) => l.difference)).toBe(0);
        expect(t.expected - t.disbursed + t.difference).toBe(0);
        expect(t.difference).toBe(sum((l) => l.difference));
        expect(t.expected).toBe(t.escrow - t.commission - t.fees - t.penalties - t.deductions);
        expect(t.disbursed).toBe(sum((l) => l.eventAmount ?? 0));
      }
      for (const l of lines) expect(l.notes, `${week} ${l.key}`).toEqual([]);
    }
  });

  it('an overpayment is recorded as a deduction and applied in the next cycle (matching the platform\'s recovery)', async () => {
    const over = inj.payouts.filter((x) => x.kind === 'overpayment');
    const deductions = await call('payouts.deductions', {});
    for (const x of over) {
      const d = deductions.find((y) => y.originWeek === x.week && y.sellerId === x.seller_id && y.currency === x.currency);
      expect(d, `${x.week} ${x.seller_id}`).toBeDefined();
      expect(d!.amount).toBe(parseMinor(x.difference.amount, x.currency));
    }
    let applied = 0;
    for (const week of WEEKS.slice(1)) {
      const { lines } = runs.get(week)!;
      for (const s of await statementsOf(week)) {
        const line = lines.find((l) => l.sellerId === s.seller_id && l.currency === s.currency)!;
        expect(line.deductions, `${week} ${s.seller_id}`).toBe(parseMinor(s.deductions.amount, s.currency));
        if (line.deductions > 0) applied++;
      }
    }
    expect(applied).toBeGreaterThan(0);
    // what the runs applied adds up to what the deductions say is recovered
    for (const d of deductions) expect(d.amount - d.applied.reduce((s, a) => s + a.amount, 0)).toBe(d.outstanding);
  });

  it('opens one ticket per discrepancy: underpayments with a proposed transfer, overpayments with a deduction; all audited', async () => {
    const { tickets, total } = await call('payouts.tickets', { limit: 1000 });
    expect(total).toBe(inj.payouts.length);
    for (const t of tickets) {
      expect(t.state).toBe('open');
      if (t.direction === 'underpayment') {
        expect(t.transfer?.status).toBe('proposed');
        expect(t.transfer?.amount).toBe(-t.difference);
        expect(t.transfer?.idempotencyKey).toBe(`marketlens-payout-ticket-${t.id}-${-t.difference}-${t.currency}`);
        expect(t.deduction).toBeNull();
      } else {
        expect(t.transfer).toBeNull();
        expect(t.deduction?.amount).toBe(t.difference);
      }
    }
    const db = openDatabase(services.dbFile, { readonly: true }).db;
    const opened = db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'payouts.ticket.open'").get() as { n: number };
    db.close();
    expect(opened.n).toBe(inj.payouts.length);
  });

  it('re-running a week makes a new run, keeps the old one and gives byte-identical results for the same inputs', async () => {
    const before = runs.get('2025-W25')!.run;
    const again = await call('payouts.run', { week: '2025-W25' });
    expect(again.id).toBeGreaterThan(before.id);
    expect(again.inputsSha256).toBe(before.inputsSha256);
    expect(again.reportSha256).toBe(before.reportSha256);
    expect((await call('payouts.runs', { week: '2025-W25' })).total).toBe(2);
    // the report regenerated from what each run stored is exactly the bytes the run hashed
    const r1 = await call('payouts.run.report', { runId: before.id });
    const r2 = await call('payouts.run.report', { runId: again.id });
    expect(r1.sha256).toBe(before.reportSha256);
    expect(r2.base64).toBe(r1.base64);
    const parsed = JSON.parse(Buffer.from(r1.base64, 'base64').toString('utf8')) as { lines: unknown[]; inputsSha256: string };
    expect(parsed.lines).toHaveLength(before.lineCount);
    expect(parsed.inputsSha256).toBe(before.inputsSha256);
    const x = await call('payouts.run.report', { runId: before.id, format: 'xlsx' });
    const wb = XLSX.read(Buffer.from(x.base64, 'base64'));
    expect(wb.SheetNames).toEqual(['Summary', 'Lines', 'Findings']);
    const rows = XLSX.utils.sheet_to_json<Record<string, string>>(wb.Sheets.Lines!);
    expect(rows).toHaveLength(before.lineCount);
    const under = runs.get('2025-W25')!.lines.find((l) => l.status === 'underpayment')!;
    expect(rows.find((r) => r.seller === under.sellerId && r.currency === under.currency)).toMatchObject({ status: 'underpayment', difference: formatMinor(under.difference, under.currency) });
    expect((await call('payouts.get', { runId: before.id })).status).toBe('done');
    expect((await call('payouts.tickets', { limit: 1000 })).total).toBe(inj.payouts.length);
    const t = (await call('payouts.tickets', { week: '2025-W25', limit: 10 })).tickets[0]!;
    expect((await call('payouts.ticket', { ticketId: t.id })).events.some((e) => e.action === 'rerun_confirmed' && e.runId === again.id)).toBe(true);
  });

  it('raises the payout alert above the threshold, once per week and total; the runbook opens', async () => {
    await call('payouts.settings.update', { alertThreshold: { amount: '1', currency: 'VND' } });
    try {
      const r1 = await call('payouts.run', { week: '2025-W25' });
      const r2 = await call('payouts.run', { week: '2025-W25' });
      expect(r1.alert).toBe(true);
      expect(r2.alert).toBe(true);
      const alerts = (await call('alerts.list', { limit: 100 })).filter((a) => a.rule === 'payout_discrepancy');
      expect(alerts).toHaveLength(1);
      const w25 = inj.payouts.filter((x) => x.week === '2025-W25');
      const abs = (c: string) => w25.filter((x) => x.currency === c).reduce((s, x) => s + Math.abs(parseMinor(x.difference.amount, c)), 0);
      const rate = (await call('settings.get', undefined)).fxRates.USD!;
      expect(alerts[0]).toMatchObject({ severity: 'P2', runbookUrl: 'runbook:payout-discrepancy', values: { week: '2025-W25', runId: r1.id, count: w25.length } });
      // USD differences are converted at the workspace rate (26000 VND per USD by default), once per currency
      expect(alerts[0]!.values.discrepancyMinor).toBe(abs('VND') + convertMinor(abs('USD'), 'USD', 'VND', rate));
      expect((await call('runbook.get', { name: 'payout-discrepancy' })).markdown).toMatch(/Seller payout discrepancy/);
    } finally {
      await call('payouts.settings.update', { alertThreshold: { amount: '10000000', currency: 'VND' } });
    }
  });

  it('concurrent approvals of one transfer pay it once', async () => {
    const t = (await call('payouts.transfers', { status: 'proposed' }))[0]!;
    const results = await Promise.all([1, 2, 3, 4].map(() => call('payouts.transfer.approve', { transferId: t.id })));
    for (const r of results) expect(r.status).toBe('sent');
    expect(new Set(results.map((r) => r.platformTransferId)).size).toBe(1);
    const onPlatform = (await platformTransfers()).filter((x) => x.idempotency_key === t.idempotencyKey);
    expect(onPlatform).toHaveLength(1);
    expect(parseMinor(onPlatform[0]!.amount.amount, onPlatform[0]!.amount.currency)).toBe(t.amount);
    // approving again later is a no-op
    const later = await call('payouts.transfer.approve', { transferId: t.id });
    expect(later.status).toBe('sent');
    expect((await platformTransfers()).filter((x) => x.idempotency_key === t.idempotencyKey)).toHaveLength(1);
    const ticket = await call('payouts.ticket', { ticketId: t.ticketId });
    expect(ticket.state).toBe('resolved');
    expect(ticket.events.filter((e) => e.action === 'transition').map((e) => `${e.from}>${e.to}`)).toEqual(['open>in_review', 'in_review>resolved']);
  });

  it('two app instances on one workspace approving the same transfer at once pay it once', async () => {
    const other = await createServices({ workspaceDir: WS, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock, actor: 'second-user' });
    try {
      await directClient(other.handlers)('settings.setToken', { token: 'tok' });
      const t = (await call('payouts.transfers', { status: 'proposed' }))[0]!;
      const [a, b] = await Promise.all([call('payouts.transfer.approve', { transferId: t.id }), directClient(other.handlers)('payouts.transfer.approve', { transferId: t.id })]);
      expect(a.status).toBe('sent');
      expect(b.status).toBe('sent');
      expect(a.platformTransferId).toBe(b.platformTransferId);
      expect((await platformTransfers()).filter((x) => x.idempotency_key === t.idempotencyKey)).toHaveLength(1);
      const approvals = (await call('payouts.ticket', { ticketId: t.ticketId })).events.filter((e) => e.action === 'transfer_approved');
      expect(approvals).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('a retry after a network error, when the platform had accepted the first request, does not pay twice', async () => {
    // a proxy that forwards the first POST /v1/transfers, waits for the platform's answer, then drops the connection
    let dropped = 0;
    const target = new URL(platform.url);
    const proxy: Server = createServer((req, res) => {
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
        if (req.method === 'POST' && req.url === '/v1/transfers' && dropped === 0) {
          dropped++;
          ur.resume();
          ur.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const addr = proxy.address() as { port: number };
    try {
      await call('settings.update', { platformUrl: `http://127.0.0.1:${addr.port}` });
      const t = (await call('payouts.transfers', { status: 'proposed' }))[0]!;
      const countBefore = (await platformTransfers()).length;
      const r = await call('payouts.transfer.approve', { transferId: t.id });
      expect(dropped).toBe(1);
      expect(r.status).toBe('sent');
      expect(r.attempts).toBeGreaterThanOrEqual(2);
      const all = await platformTransfers();
      expect(all.length).toBe(countBefore + 1);
      expect(all.filter((x) => x.idempotency_key === t.idempotencyKey)).toHaveLength(1);
      const ticket = await call('payouts.ticket', { ticketId: t.ticketId });
      expect(ticket.events.find((e) => e.action === 'transfer_sent')?.note).toContain('replayed');
    } finally {
      await call('settings.update', { platformUrl: platform.url });
      await new Promise((r) => proxy.close(r));
    }
  });

  it('a proposed transfer can be rejected with a reason; a rejected or sent one cannot be approved or rejected again', async () => {
    const t = (await call('payouts.transfers', { status: 'proposed' }))[0]!;
    const before = (await platformTransfers()).length;
    const c = await call('payouts.transfer.cancel', { transferId: t.id, note: 'seller account closed; paid by bank transfer' });
    expect(c.status).toBe('cancelled');
    await expect(call('payouts.transfer.approve', { transferId: t.id })).rejects.toThrow(/cancelled/);
    await expect(call('payouts.transfer.cancel', { transferId: t.id, note: 'again' })).rejects.toThrow(/only a proposed/);
    expect((await platformTransfers()).length).toBe(before);
    expect((await call('payouts.ticket', { ticketId: t.ticketId })).events.at(-1)).toMatchObject({ action: 'transfer_cancelled', actor: 'test-user' });
  });

  it('ticket transitions follow open → in_review → resolved, with notes, audited', async () => {
    const t = (await call('payouts.tickets', { state: 'open', limit: 1 })).tickets[0]!;
    await expect(call('payouts.ticket.transition', { ticketId: t.id, to: 'resolved', note: 'skip' })).rejects.toThrow(/cannot move/);
    await call('payouts.ticket.note', { ticketId: t.id, note: 'called the seller' });
    await call('payouts.ticket.transition', { ticketId: t.id, to: 'in_review', note: 'checking the statement' });
    const done = await call('payouts.ticket.transition', { ticketId: t.id, to: 'resolved', note: '=HYPERLINK("x") recovered' });
    expect(done.state).toBe('resolved');
    expect(done.events.map((e) => e.action).slice(-3)).toEqual(['note', 'transition', 'transition']);
    const db = openDatabase(services.dbFile, { readonly: true }).db;
    const rows = db.prepare("SELECT actor, before, after FROM audit_log WHERE action = 'payouts.ticket.transition' AND entity_id = ? ORDER BY id").all(String(t.id)) as { actor: string; before: string; after: string }[];
    db.close();
    expect(rows.map((r) => [JSON.parse(r.before).state, JSON.parse(r.after).state])).toEqual([['open', 'in_review'], ['in_review', 'resolved']]);
    expect(rows[0]!.actor).toBe('test-user');
    const rw = openDatabase(services.dbFile).db;
    try {
      expect(() => rw.prepare('DELETE FROM payout_ticket_events').run()).toThrow(/append-only/);
      expect(() => rw.prepare("UPDATE payout_ticket_events SET note = 'x'").run()).toThrow(/append-only/);
      expect(() => rw.prepare('UPDATE payout_deductions SET amount = 1').run()).toThrow(/never edited/);
    } finally {
      rw.close();
    }
  });

  it('the Payout Settlement Report of a payout Monday adds up per currency, gateway and seller, and exports', async () => {
    const r = await call('payouts.report', { date: END });
    const db = openDatabase(services.dbFile, { readonly: true }).db;
    const { start, end } = dayRange(END, TZ);
    const paid = db.prepare('SELECT currency, sum(amount) AS s FROM payout_disbursements WHERE time >= ? AND time < ? GROUP BY currency').all(start, end) as { currency: string; s: number }[];
    db.close();
    for (const p of paid) expect(r.byCurrency.find((c) => c.currency === p.currency)!.today.payouts).toBe(p.s);
    for (const c of r.byCurrency) {
      for (const f of ['disbursed', 'pending', 'openDiscrepancy'] as const) {
        expect(r.byGateway.filter((g) => g.currency === c.currency).reduce((s, g) => s + g.today[f], 0)).toBe(c.today[f]);
        expect(r.bySeller.filter((g) => g.currency === c.currency).reduce((s, g) => s + g.today[f], 0)).toBe(c.today[f]);
        expect(c.change[f]).toBe(c.today[f] - c.previous[f]);
      }
    }
    expect(r.byGateway.some((g) => g.gateway !== '' && g.today.payouts > 0)).toBe(true);
    const x1 = await call('payouts.report.file', { date: END, format: 'xlsx' });
    const x2 = await call('payouts.report.file', { date: END, format: 'xlsx' });
    expect(x1.sha256).toBe(x2.sha256);
    const wb = XLSX.read(Buffer.from(x1.base64, 'base64'));
    expect(wb.SheetNames).toEqual(['Summary', 'By gateway', 'By seller', 'Open tickets']);
    const pdf = await call('payouts.report.file', { date: END, format: 'pdf' });
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const j1 = await call('payouts.report.file', { date: END, format: 'json' });
    expect((await call('payouts.report.file', { date: END, format: 'json' })).sha256).toBe(j1.sha256);
  });

  it('a statement without its synced event, or with another amount, is a source finding of its own', async () => {
    const { lines } = runs.get('2025-W24')!;
    const [a, b] = lines.filter((l) => l.status === 'matched').slice(0, 2);
    const rw = openDatabase(services.dbFile).db;
    try {
      rw.prepare('DELETE FROM payout_disbursements WHERE week = ? AND seller_id = ? AND currency = ?').run('2025-W24', a!.sellerId, a!.currency);
      rw.prepare('UPDATE payout_disbursements SET amount = amount + 1000 WHERE week = ? AND seller_id = ? AND currency = ?').run('2025-W24', b!.sellerId, b!.currency);
    } finally {
      rw.close();
    }
    const run = await call('payouts.run', { week: '2025-W24' });
    expect(run.inputsSha256).not.toBe(runs.get('2025-W24')!.run.inputsSha256);
    expect(run.findings.map((f) => [f.kind, f.sellerId, f.difference])).toEqual(
      [['missing_event', a!.sellerId, null], ['amount_mismatch', b!.sellerId, 1000]].sort((x, y) => (`DSB-2025-W24-${x[1]}` < `DSB-2025-W24-${y[1]}` ? -1 : 1)),
    );
    // the lines compare with the statements: the same discrepancies as before
    expect(run.discrepancyCount).toBe(runs.get('2025-W24')!.run.discrepancyCount);
  });

  it('a week the platform has not disbursed yet fails the run instead of calling every seller underpaid', async () => {
    await expect(call('payouts.run', { week: '2025-W27' })).rejects.toThrow(/no payout statements/);
    expect((await call('payouts.runs', { week: '2025-W27' })).runs[0]!.status).toBe('error');
  });

  it('a waived deduction is no longer applied from its week on; earlier weeks keep theirs; audited', async () => {
    const all = await call('payouts.deductions', {});
    const next = (w: string) => WEEKS[WEEKS.indexOf(w) + 1];
    // a deduction the platform recovered in the following week (the latest such pair)
    const d = all.filter((x) => next(x.originWeek) && x.applied.some((a) => a.week === next(x.originWeek) && a.amount > 0))
      .sort((x, y) => (x.originWeek < y.originWeek ? 1 : -1))[0]!;
    expect(d).toBeDefined();
    const week = next(d.originWeek)!;
    const appliedThen = d.applied.find((a) => a.week === week)!.amount;
    const before = runs.get(week)!.lines.find((l) => l.sellerId === d.sellerId && l.currency === d.currency)!;
    expect(before.status).not.toBe('underpayment');

    await expect(call('payouts.deduction.waive', { deductionId: d.id, note: 'written off', fromWeek: d.originWeek })).rejects.toThrow(/applies from/);
    await expect(call('payouts.deduction.waive', { deductionId: d.id, note: '   ' })).rejects.toThrow();
    await expect(call('payouts.deduction.waive', { deductionId: 999_999, note: 'x' })).rejects.toThrow(/no payout deduction #999999/);
    const w = await call('payouts.deduction.waive', { deductionId: d.id, note: 'platform wrote the overpayment off', fromWeek: week });
    expect(w.waived).toMatchObject({ fromWeek: week, note: 'platform wrote the overpayment off', actor: 'test-user' });
    await expect(call('payouts.deduction.waive', { deductionId: d.id, note: 'again' })).rejects.toThrow(/already waived/);

    // re-running the waiver's week no longer deducts it: the platform still recovered, so the
    // seller now shows as underpaid by exactly what was deducted before
    clock.advance(60_000);
    const rerun = await call('payouts.run', { week });
    const line = (await call('payouts.lines', { runId: rerun.id, limit: 5000 })).lines.find((l) => l.sellerId === d.sellerId && l.currency === d.currency)!;
    expect(line.deductions).toBe(before.deductions - appliedThen);
    expect(line.expected).toBe(before.expected + appliedThen);
    expect(line.status).toBe('underpayment');
    expect(line.difference).toBe(before.difference - appliedThen);
    // the origin week is untouched: same inputs, same report
    const origin = await call('payouts.run', { week: d.originWeek });
    const prevOrigin = (await call('payouts.runs', { week: d.originWeek })).runs.filter((r) => r.status === 'done')[1]!;
    expect(origin.reportSha256).toBe((await call('payouts.get', { runId: prevOrigin.id })).reportSha256);

    // the ticket and the audit log say who waived it, when and why
    const ticket = await call('payouts.ticket', { ticketId: d.ticketId });
    const waivedEvents = ticket.events.filter((e) => e.action === 'deduction_waived');
    expect(waivedEvents).toHaveLength(1);
    expect(waivedEvents[0]).toMatchObject({ actor: 'test-user' });
    expect(waivedEvents[0]!.note).toMatch(new RegExp(`waived from ${week}.*wrote the overpayment off`));
    const db = openDatabase(services.dbFile, { readonly: true }).db;
    const audit = db.prepare("SELECT before, after FROM audit_log WHERE action = 'payouts.deduction.waive' AND entity_id = ?").all(String(d.id)) as { before: string; after: string }[];
    db.close();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.before).waived).toBeNull();
    expect(JSON.parse(audit[0]!.after).waived.fromWeek).toBe(week);
    const rw = openDatabase(services.dbFile).db;
    try {
      expect(() => rw.prepare('DELETE FROM payout_deduction_waivers').run()).toThrow(/never deleted/);
    } finally {
      rw.close();
    }

    // without a week: from the week after the latest reconciled one
    const other = (await call('payouts.deductions', {})).find((x) => x.id !== d.id && !x.waived && x.outstanding > 0);
    if (other) {
      const latest = (await call('payouts.runs', { limit: 500 })).runs.filter((r) => r.status === 'done').map((r) => r.week).sort().at(-1)!;
      const expected = latest >= next(other.originWeek)! ? nextWeekOf(latest) : next(other.originWeek)!;
      expect((await call('payouts.deduction.waive', { deductionId: other.id, note: 'settled by bank transfer' })).waived!.fromWeek).toBe(expected);
    }
  });
});
