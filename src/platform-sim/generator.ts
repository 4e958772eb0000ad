/**
 * The deterministic history generator. Data depends only on (seed, days, users, endDate) and the
 * cutoff instant (the end of endDate, or the wall clock when endDate is today).
 *
 * Each business day is generated on its own from seeds derived from (seed, day): sessions come
 * from the per-user table, follow-ups (completion, cancellation, refunds, escrow) from the compact
 * order records of the previous days, penalties and weekly payouts from those records too. Only
 * the order records are kept for every day; full event lists are rebuilt on demand and a few days
 * of serialized JSON are cached.
 *
 * @example
 *   const sim = new MarketSim({ seed: 42, days: 30, users: 2000, endDate: '2025-06-30' });
 *   for (const { date, events } of sim.days()) console.log(date, events.length);
 */
import type { CloudEvent } from '../contract/events.ts';
import { DEFAULT_TIMEZONE, DAY_MS, HOUR_MS, addDays, dayKey, dayRange, isoWeekKey, parseDay, isDay } from '../analytics/calendar.ts';
import { buildCatalog, EXPERIMENTS, DEVICE_WEIGHTS, TRAFFIC_SOURCE_WEIGHTS, PENALTY_REASONS, type Catalog } from './catalog.ts';
import { Rng, cumulative, hashString, DIGITS } from './rng.ts';
import { buildUsers, activity, userCurrency, type UserTable } from './users.ts';
import { simulateSession } from './session.ts';
import { MAX_FOLLOW_UP_DAYS, followUpEvents, escrowSplit, money, sourceOf } from './orders.ts';
import type { Incident, PaymentOutage, OrderRec, PayoutInjection, RawEvent, RunningExperiment, SessionSpec, SimEnv } from './types.ts';

export interface SimParams {
  seed: number;
  days: number;
  users: number;
  /** last business day (YYYY-MM-DD); default: today in Asia/Ho_Chi_Minh */
  endDate?: string;
  /** wall clock (UTC ms) used to cut the end date; default Date.now() */
  now?: number;
  /** opt in to the funnel drop-off incident (a payment-method outage on Android; see MarketSim.outages) */
  dropoffIncident?: boolean;
}

export interface ResolvedParams {
  seed: number;
  days: number;
  users: number;
  startDate: string;
  endDate: string;
  timezone: string;
  /** no historical event is later than this instant (UTC ms) */
  cutoff: number;
  /** short hash of (seed, days, users, endDate[, dropoff incident]), used in event ids and cursors */
  tag: string;
  dropoffIncident: boolean;
}

/** A serialized day: see {@link MarketSim.dayBlob}. */
export interface DayBlob { buf: Buffer; offsets: Uint32Array; count: number }

export interface Penalty { id: string; t: number; seller: number; amount: number; reason: string }

export interface PayoutStatement {
  seller_id: string;
  currency: string;
  disbursed: { amount: string; currency: string };
  escrow_released: { amount: string; currency: string };
  commission: { amount: string; currency: string };
  fees: { amount: string; currency: string };
  penalties: { amount: string; currency: string };
  /** recovery of earlier overpayments to this seller in this currency, deducted from this payout */
  deductions: { amount: string; currency: string };
  order_count: number;
  transfer_ref: string;
  disbursement_id: string;
  disbursed_at: string;
}

export interface WeekPayouts {
  week: string;
  /** day index of the Monday the payouts are disbursed */
  day: number;
  statements: PayoutStatement[];
  events: RawEvent[];
  injections: PayoutInjection[];
  /** overpayments not yet recovered after this week, by "seller index|currency" (minor units) */
  carry: Map<string, number>;
}

