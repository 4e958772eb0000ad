/**
 * The daily Payout Settlement Report on hand-made inputs: disbursed, pending and open discrepancies
 * for D and D−1 with the change; per-gateway attribution sums exactly; ticket state replayed at the
 * end of the day; the weekly scheduler's due week.
 */
import { describe, expect, it } from 'vitest';
import { settlementReport, type ReportInputs } from '../../../src/analytics/payouts/settlement-report.ts';
import { addDays, dayRange, isoWeekKey } from '../../../src/analytics/calendar.ts';
import { attributeToGateways, isoWeekMonday } from '../../../src/analytics/payouts/engine.ts';
import { divRoundHalfEven } from '../../../src/analytics/money.ts';
import { dueWeek, weeksToRun } from '../../../src/main/node/services/payouts.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const D = '2025-06-30'; // a Monday: the payout day of 2025-W26
const day = dayRange(D, TZ);
const prev = dayRange('2025-06-29', TZ);
const H = 3_600_000;

function inputs(): ReportInputs {
  return {
    date: D, timezone: TZ,
    releases: [
      // W26 (pending on Sunday 06-29, paid on Monday)
      { escrowId: 'E1', sellerId: 'S1', amount: 1_000_000, currency: 'VND', bps: 1000, fee: 20_000, time: prev.start + 2 * H, gateway: 'vnpay' },
      // W27 (from Monday: pending at the end of D)
      { escrowId: 'E2', sellerId: 'S1', amount: 500_000, currency: 'VND', bps: 1000, fee: 10_000, time: day.start + 9 * H, gateway: 'momo' },
      { escrowId: 'E3', sellerId: 'S2', amount: 1250, currency: 'USD', bps: 500, fee: 25, time: day.start + 11 * H, gateway: 'stripe' },
    ],
    penalties: [{ penaltyId: 'P1', sellerId: 'S1', amount: 50_000, currency: 'VND', time: day.start + 12 * H }],
    disbursements: [{ disbursementId: 'DSB-1', sellerId: 'S1', week: '2025-W26', amount: 870_000, currency: 'VND', time: day.start + 10 * H }],
    transfers: [
      { id: 1, sellerId: 'S1', amount: 3, currency: 'VND', week: '2025-W26', proposedAt: day.start + 11 * H, sentAt: day.start + 15 * H, cancelled: false },
      { id: 2, sellerId: 'S2', amount: 7, currency: 'USD', week: '2025-W26', proposedAt: day.start + 11 * H, sentAt: null, cancelled: false },
    ],
    tickets: [
      { id: 1, week: '2025-W26', sellerId: 'S1', currency: 'VND', direction: 'underpayment', difference: -3, openedAt: day.start + 11 * H, history: [{ at: day.start + 13 * H, to: 'in_review' }, { at: day.start + 15 * H, to: 'resolved' }] },
      { id: 2, week: '2025-W26', sellerId: 'S2', currency: 'USD', direction: 'underpayment', difference: -7, openedAt: day.start + 11 * H, history: [] },
      { id: 3, week: '2025-W25', sellerId: 'S1', currency: 'VND', direction: 'overpayment', difference: 9, openedAt: prev.start, history: [] },
    ],
    weights: new Map([
      ['2025-W26|S1|VND', [{ gateway: 'momo', escrow: 1 }, { gateway: 'vnpay', escrow: 2 }]],
      ['2025-W25|S1|VND', [{ gateway: 'vnpay', escrow: 1 }]],
    ]),
  };
}

describe('Payout Settlement Report', () => {
  it('disbursed, pending and discrepancies per currency for D and D−1, with the change', () => {
    const r = settlementReport(inputs());
    const vnd = r.byCurrency.find((c) => c.currency === 'VND')!;
    expect(vnd.today).toEqual({ disbursed: 870_003, payouts: 870_000, transfersSent: 3, pending: 500_000 - 50_000 - 10_000 - 50_000, openDiscrepancy: 9, openTickets: 1, newTickets: 0 });
    // Sunday: W26's release is pending (net 880,000), ticket 3 open
    expect(vnd.previous).toEqual({ disbursed: 0, payouts: 0, transfersSent: 0, pending: 880_000, openDiscrepancy: 9, openTickets: 1, newTickets: 1 });
    expect(vnd.change.pending).toBe(vnd.today.pending - 880_000);
    const usd = r.byCurrency.find((c) => c.currency === 'USD')!;
    // commission 1250 × 500 / 10000 = 62.5 → 62 (half-even); the unsent transfer is pending too
    expect(usd.today).toMatchObject({ pending: 1250 - 62 - 25 + 7, openDiscrepancy: 7, openTickets: 1, newTickets: 1 });
    expect(r.openTickets.map((t) => [t.id, t.state])).toEqual([[2, 'open'], [3, 'open']]);
  });

  it('per gateway and per seller rows add up to the currency rows exactly', () => {
    const r = settlementReport(inputs());
    for (const c of r.byCurrency) {
      for (const f of ['disbursed', 'payouts', 'transfersSent', 'pending', 'openDiscrepancy', 'openTickets'] as const) {
        expect(r.byGateway.filter((g) => g.currency === c.currency).reduce((s, g) => s + g.today[f], 0)).toBe(c.today[f]);
        expect(r.bySeller.filter((g) => g.currency === c.currency).reduce((s, g) => s + g.today[f], 0)).toBe(c.today[f]);
      }
    }
    // the payout split 1:2 between momo and vnpay (largest remainder)
    expect(r.byGateway.find((g) => g.gateway === 'momo' && g.currency === 'VND')!.today.payouts).toBe(290_000);
    expect(r.byGateway.find((g) => g.gateway === 'vnpay' && g.currency === 'VND')!.today.payouts).toBe(580_000);
    expect(JSON.stringify(settlementReport({ ...inputs(), releases: [...inputs().releases].reverse(), tickets: [...inputs().tickets].reverse() }))).toBe(JSON.stringify(r));
  });
});

