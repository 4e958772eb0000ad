/** Web-mode transport: loopback only, token, Host/Origin checks, schema validation, SSE pushes, static files with CSP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startWebHost, type WebHost } from '../../../src/main/node/web/host.ts';
import { PushBus } from '../../../src/main/node/services/push-bus.ts';
import type { Services } from '../../../src/main/node/services/index.ts';
import type { Handlers } from '../../../src/main/common/api.ts';

const calls: { method: string; args: unknown }[] = [];
const handlers = new Proxy({}, { get: (_t, method: string) => async (args: unknown) => { calls.push({ method, args }); return { ok: method }; } }) as unknown as Handlers;
const push = new PushBus();
let host: WebHost;

function raw(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(host.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: b, headers: res.headers }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Marketlens</title>');
  host = await startWebHost({ services: { handlers, push } as unknown as Services, rendererDir: dir });
});
afterAll(() => host.close());

const call = (method: string, args: unknown, headers: Record<string, string> = {}) =>
  fetch(`${host.url}/api/call/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(args) });

describe('web host', () => {
  it('binds to loopback and serves the renderer with a strict CSP', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(host.url + '/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    const traversal = await raw('/../../etc/passwd', { Host: new URL(host.url).host });
    expect(traversal.body).not.toContain('root:');
  });
  it('requires the per-launch token', async () => {
    const r = await fetch(`${host.url}/api/call/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(401);
    const wrong = await call('app.info', {}, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
  });
  it('refuses foreign origins and DNS-rebinding Host headers', async () => {
    expect((await call('app.info', {}, { Origin: 'https://evil.example' })).status).toBe(403);
    const rebind = await raw('/api/call/app.info', { Host: 'evil.example', Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' }, 'POST', '{}');
    expect(rebind.status).toBe(403);
  });
  it('validates arguments against the method schema before the handler', async () => {
    calls.length = 0;
    const bad = await call('quarantine.list', { limit: -1 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
    expect((await call('no.such.method', {})).status).toBe(404);
    expect(calls).toHaveLength(0);
    const ok = await call('quarantine.list', { limit: 5 });
    expect(await ok.json()).toEqual({ result: { ok: 'quarantine.list' } });
    expect(calls).toEqual([{ method: 'quarantine.list', args: { limit: 5 } }]);
  });
  it('streams pushes as server-sent events', async () => {
    expect((await fetch(`${host.url}/api/events?token=wrong`)).status).toBe(401);
    const ctrl = new AbortController();
    const r = await fetch(`${host.url}/api/events?token=${host.token}`, { signal: ctrl.signal });
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    const reader = r.body!.getReader();
    setTimeout(() => push.emit('sync.progress', { state: 'running', fetched: 7 } as never), 50);
    let text = '';
    while (!text.includes('event: sync.progress')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"fetched":7');
    ctrl.abort();
  });
});