/** Sessions per day per active-user unit (tuned so the defaults give ~2M events). */
const BASE_ACTIVITY = 0.5;
/** Anonymous visitor sessions per logged-in session. */
const ANON_RATIO = 0.3;
const HOUR_WEIGHTS = [0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.35, 0.6, 0.8, 0.95, 1.0, 1.1, 1.2, 1.05, 0.95, 0.9, 0.9, 0.95, 1.1, 1.3, 1.55, 1.6, 1.3, 0.7];
const HOUR_CUM = cumulative(HOUR_WEIGHTS);
const SALE_HOUR_CUM = cumulative(HOUR_WEIGHTS.map((w, h) => (h === 0 ? w * 6 : h === 1 ? w * 3 : w)));
const WEEKDAY_FACTOR = [1.2, 0.95, 0.95, 1.0, 1.0, 1.05, 1.15]; // Sun..Sat
const RETURNING_SOURCE_WEIGHTS = cumulative([35, 20, 10, 12, 15, 8]);
/** serialized days kept in memory, in bytes */
export const BLOB_CACHE_BYTES = 128 * 1024 * 1024;
/** order records kept in memory (~1 KB each) before the least recently used days are dropped */
const ORDER_CACHE_MAX = 400_000;
const DATE_RE = /-/g;

export function todayIn(tz: string, now: number): string {
  return dayKey(now, tz);
}

export function resolveParams(p: SimParams): ResolvedParams {
  const tz = DEFAULT_TIMEZONE;
  if (!Number.isSafeInteger(p.seed) || p.seed < 0) throw new RangeError('seed must be a non-negative integer');
  if (!Number.isSafeInteger(p.days) || p.days < 1 || p.days > 3650) throw new RangeError('days must be an integer in 1..3650');
  if (!Number.isSafeInteger(p.users) || p.users < 1 || p.users > 2_000_000) throw new RangeError('users must be an integer in 1..2000000');
  const now = p.now ?? Date.now();
  const endDate = p.endDate ?? todayIn(tz, now);
  if (!isDay(endDate)) throw new RangeError(`endDate "${endDate}" is not a YYYY-MM-DD date`);
  const startDate = addDays(endDate, -(p.days - 1));
  const end = dayRange(endDate, tz).end;
  const cutoff = Math.min(end - 1, now);
  if (cutoff < dayRange(startDate, tz).start) throw new RangeError(`endDate ${endDate} starts after the current time`);
  const dropoffIncident = p.dropoffIncident === true;
  const tag = hashString(`${p.seed}|${p.days}|${p.users}|${endDate}${dropoffIncident ? '|dropoff' : ''}`).toString(36).padStart(7, '0').slice(-7);
  return { seed: p.seed, days: p.days, users: p.users, startDate, endDate, timezone: tz, cutoff, tag, dropoffIncident };
}

/** Envelope of a raw event. */
const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let isoDayNum = NaN;
let isoDayPrefix = '';

/** RFC 3339 UTC with milliseconds ("2025-06-30T08:15:00.123Z"); same output as Date#toISOString. */
export function isoTime(ms: number): string {
  const dayNum = Math.floor(ms / DAY_MS);
  if (dayNum !== isoDayNum) {
    isoDayNum = dayNum;
    isoDayPrefix = new Date(dayNum * DAY_MS).toISOString().slice(0, 11);
  }
  let r = ms - dayNum * DAY_MS;
  const h = Math.floor(r / HOUR_MS);
  r -= h * HOUR_MS;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return isoDayPrefix + PAD2[h] + ':' + PAD2[m] + ':' + PAD2[s] + '.' + PAD3[r - s * 1000] + 'Z';
}

/** Envelope of a raw event. */
export function toCloudEvent(e: RawEvent, id: string): CloudEvent {
  const source = sourceOf(e);
  const time = isoTime(e.t);
  return e.subject
    ? { specversion: '1.0', id, type: e.type, source, time, subject: e.subject, datacontenttype: 'application/json', data: e.data }
    : { specversion: '1.0', id, type: e.type, source, time, datacontenttype: 'application/json', data: e.data };
}

