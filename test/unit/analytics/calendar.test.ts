import { describe, expect, it } from 'vitest';
import { dayKey, startOfDay, dayRange, previousDay, parseRfc3339, zonedToUtc, isoWeekKey, monthKey, offsetMs } from '../../../src/analytics/calendar.ts';

const HCM = 'Asia/Ho_Chi_Minh';

describe('business calendar', () => {
  it('uses the business timezone, not UTC, for the day', () => {
    const t = Date.UTC(2026, 10, 24, 17, 30); // 00:30 on the 25th in Ho Chi Minh City
    expect(dayKey(t, HCM)).toBe('2026-11-25');
    expect(dayKey(t, 'UTC')).toBe('2026-11-24');
    expect(startOfDay(t, HCM)).toBe(Date.UTC(2026, 10, 24, 17, 0));
    expect(offsetMs(t, HCM)).toBe(7 * 3600_000);
  });
  it('month boundaries: 23:30 local on the last day is the previous UTC day', () => {
    const t = zonedToUtc(2026, 1, 31, 23, 30, HCM);
    expect(new Date(t).toISOString()).toBe('2026-01-31T16:30:00.000Z');
    expect(monthKey(t, HCM)).toBe('2026-01');
    expect(monthKey(zonedToUtc(2026, 2, 1, 0, 0, HCM), HCM)).toBe('2026-02');
  });
  it('day ranges are 24h in HCM and 23h/25h across DST elsewhere', () => {
    const r = dayRange('2026-11-25', HCM);
    expect(r.end - r.start).toBe(86_400_000);
    const spring = dayRange('2026-03-08', 'America/New_York');
    expect(spring.end - spring.start).toBe(23 * 3600_000);
    const fall = dayRange('2026-11-01', 'America/New_York');
    expect(fall.end - fall.start).toBe(25 * 3600_000);
  });
  it('T-1 and ISO weeks', () => {
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2024-03-01')).toBe('2024-02-29');
    expect(isoWeekKey('2026-11-25')).toBe('2026-W48');
    expect(isoWeekKey('2027-01-01')).toBe('2026-W53');
    expect(() => dayRange('2026-02-30', HCM)).toThrow();
  });
  it('parses RFC 3339 with offsets and rejects everything else', () => {
    expect(parseRfc3339('2026-11-24T08:15:00Z')).toBe(Date.UTC(2026, 10, 24, 8, 15));
    expect(parseRfc3339('2026-11-24T15:15:00.5+07:00')).toBe(Date.UTC(2026, 10, 24, 8, 15, 0, 500));
    expect(parseRfc3339('2026-11-24T08:15:00.123456789Z')).toBe(Date.UTC(2026, 10, 24, 8, 15, 0, 123));
    expect(parseRfc3339('2026-11-24T08:15:00')).toBeNaN();
    expect(parseRfc3339('2026-02-30T00:00:00Z')).toBeNaN();
    expect(parseRfc3339('yesterday')).toBeNaN();
  });
});
