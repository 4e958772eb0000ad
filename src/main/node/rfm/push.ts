/**
 * Push each customer's RFM segment to the platform's `POST /v1/segments` (docs/platform-api.md,
 * docs/rfm.md "Push"):
 *
 * - only customers whose segment differs from the last state the platform acknowledged
 *   (`rfm_push_state`) are sent;
 * - the changes are cut into batches whose bodies and idempotency keys are stored before the first
 *   request, so a retried or resumed batch is the identical request and the platform applies it once;
 * - network errors, timeouts, 429 and 5xx are retried with exponential backoff (the sync client's
 *   policy); 401 and other 4xx fail at once;
 * - a batch's acknowledgement and the pushed state of its customers are committed together; a push
 *   that fails stays `failed` and the next push resumes it first, from its first unsent batch.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { backoffMs, DEFAULT_RETRY, sleep, SyncHttpError, type RetryPolicy } from '../sync/http.ts';
import { changedCustomers, getPush, getRun } from './store.ts';
import type { RfmPushInfo } from '../../common/api-rfm.ts';

export const PUSH_BATCH_SIZE = 5_000;

export interface PushOptions {
  platform: { url: string; token: string };
  actor: string;
  now: () => number;
  batchSize?: number;
  retry?: RetryPolicy;
  timeoutMs?: number;
  fetchFn?: typeof fetch;
  /** called after each acknowledged batch */
  onBatch?: (push: RfmPushInfo) => void;
}

export class PushError extends Error {
  readonly push: RfmPushInfo;
  constructor(message: string, push: RfmPushInfo) {
    super(message);
    this.name = 'PushError';
    this.push = push;
  }
}

/** The platform run id of an RFM run: `rfm-<as-of>-r<run id>`. */
export function platformRunId(asOf: string, runId: number): string {
  return `rfm-${asOf}-r${runId}`;
}

/** Create the push of `runId`'s changes with its batches (nothing sent yet). Returns the push id. */
export function createPush(db: Database, runId: number, o: Pick<PushOptions, 'platform' | 'actor' | 'now' | 'batchSize'>): number {
  const run = getRun(db, runId);
  if (run.status !== 'done') throw new Error(`RFM run ${runId} is ${run.status}: nothing to push`);
  const size = o.batchSize ?? PUSH_BATCH_SIZE;
  return db.transaction(() => {
    const changes = changedCustomers(db, runId);
    const batches = Math.ceil(changes.length / size);
    const pushId = Number(db.prepare(
      "INSERT INTO rfm_pushes (run_id, platform_url, actor, status, started_at, changes, batches) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
    ).run(runId, o.platform.url, o.actor, o.now(), changes.length, batches).lastInsertRowid);
    const nonce = randomBytes(6).toString('hex');
    const ins = db.prepare("INSERT INTO rfm_push_batches (push_id, batch_no, idempotency_key, body, customers, status) VALUES (?, ?, ?, ?, ?, 'pending')");
    const rid = platformRunId(run.as_of, runId);
    for (let b = 0; b < batches; b++) {
      const part = changes.slice(b * size, (b + 1) * size);
      const body = { run_id: rid, segments: part.map((c) => ({ customer_id: c.customerId, segment: c.to })) };
      ins.run(pushId, b + 1, `marketlens-rfm-${runId}-${pushId}-${nonce}-${b + 1}`, JSON.stringify(body), part.length);
    }
    if (batches === 0) db.prepare("UPDATE rfm_pushes SET status = 'done', finished_at = ? WHERE id = ?").run(o.now(), pushId);
    return pushId;
  })();
}

