/**
 * Runs analytics in a worker thread. Requests are queued one at a time in the worker; each gets a
 * cancel slot in shared memory and may report progress.
 */
import { Worker } from 'node:worker_threads';
import { CANCEL_SLOTS, CancelledError, type HostMessage, type WorkerMessage, type WorkerMethod, type WorkerMethods } from './protocol.ts';

export interface RunOptions { signal?: AbortSignal; onProgress?: (p: { done: number; total: number; phase: string }) => void }

interface Pending { resolve(v: unknown): void; reject(e: Error): void; slot: number; onProgress?: RunOptions['onProgress']; aborted(): boolean; cleanup(): void }

export const DEFAULT_WORKER_URL = new URL('./worker.ts', import.meta.url);

export class WorkerHost {
  private readonly worker: Worker;
  private readonly flags: Int32Array;
  private readonly pending = new Map<number, Pending>();
  private readonly freeSlots: number[] = [];
  private nextId = 1;
  private ready: Promise<void>;
  private closed = false;

  constructor(dbFile: string, workerUrl: URL | string = DEFAULT_WORKER_URL) {
    const sab = new SharedArrayBuffer(CANCEL_SLOTS * 4);
    this.flags = new Int32Array(sab);
    for (let i = CANCEL_SLOTS - 1; i >= 0; i--) this.freeSlots.push(i);
    this.worker = new Worker(workerUrl, { workerData: { dbFile, cancelFlags: sab } });
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: WorkerMessage) => {
        if (m.kind === 'ready') { this.worker.off('error', reject); resolve(); }
      };
      this.worker.once('message', onMsg);
      this.worker.once('error', reject);
    });
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`analytics worker exited with code ${code}`));
    });
  }

  async run<M extends WorkerMethod>(method: M, params: WorkerMethods[M]['params'], opts: RunOptions = {}): Promise<WorkerMethods[M]['result']> {
    if (this.closed) throw new Error('analytics worker is closed');
    await this.ready;
    if (opts.signal?.aborted) throw new CancelledError();
    const slot = this.freeSlots.pop();
    if (slot === undefined) throw new Error('too many concurrent analytics queries');
    Atomics.store(this.flags, slot, 0);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => Atomics.store(this.flags, slot, 1);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        slot,
        onProgress: opts.onProgress,
        aborted: () => opts.signal?.aborted === true,
        cleanup: () => {
          opts.signal?.removeEventListener('abort', onAbort);
          this.freeSlots.push(slot);
        },
      });
      const msg: HostMessage = { kind: 'run', id, method, params, slot };
      this.worker.postMessage(msg);
    });
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') {
      p.onProgress?.({ done: m.done, total: m.total, phase: m.phase });
      return;
    }
    this.pending.delete(m.id);
    p.cleanup();
    // Once the caller has aborted, a result that was already on its way is
    // discarded: the caller sees the cancellation it asked for, deterministically.
    if (m.kind === 'result' && p.aborted()) p.reject(new CancelledError());
    else if (m.kind === 'result') p.resolve(m.result);
    else p.reject(m.cancelled ? new CancelledError() : new Error(m.message));
  }

  private failAll(e: Error): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.cleanup();
      p.reject(e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('analytics worker closed'));
    await this.worker.terminate();
  }
}
