/**
 * A small pool of worker threads that parse and validate input (tasks.ts) while the main thread
 * writes to SQLite, so parsing overlaps the writer. With `workers: 0` tasks run inline (same
 * results, no threads). Results come back in whatever order tasks finish; callers await the
 * promises in the order they need.
 */
import { Worker } from 'node:worker_threads';
import { runTask, type PageResult, type Task, type TaskResult } from './tasks.ts';
import type { PreparedBatch, RawItem } from './prepare.ts';

export interface PreparePool {
  readonly workers: number;
  items(items: RawItem[]): Promise<PreparedBatch>;
  /** NDJSON bytes made of whole lines; the buffer is transferred (unusable afterwards) */
  lines(bytes: Uint8Array, firstRow: number, startOfFile?: boolean): Promise<PreparedBatch>;
  page(body: string, cursor: string): Promise<PageResult>;
  close(): Promise<void>;
}

export interface PoolOptions {
  /** worker threads (default 1; 0 = inline) */
  workers?: number;
  /** the worker script (default ./worker.ts beside this file) */
  workerUrl?: URL | string;
}

interface Slot { worker: Worker; busy: number }

const YOUNG_GENERATION_MB = 96;

export function createPreparePool(opts: PoolOptions = {}): PreparePool {
  const n = Math.max(0, opts.workers ?? 1);
  if (n === 0) {
    const inline = <T extends TaskResult>(t: Task): Promise<T> => {
      try {
        return Promise.resolve(runTask(t) as T);
      } catch (e) {
        return Promise.reject(e);
      }
    };
    return {
      workers: 0,
      items: (items) => inline({ kind: 'items', items }),
      lines: (bytes, firstRow, startOfFile) => inline({ kind: 'lines', bytes, firstRow, startOfFile }),
      page: (body, cursor) => inline({ kind: 'page', body, cursor }),
      close: async () => {},
    };
  }
  const url = opts.workerUrl ?? new URL('./worker.ts', import.meta.url);
  const pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void; slot: Slot }>();
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];
  for (let i = 0; i < n; i++) {
    // A parse worker allocates many short-lived objects per event (JSON.parse) and holds each
    // batch's values until it is sent: a young generation larger than V8's default means fewer
    // scavenges, each copying that live batch (measured at 1M events: ~4% faster, ~3% less CPU;
    // 48 and 192-384 MB were no better).
    const worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', (msg: { id: number; result?: TaskResult; error?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      p.slot.busy--;
      if (p.slot.busy === 0) p.slot.worker.unref();
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    worker.on('error', (e) => {
      for (const [id, p] of pending) {
        if (p.slot === slot) {
          pending.delete(id);
          p.reject(e);
        }
      }
    });
    worker.unref();
    slots.push(slot);
  }
  function submit<T>(task: Task, transfer?: ArrayBuffer[]): Promise<T> {
    if (closed) return Promise.reject(new Error('prepare pool is closed'));
    let slot = slots[0]!;
    for (const s of slots) if (s.busy < slot.busy) slot = s;
    const id = nextId++;
    slot.busy++;
    slot.worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve, reject, slot });
      slot.worker.postMessage({ id, task }, transfer ?? []);
    });
  }
  return {
    workers: n,
    items: (items) => submit({ kind: 'items', items }),
    lines: (bytes, firstRow, startOfFile) => {
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      return submit({ kind: 'lines', bytes, firstRow, startOfFile }, whole ? [bytes.buffer as ArrayBuffer] : undefined);
    },
    page: (body, cursor) => submit({ kind: 'page', body, cursor }),
    async close() {
      if (closed) return;
      closed = true;
      for (const [, p] of pending) p.reject(new Error('prepare pool closed'));
      pending.clear();
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
