/**
 * Seller payout benchmark: `npm run bench -- payouts [--releases 1000000] [--sellers 20000] [--rate 0.01] [--seed 1]`.
 *
 * Untimed set-up: a real SQLite workspace holding one ISO week of N escrow releases (with their
 * payments), penalties and `payout.disbursed` rows for S sellers in VND and USD, and a loopback HTTP
 * server serving the week's payout statements (`GET /v1/payouts/statements`), with `rate` of them
 * under- or overpaid. Timed: `payouts.run` end to end through the services (HTTP pull, read the
 * week from SQLite, reconcile, store lines, open tickets, propose transfers, record deductions), then
 * the daily Payout Settlement Report of the payout Monday (compute, XLSX, PDF). Checks that the run
 * finds exactly the injected discrepancies. Prints seconds, the main thread's longest stall during
 * the run, and peak RSS; with
 * MARKETLENS_PAYOUT_TIMINGS=1 the run also prints its phases (read, hash, reconcile, store).
 */
import { parseArgs as parseFlags } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../src/main/node/services/index.ts';
import { MemorySecretStore } from '../src/main/node/ports/secret-store.ts';
import { RecordingNotifier } from '../src/main/node/ports/notifier.ts';
import { ManualClock } from '../src/main/node/ports/clock.ts';
import { directClient } from '../src/main/common/dispatch.ts';
import { commissionOf, weekWindow } from '../src/analytics/payouts/engine.ts';
import { dayRange } from '../src/analytics/calendar.ts';
import { formatMinor } from '../src/analytics/money.ts';

