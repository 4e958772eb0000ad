import { describe, expect, it } from 'vitest';
import {
  base64ToBytes, binLabel, cacheLabel, describeRun, errorCodes, formatDurationCompact, formatDurationShort, newRequestId, pct, phaseLabel, progressPercent,
  sortBreakdown, tailEvents, unitWord,
} from '../../../src/renderer/components/funnels/funnelsFormat.ts';
import type { BreakdownRow, FunnelCacheStatus } from '../../../src/analytics/funnel/types.ts';

describe('formatting', () => {
  it('formats durations for people', () => {
    expect(formatDurationShort(850)).toBe('850 ms');
    expect(formatDurationShort(4_250)).toBe('4.2 s');
    expect(formatDurationShort(42_000)).toBe('42 s');
    expect(formatDurationShort(245_000)).toBe('4 min 05 s');
    expect(formatDurationShort(120_000)).toBe('2 min');
    expect(formatDurationShort(2 * 3_600_000 + 15 * 60_000)).toBe('2 h 15 min');
    expect(formatDurationShort(86_400_000)).toBe('1 d');
    expect(formatDurationShort(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(formatDurationShort(null)).toBe('—');
    expect(formatDurationShort(-1)).toBe('—');
  });
  it('formats durations compactly for tables', () => {
    expect(formatDurationCompact(850)).toBe('850ms');
    expect(formatDurationCompact(110_000)).toBe('1m 50s');
    expect(formatDurationCompact(2 * 3_600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatDurationCompact(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
    expect(formatDurationCompact(undefined)).toBe('—');
  });
  it('labels histogram bins', () => {
    const edges = [0, 10_000, 30_000, 60_000, 3_600_000, 604_800_000];
    expect(binLabel(edges, 0)).toBe('0–10s');
    expect(binLabel(edges, 2)).toBe('30s–1m');
    expect(binLabel(edges, 3)).toBe('1m–1h');
    expect(binLabel(edges, 5)).toBe('7d+');
  });
  it('formats ratios, units, event types', () => {
    expect(pct(0.6234)).toBe('62.3%');
    expect(pct(1)).toBe('100.0%');
    expect(pct(null)).toBe('—');
    expect(pct(0.12345, 2)).toBe('12.35%');
    expect(unitWord('user')).toBe('users');
    expect(unitWord('session', 1)).toBe('session');
    expect(describeRun({ funnel: { id: 'standard', name: 'x', steps: [{}, {}, {}] as never }, order: 'any', unit: 'user', windowMs: 86_400_000 }))
      .toBe('3 steps · any order · users · 1 d window');
  });
});

describe('run progress', () => {
  it('is indeterminate until a phase is reported, then grows across phases', () => {
    expect(progressPercent(null)).toBeNull();
    expect(progressPercent({ phase: 'what', done: 1, total: 2 })).toBeNull();
    const a = progressPercent({ phase: 'load', done: 5, total: 10 })!;
    const b = progressPercent({ phase: 'sessionize', done: 0, total: 10 })!;
    const c = progressPercent({ phase: 'match', done: 10, total: 10 })!;
    const d = progressPercent({ phase: 'aggregate', done: 1, total: 1 })!;
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
    expect(d).toBe(100);
    expect(progressPercent({ phase: 'match', done: 50, total: 0 })).toBe(45);
  });
  it('names the phase with counts', () => {
    expect(phaseLabel(null)).toBe('Starting');
    expect(phaseLabel({ phase: 'match', done: 1200, total: 5000 })).toBe('Matching steps · 1,200 / 5,000');
    expect(phaseLabel({ phase: 'aggregate', done: 0, total: 1 })).toBe('Aggregating');
  });
  it('makes distinct request ids within the API limit', () => {
    const a = newRequestId(1_700_000_000_000, 0.1), b = newRequestId(1_700_000_000_000, 0.2);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(newRequestId().startsWith('funnel-')).toBe(true);
  });
});

describe('breakdown sorting', () => {
  const row = (device: string, source: string, entered: number, last: number): BreakdownRow => ({
    keys: { device, source }, entered, reached: [entered, Math.round(entered / 2), last], conversion: entered ? last / entered : null,
  });
  const rows = [row('ios', 'ads', 100, 10), row('android', 'seo', 300, 15), row('other', 'ads', 50, 10), row('web', 'email', 0, 0)];
  it('sorts by a dimension, entered, a step and conversion, without mutating', () => {
    const copy = JSON.stringify(rows);
    expect(sortBreakdown(rows, { kind: 'dim', dim: 'device' }, 'asc').map((r) => r.keys.device)).toEqual(['android', 'ios', 'other', 'web']);
    expect(sortBreakdown(rows, { kind: 'dim', dim: 'device' }, 'desc').map((r) => r.keys.device)).toEqual(['web', 'other', 'ios', 'android']);
    expect(sortBreakdown(rows, { kind: 'entered' }, 'desc').map((r) => r.entered)).toEqual([300, 100, 50, 0]);
    expect(sortBreakdown(rows, { kind: 'step', index: 2 }, 'asc').map((r) => r.reached[2])).toEqual([0, 10, 10, 15]);
    // null conversion last in both directions; ties keep the given order
    expect(sortBreakdown(rows, { kind: 'conversion' }, 'desc').map((r) => r.keys.device)).toEqual(['other', 'ios', 'android', 'web']);
    expect(sortBreakdown(rows, { kind: 'conversion' }, 'asc').map((r) => r.keys.device)).toEqual(['android', 'ios', 'other', 'web']);
    expect(JSON.stringify(rows)).toBe(copy);
  });
});

describe('drill-down and cache helpers', () => {
  it('lists distinct error codes and the tail of the events', () => {
    const errors = [{ type: 'payment.failed', time: 1, code: 'card_declined' }, { type: 'error.occurred', time: 2, code: 'E500' }, { type: 'payment.failed', time: 3, code: 'card_declined' }];
    expect(errorCodes({ errors })).toEqual(['card_declined', 'E500']);
    expect(tailEvents(errors, 2)).toEqual({ hidden: 1, shown: errors.slice(1) });
    expect(tailEvents([], 3)).toEqual({ hidden: 0, shown: [] });
  });
  it('describes the cache', () => {
    const c: FunnelCacheStatus = {
      events: 123456, lastSeq: 123456, lastTime: 1, origin: 'snapshot', rebuildReason: null, snapshotFile: 'x', snapshotBytes: 4_000_000,
      snapshotSeq: 123000, memoryBytes: 4_000_000, dictionaries: {},
    };
    expect(cacheLabel(c)).toBe('Cache: 123,456 events · from snapshot');
    expect(cacheLabel({ ...c, origin: 'rebuild' })).toBe('Cache: 123,456 events · rebuilt');
    expect(cacheLabel({ ...c, origin: null })).toBe('Cache: not loaded yet');
    expect(cacheLabel(undefined, 'boom')).toBe('Cache: unavailable');
  });
  it('decodes base64 bytes', () => {
    expect(Array.from(base64ToBytes('77u/c3RlcA=='))).toEqual([0xef, 0xbb, 0xbf, 0x73, 0x74, 0x65, 0x70]);
  });
});
