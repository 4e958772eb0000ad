/**
 * The data engine behind the HTTP server: serialized feed days, ledger, settlements, payouts and
 * injections. Two implementations with one interface:
 * - WorkerEngine (default): a worker thread runs its own MarketSim with the same parameters, so
 *   day generation never blocks the server (or the app hosting it); it also indexes every day in
 *   the background, which makes total_estimate exact and later requests fast.
 * - InlineEngine: the same calls on the calling thread (fallback when workers are unavailable).
 */
import { Worker } from 'node:worker_threads';
import { BLOB_CACHE_BYTES, MarketSim, isoTime, type DayBlob, type SimParams, type WeekPayouts } from './generator.ts';
import { allSettlementInjections, ledgerCaptures, ledgerInjections, settlementReport, type SettlementReport } from './settlements.ts';
import type { Gateway } from './catalog.ts';
import type { Injections, LedgerCapture } from './types.ts';

export type HistoricalInjections = Omit<Injections, 'params' | 'malformed' | 'gmv_drops'>;

export interface Engine {
  readonly kind: 'worker' | 'inline';
  blob(day: number): Promise<DayBlob>;
  ledger(date: string, extra: LedgerCapture[]): Promise<LedgerCapture[]>;
  settlement(date: string, gateway: Gateway, extra: Record<string, LedgerCapture[]>): Promise<SettlementReport>;
  payouts(day: number): Promise<Omit<WeekPayouts, 'events' | 'carry'> | null>;
  payoutWeeks(): Promise<string[]>;
  injections(): Promise<HistoricalInjections>;
  close(): Promise<void>;
}

/** The operations both engines run against a MarketSim. */
export function runOp(sim: MarketSim, op: string, args: any): unknown {
  switch (op) {
    case 'ledger':
      return ledgerCaptures(sim, args.date, args.extra);
    case 'settlement':
      return settlementReport(sim, args.date, args.gateway, (d) => args.extra[d] ?? []);
    case 'payouts': {
      const p = sim.payouts(args.day);
      return p ? { week: p.week, day: p.day, statements: p.statements, injections: p.injections } : null;
    }
    case 'payoutWeeks':
      return sim.payoutWeeks();
    case 'injections': {
      const { settlements, timing } = allSettlementInjections(sim);
      const payouts = [];
      for (let i = 0; i < sim.dayTotal; i++) {
        const p = sim.payouts(i);
        if (p) payouts.push(...p.injections);
      }
      const res: HistoricalInjections = {
        settlements, settlement_timing: timing, ledger: ledgerInjections(sim), payouts,
        incidents: sim.incidents.filter((x) => x.start <= sim.params.cutoff).map((x) => ({
          kind: x.kind, gateway: x.gateway, start: isoTime(x.start), end: isoTime(x.end), failure_code: x.failureCode, failure_rate: x.failureRate,
        })),
        payment_outages: sim.outages.filter((x) => x.start <= sim.params.cutoff).map((x) => ({
          kind: x.kind, device: x.device, methods: [...x.methods], start: isoTime(x.start), end: isoTime(x.end), failure_code: x.failureCode, failure_rate: x.failureRate,
        })),
      };
      return res;
    }
    default:
      throw new Error(`unknown engine op "${op}"`);
  }
}

export class InlineEngine implements Engine {
  readonly kind = 'inline' as const;
  private readonly sim: MarketSim;
  constructor(sim: MarketSim) {
    this.sim = sim;
  }
  async blob(day: number): Promise<DayBlob> {
    return this.sim.dayBlob(day);
  }
  async ledger(date: string, extra: LedgerCapture[]): Promise<LedgerCapture[]> {
    return runOp(this.sim, 'ledger', { date, extra }) as LedgerCapture[];
  }
  async settlement(date: string, gateway: Gateway, extra: Record<string, LedgerCapture[]>): Promise<SettlementReport> {
    return runOp(this.sim, 'settlement', { date, gateway, extra }) as SettlementReport;
  }
  async payouts(day: number): Promise<Omit<WeekPayouts, 'events' | 'carry'> | null> {
    return runOp(this.sim, 'payouts', { day }) as Omit<WeekPayouts, 'events' | 'carry'> | null;
  }
  async payoutWeeks(): Promise<string[]> {
    return this.sim.payoutWeeks();
  }
  async injections(): Promise<HistoricalInjections> {
    return runOp(this.sim, 'injections', {}) as HistoricalInjections;
  }
  async close(): Promise<void> {}
}