/** Send the unsent batches of a push, in order. Resolves with the finished push; throws PushError when it fails. */
export async function sendPush(db: Database, pushId: number, o: PushOptions): Promise<RfmPushInfo> {
  const push = getPush(db, pushId);
  if (push.status === 'done') return push;
  const batches = db.prepare<[number], { batch_no: number; idempotency_key: string; body: string; customers: number }>(
    "SELECT batch_no, idempotency_key, body, customers FROM rfm_push_batches WHERE push_id = ? AND status = 'pending' ORDER BY batch_no",
  ).all(pushId);
  const runId = push.runId;
  const ack = db.transaction((b: { batch_no: number; body: string }, response: string, at: number) => {
    db.prepare("UPDATE rfm_push_batches SET status = 'sent', sent_at = ?, response = ? WHERE push_id = ? AND batch_no = ?").run(at, response, pushId, b.batch_no);
    const up = db.prepare(
      `INSERT INTO rfm_push_state (customer_id, segment, run_id, push_id, pushed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET segment = excluded.segment, run_id = excluded.run_id, push_id = excluded.push_id, pushed_at = excluded.pushed_at`,
    );
    for (const s of (JSON.parse(b.body) as { segments: { customer_id: string; segment: string }[] }).segments) up.run(s.customer_id, s.segment, runId, pushId, at);
    db.prepare('UPDATE rfm_pushes SET sent_batches = sent_batches + 1 WHERE id = ?').run(pushId);
  });
  const url = new URL('v1/segments', o.platform.url.endsWith('/') ? o.platform.url : o.platform.url + '/').toString();
  db.prepare("UPDATE rfm_pushes SET status = 'pending', error = NULL WHERE id = ?").run(pushId);
  try {
    for (const b of batches) {
      const response = await postWithRetry(url, b.idempotency_key, b.body, o, () => {
        db.prepare('UPDATE rfm_push_batches SET attempts = attempts + 1 WHERE push_id = ? AND batch_no = ?').run(pushId, b.batch_no);
        db.prepare('UPDATE rfm_pushes SET attempts = attempts + 1 WHERE id = ?').run(pushId);
      });
      ack(b, response, o.now());
      o.onBatch?.(getPush(db, pushId));
    }
  } catch (e) {
    db.prepare("UPDATE rfm_pushes SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run((e as Error).message, o.now(), pushId);
    throw new PushError((e as Error).message, getPush(db, pushId));
  }
  db.prepare("UPDATE rfm_pushes SET status = 'done', error = NULL, finished_at = ? WHERE id = ?").run(o.now(), pushId);
  return getPush(db, pushId);
}

async function postWithRetry(url: string, key: string, body: string, o: PushOptions, onAttempt: () => void): Promise<string> {
  const policy = o.retry ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    onAttempt();
    try {
      return await postOnce(url, key, body, o);
    } catch (e) {
      if (!(e instanceof SyncHttpError) || !e.retryable || attempt >= policy.retries) throw e;
      await sleep(e.retryAfterMs ?? backoffMs(attempt + 1, policy));
    }
  }
}

async function postOnce(url: string, key: string, body: string, o: PushOptions): Promise<string> {
  const fetchFn = o.fetchFn ?? fetch;
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: 'POST', body, signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
      headers: { authorization: `Bearer ${o.platform.token}`, 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': key },
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new SyncHttpError(`cannot reach the platform: ${(e as Error).message}${cause ? ` (${cause})` : ''}`, null, true);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new SyncHttpError(`connection lost while reading the answer: ${(e as Error).message}`, res.status, true);
  }
  if (res.status >= 200 && res.status < 300) return text;
  const detail = errorMessage(text);
  const retryAfter = Number(res.headers.get('retry-after'));
  const after = Number.isFinite(retryAfter) && retryAfter >= 0 && res.headers.get('retry-after') !== null ? retryAfter * 1000 : null;
  if (res.status === 401) throw new SyncHttpError('platform token rejected (HTTP 401): check the platform token in Settings', 401, false);
  if (res.status === 429 || res.status >= 500) throw new SyncHttpError(`platform error (HTTP ${res.status})${detail}`, res.status, true, after);
  throw new SyncHttpError(`platform rejected the segments (HTTP ${res.status})${detail}`, res.status, false);
}

function errorMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } };
    if (j.error?.message) return `: ${j.error.message}`;
  } catch {
    /* not JSON */
  }
  return text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
}
