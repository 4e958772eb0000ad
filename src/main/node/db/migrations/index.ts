/** Every migration, in order. Imported statically so bundlers and tests see the same list. */
import type { Migration } from './types.ts';
import { migration as m0001 } from './0001_init.ts';
import { migration as m0002 } from './0002_funnels.ts';
import { migration as m0003 } from './0003_reconciliation.ts';
import { migration as m0004 } from './0004_event_log.ts';
import { migration as m0005 } from './0005_dropoff.ts';
import { migration as m0006 } from './0006_payouts.ts';
import { migration as m0007 } from './0007_cohorts.ts';
import { migration as m0008 } from './0008_rfm.ts';
import { migration as m0009 } from './0009_deduction_waivers.ts';

export type { Migration };
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009];