interface Pending { resolve: (v: any) => void; reject: (e: Error) => void }

/**
 * Runs a MarketSim in a worker thread. `onCount(day, n)` reports each day's event count as the
 * worker learns it. Day blobs are cached on this side (LRU) and prefetched ahead of the reader.
 */
export class WorkerEngine implements Engine {
  readonly kind = 'worker' as const;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly blobs = new Map<number, DayBlob>();
  private readonly inflight = new Map<number, Promise<DayBlob>>();
  private readonly days: number;
  private nextId = 1;
  private closed = false;
  private failure: Error | null = null;
  private blobBytes = 0;

  private constructor(worker: Worker, days: number) {
    this.worker = worker;
    this.days = days;
  }

  /** Start the worker and wait until it has built its simulator. */
  static async start(params: SimParams, onCount: (day: number, count: number) => void, opts: { index?: boolean } = {}): Promise<WorkerEngine> {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: { params, index: opts.index !== false } });
    const engine = new WorkerEngine(worker, params.days);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      const onExit = (code: number) => reject(new Error(`platform worker exited with code ${code}`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.on('message', (m: any) => {
        if (m?.type === 'ready') {
          worker.off('error', onError);
          worker.off('exit', onExit);
          resolve();
        } else if (m?.type === 'count') onCount(m.day, m.count);
        else if (m?.type === 'reply') engine.settle(m);
      });
    });
    worker.on('error', (e) => engine.fail(e));
    worker.on('exit', (code) => engine.fail(new Error(`platform worker exited with code ${code}`)));
    worker.unref();
    return engine;
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private settle(m: { id: number; ok: boolean; result?: unknown; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  }

  private call<T>(op: string, args: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('platform engine closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  private fetchBlob(day: number): Promise<DayBlob> {
    const hit = this.blobs.get(day);
    if (hit) {
      this.blobs.delete(day);
      this.blobs.set(day, hit);
      return Promise.resolve(hit);
    }
    let p = this.inflight.get(day);
    if (!p) {
      p = this.call<{ buf: ArrayBuffer; offsets: Uint32Array; count: number }>('blob', { day }).then((r) => {
        const blob: DayBlob = { buf: Buffer.from(r.buf), offsets: r.offsets, count: r.count };
        this.inflight.delete(day);
        this.blobs.set(day, blob);
        this.blobBytes += blob.buf.length;
        while (this.blobBytes > BLOB_CACHE_BYTES && this.blobs.size > 1) {
          const [k, v] = this.blobs.entries().next().value!;
          this.blobs.delete(k);
          this.blobBytes -= v.buf.length;
        }
        return blob;
      }, (e) => {
        this.inflight.delete(day);
        throw e;
      });
      this.inflight.set(day, p);
    }
    return p;
  }

  async blob(day: number): Promise<DayBlob> {
    const b = await this.fetchBlob(day);
    // read-ahead: the next two days are usually wanted next
    for (let k = 1; k <= 2; k++) {
      if (day + k < this.days && !this.blobs.has(day + k)) this.fetchBlob(day + k).catch(() => {});
    }
    return b;
  }
  ledger(date: string, extra: LedgerCapture[]): Promise<LedgerCapture[]> {
    return this.call('ledger', { date, extra });
  }
  settlement(date: string, gateway: Gateway, extra: Record<string, LedgerCapture[]>): Promise<SettlementReport> {
    return this.call('settlement', { date, gateway, extra });
  }
  payouts(day: number): Promise<Omit<WeekPayouts, 'events' | 'carry'> | null> {
    return this.call('payouts', { day });
  }
  payoutWeeks(): Promise<string[]> {
    return this.call('payoutWeeks', {});
  }
  injections(): Promise<HistoricalInjections> {
    return this.call('injections', {});
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('platform engine closed'));
    this.pending.clear();
    await this.worker.terminate();
  }
}
