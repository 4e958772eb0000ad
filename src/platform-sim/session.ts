/**
 * One storefront session walking the purchase funnel:
 * page.landing_viewed -> product.viewed (1..n) -> product.added_to_cart -> checkout.started ->
 * checkout.payment_initiated -> order.placed + payment.captured, with searches, logins,
 * registrations, experiment exposures, checkout errors, payment failures and abandonment.
 * Drop-off rates depend on device and traffic source (catalog.ts DEVICE_FUNNEL/SOURCE_FUNNEL).
 */
import {
  CATEGORIES, CATEGORY_WEIGHTS, DEVICES, TRAFFIC_SOURCES, DEVICE_FUNNEL, SOURCE_FUNNEL, COUNTRIES, GATEWAY_MIX, GATEWAY_FAILURE,
  FAILURE_CODES_CARD, FAILURE_CODES_WALLET, FAILURE_MESSAGES, ZERO_RESULT_QUERIES, CHECKOUT_ERRORS, PAYMENT_ERROR, PAYMENT_SDK_ERROR,
  ABANDON_REASONS, assignVariant, type Gateway,
} from './catalog.ts';
import { Rng, hashString } from './rng.ts';
import { money, priceOrder, gatewayTxnId, planFollowUps, emptyOrder } from './orders.ts';
import type { OrderItem, OrderRec, RawEvent, SessionSpec, SimEnv } from './types.ts';
import { userId, userCurrency } from './users.ts';
import { formatMinor } from '../analytics/money.ts';

const SITE = 'https://shop.marketlens-demo.vn';

function sec(r: Rng, lo: number, hi: number): number {
  return Math.round((lo + r.next() * (hi - lo)) * 1000);
}

/**
 * Simulate one session, appending its events to `out` (times start at `spec.start`). Returns the
 * placed order, or null. Consumes random numbers only from `r`.
 */
