/**
 * Orders: pricing and tax (exact integer minor units), the follow-up plan decided at placement
 * (cancellation, completion, return/refund, escrow release) and the follow-up events.
 *
 * Money rules (docs/platform-api.md, "Money"):
 * - line subtotal = unit_price x quantity; order subtotal = sum of line subtotals;
 * - per tax rule: taxable_amount = sum of the subtotals it applies to; tax_amount = taxable x rate
 *   rounded half-even once. Combined US state + local rates are computed once on the combined rate
 *   and split between the two tax lines with the largest-remainder method;
 * - total = subtotal + tax_total (shipping is free on the demo marketplace).
 */
import { divRoundHalfEven, formatMinor, splitLargestRemainder } from '../analytics/money.ts';
import { sourceFor } from '../contract/events.ts';
import {
  CATEGORIES, COUNTRIES, US_STATES, US_TAX, SG_GST, VN_EXPORT, vnVat, CANCEL_REASONS, RETURN_REASONS, VN_CITIES,
  type Catalog, type Gateway, type TaxRule,
} from './catalog.ts';
import { Rng, BASE62, DIGITS, UPPER_ALNUM } from './rng.ts';
import type { OrderItem, OrderRec, RawEvent, TaxLineRec } from './types.ts';
import type { UserTable } from './users.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../analytics/calendar.ts';

/** Days between placement and escrow release at most (completion <= 7d, escrow = completion + 3d). */
export const MAX_FOLLOW_UP_DAYS = 11;
/** Seller transaction fee withheld at escrow release, basis points. */
export const SELLER_FEE_BPS = 200;

export function money(minor: number, currency: string): { amount: string; currency: string } {
  return { amount: formatMinor(minor, currency), currency };
}

export function bpsOf(amount: number, bps: number): number {
  return Number(divRoundHalfEven(BigInt(amount) * BigInt(bps), 10000n));
}

export function rateString(bps: number): string {
  // 1000 -> "0.10", 725 -> "0.0725", 0 -> "0.00"
  const s = (bps / 10000).toFixed(4).replace(/0+$/, '');
  const [i, f = ''] = s.split('.');
  return `${i}.${f.padEnd(2, '0')}`;
}

/** Tax rules that apply to a buyer for a product category. */
export function taxRulesFor(users: UserTable, u: number, category: number): TaxRule[] {
  const country = u >= 0 ? COUNTRIES[users.country[u]!]! : 'VN';
  if (country === 'VN') return [vnVat(CATEGORIES[category]!.vatBps)];
  if (country === 'SG') return [SG_GST];
  if (country === 'US') return US_TAX[US_STATES[users.state[u]!]!]!;
  return [VN_EXPORT];
}

/** Subtotal, tax lines and total of a set of items for a buyer. */
export function priceOrder(users: UserTable, catalog: Catalog, u: number, items: OrderItem[]): { subtotal: number; taxLines: TaxLineRec[]; taxTotal: number; total: number } {
  let subtotal = 0;
  // group taxable amounts by rule set (key = joined jurisdictions+codes)
  const groups = new Map<string, { rules: TaxRule[]; taxable: number }>();
  for (const it of items) {
    subtotal += it.subtotal;
    const rules = taxRulesFor(users, u, catalog.products[it.product]!.category);
    const key = rules.map((r) => `${r.jurisdiction}/${r.taxCode}`).join('+');
    const g = groups.get(key);
    if (g) g.taxable += it.subtotal;
    else groups.set(key, { rules, taxable: it.subtotal });
  }
  const taxLines: TaxLineRec[] = [];
  let taxTotal = 0;
  for (const { rules, taxable } of [...groups.values()].sort((a, b) => b.rules[0]!.bps - a.rules[0]!.bps)) {
    if (rules.length === 0) continue;
    const combinedBps = rules.reduce((s, r) => s + r.bps, 0);
    const combined = bpsOf(taxable, combinedBps);
    const parts = rules.length === 1 || combinedBps === 0 ? [combined] : splitLargestRemainder(combined, rules.map((r) => r.bps));
    rules.forEach((rule, i) => {
      const tax = parts[i] ?? 0;
      taxLines.push({ rule, taxable, tax });
      taxTotal += tax;
    });
  }
  return { subtotal, taxLines, taxTotal, total: subtotal + taxTotal };
}

