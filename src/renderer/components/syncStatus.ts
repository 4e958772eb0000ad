import type { SyncState, SyncStatus } from '../../main/common/types.ts';

/** Percent done (0..100) when the platform sent a total, else null. */
export function syncPercent(st: Pick<SyncStatus, 'fetched' | 'total' | 'state'>): number | null {
  if (st.state === 'done') return 100;
  if (st.total === null || !(st.total > 0)) return null;
  return Math.max(0, Math.min(100, (st.fetched / st.total) * 100));
}

export function syncStateLabel(state: SyncState): { text: string; color: 'default' | 'primary' | 'success' | 'warning' | 'error' } {
  switch (state) {
    case 'running': return { text: 'Syncing', color: 'primary' };
    case 'done': return { text: 'Up to date', color: 'success' };
    case 'cancelled': return { text: 'Cancelled', color: 'warning' };
    case 'error': return { text: 'Error', color: 'error' };
    default: return { text: 'Idle', color: 'default' };
  }
}
