import { describe, expect, it } from 'vitest';
import { alertValueItems, bannerAlerts, notificationFor, runbookHref, upsertAlert } from '../../../src/renderer/state/alerts.ts';
import type { AlertEntry } from '../../../src/main/common/types.ts';

const NOW = 10 * 3_600_000;
function alert(id: number, firedAt: number, ack: number | null = null): AlertEntry {
  return { id, rule: 'gmv_drop', severity: 'P2', title: `GMV dropped ${id}`, message: 'm', firedAt, values: {}, runbookUrl: '', acknowledgedAt: ack };
}

describe('alert banner selection', () => {
  it('shows unacknowledged alerts from the last hour, newest first', () => {
    const list = [alert(1, NOW - 2 * 3_600_000), alert(2, NOW - 30 * 60_000), alert(3, NOW - 60_000, NOW), alert(4, NOW - 5 * 60_000)];
    expect(bannerAlerts(list, new Set(), NOW).map((a) => a.id)).toEqual([4, 2]);
  });
  it('keeps alerts pushed this session even when older', () => {
    const list = [alert(1, NOW - 2 * 3_600_000)];
    expect(bannerAlerts(list, new Set([1]), NOW).map((a) => a.id)).toEqual([1]);
    expect(bannerAlerts([alert(1, NOW - 2 * 3_600_000, NOW)], new Set([1]), NOW)).toEqual([]);
  });
  it('upserts by id', () => {
    const list = upsertAlert([alert(1, 1), alert(2, 2)], { ...alert(1, 1), acknowledgedAt: 5 });
    expect(list.map((a) => [a.id, a.acknowledgedAt])).toEqual([[2, null], [1, 5]]);
    expect(upsertAlert(list, alert(3, 3))[0]!.id).toBe(3);
  });
  it('builds notification text', () => {
    expect(notificationFor(alert(9, 1))).toEqual({ title: '[P2] GMV dropped 9', body: 'm' });
  });
});

describe('alert values', () => {
  it('labels and formats values', () => {
    const items = alertValueItems(
      { latestGmv: '₫157,987,790', latestGmvMinor: 157987790, currency: 'VND', changePct: -37.9, priorOrders: 256, windowStart: 1795578864934, onlyMinor: 1250, note: null },
      { time: (ms) => `T${ms}`, number: (n) => String(n), money: (m, c) => `${c}:${m}` },
    );
    expect(items.map((i) => [i.label, i.text])).toEqual([
      ['Latest GMV', '₫157,987,790'],
      ['Change', '-37.9%'],
      ['Prior orders', '256'],
      ['Window start', 'T1795578864934'],
      ['Only', 'VND:1250'],
      ['Note', '—'],
    ]);
  });
  it('links only web runbooks', () => {
    expect(runbookHref('https://runbooks.example.com/gmv-drop')).toBe('https://runbooks.example.com/gmv-drop');
    expect(runbookHref('runbook:gmv-drop')).toBeNull();
  });
});
