/**
 * Worker-thread side of WorkerEngine (engine.ts): owns a MarketSim built from the same parameters
 * as the server's, answers requests, and indexes every day in the background when idle.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MarketSim } from './generator.ts';
import { runOp } from './engine.ts';

const port = parentPort!;
const sim = new MarketSim(workerData.params);
const days = sim.dayTotal;
const reported = new Uint8Array(days);

function reportCounts(): void {
  for (let i = 0; i < days; i++) {
    if (!reported[i] && sim.knownCount(i) >= 0) {
      reported[i] = 1;
      port.postMessage({ type: 'count', day: i, count: sim.knownCount(i) });
    }
  }
}

let lastRequest = 0;

port.on('message', (m: { id: number; op: string; args: any }) => {
  lastRequest = Date.now();
  try {
    if (m.op === 'blob') {
      const b = sim.dayBlob(m.args.day, false);
      const copy = new Uint8Array(b.buf.length);
      copy.set(b.buf);
      const offsets = b.offsets.slice();
      reportCounts();
      port.postMessage({ type: 'reply', id: m.id, ok: true, result: { buf: copy.buffer, offsets, count: b.count } }, [copy.buffer, offsets.buffer]);
      return;
    }
    const result = runOp(sim, m.op, m.args);
    reportCounts();
    port.postMessage({ type: 'reply', id: m.id, ok: true, result });
  } catch (e) {
    port.postMessage({ type: 'reply', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});

let next = 0;
function indexStep(): void {
  // requests first: index only when the reader has been quiet for a moment
  if (Date.now() - lastRequest < 500) {
    setTimeout(indexStep, 250);
    return;
  }
  while (next < days && sim.knownCount(next) >= 0) next++;
  if (next >= days) return;
  sim.rawDay(next);
  reportCounts();
  setImmediate(indexStep);
}

port.postMessage({ type: 'ready' });
if (workerData.index) setImmediate(indexStep);
