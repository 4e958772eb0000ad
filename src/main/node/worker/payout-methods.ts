/**
 * Seller payout methods of the analytics worker: reading and reconciling a week, and computing the
 * daily Payout Settlement Report (with its XLSX or PDF), run off the main thread.
 */
import type { Database } from '../db/index.ts';
import { computePayouts, type PayoutComputeParams, type PayoutComputeResult } from '../payouts/compute.ts';
import { buildSettlementReport, reportPdf, reportXlsx } from '../payouts/report.ts';
import type { SettlementReport } from '../../../analytics/payouts/settlement-report.ts';

export interface PayoutWorkerMethods {
  'payouts.compute': { params: PayoutComputeParams; result: PayoutComputeResult };
  /** the report, and the bytes of one file of it when asked (`file`) */
  'payouts.report': { params: { date: string; timezone: string; file?: 'xlsx' | 'pdf' }; result: { report: SettlementReport; file: Uint8Array | null } };
}

type Methods = { [M in keyof PayoutWorkerMethods]: (params: PayoutWorkerMethods[M]['params']) => PayoutWorkerMethods[M]['result'] | Promise<PayoutWorkerMethods[M]['result']> };

export function createPayoutMethods(db: Database): Methods {
  return {
    'payouts.compute': (params) => computePayouts(db, params),
    'payouts.report': async ({ date, timezone, file }) => {
      const report = buildSettlementReport(db, date, timezone);
      const bytes = file === 'xlsx' ? reportXlsx(report).bytes : file === 'pdf' ? (await reportPdf(report)).bytes : null;
      return { report, file: bytes ? new Uint8Array(bytes) : null }; // (a copy: exactly its bytes cross to the main thread)
    },
  };
}
