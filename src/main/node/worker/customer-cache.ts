/**
 * The customer analytics' own event cache: only the rows of CUSTOMER_EVENT_TYPES (registrations,
 * completions, cancellations, refunds: ~5% of a storefront's events), with its own snapshot
 * (`<workspace>/cache/customers.v2.bin`). Cohorts and RFM read it instead of the funnel cache of
 * every event, so a cold start loads tens of MiB instead of hundreds and a rebuild reads only
 * those rows; the two caches never wait for each other.
 */
import type { Database } from '../db/sqlite.ts';
import { snapshotPathFor, type EventCacheOptions } from '../cache/event-cache.ts';
import { CUSTOMER_EVENT_TYPES } from '../../../analytics/customers/orders.ts';
import { createCacheAccess, type CacheStatus, type MethodCtx, type SharedCache } from './cache-access.ts';

export const CUSTOMER_SNAPSHOT_NAME = 'customers.v2.bin';

export interface CustomerCacheWorkerMethods {
  /** the customer cache's status; `refresh` catches up first, `persist` writes the snapshot */
  'customers.cache': { params: { refresh?: boolean; persist?: boolean }; result: CacheStatus };
}

type Methods = { [M in keyof CustomerCacheWorkerMethods]: (params: CustomerCacheWorkerMethods[M]['params'], ctx: MethodCtx) => CustomerCacheWorkerMethods[M]['result'] };

export function createCustomerCache(db: Database, dbFile: string, opts: Omit<EventCacheOptions, 'types'> = {}): { shared: SharedCache; methods: Methods } {
  const shared = createCacheAccess(db, dbFile, { snapshotFile: snapshotPathFor(dbFile, CUSTOMER_SNAPSHOT_NAME), ...opts, types: CUSTOMER_EVENT_TYPES });
  return {
    shared,
    methods: {
      'customers.cache'(p, ctx) {
        if (p.refresh) shared.ready(ctx);
        if (p.persist) shared.cache.persistIfDue(true);
        return shared.status();
      },
    },
  };
}
