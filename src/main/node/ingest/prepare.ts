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

/**
 * A prepared batch is columnar, so it crosses threads as a few typed arrays and one string instead
 * of ~20 JS values per event (structured clone and GC were ~1.5 us/event on each side):
 *   rows    NNUM numbers per valid event: id_hash (attempt 0), time, amount (NaN = null)
 *   codes   NCODE indexes into `strings` per valid event (-1 = null): the low-cardinality columns
 *   lens    NTEXT lengths per valid event (-1 = null); the values are concatenated in `text`, or in
 *           `wide` for events flagged in `inWide` (lines with non-ASCII text): V8 keeps `text`
 *           one-byte then, and binding one-byte strings to SQLite is much cheaper than two-byte.
 *   bytes   NDJSON lines (prepareLines) write the values of ASCII events as Latin-1 bytes here
 *           instead of into `text`: the buffer is transferred to the writer thread (no copy) and
 *           decoded there once into `text` (see takeText), and the worker keeps no strings alive
 *           for the batch (cheaper scavenges) and does not join them.
 */
export const NUM_COLUMNS = ['id_hash', 'time', 'amount'] as const;
export const CODE_COLUMNS = ['type', 'source', 'device', 'traffic_source', 'category', 'currency', 'code', 'experiment_id', 'variant'] as const;
export const TEXT_COLUMNS = ['id', 'subject', 'session_id', 'user_id', 'ref', 'data'] as const;
export const NNUM = NUM_COLUMNS.length;
export const NCODE = CODE_COLUMNS.length;
export const NTEXT = TEXT_COLUMNS.length;
/** Offsets into a row of `rows`. */
export const COL_HASH = 0;
export const COL_TIME = 1;
export const COL_AMOUNT = 2;
/** Offsets into a row of `codes`. */
export const CODE_TYPE = 0;
/** Offsets into a row of `lens`. */
export const TEXT_ID = 0;

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
  /** valid events */
  count: number;
  rows: Float64Array;
  codes: Int32Array;
  /** the distinct low-cardinality values `codes` point into */
  strings: string[];
  lens: Int32Array;
  /** text values of the valid events, concatenated (see `lens`); complete once sealed */
  text: string;
  /** while building: pieces of `text` not yet joined */
  parts: string[];
  /** Latin-1 bytes of the text values (first `nbytes`), when built by prepareLines; see takeText */
  bytes: Uint8Array | null;
  nbytes: number;
  /** per valid event: 1 when its text values are in `wide` instead of `text` */
  inWide: Uint8Array;
  wide: string;
  wideParts: string[];
  /** projection rows of valid events, written only for events that turn out to be new */
  proj: ProjOp[];
  bad: BadItem[];
  /** items seen (valid + bad) */
  total: number;
  /** input lines the batch covers (prepareLines; blank ones included) */
  lines: number;
}

const INITIAL = 256;

export function emptyBatch(capacity = INITIAL): PreparedBatch {
  const cap = Math.max(16, capacity);
  return {
    count: 0, rows: new Float64Array(cap * NNUM), codes: new Int32Array(cap * NCODE), strings: [], lens: new Int32Array(cap * NTEXT),
    text: '', parts: [], bytes: null, nbytes: 0, inWide: new Uint8Array(cap), wide: '', wideParts: [], proj: [], bad: [], total: 0, lines: 0,
  };
}

/**
 * The text of the batch's `text` events: `text`, or, for a batch built from bytes, the bytes decoded
 * (once; the bytes are dropped).
 */
export function takeText(b: PreparedBatch): string {
  if (b.nbytes > 0) {
    if (b.text !== '' || b.parts.length > 0) throw new Error('a prepared batch holds text both as bytes and as strings');
    const u = b.bytes!;
    b.text = Buffer.from(u.buffer, u.byteOffset, b.nbytes).toString('latin1');
    b.bytes = null;
    b.nbytes = 0;
  }
  return b.text;
}

/** Where an event's text values go: `text` (pages, CSV: any text; V8 makes it two-byte if it must) */
const TEXT = 0;
/** `wide`: lines with non-ASCII text, kept apart so that `text` stays one-byte */
const WIDE = 1;
/** `bytes`, as Latin-1: only for values known to be ASCII */
const BYTES = 2;
export type TextMode = typeof TEXT | typeof WIDE | typeof BYTES;
export const TEXT_MODE = { TEXT, WIDE, BYTES } as const;

const stringIndexes = new WeakMap<PreparedBatch, Map<string, number>>();

/** Finish a batch: join its text and trim its arrays (so a structured clone copies no slack). Idempotent. */
export function sealBatch(b: PreparedBatch): PreparedBatch {
  if (b.parts.length > 0) {
    b.text += b.parts.join('');
    b.parts = [];
  }
  if (b.wideParts.length > 0) {
    b.wide += b.wideParts.join('');
    b.wideParts = [];
  }
  if (b.rows.length > b.count * NNUM) {
    b.inWide = b.inWide.slice(0, b.count);
    b.rows = b.rows.slice(0, b.count * NNUM);
    b.codes = b.codes.slice(0, b.count * NCODE);
    b.lens = b.lens.slice(0, b.count * NTEXT);
  }
  stringIndexes.delete(b);
  return b;
}

