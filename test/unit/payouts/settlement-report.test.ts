/**
 * The daily Payout Settlement Report on hand-made inputs: disbursed, pending and open discrepancies
 * for D and D−1 with the change; per-gateway attribution sums exactly; ticket state replayed at the
 * end of the day; the weekly scheduler's due week.
 */
import { describe, expect, it } from 'vitest';
import { settlementReport, type ReportInputs } from '../../../src/analytics/payouts/settlement-report.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';
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
