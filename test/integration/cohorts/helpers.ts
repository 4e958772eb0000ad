/** A demo workspace over several months, synced from the demo platform through the real sync engine and services. */
import { syncedWorkspace, type SyncedWorkspace } from '../support/synced-workspace.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';

/** the last demo day: mid-month, so the current month is incomplete */
export const END = '2026-03-15';
export const TZ = 'Asia/Ho_Chi_Minh';
export const DAYS = 100;

export type CohortWorkspace = SyncedWorkspace;

export async function cohortWorkspace(seed = 7): Promise<CohortWorkspace> {
  return syncedWorkspace({ platform: { seed, days: DAYS, users: 300, endDate: END }, now: dayRange(END, TZ).end - 3_600_000, prefix: 'ml-cohorts-' });
}
