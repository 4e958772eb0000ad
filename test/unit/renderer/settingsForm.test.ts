import { describe, expect, it } from 'vitest';
import { diffPatch, hasErrors, toForm, validateForm } from '../../../src/renderer/pages/settingsForm.ts';
import { describeLocation } from '../../../src/renderer/pages/quarantineFormat.ts';
import { syncPercent } from '../../../src/renderer/components/syncStatus.ts';
import type { Settings } from '../../../src/main/common/types.ts';

const S: Settings = {
  timezone: 'Asia/Ho_Chi_Minh', reportingCurrency: 'VND', platformUrl: 'http://127.0.0.1:4000', tokenSet: true,
  fxRates: { USD: '25400' }, liveIntervalSeconds: 30, pollSeconds: 10, gmvDropPct: 30, gmvWindowMinutes: 15,
  gmvMinPriorOrders: 20, runbookBaseUrl: 'https://runbooks.example.com',
};

describe('settings form', () => {
  it('round-trips without changes', () => {
    const f = toForm(S);
    expect(validateForm(f)).toEqual({});
    expect(diffPatch(S, f)).toEqual({});
    expect(f.token).toBe('');
  });
  it('produces a patch of changed fields only', () => {
    const f = { ...toForm(S), timezone: ' Europe/Berlin ', gmvDropPct: '25.5', pollSeconds: '0', fxRates: [{ currency: 'usd', rate: '25500' }, { currency: 'EUR', rate: '27000.5' }] };
    expect(validateForm(f)).toEqual({});
    expect(diffPatch(S, f)).toEqual({ timezone: 'Europe/Berlin', gmvDropPct: 25.5, pollSeconds: 0, fxRates: { USD: '25500', EUR: '27000.5' } });
  });
  it('sends the whole rate map when a rate is removed', () => {
    expect(diffPatch(S, { ...toForm(S), fxRates: [] })).toEqual({ fxRates: {} });
  });
  it('rejects bad values', () => {
    const e = validateForm({
      ...toForm(S), timezone: 'Nowhere/City', liveIntervalSeconds: '0', gmvWindowMinutes: 'abc', gmvMinPriorOrders: '1.5',
      platformUrl: 'ftp://x', fxRates: [{ currency: 'USD', rate: '-1' }, { currency: 'VND', rate: '1' }, { currency: 'EU', rate: '1' }, { currency: 'JPY', rate: '0' }],
    });
    expect(hasErrors(e)).toBe(true);
    expect(Object.keys(e).sort()).toEqual(['fxRates', 'gmvMinPriorOrders', 'gmvWindowMinutes', 'liveIntervalSeconds', 'platformUrl', 'timezone']);
    expect(e.fxRates!.map((x) => x !== null)).toEqual([true, true, true, true]);
  });
});

describe('small view helpers', () => {
  it('describes quarantine locations', () => {
    expect(describeLocation({ origin: 'file:/tmp/orders.csv', location: '12' })).toBe('orders.csv row 12');
    expect(describeLocation({ origin: 'sync:http://p', location: 'c_42' })).toBe('cursor c_42');
  });
  it('computes sync percent only with a total', () => {
    expect(syncPercent({ fetched: 50, total: 200, state: 'running' })).toBe(25);
    expect(syncPercent({ fetched: 50, total: null, state: 'running' })).toBeNull();
    expect(syncPercent({ fetched: 300, total: 200, state: 'running' })).toBe(100);
    expect(syncPercent({ fetched: 272, total: 1_600_000, state: 'done' })).toBe(100);
  });
});