export function gatewayTxnId(r: Rng, gateway: Gateway, refund = false): string {
  switch (gateway) {
    case 'vnpay': return (refund ? '9' : '1') + r.chars(13, DIGITS);
    case 'momo': return (refund ? 'MR' : 'MM') + r.chars(11, DIGITS);
    case 'stripe': return (refund ? 're_' : 'ch_') + r.chars(24, BASE62);
    case 'adyen': return (refund ? 'R' : '') + r.chars(16, UPPER_ALNUM);
    case 'paypal': return (refund ? 'RF' : '') + r.chars(17, UPPER_ALNUM);
  }
}

/** Decide the order's future (cancellation, completion, return, escrow) at placement. */
export function planFollowUps(r: Rng, o: OrderRec): void {
  if (r.chance(0.03)) {
    o.cancelAt = o.placedAt + Math.round(Math.min(40 * HOUR_MS, 5 * MINUTE_MS + r.exp(6 * HOUR_MS)));
    o.cancelReason = CANCEL_REASONS.reasons[r.weighted(CANCEL_REASONS.cum)]!;
    o.refundAt = o.cancelAt + r.int(60_000, 600_000);
    o.refundAmount = o.total;
    o.refundReason = 'order_cancelled';
    o.refundId = 'RFD-' + o.orderId.slice(4);
    o.refundTxnId = gatewayTxnId(r, o.gateway, true);
    return;
  }
  o.completeAt = o.placedAt + Math.round(r.range(1.5, 7) * DAY_MS);
  // deliveries are confirmed in the daytime (08:00-21:00 Asia/Ho_Chi_Minh, UTC+7)
  const localHour = (((o.completeAt + 7 * HOUR_MS) % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS;
  if (localHour < 8) o.completeAt += Math.round((8 - localHour + r.range(0, 3)) * HOUR_MS);
  else if (localHour >= 21) o.completeAt += Math.round((32 - localHour + r.range(0, 3)) * HOUR_MS);
  if (r.chance(0.025)) {
    o.refundAt = o.completeAt + Math.round(r.range(0.2, 2.8) * DAY_MS);
    o.refundReason = r.pick(RETURN_REASONS);
    o.refundId = 'RFD-' + o.orderId.slice(4);
    o.refundTxnId = gatewayTxnId(r, o.gateway, true);
    if (o.items.length === 1 || r.chance(0.4)) {
      o.refundAmount = o.total;
    } else {
      // return one line: its subtotal plus its share of the tax, split by line subtotals
      const k = r.int(0, o.items.length - 1);
      const taxShares = splitLargestRemainder(o.taxTotal, o.items.map((it) => it.subtotal));
      o.refundAmount = o.items[k]!.subtotal + taxShares[k]!;
    }
  }
  o.escrowAmount = o.total - o.refundAmount;
  if (o.escrowAmount > 0) o.escrowAt = o.completeAt + 3 * DAY_MS + r.int(0, 2 * HOUR_MS);
}

export function emptyOrder(): Omit<OrderRec, 'orderId' | 'paymentId' | 'gatewayTxnId' | 'user' | 'userId' | 'seller' | 'currency' | 'gateway' | 'method' | 'placedAt' | 'capturedAt' | 'items' | 'subtotal' | 'taxTotal' | 'total' | 'taxLines' | 'sessionId' | 'device' | 'trafficSource'> {
  return { cancelAt: 0, cancelReason: '', completeAt: 0, refundAt: 0, refundAmount: 0, refundReason: '', refundId: '', refundTxnId: '', escrowAt: 0, escrowAmount: 0 };
}

/** Commission and fee withheld at escrow release. */
export function escrowSplit(catalog: Catalog, o: OrderRec): { bps: number; commission: number; fee: number } {
  const bps = catalog.sellers[o.seller]!.commissionBps;
  return { bps, commission: bpsOf(o.escrowAmount, bps), fee: bpsOf(o.escrowAmount, SELLER_FEE_BPS) };
}

const COMPANY = ['Công ty TNHH', 'Công ty CP', 'Doanh nghiệp tư nhân'];
const COMPANY_NAMES = ['Thành Công', 'Phú Thịnh', 'Nam Việt', 'Hưng Phát', 'Sao Mai', 'Đại Dương', 'Minh Khoa', 'Bảo Tín'];

/** The follow-up events of `o` whose time falls in [from, to). */
export function followUpEvents(catalog: Catalog, users: UserTable, o: OrderRec, from: number, to: number, out: RawEvent[]): void {
  const cur = o.currency;
  const seller = catalog.sellers[o.seller]!;
  const inRange = (t: number) => t > 0 && t >= from && t < to;
  if (inRange(o.cancelAt)) {
    out.push({ t: o.cancelAt, type: 'order.cancelled', subject: o.orderId, data: { order_id: o.orderId, user_id: o.userId, reason: o.cancelReason } });
  }
  if (inRange(o.completeAt)) {
    const data: Record<string, unknown> = {
      order_id: o.orderId, user_id: o.userId, seller_id: seller.id, seller_vat_number: seller.vatNumber,
    };
    if (users.b2b[o.user]) {
      const h = (o.user * 2654435761) >>> 0;
      data.buyer = {
        name: `${COMPANY[h % COMPANY.length]} ${COMPANY_NAMES[(h >>> 8) % COMPANY_NAMES.length]}`,
        tax_id: String(3_000_000_000 + (h % 999_999_999)).padStart(10, '0'),
        address: `${(h % 300) + 1} Đường Lê Lợi, ${VN_CITIES[users.city[o.user]!]}`,
      };
    }
    data.subtotal = money(o.subtotal, cur);
    data.tax_total = money(o.taxTotal, cur);
    data.total = money(o.total, cur);
    data.lines = o.items.map((it, i) => {
      const p = catalog.products[it.product]!;
      return {
        line_id: `${o.orderId}-${i + 1}`, product_id: p.id, name: p.name, category: CATEGORIES[p.category]!.id,
        quantity: it.qty, unit_price: money(it.unit, cur), subtotal: money(it.subtotal, cur),
      };
    });
    data.tax_lines = o.taxLines.map((tl) => {
      const line: Record<string, unknown> = { jurisdiction: tl.rule.jurisdiction, country: tl.rule.country };
      if (tl.rule.state) line.state = tl.rule.state;
      line.tax_code = tl.rule.taxCode;
      line.tax_rate = rateString(tl.rule.bps);
      line.taxable_amount = money(tl.taxable, cur);
      line.tax_amount = money(tl.tax, cur);
      return line;
    });
    out.push({ t: o.completeAt, type: 'order.completed', subject: o.orderId, data });
  }
  if (inRange(o.refundAt)) {
    out.push({
      t: o.refundAt, type: 'payment.refunded', subject: o.paymentId,
      data: {
        refund_id: o.refundId, payment_id: o.paymentId, order_id: o.orderId, user_id: o.userId, gateway: o.gateway,
        gateway_txn_id: o.refundTxnId, amount: money(o.refundAmount, cur), reason: o.refundReason,
      },
    });
  }
  if (inRange(o.escrowAt)) {
    const { bps, fee } = escrowSplit(catalog, o);
    out.push({
      t: o.escrowAt, type: 'escrow.released', subject: o.orderId,
      data: { escrow_id: 'ESC-' + o.orderId.slice(4), order_id: o.orderId, seller_id: seller.id, amount: money(o.escrowAmount, cur), commission_rate_bps: bps, fee: money(fee, cur) },
    });
  }
}

/** The envelope source of a raw event. */
export function sourceOf(e: RawEvent): string {
  return e.source ?? sourceFor(e.type);
}
