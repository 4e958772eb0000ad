/** The `marketlens` CLI as a real process: exit codes, --json objects, import + quarantine, sync. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../../src/platform-sim/server.ts';
import type { ImportResult, QuarantinePage, SyncStatus } from '../../../src/main/common/types.ts';
import type { LiveSnapshot } from '../../../src/analytics/live.ts';

const BIN = new URL('../../../bin/marketlens.mjs', import.meta.url).pathname;
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let platform: RunningPlatform;
const ws = mkdtempSync(join(tmpdir(), 'ml-cli-'));
beforeAll(async () => {
  platform = await startPlatform({ port: 0, seed: 3, days: 3, users: 300, endDate: '2026-11-20', token: 'cli-token', worker: false });
});
afterAll(() => platform?.close());

describe('marketlens CLI', () => {
  it('prints usage with exit 2 for unknown commands and bad flags', async () => {
    const r = await run(['frobnicate', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect((await run(['gmv', '--date', '2026-13-01', '--workspace', ws])).code).toBe(2);
  });
  it('sync fails clearly (exit 1) with a wrong token, and never prints the token', async () => {
    const r = await run(['sync', '--workspace', ws, '--platform', platform.url, '--token', 'wrong-secret-xyz', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/token/i);
    expect(r.stdout + r.stderr).not.toContain('wrong-secret-xyz');
  });
  it('syncs the feed and reports the same numbers in --json', async () => {
    const r = await run(['sync', '--workspace', ws, '--platform', platform.url, '--json'], { MARKETLENS_TOKEN: 'cli-token' });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SyncStatus;
    expect(s.state).toBe('done');
    expect(s.inserted).toBe([...platform.sim.events()].length);
    const again = JSON.parse((await run(['sync', '--workspace', ws, '--json'])).stdout) as SyncStatus;
    expect(again.inserted).toBe(0); // resumed from the cursor; nothing new
  });
  it('gmv --json is the Live snapshot object', async () => {
    const r = await run(['gmv', '--date', '2026-11-19', '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const snap = JSON.parse(r.stdout) as LiveSnapshot;
    expect(snap.day).toBe('2026-11-19');
    expect(snap.orders).toBeGreaterThan(0);
    expect(snap.gmv.currency).toBe('VND');
    const text = await run(['gmv', '--date', '2026-11-19', '--workspace', ws]);
    expect(text.stdout).toContain(snap.gmv.display);
  });
  it('import quarantines bad rows with file, row and field; quarantine list shows them', async () => {
    const file = join(ws, 'events.ndjson');
    const good = { specversion: '1.0', id: 'cli-evt-1', type: 'user.registered', source: '/services/customer', time: '2026-11-19T10:00:00+07:00', data: { user_id: 'u-cli', country: 'VN', device: 'ios', traffic_source: 'organic' } };
    const bad = { ...good, id: 'cli-evt-2', type: 'order.placed', data: { order_id: 'o', user_id: 'u', seller_id: 's', total: { amount: '1.234', currency: 'USD' }, items: [{ product_id: 'p', category: 'c', quantity: 1, unit_price: { amount: '1.23', currency: 'USD' } }] } };
    writeFileSync(file, [JSON.stringify(good), JSON.stringify(bad), '{not json', JSON.stringify(good)].join('\n') + '\n');
    const r = await run(['import', file, '--json', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as ImportResult;
    expect(res).toMatchObject({ rows: 4, inserted: 1, duplicates: 1, quarantined: 2 });
    expect(res.errors.find((e) => e.row === 2)).toMatchObject({ field: 'data.total.amount' });
    const q = JSON.parse((await run(['quarantine', 'list', '--json', '--workspace', ws])).stdout) as QuarantinePage;
    expect(q.total).toBe(2);
    expect(q.rows.map((x) => x.location).sort()).toEqual(expect.arrayContaining([expect.stringContaining('2'), expect.stringContaining('3')]));
    expect(q.rows.every((x) => x.origin.includes('events.ndjson'))).toBe(true);
    const replay = JSON.parse((await run(['import', file, '--json', '--workspace', ws])).stdout) as ImportResult;
    expect(replay.inserted).toBe(0);
  });
});
