import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startPlatform } from '../../../src/platform-sim/server.ts';
import { parsePlatformArgs } from '../../../src/platform-sim/main.ts';
import { MarketSim } from '../../../src/platform-sim/generator.ts';

const MAIN = fileURLToPath(new URL('../../../src/platform-sim/main.ts', import.meta.url));

describe('CLI', () => {
  it('parses the documented flags', () => {
    const o = parsePlatformArgs(['--port', '0', '--seed', '9', '--days', '30', '--users', '500', '--end-date', '2025-06-30', '--live', '--live-orders-per-minute', '60', '--token', 'T', '--record', '/tmp/x.ndjson']);
    expect(o).toMatchObject({ port: 0, seed: 9, days: 30, users: 500, endDate: '2025-06-30', live: true, liveOrdersPerMinute: 60, token: 'T', record: '/tmp/x.ndjson', host: '127.0.0.1' });
    expect(() => parsePlatformArgs(['--days', 'x'])).toThrow(/--days/);
    expect(() => parsePlatformArgs(['--end-date', '2025-13-01'])).toThrow(/--end-date/);
    expect(() => parsePlatformArgs(['--bogus'])).toThrow();
  });

  it('prints the listening line, serves with the token from the environment, and exits on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--seed', '3', '--days', '2', '--users', '100', '--end-date', '2025-06-30'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MARKETLENS_PLATFORM_TOKEN: 'from-env' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d) => (err += d));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const m = /^platform listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      expect((await fetch(`${url}/v1/events?limit=1`, { headers: { authorization: 'Bearer demo-token' } })).status).toBe(401);
      const r = await fetch(`${url}/v1/events?limit=5`, { headers: { authorization: 'Bearer from-env' } });
      expect((await r.json()).events.length).toBe(5);
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects bad arguments with exit code 2', async () => {
    const child = spawn(process.execPath, [MAIN, '--days', 'lots'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('--days');
  });
});

describe('inline engine', () => {
  it('serves the same feed without a worker thread', async () => {
    const params = { seed: 11, days: 3, users: 300, endDate: '2025-06-30' };
    const p = await startPlatform({ ...params, worker: false });
    try {
      expect(p.engine).toBe('inline');
      const ids: string[] = [];
      let cursor = '';
      for (;;) {
        const r = await fetch(`${p.url}/v1/events?limit=400${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${p.token}` } });
        const body = await r.json();
        ids.push(...body.events.map((e: { id: string }) => e.id));
        cursor = body.next_cursor;
        if (!body.has_more) break;
      }
      expect(ids).toEqual([...new MarketSim(params).events()].map((e) => e.id));
      const inj = await fetch(`${p.url}/v1/demo/injections`, { headers: { authorization: `Bearer ${p.token}` } });
      expect((await inj.json()).params.seed).toBe(11);
    } finally {
      await p.close();
    }
  });
});
