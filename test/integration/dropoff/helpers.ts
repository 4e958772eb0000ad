/** A demo workspace with or without the drop-off incident, synced over real HTTP. */
import { syncedWorkspace, type SyncedWorkspace } from '../support/synced-workspace.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';

export const END = '2026-03-15';
export const INCIDENT_DAY = '2026-03-14';
export const TZ = 'Asia/Ho_Chi_Minh';
export const USERS = 20000;

export type Workspace = SyncedWorkspace;

export async function workspace(dropoffIncident: boolean, seed = 5): Promise<Workspace> {
  return syncedWorkspace({
    platform: { seed, days: 9, users: USERS, endDate: END, dropoffIncident, now: () => dayRange(END, TZ).end + 3_600_000 },
    now: dayRange(END, TZ).end,
    prefix: 'ml-dropoff-',
  });
}
