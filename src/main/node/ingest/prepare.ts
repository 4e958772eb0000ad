/**
 * Pure preparation of raw input for the store: parse (when a string), validate against the event
 * contract, hash the id, flatten into the `events` row and the typed projection rows. No I/O, so it
 * runs inline or in a worker thread (the result is plain data that survives structured clone).
 */
import { validateEvent, readMoney, type NormalizedEvent } from '../../../contract/events.ts';
import { idHash, type HashFn } from './hash.ts';

export interface RawItem {
  /** a CloudEvent as JSON text (as received) or an already-parsed object */
  raw: string | object;
  /** where it came from: "cursor <c> #<i>" or "row <n>" */
  location: string;
  /** the input text as received, for quarantine, when `raw` is an object built from it (CSV) */
  text?: string;
}

export interface BadItem {
  location: string;
  eventId: string | null;
  eventType: string | null;
  field: string;
  reason: string;
  /** the raw input exactly as received (objects are serialized as JSON) */
  raw: string;
}

/** Columns of `events` bound per row, in this order (origin and ingested_at are per batch). */
export const EVENT_COLUMNS = [
  'id_hash', 'id', 'type', 'source', 'time', 'subject', 'session_id', 'user_id', 'device', 'traffic_source',
  'category', 'amount', 'currency', 'code', 'experiment_id', 'variant', 'ref', 'data',
] as const;
export const NCOL = EVENT_COLUMNS.length;
/** Offsets into a row. */
export const COL_HASH = 0;
export const COL_ID = 1;
export const COL_TIME = 4;

/** Projection operations; each has one prepared statement in the writer. */
export const OP = {
  ORDER_PLACED: 0,
  ORDER_ITEM: 1,
  ORDER_COMPLETED: 2,
  ORDER_LINE: 3,
  TAX_LINE: 4,
  ORDER_CANCELLED: 5,
  PAYMENT_CAPTURED: 6,
  PAYMENT_FAILED: 7,
  REFUND: 8,
  CUSTOMER: 9,
  ESCROW: 10,
  PENALTY: 11,
  PAYOUT: 12,
} as const;
export type OpCode = (typeof OP)[keyof typeof OP];

/** [rowIndex, op, statement parameters] */
export type ProjOp = [number, OpCode, (string | number | null)[]];

export interface PreparedBatch {
  /** flat events rows: NCOL values per valid event, in input order */
  rows: (string | number | null)[];
  /** valid events in `rows` */
  count: number;
  /** projection rows of valid events, written only for events that turn out to be new */
  proj: ProjOp[];
  bad: BadItem[];
  /** items seen (valid + bad) */
  total: number;
}

