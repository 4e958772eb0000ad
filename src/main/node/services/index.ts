/**
 * The services of one workspace, exposed as the typed handler map of src/main/common/api.ts.
 * Every transport (Electron IPC, web mode's loopback HTTP, the CLI, tests) serves this same map.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openDatabase } from '../db/index.ts';
import { importFile, importText } from '../import/index.ts';
import { WorkerHost } from '../worker/host.ts';
import { workspaceFiles } from '../workspace/paths.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { Notifier } from '../ports/notifier.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { Handlers, ApiArgs } from '../../common/api.ts';
import type { AppInfo, QuarantineRow, Settings } from '../../common/types.ts';
import { SettingsStore, type StoredSettings } from './settings.ts';
import { AlertService, RUNBOOKS } from './alerts.ts';
import { PushBus } from './push-bus.ts';
import { SyncController } from './sync-controller.ts';
import { DemoController, type PlatformLauncher } from './demo.ts';
import { audit } from './audit.ts';
import type { ServiceContext } from './context.ts';
import { createFunnelHandlers } from './funnels.ts';
import { createReconciliationHandlers } from './reconciliation.ts';
import { createDropoffHandlers, evaluateScheduled as evaluateDropoff } from './dropoff.ts';
import { createPayoutHandlers } from './payouts.ts';
import { createCohortHandlers } from './cohorts.ts';
import { createRfmHandlers } from './rfm.ts';
import type { LiveSnapshot } from '../../../analytics/live.ts';

export const TOKEN_SECRET = 'platform-token';

export interface ServicesOptions {
  workspaceDir: string;
  mode: AppInfo['mode'];
  secrets: SecretStore;
  notifier: Notifier;
  clock?: Clock;
  /** worker entry (Electron passes its bundled file); defaults to the TS source under Node */
  workerUrl?: URL | string;
  /** sync page-parse worker entry (Electron passes its bundled file) */
  parseWorkerUrl?: URL | string;
  /** start the 30 s live recompute loop and resume demo/sync on start (apps); off for the CLI and unit tests */
  background?: boolean;
  /** how to launch the demo platform process (Electron runs its bundled copy with ELECTRON_RUN_AS_NODE) */
  demoLauncher?: PlatformLauncher;
  version?: string;
  actor?: string;
}

export interface Services {
  handlers: Handlers;
  push: PushBus;
  sync: SyncController;
  dbFile: string;
  /** recompute the live snapshot now, push it and evaluate alerts (also runs on the interval) */
  refreshLive(): Promise<LiveSnapshot>;
  /** the live snapshot as of `now`, or of the whole business day `day`, without pushing or alerting */
  liveAt(now: number, day?: string): Promise<LiveSnapshot>;
  worker: WorkerHost;
  close(): Promise<void>;
}