const WEEK = '2025-W26';
const TZ = 'Asia/Ho_Chi_Minh';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values: v } = parseFlags({
    args: argv, strict: true,
    options: { releases: { type: 'string', default: '1000000' }, sellers: { type: 'string', default: '20000' }, rate: { type: 'string', default: '0.01' }, seed: { type: 'string', default: '1' } },
  });
  const n = Number(v.releases!.replace(/_/g, ''));
  const sellers = Number(v.sellers);
  const rate = Number(v.rate);
  const r = rng(Number(v.seed));
  const W = weekWindow(WEEK, TZ);
  const dir = mkdtempSync(join(tmpdir(), 'ml-bench-payouts-'));
  const clock = new ManualClock(dayRange('2025-07-01', TZ).start);
  const services = await createServices({ workspaceDir: dir, mode: 'test', secrets: new MemorySecretStore(), notifier: new RecordingNotifier(), clock });
  const call = directClient(services.handlers);
  const gateways = ['vnpay', 'momo', 'stripe', 'paypal', 'adyen'];
  process.stderr.write(`setting up ${n.toLocaleString('en-US')} releases for ${sellers.toLocaleString('en-US')} sellers ...\n`);
  // ---- untimed: the week in SQLite, statements in memory
  const { openDatabase } = await import('../src/main/node/db/index.ts');
  const { db } = openDatabase(services.dbFile);
  const acc = new Map<string, { seller: string; currency: string; escrow: number; commission: number; fees: number; penalties: number }>();
  db.transaction(() => {
    const esc = db.prepare('INSERT INTO escrow_releases (escrow_id, order_id, seller_id, amount, currency, commission_rate_bps, fee, time, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const pay = db.prepare('INSERT INTO payments (payment_id, order_id, gateway, amount, currency, captured_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < n; i++) {
      const s = `S${String(Math.floor(r() * sellers)).padStart(6, '0')}`;
      const usd = r() < 0.1;
      const currency = usd ? 'USD' : 'VND';
      const amount = usd ? 500 + Math.floor(r() * 20_000) : (10 + Math.floor(r() * 3000)) * 1000;
      const bps = 400 + Math.floor(r() * 800);
      const fee = Math.floor((amount * 200 + 5000) / 10000);
      const t = W.start + Math.floor(r() * (W.end - W.start));
      esc.run(`E${i}`, `O${i}`, s, amount, currency, bps, fee, t, `ev${i}`);
      pay.run(`P${i}`, `O${i}`, gateways[Math.floor(r() * (usd ? 2 : 5)) + (usd ? 2 : 0)] ?? 'vnpay', amount, currency, t - 86_400_000);
      const k = `${s}|${currency}`;
      const a = acc.get(k) ?? { seller: s, currency, escrow: 0, commission: 0, fees: 0, penalties: 0 };
      a.escrow += amount;
      a.commission += commissionOf(amount, bps);
      a.fees += fee;
      acc.set(k, a);
    }
  })();
  const statements: unknown[] = [];
  let injected = 0;
  const disb = db.prepare('INSERT INTO payout_disbursements (disbursement_id, seller_id, week, amount, currency, transfer_ref, time, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    let k = 0;
    for (const a of [...acc.values()].sort((x, y) => (x.seller < y.seller ? -1 : 1))) {
      const expected = a.escrow - a.commission - a.fees;
      let paid = expected;
      if (r() < rate) {
        const d = Math.max(1, Math.floor(expected * 0.03));
        paid = r() < 0.5 && expected - d > 0 ? expected - d : expected + d;
        injected++;
      }
      const id = `DSB-${WEEK}-${a.seller}-${a.currency}`;
      const m = (x: number) => ({ amount: formatMinor(x, a.currency), currency: a.currency });
      statements.push({ seller_id: a.seller, currency: a.currency, disbursed: m(paid), escrow_released: m(a.escrow), commission: m(a.commission), fees: m(a.fees), penalties: m(0), deductions: m(0), order_count: 1, transfer_ref: `FT${k}`, disbursement_id: id, disbursed_at: new Date(W.end + 36_000_000).toISOString() });
      disb.run(id, a.seller, WEEK, paid, a.currency, `FT${k}`, W.end + 36_000_000, `dev${k++}`);
    }
  })();
  db.close();
  const body = JSON.stringify({ week: WEEK, disbursed_on: W.payoutDate, statements });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/payouts/statements')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  await call('settings.update', { platformUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, pollSeconds: 0 });
  await call('settings.setToken', { token: 'bench' });
  let peak = process.memoryUsage().rss;
  let last = performance.now();
  let maxStall = 0;
  const sampler = setInterval(() => {
    const now = performance.now();
    maxStall = Math.max(maxStall, now - last - 10);
    last = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    // ---- timed
    const t0 = performance.now();
    // a step's stall is read after one more sampler tick: a block at the end of a step delays the
    // sampler, which would otherwise record it in the next step
    const tick = () => new Promise((r) => setTimeout(r, 15));
    const stalls: number[] = [];
    const step = async <T>(v: T): Promise<T> => {
      await tick();
      stalls.push(maxStall);
      maxStall = 0;
      return v;
    };
    const run = await call('payouts.run', { week: WEEK });
    const t1 = performance.now();
    await step(null);
    const runStall = stalls.pop()!;
    const report = await step(await call('payouts.report', { date: W.payoutDate }));
    const tr = performance.now();
    const xlsx = await step(await call('payouts.report.file', { date: W.payoutDate, format: 'xlsx' }));
    const tx = performance.now();
    const pdf = await step(await call('payouts.report.file', { date: W.payoutDate, format: 'pdf' }));
    const t2 = performance.now();
    if (run.discrepancyCount !== injected) throw new Error(`the run found ${run.discrepancyCount} discrepancies, ${injected} were injected`);
    process.stdout.write(`payouts.run ${WEEK}: ${n.toLocaleString('en-US')} releases, ${acc.size.toLocaleString('en-US')} seller lines, ${injected} discrepancies found (= injected): ${((t1 - t0) / 1000).toFixed(2)} s; longest main-thread stall ${runStall.toFixed(0)} ms\n`);
    process.stdout.write(`Payout Settlement Report ${W.payoutDate} (${report.bySeller.length} seller rows; XLSX ${xlsx.bytes} B, PDF ${pdf.bytes} B): report ${((tr - t1) / 1000).toFixed(2)} s, + XLSX ${((tx - tr) / 1000).toFixed(2)} s, + PDF ${((t2 - tx) / 1000).toFixed(2)} s (each file recomputes the report); longest main-thread stall ${Math.max(...stalls).toFixed(0)} ms (report / XLSX / PDF: ${stalls.map((x) => x.toFixed(0)).join(' / ')} ms)\n`);
    process.stdout.write(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB (main thread and analytics worker)\n`);
  } finally {
    clearInterval(sampler);
    server.close();
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
