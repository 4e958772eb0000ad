/**
 * Small building blocks the capability services share for their scheduled work (the hourly funnel
 * batch, the daily reconciliation, the weekly payouts and RFM runs, the monthly cohort run).
 */
import type { Database } from '../db/index.ts';
import type { Clock } from '../ports/clock.ts';

/** A queue that runs the functions given to it one at a time, in call order; a failure does not block the next. */
export function createSerialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };
}

export interface BackgroundJobOptions {
  db: Database;
  clock: Clock;
  /** how often the job is checked (ms) */
  everyMs: number;
  /** the first check after start (ms; capped at everyMs): where missed runs are caught up */
  firstAfterMs: number;
  /** after a failed tick, skip ticks for this long (ms); 0 = the next tick retries */
  retryAfterMs?: number;
  /** the work of one tick; it decides itself whether anything is due. Throwing means "try again later". */
  tick(now: number): Promise<void>;
}

/**
 * Run `tick` every `everyMs`, never two at once, until the workspace's database closes. A tick that
 * throws (platform down, no data synced yet, worker closed) is retried after `retryAfterMs`; the
 * error is not lost for the user: each job records its failed runs itself where it has any.
 */
export function startBackgroundJob(o: BackgroundJobOptions): void {
  let busy = false;
  let retryAt = 0;
  const run = async (): Promise<void> => {
    if (busy) return;
    if (!o.db.open) {
      clearInterval(timer);
      return;
    }
    const now = o.clock.now();
    if (now < retryAt) return;
    busy = true;
    try {
      await o.tick(now);
    } catch {
      retryAt = o.clock.now() + (o.retryAfterMs ?? 0);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void run(), o.everyMs);
  timer.unref?.();
  setTimeout(() => void run(), Math.min(o.firstAfterMs, o.everyMs)).unref?.();
}
