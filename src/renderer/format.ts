/**
 * Display helpers. Times are shown in the workspace (business) timezone; numbers with grouping.
 * Money is formatted by src/analytics/money.ts (exact, from integer minor units).
 */
import { exponentOf } from '../analytics/money.ts';
import { isValidTimezone, localParts, offsetMs } from '../analytics/calendar.ts';

export const DASH = '—';

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec1Fmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? DASH : intFmt.format(n);
}

export function formatDecimal(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  if (digits === 1) return dec1Fmt.format(n);
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** A ratio 0..1 as a percentage: 0.0123 -> "1.23%". */
export function formatRatioPct(ratio: number | null | undefined, digits = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
  return `${formatDecimal(ratio * 100, digits)}%`;
}

/** A signed change already in percent: 12.345 -> "+12.3%", -4 -> "−4.0%". */
export function formatChangePct(pct: number | null | undefined, digits = 1): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return DASH;
  const rounded = Number(pct.toFixed(digits));
  if (rounded === 0) return `${formatDecimal(0, digits)}%`;
  return `${rounded > 0 ? '+' : '\u2212'}${formatDecimal(Math.abs(pct), digits)}%`;
}

export function formatEventsPerSec(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return `${n >= 100 ? formatInt(n) : formatDecimal(n, 1)}/s`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${intFmt.format(v)} B` : `${formatDecimal(v, 1)} ${units[i]}`;
}

/** Wall-clock parts of `ms` in `tz` as zero-padded strings (UTC when `tz` is not a valid zone). */
function parts(ms: number, tz: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const p = localParts(ms, isValidTimezone(tz) ? tz : 'UTC');
  const two = (n: number) => String(n).padStart(2, '0');
  return { year: String(p.year), month: two(p.month), day: two(p.day), hour: two(p.hour), minute: two(p.minute), second: two(p.second) };
}

/** "2026-02-21 14:03" (or with seconds) in `tz`. */
export function formatDateTime(ms: number | null | undefined, tz: string, opts: { seconds?: boolean } = {}): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  const p = parts(ms, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${opts.seconds ? `:${p.second}` : ''}`;
}

/** "14:03" (or "14:03:22") in `tz`. */
export function formatTime(ms: number | null | undefined, tz: string, opts: { seconds?: boolean } = {}): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  const p = parts(ms, tz);
  return `${p.hour}:${p.minute}${opts.seconds ? `:${p.second}` : ''}`;
}

/** "UTC+7", "UTC−3:30", "UTC" for the offset of `tz` at `ms`. */
export function utcOffsetLabel(ms: number, tz: string): string {
  let off: number;
  try {
    off = offsetMs(ms, tz);
  } catch {
    return '';
  }
  const mins = Math.round(off / 60_000);
  if (mins === 0) return 'UTC';
  const abs = Math.abs(mins);
  const h = Math.floor(abs / 60), m = abs % 60;
  return `UTC${mins > 0 ? '+' : '\u2212'}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; future times as "in …". */
export function formatRelative(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'never';
  const diff = now - ms;
  const abs = Math.abs(diff);
  let s: string;
  if (abs < 5_000) return 'just now';
  if (abs < 60_000) s = `${Math.floor(abs / 1000)} s`;
  else if (abs < 3_600_000) s = `${Math.floor(abs / 60_000)} min`;
  else if (abs < 86_400_000) s = `${Math.floor(abs / 3_600_000)} h`;
  else s = `${Math.floor(abs / 86_400_000)} d`;
  return diff >= 0 ? `${s} ago` : `in ${s}`;
}

/** "1:05:09" / "4:07" for a duration in ms. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/**
 * Short axis label for an amount in minor units: 1_250_000 VND -> "1.25M", 125_050 USD -> "1.25K".
 * For chart ticks only; exact amounts are shown with displayMoney.
 */
export function compactMinor(minor: number, currency: string): string {
  let exp = 0;
  try {
    exp = exponentOf(currency);
  } catch {
    exp = 0;
  }
  const major = minor / 10 ** exp;
  const abs = Math.abs(major);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [v, u] of units) {
    if (abs >= v) return `${trim(major / v)}${u}`;
  }
  return trim(major);
}

function trim(v: number): string {
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Whether `tz` is an IANA timezone this runtime knows. */
export function isTimezone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Pretty-print JSON text; other text unchanged. */
export function prettyRaw(raw: string): { text: string; json: boolean } {
  const t = raw.trim();
  if (t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
    try {
      return { text: JSON.stringify(JSON.parse(t), null, 2), json: true };
    } catch {
      /* not JSON */
    }
  }
  return { text: raw, json: false };
}

/** A value from an alert's `values` map. */
export function formatAlertValue(v: string | number | null): string {
  if (v === null) return DASH;
  if (typeof v === 'number') return Number.isInteger(v) ? formatInt(v) : formatDecimal(v, 2);
  return v;
}

/** Group the integer part of a decimal string without converting it: "25400.5" -> "25,400.5". */
export function groupDecimalString(s: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s.trim());
  if (!m) return s;
  return m[1]! + m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] ?? '');
}