/** JSON.stringify(toCloudEvent(e, id)) without the intermediate object. */
export function cloudEventJson(e: RawEvent, id: string): string {
  return '{"specversion":"1.0","id":"' + id + '","type":"' + e.type + '","source":"' + sourceOf(e) + '","time":"' + isoTime(e.t) + '"' +
    (e.subject ? ',"subject":' + JSON.stringify(e.subject) : '') + ',"datacontenttype":"application/json","data":' + JSON.stringify(e.data) + '}';
}

function weekday(date: string): number {
  const { y, m, d } = parseDay(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export function dayFactorOf(date: string): number {
  const { m, d } = parseDay(date);
  let f = WEEKDAY_FACTOR[weekday(date)]!;
  if (m === d) f *= 1.8; // double-day sales: 9.9, 10.10, 11.11, 12.12 ...
  if (d === 25) f *= 1.1; // payday
  return f;
}

export class MarketSim {
  readonly params: ResolvedParams;
  readonly catalog: Catalog;
  readonly users: UserTable;
  readonly experiments: RunningExperiment[];
  readonly incidents: Incident[];
  /** opt-in payment-method outages on one device (the funnel drop-off incident) */
  readonly outages: PaymentOutage[];
  private readonly dates: string[];
  private readonly ranges: { start: number; end: number }[];
  private readonly factors: number[];
  /** LRU of per-day order records (all days at the default scale; bounded for huge parameters) */
  private readonly orderCache = new Map<number, OrderRec[]>();
  private cachedOrders = 0;
  private readonly penaltyCache = new Map<number, Penalty[]>();
  private readonly payoutCache = new Map<number, WeekPayouts>();
  private readonly blobCache = new Map<number, DayBlob>();
  private blobBytes = 0;
  private readonly counts: Int32Array;
  private readonly weekMondays = new Map<string, number>();

  constructor(p: SimParams) {
    this.params = resolveParams(p);
    const { seed, days, users, startDate, timezone } = this.params;
    this.dates = Array.from({ length: days }, (_, i) => addDays(startDate, i));
    this.ranges = this.dates.map((d) => dayRange(d, timezone));
    this.factors = this.dates.map(dayFactorOf);
    this.catalog = buildCatalog(seed);
    this.users = buildUsers(seed, users, days, (d) => this.factors[d]!);
    this.counts = new Int32Array(days).fill(-1);
    this.experiments = EXPERIMENTS.map((def) => ({ def, startMs: this.ranges[Math.max(0, days - def.startDaysBeforeEnd)]!.start }));
    this.incidents = [];
    if (days >= 3) {
      const k = Math.max(1, days - 1 - Math.round(days * 0.25));
      const r = new Rng(seed, 'incident');
      const start = this.ranges[k]!.start + 14 * HOUR_MS + r.int(0, 90) * 60_000;
      this.incidents.push({ kind: 'gateway_outage', gateway: 'momo', start, end: start + 75 * 60_000, failureCode: 'gateway_timeout', failureRate: 0.55 });
    }
    this.outages = [];
    if (this.params.dropoffIncident && days >= 9) {
      // the day before the last (always complete), 18:00-22:00 local: Android wallet / QR payments fail
      const start = this.ranges[days - 2]!.start + 18 * HOUR_MS;
      this.outages.push({
        kind: 'payment_method_outage', device: 'android', methods: ['momo_wallet', 'vnpay_qr', 'paypal'], start, end: start + 4 * HOUR_MS,
        failureCode: 'wallet_unavailable', failureRate: 0.95,
      });
    }
    for (let i = 1; i < days; i++) {
      if (weekday(this.dates[i]!) === 1) this.weekMondays.set(isoWeekKey(this.dates[i - 1]!), i);
    }
  }

  get dayTotal(): number {
    return this.params.days;
  }

  date(i: number): string {
    return this.dates[i]!;
  }

  range(i: number): { start: number; end: number } {
    return this.ranges[i]!;
  }

  /** Day index of a YYYY-MM-DD business date, or -1 when outside the history. */
  indexOf(date: string): number {
    if (!isDay(date)) return -1;
    const { y, m, d } = parseDay(date);
    const s = parseDay(this.params.startDate);
    const i = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(s.y, s.m - 1, s.d)) / DAY_MS);
    return i >= 0 && i < this.params.days ? i : -1;
  }

  /** Day index of the business day containing instant `ms`, or -1. */
  indexAt(ms: number): number {
    return this.indexOf(dayKey(ms, this.params.timezone));
  }

  /** True when day i is complete (not cut by the cutoff). */
  isFullDay(i: number): boolean {
    return this.ranges[i]!.end - 1 <= this.params.cutoff;
  }

  /** Record a day's event count learned elsewhere (e.g. from the worker running the same data). */
  noteCount(i: number, count: number): void {
    if (i >= 0 && i < this.params.days) this.counts[i] = count;
  }

  /** Known event count of day i, or -1 when the day has not been generated yet. */
  knownCount(i: number): number {
    return this.counts[i]!;
  }

  private env(dateCompact: string, k: number): SimEnv {
    let attempt = 0;
    const n = String(k).padStart(5, '0');
    return {
      catalog: this.catalog, users: this.users, experiments: this.experiments, incidents: this.incidents, outages: this.outages,
      ids: {
        order: () => `ORD-${dateCompact}-${n}`,
        payment: () => `PAY-${dateCompact}-${n}-${++attempt}`,
        cart: () => `CART-${dateCompact}-${n}`,
      },
    };
  }

  /** Session specs of day i, sorted by start time. */
  private sessionSpecs(i: number): SessionSpec[] {
    const { seed } = this.params;
    const r = new Rng(seed, 'day', i);
    const { start } = this.ranges[i]!;
    const f = this.factors[i]!;
    const sale = this.factors[i]! >= 1.7;
    const u = this.users;
    const specs: SessionSpec[] = [];
    const time = (): number => start + (r.weighted(sale ? SALE_HOUR_CUM : HOUR_CUM) * 3600 + r.int(0, 3599)) * 1000 + r.int(0, 999);
    for (let x = u.firstOfDay[i]!; x < u.firstOfDay[i + 1]!; x++) {
      specs.push({ sessionId: '', start: time(), user: x, registration: true, device: u.device[x]!, source: u.source[x]!, currency: 'VND' });
    }
    const returning = u.firstOfDay[i]!;
    for (let x = 0; x < returning; x++) {
      const p = Math.min(0.85, BASE_ACTIVITY * f * activity(u, x, i));
      if (r.next() >= p) continue;
      const n = r.chance(p * 0.2) ? 2 : 1;
      for (let s = 0; s < n; s++) {
        specs.push({
          sessionId: '', start: time(), user: x, registration: false,
          device: r.chance(0.75) ? u.device[x]! : r.weighted(DEVICE_WEIGHTS), source: r.weighted(RETURNING_SOURCE_WEIGHTS), currency: userCurrency(u, x),
        });
      }
    }
    const anon = r.poisson(ANON_RATIO * specs.length);
    for (let a = 0; a < anon; a++) {
      specs.push({ sessionId: '', start: time(), user: -1, registration: false, device: r.weighted(DEVICE_WEIGHTS), source: r.weighted(TRAFFIC_SOURCE_WEIGHTS), currency: r.chance(0.93) ? 'VND' : 'USD' });
    }
    specs.sort((a, b) => a.start - b.start);
    const dc = this.dates[i]!.replace(DATE_RE, '');
    specs.forEach((s, k) => (s.sessionId = `SES-${dc}-${String(k + 1).padStart(5, '0')}`));
    return specs;
  }

  /** Simulate day i's sessions; returns their events and the orders placed (cut at the cutoff). */
  private simulateDay(i: number, out: RawEvent[] | null): OrderRec[] {
    const specs = this.sessionSpecs(i);
    const { end } = this.ranges[i]!;
    const dc = this.dates[i]!.replace(DATE_RE, '');
    const orders: OrderRec[] = [];
    const tmp: RawEvent[] = [];
    for (let k = 0; k < specs.length; k++) {
      const spec = specs[k]!;
      tmp.length = 0;
      let o = simulateSession(this.env(dc, k + 1), new Rng(this.params.seed, 'session', i, k), spec, tmp);
      const last = tmp[tmp.length - 1]!.t;
      if (last >= end - 1000) {
        // keep the whole session inside its business day: replay it earlier with the same stream
        spec.start -= last - (end - 1000) + 1;
        tmp.length = 0;
        o = simulateSession(this.env(dc, k + 1), new Rng(this.params.seed, 'session', i, k), spec, tmp);
      }
      if (out) for (const e of tmp) out.push(e);
      if (o && o.capturedAt <= this.params.cutoff) orders.push(o);
    }
    return orders;
  }

  /** Orders captured on day i (compact records, cached; regenerated on demand past the cap). */
  orders(i: number): OrderRec[] {
    let o = this.orderCache.get(i);
    if (o) {
      this.orderCache.delete(i);
      this.orderCache.set(i, o);
      return o;
    }
    o = this.simulateDay(i, null);
    this.cacheOrders(i, o);
    return o;
  }

  private cacheOrders(i: number, o: OrderRec[]): void {
    if (this.orderCache.has(i)) return;
    this.orderCache.set(i, o);
    this.cachedOrders += o.length;
    while (this.cachedOrders > ORDER_CACHE_MAX && this.orderCache.size > MAX_FOLLOW_UP_DAYS + 8) {
      const [k, v] = this.orderCache.entries().next().value!;
      this.orderCache.delete(k);
      this.cachedOrders -= v.length;
    }
  }

  /** Orders whose escrow is released on day i. */
  escrowsOn(i: number): OrderRec[] {
    const { start, end } = this.ranges[i]!;
    const res: OrderRec[] = [];
    for (let j = Math.max(0, i - MAX_FOLLOW_UP_DAYS); j <= i; j++) {
      for (const o of this.orders(j)) if (o.escrowAt >= start && o.escrowAt < end && o.escrowAt <= this.params.cutoff) res.push(o);
    }
    return res;
  }

  /** Refunds (cancellations and returns) paid on day i. */
  refundsOn(i: number): OrderRec[] {
    const { start, end } = this.ranges[i]!;
    const res: OrderRec[] = [];
    for (let j = Math.max(0, i - MAX_FOLLOW_UP_DAYS); j <= i; j++) {
      for (const o of this.orders(j)) if (o.refundAt >= start && o.refundAt < end && o.refundAt <= this.params.cutoff) res.push(o);
    }
    return res;
  }

  private mondayOf(i: number): number {
    const wd = weekday(this.dates[i]!);
    return i - (wd === 0 ? 6 : wd - 1);
  }

  /**
   * Seller penalties on day i. A penalty only hits a seller whose VND net earnings earlier in the
   * same ISO week cover it three times, so weekly payouts never go negative.
   */
  penalties(i: number): Penalty[] {
    const cached = this.penaltyCache.get(i);
    if (cached) return cached;
    const r = new Rng(this.params.seed, 'penalty', i);
    const res: Penalty[] = [];
    const n = r.poisson(0.5);
    if (n > 0) {
      const net = new Map<number, number>();
      for (let d = Math.max(0, this.mondayOf(i)); d < i; d++) {
        for (const o of this.escrowsOn(d)) {
          if (o.currency !== 'VND') continue;
          const { commission, fee } = escrowSplit(this.catalog, o);
          net.set(o.seller, (net.get(o.seller) ?? 0) + o.escrowAmount - commission - fee);
        }
        for (const p of this.penalties(d)) net.set(p.seller, (net.get(p.seller) ?? 0) - p.amount);
      }
      const dc = this.dates[i]!.replace(DATE_RE, '');
      for (let k = 0; k < n; k++) {
        const eligible = [...net.entries()].filter(([, v]) => v >= 300_000).map(([s]) => s).sort((a, b) => a - b);
        if (eligible.length === 0) break;
        const seller = r.pick(eligible);
        const kind = PENALTY_REASONS[r.weighted(cumulative(PENALTY_REASONS.map((p) => p.weight)))]!;
        let amount = Math.round(r.range(kind.min, kind.max) / 10_000) * 10_000;
        const cap = Math.floor(net.get(seller)! / 3 / 10_000) * 10_000;
        if (amount > cap) amount = cap;
        if (amount < 50_000) continue;
        const t = this.ranges[i]!.start + r.int(8 * 3600, 20 * 3600) * 1000 + r.int(0, 999);
        if (t > this.params.cutoff) continue;
        net.set(seller, net.get(seller)! - amount);
        res.push({ id: `PEN-${dc}-${k + 1}`, t, seller, amount, reason: kind.reason });
      }
    }
    this.penaltyCache.set(i, res);
    return res;
  }

  /** Day index of the Monday that disburses ISO week `week`, or -1 when outside the history. */
  payoutDayOf(week: string): number {
    return this.weekMondays.get(week) ?? -1;
  }

  /** The ISO weeks whose payouts fall inside the history, in order. */
  payoutWeeks(): string[] {
    return [...this.weekMondays.entries()].filter(([, i]) => this.payouts(i) !== null).map(([w]) => w);
  }

  /** Weekly payouts disbursed on day i (a Monday) for the previous ISO week; null otherwise. */
  payouts(i: number): WeekPayouts | null {
    if (i <= 0 || weekday(this.dates[i]!) !== 1) return null;
    const cached = this.payoutCache.get(i);
    if (cached) return cached;
    const week = isoWeekKey(this.dates[i - 1]!);
    const acc = new Map<string, { seller: number; currency: string; escrow: number; commission: number; fees: number; penalties: number; orders: number }>();
    const get = (seller: number, currency: string) => {
      const key = `${String(seller).padStart(5, '0')}|${currency}`;
      let a = acc.get(key);
      if (!a) {
        a = { seller, currency, escrow: 0, commission: 0, fees: 0, penalties: 0, orders: 0 };
        acc.set(key, a);
      }
      return a;
    };
    for (let d = Math.max(0, i - 7); d < i; d++) {
      for (const o of this.escrowsOn(d)) {
        const a = get(o.seller, o.currency);
        const { commission, fee } = escrowSplit(this.catalog, o);
        a.escrow += o.escrowAmount;
        a.commission += commission;
        a.fees += fee;
        a.orders++;
      }
      for (const p of this.penalties(d)) get(p.seller, 'VND').penalties += p.amount;
    }
    // Overpayments are recovered from the seller's next payouts in the same currency (as much as
    // each payout allows), so the carry-in is what earlier weeks overpaid and did not recover yet.
    const prev = i - 7 >= 1 ? this.payouts(i - 7) : null;
    const carry = new Map(prev?.carry ?? []);
    const r = new Rng(this.params.seed, 'payout', week);
    const statements: PayoutStatement[] = [];
    const events: RawEvent[] = [];
    const injections: PayoutInjection[] = [];
    const disburseAt = this.ranges[i]!.start + 10 * HOUR_MS;
    const keys = [...acc.keys()].sort();
    keys.forEach((key, idx) => {
      const a = acc.get(key)!;
      const carryKey = `${a.seller}|${a.currency}`;
      const base = a.escrow - a.commission - a.fees - a.penalties;
      const owed = carry.get(carryKey) ?? 0;
      const deducted = Math.max(0, Math.min(owed, base));
      const expected = base - deducted;
      const x = r.next();
      const pct = r.range(0.005, 0.08);
      const ref = 'FT' + this.dates[i]!.slice(2).replace(DATE_RE, '') + r.chars(8, DIGITS);
      const t = disburseAt + idx * 5000;
      if (t > this.params.cutoff) return;
      if (expected <= 0) {
        // nothing payable this week (or a deduction took all of it): no statement
        if (deducted > 0) carry.set(carryKey, owed - deducted);
        if (owed - deducted === 0) carry.delete(carryKey);
        return;
      }
      let disbursed = expected;
      let kind: PayoutInjection['kind'] | null = null;
      if (x < 0.04) {
        const unit = a.currency === 'VND' ? 1000 : 1;
        const delta = Math.max(unit, Math.round((expected * pct) / unit) * unit);
        if (x < 0.025) {
          if (expected - delta > 0) {
            disbursed = expected - delta;
            kind = 'underpayment';
          }
        } else {
          disbursed = expected + delta;
          kind = 'overpayment';
        }
      }
      const left = owed - deducted + (kind === 'overpayment' ? disbursed - expected : 0);
      if (left > 0) carry.set(carryKey, left);
      else carry.delete(carryKey);
      const sellerId = this.catalog.sellers[a.seller]!.id;
      const disbursementId = `DSB-${week}-${sellerId}-${a.currency}`;
      statements.push({
        seller_id: sellerId, currency: a.currency, disbursed: money(disbursed, a.currency), escrow_released: money(a.escrow, a.currency),
        commission: money(a.commission, a.currency), fees: money(a.fees, a.currency), penalties: money(a.penalties, a.currency),
        deductions: money(deducted, a.currency), order_count: a.orders, transfer_ref: ref, disbursement_id: disbursementId, disbursed_at: new Date(t).toISOString(),
      });
      events.push({ t, type: 'payout.disbursed', subject: sellerId, data: { disbursement_id: disbursementId, seller_id: sellerId, week, amount: money(disbursed, a.currency), transfer_ref: ref } });
      if (kind) {
        injections.push({
          week, seller_id: sellerId, currency: a.currency, kind, expected: money(expected, a.currency), disbursed: money(disbursed, a.currency),
          difference: money(disbursed - expected, a.currency),
        });
      }
    });
    const res: WeekPayouts = { week, day: i, statements, events, injections, carry };
    this.payoutCache.set(i, res);
    return res;
  }

  /** All raw events of day i in time order (cut at the cutoff). */
  rawDay(i: number): RawEvent[] {
    if (i < 0 || i >= this.params.days) throw new RangeError(`day index ${i} outside 0..${this.params.days - 1}`);
    const out: RawEvent[] = [];
    const orders = this.simulateDay(i, out);
    this.cacheOrders(i, orders);
    const { start, end } = this.ranges[i]!;
    for (let j = Math.max(0, i - MAX_FOLLOW_UP_DAYS); j <= i; j++) {
      for (const o of this.orders(j)) followUpEvents(this.catalog, this.users, o, start, end, out);
    }
    for (const p of this.penalties(i)) {
      const s = this.catalog.sellers[p.seller]!;
      out.push({ t: p.t, type: 'seller.penalty_applied', subject: s.id, data: { penalty_id: p.id, seller_id: s.id, amount: money(p.amount, 'VND'), reason: p.reason } });
    }
    const pay = this.payouts(i);
    if (pay) for (const e of pay.events) out.push(e);
    out.sort((a, b) => a.t - b.t);
    let n = out.length;
    if (!this.isFullDay(i)) {
      while (n > 0 && out[n - 1]!.t > this.params.cutoff) n--;
      out.length = n;
    }
    this.counts[i] = n;
    return out;
  }

  /** Event id of the k-th event (0-based) of day i. */
  eventId(i: number, k: number): string {
    return `${this.params.tag}-${this.dates[i]!.replace(DATE_RE, '')}-${String(k + 1).padStart(6, '0')}`;
  }

  /** Day i as CloudEvents, in feed order. */
  generateDay(i: number): CloudEvent[] {
    return this.rawDay(i).map((e, k) => toCloudEvent(e, this.eventId(i, k)));
  }

  /**
   * Day i serialized for the feed: one UTF-8 buffer holding the day's events as JSON separated by
   * commas, and the byte offset where each event starts (offsets[n] = buf.length + 1). Events
   * [a, b) are `buf.subarray(offsets[a], offsets[b] - 1)`. A few days are cached.
   */
  dayBlob(i: number, cache = true): DayBlob {
    const hit = this.blobCache.get(i);
    if (hit) {
      this.blobCache.delete(i);
      this.blobCache.set(i, hit);
      return hit;
    }
    const raw = this.rawDay(i);
    const prefix = `${this.params.tag}-${this.dates[i]!.replace(DATE_RE, '')}-`;
    let buf = Buffer.allocUnsafe(Math.max(4096, raw.length * 640));
    const offsets = new Uint32Array(raw.length + 1);
    let pos = 0;
    for (let k = 0; k < raw.length; k++) {
      const json = cloudEventJson(raw[k]!, prefix + String(k + 1).padStart(6, '0'));
      if (pos + json.length * 3 + 1 > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + json.length * 3 + 1));
        buf.copy(bigger, 0, 0, pos);
        buf = bigger;
      }
      offsets[k] = pos;
      pos += buf.write(json, pos, 'utf8');
      buf[pos++] = 0x2c; // ','
    }
    offsets[raw.length] = pos;
    const used = buf.subarray(0, Math.max(0, pos - 1));
    // uncached callers copy what they need; cached blobs get an exact-size copy
    if (!cache) return { buf: used, offsets, count: raw.length };
    const blob: DayBlob = { buf: Buffer.from(used), offsets, count: raw.length };
    this.blobCache.set(i, blob);
    this.blobBytes += blob.buf.length;
    while (this.blobBytes > BLOB_CACHE_BYTES && this.blobCache.size > 1) {
      const [k, v] = this.blobCache.entries().next().value!;
      this.blobCache.delete(k);
      this.blobBytes -= v.buf.length;
    }
    return blob;
  }

  /** True when day i's serialized form is cached. */
  isCached(i: number): boolean {
    return this.blobCache.has(i);
  }

  /** Event count of day i (generates the day if needed). */
  dayCount(i: number): number {
    if (this.counts[i]! < 0) this.rawDay(i);
    return this.counts[i]!;
  }

  /** Every day in order, as CloudEvents. */
  *days(): Generator<{ index: number; date: string; events: CloudEvent[] }> {
    for (let i = 0; i < this.params.days; i++) yield { index: i, date: this.dates[i]!, events: this.generateDay(i) };
  }

  /** Every historical event in feed order. */
  *events(): Generator<CloudEvent> {
    for (const d of this.days()) yield* d.events;
  }

  /** Estimated total of historical events: exact once every day has been generated. */
  totalEstimate(): number {
    let known = 0, knownDays = 0, knownWeight = 0, unknownWeight = 0;
    for (let i = 0; i < this.params.days; i++) {
      const w = this.users.firstOfDay[i + 1]! * this.factors[i]! + 1;
      if (this.counts[i]! >= 0) {
        known += this.counts[i]!;
        knownDays++;
        knownWeight += w;
      } else unknownWeight += w;
    }
    if (knownDays === this.params.days) return known;
    const perWeight = knownDays > 0 && known > 0 ? known / knownWeight : 8;
    return Math.round(known + perWeight * unknownWeight);
  }
}

/** Day-by-day events for (seed, days, users, endDate): the same data the HTTP feed serves. */
export function* generateEventDays(p: SimParams): Generator<{ index: number; date: string; events: CloudEvent[] }> {
  yield* new MarketSim(p).days();
}
