/**
 * App-wide state shared by the shell and the pages: app info, settings (the timezone used for
 * every time shown), the sync status (app-bar indicator + Sync page) and alerts (banner + history).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { AlertEntry, AppInfo, Settings, SyncStatus } from '../../main/common/types.ts';
import { useApi, useApiMode, usePush, errorMessage } from '../api/ApiContext.tsx';
import { DEFAULT_TIMEZONE } from '../../analytics/calendar.ts';
import { notificationFor, upsertAlert } from './alerts.ts';

export interface AppData {
  info: AppInfo | null;
  settings: Settings | null;
  /** the business timezone (settings), or the default until settings load */
  timezone: string;
  sync: SyncStatus | null;
  alerts: AlertEntry[];
  pushedAlertIds: ReadonlySet<number>;
  loadError: string | null;
  refreshInfo(): Promise<void>;
  setSettings(s: Settings): void;
  setSync(s: SyncStatus): void;
  refreshAlerts(): Promise<void>;
  ackAlert(id: number): Promise<void>;
}

const Ctx = createContext<AppData | null>(null);

export function useAppData(): AppData {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAppData outside AppDataProvider');
  return v;
}

export function AppDataProvider(props: { children: ReactNode }) {
  const api = useApi();
  const mode = useApiMode();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [alerts, setAlerts] = useState<AlertEntry[]>([]);
  const [pushedAlertIds, setPushed] = useState<ReadonlySet<number>>(() => new Set());
  const [loadError, setLoadError] = useState<string | null>(null);
  const lastSyncState = useRef<string | null>(null);

  const refreshInfo = useCallback(async () => {
    setInfo(await api.call('app.info', undefined));
  }, [api]);

  const refreshAlerts = useCallback(async () => {
    setAlerts(await api.call('alerts.list', { limit: 200 }));
  }, [api]);

  useEffect(() => {
    let live = true;
    Promise.all([
      api.call('app.info', undefined),
      api.call('settings.get', undefined),
      api.call('sync.status', undefined),
      api.call('alerts.list', { limit: 200 }),
    ]).then(
      ([i, s, st, al]) => {
        if (!live) return;
        setInfo(i);
        setSettings(s);
        setSync((prev) => prev ?? st);
        setAlerts(al);
        setLoadError(null);
      },
      (err: unknown) => live && setLoadError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  usePush('sync.progress', (st) => {
    setSync(st);
    // When a run ends, app info (platformConfigured, firstRun) may have changed.
    if (st.state !== 'running' && lastSyncState.current === 'running') refreshInfo().catch(() => {});
    lastSyncState.current = st.state;
  });

  usePush('alert.fired', (a) => {
    setAlerts((prev) => upsertAlert(prev, a));
    setPushed((prev) => new Set(prev).add(a.id));
    // In Electron the main process shows a native notification.
    if (mode === 'web' && typeof Notification === 'function' && Notification.permission === 'granted') {
      try {
        const { title, body } = notificationFor(a);
        new Notification(title, { body, tag: `marketlens-alert-${a.id}` });
      } catch {
        /* notifications unavailable */
      }
    }
  });

  // Web mode: ask for notification permission on the first user gesture (browsers require one).
  useEffect(() => {
    if (mode !== 'web' || typeof Notification !== 'function' || Notification.permission !== 'default') return;
    const ask = () => {
      window.removeEventListener('pointerdown', ask, true);
      window.removeEventListener('keydown', ask, true);
      Notification.requestPermission().catch(() => {});
    };
    window.addEventListener('pointerdown', ask, true);
    window.addEventListener('keydown', ask, true);
    return () => {
      window.removeEventListener('pointerdown', ask, true);
      window.removeEventListener('keydown', ask, true);
    };
  }, [mode]);

  const ackAlert = useCallback(async (id: number) => {
    const updated = await api.call('alerts.ack', { id });
    setAlerts((prev) => upsertAlert(prev, updated));
  }, [api]);

  const value = useMemo<AppData>(() => ({
    info,
    settings,
    timezone: settings?.timezone ?? DEFAULT_TIMEZONE,
    sync,
    alerts,
    pushedAlertIds,
    loadError,
    refreshInfo,
    setSettings,
    setSync,
    refreshAlerts,
    ackAlert,
  }), [info, settings, sync, alerts, pushedAlertIds, loadError, refreshInfo, refreshAlerts, ackAlert]);

  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

/** The current time, re-read every `ms` (for "5 min ago" labels and the alert-banner window). */
export function useNow(ms = 10_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
