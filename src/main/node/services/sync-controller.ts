/**
 * Owns the one running sync of a workspace: starts it, reports progress (throttled) to the push
 * bus, cancels it, and keeps following the feed every `pollSeconds` once caught up.
 */
import type { Database } from '../db/index.ts';
import type { SyncStatus } from '../../common/types.ts';
import { createSyncEngine } from '../sync/index.ts';

/** Where to sync from; `sourceKey` names the feed in sync_state when the URL is not stable (the demo platform). */
export interface SyncTarget { url: string; token: string; sourceKey?: string }

export function idleStatus(lastSyncedAt: number | null = null): SyncStatus {
  return {
    state: 'idle', startedAt: null, finishedAt: null, fetched: 0, inserted: 0, duplicates: 0, quarantined: 0,
    eventsPerSec: 0, total: null, cursor: null, lastSyncedAt, retries: 0, error: null,
  };
}

export class SyncController {
  private status: SyncStatus;
  private engine: ReturnType<typeof createSyncEngine> | null = null;
  private running: Promise<SyncStatus> | null = null;
  private followTimer: NodeJS.Timeout | null = null;
  private lastPush = 0;
  private stopped = false;
  private readonly db: Database;
  private readonly target: () => SyncTarget | null;
  private readonly pollSeconds: () => number;
  private readonly onStatus: (s: SyncStatus) => void;
  private readonly onPage: () => void;
  private readonly parseWorkerUrl: URL | string | undefined;

  constructor(opts: {
    db: Database;
    target: () => SyncTarget | null;
    pollSeconds: () => number;
    onStatus: (s: SyncStatus) => void;
    /** called after each committed page with new events */
    onPage: () => void;
    /** page-parse worker entry for bundled builds */
    parseWorkerUrl?: URL | string;
  }) {
    this.db = opts.db;
    this.target = opts.target;
    this.pollSeconds = opts.pollSeconds;
    this.onStatus = opts.onStatus;
    this.onPage = opts.onPage;
    this.parseWorkerUrl = opts.parseWorkerUrl;
    const r = this.db.prepare<[], { t: number | null }>('SELECT max(last_synced_at) AS t FROM sync_state').get();
    this.status = idleStatus(r?.t ?? null);
  }

  current(): SyncStatus {
    return this.status;
  }

  isRunning(): boolean {
    return this.running !== null;
  }

  /** Start a sync unless one is running; resolves immediately with the current status. */
  start(): SyncStatus {
    this.stopped = false;
    if (this.running) return this.status;
    const t = this.target();
    if (!t) throw new Error('no platform is configured: set a platform URL and token, or start the demo workspace');
    this.clearFollow();
    const engine = createSyncEngine({
      db: this.db,
      platformUrl: t.url,
      token: t.token,
      sourceKey: t.sourceKey,
      parseWorkerUrl: this.parseWorkerUrl,
      onProgress: (s: SyncStatus) => this.update(s, false),
    });
    this.engine = engine;
    this.status = { ...idleStatus(this.status.lastSyncedAt), state: 'running', startedAt: Date.now() };
    this.update(this.status, true);
    this.running = engine
      .run()
      .then((s: SyncStatus) => s, (e: Error) => ({ ...this.status, state: 'error' as const, error: e.message, finishedAt: Date.now() }))
      .then((s: SyncStatus) => {
        this.running = null;
        this.engine = null;
        this.update(s, true);
        this.onPage();
        if (s.state === 'done' && !this.stopped) this.scheduleFollow();
        return s;
      });
    return this.status;
  }

  /** Wait for the running sync (if any) to finish. */
  async wait(): Promise<SyncStatus> {
    return this.running ? this.running : this.status;
  }

  cancel(): SyncStatus {
    this.stopped = true;
    this.clearFollow();
    this.engine?.cancel();
    return this.status;
  }

  private update(s: SyncStatus, force: boolean): void {
    const newRows = s.inserted !== this.status.inserted;
    this.status = s;
    const now = Date.now();
    if (force || now - this.lastPush >= 200) {
      this.lastPush = now;
      this.onStatus(s);
    }
    if (newRows) this.onPage();
  }

  private scheduleFollow(): void {
    const secs = this.pollSeconds();
    if (secs <= 0) return;
    this.followTimer = setTimeout(() => {
      this.followTimer = null;
      if (!this.stopped && !this.running && this.target()) {
        try {
          this.start();
        } catch {
          /* target removed meanwhile */
        }
      }
    }, secs * 1000);
    this.followTimer.unref?.();
  }

  private clearFollow(): void {
    if (this.followTimer) clearTimeout(this.followTimer);
    this.followTimer = null;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.clearFollow();
    this.engine?.cancel();
    await this.running?.catch(() => undefined);
  }
}
