import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, money, moneyList, statusColor, yesterdayIn } from '../../../src/renderer/pages/reconFormat.ts';
import { parseHash } from '../../../src/renderer/router.ts';

describe('reconciliation page helpers', () => {
  it('formats money exactly and never adds currencies', () => {
    expect(money(1_250_000, 'VND')).toBe('₫1,250,000');
    expect(money(-50, 'USD')).toBe('-$0.50');
    expect(money(null, 'USD')).toBe('—');
    expect(moneyList([{ minor: 1000, currency: 'VND' }, { minor: 250, currency: 'USD' }, { minor: 0, currency: 'EUR' }])).toBe('₫1,000 + $2.50');
  });
  it('round-trips file bytes through base64 (uploads in web mode)', () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7919) % 256);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(bytesToBase64(new TextEncoder().encode('Thanh toán'))).toBe(Buffer.from('Thanh toán').toString('base64'));
  });
  it('T-1 in the business timezone', () => {
    expect(yesterdayIn('Asia/Ho_Chi_Minh', Date.parse('2026-11-20T17:30:00Z'))).toBe('2026-11-20');
    expect(yesterdayIn('Asia/Ho_Chi_Minh', Date.parse('2026-11-20T16:30:00Z'))).toBe('2026-11-19');
  });
  it('colours exceptions, pending and matched apart', () => {
    expect(statusColor('matched', 'none')).toBe('success');
    expect(statusColor('internal_only', 'pending')).toBe('default');
    expect(statusColor('internal_only', 'exception')).toBe('error');
  });
  it('routes #/reconciliation?run=3', () => {
    expect(parseHash('#/reconciliation?run=3')).toEqual({ page: 'reconciliation', params: { run: '3' } });
  });
});
