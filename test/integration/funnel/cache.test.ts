/**
 * The columnar event cache against a real SQLite workspace: snapshot persisted -> reloaded gives the
 * same results; a corrupt (flipped byte, truncated) or stale (database replaced) snapshot is rebuilt
 * from SQLite; incremental growth after new events equals a full rebuild; duplicates delivered again
 * change nothing; the worker reports progress in phases and can be cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, migrate, MIGRATIONS, type OpenDatabase } from '../../../src/main/node/db/index.ts';
import { importText } from '../../../src/main/node/import/index.ts';
import { EventCache, snapshotPathFor } from '../../../src/main/node/cache/event-cache.ts';
import { WorkerHost } from '../../../src/main/node/worker/host.ts';
import { CancelledError } from '../../../src/main/node/worker/protocol.ts';
import { createEventGenerator } from '../../../perf/gen-events.ts';
import { computeFunnel } from '../../../src/analytics/funnel/kernel.ts';
import { aggregateFunnel } from '../../../src/analytics/funnel/aggregate.ts';
import { STANDARD_STEPS, DEFAULT_SESSION_GAP_MS } from '../../../src/analytics/funnel/definition.ts';
import { CODE_COLUMNS } from '../../../src/analytics/columns.ts';
import type { FunnelQuery, FunnelResult } from '../../../src/analytics/funnel/types.ts';

const START = Date.UTC(2026, 2, 1);
const gen = createEventGenerator({ seed: 5, sessions: true, spacingMs: 2000, start: START, users: 3000 });
const lines = (n: number): string => Array.from({ length: n }, () => JSON.stringify(gen.next())).join('\n') + '\n';
const BATCH1 = lines(20_000);
const BATCH2 = lines(6_000);

const query = (over: Partial<FunnelQuery> = {}): FunnelQuery => ({
  spec: { steps: STANDARD_STEPS.map((s) => ({ ...s })), order: 'sequential', windowMs: 86_400_000 },
  unit: 'session', start: START, end: START + 5 * 86_400_000, timezone: 'Asia/Ho_Chi_Minh', sessionGapMs: DEFAULT_SESSION_GAP_MS,
  breakdown: ['device', 'source'], topN: 3, trend: 'day', ...over,
});
const QUERIES = [query(), query({ unit: 'user', breakdown: ['category'] }), query({ spec: { steps: STANDARD_STEPS.slice(0, 4), order: 'strict', windowMs: 3_600_000 } })];

function results(cache: EventCache): Omit<FunnelResult, 'timing'>[] {
  return QUERIES.map((q) => {
    const comp = computeFunnel(cache.cols, q, { sessionUsers: cache.sessionUsers() });
    const { timing: _t, ...r } = aggregateFunnel({ cols: cache.cols, comp, watermark: { seq: cache.cols.lastSeq, time: cache.cols.maxTime, events: cache.cols.length } });
    return r;
  });
}

let dir: string;
let dbFile: string;
let ws: OpenDatabase;
let baseline: Omit<FunnelResult, 'timing'>[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'ml-cache-'));
  dbFile = path.join(dir, 'marketlens.sqlite');
  ws = openDatabase(dbFile);
  const r = await importText(ws.db, 'batch1.ndjson', BATCH1);
  expect(r.inserted).toBe(20_000);
});
afterAll(() => ws?.close());

describe('snapshot', () => {
  it('rebuilds from SQLite when there is no snapshot, then writes one atomically', () => {
    const c = new EventCache(ws.db, dbFile);
    c.open();
    expect(c.origin).toBe('rebuild');
    expect(c.rebuildReason).toBe('no snapshot');
    expect(c.cols.length).toBe(20_000);
    expect(c.persistIfDue()).toBe(true);
    expect(fs.existsSync(snapshotPathFor(dbFile))).toBe(true);
    expect(fs.readdirSync(path.dirname(snapshotPathFor(dbFile))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    baseline = results(c);
    expect(baseline[0]!.entered).toBeGreaterThan(1000);
    expect(baseline[0]!.completed).toBeGreaterThan(10);
  });

  it('persisted -> reloaded gives identical columns and results', () => {
    const built = new EventCache(ws.db, dbFile, { snapshotFile: path.join(dir, 'other.bin') });
    built.open();
    const c = new EventCache(ws.db, dbFile);
    c.open();
    expect(c.origin).toBe('snapshot');
    expect(c.cols.length).toBe(20_000);
    expect(Array.from(c.cols.time.subarray(0, c.cols.length))).toEqual(Array.from(built.cols.time.subarray(0, built.cols.length)));
    for (const k of CODE_COLUMNS) {
      expect(Array.from(c.cols.codes[k].subarray(0, c.cols.length))).toEqual(Array.from(built.cols.codes[k].subarray(0, built.cols.length)));
      expect(c.cols.dicts[k].values).toEqual(built.cols.dicts[k].values);
    }
    expect(results(c)).toEqual(baseline);
  });

  it('a flipped byte fails the checksum: rebuilt from SQLite, same results', () => {
    const file = snapshotPathFor(dbFile);
    const good = fs.readFileSync(file);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)]! ^= 0x40;
    fs.writeFileSync(file, bad);
    const c = new EventCache(ws.db, dbFile);
    c.open();
    expect(c.origin).toBe('rebuild');
    expect(c.rebuildReason).toMatch(/corrupt snapshot \(snapshot checksum mismatch\)/);
    expect(results(c)).toEqual(baseline);
    fs.writeFileSync(file, good.subarray(0, good.length - 100)); // truncated
    const t = new EventCache(ws.db, dbFile);
    t.open();
    expect(t.rebuildReason).toMatch(/corrupt snapshot/);
    fs.writeFileSync(file, good);
  });

  it('a snapshot of another database (replaced workspace) is stale: rebuilt', async () => {
    const otherFile = path.join(dir, 'other', 'marketlens.sqlite');
    fs.mkdirSync(path.dirname(otherFile));
    const other = openDatabase(otherFile);
    await importText(other.db, 'x.ndjson', lines(25_000)); // more rows, different events
    fs.mkdirSync(path.join(dir, 'other', 'cache'));
    fs.copyFileSync(snapshotPathFor(dbFile), snapshotPathFor(otherFile));
    const c = new EventCache(other.db, otherFile);
    c.open();
    expect(c.origin).toBe('rebuild');
    expect(c.rebuildReason).toMatch(/stale snapshot/);
    expect(c.cols.length).toBe(25_000);
    other.close();
  });

  it('grows incrementally after new events: equal to a full rebuild, and to its own reloaded snapshot', async () => {
    const c = new EventCache(ws.db, dbFile, { persistMinRows: 1 });
    c.open();
    expect(c.origin).toBe('snapshot');
    c.sessionUsers(); // derived data exists before the append
    const r = await importText(ws.db, 'batch2.ndjson', BATCH2);
    expect(r.inserted).toBe(6_000);
    expect(c.catchUp()).toBe(6_000);
    const grown = results(c);
    const full = new EventCache(ws.db, dbFile, { snapshotFile: path.join(dir, 'full.bin') });
    full.open();
    expect(full.origin).toBe('rebuild');
    expect(full.cols.length).toBe(26_000);
    expect(grown).toEqual(results(full));
    expect(grown).not.toEqual(baseline);
    expect(c.persistIfDue()).toBe(true);
    const reloaded = new EventCache(ws.db, dbFile);
    reloaded.open();
    expect(reloaded.origin).toBe('snapshot');
    expect(results(reloaded)).toEqual(grown);
  });

  it('duplicates delivered again are ignored by ingest and change nothing', async () => {
    const c = new EventCache(ws.db, dbFile);
    c.open();
    const before = results(c);
    const r = await importText(ws.db, 'again.ndjson', BATCH2);
    expect(r.inserted).toBe(0);
    expect(r.duplicates).toBe(6_000);
    expect(c.catchUp()).toBe(0);
    expect(results(c)).toEqual(before);
  });
});

describe('loading', () => {
  it('keeps values containing the column separator (U+001F) intact', async () => {
    const f = path.join(dir, 'sep', 'marketlens.sqlite');
    fs.mkdirSync(path.dirname(f));
    const o = openDatabase(f);
    const ev = (id: string, category: string) => JSON.stringify({
      specversion: '1.0', id, type: 'product.viewed', source: '/services/catalog', time: '2026-03-01T00:00:00Z',
      data: { session_id: 's\u001f1', device: 'ios', product_id: 'p1', category, seller_id: 'x', price: { amount: '10', currency: 'USD' } },
    });
    await importText(o.db, 'sep.ndjson', [ev('a', 'home\u001fgarden'), ev('b', 'plain'), ev('c', 'home\u001fgarden')].join('\n'));
    const c = new EventCache(o.db, f, { noPersist: true });
    c.open();
    expect([0, 1, 2].map((i) => c.cols.row(i).category)).toEqual(['home\u001fgarden', 'plain', 'home\u001fgarden']);
    expect(c.cols.row(0)).toMatchObject({ session: 's\u001f1', device: 'ios', type: 'product.viewed', amount: 1000, currency: 'USD' });
    o.close();
  });
});

describe('storage layouts', () => {
  it('reads the plain `events` table (0001) into the same columns as the current layout', () => {
    const f = path.join(dir, 'legacy', 'marketlens.sqlite');
    fs.mkdirSync(path.dirname(f));
    const legacy = openDatabase(f, { migrate: false });
    migrate(legacy.db, MIGRATIONS.filter((m) => m.id <= 2));
    expect(legacy.db.prepare("SELECT type FROM sqlite_master WHERE name = 'events'").pluck().get()).toBe('table');
    legacy.db.exec(`ATTACH '${dbFile.replace(/'/g, "''")}' AS cur`);
    legacy.db.exec('INSERT INTO main.events SELECT * FROM cur.events ORDER BY seq');
    legacy.db.exec('DETACH cur');
    const a = new EventCache(legacy.db, f, { noPersist: true });
    a.open();
    const b = new EventCache(ws.db, dbFile, { noPersist: true, snapshotFile: path.join(dir, 'none.bin') });
    b.open();
    expect(a.cols.length).toBe(b.cols.length);
    for (const k of CODE_COLUMNS) expect(a.cols.dicts[k].values).toEqual(b.cols.dicts[k].values);
    expect(results(a)).toEqual(results(b));
    legacy.close();
  });
});

describe('in the analytics worker', () => {
  let host: WorkerHost;
  beforeAll(() => {
    host = new WorkerHost(dbFile);
  });
  afterAll(() => host?.close());

  it('reports progress in phases and returns the same result as in-process', async () => {
    const phases: string[] = [];
    const r = await host.run('funnel.run', QUERIES[0]!, { onProgress: (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); } });
    expect(phases.filter((p) => p !== 'load')).toEqual(['sessionize', 'match', 'aggregate']);
    const c = new EventCache(ws.db, dbFile);
    c.open();
    const { timing, ...rest } = r;
    expect(rest).toEqual(results(c)[0]);
    expect(timing.totalMs).toBeGreaterThan(0);
    const status = await host.run('funnel.cache', {});
    expect(status).toMatchObject({ events: 26_000, lastSeq: 26_000, origin: 'snapshot' });
  });

  it('cancels a running query and keeps serving', async () => {
    const ctrl = new AbortController();
    const p = host.run('funnel.run', { ...QUERIES[1]!, topN: 4 }, { signal: ctrl.signal, onProgress: () => ctrl.abort() });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    const page = await host.run('funnel.drilldown', { query: QUERIES[0]!, step: 2, offset: 0, limit: 5 });
    expect(page.rows.length).toBe(5);
    expect(page.total).toBeGreaterThan(5);
  });
});