describe('weekly schedule', () => {
  it('is due for the previous week from Monday runHour:runMinute, else the week before', () => {
    expect(dueWeek(dayRange('2025-06-30', TZ).start + 11 * H, TZ, 12, 0)).toBe('2025-W25');
    expect(dueWeek(dayRange('2025-06-30', TZ).start + 12 * H, TZ, 12, 0)).toBe('2025-W26');
    expect(dueWeek(dayRange('2025-07-03', TZ).start, TZ, 12, 0)).toBe('2025-W26');
    expect(weeksToRun(null, '2025-W26', 4)).toEqual(['2025-W26']);
    expect(weeksToRun('2025-W22', '2025-W26', 2)).toEqual(['2025-W25', '2025-W26']);
    expect(weeksToRun('2025-W26', '2025-W26', 4)).toEqual([]);
    expect(weeksToRun('2020-W52', '2021-W01', 4)).toEqual(['2020-W53', '2021-W01']);
  });
});

/**
 * A plain reference of the report's three roll-ups (one pass per day, no precomputation), to check
 * the optimised computation on generated inputs.
 */
function reference(inp: ReportInputs): Pick<ReturnType<typeof settlementReport>, 'byCurrency' | 'byGateway' | 'bySeller'> {
  const FIELDS = ['disbursed', 'payouts', 'transfersSent', 'pending', 'openDiscrepancy', 'openTickets', 'newTickets'] as const;
  type F = Record<(typeof FIELDS)[number], number>;
  const zero = (): F => ({ disbursed: 0, payouts: 0, transfersSent: 0, pending: 0, openDiscrepancy: 0, openTickets: 0, newTickets: 0 });
  const w = (week: string, s: string, c: string) => inp.weights.get(`${week}|${s}|${c}`) ?? [];
  function cells(dayKey: string): { s: string; c: string; g: string; f: Partial<F> }[] {
    const { start, end } = dayRange(dayKey, TZ);
    const weekStart = dayRange(isoWeekMonday(isoWeekKey(dayKey)), TZ).start;
    const out: { s: string; c: string; g: string; f: Partial<F> }[] = [];
    for (const d of inp.disbursements) if (d.time >= start && d.time < end) for (const p of attributeToGateways(d.amount, w(d.week, d.sellerId, d.currency))) out.push({ s: d.sellerId, c: d.currency, g: p.gateway, f: { disbursed: p.amount, payouts: p.amount } });
    for (const t of inp.transfers) {
      if (t.sentAt !== null && t.sentAt >= start && t.sentAt < end) for (const p of attributeToGateways(t.amount, w(t.week, t.sellerId, t.currency))) out.push({ s: t.sellerId, c: t.currency, g: p.gateway, f: { disbursed: p.amount, transfersSent: p.amount } });
      if (!t.cancelled && t.proposedAt < end && (t.sentAt === null || t.sentAt >= end)) for (const p of attributeToGateways(t.amount, w(t.week, t.sellerId, t.currency))) out.push({ s: t.sellerId, c: t.currency, g: p.gateway, f: { pending: p.amount } });
    }
    const escrow = new Map<string, Map<string, number>>();
    for (const r of inp.releases) {
      if (r.time < weekStart || r.time >= end) continue;
      out.push({ s: r.sellerId, c: r.currency, g: r.gateway ?? '', f: { pending: Number(BigInt(r.amount) - divRoundHalfEven(BigInt(r.amount) * BigInt(r.bps), 10000n) - BigInt(r.fee)) } });
      const m = escrow.get(`${r.sellerId}|${r.currency}`) ?? new Map<string, number>();
      m.set(r.gateway ?? '', (m.get(r.gateway ?? '') ?? 0) + r.amount);
      escrow.set(`${r.sellerId}|${r.currency}`, m);
    }
    for (const p of inp.penalties) {
      if (p.time < weekStart || p.time >= end) continue;
      const m = escrow.get(`${p.sellerId}|${p.currency}`);
      const ws = m ? [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([gateway, e]) => ({ gateway, escrow: e })) : [];
      for (const part of attributeToGateways(p.amount, ws)) out.push({ s: p.sellerId, c: p.currency, g: part.gateway, f: { pending: -part.amount } });
    }
    for (const t of inp.tickets) {
      if (t.openedAt >= end) continue;
      let state = 'open';
      for (const h of [...t.history].sort((a, b) => a.at - b.at)) if (h.at < end) state = h.to;
      if (state === 'resolved') continue;
      const isNew = t.openedAt >= start && t.openedAt < end;
      attributeToGateways(Math.abs(t.difference), w(t.week, t.sellerId, t.currency)).forEach((p, i) => out.push({ s: t.sellerId, c: t.currency, g: p.gateway, f: { openDiscrepancy: p.amount, openTickets: i === 0 ? 1 : 0, newTickets: i === 0 && isNew ? 1 : 0 } }));
    }
    return out;
  }
  const roll = <K extends string>(key: (s: string, c: string, g: string) => K) => {
    const m = new Map<K, { today: F; previous: F }>();
    for (const [which, list] of [['today', cells(inp.date)], ['previous', cells(addDays(inp.date, -1))]] as const) {
      for (const x of list) {
        const k = key(x.s, x.c, x.g);
        const r = m.get(k) ?? { today: zero(), previous: zero() };
        for (const f of FIELDS) r[which][f] += x.f[f] ?? 0;
        m.set(k, r);
      }
    }
    const change = (a: F, b: F) => Object.fromEntries(FIELDS.map((f) => [f, a[f] - b[f]])) as F;
    return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, r]) => ({ k, today: r.today, previous: r.previous, change: change(r.today, r.previous) }));
  };
  return {
    byCurrency: roll((_s, c) => c).map(({ k, ...r }) => ({ currency: k, ...r })),
    byGateway: roll((_s, c, g) => `${g}\u0000${c}`).map(({ k, ...r }) => ({ gateway: k.split('\u0000')[0]!, currency: k.split('\u0000')[1]!, ...r })),
    bySeller: roll((s, c) => `${s}\u0000${c}`).map(({ k, ...r }) => ({ sellerId: k.split('\u0000')[0]!, currency: k.split('\u0000')[1]!, ...r })),
  };
}

