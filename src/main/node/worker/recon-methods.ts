/** Reconciliation methods of the analytics worker: the heavy matching runs off the main thread. */
import type { Database } from '../db/index.ts';
import { computeRecon, type ReconComputeParams, type ReconComputeResult } from '../reconcile/compute.ts';

export interface ReconWorkerMethods {
  'recon.compute': { params: ReconComputeParams; result: ReconComputeResult };
}

/** The worker's per-call context (structurally the worker's own Ctx). */
interface MethodCtx { progress(done: number, total: number, phase: string): void; check(): void }

type Methods = { [M in keyof ReconWorkerMethods]: (params: ReconWorkerMethods[M]['params'], ctx: MethodCtx) => ReconWorkerMethods[M]['result'] };

export function createReconMethods(db: Database): Methods {
  return {
    'recon.compute': (params, ctx) => computeRecon(db, params, ctx),
  };
}
