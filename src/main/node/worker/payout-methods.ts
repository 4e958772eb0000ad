/** Seller payout methods of the analytics worker: reading and reconciling a week runs off the main thread. */
import type { Database } from '../db/index.ts';
import { computePayouts, type PayoutComputeParams, type PayoutComputeResult } from '../payouts/compute.ts';

export interface PayoutWorkerMethods {
  'payouts.compute': { params: PayoutComputeParams; result: PayoutComputeResult };
}

type Methods = { [M in keyof PayoutWorkerMethods]: (params: PayoutWorkerMethods[M]['params']) => PayoutWorkerMethods[M]['result'] };

export function createPayoutMethods(db: Database): Methods {
  return {
    'payouts.compute': (params) => computePayouts(db, params),
  };
}