function grow(b: PreparedBatch): void {
  const cap = Math.max(INITIAL, (b.rows.length / NNUM) * 2);
  const rows = new Float64Array(cap * NNUM);
  rows.set(b.rows);
  const codes = new Int32Array(cap * NCODE);
  codes.set(b.codes);
  const lens = new Int32Array(cap * NTEXT);
  lens.set(b.lens);
  const inWide = new Uint8Array(cap);
  inWide.set(b.inWide);
  b.rows = rows;
  b.codes = codes;
  b.lens = lens;
  b.inWide = inWide;
}

function code(b: PreparedBatch, map: Map<string, number>, v: string | null): number {
  if (v === null) return -1;
  let k = map.get(v);
  if (k === undefined) {
    k = b.strings.length;
    b.strings.push(v);
    map.set(v, k);
  }
  return k;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Parse + validate + flatten one item into `out`. */
export function prepareInto(out: PreparedBatch, raw: string | object, location: string, hash: HashFn = idHash, text?: string, mode: TextMode = WIDE): void {
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
  prepareParsed(out, obj, location, hash, text ?? raw, mode);
}

/**
 * Validate + flatten an already parsed value (any JSON value; non-objects are quarantined).
 * `mode` says where the event's text values go (see PreparedBatch): WIDE puts them in `wide`;
 * BYTES is only for values known to be ASCII.
 */
export function prepareParsed(out: PreparedBatch, obj: unknown, location: string, hash: HashFn = idHash, text?: string, mode: TextMode = TEXT): void {
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
  if (out.rows.length < out.count * NNUM) grow(out);
  const rows = out.rows;
  let o = idx * NNUM;
  rows[o] = hash(e.id, 0);
  rows[o + 1] = e.time;
  rows[o + 2] = e.amount === null ? NaN : e.amount;
  let map = stringIndexes.get(out);
  if (map === undefined) {
    map = new Map();
    for (let i = 0; i < out.strings.length; i++) map.set(out.strings[i]!, i);
    stringIndexes.set(out, map);
  }
  const codes = out.codes;
  o = idx * NCODE;
  codes[o] = code(out, map, e.type);
  codes[o + 1] = code(out, map, e.source);
  codes[o + 2] = code(out, map, e.device);
  codes[o + 3] = code(out, map, e.trafficSource);
  codes[o + 4] = code(out, map, e.category);
  codes[o + 5] = code(out, map, e.currency);
  codes[o + 6] = code(out, map, e.code);
  codes[o + 7] = code(out, map, e.experimentId);
  codes[o + 8] = code(out, map, e.variant);
  // (slicing the payload out of the input text measured slower than JSON.stringify: a JS scan of
  // the text to prove where the value ends costs more than V8's serializer)
  const data = JSON.stringify(e.data);
  const lens = out.lens;
  o = idx * NTEXT;
  if (mode === BYTES) {
    lens[o] = e.id.length;
    lens[o + 1] = e.subject === null ? -1 : e.subject.length;
    lens[o + 2] = e.sessionId === null ? -1 : e.sessionId.length;
    lens[o + 3] = e.userId === null ? -1 : e.userId.length;
    lens[o + 4] = e.ref === null ? -1 : e.ref.length;
    lens[o + 5] = data.length;
    const need = out.nbytes + e.id.length + Math.max(0, lens[o + 1]!) + Math.max(0, lens[o + 2]!) + Math.max(0, lens[o + 3]!) +
      Math.max(0, lens[o + 4]!) + data.length;
    if (out.bytes === null || need > out.bytes.byteLength) growBytes(out, need);
    const buf = out.bytes as Buffer;
    let n = out.nbytes;
    n += buf.write(e.id, n, 'latin1');
    if (e.subject !== null) n += buf.write(e.subject, n, 'latin1');
    if (e.sessionId !== null) n += buf.write(e.sessionId, n, 'latin1');
    if (e.userId !== null) n += buf.write(e.userId, n, 'latin1');
    if (e.ref !== null) n += buf.write(e.ref, n, 'latin1');
    out.nbytes = n + buf.write(data, n, 'latin1');
  } else {
    const parts = mode === WIDE ? out.wideParts : out.parts;
    if (mode === WIDE) out.inWide[idx] = 1;
    lens[o] = e.id.length;
    parts.push(e.id);
    o = pushText(parts, lens, o + 1, e.subject);
    o = pushText(parts, lens, o, e.sessionId);
    o = pushText(parts, lens, o, e.userId);
    o = pushText(parts, lens, o, e.ref);
    lens[o] = data.length;
    parts.push(data);
  }
  if (PROJECTED.has(e.type)) project(out.proj, idx, e);
}

function growBytes(out: PreparedBatch, need: number): void {
  const next = Buffer.allocUnsafeSlow(Math.max(need, 1 << 16, (out.bytes?.byteLength ?? 0) * 2));
  if (out.bytes !== null) next.set(out.bytes.subarray(0, out.nbytes));
  out.bytes = next;
}

/** Start a batch's bytes with room for about `capacity` bytes (see PreparedBatch). */
export function reserveBytes(out: PreparedBatch, capacity: number): void {
  if (out.bytes === null || out.bytes.byteLength < capacity) growBytes(out, capacity);
}

function pushText(parts: string[], lens: Int32Array, o: number, v: string | null): number {
  if (v === null) lens[o] = -1;
  else {
    lens[o] = v.length;
    parts.push(v);
  }
  return o + 1;
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function prepareItems(items: readonly RawItem[], hash: HashFn = idHash): PreparedBatch {
  const out = emptyBatch(items.length);
  for (const it of items) prepareInto(out, it.raw, it.location, hash, it.text);
  return sealBatch(out);
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
