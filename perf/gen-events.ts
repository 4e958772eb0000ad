/**
 * A tiny deterministic generator of realistic CloudEvents (the contract's types, random-looking
 * UUIDv4-style ids) for benchmarks and tests. Not the demo platform: no sessions that make sense
 * end to end, just the shapes, sizes and type mix of a marketplace feed.
 *
 * @example
 *   const gen = createEventGenerator({ seed: 1 });
 *   const line = JSON.stringify(gen.next()); // one CloudEvent off the wire
 */
import type { CloudEvent, EventType } from '../src/contract/events.ts';
import { sourceFor } from '../src/contract/events.ts';

/** sfc32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

const HEX = '0123456789abcdef';

/** A UUIDv4-shaped id from the generator (version and variant nibbles set). */
export function uuid4(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) s += '-';
    else if (i === 14) s += '4';
    else if (i === 19) s += HEX[8 + ((rand() * 4) | 0)];
    else s += HEX[(rand() * 16) | 0];
  }
  return s;
}

/** Relative frequency of each type in a marketplace feed (browse-heavy, a few % orders). */
export const TYPE_MIX: readonly [EventType, number][] = [
  ['product.viewed', 300], ['page.landing_viewed', 90], ['search.query', 100], ['search.result_clicked', 60],
  ['product.added_to_cart', 80], ['checkout.started', 40], ['checkout.payment_initiated', 30], ['checkout.abandoned', 12],
  ['order.placed', 30], ['order.completed', 25], ['order.cancelled', 3], ['payment.captured', 28], ['payment.failed', 3],
  ['payment.refunded', 2], ['user.registered', 10], ['user.logged_in', 50], ['experiment.exposure_recorded', 30],
  ['error.occurred', 5], ['escrow.released', 20], ['seller.penalty_applied', 1], ['payout.disbursed', 1],
];

const CATEGORIES = ['electronics', 'fashion', 'home', 'beauty', 'sports', 'books', 'toys', 'grocery', 'auto', 'health'];
const DEVICES = ['mobile', 'desktop', 'tablet', 'app-ios', 'app-android'];
const TRAFFIC = ['organic', 'paid_search', 'social', 'email', 'direct', 'affiliate'];
const GATEWAYS = ['vnpay', 'momo', 'stripe', 'zalopay'];
const METHODS = ['card', 'wallet', 'bank_transfer', 'cod'];
const QUERIES = ['iphone 16', 'áo khoác', 'tai nghe bluetooth', 'nồi chiên không dầu', 'giày chạy bộ', 'sạc dự phòng', 'bàn phím cơ', 'kem chống nắng'];
const NAMES = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Minh Châu', 'Phạm Quốc Dũng', 'Hoàng Thu Hà'];

export interface GeneratorOptions {
  seed?: number;
  /** first event time, epoch ms (default 2026-01-01T00:00:00Z) */
  start?: number;
  /** mean spacing between events, ms (default 20) */
  spacingMs?: number;
  users?: number;
  /**
   * Sessions that walk the purchase funnel (landing -> product views -> cart -> checkout -> payment ->
   * order, with device-dependent drop-off, logins, searches, errors, payment failures and a few late
   * arrivals), interleaved in time, plus ~8% other events. Default false: the independent type mix.
   */
  sessions?: boolean;
}

export interface EventGenerator {
  next(): CloudEvent;
  /** events produced so far */
  readonly count: number;
}

