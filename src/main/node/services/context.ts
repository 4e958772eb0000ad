/**
 * What every service slice gets: the workspace's connections, the analytics worker, settings,
 * pushes, alerts, the clock and the audit log. A capability adds `services/<domain>.ts` exporting
 * `create<Domain>Handlers(ctx)` (its slice of the handler map) and spreads it in services/index.ts.
 */
import type { Kysely } from 'kysely';
import type { Database, DB } from '../db/index.ts';
import type { WorkerHost } from '../worker/host.ts';
import type { SettingsStore } from './settings.ts';
import type { PushBus } from './push-bus.ts';
import type { AlertService } from './alerts.ts';
import type { Clock } from '../ports/clock.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { WorkspaceFiles } from '../workspace/paths.ts';
import type { AuditEntry } from './audit.ts';

export interface ServiceContext {
  db: Database;
  kysely: Kysely<DB>;
  worker: WorkerHost;
  settings: SettingsStore;
  push: PushBus;
  alerts: AlertService;
  clock: Clock;
  secrets: SecretStore;
  files: WorkspaceFiles;
  /** who is acting (for the audit log): "cli", "web-user", "electron-user" */
  actor: string;
  audit(e: Omit<AuditEntry, 'at' | 'actor'>): void;
  /** the platform URL + token when configured */
  platform(): { url: string; token: string } | null;
  /** mark derived data stale after writes (live snapshot, caches) */
  dataChanged(): void;
}
