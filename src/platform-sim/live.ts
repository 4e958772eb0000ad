/**
 * Live mode: real-time sessions and orders with time = now, appended to the feed. The order rate
 * is `ordersPerMinute`; sessions that do not convert are generated in between with the same
 * funnel as the history. A GMV drop (factor 0..1) turns a share (1 - factor) of would-be orders
 * into gateway_timeout payment failures, so the order rate falls to rate x factor.
 */
import { DEVICE_WEIGHTS } from './catalog.ts';
import { Rng, cumulative } from './rng.ts';
import { simulateSession } from './session.ts';
import type { MarketSim } from './generator.ts';
import type { OrderRec, RawEvent, SessionSpec, SimEnv } from './types.ts';
import { userCurrency } from './users.ts';

const RETURNING_SOURCES = cumulative([35, 20, 10, 12, 15, 8]);
const TRAFFIC = cumulative([22, 26, 16, 18, 10, 8]);

export interface LiveStatus {
  on: boolean;
  orders_per_minute: number;
  gmv_drop: { on: boolean; factor: number };
  sessions: number;
  orders: number;
  events: number;
}

export class LiveEmitter {
  private readonly sim: MarketSim;
  private readonly rng: Rng;
  private readonly bootId: string;
  private readonly clock: () => number;
  private readonly sink: (events: RawEvent[], orders: OrderRec[]) => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = 0;
  private startedAt = 0;
  private budget = 0;
  private seq = 0;
  ordersPerMinute: number;
  gmvDrop = { on: false, factor: 1 };
  sessions = 0;
  orders = 0;
  events = 0;

  constructor(sim: MarketSim, bootId: string, clock: () => number, ordersPerMinute: number, sink: (events: RawEvent[], orders: OrderRec[]) => void) {
    this.sim = sim;
    this.bootId = bootId;
    this.clock = clock;
    this.ordersPerMinute = ordersPerMinute;
    this.sink = sink;
    this.rng = new Rng(sim.params.seed, 'live', bootId);
  }

  get on(): boolean {
    return this.timer !== null;
  }

  start(ordersPerMinute?: number, tickMs = 250): void {
    if (ordersPerMinute !== undefined) this.ordersPerMinute = ordersPerMinute;
    if (this.timer) return;
    this.last = this.clock();
    this.startedAt = this.last;
    this.budget = 0;
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  setGmvDrop(on: boolean, factor: number): void {
    this.gmvDrop = { on, factor };
  }

  status(): LiveStatus {
    return { on: this.on, orders_per_minute: this.ordersPerMinute, gmv_drop: { ...this.gmvDrop }, sessions: this.sessions, orders: this.orders, events: this.events };
  }

  /** Emit what is due since the last tick. Public for tests. */
  tick(): void {
    const now = this.clock();
    const dt = Math.max(0, Math.min(60_000, now - this.last));
    this.last = now;
    this.budget += (this.ordersPerMinute * dt) / 60_000;
    const events: RawEvent[] = [];
    const orders: OrderRec[] = [];
    let guard = 0;
    while (this.budget >= 1 && guard++ < 20_000) {
      const { order, dropped } = this.session(now, events);
      if (order) orders.push(order);
      if (order || dropped) this.budget -= 1;
    }
    if (guard >= 20_000) this.budget = 0;
    if (events.length > 0) {
      this.events += events.length;
      this.orders += orders.length;
      this.sink(events, orders);
    }
  }

  private session(now: number, out: RawEvent[]): { order: OrderRec | null; dropped: boolean } {
    const r = this.rng;
    const u = this.sim.users;
    const n = ++this.seq;
    const tag = `L${this.bootId}-${n}`;
    let attempt = 0;
    let dropped = false;
    const env: SimEnv = {
      catalog: this.sim.catalog, users: u, experiments: this.sim.experiments, incidents: [],
      ids: { order: () => `ORD-${tag}`, payment: () => `PAY-${tag}-${++attempt}`, cart: () => `CART-${tag}` },
      dropOrder: () => {
        if (this.gmvDrop.on && r.next() >= this.gmvDrop.factor) {
          dropped = true;
          return true;
        }
        return false;
      },
    };
    const anon = u.count === 0 || r.chance(0.23);
    const user = anon ? -1 : r.int(0, u.count - 1);
    const spec: SessionSpec = {
      sessionId: `SES-${tag}`, start: now, user, registration: false,
      device: user >= 0 && r.chance(0.75) ? u.device[user]! : r.weighted(DEVICE_WEIGHTS),
      source: r.weighted(user >= 0 ? RETURNING_SOURCES : TRAFFIC),
      currency: user >= 0 ? userCurrency(u, user) : r.chance(0.93) ? 'VND' : 'USD',
    };
    const tmp: RawEvent[] = [];
    const order = simulateSession(env, r, spec, tmp);
    this.sessions++;
    // the session has just ended: shift it so its last event is "now", and nothing is earlier
    // than the moment live mode was switched on
    const shift = now - tmp[tmp.length - 1]!.t;
    const floor = Math.min(now, this.startedAt);
    for (const e of tmp) {
      e.t = Math.max(floor, e.t + shift);
      out.push(e);
    }
    if (order) {
      order.placedAt = Math.max(floor, order.placedAt + shift);
      order.capturedAt = Math.max(floor, order.capturedAt + shift);
    }
    return { order, dropped };
  }
}
