/**
 * The sync engine: pulls the platform's CloudEvents feed (`GET {url}/v1/events?cursor=&limit=`)
 * page by page into the store.
 *
 * - Each page is written in ONE transaction together with the page's next cursor in `sync_state`,
 *   so a crash at any point resumes from the last committed cursor: nothing lost, nothing twice
 *   (and dedup by event id also absorbs replays and overlapping pages).
 * - Pipelined: the fetch (and parse, in a worker thread) of page N+1 runs while page N is written.
 * - Retries network errors, timeouts, 5xx, 429 and malformed pages with bounded exponential backoff
 *   and jitter; 401 and other 4xx fail at once with a clear message. The token is never logged.
 * - Bad events inside a good page are quarantined with location "cursor <c> #<index>".
 * - cancel() (or the AbortSignal) stops after the page being written; state "cancelled".
 * - follow mode keeps polling for new events every `intervalMs` once caught up, until cancelled.
 */
import type { Database, Statement } from '../db/sqlite.ts';
import type { SyncStatus } from '../../common/types.ts';
import { createIngestor, type Ingestor } from '../ingest/ingestor.ts';
import { createPreparePool, type PreparePool } from '../ingest/pool.ts';
import { preparePage, type PageResult } from '../ingest/tasks.ts';
import { CancelledError, DEFAULT_RETRY, SyncHttpError, backoffMs, getOnce, sleep, type FetchFn, type RetryPolicy } from './http.ts';

export interface SyncOptions {
  db: Database;
  /** base URL of the platform API, e.g. http://127.0.0.1:4010 */
  platformUrl: string;
  token: string;
  /** injectable fetch (tests); default global fetch */
  fetch?: FetchFn;
  /** events per page (default 5000; the platform allows up to 10000) */
  pageSize?: number;
  onProgress?: (s: SyncStatus) => void;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** per-request timeout, ms (default 30000) */
  timeoutMs?: number;
  /** keep polling for new events once caught up */
  follow?: { intervalMs: number };
  /** page parse workers (default 1; 0 = parse on this thread). Started on the first large page. */
  workers?: number;
  /** stop after this many pages (tests, demos) */
  maxPages?: number;
  /** random source for backoff jitter (tests) */
  random?: () => number;
  /** the page-parse worker entry (Electron passes its bundled file); default: the TS source under Node */
  parseWorkerUrl?: URL | string;
  /** the key of this feed in `sync_state` (default: the platform URL); the demo platform's URL changes per launch, its feed does not */
  sourceKey?: string;
}

interface SyncStateRow { cursor: string | null; last_synced_at: number | null }

/** The key of a platform in `sync_state` (its URL without trailing slashes). */
export function syncSourceKey(platformUrl: string): string {
  return platformUrl.trim().replace(/\/+$/, '');
}

/** The committed cursor and last sync time for a platform. */
export function readSyncState(db: Database, platformUrl: string): SyncStateRow | null {
  return db.prepare<[string], SyncStateRow>('SELECT cursor, last_synced_at FROM sync_state WHERE source = ?').get(syncSourceKey(platformUrl)) ?? null;
}

/** Forget the cursor of a platform, so the next sync starts from the beginning (dedup keeps it idempotent). */
export function resetSyncState(db: Database, platformUrl: string): void {
  db.prepare('DELETE FROM sync_state WHERE source = ?').run(syncSourceKey(platformUrl));
}

interface FetchedPage { cursor: string | null; page: Extract<PageResult, { ok: true }> }

export class SyncEngine {
  private readonly opts: SyncOptions;
  private readonly base: string;
  private readonly key: string;
  private readonly retry: RetryPolicy;
  private readonly ctrl = new AbortController();
  private cancelRequested = false;
  private st: SyncStatus;
  private runPromise: Promise<SyncStatus> | null = null;
  private readonly upsertState: Statement;
  private readonly ingestor: Ingestor;
  private storedBefore = 0;

