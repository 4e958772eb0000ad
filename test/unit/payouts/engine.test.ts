/**
 * The payout engine on generated inputs (a seeded generator, 200 cases per property): money is
 * conserved per currency, input order never matters, every release's parts and every attribution
 * sum exactly; deductions apply oldest first up to the payout; the week window's exact boundaries.
 */
import { describe, expect, it } from 'vitest';
import { divRoundHalfEven } from '../../../src/analytics/money.ts';
import {
  attributeToGateways, commissionOf, isIsoWeek, isoWeekMonday, nextIsoWeek, previousIsoWeek, reconcilePayouts, splitRelease, weekWindow,
  type DeductionInput, type EscrowInput, type PayoutInputs, type PenaltyInput, type StatementInput,
} from '../../../src/analytics/payouts/engine.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const WEEK = '2025-W26';
const W = weekWindow(WEEK, TZ);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(a: readonly T[], r: () => number): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function gen(seed: number): PayoutInputs {
  const r = rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const sellers = Array.from({ length: int(1, 12) }, (_, i) => `S${String(i + 1).padStart(4, '0')}`);
  const currencies = ['VND', 'USD', 'KWD'];
  const escrows: EscrowInput[] = [];
  const penalties: PenaltyInput[] = [];
  const statements: StatementInput[] = [];
  const deductions: DeductionInput[] = [];
  let n = 0;
  for (const s of sellers) {
    for (const c of currencies) {
      if (r() < 0.4) continue;
      for (let k = int(0, 8); k > 0; k--) {
        // some outside the window: they must be ignored
        const t = r() < 0.1 ? W.start - int(1, 1000) : r() < 0.1 ? W.end + int(0, 1000) : int(W.start, W.end - 1);
        const amount = int(1, 5_000_000);
        escrows.push({ escrowId: `E${++n}`, orderId: `O${n}`, sellerId: s, amount, currency: c, bps: int(0, 1500), fee: Math.floor(amount * 0.02), time: t, gateway: ['vnpay', 'momo', 'stripe', null][int(0, 3)]! });
      }
      if (r() < 0.3) penalties.push({ penaltyId: `P${++n}`, sellerId: s, amount: int(1, 100_000), currency: c, time: int(W.start, W.end - 1) });
      if (r() < 0.3) deductions.push({ id: ++n, sellerId: s, currency: c, amount: int(1, 200_000), originWeek: r() < 0.5 ? '2025-W24' : '2025-W25' });
      if (r() < 0.9) {
        statements.push({
          sellerId: s, currency: c, disbursed: int(0, 10_000_000), escrow: 0, commission: 0, fees: 0, penalties: 0, deductions: 0,
          disbursementId: `DSB-${WEEK}-${s}-${c}`, transferRef: `FT${n}`, disbursedAt: W.end + 36_000_000,
        });
      }
    }
  }
  // a duplicated release delivered twice counts once
  if (escrows.length > 0) escrows.push({ ...escrows[0]! });
  return { week: WEEK, timezone: TZ, escrows, penalties, deductions, statements, events: [], toleranceMinor: { USD: int(0, 2) } };
}

