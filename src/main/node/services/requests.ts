/**
 * Worker calls a page can follow and stop: the page names its call with a request id; progress is
 * pushed with that id, and a cancel with the same id aborts it (the worker polls the cancel flag).
 * A new call under an id still running replaces it. Used by funnels and cohorts.
 */
import type { RunOptions } from '../worker/host.ts';

export interface RequestProgress { requestId: string; phase: string; done: number; total: number }

export interface Requests {
  /** run `fn` under `requestId` (no id: plainly, without progress or cancel) */
  run<T>(requestId: string | undefined, fn: (o: RunOptions) => Promise<T>): Promise<T>;
  cancel(requestId: string): { cancelled: boolean };
}

export function createRequests(emit: (p: RequestProgress) => void): Requests {
  const running = new Map<string, AbortController>();
  return {
    async run(requestId, fn) {
      if (!requestId) return fn({});
      const ctrl = new AbortController();
      running.get(requestId)?.abort();
      running.set(requestId, ctrl);
      try {
        return await fn({ signal: ctrl.signal, onProgress: (p) => emit({ requestId, ...p }) });
      } finally {
        if (running.get(requestId) === ctrl) running.delete(requestId);
      }
    },
    cancel(requestId) {
      const c = running.get(requestId);
      c?.abort();
      return { cancelled: c !== undefined };
    },
  };
}
