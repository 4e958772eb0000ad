import { describe, it, expect, afterEach } from 'vitest';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSyncEngine, readSyncState } from '../../../src/main/node/sync/index.ts';
import { openDatabase } from '../../../src/main/node/db/index.ts';
import type { SyncStatus } from '../../../src/main/common/types.ts';
import { startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { freshDb, makeEvents, count, dumpProjections, tempDir } from '../../unit/store/helpers.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function feed(o: Parameters<typeof startFeedServer>[0]): Promise<FeedServer> {
  const f = await startFeedServer(o);
  cleanups.push(() => f.close());
  return f;
}
function db() {
  const o = freshDb();
  cleanups.push(() => o.close());
  return o;
}
const FAST = { retries: 4, baseMs: 5, maxMs: 20 };

describe('sync engine', () => {
  it('pulls every page, records the cursor, reports progress, and a second run inserts nothing', async () => {
    const evs = makeEvents(2500, 21);
    const f = await feed({ events: evs });
    const o = db();
    const progress: SyncStatus[] = [];
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url + '/', token: f.token, pageSize: 300, onProgress: (p) => progress.push(p) }).run();
    expect(s).toMatchObject({ state: 'done', fetched: 2500, inserted: 2500, duplicates: 0, quarantined: 0, total: 2500, cursor: 'c2500', error: null });
    expect(s.lastSyncedAt).not.toBeNull();
    expect(o.db.prepare('SELECT id FROM events ORDER BY seq').pluck().all()).toEqual(evs.map((e) => e.id));
    expect(f.requests.every((r) => r.auth === `Bearer ${f.token}` && r.limit === 300)).toBe(true);
    expect(f.requests[0]!.cursor).toBeNull();
    const pages = progress.filter((p) => p.state === 'running' && p.fetched > 0);
    expect(pages.length).toBeGreaterThanOrEqual(9);
    expect(pages.at(-1)).toMatchObject({ fetched: 2500, inserted: 2500 });
    expect(pages[0]!.eventsPerSec).toBeGreaterThan(0);
    expect(readSyncState(o.db, f.url)).toMatchObject({ cursor: 'c2500' });
    const proj = dumpProjections(o.db);
    // resume from the stored cursor: one empty page
    const again = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 300 }).run();
    expect(again).toMatchObject({ state: 'done', fetched: 0, inserted: 0, total: 0 });
    expect(f.requests.at(-1)!.cursor).toBe('c2500');
    expect(dumpProjections(o.db)).toEqual(proj);
  });

  it('overlapping pages and a full replay add no duplicates in events or projections', async () => {
    const evs = makeEvents(1200, 22);
    const f = await feed({ events: evs, overlap: 77 });
    const o = db();
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 200, workers: 0 }).run();
    expect(s).toMatchObject({ state: 'done', inserted: 1200 });
    expect(s.duplicates).toBe(77 * 5);
    const proj = dumpProjections(o.db);
    o.db.prepare('DELETE FROM sync_state').run();
    const replay = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 500 }).run();
    expect(replay).toMatchObject({ state: 'done', inserted: 0 });
    expect(count(o.db, 'events')).toBe(1200);
    expect(o.db.prepare('SELECT count(DISTINCT id) FROM events').pluck().get()).toBe(1200);
    expect(dumpProjections(o.db)).toEqual(proj);
  });

  it('quarantines only the bad events of a page, with field, reason and "cursor <c> #<i>"', async () => {
    const evs: (string | object)[] = makeEvents(50, 23);
    const good = evs.length;
    evs.splice(13, 0, { specversion: '1.0', id: 'no-type', source: '/services/order', time: '2026-01-01T00:00:00Z', data: {} });
    evs.splice(27, 0, { ...(evs[3] as object), id: 'neg', type: 'search.query', data: { session_id: 's', query: 'q', result_count: -1 } });
    evs.splice(31, 0, 'null');
    const f = await feed({ events: evs });
    const o = db();
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 20 }).run();
    expect(s).toMatchObject({ state: 'done', fetched: good + 3, inserted: good, quarantined: 3 });
    const q = o.db.prepare('SELECT origin, location, event_id, field, reason, raw FROM quarantine ORDER BY id').all();
    expect(q).toEqual([
      { origin: `sync:${f.url}`, location: 'cursor (start) #13', event_id: 'no-type', field: 'type', reason: 'missing event type', raw: expect.stringContaining('"no-type"') },
      { origin: `sync:${f.url}`, location: 'cursor c20 #7', event_id: 'neg', field: 'data.result_count', reason: 'must be >= 0', raw: expect.stringContaining('"neg"') },
      { origin: `sync:${f.url}`, location: 'cursor c20 #11', event_id: null, field: '', reason: 'event is not a JSON object', raw: 'null' },
    ]);
    const valid = evs.filter((e): e is { id: string } => typeof e === 'object' && !['no-type', 'neg'].includes((e as { id: string }).id));
    expect(o.db.prepare('SELECT id FROM events ORDER BY seq').pluck().all()).toEqual(valid.map((e) => e.id));
  });

  it('retries 503 with backoff, then succeeds', async () => {
    const f = await feed({ events: makeEvents(100, 24), failFirst: { count: 3, status: 503 } });
    const o = db();
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 40, retry: FAST }).run();
    expect(s).toMatchObject({ state: 'done', inserted: 100, retries: 3 });
  });

  it('retries a malformed page body, then succeeds; gives up clearly if it stays malformed', async () => {
    const f = await feed({ events: makeEvents(100, 25), malformedRequests: [2, 3] });
    const o = db();
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 40, retry: FAST, workers: 0 }).run();
    expect(s).toMatchObject({ state: 'done', inserted: 100, retries: 2 });

    const g = await feed({ events: makeEvents(100, 26), malformedRequests: [2, 3, 4, 5, 6, 7, 8] });
    const o2 = db();
    const s2 = await createSyncEngine({ db: o2.db, platformUrl: g.url, token: g.token, pageSize: 40, retry: { ...FAST, retries: 2 } }).run();
    expect(s2.state).toBe('error');
    expect(s2.error).toMatch(/malformed page at cursor c40.*not JSON.*gave up after 3 attempts/);
    // the first page was committed; resuming continues from its cursor
    expect(count(o2.db, 'events')).toBe(40);
    expect(readSyncState(o2.db, g.url)?.cursor).toBe('c40');
  });

  it('fails fast on 401 with a clear message that does not contain the token', async () => {
    const f = await feed({ events: makeEvents(10, 27), token: 'right' });
    const o = db();
    const t0 = Date.now();
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url, token: 'wrong-secret-token', retry: { retries: 5, baseMs: 1000, maxMs: 5000 } }).run();
    expect(s.state).toBe('error');
    expect(s.error).toMatch(/platform token rejected/);
    expect(s.error).not.toContain('wrong-secret-token');
    expect(s.retries).toBe(0);
    expect(f.requests).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('fails on other 4xx and on an unreachable platform after bounded retries', async () => {
    const f = await feed({ events: [], failFirst: { count: 100, status: 400 } });
    const o = db();
    const s = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, retry: FAST }).run();
    expect(s).toMatchObject({ state: 'error', retries: 0 });
    expect(s.error).toMatch(/HTTP 400.*try later/);
    await f.close();
    const s2 = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, retry: { retries: 2, baseMs: 5, maxMs: 10 } }).run();
    expect(s2).toMatchObject({ state: 'error', retries: 2 });
    expect(s2.error).toMatch(/cannot reach the platform.*gave up after 3 attempts/);
  });

  it('cancel() stops after the current page; a later run resumes without loss', async () => {
    const evs = makeEvents(3000, 28);
    const f = await feed({ events: evs, delayMs: 30 });
    const o = db();
    let engine: ReturnType<typeof createSyncEngine> | null = null;
    engine = createSyncEngine({
      db: o.db, platformUrl: f.url, token: f.token, pageSize: 100,
      onProgress: (p) => {
        if (p.fetched >= 300) engine!.cancel();
      },
    });
    const s = await engine.run();
    expect(s.state).toBe('cancelled');
    expect(s.inserted).toBeGreaterThanOrEqual(300);
    expect(s.inserted).toBeLessThan(3000);
    expect(count(o.db, 'events')).toBe(s.inserted);
    const ac = new AbortController();
    ac.abort();
    expect((await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, signal: ac.signal }).run()).state).toBe('cancelled');
    const rest = await createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 1000 }).run();
    expect(rest).toMatchObject({ state: 'done', fetched: 3000 - s.inserted, total: 3000 - s.inserted });
    expect(o.db.prepare('SELECT id FROM events ORDER BY seq').pluck().all()).toEqual(evs.map((e) => e.id));
  });

  it('follow mode picks up new events until cancelled', async () => {
    const evs = makeEvents(60, 29);
    const live = evs.slice(0, 30);
    const f = await feed({ events: live });
    const o = db();
    const engine = createSyncEngine({ db: o.db, platformUrl: f.url, token: f.token, pageSize: 50, follow: { intervalMs: 20 } });
    const done = engine.run();
    while (count(o.db, 'events') < 30) await new Promise((r) => setTimeout(r, 10));
    live.push(...evs.slice(30)); // the feed grows
    const deadline = Date.now() + 5000;
    while (count(o.db, 'events') < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    engine.cancel();
    const s = await done;
    expect(s.state).toBe('cancelled');
    expect(count(o.db, 'events')).toBe(60);
  });
});

