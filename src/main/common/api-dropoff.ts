/**
 * The funnel drop-off investigation slice of the API (spec 2.3): its settings (threshold, window,
 * baseline, watched transitions), evaluating a window on demand, the stored investigations, the
 * review flag, and exports. docs/funnels.md defines the computation; every result is a plain object.
 */
import { s } from './schema.ts';
import type { DropoffInvestigation, DropoffSettings } from '../../analytics/dropoff/index.ts';
import type { ExportFile } from '../../analytics/funnel/types.ts';

const day = s.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ });
const watchSchema = s.object({
  id: s.string({ pattern: /^[a-z0-9_-]{1,40}$/ }),
  label: s.string({ min: 1, max: 120 }),
  fromEventType: s.string({ min: 1, max: 100 }),
  toEventType: s.string({ min: 1, max: 100 }),
  enabled: s.boolean(),
});

export const dropoffArgs = {
  'dropoff.settings.get': s.void(),
  'dropoff.settings.update': s.object({
    enabled: s.optional(s.boolean()),
    thresholdPp: s.optional(s.number({ min: 0, max: 100 })),
    windowHours: s.optional(s.int({ min: 1, max: 24 })),
    baselineDays: s.optional(s.int({ min: 1, max: 28 })),
    minEntered: s.optional(s.int({ min: 1, max: 1_000_000 })),
    minBaselineEntered: s.optional(s.int({ min: 1, max: 10_000_000 })),
    minZ: s.optional(s.number({ min: 0, max: 20 })),
    completionMinutes: s.optional(s.int({ min: 1, max: 24 * 60 })),
    watches: s.optional(s.array(watchSchema, { max: 10 })),
  }),
  'dropoff.investigate': s.object({
    /** the window ends at the start of the local hour containing this instant (UTC epoch ms) */
    at: s.optional(s.int({ min: 0 })),
    /** or: the window ends at the end of local hour `hour` of business day `date` */
    date: s.optional(day),
    hour: s.optional(s.int({ min: 0, max: 23 })),
    /** one watch (id); default every enabled watch */
    watch: s.optional(s.string({ min: 1, max: 40 })),
  }),
  'dropoff.list': s.object({
    firedOnly: s.optional(s.boolean()),
    limit: s.optional(s.int({ min: 1, max: 1000 })),
    offset: s.optional(s.int({ min: 0 })),
  }),
  'dropoff.get': s.object({ id: s.int({ min: 1 }) }),
  'dropoff.flag': s.object({ id: s.int({ min: 1 }), note: s.string({ min: 1, max: 2000 }) }),
  'dropoff.export': s.object({
    id: s.int({ min: 1 }),
    format: s.literal('csv', 'xlsx'),
    /** CSV: which table (default causes); XLSX: every table as a sheet */
    table: s.optional(s.literal('summary', 'segments', 'causes', 'sessions')),
  }),
} as const;

export interface DropoffListRow {
  id: number;
  watchId: string;
  windowStart: number;
  windowEnd: number;
  evaluatedAt: number;
  fired: boolean;
  entered: number;
  rate: number | null;
  baselineRate: number | null;
  excessPp: number | null;
  alertId: number | null;
  topCause: string | null;
  topDevice: string | null;
  flagged: boolean;
}

export interface DropoffResults {
  'dropoff.settings.get': DropoffSettings;
  'dropoff.settings.update': DropoffSettings;
  'dropoff.investigate': DropoffInvestigation[];
  'dropoff.list': { total: number; rows: DropoffListRow[] };
  'dropoff.get': DropoffInvestigation;
  'dropoff.flag': DropoffInvestigation;
  'dropoff.export': ExportFile;
}
