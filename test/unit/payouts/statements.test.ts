/** The platform's payout statements as a run reads them: exact minor units, and errors that name the statement and field. */
import { describe, expect, it } from 'vitest';
import { parseStatements } from '../../../src/main/node/payouts/statements.ts';

const m = (amount: string, currency: string) => ({ amount, currency });
const statement = (over: Record<string, unknown> = {}) => ({
  seller_id: 'S1', currency: 'USD', disbursed: m('870.05', 'USD'), escrow_released: m('1000.10', 'USD'), commission: m('100.01', 'USD'),
  fees: m('20.00', 'USD'), penalties: m('10.04', 'USD'), transfer_ref: 'TR-1', disbursement_id: 'DSB-1', disbursed_at: '2025-06-30T03:00:00Z', ...over,
});

describe('payout statements', () => {
  it('parses money exactly into minor units of the statement currency', () => {
    const [s] = parseStatements(JSON.stringify({ week: '2025-W26', statements: [statement({ deductions: m('0.01', 'USD') })] }), '2025-W26');
    expect(s).toEqual({
      sellerId: 'S1', currency: 'USD', disbursed: 87_005, escrow: 100_010, commission: 10_001, fees: 2000, penalties: 1004, deductions: 1,
      disbursementId: 'DSB-1', transferRef: 'TR-1', disbursedAt: Date.UTC(2025, 5, 30, 3),
    });
    const [v] = parseStatements(JSON.stringify({ week: '2025-W26', statements: [statement({ currency: 'VND', disbursed: m('870000', 'VND'), escrow_released: m('1000000', 'VND'), commission: m('100000', 'VND'), fees: m('20000', 'VND'), penalties: m('10000', 'VND') })] }), '2025-W26');
    expect(v).toMatchObject({ currency: 'VND', disbursed: 870_000, deductions: 0 });
  });

  it('refuses another week, a missing list, and money in the wrong currency, naming the statement and field', () => {
    expect(() => parseStatements(JSON.stringify({ week: '2025-W25', statements: [] }), '2025-W26')).toThrow(/asked for 2025-W26, the platform answered 2025-W25/);
    expect(() => parseStatements(JSON.stringify({ week: '2025-W26' }), '2025-W26')).toThrow(/"statements" is not an array/);
    const bad = JSON.stringify({ week: '2025-W26', statements: [statement(), statement({ disbursement_id: 'DSB-2', fees: m('20.00', 'VND') })] });
    expect(() => parseStatements(bad, '2025-W26')).toThrow(/statements\[1\] \(DSB-2\)\.fees: expected a USD money object/);
    expect(() => parseStatements(JSON.stringify({ week: '2025-W26', statements: [statement({ commission: m('1.001', 'USD') })] }), '2025-W26')).toThrow();
  });
});
