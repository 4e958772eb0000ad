/**
 * Web mode: the page talks to the services over loopback HTTP.
 * - Calls: POST /api/call/<method>, bearer token, JSON body; 200 -> {"result": ...},
 *   non-2xx -> {"error": {"code", "message"}}.
 * - Pushes: one EventSource on /api/events?token=..., one named SSE event per push.
 */
import type { ApiClient, ApiErrorBody, ApiMethod, PushName } from '../../main/common/api.ts';

export class ApiCallError extends Error {
  readonly code: ApiErrorBody['code'] | 'http' | 'network';
  readonly status: number;
  constructor(message: string, code: ApiCallError['code'], status: number) {
    super(message);
    this.name = 'ApiCallError';
    this.code = code;
    this.status = status;
  }
}

/** The subset of fetch the client uses. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/** The subset of EventSource the client uses. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (ev: { data: string }) => void): void;
  removeEventListener(type: string, listener: (ev: { data: string }) => void): void;
  onerror: ((ev: any) => void) | null;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

export interface WebClientOptions {
  token: string;
  /** origin or path prefix before /api; '' for the page's origin */
  baseUrl?: string;
  fetch: FetchLike;
  eventSource?: EventSourceFactory;
  /** first delay before re-opening a closed EventSource, ms (doubles up to 30 s until it opens) */
  reconnectMs?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
}

export function callUrl(baseUrl: string, method: ApiMethod): string {
  return `${baseUrl}/api/call/${encodeURIComponent(method)}`;
}

export function eventsUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/api/events?token=${encodeURIComponent(token)}`;
}

/** Turn an HTTP response (status + body text) into the call's result, or throw. */
export function parseCallResponse(status: number, ok: boolean, text: string): unknown {
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (ok) {
    if (body && typeof body === 'object' && 'result' in body) return (body as { result: unknown }).result;
    if (body && typeof body === 'object' && 'error' in body) throw errorFrom(body, status);
    throw new ApiCallError(`malformed response from server (HTTP ${status})`, 'http', status);
  }
  if (body && typeof body === 'object' && 'error' in body) throw errorFrom(body, status);
  const snippet = text.trim().slice(0, 200);
  throw new ApiCallError(snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`, 'http', status);
}

function errorFrom(body: object, status: number): ApiCallError {
  const e = (body as { error: unknown }).error;
  if (e && typeof e === 'object') {
    const { code, message } = e as Partial<ApiErrorBody>;
    return new ApiCallError(typeof message === 'string' ? message : `HTTP ${status}`, (code as ApiErrorBody['code']) ?? 'failed', status);
  }
  return new ApiCallError(typeof e === 'string' ? e : `HTTP ${status}`, 'failed', status);
}

const CLOSED = 2;

export function createWebClient(opts: WebClientOptions): ApiClient & { close(): void } {
  const baseUrl = (opts.baseUrl ?? '').replace(/\/+$/, '');
  const reconnectMs = opts.reconnectMs ?? 2000;
  let delay = reconnectMs;
  const later = opts.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const listeners = new Map<string, Set<(payload: any) => void>>();
  const bound = new Map<string, (ev: { data: string }) => void>();
  let source: EventSourceLike | null = null;
  let closed = false;
  let reconnectPending = false;

  function dispatcher(name: string): (ev: { data: string }) => void {
    return (ev) => {
      let payload: unknown;
      try {
        payload = JSON.parse(ev.data);
      } catch {
        return;
      }
      for (const l of [...(listeners.get(name) ?? [])]) {
        try {
          l(payload);
        } catch (err) {
          console.error(`push listener for ${name} failed`, err);
        }
      }
    };
  }

  function open(): void {
    if (!opts.eventSource || closed || source) return;
    const es = opts.eventSource(eventsUrl(baseUrl, opts.token));
    source = es;
    for (const [name, fn] of bound) es.addEventListener(name, fn);
    es.addEventListener('open', () => {
      delay = reconnectMs;
    });
    // EventSource reconnects by itself after network errors; it gives up (CLOSED) on HTTP errors
    // such as a restarting server, so re-open it after a pause.
    es.onerror = () => {
      if (es.readyState !== CLOSED || reconnectPending) return;
      es.close();
      if (source === es) source = null;
      reconnectPending = true;
      later(() => {
        reconnectPending = false;
        if (listeners.size > 0) open();
      }, delay);
      delay = Math.min(delay * 2, 30_000);
    };
  }

  return {
    async call(method, args) {
      let res;
      try {
        res = await opts.fetch(callUrl(baseUrl, method), {
          method: 'POST',
          headers: { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(args ?? {}),
        });
      } catch (err) {
        throw new ApiCallError(`cannot reach the Marketlens service: ${err instanceof Error ? err.message : String(err)}`, 'network', 0);
      }
      const text = await res.text();
      return parseCallResponse(res.status, res.ok, text) as any;
    },
    subscribe(name: PushName, listener) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
        const fn = dispatcher(name);
        bound.set(name, fn);
        source?.addEventListener(name, fn);
      }
      set.add(listener as (payload: any) => void);
      open();
      return () => {
        const s = listeners.get(name);
        if (!s) return;
        s.delete(listener as (payload: any) => void);
        if (s.size === 0) {
          listeners.delete(name);
          const fn = bound.get(name);
          bound.delete(name);
          if (fn) source?.removeEventListener(name, fn);
        }
      };
    },
    close() {
      closed = true;
      source?.close();
      source = null;
    },
  };
}
