/**
 * RFM end to end on a demo workspace synced from the demo platform (real HTTP, real SQLite, the
 * worker's event cache): the engine equals the plain-SQL reference exactly, the funnel breakdown by
 * customer segment reads the latest run, the push to the platform is batched, idempotent, resumable
 * after the platform fails mid-push, and sends only changes; the CLI and exports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { RunningPlatform } from '../../../src/platform-sim/server.ts';
import type { Services } from '../../../src/main/node/services/index.ts';
import { ManualClock } from '../../../src/main/node/ports/clock.ts';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { syncedWorkspace, type SyncedWorkspace } from '../support/synced-workspace.ts';
import { addDays, dayRange, zonedToUtc } from '../../../src/analytics/calendar.ts';
import { openDatabase, type OpenDatabase } from '../../../src/main/node/db/index.ts';
import { createRfmHandlers } from '../../../src/main/node/services/rfm.ts';
import { referenceRfm } from '../../reference/rfm.sql.ts';
import { run as cli } from '../../../src/main/node/cli/main.ts';
import type { ServiceContext } from '../../../src/main/node/services/context.ts';
import { audit } from '../../../src/main/node/services/audit.ts';

const END = '2026-03-15';
const TZ = 'Asia/Ho_Chi_Minh';
const TOKEN = 't0k';

let platform: RunningPlatform;
let services: Services;
let dir: string;
let call: ReturnType<typeof directClient>;
let ro: OpenDatabase;

let ws: SyncedWorkspace;

beforeAll(async () => {
  ws = await syncedWorkspace({ platform: { seed: 5, days: 21, users: 700, endDate: END, token: TOKEN }, now: dayRange(END, TZ).end - 1, prefix: 'ml-rfm-' });
  ({ platform, services, dir } = ws);
  call = directClient(services.handlers);
  ro = openDatabase(services.dbFile);
}, 120_000);
afterAll(async () => {
  ro?.close();
  await ws?.close();
});

const refRates = { USD: { rate: 26000, scale: 100 } };

async function platformSegments(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let offset = 0; ; offset += 10_000) {
    const r = await fetch(`${platform.url}/v1/segments?offset=${offset}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const j = (await r.json()) as { count: number; segments: { customer_id: string; segment: string }[] };
    for (const s of j.segments) out.set(s.customer_id, s.segment);
    if (offset + 10_000 >= j.count) return out;
  }
}

async function history(customerId: string): Promise<unknown[]> {
  const r = await fetch(`${platform.url}/v1/segments?customer_id=${customerId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await r.json()) as { history: unknown[] }).history;
}

/** A proxy in front of the platform that can fail POST /v1/segments requests. */
async function proxy(decide: (n: number) => 'pass' | '500' | 'drop-after-commit' | '401'): Promise<{ url: string; posts: number; close(): Promise<void> }> {
  const state = { posts: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const isPost = req.method === 'POST';
      const action = isPost ? decide(++state.posts) : 'pass';
      if (action === '500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"injected"}}');
        return;
      }
      if (action === '401') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"bad token"}}');
        return;
      }
      const up = http.request(platform.url + req.url, { method: req.method, headers: req.headers }, (ur) => {
        const body: Buffer[] = [];
        ur.on('data', (c: Buffer) => body.push(c));
        ur.on('end', () => {
          if (action === 'drop-after-commit') {
            req.socket.destroy();
            return;
          }
          res.writeHead(ur.statusCode!, ur.headers).end(Buffer.concat(body));
        });
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get posts() { return state.posts; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('RFM on the demo workspace', () => {
  let runId: number;

  it('equals the plain-SQL reference exactly (R, F, M, scores, segment per customer)', async () => {
    const run = await call('rfm.run', { asOf: END });
    runId = run.id;
    expect(run.status).toBe('done');
    const s = run.summary!;
    expect(s.customers).toBeGreaterThan(100);
    expect(s.window).toMatchObject({ firstDay: '2025-03-16', lastDay: END });
    const ref = referenceRfm(ro.db, { asOf: END, offsetMinutes: 420, reportingCurrency: 'VND', rates: refRates });
    expect(ref.length).toBe(s.customers);
    const rows = (await call('rfm.customers', { runId, limit: 1000 })).rows;
    const all = [...rows];
    for (let off = 1000; off < s.customers; off += 1000) all.push(...(await call('rfm.customers', { runId, limit: 1000, offset: off })).rows);
    expect(all.map((c) => ({ customer_id: c.customerId, recency_days: c.recencyDays, frequency: c.frequency, monetary: c.monetary, r: c.r, f: c.f, m: c.m, segment: c.segment }))).toEqual(ref);
    // sizes sum to the population; revenue shares to 1; grid sums to the population
    expect(s.segments.reduce((a, g) => a + g.customers, 0)).toBe(s.customers);
    expect(s.segments.reduce((a, g) => a + g.revenueShare, 0)).toBeCloseTo(1, 9);
    expect(s.grid.flat().reduce((a, b) => a + b, 0)).toBe(s.customers);
    expect(s.rates.find((r) => r.currency === 'VND')?.rate).toBe('1');
    // the demo has USD orders: M converts at the stated rate
    expect(s.rates.map((r) => r.currency)).toEqual(['USD', 'VND']);
    expect(run.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.resultHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.watermark.seq).toBeGreaterThan(0);
    // F ties: every one-order customer shares F = 1
    const ones = all.filter((c) => c.frequency === 1);
    expect(new Set(ones.map((c) => c.f))).toEqual(new Set([1]));
  });

  it('an earlier as-of equals the reference too, and the same inputs give the same result hash', async () => {
    const asOf = addDays(END, -6);
    const a = await call('rfm.run', { asOf });
    const b = await call('rfm.run', { asOf });
    expect(a.resultHash).toBe(b.resultHash);
    expect(a.inputsHash).toBe(b.inputsHash);
    const ref = referenceRfm(ro.db, { asOf, offsetMinutes: 420, reportingCurrency: 'VND', rates: refRates });
    const rows = (await call('rfm.customers', { runId: a.id, limit: 1000 })).rows;
    expect(rows.map((c) => [c.customerId, c.r, c.f, c.m, c.segment])).toEqual(ref.slice(0, 1000).map((c) => [c.customer_id, c.r, c.f, c.m, c.segment]));
  });

  it('the funnel breakdown by customer segment uses the latest run', async () => {
    const r = await call('funnel.run', { from: addDays(END, -2), to: END, unit: 'user', breakdown: ['segment'], topN: 20 });
    const labels = r.breakdown!.rows.map((x) => x.keys.segment);
    expect(labels.some((l) => l !== 'unknown' && l !== 'other')).toBe(true);
    // latest = greatest as-of: the END run
    const latest = await call('rfm.get', {});
    expect(latest!.asOf).toBe(END);
  });

  it('migration matrix and customer history', async () => {
    const runs = (await call('rfm.runs', {})).runs;
    const earlier = runs.find((r) => r.asOf !== END)!;
    const m = await call('rfm.migration', { fromRunId: earlier.id, toRunId: runId });
    const total = m.matrix.flat().reduce((a, b) => a + b, 0);
    const inFrom = earlier.customers!;
    const inTo = (await call('rfm.get', { runId }))!.customers!;
    const notInFrom = m.matrix[m.labels.length - 1]!.reduce((a, b) => a + b, 0);
    const notInTo = m.matrix.reduce((a, row) => a + row[m.labels.length - 1]!, 0);
    expect(total - notInFrom).toBe(inFrom);
    expect(total - notInTo).toBe(inTo);
    const someone = (await call('rfm.customers', { runId, limit: 1 })).rows[0]!;
    const h = await call('rfm.customer', { customerId: someone.customerId });
    expect(h.history[0]).toMatchObject({ runId, asOf: END, segment: someone.segment });
  });

  it('push: the platform fails mid-push, nothing is lost, resume completes with exactly the right segments and no duplicates', async () => {
    // a separate handler slice with small batches and fast retries, over a proxy that fails:
    // POST 1 passes (batch 1), POST 2 reaches the platform but its answer is lost (batch 2), POST 3
    // retries batch 2 with the same key (an idempotent replay), POST 4.. answer 500 (batch 3 fails)
    let mode: 'fail' | 'ok' = 'fail';
    const px = await proxy((n) => (n === 2 ? 'drop-after-commit' : mode === 'fail' && n >= 4 ? '500' : 'pass'));
    const ctx = makeCtx(px.url);
    const h = createRfmHandlers(ctx, { batchSize: 50, retry: { retries: 2, baseMs: 1, maxMs: 5 } });
    const preview = await h['rfm.push.preview']({ runId, limit: 5 });
    const expected = (await call('rfm.customers', { runId, limit: 1000 })).rows;
    expect(preview.changes).toBe(expected.length);
    expect(preview.batches).toBe(Math.ceil(expected.length / 50));
    expect(preview.pending).toBeNull();
    await expect(h['rfm.push']({ runId })).rejects.toThrow(/HTTP 500/);
    const failed = (await h['rfm.pushes']({}))[0]!;
    expect(failed).toMatchObject({ status: 'failed', sentBatches: 2 });
    expect(px.posts).toBe(3 + 3);
    const audit1 = ro.db.prepare("SELECT after FROM audit_log WHERE action = 'rfm.push' ORDER BY id DESC LIMIT 1").pluck().get() as string;
    expect(JSON.parse(audit1)).toMatchObject({ id: failed.id, status: 'failed' });
    // the preview now shows only what is left, and the pending push
    const mid = await h['rfm.push.preview']({ runId });
    expect(mid.changes).toBe(expected.length - 100);
    expect(mid.pending?.id).toBe(failed.id);
    mode = 'ok';
    const res = await h['rfm.push']({ runId });
    expect(res.resumed).toHaveLength(1);
    expect(res.resumed[0]).toMatchObject({ id: failed.id, status: 'done', sentBatches: failed.batches });
    expect(res.push).toMatchObject({ status: 'done', changes: 0, batches: 0 });
    const onPlatform = await platformSegments();
    expect(onPlatform).toEqual(new Map(expected.map((c) => [c.customerId, c.segment])));
    // batch 2 was applied, its answer lost, and retried with the same key: one history entry each
    for (const c of expected.slice(50, 100)) expect(await history(c.customerId)).toHaveLength(1);
    expect((await h['rfm.push.preview']({ runId })).changes).toBe(0);
    await px.close();
  });

  it('the platform pages its stored segments (offset, limit) and refuses a bad limit', async () => {
    const get = (q: string) => fetch(`${platform.url}/v1/segments?${q}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const all = [...(await platformSegments()).keys()];
    const page = (await (await get('offset=1&limit=2')).json()) as { count: number; offset: number; segments: { customer_id: string }[] };
    expect(page.count).toBe(all.length);
    expect(page.segments.map((x) => x.customer_id)).toEqual(all.slice(1, 3));
    expect((await get('limit=20000')).status).toBe(400);
    expect((await get('offset=-1')).status).toBe(400);
  });

  it('a later run sends only the customers whose segment changed; 401 fails fast', async () => {
    const before = await platformSegments();
    const earlier = (await call('rfm.runs', {})).runs.find((r) => r.asOf !== END)!;
    const ctx = makeCtx(platform.url);
    const h = createRfmHandlers(ctx, { batchSize: 50, retry: { retries: 2, baseMs: 1, maxMs: 5 } });
    const p = await h['rfm.push.preview']({ runId: earlier.id, limit: 1000 });
    const rows = (await call('rfm.customers', { runId: earlier.id, limit: 1000 })).rows;
    const changed = rows.filter((c) => before.get(c.customerId) !== c.segment);
    expect(p.changes).toBe(changed.length);
    expect(p.sample.map((c) => c.customerId)).toEqual(changed.map((c) => c.customerId).slice(0, 1000));
    const px = await proxy(() => '401');
    const bad = createRfmHandlers(makeCtx(px.url), { batchSize: 50, retry: { retries: 5, baseMs: 1, maxMs: 5 } });
    await expect(bad['rfm.push']({ runId: earlier.id })).rejects.toThrow(/401/);
    expect(px.posts).toBe(1);
    await px.close();
    const r = await h['rfm.push']({ runId: earlier.id });
    expect(r.resumed[0]?.status).toBe('done');
    const after = await platformSegments();
    for (const c of rows) expect(after.get(c.customerId)).toBe(c.segment);
  });

  it('weekly schedule: runs the missed week at start (catch-up), pushes it, and not again that week', async () => {
    // Tuesday 2026-03-17 10:00: the Monday 03:00 slot of 2026-W12 was missed
    const clock = new ManualClock(zonedToUtc(2026, 3, 17, 10, 0, TZ));
    const ctx = makeCtx(platform.url, clock);
    const before = (await call('rfm.runs', {})).total;
    const h = createRfmHandlers(ctx, { background: true, tickMs: 50, batchSize: 200, retry: { retries: 1, baseMs: 1, maxMs: 5 } });
    await h['rfm.settings.update']({ enabled: true, weekday: 1, hour: 3, minute: 0, autoPush: true });
    let settings = await h['rfm.settings.get']();
    for (let i = 0; i < 200 && settings.lastWeek === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      settings = await h['rfm.settings.get']();
    }
    expect(settings.lastWeek).toBe('2026-W12');
    const runs = (await call('rfm.runs', {})).runs;
    expect(runs.length).toBe(before + 1);
    expect(runs[0]).toMatchObject({ id: settings.lastRunId, asOf: '2026-03-15', trigger: 'catch-up', status: 'done' });
    // pushed after the run
    for (let i = 0; i < 100 && (await h['rfm.pushes']({}))[0]?.runId !== settings.lastRunId; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await h['rfm.pushes']({}))[0]).toMatchObject({ runId: settings.lastRunId, status: 'done' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call('rfm.runs', {})).total).toBe(before + 1);
    await h['rfm.settings.update']({ enabled: false });
  });

  it('CLI: rfm --as-of --json and rfm push --dry-run --json; exports', async () => {
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s) };
    await services.close();
    expect(await cli(['rfm', '--as-of', END, '--json', '--workspace', dir], io)).toBe(0);
    const j = JSON.parse(out.join('')) as { asOf: string; summary: { customers: number } };
    expect(j.asOf).toBe(END);
    out.length = 0;
    expect(await cli(['rfm', 'push', '--dry-run', '--json', '--workspace', dir], io)).toBe(0);
    const p = JSON.parse(out.join('')) as { changes: number; runId: number };
    expect(p.runId).toBeGreaterThan(0);
    out.length = 0;
    const outDir = mkdtempSync(join(tmpdir(), 'ml-rfm-out-'));
    expect(await cli(['rfm', 'export', '--run', String(runId), '--format', 'csv', '--out', outDir, '--workspace', dir], io)).toBe(0);
    const csv = readFileSync(join(outDir, `rfm-${END}-run${runId}.csv`), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('\ufeffcustomer_id,segment,r,f,m,recency_days,frequency,monetary_minor_VND,monetary_VND,last_order_at');
    expect(csv.split('\r\n').length - 2).toBe(j.summary.customers);
    expect(await cli(['rfm', 'export', '--run', String(runId), '--format', 'xlsx', '--segment', 'Champions', '--out', outDir, '--workspace', dir], io)).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(outDir, `rfm-${END}-run${runId}-champions.xlsx`));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['RFM', 'Segments', 'Cut points', 'Inputs']);
    const champions = wb.getWorksheet('RFM')!;
    for (let i = 2; i <= champions.rowCount; i++) expect(champions.getRow(i).getCell(2).value).toBe('Champions');
  });
});

const extra: OpenDatabase[] = [];
afterAll(() => {
  for (const o of extra) o.close();
});

/** The services' context with another platform URL (a proxy) and its own connection. */
function makeCtx(url: string, clock: { now(): number } = { now: () => Date.now() }): ServiceContext {
  const o = openDatabase(services.dbFile);
  extra.push(o);
  return {
    db: o.db, kysely: o.kysely, worker: services.worker, settings: { get: () => ({ timezone: TZ, reportingCurrency: 'VND', fxRates: { USD: '26000' } }) } as never,
    push: services.push, alerts: undefined as never, clock, secrets: undefined as never, files: undefined as never, actor: 'test',
    audit: (e) => audit(o.db, { ...e, at: Date.now(), actor: 'test' }),
    platform: () => ({ url, token: TOKEN }), dataChanged: () => undefined,
  };
}