describe('reconcilePayouts properties', () => {
  it('conservation per currency: Σexpected − Σdisbursed + Σdifference = 0, and totals equal the lines', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const res = reconcilePayouts(gen(seed));
      for (const t of res.totals) {
        const ls = res.lines.filter((l) => l.currency === t.currency);
        const sum = (f: (l: (typeof ls)[number]) => number) => ls.reduce((s, l) => s + f(l), 0);
        expect(sum((l) => l.expected) - sum((l) => l.disbursed) + sum((l) => l.difference)).toBe(0);
        expect(t.expected).toBe(sum((l) => l.expected));
        expect(t.disbursed).toBe(sum((l) => l.disbursed));
        expect(t.difference).toBe(t.disbursed - t.expected);
        expect(t.expected).toBe(t.escrow - t.commission - t.fees - t.penalties - t.deductions);
        // discrepancies (beyond tolerance) plus what is within tolerance make up the whole difference
        const within = sum((l) => (l.status === 'within_tolerance' ? l.difference : 0));
        expect(t.overpaid - t.underpaid + within).toBe(t.difference);
      }
      expect(new Set(res.lines.map((x) => x.key)).size).toBe(res.lines.length);
      for (const l of res.lines) expect(l.difference).toBe(l.disbursed - l.expected);
    }
  });

  it('shuffled input order changes nothing (byte-identical result)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const inp = gen(seed);
      const r = rng(seed * 7919);
      const shuffled: PayoutInputs = {
        ...inp, escrows: shuffle(inp.escrows, r), penalties: shuffle(inp.penalties, r), deductions: shuffle(inp.deductions, r), statements: shuffle(inp.statements, r),
      };
      expect(JSON.stringify(reconcilePayouts(shuffled))).toBe(JSON.stringify(reconcilePayouts(inp)));
    }
  });

  it('deductions apply oldest first, never more than outstanding nor more than the payout', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const inp = gen(seed);
      const res = reconcilePayouts(inp);
      for (const l of res.lines) {
        const mine = inp.deductions.filter((d) => d.sellerId === l.sellerId && d.currency === l.currency).sort((a, b) => (a.originWeek < b.originWeek ? -1 : a.originWeek > b.originWeek ? 1 : a.id - b.id));
        const base = l.escrow - l.commission - l.fees - l.penalties;
        const owed = mine.reduce((s, d) => s + d.amount, 0);
        expect(l.deductions).toBe(Math.max(0, Math.min(owed, base)));
        // a later deduction is only touched once the earlier ones are used up
        l.applied.forEach((a, i) => {
          expect(a.deductionId).toBe(mine[i]!.id);
          if (i < l.applied.length - 1) expect(a.amount).toBe(mine[i]!.amount);
        });
      }
    }
  });

  it('a week without a statement: the whole expected payout is an underpayment; with equal amounts: matched', () => {
    const base: PayoutInputs = {
      week: WEEK, timezone: TZ, penalties: [], deductions: [], events: [], toleranceMinor: {},
      escrows: [{ escrowId: 'E1', orderId: 'O1', sellerId: 'S1', amount: 415_800, currency: 'VND', bps: 1000, fee: 8316, time: W.start, gateway: 'vnpay' }],
      statements: [],
    };
    const none = reconcilePayouts(base).lines[0]!;
    expect(none).toMatchObject({ expected: 365_904, disbursed: 0, difference: -365_904, status: 'underpayment' });
    const st: StatementInput = { sellerId: 'S1', currency: 'VND', disbursed: 365_904, escrow: 415_800, commission: 41_580, fees: 8316, penalties: 0, deductions: 0, disbursementId: 'D1', transferRef: 'FT1', disbursedAt: W.end };
    const ok = reconcilePayouts({ ...base, statements: [st], events: [{ disbursementId: 'D1', sellerId: 'S1', amount: 365_904, currency: 'VND', transferRef: 'FT1', time: W.end }] });
    expect(ok.lines[0]).toMatchObject({ status: 'matched', notes: [], eventAmount: 365_904 });
    expect(ok.findings).toEqual([]);
    const over = reconcilePayouts({ ...base, statements: [{ ...st, disbursed: 370_904 }], events: [{ disbursementId: 'D1', sellerId: 'S1', amount: 365_904, currency: 'VND', transferRef: 'FT1', time: W.end }] });
    expect(over.lines[0]).toMatchObject({ status: 'overpayment', difference: 5000 });
    expect(over.findings).toEqual([{ kind: 'amount_mismatch', disbursementId: 'D1', sellerId: 'S1', currency: 'VND', statementAmount: 370_904, eventAmount: 365_904, difference: -5000 }]);
    const tol = reconcilePayouts({ ...base, statements: [{ ...st, disbursed: 365_903 }], toleranceMinor: { VND: 1 } });
    expect(tol.lines[0]!.status).toBe('within_tolerance');
  });
});

describe('statements', () => {
  const st = (id: string, disbursed: number): StatementInput => ({ sellerId: 'S1', currency: 'VND', disbursed, escrow: 0, commission: 0, fees: 0, penalties: 0, deductions: 0, disbursementId: id, transferRef: 'FT', disbursedAt: W.end });
  const base: PayoutInputs = {
    week: WEEK, timezone: TZ, penalties: [], deductions: [], events: [], toleranceMinor: {}, statements: [],
    escrows: [{ escrowId: 'E1', orderId: 'O1', sellerId: 'S1', amount: 100_000, currency: 'VND', bps: 0, fee: 0, time: W.start, gateway: 'vnpay' }],
  };
  it('two statements of one seller and currency are both counted; their events too', () => {
    const res = reconcilePayouts({
      ...base, statements: [st('D2', 40_000), st('D1', 60_000)],
      events: [{ disbursementId: 'D1', sellerId: 'S1', amount: 60_000, currency: 'VND', transferRef: 'FT', time: W.end }, { disbursementId: 'D2', sellerId: 'S1', amount: 40_000, currency: 'VND', transferRef: 'FT', time: W.end }],
    });
    expect(res.lines[0]).toMatchObject({ disbursed: 100_000, eventAmount: 100_000, status: 'matched' });
    expect(res.lines[0]!.statements.map((x) => x.disbursementId)).toEqual(['D1', 'D2']);
    expect(res.findings).toEqual([]);
  });
  it('a statement listed twice counts once, with a note, whatever the order', () => {
    const a = reconcilePayouts({ ...base, statements: [st('D1', 100_000), st('D1', 100_000)] });
    expect(a.lines[0]).toMatchObject({ disbursed: 100_000, status: 'matched' });
    expect(a.lines[0]!.notes).toContain('statement D1 listed more than once: counted once');
    const b1 = reconcilePayouts({ ...base, statements: [st('D1', 100_000), st('D1', 90_000)] });
    const b2 = reconcilePayouts({ ...base, statements: [st('D1', 90_000), st('D1', 100_000)] });
    expect(JSON.stringify(b1)).toBe(JSON.stringify(b2));
    expect(b1.lines[0]!.notes.some((n) => n.includes('other figures'))).toBe(true);
  });
});

