/** Which alerts the banner shows. Pure. */
import type { AlertEntry } from '../../main/common/types.ts';

export const BANNER_WINDOW_MS = 60 * 60 * 1000;

/**
 * Unacknowledged alerts that either arrived as a push in this session or fired within the last
 * hour, newest first.
 */
export function bannerAlerts(alerts: readonly AlertEntry[], pushedIds: ReadonlySet<number>, now: number): AlertEntry[] {
  return alerts
    .filter((a) => a.acknowledgedAt === null && (pushedIds.has(a.id) || now - a.firedAt <= BANNER_WINDOW_MS))
    .sort((a, b) => b.firedAt - a.firedAt || b.id - a.id);
}

/** Insert or replace an alert by id, keeping newest first. */
export function upsertAlert(alerts: readonly AlertEntry[], entry: AlertEntry): AlertEntry[] {
  const rest = alerts.filter((a) => a.id !== entry.id);
  return [entry, ...rest].sort((a, b) => b.firedAt - a.firedAt || b.id - a.id);
}

/** Text for a desktop notification. */
export function notificationFor(a: AlertEntry): { title: string; body: string } {
  return { title: `[${a.severity}] ${a.title}`, body: a.message };
}

export interface AlertValueItem { key: string; label: string; text: string }

/**
 * The `values` of an alert as labelled display items: amounts already formatted by the server are
 * preferred over their `…Minor` twins, epoch-ms instants become times in `tz`, `…Pct` get a % sign.
 */
export function alertValueItems(
  values: Readonly<Record<string, string | number | null>>,
  fmt: { time: (ms: number) => string; number: (n: number) => string; money?: (minor: number, currency: string) => string },
): AlertValueItem[] {
  const out: AlertValueItem[] = [];
  const currency = typeof values.currency === 'string' ? values.currency : null;
  for (const [key, v] of Object.entries(values)) {
    if (key === 'currency') continue;
    if (/Minor$/.test(key) && key.slice(0, -5) in values) continue;
    let text: string;
    if (v === null) text = '—';
    else if (typeof v === 'string') text = v;
    else if (/Minor$/.test(key) && currency && fmt.money) text = fmt.money(v, currency);
    else if (/Pct$/.test(key)) text = `${fmt.number(v)}%`;
    else if (/(At|Start|End|^asOf|Time)$/.test(key) && v > 1e11) text = fmt.time(v);
    else text = fmt.number(v);
    out.push({ key, label: labelFor(key.replace(/Minor$/, '')), text });
  }
  return out;
}

function labelFor(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[\s_]+/).filter(Boolean);
  const mapped = words.map((w) => {
    const l = w.toLowerCase();
    if (l === 'gmv' || l === 'aov' || l === 'fx') return l.toUpperCase();
    if (l === 'pct') return '';
    return l;
  });
  const s = mapped.filter(Boolean).join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** An http(s) runbook link, or null when the reference is not a web address (no runbook base URL set). */
export function runbookHref(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null;
}
