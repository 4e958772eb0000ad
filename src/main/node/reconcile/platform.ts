/**
 * The platform's settlement reports and ledger over HTTP (docs/platform-api.md): the bytes exactly
 * as received (they are hashed and stored), with bounded retries on network errors and 5xx. A 404
 * means "no report for that date" (outside the platform's history) and is not an error.
 */
import { backoffMs, sleep } from '../sync/http.ts';

export interface PlatformTarget { url: string; token: string }

export class PlatformError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.name = 'PlatformError';
    this.status = status;
  }
}

export interface Fetched { bytes: Uint8Array; path: string }

const RETRY = { retries: 3, baseMs: 300, maxMs: 5000 };

/** GET a platform path; null on 404. */
export async function platformGet(p: PlatformTarget, path: string, timeoutMs = 60_000): Promise<Fetched | null> {
  const url = p.url.replace(/\/+$/, '') + path;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${p.token}`, accept: 'application/json, text/csv' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      if (attempt < RETRY.retries) {
        await sleep(backoffMs(attempt + 1, RETRY));
        continue;
      }
      throw new PlatformError(`cannot reach the platform for ${path}: ${(e as Error).message}`, null);
    }
    if (res.ok) return { bytes: new Uint8Array(await res.arrayBuffer()), path };
    const text = await res.text().catch(() => '');
    if (res.status === 404) return null;
    if ((res.status >= 500 || res.status === 429) && attempt < RETRY.retries) {
      await sleep(backoffMs(attempt + 1, RETRY));
      continue;
    }
    let detail = '';
    try {
      const j = JSON.parse(text) as { error?: { message?: string } };
      if (j.error?.message) detail = `: ${j.error.message}`;
    } catch {
      detail = text ? `: ${text.slice(0, 200)}` : '';
    }
    if (res.status === 401) throw new PlatformError('platform token rejected (HTTP 401): check the platform token in Settings', 401);
    throw new PlatformError(`platform answered HTTP ${res.status} for ${path}${detail}`, res.status);
  }
}

export function settlementPath(gateway: string, date: string): string {
  return `/v1/settlements?gateway=${encodeURIComponent(gateway)}&date=${date}&format=json`;
}

export function ledgerPath(date: string): string {
  return `/v1/ledger/captures?date=${date}`;
}
