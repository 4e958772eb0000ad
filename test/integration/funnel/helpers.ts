/** A demo workspace synced from the demo platform through the real sync engine and services. */
import { syncedWorkspace, type SyncedWorkspace } from '../support/synced-workspace.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';

export const END = '2026-03-15';
export const TZ = 'Asia/Ho_Chi_Minh';

export type DemoWorkspace = SyncedWorkspace;

export async function demoWorkspace(seed = 11): Promise<DemoWorkspace> {
  return syncedWorkspace({ platform: { seed, days: 4, users: 800, endDate: END }, now: dayRange(END, TZ).end, prefix: 'ml-funnel-' });
}
