/** Server -> UI pushes, fanned out to every transport that subscribed (IPC windows, SSE clients). */
import type { PushName, PushSpec } from '../../common/api.ts';

type Listener = <P extends PushName>(name: P, payload: PushSpec[P]) => void;

export class PushBus {
  private readonly listeners = new Set<Listener>();
  private readonly last = new Map<PushName, unknown>();
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit<P extends PushName>(name: P, payload: PushSpec[P]): void {
    this.last.set(name, payload);
    for (const l of this.listeners) {
      try {
        l(name, payload);
      } catch {
        /* a broken subscriber must not break the others */
      }
    }
  }
  latest<P extends PushName>(name: P): PushSpec[P] | undefined {
    return this.last.get(name) as PushSpec[P] | undefined;
  }
}