export function simulateSession(env: SimEnv, r: Rng, spec: SessionSpec, out: RawEvent[]): OrderRec | null {
  const { catalog, users } = env;
  const device = DEVICES[spec.device]!;
  const source = TRAFFIC_SOURCES[spec.source]!;
  const dm = DEVICE_FUNNEL[spec.device]!;
  const sm = SOURCE_FUNNEL[spec.source]!;
  const u = spec.user;
  const uid = u >= 0 ? userId(u) : null;
  const currency: 'VND' | 'USD' = u >= 0 ? userCurrency(users, u) : spec.currency;
  let t = spec.start;
  let loggedIn = false;
  const exposed = new Set<string>();

  const emit = (type: RawEvent['type'], fields: Record<string, unknown>, subject?: string, src?: string): void => {
    const data: Record<string, unknown> = loggedIn
      ? { session_id: spec.sessionId, device, traffic_source: source, user_id: uid }
      : { session_id: spec.sessionId, device, traffic_source: source };
    for (const k in fields) data[k] = fields[k];
    const ev: RawEvent = { t, type, data };
    if (subject) ev.subject = subject;
    if (src) ev.source = src;
    out.push(ev);
  };
  const expose = (at: string): string | null => {
    let variant: string | null = null;
    for (const x of env.experiments) {
      if (x.def.exposureAt !== at || t < x.startMs || !loggedIn) continue;
      const v = assignVariant(x.def, uid!, hashString);
      if (!exposed.has(x.def.id)) {
        exposed.add(x.def.id);
        t += r.int(5, 400);
        emit('experiment.exposure_recorded', { experiment_id: x.def.id, variant: v }, uid!);
      }
      variant = v;
    }
    return variant;
  };
  const pickCategory = (): number => (u >= 0 && r.chance(0.45) ? users.favCategory[u]! : r.weighted(CATEGORY_WEIGHTS));
  const pickProduct = (c: number): number => {
    const bc = catalog.byCategory[c]!;
    if (bc.products.length === 0) return r.int(0, catalog.products.length - 1);
    return bc.products[r.weighted(bc.cum)]!;
  };
  const price = (p: number): number => (currency === 'VND' ? catalog.products[p]!.vnd : catalog.products[p]!.usd);
  const viewProduct = (p: number): void => {
    const prod = catalog.products[p]!;
    t += sec(r, 8, 90);
    emit('product.viewed', { product_id: prod.id, category: CATEGORIES[prod.category]!.id, seller_id: catalog.sellers[prod.seller]!.id, price: money(price(p), currency) }, prod.id);
  };

  // --- landing
  const firstCat = pickCategory();
  let url = SITE + '/';
  let campaign: string | undefined;
  if (source === 'organic') url = r.chance(0.5) ? `${SITE}/c/${CATEGORIES[firstCat]!.id}` : `${SITE}/`;
  else if (source === 'paid_search') { url = `${SITE}/c/${CATEGORIES[firstCat]!.id}?utm_source=google&utm_medium=cpc`; campaign = 'brand_search_always_on'; }
  else if (source === 'social') { url = `${SITE}/flash-sale?utm_source=facebook&utm_medium=social`; campaign = 'flash_sale_social'; }
  else if (source === 'email') { url = `${SITE}/deals?utm_source=newsletter&utm_medium=email`; campaign = 'weekly_newsletter'; }
  else if (source === 'referral') url = `${SITE}/?ref=partner`;
  emit('page.landing_viewed', campaign ? { url, campaign } : { url }, spec.sessionId);

  // --- identity
  if (spec.registration) {
    t += sec(r, 20, 180);
    loggedIn = true;
    emit('user.registered', { user_id: uid, country: COUNTRIES[users.country[u]!]! }, uid!);
  } else if (u >= 0 && r.chance(0.72)) {
    t += sec(r, 3, 25);
    loggedIn = true;
    emit('user.logged_in', { user_id: uid }, uid!);
  }

  // --- bounce
  const bounce = Math.min(0.8, 0.27 * dm.bounce * sm.bounce * (spec.registration ? 0.35 : 1));
  if (r.chance(bounce)) return null;

  // --- search
  let viewed: number[] = [];
  if (r.chance(0.38)) {
    const c = pickCategory();
    const zero = r.chance(0.075);
    const query = zero ? r.pick(ZERO_RESULT_QUERIES) : r.pick(CATEGORIES[c]!.queries);
    t += sec(r, 4, 30);
    const variant = expose('search.query');
    const resultCount = zero ? 0 : 3 + Math.floor(r.exp(120));
    emit('search.query', { query, result_count: resultCount });
    if (zero && r.chance(0.45)) {
      // retry with a query that works
      const q2 = r.pick(CATEGORIES[c]!.queries);
      t += sec(r, 5, 25);
      emit('search.query', { query: q2, result_count: 3 + Math.floor(r.exp(120)) });
      if (r.chance(0.55)) {
        const p = pickProduct(c);
        t += sec(r, 3, 20);
        emit('search.result_clicked', { query: q2, product_id: catalog.products[p]!.id, position: 1 + Math.min(19, r.geometric(0.35)) });
        viewProduct(p);
        viewed.push(p);
      }
    } else if (!zero && r.chance(0.58 + (variant === 'treatment' ? 0.01 : 0))) {
      const p = pickProduct(c);
      t += sec(r, 3, 20);
      emit('search.result_clicked', { query, product_id: catalog.products[p]!.id, position: 1 + Math.min(19, r.geometric(0.35)) });
      viewProduct(p);
      viewed.push(p);
    }
  }

  // --- browsing
  const nViews = Math.min(10, (viewed.length ? 0 : 1) + r.geometric(0.42));
  let cat = firstCat;
  for (let i = 0; i < nViews; i++) {
    if (i > 0 && r.chance(0.3)) cat = pickCategory();
    const p = pickProduct(cat);
    viewProduct(p);
    viewed.push(p);
  }
  if (viewed.length === 0) return null;

  // --- add to cart
  const affinity = u >= 0 ? users.affinity[u]! : 0.75;
  const pAdd = Math.min(0.9, 0.3 * dm.add * sm.add * affinity);
  if (!r.chance(pAdd)) return null;
  const items: OrderItem[] = [];
  const addItem = (p: number): void => {
    const qty = r.chance(0.8) ? 1 : r.chance(0.75) ? 2 : r.int(3, 5);
    const prod = catalog.products[p]!;
    t += sec(r, 5, 60);
    emit('product.added_to_cart', { product_id: prod.id, category: CATEGORIES[prod.category]!.id, quantity: qty, price: money(price(p), currency) }, prod.id);
    const existing = items.find((it) => it.product === p);
    if (existing) {
      existing.qty += qty;
      existing.subtotal = existing.qty * existing.unit;
    } else {
      items.push({ product: p, qty, unit: price(p), subtotal: qty * price(p) });
    }
  };
  const first = viewed[viewed.length - 1]!;
  viewed = [];
  addItem(first);
  const seller = catalog.products[first]!.seller;
  const sellerProducts = catalog.sellers[seller]!.products;
  for (let extra = 0; extra < 3 && sellerProducts.length > 1 && r.chance(extra === 0 ? 0.22 : 0.12); extra++) {
    const p = sellerProducts[r.weighted(catalog.sellerCum[seller]!)]!;
    viewProduct(p);
    addItem(p);
  }

  // --- checkout
  const pCheckout = Math.min(0.95, 0.56 * dm.checkout * sm.checkout);
  if (!r.chance(pCheckout)) return null;
  const cartId = env.ids.cart();
  const cartTotal = items.reduce((s, it) => s + it.subtotal, 0);
  const itemCount = items.reduce((s, it) => s + it.qty, 0);
  if (!loggedIn) {
    if (u >= 0 && r.chance(0.85)) {
      t += sec(r, 5, 40);
      loggedIn = true;
      emit('user.logged_in', { user_id: uid }, uid!);
    } else {
      t += sec(r, 5, 30);
      emit('checkout.started', { cart_id: cartId, cart_total: money(cartTotal, currency), item_count: itemCount }, cartId);
      t += sec(r, 10, 120);
      emit('checkout.abandoned', { cart_id: cartId, last_step: 'login', reason: u >= 0 ? 'login_required' : 'forced_registration' }, cartId);
      return null;
    }
  }
  t += sec(r, 5, 30);
  emit('checkout.started', { cart_id: cartId, cart_total: money(cartTotal, currency), item_count: itemCount }, cartId);
  const cta = expose('checkout.started');

  if (r.chance(0.025)) {
    const err = CHECKOUT_ERRORS[r.int(0, CHECKOUT_ERRORS.length - 1)]!;
    t += sec(r, 2, 15);
    emit('error.occurred', { service: err.service, error_code: err.error_code, message: err.message, step: err.step, http_status: err.http_status }, undefined, `/services/${err.service}`);
    if (r.chance(0.5)) {
      t += sec(r, 20, 180);
      emit('checkout.abandoned', { cart_id: cartId, last_step: err.step, reason: 'error' }, cartId);
      return null;
    }
  }
  const pPay = Math.min(0.97, 0.7 * dm.pay + (cta === 'B' ? 0.045 : 0));
  if (!r.chance(pPay)) {
    t += sec(r, 30, 400);
    emit('checkout.abandoned', { cart_id: cartId, last_step: r.chance(0.55) ? 'shipping' : 'review', reason: ABANDON_REASONS.reasons[r.weighted(ABANDON_REASONS.cum)]! }, cartId);
    return null;
  }

  // --- payment
  const priced = priceOrder(users, catalog, u, items);
  const orderId = env.ids.order();
  const mix = GATEWAY_MIX[currency];
  const pickGateway = (): { gateway: Gateway; method: string } => {
    let x = r.next() * 100;
    for (const g of mix) {
      if (x < g.weight) return { gateway: g.gateway, method: r.pick(g.methods) };
      x -= g.weight;
    }
    const g = mix[mix.length - 1]!;
    return { gateway: g.gateway, method: r.pick(g.methods) };
  };
  let pay = pickGateway();
  const amount = money(priced.total, currency);
  for (let attempt = 0; attempt < 2; attempt++) {
    const paymentId = env.ids.payment();
    t += sec(r, 10, 60);
    emit('checkout.payment_initiated', { order_id: orderId, gateway: pay.gateway, payment_method: pay.method, amount }, orderId);
    const sdk = expose('checkout.payment_initiated');
    let failP = GATEWAY_FAILURE[pay.gateway] + (sdk === 'treatment' ? 0.015 : 0);
    let forcedCode: string | null = null;
    let outage = false;
    for (const inc of env.incidents) {
      if (inc.gateway === pay.gateway && t >= inc.start && t < inc.end) {
        failP = inc.failureRate;
        forcedCode = inc.failureCode;
      }
    }
    for (const o of env.outages ?? []) {
      if (o.device === device && o.methods.includes(pay.method) && t >= o.start && t < o.end) {
        failP = o.failureRate;
        forcedCode = o.failureCode;
        outage = true;
      }
    }
    const errP = 0.012 * (sdk === 'treatment' ? 2.5 : 1);
    let failed = false;
    let code = '';
    if (!outage && r.chance(errP)) {
      const err = sdk === 'treatment' && r.chance(0.5) ? PAYMENT_SDK_ERROR : PAYMENT_ERROR;
      t += sec(r, 5, 30);
      emit('error.occurred', { service: err.service, error_code: err.error_code, message: err.message, step: err.step, http_status: err.http_status }, undefined, '/services/payment');
      failed = true;
      code = 'gateway_timeout';
    } else if (r.chance(failP)) {
      failed = true;
      if (forcedCode && (outage || r.chance(0.85))) code = forcedCode;
      else {
        const table = pay.method === 'card' ? FAILURE_CODES_CARD : FAILURE_CODES_WALLET;
        code = table.codes[r.weighted(table.cum)]!;
      }
    } else if (env.dropOrder?.()) {
      failed = true;
      code = 'gateway_timeout';
      attempt = 1; // a GMV drop: no retry
    }
    if (failed) {
      t += sec(r, 3, 45);
      emit('payment.failed', { payment_id: paymentId, order_id: orderId, gateway: pay.gateway, method: pay.method, amount, failure_code: code, failure_message: FAILURE_MESSAGES[code] ?? code }, paymentId);
      if (attempt === 0 && r.chance(0.5)) {
        if (r.chance(0.4)) pay = pickGateway();
        continue;
      }
      t += sec(r, 20, 200);
      emit('checkout.abandoned', { cart_id: cartId, last_step: 'payment', reason: 'payment_failed' }, cartId);
      return null;
    }
    // success
    t += sec(r, 2, 20);
    const placedAt = t;
    emit('order.placed', {
      order_id: orderId, user_id: uid, seller_id: catalog.sellers[seller]!.id, total: amount,
      items: items.map((it) => {
        const prod = catalog.products[it.product]!;
        return { product_id: prod.id, category: CATEGORIES[prod.category]!.id, seller_id: catalog.sellers[prod.seller]!.id, quantity: it.qty, unit_price: { amount: formatMinor(it.unit, currency), currency } };
      }),
    }, orderId);
    t += r.int(300, 4000);
    const txn = gatewayTxnId(r, pay.gateway);
    emit('payment.captured', { payment_id: paymentId, order_id: orderId, user_id: uid, gateway: pay.gateway, gateway_txn_id: txn, method: pay.method, amount }, paymentId);
    const o: OrderRec = {
      orderId, paymentId, gatewayTxnId: txn, user: u, userId: uid!, seller, currency, gateway: pay.gateway, method: pay.method,
      placedAt, capturedAt: t, items, subtotal: priced.subtotal, taxTotal: priced.taxTotal, total: priced.total, taxLines: priced.taxLines,
      sessionId: spec.sessionId, device, trafficSource: source, ...emptyOrder(),
    };
    planFollowUps(r, o);
    return o;
  }
  return null;
}
