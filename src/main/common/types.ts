/** Plain result objects shared by services, transports, the renderer, the CLI and exports. */
import type { MoneyValue } from '../../analytics/live.ts';
export type { MoneyValue };

export interface Settings {
  timezone: string;
  reportingCurrency: string;
  platformUrl: string | null;
  /** true when a platform token is stored (the token itself is never returned) */
  tokenSet: boolean;
  /** units of reportingCurrency per 1 unit of each other currency, decimal strings */
  fxRates: Record<string, string>;
  liveIntervalSeconds: number;
  /** live feed polling; 0 disables */
  pollSeconds: number;
  gmvDropPct: number;
  gmvWindowMinutes: number;
  gmvMinPriorOrders: number;
  runbookBaseUrl: string;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'web' | 'cli' | 'test';
  workspaceDir: string;
  platformConfigured: boolean;
  firstRun: boolean;
  demoRunning: boolean;
}

export interface DemoInfo { url: string; days: number; users: number; seed: number }

export type SyncState = 'idle' | 'running' | 'done' | 'cancelled' | 'error';
export interface SyncStatus {
  state: SyncState;
  startedAt: number | null;
  finishedAt: number | null;
  /** events received from the platform in this run */
  fetched: number;
  inserted: number;
  duplicates: number;
  quarantined: number;
  eventsPerSec: number;
  /** the platform's estimate of the total events remaining + fetched, when it sends one */
  total: number | null;
  cursor: string | null;
  lastSyncedAt: number | null;
  retries: number;
  error: string | null;
}

export interface ImportResult {
  file: string;
  format: 'ndjson' | 'json' | 'csv';
  rows: number;
  inserted: number;
  duplicates: number;
  quarantined: number;
  errors: { row: number; field: string; reason: string }[];
}

export interface QuarantineRow {
  id: number;
  /** "sync:<platform url>" or "file:<name>" */
  origin: string;
  /** cursor of the page or the 1-based row in the file */
  location: string;
  eventId: string | null;
  eventType: string | null;
  field: string;
  reason: string;
  raw: string;
  quarantinedAt: number;
}
export interface QuarantinePage { total: number; rows: QuarantineRow[] }

export interface WorkspaceStats {
  events: number;
  quarantined: number;
  firstEventAt: number | null;
  lastEventAt: number | null;
  byType: { type: string; count: number }[];
  dbBytes: number;
}

export interface AlertEntry {
  id: number;
  rule: string;
  severity: 'P1' | 'P2' | 'P3';
  title: string;
  message: string;
  firedAt: number;
  values: Record<string, string | number | null>;
  runbookUrl: string;
  acknowledgedAt: number | null;
}

export type LiveSnapshot = import('../../analytics/live.ts').LiveSnapshot;