export function createEventGenerator(opts: GeneratorOptions = {}): EventGenerator {
  const rand = prng(opts.seed ?? 1);
  let t = opts.start ?? Date.UTC(2026, 0, 1);
  const spacing = opts.spacingMs ?? 20;
  const users = opts.users ?? 200_000;
  const cumul: number[] = [];
  let sum = 0;
  for (const [, w] of TYPE_MIX) cumul.push((sum += w));
  let count = 0;
  let orderSeq = 0;
  let paymentSeq = 0;

  const pick = <T>(xs: readonly T[]): T => xs[(rand() * xs.length) | 0]!;
  const int = (lo: number, hi: number): number => lo + ((rand() * (hi - lo + 1)) | 0);
  const vnd = (lo: number, hi: number): { amount: string; currency: string } => ({ amount: String(int(lo, hi) * 1000), currency: 'VND' });
  const user = (): string => 'u_' + int(1, users);
  const session = (): string => 's_' + uuid4(rand).slice(0, 13);
  const ctx = (): Record<string, string> => ({ session_id: session(), user_id: user(), device: pick(DEVICES), traffic_source: pick(TRAFFIC) });
  const product = (): string => 'p_' + int(1, 50_000);
  const seller = (): string => 'sl_' + int(1, 2_000);
  const recentOrder = (): string => 'o_' + Math.max(1, orderSeq - int(0, 50));

  function payload(type: EventType): Record<string, unknown> {
    switch (type) {
      case 'product.viewed':
        return { ...ctx(), product_id: product(), category: pick(CATEGORIES), seller_id: seller(), price: vnd(10, 5000) };
      case 'page.landing_viewed':
        return { ...ctx(), url: 'https://shop.example.vn/' + pick(CATEGORIES) + '?utm=' + int(1, 99), campaign: rand() < 0.3 ? 'tet-2026' : undefined };
      case 'search.query':
        return { ...ctx(), query: pick(QUERIES), result_count: int(0, 400) };
      case 'search.result_clicked':
        return { ...ctx(), query: pick(QUERIES), product_id: product(), position: int(1, 40) };
      case 'product.added_to_cart':
        return { ...ctx(), product_id: product(), category: pick(CATEGORIES), quantity: int(1, 3), price: vnd(10, 5000) };
      case 'checkout.started':
        return { ...ctx(), cart_id: 'c_' + uuid4(rand).slice(0, 8), cart_total: vnd(50, 20000), item_count: int(1, 6) };
      case 'checkout.payment_initiated':
        return { ...ctx(), order_id: recentOrder(), gateway: pick(GATEWAYS), payment_method: pick(METHODS), amount: vnd(50, 20000) };
      case 'checkout.abandoned':
        return { ...ctx(), cart_id: 'c_' + uuid4(rand).slice(0, 8), last_step: pick(['shipping', 'payment', 'review']), reason: rand() < 0.5 ? 'shipping_cost' : undefined };
      case 'order.placed': {
        const n = int(1, 3);
        const items = [];
        let total = 0;
        for (let i = 0; i < n; i++) {
          const unit = int(10, 5000) * 1000;
          const q = int(1, 2);
          total += unit * q;
          items.push({ product_id: product(), category: pick(CATEGORIES), seller_id: seller(), quantity: q, unit_price: { amount: String(unit), currency: 'VND' } });
        }
        orderSeq++;
        return { ...ctx(), order_id: 'o_' + orderSeq, seller_id: seller(), total: { amount: String(total + 30000), currency: 'VND' }, shipping_fee: { amount: '30000', currency: 'VND' }, items };
      }
      case 'order.completed': {
        const n = int(1, 3);
        const lines = [];
        let sub = 0;
        for (let i = 0; i < n; i++) {
          const unit = int(10, 5000) * 1000;
          const q = int(1, 2);
          sub += unit * q;
          lines.push({ line_id: 'l' + (i + 1), product_id: product(), name: 'Sản phẩm ' + int(1, 9999), category: pick(CATEGORIES), quantity: q, unit_price: { amount: String(unit), currency: 'VND' }, subtotal: { amount: String(unit * q), currency: 'VND' } });
        }
        const tax = Math.round(sub / 10);
        return {
          ...ctx(), order_id: recentOrder(), seller_id: seller(), seller_vat_number: '0' + int(100000000, 999999999),
          buyer: { name: pick(NAMES) }, subtotal: { amount: String(sub), currency: 'VND' }, tax_total: { amount: String(tax), currency: 'VND' },
          total: { amount: String(sub + tax), currency: 'VND' }, lines,
          tax_lines: [{ jurisdiction: 'VN', country: 'VN', tax_code: 'VAT', tax_rate: '0.10', taxable_amount: { amount: String(sub), currency: 'VND' }, tax_amount: { amount: String(tax), currency: 'VND' } }],
        };
      }
      case 'order.cancelled':
        return { ...ctx(), order_id: recentOrder(), reason: pick(['buyer_request', 'out_of_stock', 'payment_timeout']) };
      case 'payment.captured':
        paymentSeq++;
        return { ...ctx(), payment_id: 'pay_' + paymentSeq, order_id: recentOrder(), gateway: pick(GATEWAYS), gateway_txn_id: 'gtx_' + uuid4(rand).slice(0, 18), method: pick(METHODS), amount: vnd(50, 20000) };
      case 'payment.failed':
        paymentSeq++;
        return { ...ctx(), payment_id: 'pay_' + paymentSeq, order_id: recentOrder(), gateway: pick(GATEWAYS), method: pick(METHODS), amount: vnd(50, 20000), failure_code: pick(['insufficient_funds', 'card_declined', 'timeout']) };
      case 'payment.refunded':
        return { ...ctx(), refund_id: 'rf_' + uuid4(rand).slice(0, 12), payment_id: 'pay_' + Math.max(1, paymentSeq - int(0, 100)), order_id: recentOrder(), gateway: pick(GATEWAYS), amount: vnd(50, 5000), reason: 'returned' };
      case 'user.registered':
        return { user_id: user(), device: pick(DEVICES), traffic_source: pick(TRAFFIC), country: rand() < 0.9 ? 'VN' : 'SG' };
      case 'user.logged_in':
        return { ...ctx() };
      case 'experiment.exposure_recorded':
        return { ...ctx(), experiment_id: 'exp_checkout_cta', variant: rand() < 0.5 ? 'A' : 'B' };
      case 'error.occurred':
        return { ...ctx(), service: 'payment', error_code: pick(['PAY_TIMEOUT', 'GATEWAY_5XX', 'VALIDATION']), message: 'upstream error', step: 'payment', http_status: 502 };
      case 'escrow.released':
        return { escrow_id: 'esc_' + uuid4(rand).slice(0, 12), order_id: recentOrder(), seller_id: seller(), amount: vnd(50, 20000), commission_rate_bps: 500, fee: { amount: '5000', currency: 'VND' } };
      case 'seller.penalty_applied':
        return { penalty_id: 'pen_' + uuid4(rand).slice(0, 12), seller_id: seller(), amount: vnd(10, 500), reason: 'late_shipment' };
      case 'payout.disbursed':
        return { disbursement_id: 'dis_' + uuid4(rand).slice(0, 12), seller_id: seller(), week: '2026-W02', amount: vnd(1000, 90000), transfer_ref: 'tr_' + int(1, 1e9) };
    }
  }

  function pickType(): EventType {
    const r = rand() * sum;
    for (let i = 0; i < cumul.length; i++) if (r < cumul[i]!) return TYPE_MIX[i]![0];
    return TYPE_MIX[0]![0];
  }

  const walker = opts.sessions ? sessionWalker() : null;

  /** Session mode (see GeneratorOptions.sessions): a heap of live sessions, each with a planned walk. */
  function sessionWalker(): () => CloudEvent {
    interface Walk { sid: string; user: string | null; device: string; source: string; category: string; plan: [EventType, number, boolean][]; i: number; next: number }
    const ADD: Record<string, number> = { mobile: 0.24, desktop: 0.36, tablet: 0.3, 'app-ios': 0.42, 'app-android': 0.38 };
    const heap: Walk[] = [];
    const less = (a: Walk, b: Walk): boolean => a.next < b.next;
    const pushH = (w: Walk): void => {
      heap.push(w);
      for (let i = heap.length - 1; i > 0;) {
        const p = (i - 1) >> 1;
        if (!less(heap[i]!, heap[p]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    };
    const popH = (): Walk => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      return top;
    };
    const secs = (lo: number, hi: number): number => Math.round((lo + rand() * (hi - lo)) * 1000);
    const chance = (p: number): boolean => rand() < p;
    // [type, delay ms before it, logs the user in]
    function plan(device: string, known: boolean): [EventType, number, boolean][] {
      const p: [EventType, number, boolean][] = [['page.landing_viewed', 0, false]];
      let logged = false;
      if (known && chance(0.5)) { p.push(['user.logged_in', secs(3, 25), true]); logged = true; }
      if (chance(0.28)) return p; // bounce
      if (chance(0.4)) {
        p.push(['search.query', secs(4, 30), false]);
        if (chance(0.6)) p.push(['search.result_clicked', secs(3, 20), false]);
      }
      let views = 1;
      while (views < 8 && chance(0.45)) views++;
      for (let i = 0; i < views; i++) p.push(['product.viewed', secs(8, 90), false]);
      if (!chance(ADD[device] ?? 0.3)) return p;
      p.push(['product.added_to_cart', secs(5, 60), false]);
      if (chance(0.15)) p.push(['product.added_to_cart', secs(5, 60), false]);
      if (!chance(0.55)) return p;
      if (!logged) {
        if (!known || !chance(0.85)) {
          p.push(['checkout.started', secs(5, 30), false], ['checkout.abandoned', secs(10, 120), false]);
          return p;
        }
        p.push(['user.logged_in', secs(5, 40), true]);
      }
      p.push(['checkout.started', secs(5, 30), false]);
      if (chance(0.2)) p.push(['experiment.exposure_recorded', secs(0, 2), false]);
      if (chance(0.03)) {
        p.push(['error.occurred', secs(2, 15), false]);
        if (chance(0.5)) { p.push(['checkout.abandoned', secs(20, 180), false]); return p; }
      }
      if (!chance(0.75)) { p.push(['checkout.abandoned', secs(30, 400), false]); return p; }
      for (let attempt = 0; attempt < 2; attempt++) {
        p.push(['checkout.payment_initiated', secs(10, 60), false]);
        if (chance(0.08)) {
          p.push(['payment.failed', secs(3, 45), false]);
          if (attempt === 0 && chance(0.5)) continue;
          p.push(['checkout.abandoned', secs(20, 200), false]);
          return p;
        }
        p.push(['order.placed', secs(2, 20), false], ['payment.captured', secs(0.3, 4), false]);
        return p;
      }
      return p;
    }
    const OTHER_TYPES: readonly EventType[] = ['order.completed', 'order.completed', 'order.cancelled', 'payment.refunded', 'escrow.released', 'escrow.released', 'seller.penalty_applied', 'payout.disbursed', 'user.registered'];
    const EVENTS_PER_SESSION = 4.2;
    let nextStart = t;
    const late: { at: number; ev: CloudEvent }[] = [];
    const envelope = (type: EventType, time: number, data: Record<string, unknown>): CloudEvent => {
      for (const k in data) if (data[k] === undefined) delete data[k];
      return {
        specversion: '1.0', id: uuid4(rand), type, source: sourceFor(type), time: new Date(time).toISOString(),
        subject: type.startsWith('order.') || type.startsWith('payment.') ? String(data.order_id ?? '') || undefined : undefined,
        datacontenttype: 'application/json', data,
      };
    };
    return function next(): CloudEvent {
      count++;
      if (late.length > 0 && late[0]!.at <= count) return late.shift()!.ev;
      while (heap.length === 0 || nextStart <= heap[0]!.next) {
        const known = chance(0.7);
        const device = pick(DEVICES);
        pushH({ sid: session(), user: known ? user() : null, device, source: pick(TRAFFIC), category: pick(CATEGORIES), plan: plan(device, known), i: 0, next: nextStart });
        nextStart += 1 + Math.round(-Math.log(1 - rand()) * spacing * EVENTS_PER_SESSION);
      }
      if (chance(0.08)) {
        // an unrelated event (settlements, payouts, completions, ...) at the current time
        const type = pick(OTHER_TYPES);
        const data = payload(type);
        delete data.session_id; // completions, refunds, ... arrive later, outside the storefront session
        return envelope(type, Math.max(t, heap[0]!.next - 1), data);
      }
      const w = popH();
      const [type, , login] = w.plan[w.i]!;
      const time = w.next;
      t = Math.max(t, time);
      const data = payload(type);
      if ('session_id' in data || 'device' in data) {
        data.session_id = w.sid;
        data.device = w.device;
        data.traffic_source = w.source;
        if (w.user && (login || w.plan.slice(0, w.i).some((x) => x[2]))) data.user_id = w.user;
        else if (type !== 'order.placed' && type !== 'user.logged_in' && type !== 'payment.captured' && type !== 'experiment.exposure_recorded') delete data.user_id;
        else data.user_id = w.user ?? data.user_id;
      }
      if (type === 'product.viewed' || type === 'product.added_to_cart') data.category = chance(0.7) ? w.category : pick(CATEGORIES);
      w.i++;
      if (w.i < w.plan.length) {
        w.next = time + w.plan[w.i]![1];
        pushH(w);
      }
      const ev = envelope(type, time, data);
      if (chance(0.003)) {
        // a late arrival: delivered 5..50 events later with its original time
        late.push({ at: count + 5 + ((rand() * 45) | 0), ev });
        late.sort((a, b) => a.at - b.at);
        count--;
        return next();
      }
      return ev;
    };
  }

  return {
    get count() {
      return count;
    },
    next(): CloudEvent {
      if (walker) return walker();
      const type = pickType();
      t += 1 + ((rand() * spacing * 2) | 0);
      count++;
      const data = payload(type);
      for (const k in data) if (data[k] === undefined) delete data[k];
      return {
        specversion: '1.0', id: uuid4(rand), type, source: sourceFor(type), time: new Date(t).toISOString(),
        subject: type.startsWith('order.') || type.startsWith('payment.') ? String(data.order_id ?? '') || undefined : undefined,
        datacontenttype: 'application/json', data,
      };
    },
  };
}

/**
 * `n` events as JSON strings (as they come off the wire); with probability `dupRate` an item is a
 * re-delivery of one of the last 100k events instead of a new one. Deterministic for a seed.
 */
export function* generateEventLines(n: number, opts: GeneratorOptions & { dupRate?: number } = {}): Generator<string> {
  const gen = createEventGenerator(opts);
  const rand = prng((opts.seed ?? 1) ^ 0x5bd1e995);
  const dupRate = opts.dupRate ?? 0;
  const ring: string[] = [];
  const RING = 100_000;
  for (let i = 0; i < n; i++) {
    if (dupRate > 0 && ring.length > 0 && rand() < dupRate) {
      yield ring[(rand() * ring.length) | 0]!;
      continue;
    }
    const line = JSON.stringify(gen.next());
    if (ring.length < RING) ring.push(line);
    else ring[i % RING] = line;
    yield line;
  }
}

/** Write `n` generated events as NDJSON to `file` (streamed; returns bytes written). */
export async function writeNdjson(file: string, n: number, opts: GeneratorOptions & { dupRate?: number } = {}): Promise<number> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(file);
  let bytes = 0;
  let buf: string[] = [];
  const flush = async (): Promise<void> => {
    const chunk = buf.join('\n') + '\n';
    buf = [];
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  for (const line of generateEventLines(n, opts)) {
    buf.push(line);
    if (buf.length >= 10_000) await flush();
  }
  if (buf.length > 0) await flush();
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return bytes;
}