describe('kill and resume', () => {
  it('survives SIGKILL at random points: the final events equal the feed exactly', async () => {
    // 60 pages of 700 at >= 20 ms each: no run can finish inside the kill window below
    const evs = makeEvents(42000, 30);
    const f = await feed({ events: evs, delayMs: 20 });
    const dir = tempDir('marketlens-kill-');
    const file = path.join(dir, 'ws.db');
    openDatabase(file).close();
    const child = fileURLToPath(new URL('./helpers/sync-child.ts', import.meta.url));
    const runChild = (killAfterMs: number | null): Promise<{ code: number | null; signal: string | null }> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [child, file, f.url, f.token, '700'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        const t = killAfterMs === null ? null : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
        p.on('error', reject);
        p.on('exit', (code, signal) => {
          if (t) clearTimeout(t);
          if (code !== 0 && signal === null) reject(new Error(`child failed (${code}): ${err}`));
          else resolve({ code, signal });
        });
      });
    let seed = 12345;
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    let kills = 0;
    for (let i = 0; i < 5; i++) {
      const r = await runChild(250 + Math.floor(rnd() * 400));
      if (r.signal === 'SIGKILL') kills++;
      const o = openDatabase(file);
      const n = count(o.db, 'events');
      const distinct = o.db.prepare('SELECT count(DISTINCT id) FROM events').pluck().get();
      o.close();
      expect(distinct).toBe(n);
      if (r.code === 0) break;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const final = await runChild(null);
    expect(final.code).toBe(0);
    const o = openDatabase(file);
    cleanups.push(() => o.close());
    expect(count(o.db, 'events')).toBe(evs.length);
    expect(o.db.prepare('SELECT id FROM events ORDER BY id').pluck().all()).toEqual(evs.map((e) => e.id).sort());
    expect(o.db.prepare('SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1)').pluck().get()).toBe(0);
    expect(count(o.db, 'quarantine')).toBe(0);
  });
});