export async function createServices(o: ServicesOptions): Promise<Services> {
  const files = workspaceFiles(o.workspaceDir);
  mkdirSync(files.dir, { recursive: true });
  const { db, kysely } = openDatabase(files.db);
  const clock = o.clock ?? systemClock;
  const actor = o.actor ?? `${o.mode}-user`;
  const settings = new SettingsStore(db);
  const push = new PushBus();
  const worker = new WorkerHost(files.db, o.workerUrl);
  const alerts = new AlertService(db, o.notifier, (a) => push.emit('alert.fired', a));
  const demo = new DemoController(settings, o.secrets, TOKEN_SECRET, o.demoLauncher);

  const publicSettings = (s: StoredSettings = settings.get()): Settings => ({ ...s, tokenSet: o.secrets.get(TOKEN_SECRET) !== null });

  let liveDirty = true;
  const sync = new SyncController({
    db,
    target: () => {
      const p = ctx.platform();
      const key = demo.feedKey();
      return p && key && demo.running()?.url === p.url ? { ...p, sourceKey: key } : p;
    },
    pollSeconds: () => settings.get().pollSeconds,
    parseWorkerUrl: o.parseWorkerUrl,
    onStatus: (s) => push.emit('sync.progress', s),
    onPage: () => {
      liveDirty = true;
    },
  });

  function liveAt(now: number, day?: string): Promise<LiveSnapshot> {
    const s = settings.get();
    return worker.run('live.snapshot', {
      now, day, timezone: s.timezone, reportingCurrency: s.reportingCurrency, fxRates: s.fxRates,
      windowMinutes: s.gmvWindowMinutes, dropPct: s.gmvDropPct, minPriorOrders: s.gmvMinPriorOrders,
    });
  }

  async function refreshLive(): Promise<LiveSnapshot> {
    const s = settings.get();
    const snap = await liveAt(clock.now());
    liveDirty = false;
    push.emit('live.update', snap);
    alerts.evaluateLive(snap, s);
    return snap;
  }

  let liveTimer: NodeJS.Timeout | null = null;
  let lastLive = 0;
  if (o.background) {
    // Tick every second; recompute when the interval elapsed (spec: every 30 s), or sooner after new data.
    liveTimer = setInterval(() => {
      const interval = settings.get().liveIntervalSeconds * 1000;
      const now = Date.now();
      if (now - lastLive >= interval || (liveDirty && now - lastLive >= Math.min(interval, 2000))) {
        lastLive = now;
        refreshLive().catch(() => undefined);
      }
    }, 1000);
    liveTimer.unref?.();
    // Resume: restart the embedded demo platform if this is a demo workspace, then sync.
    void (async () => {
      try {
        if (demo.isDemoWorkspace()) await demo.resume();
        if (sync_target_ready()) sync.start();
      } catch {
        /* shown through sync status when the user retries */
      }
    })();
  }
  function sync_target_ready(): boolean {
    return settings.get().platformUrl !== null && o.secrets.get(TOKEN_SECRET) !== null;
  }

  const ctx: ServiceContext = {
    db, kysely, worker, settings, push, alerts, clock, secrets: o.secrets, files, actor,
    audit: (e) => audit(db, { ...e, at: clock.now(), actor }),
    platform: () => {
      const s = settings.get();
      const token = o.secrets.get(TOKEN_SECRET);
      return s.platformUrl && token ? { url: s.platformUrl, token } : null;
    },
    dataChanged: () => {
      liveDirty = true;
    },
  };

  const handlers: Handlers = {
    ...createFunnelHandlers(ctx, { background: o.background, afterScheduled: (now) => evaluateDropoff(ctx, now) }),
    ...createReconciliationHandlers(ctx, { background: o.background }),
    ...createDropoffHandlers(ctx),
    ...createPayoutHandlers(ctx, { background: o.background }),
    ...createCohortHandlers(ctx, { background: o.background }),
    ...createRfmHandlers(ctx, { background: o.background }),
    async 'app.info'() {
      const s = settings.get();
      const events = (db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM events LIMIT 1)').get() as { n: number }).n;
      return {
        version: o.version ?? '0.1.0',
        mode: o.mode,
        workspaceDir: files.dir,
        platformConfigured: s.platformUrl !== null && o.secrets.get(TOKEN_SECRET) !== null,
        firstRun: s.platformUrl === null && events === 0,
        demoRunning: demo.running() !== null,
      };
    },
    async 'workspace.stats'() {
      return worker.run('workspace.stats', {});
    },
    async 'settings.get'() {
      return publicSettings();
    },
    async 'settings.update'(patch) {
      const before = settings.get();
      const after = settings.update(patch);
      audit(db, { at: clock.now(), actor, action: 'settings.update', entity: 'settings', entityId: 'workspace', before, after });
      liveDirty = true;
      return publicSettings(after);
    },
    async 'settings.setToken'({ token }) {
      o.secrets.set(TOKEN_SECRET, token);
      audit(db, { at: clock.now(), actor, action: 'settings.setToken', entity: 'settings', entityId: 'platform-token', before: null, after: { tokenSet: true } });
      return { tokenSet: true };
    },
    async 'demo.start'(args) {
      const info = await demo.start(args);
      audit(db, { at: clock.now(), actor, action: 'demo.start', entity: 'workspace', entityId: files.dir, before: null, after: info });
      sync.start();
      return info;
    },
    async 'sync.start'() {
      return sync.start();
    },
    async 'sync.cancel'() {
      return sync.cancel();
    },
    async 'sync.status'() {
      return sync.current();
    },
    async 'import.file'({ path }) {
      const r = await importFile(db, path);
      liveDirty = true;
      return r;
    },
    async 'import.upload'({ name, text }) {
      const r = await importText(db, basename(name), text);
      liveDirty = true;
      return r;
    },
    async 'quarantine.list'(args: ApiArgs<'quarantine.list'>) {
      const limit = args.limit ?? 100;
      const offset = args.offset ?? 0;
      const where = args.origin ? 'WHERE origin = ?' : '';
      const params = args.origin ? [args.origin] : [];
      const total = (db.prepare(`SELECT count(*) AS n FROM quarantine ${where}`).get(...params) as { n: number }).n;
      const rows = db
        .prepare(`SELECT id, origin, location, event_id, event_type, field, reason, raw, quarantined_at FROM quarantine ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
        .all(...params, limit, offset) as Record<string, unknown>[];
      return {
        total,
        rows: rows.map((r): QuarantineRow => ({
          id: r.id as number, origin: r.origin as string, location: r.location as string, eventId: r.event_id as string | null,
          eventType: r.event_type as string | null, field: r.field as string, reason: r.reason as string, raw: r.raw as string,
          quarantinedAt: r.quarantined_at as number,
        })),
      };
    },
    async 'live.snapshot'() {
      return refreshLive();
    },
    async 'alerts.list'({ limit }) {
      return alerts.list(limit);
    },
    async 'alerts.ack'({ id }) {
      const before = alerts.list(1000).find((a) => a.id === id) ?? null;
      const after = alerts.ack(id, clock.now());
      audit(db, { at: clock.now(), actor, action: 'alerts.ack', entity: 'alert', entityId: String(id), before, after });
      return after;
    },
    async 'runbook.get'({ name }) {
      const rb = RUNBOOKS[name];
      if (!rb) throw new Error(`unknown runbook "${name}"`);
      const markdown = readFileSync(join(runbookDir(), `${name}.md`), 'utf8');
      return { name, title: rb.title, markdown };
    },
  };

  return {
    handlers,
    push,
    sync,
    dbFile: files.db,
    refreshLive,
    liveAt,
    worker,
    async close() {
      if (liveTimer) clearInterval(liveTimer);
      await sync.close();
      await demo.stop();
      await worker.close();
      db.close();
    },
  };
}

/** resources/runbooks, found from the source tree or next to the bundled main. */
function runbookDir(): string {
  return process.env.MARKETLENS_RESOURCES ? join(process.env.MARKETLENS_RESOURCES, 'runbooks') : new URL('../../../../resources/runbooks', import.meta.url).pathname;
}
