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
