/** Worker-thread entry for the prepare pool: runs tasks.ts functions off the writer thread. */
import { parentPort } from 'node:worker_threads';
import { runTask, transferables, type Task } from './tasks.ts';

parentPort!.on('message', (msg: { id: number; task: Task }) => {
  try {
    const result = runTask(msg.task);
    parentPort!.postMessage({ id: msg.id, result }, transferables(result));
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