  constructor(opts: SyncOptions) {
    this.opts = opts;
    this.base = syncSourceKey(opts.platformUrl);
    if (!/^https?:\/\//i.test(this.base)) throw new Error(`platform URL must start with http:// or https:// (got "${this.base}")`);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.key = opts.sourceKey ?? this.base;
    const prev = readSyncState(opts.db, this.key);
    this.st = {
      state: 'idle', startedAt: null, finishedAt: null, fetched: 0, inserted: 0, duplicates: 0, quarantined: 0,
      eventsPerSec: 0, total: null, cursor: prev?.cursor ?? null, lastSyncedAt: prev?.last_synced_at ?? null, retries: 0, error: null,
    };
    this.upsertState = opts.db.prepare(`INSERT INTO sync_state (source, cursor, updated_at, last_synced_at, last_event_time)
      VALUES (@source, @cursor, @now, @synced, @eventTime)
      ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at,
        last_synced_at = coalesce(excluded.last_synced_at, sync_state.last_synced_at),
        last_event_time = CASE
          WHEN excluded.last_event_time IS NULL THEN sync_state.last_event_time
          WHEN sync_state.last_event_time IS NULL THEN excluded.last_event_time
          ELSE max(sync_state.last_event_time, excluded.last_event_time) END`);
    this.ingestor = createIngestor(opts.db, { origin: `sync:${this.base}` });
    if (opts.signal) {
      if (opts.signal.aborted) this.cancel();
      else opts.signal.addEventListener('abort', () => this.cancel(), { once: true });
    }
  }

  status(): SyncStatus {
    return { ...this.st };
  }

  /** Stop after the page being written (an in-flight fetch is aborted). */
  cancel(): void {
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    this.ctrl.abort();
  }

  run(): Promise<SyncStatus> {
    if (!this.runPromise) this.runPromise = this.doRun();
    return this.runPromise;
  }

  private emit(): void {
    const s = this.st;
    const secs = s.startedAt ? (Date.now() - s.startedAt) / 1000 : 0;
    s.eventsPerSec = secs > 0 ? Math.round(s.fetched / secs) : 0;
    try {
      this.opts.onProgress?.({ ...s });
    } catch {
      // a failing listener must not break the sync
    }
  }

  private async doRun(): Promise<SyncStatus> {
    const s = this.st;
    s.state = 'running';
    s.startedAt = Date.now();
    s.error = null;
    this.storedBefore = s.cursor === null ? 0 : (this.opts.db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck().get() ?? 0);
    this.emit();
    if (this.cancelRequested) return this.finish('cancelled');
    const pool = new LazyPool(this.opts.workers ?? 1, this.opts.parseWorkerUrl);
    let next: Promise<FetchedPage> | null = null;
    try {
      let pages = 0;
      next = this.fetchPage(s.cursor, pool);
      while (next) {
        const fp: FetchedPage = await next;
        next = null;
        const { page } = fp;
        pages++;
        const more = page.hasMore && !this.cancelRequested && (this.opts.maxPages === undefined || pages < this.opts.maxPages);
        if (more) {
          next = this.fetchPage(page.nextCursor, pool);
          next.catch(() => undefined); // observed below; avoid an unhandled rejection if we stop early
        }
        this.writePage(page);
        this.emit();
        if (this.cancelRequested) return this.finish('cancelled');
        if (!page.hasMore && this.opts.follow) {
          await sleep(this.opts.follow.intervalMs, this.ctrl.signal);
          next = this.fetchPage(page.nextCursor, pool);
        }
      }
      return this.finish(this.cancelRequested ? 'cancelled' : 'done');
    } catch (e) {
      if (e instanceof CancelledError || this.cancelRequested) return this.finish('cancelled');
      s.error = e instanceof Error ? e.message : String(e);
      return this.finish('error');
    } finally {
      await pool.close();
    }
  }

  private finish(state: SyncStatus['state']): SyncStatus {
    this.st.state = state;
    this.st.finishedAt = Date.now();
    this.emit();
    return { ...this.st };
  }

  private writePage(page: Extract<PageResult, { ok: true }>): void {
    const s = this.st;
    const now = Date.now();
    const counts = this.ingestor.writePrepared(page.batch, (c) => {
      this.upsertState.run({
        source: this.key, cursor: page.nextCursor, now, synced: page.hasMore ? null : now, eventTime: c.maxTime,
      });
    });
    s.fetched += page.batch.total;
    s.inserted += counts.inserted;
    s.duplicates += counts.duplicates;
    s.quarantined += counts.quarantined;
    s.cursor = page.nextCursor;
    // SyncStatus.total is this run's expected total (fetched + remaining): the platform's whole-feed
    // estimate less what was stored before this run (max(seq) approximates it cheaply; clamped).
    if (page.totalEstimate !== null) s.total = Math.max(s.fetched, page.totalEstimate - this.storedBefore);
    if (!page.hasMore) s.lastSyncedAt = now;
  }

  /** Fetch and parse one page, retrying transient failures and malformed bodies. */
  private async fetchPage(cursor: string | null, pool: LazyPool): Promise<FetchedPage> {
    const fetchFn: FetchFn = this.opts.fetch ?? ((url, init) => fetch(url, init));
    const limit = Math.max(1, Math.min(10000, this.opts.pageSize ?? 5000));
    const url = `${this.base}/v1/events?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const where = cursor ?? '(start)';
    for (let attempt = 0; ; attempt++) {
      let failure: SyncHttpError;
      try {
        const body = await getOnce(fetchFn, url, this.opts.token, this.opts.timeoutMs ?? 30_000, this.ctrl.signal);
        const page = await pool.page(body, where);
        if (page.ok) return { cursor, page };
        failure = new SyncHttpError(`platform sent a malformed page at cursor ${where}: ${page.error}`, 200, true);
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        if (!(e instanceof SyncHttpError)) throw e;
        failure = e;
      }
      if (!failure.retryable) throw failure;
      if (attempt >= this.retry.retries) {
        throw new Error(`${failure.message} (gave up after ${attempt + 1} attempts)`);
      }
      this.st.retries++;
      this.emit();
      const wait = Math.max(backoffMs(attempt + 1, this.retry, this.opts.random), Math.min(failure.retryAfterMs ?? 0, this.retry.maxMs));
      await sleep(wait, this.ctrl.signal);
    }
  }
}

/** Pages below this size are parsed inline: a worker round trip is not worth it (follow-mode polls). */
const INLINE_PAGE_BYTES = 256 * 1024;

/** Starts the parse workers on the first large page; falls back to inline parsing if they cannot start. */
class LazyPool {
  private pool: PreparePool | null = null;
  private readonly workers: number;
  private readonly workerUrl: URL | string | undefined;
  constructor(workers: number, workerUrl?: URL | string) {
    this.workers = workers;
    this.workerUrl = workerUrl;
  }
  page(body: string, cursor: string): Promise<PageResult> {
    if (this.workers > 0 && !this.pool && body.length >= INLINE_PAGE_BYTES) {
      try {
        this.pool = createPreparePool({ workers: this.workers, workerUrl: this.workerUrl });
      } catch {
        this.pool = createPreparePool({ workers: 0 });
      }
    }
    if (this.pool && body.length >= INLINE_PAGE_BYTES) return this.pool.page(body, cursor);
    return Promise.resolve(preparePage(body, cursor));
  }
  async close(): Promise<void> {
    await this.pool?.close();
  }
}

export function createSyncEngine(opts: SyncOptions): SyncEngine {
  return new SyncEngine(opts);
}
