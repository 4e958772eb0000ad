/**
 * Seller payout methods of the analytics worker: reading and reconciling a week, and computing the
 * daily Payout Settlement Report (with its XLSX), run off the main thread.
 */
import type { Database } from '../db/index.ts';
import { computePayouts, type PayoutComputeParams, type PayoutComputeResult } from '../payouts/compute.ts';
import { buildSettlementReport, reportXlsx } from '../payouts/report.ts';
import type { SettlementReport } from '../../../analytics/payouts/settlement-report.ts';

export interface PayoutWorkerMethods {
  'payouts.compute': { params: PayoutComputeParams; result: PayoutComputeResult };
  'payouts.report': { params: { date: string; timezone: string; xlsx: boolean }; result: { report: SettlementReport; xlsx: Uint8Array | null } };
}

type Methods = { [M in keyof PayoutWorkerMethods]: (params: PayoutWorkerMethods[M]['params']) => PayoutWorkerMethods[M]['result'] };

export function createPayoutMethods(db: Database): Methods {
  return {
    'payouts.compute': (params) => computePayouts(db, params),
    'payouts.report': ({ date, timezone, xlsx }) => {
      const report = buildSettlementReport(db, date, timezone);
      return { report, xlsx: xlsx ? new Uint8Array(reportXlsx(report).bytes) : null };
    },
  };
}
