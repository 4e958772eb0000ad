/**
 * One feed request with bounded retries: network errors, timeouts, 5xx and 429 are retried with
 * exponential backoff and jitter; other 4xx fail at once with a clear message. The token goes in
 * the Authorization header only and never into messages or logs.
 */
export interface RetryPolicy {
  /** retries after the first attempt */
  retries: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, baseMs: 250, maxMs: 15_000 };

export class SyncHttpError extends Error {
  readonly status: number | null;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  constructor(message: string, status: number | null, retryable: boolean, retryAfterMs: number | null = null) {
    super(message);
    this.name = 'SyncHttpError';
    this.status = status;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

export class CancelledError extends Error {
  constructor() {
    super('sync cancelled');
    this.name = 'CancelledError';
  }
}

export type FetchFn = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

/** Backoff before retry number `attempt` (1-based): base * 2^(attempt-1), capped, with 50-100% jitter. */
export function backoffMs(attempt: number, p: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random() / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfter(h: string | null): number | null {
  if (!h) return null;
  const secs = Number(h);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** GET `url` once; resolves with the body text of a 2xx, throws SyncHttpError otherwise. */
export async function getOnce(fetchFn: FetchFn, url: string, token: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: both });
  } catch (e) {
    if (signal.aborted) throw new CancelledError();
    if (timeout.aborted) throw new SyncHttpError(`platform did not answer within ${Math.round(timeoutMs / 1000)} s`, null, true);
    throw new SyncHttpError(`cannot reach the platform: ${describeNetworkError(e)}`, null, true);
  }
  if (res.status >= 200 && res.status < 300) {
    try {
      return await res.text();
    } catch (e) {
      if (signal.aborted) throw new CancelledError();
      throw new SyncHttpError(`connection lost while reading a page: ${describeNetworkError(e)}`, res.status, true);
    }
  }
  const detail = await errorDetail(res);
  if (res.status === 401) throw new SyncHttpError('platform token rejected (HTTP 401): check the platform token in Settings', 401, false);
  if (res.status === 403) throw new SyncHttpError(`platform refused access to the event feed (HTTP 403)${detail}`, 403, false);
  if (res.status === 429) throw new SyncHttpError(`platform rate limit (HTTP 429)${detail}`, 429, true, retryAfter(res.headers.get('retry-after')));
  if (res.status >= 500) throw new SyncHttpError(`platform error (HTTP ${res.status})${detail}`, res.status, true, retryAfter(res.headers.get('retry-after')));
  throw new SyncHttpError(`platform rejected the feed request (HTTP ${res.status})${detail}`, res.status, false);
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 500);
    try {
      const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const m = typeof j.error === 'object' && j.error ? j.error.message : (j.message ?? j.error);
      if (typeof m === 'string' && m) return `: ${m}`;
    } catch {
      // not JSON
    }
    return text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause?.code ?? err?.cause?.message;
  return cause ? `${err.message ?? 'fetch failed'} (${cause})` : (err?.message ?? String(e));
}