export function emptyBatch(): PreparedBatch {
  return { rows: [], count: 0, proj: [], bad: [] , total: 0 };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Parse + validate + flatten one item into `out`. */
export function prepareInto(out: PreparedBatch, raw: string | object, location: string, hash: HashFn = idHash, text?: string): void {
  if (typeof raw !== 'string') {
    prepareParsed(out, raw, location, hash, text);
    return;
  }
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (e) {
    out.total++;
    out.bad.push({ location, eventId: null, eventType: null, field: '', reason: `not valid JSON: ${describe(e)}`, raw });
    return;
  }
  prepareParsed(out, obj, location, hash, text ?? raw);
}

/** Validate + flatten an already parsed value (any JSON value; non-objects are quarantined). */
export function prepareParsed(out: PreparedBatch, obj: unknown, location: string, hash: HashFn = idHash, text?: string): void {
  out.total++;
  const r = validateEvent(obj);
  if (!r.ok) {
    out.bad.push({
      location, eventId: r.id, eventType: r.type, field: r.error.field, reason: r.error.reason,
      raw: text ?? safeStringify(obj),
    });
    return;
  }
  const e = r.event;
  const idx = out.count++;
  out.rows.push(
    hash(e.id, 0), e.id, e.type, e.source, e.time, e.subject, e.sessionId, e.userId, e.device, e.trafficSource,
    e.category, e.amount, e.currency, e.code, e.experimentId, e.variant, e.ref, JSON.stringify(e.data),
  );
  if (PROJECTED.has(e.type)) project(out.proj, idx, e);
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function prepareItems(items: readonly RawItem[], hash: HashFn = idHash): PreparedBatch {
  const out = emptyBatch();
  for (const it of items) prepareInto(out, it.raw, it.location, hash, it.text);
  return out;
}

const PROJECTED = new Set<string>([
  'order.placed', 'order.completed', 'order.cancelled', 'payment.captured', 'payment.failed', 'payment.refunded',
  'user.registered', 'escrow.released', 'seller.penalty_applied', 'payout.disbursed',
]);

type Data = Record<string, any>;

function s(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function minor(v: unknown, field: string): number {
  return readMoney(v, field).minor;
}
function minorOpt(v: unknown, field: string): number | null {
  return v == null ? null : readMoney(v, field).minor;
}

/** The projection rows of a validated event (see the writer for the statements). */
function project(out: ProjOp[], i: number, e: NormalizedEvent): void {
  const d = e.data as Data;
  const t = e.time;
  switch (e.type) {
    case 'order.placed': {
      const cur = e.currency!;
      out.push([i, OP.ORDER_PLACED, [d.order_id, d.user_id, d.seller_id, s(d.session_id), s(d.device), s(d.traffic_source), cur, t,
        minor(d.total, 'total'), minorOpt(d.shipping_fee, 'shipping_fee')]]);
      const items = d.items as Data[];
      for (let k = 0; k < items.length; k++) {
        const it = items[k]!;
        const p = readMoney(it.unit_price, 'unit_price');
        out.push([i, OP.ORDER_ITEM, [d.order_id, k + 1, it.product_id, it.category, s(it.seller_id) ?? d.seller_id, it.quantity, p.minor, p.currency, t]]);
      }
      return;
    }
    case 'order.completed': {
      const buyer = (d.buyer ?? null) as Data | null;
      out.push([i, OP.ORDER_COMPLETED, [d.order_id, d.user_id, d.seller_id, e.currency!, t,
        minor(d.subtotal, 'subtotal'), minor(d.tax_total, 'tax_total'), minor(d.total, 'total'), s(d.seller_vat_number),
        buyer ? s(buyer.name) : null, buyer ? s(buyer.tax_id) : null, buyer ? s(buyer.address) : null]]);
      const lines = d.lines as Data[];
      for (let k = 0; k < lines.length; k++) {
        const l = lines[k]!;
        const up = readMoney(l.unit_price, 'unit_price');
        out.push([i, OP.ORDER_LINE, [d.order_id, l.line_id, k + 1, l.product_id, l.name, l.category, l.quantity, up.minor,
          minor(l.subtotal, 'subtotal'), up.currency, t]]);
      }
      const taxes = d.tax_lines as Data[];
      for (let k = 0; k < taxes.length; k++) {
        const x = taxes[k]!;
        const ta = readMoney(x.tax_amount, 'tax_amount');
        out.push([i, OP.TAX_LINE, [d.order_id, k + 1, x.jurisdiction, x.country, s(x.state), x.tax_code, x.tax_rate,
          minor(x.taxable_amount, 'taxable_amount'), ta.minor, ta.currency, t]]);
      }
      return;
    }
    case 'order.cancelled':
      out.push([i, OP.ORDER_CANCELLED, [d.order_id, d.user_id, t, d.reason]]);
      return;
    case 'payment.captured':
      out.push([i, OP.PAYMENT_CAPTURED, [d.payment_id, d.order_id, d.user_id, d.gateway, d.gateway_txn_id, d.method, e.amount!, e.currency!, t]]);
      return;
    case 'payment.failed':
      out.push([i, OP.PAYMENT_FAILED, [d.payment_id, s(d.order_id), s(d.user_id), d.gateway, s(d.method), e.amount!, e.currency!, t,
        d.failure_code, s(d.failure_message)]]);
      return;
    case 'payment.refunded':
      out.push([i, OP.REFUND, [d.refund_id, d.payment_id, d.order_id, d.gateway, s(d.gateway_txn_id), e.amount!, e.currency!, d.reason, t, e.id]]);
      return;
    case 'user.registered':
      out.push([i, OP.CUSTOMER, [d.user_id, t, s(d.device), s(d.traffic_source), d.country, e.id]]);
      return;
    case 'escrow.released':
      out.push([i, OP.ESCROW, [d.escrow_id, d.order_id, d.seller_id, e.amount!, e.currency!, d.commission_rate_bps, minorOpt(d.fee, 'fee'), t, e.id]]);
      return;
    case 'seller.penalty_applied':
      out.push([i, OP.PENALTY, [d.penalty_id, d.seller_id, e.amount!, e.currency!, d.reason, t, e.id]]);
      return;
    case 'payout.disbursed':
      out.push([i, OP.PAYOUT, [d.disbursement_id, d.seller_id, d.week, e.amount!, e.currency!, d.transfer_ref, t, e.id]]);
      return;
    default:
      return;
  }
}
