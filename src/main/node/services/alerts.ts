/**
 * Alerts: rules evaluated on computed snapshots. A rule fires once when its condition becomes true
 * (an "episode") and re-arms when the condition clears, so a sustained drop is one alert, not one
 * every 30 s. Each alert is stored (alerts history), pushed to the UI and sent as a desktop notification.
 */
import type { Database } from '../db/index.ts';
import type { AlertEntry } from '../../common/types.ts';
import type { LiveSnapshot } from '../../../analytics/live.ts';
import type { Notifier } from '../ports/notifier.ts';

export const RUNBOOKS: Record<string, { title: string }> = {
  'gmv-drop': { title: 'GMV drop' },
  'recon-discrepancy': { title: 'Reconciliation discrepancy' },
  'funnel-dropoff': { title: 'Funnel drop-off rise' },
  'payout-discrepancy': { title: 'Seller payout discrepancy' },
};

export function runbookUrl(base: string, name: string): string {
  return base ? `${base.replace(/\/$/, '')}/${name}` : `runbook:${name}`;
}

interface AlertRow {
  id: number; rule: string; severity: string; title: string; message: string; fired_at: number;
  values: string; runbook_url: string; acknowledged_at: number | null;
}

function toEntry(r: AlertRow): AlertEntry {
  return {
    id: r.id, rule: r.rule, severity: r.severity as AlertEntry['severity'], title: r.title, message: r.message,
    firedAt: r.fired_at, values: JSON.parse(r.values), runbookUrl: r.runbook_url, acknowledgedAt: r.acknowledged_at,
  };
}

export class AlertService {
  private readonly db: Database;
  private readonly notifier: Notifier;
  private readonly onFired: (a: AlertEntry) => void;
  private readonly active = new Set<string>();

  constructor(db: Database, notifier: Notifier, onFired: (a: AlertEntry) => void) {
    this.db = db;
    this.notifier = notifier;
    this.onFired = onFired;
  }

  list(limit = 200): AlertEntry[] {
    return this.db.prepare<[number], AlertRow>('SELECT * FROM alerts ORDER BY fired_at DESC, id DESC LIMIT ?').all(limit).map(toEntry);
  }

  ack(id: number, now: number): AlertEntry {
    const r = this.db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?').get(id);
    if (!r) throw new Error(`alert ${id} not found`);
    if (r.acknowledged_at === null) {
      this.db.prepare('UPDATE alerts SET acknowledged_at = ? WHERE id = ?').run(now, id);
      r.acknowledged_at = now;
    }
    return toEntry(r);
  }

  /** Evaluate the live GMV-drop rule (spec 1.2) on a fresh snapshot. Returns the alert when it fires. */
  evaluateLive(s: LiveSnapshot, settings: { gmvDropPct: number; runbookBaseUrl: string }): AlertEntry | null {
    const rule = 'gmv_drop';
    if (!s.window.dropping) {
      this.active.delete(rule);
      return null;
    }
    if (this.active.has(rule)) return null;
    this.active.add(rule);
    const w = s.window;
    const pct = w.changePct === null ? null : Math.round(w.changePct * 10) / 10;
    return this.fire({
      rule,
      severity: 'P2',
      title: `GMV dropped ${pct === null ? '' : Math.abs(pct) + '% '}in the last ${w.windowMinutes} min`,
      message: `GMV in the latest ${w.windowMinutes}-minute window was ${w.latest.display} (${w.latestOrders} orders) against ${w.prior.display} (${w.priorOrders} orders) in the prior window: a change of ${pct}%, beyond the ${settings.gmvDropPct}% threshold.`,
      values: {
        latestGmv: w.latest.display, latestGmvMinor: w.latest.minor, priorGmv: w.prior.display, priorGmvMinor: w.prior.minor,
        currency: w.latest.currency, changePct: pct, thresholdPct: settings.gmvDropPct, windowMinutes: w.windowMinutes,
        latestOrders: w.latestOrders, priorOrders: w.priorOrders, windowStart: w.latestStart, asOf: s.asOf,
      },
      firedAt: s.asOf,
      runbookUrl: runbookUrl(settings.runbookBaseUrl, 'gmv-drop'),
    });
  }

  fire(a: Omit<AlertEntry, 'id' | 'acknowledgedAt'>): AlertEntry {
    const info = this.db
      .prepare('INSERT INTO alerts (rule, severity, title, message, fired_at, "values", runbook_url) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.rule, a.severity, a.title, a.message, a.firedAt, JSON.stringify(a.values), a.runbookUrl);
    const entry: AlertEntry = { ...a, id: Number(info.lastInsertRowid), acknowledgedAt: null };
    this.notifier.notify({ title: a.title, body: a.message, severity: a.severity });
    this.onFired(entry);
    return entry;
  }
}
