import { describe, expect, it } from 'vitest';
import { ApiCallError, createWebClient, parseCallResponse, type EventSourceLike, type FetchLike } from '../../../src/renderer/api/webClient.ts';
import { cleanIpcMessage, createElectronClient } from '../../../src/renderer/api/electronClient.ts';

function fakeFetch(status: number, body: string) {
  const calls: { url: string; init: Parameters<FetchLike>[1] }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return { ok: status >= 200 && status < 300, status, text: async () => body };
  };
  return { fetch, calls };
}

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onerror: ((ev: unknown) => void) | null = null;
  listeners = new Map<string, Set<(ev: { data: string }) => void>>();
  closed = false;
  url: string;
  constructor(url: string) {
    this.url = url;
  }
  addEventListener(type: string, l: (ev: { data: string }) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(l);
  }
  removeEventListener(type: string, l: (ev: { data: string }) => void) {
    this.listeners.get(type)?.delete(l);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, data: string) {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
}

describe('web client calls', () => {
  it('POSTs JSON with the bearer token and returns result', async () => {
    const f = fakeFetch(200, JSON.stringify({ result: { tokenSet: true } }));
    const c = createWebClient({ token: 'tok', fetch: f.fetch });
    await expect(c.call('settings.setToken', { token: 'x' })).resolves.toEqual({ tokenSet: true });
    expect(f.calls[0]!.url).toBe('/api/call/settings.setToken');
    expect(f.calls[0]!.init).toEqual({
      method: 'POST',
      headers: { Authorization: 'Bearer tok', 'Content-Type': 'application/json' },
      body: '{"token":"x"}',
    });
  });
  it('sends {} for methods without arguments', async () => {
    const f = fakeFetch(200, '{"result":null}');
    const c = createWebClient({ token: 't', fetch: f.fetch, baseUrl: 'http://127.0.0.1:9/' });
    await c.call('sync.cancel', undefined);
    expect(f.calls[0]!.url).toBe('http://127.0.0.1:9/api/call/sync.cancel');
    expect(f.calls[0]!.init.body).toBe('{}');
  });
  it("throws the server's message on errors", async () => {
    const f = fakeFetch(400, JSON.stringify({ error: { code: 'bad_args', message: 'limit: must be <= 1000' } }));
    const c = createWebClient({ token: 't', fetch: f.fetch });
    const err = await c.call('quarantine.list', { limit: 5000 } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).message).toBe('limit: must be <= 1000');
    expect((err as ApiCallError).code).toBe('bad_args');
    expect((err as ApiCallError).status).toBe(400);
  });
  it('handles non-JSON error bodies and network failures', async () => {
    expect(() => parseCallResponse(502, false, 'Bad Gateway')).toThrow('HTTP 502: Bad Gateway');
    expect(() => parseCallResponse(500, false, '')).toThrow('HTTP 500');
    expect(() => parseCallResponse(200, true, 'oops')).toThrow(/malformed/);
    expect(parseCallResponse(200, true, '{"result":[1,2]}')).toEqual([1, 2]);
    const c = createWebClient({ token: 't', fetch: async () => { throw new TypeError('Failed to fetch'); } });
    await expect(c.call('app.info', undefined)).rejects.toThrow(/cannot reach.*Failed to fetch/);
  });
});

describe('web client pushes', () => {
  it('opens one EventSource with the token and dispatches named events', () => {
    const sources: FakeEventSource[] = [];
    const c = createWebClient({ token: 'a b', fetch: fakeFetch(200, '{}').fetch, eventSource: (u) => { const s = new FakeEventSource(u); sources.push(s); return s; } });
    const got: unknown[] = [];
    const un1 = c.subscribe('sync.progress', (p) => got.push(['sync', p.state]));
    c.subscribe('alert.fired', (p) => got.push(['alert', p.id]));
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('/api/events?token=a%20b');
    sources[0]!.emit('sync.progress', JSON.stringify({ state: 'running' }));
    sources[0]!.emit('alert.fired', JSON.stringify({ id: 7 }));
    sources[0]!.emit('alert.fired', 'not json');
    un1();
    sources[0]!.emit('sync.progress', JSON.stringify({ state: 'done' }));
    expect(got).toEqual([['sync', 'running'], ['alert', 7]]);
  });
  it('re-opens the stream after the browser gives up on it', () => {
    const sources: FakeEventSource[] = [];
    const timers: (() => void)[] = [];
    const delays: number[] = [];
    const c = createWebClient({
      token: 't', fetch: fakeFetch(200, '{}').fetch, reconnectMs: 1000,
      eventSource: (u) => { const s = new FakeEventSource(u); sources.push(s); return s; },
      setTimeout: (fn, ms) => { timers.push(fn); delays.push(ms); },
    });
    const got: string[] = [];
    c.subscribe('live.update', (p) => got.push(p.day));
    sources[0]!.readyState = 0; // CONNECTING: the browser retries by itself
    sources[0]!.onerror?.({});
    expect(timers).toHaveLength(0);
    sources[0]!.readyState = 2; // CLOSED
    sources[0]!.onerror?.({});
    expect(sources[0]!.closed).toBe(true);
    timers.shift()!();
    expect(sources).toHaveLength(2);
    sources[1]!.emit('live.update', JSON.stringify({ day: '2026-02-21' }));
    expect(got).toEqual(['2026-02-21']);
    // backs off while the server keeps refusing, and resets once a stream opens
    sources[1]!.readyState = 2;
    sources[1]!.onerror?.({});
    timers.shift()!();
    sources[2]!.readyState = 2;
    sources[2]!.onerror?.({});
    timers.shift()!();
    sources[3]!.emit('open', '');
    sources[3]!.readyState = 2;
    sources[3]!.onerror?.({});
    expect(delays).toEqual([1000, 2000, 4000, 1000]);
  });
});

describe('electron client', () => {
  it('calls the bridge and cleans IPC error prefixes', async () => {
    const seen: unknown[] = [];
    const bridge = {
      api: new Proxy({}, {
        get: (_t, name) => async (args: unknown) => {
          seen.push([name, args]);
          if (name === 'alerts.ack') throw new Error("Error invoking remote method 'api:alerts.ack': Error: no alert 5");
          return { ok: true };
        },
      }),
      on: () => () => {},
    };
    const c = createElectronClient(bridge as never);
    await expect(c.call('app.info', undefined)).resolves.toEqual({ ok: true });
    expect(seen[0]).toEqual(['app.info', {}]);
    await expect(c.call('alerts.ack', { id: 5 })).rejects.toThrow(/^no alert 5$/);
    expect(cleanIpcMessage('plain')).toBe('plain');
  });
});
