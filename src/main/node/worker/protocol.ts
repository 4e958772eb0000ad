/**
 * The typed protocol between the services (main thread) and the analytics worker thread.
 *
 * host -> worker: { kind: 'run', id, method, params, slot }   (slot: index into the shared cancel flags)
 * worker -> host: { kind: 'progress', id, done, total, phase } | { kind: 'result', id, result } | { kind: 'error', id, message, cancelled }
 *
 * Cancellation: the worker runs queries synchronously, so a posted "cancel" message would not be
 * seen until it finishes. Instead the host sets a flag in a SharedArrayBuffer that long loops poll.
 */
import type { LiveSnapshot } from '../../../analytics/live.ts';
import type { WorkspaceStats } from '../../common/types.ts';
import type { FunnelWorkerMethods } from './funnel-methods.ts';
import type { ReconWorkerMethods } from './recon-methods.ts';
import type { PayoutWorkerMethods } from './payout-methods.ts';
import type { CohortWorkerMethods } from './cohort-methods.ts';
import type { RfmWorkerMethods } from './rfm-methods.ts';
import type { CustomerCacheWorkerMethods } from './customer-cache.ts';

export interface LiveQuery {
  now: number;
  timezone: string;
  reportingCurrency: string;
  fxRates: Record<string, string>;
  windowMinutes: number;
  dropPct: number;
  minPriorOrders: number;
  /** a past business day instead of today */
  day?: string;
}

export interface WorkerMethods extends FunnelWorkerMethods, ReconWorkerMethods, PayoutWorkerMethods, CohortWorkerMethods, RfmWorkerMethods, CustomerCacheWorkerMethods {
  'live.snapshot': { params: LiveQuery; result: LiveSnapshot };
  'workspace.stats': { params: Record<string, never>; result: WorkspaceStats };
  /** scans every event row once (used by tests and the bench to prove cancellation/progress and UI responsiveness) */
  'events.scan': { params: { chunk?: number }; result: { rows: number; amountByCurrency: Record<string, number> } };
}
export type WorkerMethod = keyof WorkerMethods;

export type HostMessage = { kind: 'run'; id: number; method: WorkerMethod; params: unknown; slot: number };

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; id: number; done: number; total: number; phase: string }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; message: string; cancelled: boolean };

export interface WorkerInit { dbFile: string; cancelFlags: SharedArrayBuffer }

export const CANCEL_SLOTS = 64;

export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}
