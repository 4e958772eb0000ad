/**
 * The one API contract between the UI (and CLI) and the services. Every transport serves exactly
 * this map: Electron IPC (preload exposes these names only), loopback HTTP + server-sent events in
 * web mode, and direct calls in tests and the CLI.
 *
 * - `apiArgs` holds a runtime schema per method; transports validate arguments with it.
 * - `ApiSpec` holds the static argument and result types.
 * - Pushes (server -> UI) are listed in `PushSpec`.
 */
import { s, type Infer } from './schema.ts';
import { funnelArgs, type FunnelResults, type FunnelProgress } from './api-funnels.ts';
import { reconArgs, type ReconResults } from './api-reconciliation.ts';
import { dropoffArgs, type DropoffResults } from './api-dropoff.ts';
import { payoutArgs, type PayoutResults } from './api-payouts.ts';
import { cohortArgs, type CohortResults } from './api-cohorts.ts';
import { rfmArgs, type RfmResults } from './api-rfm.ts';
import type { Settings, AppInfo, SyncStatus, ImportResult, QuarantinePage, LiveSnapshot, AlertEntry, WorkspaceStats, DemoInfo } from './types.ts';

const currency = s.string({ pattern: /^[A-Z]{3}$/ });
const decimal = s.string({ pattern: /^\d+(\.\d+)?$/, max: 40 });

export const settingsPatch = s.object({
  timezone: s.optional(s.string({ min: 1, max: 64 })),
  reportingCurrency: s.optional(currency),
  platformUrl: s.optional(s.string({ max: 2048 })),
  fxRates: s.optional(s.record(decimal)),
  liveIntervalSeconds: s.optional(s.int({ min: 1, max: 3600 })),
  pollSeconds: s.optional(s.int({ min: 0, max: 3600 })),
  gmvDropPct: s.optional(s.number({ min: 1, max: 100 })),
  gmvWindowMinutes: s.optional(s.number({ min: 0.1, max: 240 })),
  gmvMinPriorOrders: s.optional(s.int({ min: 0, max: 1_000_000 })),
  runbookBaseUrl: s.optional(s.string({ max: 2048 })),
});

/** The foundation's methods. Each capability adds its own slice file (api-<domain>.ts) and spreads it into `apiArgs`. */
export const coreArgs = {
  'app.info': s.void(),
  'workspace.stats': s.void(),
  'settings.get': s.void(),
  'settings.update': settingsPatch,
  'settings.setToken': s.object({ token: s.string({ min: 1, max: 4096 }) }),
  'demo.start': s.object({
    days: s.optional(s.int({ min: 1, max: 730 })),
    users: s.optional(s.int({ min: 10, max: 1_000_000 })),
    seed: s.optional(s.int({ min: 0, max: 2 ** 31 })),
  }),
  'sync.start': s.object({ full: s.optional(s.boolean()) }),
  'sync.cancel': s.void(),
  'sync.status': s.void(),
  'import.file': s.object({ path: s.string({ min: 1, max: 4096 }) }),
  'import.upload': s.object({ name: s.string({ min: 1, max: 255 }), text: s.string({ max: 64 * 1024 * 1024 }) }),
  'quarantine.list': s.object({
    limit: s.optional(s.int({ min: 1, max: 1000 })),
    offset: s.optional(s.int({ min: 0 })),
    origin: s.optional(s.string({ max: 4096 })),
  }),
  'live.snapshot': s.void(),
  'alerts.list': s.object({ limit: s.optional(s.int({ min: 1, max: 1000 })) }),
  'alerts.ack': s.object({ id: s.int({ min: 1 }) }),
  'runbook.get': s.object({ name: s.string({ pattern: /^[a-z0-9-]{1,64}$/ }) }),
} as const;

/** Every method of the API: the foundation plus one slice per capability. */
export const apiArgs = {
  ...coreArgs,
  ...funnelArgs,
  ...reconArgs,
  ...dropoffArgs,
  ...payoutArgs,
  ...cohortArgs,
  ...rfmArgs,
} as const;

export type ApiMethod = keyof typeof apiArgs;
export type ApiArgs<M extends ApiMethod> = Infer<(typeof apiArgs)[M]>;

export interface CoreResults {
  'app.info': AppInfo;
  'workspace.stats': WorkspaceStats;
  'settings.get': Settings;
  'settings.update': Settings;
  'settings.setToken': { tokenSet: true };
  'demo.start': DemoInfo;
  'sync.start': SyncStatus;
  'sync.cancel': SyncStatus;
  'sync.status': SyncStatus;
  'import.file': ImportResult;
  'import.upload': ImportResult;
  'quarantine.list': QuarantinePage;
  'live.snapshot': LiveSnapshot;
  'alerts.list': AlertEntry[];
  'alerts.ack': AlertEntry;
  'runbook.get': { name: string; title: string; markdown: string };
}

/** Result types of every method: the foundation plus each capability's slice (CoreResults & FunnelResults & ...). */
export type ApiResults = CoreResults & FunnelResults & ReconResults & DropoffResults & PayoutResults & CohortResults & RfmResults;

/** What a service implementation provides: one async function per method. */
export type Handlers = { [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResults[M]> };

/** What the UI calls: the same map. */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResults[M]>;
  subscribe<P extends PushName>(name: P, listener: (payload: PushSpec[P]) => void): () => void;
}

export interface PushSpec {
  'sync.progress': SyncStatus;
  'live.update': LiveSnapshot;
  'alert.fired': AlertEntry;
  'funnel.progress': FunnelProgress;
  /** progress of a `cohort.run` with a requestId (phases load, extract, cohorts) */
  'cohort.progress': FunnelProgress;
}
export type PushName = keyof PushSpec;
export const PUSH_NAMES: readonly PushName[] = ['sync.progress', 'live.update', 'alert.fired', 'funnel.progress', 'cohort.progress'];

export const API_METHODS = Object.keys(apiArgs) as ApiMethod[];

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(apiArgs, name);
}

/** A serialisable error crossing a transport. */
export interface ApiErrorBody { code: 'bad_args' | 'unknown_method' | 'forbidden' | 'failed'; message: string }
