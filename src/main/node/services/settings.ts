/** Workspace settings, stored as JSON values in the `settings` table. The token is NOT here. */
import type { Database } from '../db/index.ts';
import type { Settings } from '../../common/types.ts';
import type { ApiArgs } from '../../common/api.ts';
import { DEFAULT_TIMEZONE, isValidTimezone } from '../../../analytics/calendar.ts';
import { isKnownCurrency } from '../../../analytics/money.ts';

export type StoredSettings = Omit<Settings, 'tokenSet'>;

export const DEFAULT_SETTINGS: StoredSettings = {
  timezone: DEFAULT_TIMEZONE,
  reportingCurrency: 'VND',
  platformUrl: null,
  fxRates: { USD: '26000' },
  liveIntervalSeconds: 30,
  pollSeconds: 10,
  gmvDropPct: 30,
  gmvWindowMinutes: 15,
  gmvMinPriorOrders: 5,
  runbookBaseUrl: '',
};

export class SettingsStore {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  get(): StoredSettings {
    const rows = this.db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings').all();
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of rows) if (r.key in DEFAULT_SETTINGS) out[r.key] = JSON.parse(r.value);
    return out as StoredSettings;
  }

  /** Raw JSON value of a non-user setting (e.g. demo parameters). */
  getInternal<T>(key: string): T | null {
    const r = this.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key);
    return r ? (JSON.parse(r.value) as T) : null;
  }
  setInternal(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  update(patch: ApiArgs<'settings.update'>): StoredSettings {
    if (patch.timezone !== undefined && !isValidTimezone(patch.timezone)) throw new Error(`timezone: "${patch.timezone}" is not an IANA time zone`);
    if (patch.reportingCurrency !== undefined && !isKnownCurrency(patch.reportingCurrency)) throw new Error(`reportingCurrency: unknown currency "${patch.reportingCurrency}"`);
    if (patch.fxRates) {
      for (const [c, r] of Object.entries(patch.fxRates)) {
        if (!isKnownCurrency(c)) throw new Error(`fxRates: unknown currency "${c}"`);
        if (!(Number(r) > 0)) throw new Error(`fxRates.${c}: rate must be positive`);
      }
    }
    if (patch.platformUrl !== undefined && patch.platformUrl !== '') {
      let u: URL;
      try {
        u = new URL(patch.platformUrl);
      } catch {
        throw new Error(`platformUrl: "${patch.platformUrl}" is not a URL`);
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('platformUrl: only http(s) URLs are supported');
    }
    if (patch.runbookBaseUrl) {
      try {
        const u = new URL(patch.runbookBaseUrl);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
      } catch {
        throw new Error('runbookBaseUrl: must be an http(s) URL');
      }
    }
    const tx = this.db.transaction(() => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        const value = k === 'platformUrl' && v === '' ? null : v;
        this.setInternal(k, value);
      }
    });
    tx();
    return this.get();
  }
}