describe('Payout Settlement Report on generated inputs', () => {
  it('equals the plain reference, row for row', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const span = { start: dayRange('2025-06-23', TZ).start, end: day.end }; // Monday of W26 .. end of D
    const at = () => span.start + Math.floor(rnd() * (span.end - span.start));
    for (let round = 0; round < 20; round++) {
      const sellers = Array.from({ length: 12 }, (_, i) => `S${i}`);
      const currencies = ['VND', 'USD'];
      const gateways = ['momo', 'vnpay', 'stripe', null];
      const weeks = ['2025-W25', '2025-W26', '2025-W27'];
      const inp: ReportInputs = {
        date: D, timezone: TZ,
        releases: Array.from({ length: 400 }, (_, i) => ({ escrowId: `E${i}`, sellerId: pick(sellers), amount: 1 + Math.floor(rnd() * 5_000_000), currency: pick(currencies), bps: Math.floor(rnd() * 3000), fee: Math.floor(rnd() * 5000), time: at(), gateway: pick(gateways) })),
        penalties: Array.from({ length: 25 }, (_, i) => ({ penaltyId: `P${i}`, sellerId: pick(sellers), amount: 1 + Math.floor(rnd() * 100_000), currency: pick(currencies), time: at() })),
        disbursements: Array.from({ length: 30 }, (_, i) => ({ disbursementId: `D${i}`, sellerId: pick(sellers), week: pick(weeks), amount: 1 + Math.floor(rnd() * 9_000_000), currency: pick(currencies), time: at() })),
        transfers: Array.from({ length: 15 }, (_, i) => {
          const proposedAt = at();
          return { id: i, sellerId: pick(sellers), amount: 1 + Math.floor(rnd() * 1000), currency: pick(currencies), week: pick(weeks), proposedAt, sentAt: rnd() < 0.5 ? proposedAt + Math.floor(rnd() * 2 * 86_400_000) : null, cancelled: rnd() < 0.2 };
        }),
        tickets: Array.from({ length: 15 }, (_, i) => {
          const openedAt = at();
          return { id: i, week: pick(weeks), sellerId: pick(sellers), currency: pick(currencies), direction: 'underpayment', difference: -1 - Math.floor(rnd() * 500), openedAt, history: rnd() < 0.5 ? [{ at: openedAt + Math.floor(rnd() * 86_400_000), to: pick(['in_review', 'resolved']) }] : [] };
        }),
        weights: new Map(weeks.flatMap((wk) => sellers.flatMap((s) => currencies.filter(() => rnd() < 0.6).map((c) => [`${wk}|${s}|${c}`, gateways.filter((g) => g !== null && rnd() < 0.7).map((g) => ({ gateway: g!, escrow: Math.floor(rnd() * 1000) }))] as const)))),
      };
      const got = settlementReport(inp);
      const want = reference(inp);
      expect(got.byCurrency).toEqual(want.byCurrency);
      expect(got.byGateway).toEqual(want.byGateway);
      expect(got.bySeller).toEqual(want.bySeller);
    }
  });
});