describe('money splits', () => {
  it('commission + fee + net = the released amount; commission is half-even at the release', () => {
    const r = rng(42);
    for (let i = 0; i < 5000; i++) {
      const amount = 1 + Math.floor(r() * 1e9);
      const bps = Math.floor(r() * 2000);
      const fee = Math.floor(r() * amount * 0.05);
      const p = splitRelease(amount, bps, fee);
      expect(p.commission + p.fee + p.net).toBe(amount);
      expect(Math.abs(p.commission * 10000 - amount * bps)).toBeLessThanOrEqual(5000);
    }
    expect(commissionOf(415_810, 500)).toBe(20_790); // 20790.5 → even
    expect(commissionOf(415_830, 500)).toBe(20_792); // 20791.5 → even
  });

  it('commission in doubles equals the exact BigInt half-even division, at ties, negatives and the 2^53 edge', () => {
    const exact = (amount: number, bps: number) => Number(divRoundHalfEven(BigInt(amount) * BigInt(bps), 10000n));
    const r = rng(9);
    const cases: [number, number][] = [[0, 500], [1, 5000], [3, 5000], [-1, 5000], [-3, 5000], [-415_810, 500], [10_000, 1], [9_999, 1], [15_000, 1], [25_000, 1]];
    // products just below 2^53, where a / 10,000 in doubles can round up to the next integer
    for (const bps of [1, 3, 7, 10_000]) {
      const top = Math.floor(Number.MAX_SAFE_INTEGER / bps);
      for (let d = 0; d < 50; d++) cases.push([top - d, bps], [-(top - d), bps]);
    }
    for (let i = 0; i < 20_000; i++) {
      const bps = Math.floor(r() * 10_001);
      const amount = Math.floor((r() - 0.2) * 10 ** (1 + Math.floor(r() * 15)));
      cases.push([amount, bps], [Math.round(amount / 10_000) * 10_000 + 5_000, 1]);
    }
    for (const [amount, bps] of cases) expect(commissionOf(amount, bps), `${amount} × ${bps}`).toBe(exact(amount, bps));
    // beyond safe integers: the BigInt path
    expect(commissionOf(2 ** 52, 10_000)).toBe(2 ** 52);
    expect(commissionOf(9e15, 3)).toBe(exact(9e15, 3));
  });

  it('attribution across gateways sums exactly to the amount (largest remainder)', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const gws = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, k) => ({ gateway: `g${k}`, escrow: Math.floor(r() * 1e7) }));
      const amount = Math.floor(r() * 2e9) - 1e9;
      const parts = attributeToGateways(amount, gws);
      expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(amount);
    }
    expect(attributeToGateways(100, [{ gateway: 'a', escrow: 1 }, { gateway: 'b', escrow: 1 }, { gateway: 'c', escrow: 1 }]).map((p) => p.amount)).toEqual([34, 33, 33]);
    expect(attributeToGateways(100, [])).toEqual([{ gateway: '', amount: 100 }]);
  });
});

describe('ISO weeks in the business timezone', () => {
  it('the window is Monday 00:00 to the next Monday 00:00 local time', () => {
    expect(isoWeekMonday('2025-W26')).toBe('2025-06-23');
    expect(W.start).toBe(dayRange('2025-06-23', TZ).start);
    expect(new Date(W.start).toISOString()).toBe('2025-06-22T17:00:00.000Z');
    expect(new Date(W.end).toISOString()).toBe('2025-06-29T17:00:00.000Z');
    expect(W.payoutDate).toBe('2025-06-30');
    expect(isoWeekMonday('2026-W01')).toBe('2025-12-29');
    expect(isoWeekMonday('2020-W53')).toBe('2020-12-28');
    expect(nextIsoWeek('2020-W53')).toBe('2021-W01');
    expect(previousIsoWeek('2021-W01')).toBe('2020-W53');
    expect(isIsoWeek('2021-W53')).toBe(false);
    expect(isIsoWeek('2020-W53')).toBe(true);
    expect(isIsoWeek('2025-26')).toBe(false);
  });

  it('a release at the last millisecond of Sunday is in the week; at Monday 00:00 local it is the next week', () => {
    const e = (time: number): EscrowInput => ({ escrowId: `E${time}`, orderId: 'O', sellerId: 'S1', amount: 1000, currency: 'VND', bps: 0, fee: 0, time, gateway: null });
    const res = reconcilePayouts({ week: WEEK, timezone: TZ, escrows: [e(W.start), e(W.end - 1), e(W.end), e(W.start - 1)], penalties: [], deductions: [], statements: [], events: [], toleranceMinor: {} });
    expect(res.lines[0]!.escrow).toBe(2000);
  });
});
