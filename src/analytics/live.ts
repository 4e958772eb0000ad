/**
 * Live GMV (spec 1.2): today's GMV in the business timezone, order count, AOV, refund rate, an
 * intraday series, and the GMV-drop rule over rolling windows. Pure: `(input, params) => result`.
 *
 * Definitions (docs/metrics.md):
 * - GMV = Σ total of `order.placed` events whose time is in [start of business day, now).
 *   Summed per currency; the headline converts other currencies at the stated `fxRates`.
 * - Orders = count of those events. AOV = GMV / orders, rounded half-even once to the minor unit.
 * - Refund rate = Σ `payment.refunded` amounts today / GMV today (both in the reporting currency).
 * - GMV drop: GMV in the latest window [now-W, now) vs the prior window [now-2W, now-W); fires when
 *   it falls by more than `dropPct` percent and the prior window had at least `minPriorOrders` orders.
 */
import { MoneyBag, divRoundHalfEven, displayMoney } from './money.ts';
import { startOfDay, dayKey, dayRange, MINUTE_MS } from './calendar.ts';

export interface MoneyValue { minor: number; currency: string; display: string }

export interface AmountRow { time: number; amount: number; currency: string }

export interface LiveParams {
  now: number;
  timezone: string;
  reportingCurrency: string;
  fxRates: Readonly<Record<string, string>>;
  windowMinutes: number;
  dropPct: number;
  minPriorOrders: number;
  bucketMinutes?: number;
  /** a past business day 'YYYY-MM-DD' to report on instead of today; `now` is then clamped to its end */
  day?: string;
}

export interface GmvWindow {
  windowMinutes: number;
  latestStart: number;
  latest: MoneyValue;
  latestOrders: number;
  prior: MoneyValue;
  priorOrders: number;
  /** (latest - prior) / prior in percent; null when prior is 0 */
  changePct: number | null;
  /** true when the drop rule's condition holds now */
  dropping: boolean;
}

export interface LiveSnapshot {
  asOf: number;
  day: string;
  dayStart: number;
  timezone: string;
  reportingCurrency: string;
  gmv: MoneyValue;
  gmvByCurrency: MoneyValue[];
  fxRates: Record<string, string>;
  /** currencies seen today with no configured rate: excluded from the headline, listed separately */
  missingRates: string[];
  orders: number;
  aov: MoneyValue | null;
  refunds: MoneyValue;
  /** refunded / GMV, 0..1 (null when GMV is 0) */
  refundRate: number | null;
  intraday: { t: number; gmvMinor: number; orders: number }[];
  bucketMinutes: number;
  window: GmvWindow;
  lastEventAt: number | null;
  lastSyncedAt: number | null;
}

function money(minor: number, currency: string): MoneyValue {
  return { minor, currency, display: displayMoney(minor, currency) };
}

/** The business day reported on and the effective "now": today, or a past day up to its end. */
export function liveDay(p: Pick<LiveParams, 'now' | 'timezone' | 'day'>): { day: string; dayStart: number; now: number } {
  if (p.day === undefined) return { day: dayKey(p.now, p.timezone), dayStart: startOfDay(p.now, p.timezone), now: p.now };
  const { start, end } = dayRange(p.day, p.timezone);
  return { day: p.day, dayStart: start, now: Math.min(p.now, end) };
}

/** Orders must cover [min(dayStart, now - 2W), now); refunds [dayStart, now). */
export function liveWindowStart(p: Pick<LiveParams, 'now' | 'timezone' | 'windowMinutes' | 'day'>): number {
  const d = liveDay(p);
  return Math.min(d.dayStart, d.now - 2 * p.windowMinutes * MINUTE_MS);
}

export function computeLive(
  input: { orders: readonly AmountRow[]; refunds: readonly AmountRow[]; lastEventAt: number | null; lastSyncedAt: number | null },
  params: LiveParams,
): LiveSnapshot {
  const { day, dayStart, now } = liveDay(params);
  const p = { ...params, now };
  const cur = p.reportingCurrency;
  const bucketMinutes = p.bucketMinutes ?? 15;
  const bucketMs = bucketMinutes * MINUTE_MS;
  const W = p.windowMinutes * MINUTE_MS;
  const latestStart = p.now - W;
  const priorStart = p.now - 2 * W;

  const today = new MoneyBag();
  const latest = new MoneyBag();
  const prior = new MoneyBag();
  let orders = 0, latestOrders = 0, priorOrders = 0;
  const nBuckets = Math.max(1, Math.ceil((p.now - dayStart) / bucketMs));
  const bucketBags: MoneyBag[] = Array.from({ length: nBuckets }, () => new MoneyBag());
  const bucketOrders = new Array<number>(nBuckets).fill(0);

  for (const o of input.orders) {
    if (o.time >= p.now) continue;
    if (o.time >= dayStart) {
      today.add(o.amount, o.currency);
      orders++;
      const b = Math.floor((o.time - dayStart) / bucketMs);
      bucketBags[b]!.add(o.amount, o.currency);
      bucketOrders[b]!++;
    }
    if (o.time >= latestStart) { latest.add(o.amount, o.currency); latestOrders++; }
    else if (o.time >= priorStart) { prior.add(o.amount, o.currency); priorOrders++; }
  }
  const refunds = new MoneyBag();
  for (const r of input.refunds) if (r.time >= dayStart && r.time < p.now) refunds.add(r.amount, r.currency);

  const gmvTotal = today.convertedTotal(cur, p.fxRates);
  const refundTotal = refunds.convertedTotal(cur, p.fxRates);
  const latestTotal = latest.convertedTotal(cur, p.fxRates).minor;
  const priorTotal = prior.convertedTotal(cur, p.fxRates).minor;
  const changePct = priorTotal === 0 ? null : ((latestTotal - priorTotal) / priorTotal) * 100;
  const dropping = changePct !== null && priorOrders >= p.minPriorOrders && changePct < -p.dropPct;
  const missing = new Set([...gmvTotal.missing, ...refundTotal.missing]);

  return {
    asOf: p.now,
    day,
    dayStart,
    timezone: p.timezone,
    reportingCurrency: cur,
    gmv: money(gmvTotal.minor, cur),
    gmvByCurrency: today.entries().map((e) => money(e.minor, e.currency)),
    fxRates: Object.fromEntries(today.currencies().filter((c) => c !== cur && p.fxRates[c]).map((c) => [c, p.fxRates[c]!])),
    missingRates: [...missing].sort(),
    orders,
    aov: orders === 0 ? null : money(Number(divRoundHalfEven(BigInt(gmvTotal.minor), BigInt(orders))), cur),
    refunds: money(refundTotal.minor, cur),
    refundRate: gmvTotal.minor === 0 ? null : refundTotal.minor / gmvTotal.minor,
    intraday: bucketBags.map((bag, i) => ({ t: dayStart + i * bucketMs, gmvMinor: bag.convertedTotal(cur, p.fxRates).minor, orders: bucketOrders[i]! })),
    bucketMinutes,
    window: {
      windowMinutes: p.windowMinutes,
      latestStart,
      latest: money(latestTotal, cur),
      latestOrders,
      prior: money(priorTotal, cur),
      priorOrders,
      changePct,
      dropping,
    },
    lastEventAt: input.lastEventAt,
    lastSyncedAt: input.lastSyncedAt,
  };
}
