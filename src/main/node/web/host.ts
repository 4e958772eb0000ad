/**
 * Web mode: the renderer and the API over loopback HTTP.
 *
 * - Binds 127.0.0.1 only. Every API request needs the per-launch bearer token (random, 256 bit).
 * - Host header must be the loopback origin (defeats DNS rebinding); a present Origin header must
 *   equal our own origin (defeats cross-site requests).
 * - POST /api/call/<method>: JSON args in, {result} or {error:{code,message}} out; arguments are
 *   validated with the method's schema before the handler runs.
 * - GET /api/events?token=...: server-sent events for pushes (sync.progress, live.update, alert.fired).
 * - Everything else: static files of the built renderer, with a strict CSP.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { dispatch } from '../../common/dispatch.ts';
import { PUSH_NAMES } from '../../common/api.ts';
import type { Services } from '../services/index.ts';

export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};
const MAX_BODY = 80 * 1024 * 1024;

export interface WebHost { url: string; token: string; launchUrl: string; server: Server; close(): Promise<void> }

export async function startWebHost(opts: { services: Services; rendererDir: string; port?: number; token?: string }): Promise<WebHost> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const sseClients = new Set<ServerResponse>();
  let origin = '';
  let hostHeader = '';

  const tokenOk = (t: string | null | undefined): boolean => {
    if (!t) return false;
    const b = Buffer.from(t);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };

  const headers = (extra: Record<string, string> = {}) => ({
    'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', ...extra,
  });
  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, headers({ 'Content-Type': 'application/json; charset=utf-8' }));
    res.end(JSON.stringify(body));
  };

  const unsubscribe = opts.services.push.subscribe((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of sseClients) c.write(frame);
  });

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) throw Object.assign(new Error('request body too large'), { status: 413 });
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = normalize(join(opts.rendererDir, rel));
    if (!file.startsWith(normalize(opts.rendererDir) + sep)) return sendJson(res, 403, { error: { code: 'forbidden', message: 'forbidden' } });
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, headers({ 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' }));
      res.end(body);
    } catch {
      if (!extname(rel)) return serveStatic(res, '/');
      sendJson(res, 404, { error: { code: 'not_found', message: 'not found' } });
    }
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      if (req.headers.host !== hostHeader) return sendJson(res, 403, { error: { code: 'forbidden', message: 'bad Host header' } });
      const reqOrigin = req.headers.origin;
      if (reqOrigin !== undefined && reqOrigin !== origin) return sendJson(res, 403, { error: { code: 'forbidden', message: 'cross-origin request refused' } });

      if (url.pathname === '/api/events') {
        if (!tokenOk(url.searchParams.get('token'))) return sendJson(res, 401, { error: { code: 'forbidden', message: 'missing or wrong token' } });
        res.writeHead(200, headers({ 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' }));
        res.write(': connected\n\n');
        for (const name of PUSH_NAMES) {
          const last = opts.services.push.latest(name);
          if (last !== undefined && name !== 'alert.fired') res.write(`event: ${name}\ndata: ${JSON.stringify(last)}\n\n`);
        }
        sseClients.add(res);
        const ping = setInterval(() => res.write(': ping\n\n'), 15000);
        req.on('close', () => {
          clearInterval(ping);
          sseClients.delete(res);
        });
        return;
      }
      if (url.pathname.startsWith('/api/call/')) {
        if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'bad_args', message: 'use POST' } });
        const auth = req.headers.authorization;
        if (!tokenOk(auth?.startsWith('Bearer ') ? auth.slice(7) : null)) return sendJson(res, 401, { error: { code: 'forbidden', message: 'missing or wrong token' } });
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: { code: 'bad_args', message: 'expected application/json' } });
        const method = decodeURIComponent(url.pathname.slice('/api/call/'.length));
        const text = await readBody(req);
        let args: unknown;
        try {
          args = text ? JSON.parse(text) : {};
        } catch {
          return sendJson(res, 400, { error: { code: 'bad_args', message: 'body is not JSON' } });
        }
        const out = await dispatch(opts.services.handlers, method, args);
        if ('result' in out) return sendJson(res, 200, out);
        const status = out.error.code === 'unknown_method' ? 404 : out.error.code === 'bad_args' ? 400 : 500;
        return sendJson(res, status, out);
      }
      if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: { code: 'unknown_method', message: 'not found' } });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'bad_args', message: 'method not allowed' } });
      return serveStatic(res, url.pathname);
    } catch (e) {
      const status = (e as { status?: number }).status ?? 500;
      if (!res.headersSent) sendJson(res, status, { error: { code: 'failed', message: (e as Error).message } });
      else res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  hostHeader = `127.0.0.1:${port}`;
  return {
    url: origin,
    token,
    launchUrl: `${origin}/#token=${token}`,
    server,
    async close() {
      unsubscribe();
      for (const c of sseClients) c.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
