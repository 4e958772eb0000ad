/** E2E helpers: web mode as a real child process, Debian Chromium driven by playwright-core. */
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface WebApp { url: string; launchUrl: string; token: string; workspace: string; proc: ChildProcess; stop(): Promise<void> }

export async function startWebMode(env: Record<string, string> = {}, workspace = mkdtempSync(join(tmpdir(), 'ml-e2e-'))): Promise<WebApp> {
  const proc = spawn(process.execPath, [join(ROOT, 'scripts/web.mjs'), '--workspace', workspace, '--no-open'], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (l) => {
      const m = /^open (http:\/\/\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (c) => reject(new Error(`web mode exited ${c}: ${stderr}`)));
  });
  const u = new URL(launchUrl);
  return {
    url: u.origin, launchUrl, token: new URLSearchParams(u.hash.slice(1)).get('token')!, workspace, proc,
    async stop() {
      if (proc.exitCode !== null) return;
      await new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}

/** Call the web-mode API the way the renderer does. */
export async function api<T = unknown>(app: WebApp, method: string, args: unknown = {}): Promise<T> {
  const r = await fetch(`${app.url}/api/call/${method}`, {
    method: 'POST', headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(args),
  });
  const body = (await r.json()) as { result?: T; error?: { message: string } };
  if (!r.ok) throw new Error(body.error?.message ?? `HTTP ${r.status}`);
  return body.result as T;
}

export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [join(ROOT, 'bin/marketlens.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

export function workspaceToken(workspace: string): string {
  return readFileSync(join(workspace, 'secrets', 'platform-token'), 'utf8');
}

export async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
