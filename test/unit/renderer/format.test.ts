import { describe, expect, it } from 'vitest';
import {
  compactMinor, formatBytes, formatChangePct, formatDateTime, formatDuration, formatInt, formatRatioPct, formatRelative,
  formatTime, groupDecimalString, isTimezone, prettyRaw, utcOffsetLabel, formatAlertValue,
} from '../../../src/renderer/format.ts';

const T = Date.UTC(2026, 1, 21, 17, 5, 9); // 2026-02-22 00:05:09 in Ho Chi Minh City

describe('format', () => {
  it('groups numbers', () => {
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatInt(null)).toBe('—');
    expect(groupDecimalString('25400.125')).toBe('25,400.125');
    expect(groupDecimalString('0.000039')).toBe('0.000039');
  });
  it('formats percentages', () => {
    expect(formatRatioPct(0.01234)).toBe('1.23%');
    expect(formatRatioPct(null)).toBe('—');
    expect(formatChangePct(12.345)).toBe('+12.3%');
    expect(formatChangePct(-45)).toBe('\u221245.0%');
    expect(formatChangePct(-0.01)).toBe('0.0%');
    expect(formatChangePct(null)).toBe('—');
  });
  it('formats times in the business timezone', () => {
    expect(formatDateTime(T, 'Asia/Ho_Chi_Minh')).toBe('2026-02-22 00:05');
    expect(formatDateTime(T, 'UTC', { seconds: true })).toBe('2026-02-21 17:05:09');
    expect(formatTime(T, 'Asia/Ho_Chi_Minh')).toBe('00:05');
    expect(formatTime(T, 'America/New_York')).toBe('12:05');
    expect(formatDateTime(null, 'UTC')).toBe('—');
    expect(utcOffsetLabel(T, 'Asia/Ho_Chi_Minh')).toBe('UTC+7');
    expect(utcOffsetLabel(T, 'Asia/Kolkata')).toBe('UTC+5:30');
    expect(utcOffsetLabel(T, 'America/New_York')).toBe('UTC\u22125');
    expect(utcOffsetLabel(T, 'UTC')).toBe('UTC');
  });
  it('formats relative times', () => {
    const now = 1_000_000_000;
    expect(formatRelative(now - 2000, now)).toBe('just now');
    expect(formatRelative(now - 42_000, now)).toBe('42 s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(formatRelative(now - 2 * 86_400_000, now)).toBe('2 d ago');
    expect(formatRelative(now + 120_000, now)).toBe('in 2 min');
    expect(formatRelative(null, now)).toBe('never');
  });
  it('formats durations and sizes', () => {
    expect(formatDuration(247_000)).toBe('4:07');
    expect(formatDuration(3_909_000)).toBe('1:05:09');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });
  it('abbreviates amounts for axis ticks from minor units', () => {
    expect(compactMinor(1_250_000, 'VND')).toBe('1.25M');
    expect(compactMinor(125_050, 'USD')).toBe('1.25K');
    expect(compactMinor(0, 'USD')).toBe('0');
    expect(compactMinor(50_000_000_000, 'VND')).toBe('50B');
    expect(compactMinor(999, 'VND')).toBe('999');
  });
  it('validates timezones and pretty-prints raw payloads', () => {
    expect(isTimezone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(isTimezone('Mars/Olympus')).toBe(false);
    expect(isTimezone('')).toBe(false);
    expect(prettyRaw('{"a":1}')).toEqual({ text: '{\n  "a": 1\n}', json: true });
    expect(prettyRaw('a,b,c')).toEqual({ text: 'a,b,c', json: false });
    expect(prettyRaw('{broken')).toEqual({ text: '{broken', json: false });
    expect(formatAlertValue(1234)).toBe('1,234');
    expect(formatAlertValue(-45.678)).toBe('-45.68');
    expect(formatAlertValue(null)).toBe('—');
  });
});
