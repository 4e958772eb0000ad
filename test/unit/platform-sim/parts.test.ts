import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, hashString, cumulative } from '../../../src/platform-sim/rng.ts';
import { EXPERIMENTS, assignVariant, buildCatalog } from '../../../src/platform-sim/catalog.ts';
import { CursorError, decodeCursor, encodeCursor } from '../../../src/platform-sim/feed.ts';
import { PlatformStore, IdempotencyConflict } from '../../../src/platform-sim/store.ts';
import { priceOrder, rateString } from '../../../src/platform-sim/orders.ts';
import { buildUsers } from '../../../src/platform-sim/users.ts';
import { MarketSim, resolveParams } from '../../../src/platform-sim/generator.ts';

describe('rng', () => {
  it('is deterministic per label and differs across labels', () => {
    const a = new Rng(42, 'day', 3), b = new Rng(42, 'day', 3), c = new Rng(42, 'day', 4);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('hashString is FNV-1a 32-bit', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });

  it('weighted draws follow the weights', () => {
    const r = new Rng('w');
    const cum = cumulative([1, 3]);
    let ones = 0;
    for (let i = 0; i < 10000; i++) ones += r.weighted(cum);
    expect(ones / 10000).toBeGreaterThan(0.72);
    expect(ones / 10000).toBeLessThan(0.78);
  });

  it('experiment assignment is sticky and close to the configured split', () => {
    const exp = EXPERIMENTS.find((e) => e.id === 'exp_new_payment_sdk')!;
    let treatment = 0;
    for (let i = 0; i < 5000; i++) {
      const id = `U${String(i).padStart(6, '0')}`;
      const v = assignVariant(exp, id, hashString);
      expect(assignVariant(exp, id, hashString)).toBe(v);
      if (v === 'treatment') treatment++;
    }
    expect(treatment / 5000).toBeGreaterThan(0.17);
    expect(treatment / 5000).toBeLessThan(0.23);
  });
});

describe('catalog and tax', () => {
  it('has ~10 categories, 200 sellers and products priced 50,000..5,000,000 VND', () => {
    const cat = buildCatalog(42);
    expect(cat.categories.length).toBe(10);
    expect(cat.sellers.length).toBe(200);
    expect(cat.products.length).toBeGreaterThan(1000);
    for (const p of cat.products) {
      expect(p.vnd).toBeGreaterThanOrEqual(50_000);
      expect(p.vnd).toBeLessThanOrEqual(5_000_000);
      expect(p.usd).toBeGreaterThan(0);
    }
  });

  it('tax rates print as decimals and combined US rates split exactly', () => {
    expect(rateString(1000)).toBe('0.10');
    expect(rateString(725)).toBe('0.0725');
    expect(rateString(0)).toBe('0.00');
    const cat = buildCatalog(1);
    const users = buildUsers(1, 2000, 30, () => 1);
    const us = [...Array(2000).keys()].find((u) => users.country[u] === 2 && users.state[u] === 0)!; // US, CA
    const p = cat.products[0]!;
    const priced = priceOrder(users, cat, us, [{ product: 0, qty: 3, unit: p.usd, subtotal: 3 * p.usd }]);
    expect(priced.taxLines.map((t) => t.rule.jurisdiction)).toEqual(['US-CA', 'US-CA-LOS_ANGELES']);
    const combined = Math.round((3 * p.usd * 950) / 10000);
    expect(Math.abs(priced.taxTotal - combined)).toBeLessThanOrEqual(1);
    expect(priced.total).toBe(priced.subtotal + priced.taxTotal);
  });
});

describe('params', () => {
  it('validates and resolves the window', () => {
    const p = resolveParams({ seed: 1, days: 7, users: 100, endDate: '2025-03-02' });
    expect(p.startDate).toBe('2025-02-24');
    expect(p.cutoff).toBe(Date.parse('2025-03-02T16:59:59.999Z'));
    expect(() => resolveParams({ seed: 1, days: 0, users: 10 })).toThrow(/days/);
    expect(() => resolveParams({ seed: 1, days: 3, users: 10, endDate: '2025-02-30' })).toThrow(/endDate/);
    const sim = new MarketSim({ seed: 1, days: 7, users: 100, endDate: '2025-03-02' });
    expect(sim.indexOf('2025-02-24')).toBe(0);
    expect(sim.indexOf('2025-03-03')).toBe(-1);
    expect(sim.payoutDayOf('2025-W09')).toBe(-1); // Monday 2025-03-03 is after the end date
    expect(sim.payoutDayOf('2025-W08')).toBe(-1); // Monday 2025-02-24 is day 0: nothing earlier to pay
  });
});

describe('cursors', () => {
  it('round-trip and reject garbage or other parameters', () => {
    const h = { kind: 'h', day: 12, offset: 345 } as const;
    const t = { kind: 't', boot: 'lz3k9a', lastLen: 999, index: 7 } as const;
    expect(decodeCursor('abc', encodeCursor('abc', h))).toEqual(h);
    expect(decodeCursor('abc', encodeCursor('abc', t))).toEqual(t);
    expect(() => decodeCursor('abc', 'not a cursor!')).toThrow(CursorError);
    expect(() => decodeCursor('abc', Buffer.from('v1|abc|h|x|1').toString('base64url'))).toThrow(/cursor/);
    try {
      decodeCursor('xyz', encodeCursor('abc', h));
      expect.unreachable();
    } catch (e) {
      expect((e as CursorError).status).toBe(409);
    }
  });
});

describe('store', () => {
  it('replays idempotent writes, rejects key reuse with another body, and survives a restart via the record file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'platform-store-'));
    try {
      const file = join(dir, 'record.ndjson');
      const s = new PlatformStore(file, 1);
      const a = s.createTransfer('k1', 'S0001', { amount: '100000', currency: 'VND' }, 'underpayment 2025-W20', '2025-06-01T00:00:00.000Z');
      const b = s.createTransfer('k1', 'S0001', { amount: '100000', currency: 'VND' }, 'underpayment 2025-W20', '2025-06-01T00:00:01.000Z');
      expect(a.idempotent_replay).toBe(false);
      expect(b.idempotent_replay).toBe(true);
      expect(b.transfer).toEqual(a.transfer);
      expect(() => s.createTransfer('k1', 'S0002', { amount: '1', currency: 'VND' }, 'x', 'now')).toThrow(IdempotencyConflict);
      expect(s.transfers.length).toBe(1);
      expect(s.putSegments('seg-1', 'run-1', [{ customer_id: 'U000001', segment: 'Champions' }], 'now').accepted).toBe(1);
      expect(s.putSegments('seg-1', 'run-1', [{ customer_id: 'U000001', segment: 'Champions' }], 'now').idempotent_replay).toBe(true);
      s.putFlag('exp_checkout_cta_color', 'checkout_cta_color', ['A', 'B'], { B: 100 }, 'now');

      const again = new PlatformStore(file, 1);
      expect(again.transfers).toEqual(s.transfers);
      expect(again.createTransfer('k1', 'S0001', { amount: '100000', currency: 'VND' }, 'underpayment 2025-W20', 'later').idempotent_replay).toBe(true);
      expect(again.segments.get('U000001')?.segment).toBe('Champions');
      expect(again.flags.get('exp_checkout_cta_color')?.rollout).toEqual({ B: 100 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
