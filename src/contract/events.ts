/**
 * The platform event contract: CloudEvents 1.0 (structured JSON mode) with typed `data` payloads.
 * docs/platform-api.md describes it for humans; resources/schemas/ holds the JSON Schemas, and a
 * test checks that this validator and the schemas agree on the demo platform's output.
 *
 * Pure TypeScript (no I/O): used by the sync engine, file import, the demo platform and tests.
 */
import { isKnownCurrency, parseMinor, MoneyError, CURRENCY_EXPONENT } from '../analytics/money.ts';
import { parseRfc3339 } from '../analytics/calendar.ts';

/** A money value on the wire: a decimal string in major units plus an ISO 4217 code. */
export interface WireMoney { amount: string; currency: string }

export interface CloudEvent<T = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data: T;
}

type FieldKind =
  | 'string' | 'int' | 'nonneg_int' | 'pos_int' | 'money' | 'decimal' | 'week' | 'bps'
  | { array: FieldSpec; min?: number } | { object: FieldSpec };
interface FieldSpec { [name: string]: [FieldKind, 'req' | 'opt'] }

const R = 'req' as const;
const O = 'opt' as const;
const CTX: FieldSpec = { session_id: ['string', O], user_id: ['string', O], device: ['string', O], traffic_source: ['string', O] };

const ORDER_ITEM: FieldSpec = {
  product_id: ['string', R], category: ['string', R], seller_id: ['string', O], quantity: ['pos_int', R], unit_price: ['money', R],
};
const ORDER_LINE: FieldSpec = {
  line_id: ['string', R], product_id: ['string', R], name: ['string', R], category: ['string', R],
  quantity: ['pos_int', R], unit_price: ['money', R], subtotal: ['money', R],
};
const TAX_LINE: FieldSpec = {
  jurisdiction: ['string', R], country: ['string', R], state: ['string', O], tax_code: ['string', R],
  tax_rate: ['decimal', R], taxable_amount: ['money', R], tax_amount: ['money', R],
};

/**
 * Every event type the platform emits, grouped by emitting service, with its payload fields.
 * `source` in the envelope is the emitting service, e.g. "/services/order".
 */
export const EVENT_TYPES = {
  'order.placed': { service: 'order', fields: { ...CTX, order_id: ['string', R], user_id: ['string', R], seller_id: ['string', R], total: ['money', R], shipping_fee: ['money', O], items: [{ array: ORDER_ITEM, min: 1 }, R] } },
  'order.completed': { service: 'order', fields: { ...CTX, order_id: ['string', R], user_id: ['string', R], seller_id: ['string', R], seller_vat_number: ['string', O], buyer: [{ object: { name: ['string', R], tax_id: ['string', O], address: ['string', O] } }, O], subtotal: ['money', R], tax_total: ['money', R], total: ['money', R], lines: [{ array: ORDER_LINE, min: 1 }, R], tax_lines: [{ array: TAX_LINE }, R] } },
  'order.cancelled': { service: 'order', fields: { ...CTX, order_id: ['string', R], user_id: ['string', R], reason: ['string', R] } },
  'payment.captured': { service: 'payment', fields: { ...CTX, payment_id: ['string', R], order_id: ['string', R], user_id: ['string', R], gateway: ['string', R], gateway_txn_id: ['string', R], method: ['string', R], amount: ['money', R] } },
  'payment.refunded': { service: 'payment', fields: { ...CTX, refund_id: ['string', R], payment_id: ['string', R], order_id: ['string', R], gateway: ['string', R], gateway_txn_id: ['string', O], amount: ['money', R], reason: ['string', R] } },
  'payment.failed': { service: 'payment', fields: { ...CTX, payment_id: ['string', R], order_id: ['string', O], gateway: ['string', R], method: ['string', O], amount: ['money', R], failure_code: ['string', R], failure_message: ['string', O] } },
  'checkout.started': { service: 'checkout', fields: { ...CTX, session_id: ['string', R], cart_id: ['string', R], cart_total: ['money', R], item_count: ['pos_int', R] } },
  'checkout.payment_initiated': { service: 'checkout', fields: { ...CTX, session_id: ['string', R], order_id: ['string', R], gateway: ['string', R], payment_method: ['string', R], amount: ['money', R] } },
  'checkout.abandoned': { service: 'checkout', fields: { ...CTX, session_id: ['string', R], cart_id: ['string', R], last_step: ['string', R], reason: ['string', O] } },
  'page.landing_viewed': { service: 'storefront', fields: { ...CTX, session_id: ['string', R], url: ['string', R], campaign: ['string', O] } },
  'product.viewed': { service: 'catalog', fields: { ...CTX, session_id: ['string', R], product_id: ['string', R], category: ['string', R], seller_id: ['string', R], price: ['money', R] } },
  'product.added_to_cart': { service: 'cart', fields: { ...CTX, session_id: ['string', R], product_id: ['string', R], category: ['string', R], quantity: ['pos_int', R], price: ['money', R] } },
  'search.query': { service: 'search', fields: { ...CTX, session_id: ['string', R], query: ['string', R], result_count: ['nonneg_int', R] } },
  'search.result_clicked': { service: 'search', fields: { ...CTX, session_id: ['string', R], query: ['string', R], product_id: ['string', R], position: ['pos_int', R] } },
  'user.registered': { service: 'customer', fields: { ...CTX, user_id: ['string', R], country: ['string', R] } },
  'user.logged_in': { service: 'customer', fields: { ...CTX, user_id: ['string', R], session_id: ['string', R] } },
  'experiment.exposure_recorded': { service: 'experiment', fields: { ...CTX, user_id: ['string', R], experiment_id: ['string', R], variant: ['string', R] } },
  'error.occurred': { service: 'any', fields: { ...CTX, service: ['string', R], error_code: ['string', R], message: ['string', R], step: ['string', O], http_status: ['int', O] } },
  'escrow.released': { service: 'payment', fields: { escrow_id: ['string', R], order_id: ['string', R], seller_id: ['string', R], amount: ['money', R], commission_rate_bps: ['bps', R], fee: ['money', O] } },
  'seller.penalty_applied': { service: 'seller', fields: { penalty_id: ['string', R], seller_id: ['string', R], amount: ['money', R], reason: ['string', R] } },
  'payout.disbursed': { service: 'payout', fields: { disbursement_id: ['string', R], seller_id: ['string', R], week: ['week', R], amount: ['money', R], transfer_ref: ['string', R] } },
} as const satisfies Record<string, { service: string; fields: FieldSpec }>;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];
export function isEventType(t: unknown): t is EventType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(EVENT_TYPES, t);
}

/** The main money field of each type, projected into the `amount`/`currency` event columns. */
const PRIMARY_MONEY: Partial<Record<EventType, string>> = {
  'order.placed': 'total', 'order.completed': 'total', 'payment.captured': 'amount', 'payment.refunded': 'amount',
  'payment.failed': 'amount', 'checkout.started': 'cart_total', 'checkout.payment_initiated': 'amount',
  'product.viewed': 'price', 'product.added_to_cart': 'price', 'escrow.released': 'amount',
  'seller.penalty_applied': 'amount', 'payout.disbursed': 'amount',
};
/** The business key of each type (order_id, payment_id, ...), projected into the `ref` column. */
const REF_FIELD: Partial<Record<EventType, string>> = {
  'order.placed': 'order_id', 'order.completed': 'order_id', 'order.cancelled': 'order_id', 'payment.captured': 'payment_id',
  'payment.refunded': 'refund_id', 'payment.failed': 'payment_id', 'checkout.started': 'cart_id', 'checkout.payment_initiated': 'order_id',
  'checkout.abandoned': 'cart_id', 'product.viewed': 'product_id', 'product.added_to_cart': 'product_id', 'search.result_clicked': 'product_id',
  'escrow.released': 'escrow_id', 'seller.penalty_applied': 'penalty_id', 'payout.disbursed': 'disbursement_id',
};

/** A validated event, flattened into the columns the store and the analytics cache use. */
export interface NormalizedEvent {
  id: string;
  type: EventType;
  source: string;
  /** UTC epoch ms */
  time: number;
  subject: string | null;
  sessionId: string | null;
  userId: string | null;
  device: string | null;
  trafficSource: string | null;
  category: string | null;
  /** primary amount in integer minor units of `currency` */
  amount: number | null;
  currency: string | null;
  /** failure_code / error_code */
  code: string | null;
  experimentId: string | null;
  variant: string | null;
  ref: string | null;
  /** the validated payload */
  data: Record<string, unknown>;
}

export interface ValidationError { field: string; reason: string }
export type ValidationResult = { ok: true; event: NormalizedEvent } | { ok: false; error: ValidationError; id: string | null; type: string | null };

const MAX_STRING = 4096;
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2100, 0, 1);
const WEEK_RE = /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/;
const DEC_RE = /^\d+(\.\d+)?$/;

class Invalid extends Error {
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(reason);
    this.field = field;
    this.reason = reason;
  }
}

/** Parse a wire money object; returns minor units. Throws Invalid naming the field. */
export function readMoney(v: unknown, field: string): { minor: number; currency: string } {
  if (typeof v !== 'object' || v === null) throw new Invalid(field, 'expected a money object {amount, currency}');
  const { amount, currency } = v as Record<string, unknown>;
  if (typeof currency !== 'string') throw new Invalid(field + '.currency', 'missing currency');
  if (!isKnownCurrency(currency)) throw new Invalid(field + '.currency', `unknown currency "${currency}"`);
  if (typeof amount !== 'string') throw new Invalid(field + '.amount', 'amount must be a decimal string in major units');
  try {
    return { minor: parseMinor(amount, currency), currency };
  } catch (e) {
    throw new Invalid(field + '.amount', (e as MoneyError).message);
  }
}

// ---------------------------------------------------------------------------------------------
// The validator is compiled once from EVENT_TYPES: one check list per type, with the field paths
// precomputed, no per-event allocation on the success path (no Set, no path strings, no result
// objects per money value) and fast paths for the common wire forms of time and money. It checks
// fields in spec order and reports exactly what a straightforward recursive walk of the spec
// would: the first failing field, its path and the same reason text.

const K_STRING = 0, K_INT = 1, K_NONNEG = 2, K_POS = 3, K_MONEY = 4, K_DECIMAL = 5, K_WEEK = 6, K_BPS = 7, K_ARRAY = 8, K_OBJECT = 9;

interface CompiledField {
  name: string;
  /** path under the parent, e.g. "data.total"; for array elements built on error only */
  path: string;
  req: boolean;
  kind: number;
  /** K_ARRAY / K_OBJECT: the element or object fields */
  sub: CompiledField[] | null;
  min: number;
}

function compileSpec(spec: FieldSpec, path: string): CompiledField[] {
  const out: CompiledField[] = [];
  for (const name in spec) {
    const [kind, need] = spec[name]!;
    const f = path ? `${path}.${name}` : name;
    let k: number;
    let sub: CompiledField[] | null = null;
    let min = 0;
    if (typeof kind === 'string') {
      k = { string: K_STRING, int: K_INT, nonneg_int: K_NONNEG, pos_int: K_POS, money: K_MONEY, decimal: K_DECIMAL, week: K_WEEK, bps: K_BPS }[kind];
    } else if ('array' in kind) {
      k = K_ARRAY;
      sub = compileSpec(kind.array, '');
      min = kind.min ?? 0;
    } else {
      k = K_OBJECT;
      sub = compileSpec(kind.object, f);
    }
    out.push({ name, path: f, req: need === R, kind: k, sub, min });
  }
  return out;
}

/** Currencies seen in the event being validated (validation is synchronous, so one is enough). */
let curFirst: string | null = null;
let curAll: Set<string> | null = null;
/** currency of the last money value read by moneyMinor */
let moneyCurrency = '';

function noteCurrency(c: string): void {
  if (curFirst === null) curFirst = c;
  else if (c !== curFirst) {
    if (curAll === null) curAll = new Set([curFirst]);
    curAll.add(c);
  }
}

/** Fast parseMinor for plain digit strings; anything else goes through parseMinor (same results). */
function minorOf(amount: string, currency: string): number {
  const n = amount.length;
  if (n > 0 && n <= 15) {
    let ok = true;
    for (let i = 0; i < n; i++) {
      const c = amount.charCodeAt(i);
      if (c < 48 || c > 57) {
        ok = false;
        break;
      }
    }
    if (ok) {
      const e = CURRENCY_EXP.get(currency);
      if (e !== undefined) {
        const v = e === 0 ? Number(amount) : Number(amount) * POW10[e]!;
        if (Number.isSafeInteger(v)) return v;
      }
    }
  }
  return parseMinor(amount, currency);
}
const CURRENCY_EXP = new Map<string, number>(Object.entries(CURRENCY_EXPONENT));
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

/** readMoney without the result object: returns minor units, leaves the currency in moneyCurrency. */
function moneyMinor(v: unknown, field: string): number {
  if (typeof v !== 'object' || v === null) throw new Invalid(field, 'expected a money object {amount, currency}');
  const amount = (v as Record<string, unknown>).amount;
  const currency = (v as Record<string, unknown>).currency;
  if (typeof currency !== 'string') throw new Invalid(field + '.currency', 'missing currency');
  if (!isKnownCurrency(currency)) throw new Invalid(field + '.currency', `unknown currency "${currency}"`);
  if (typeof amount !== 'string') throw new Invalid(field + '.amount', 'amount must be a decimal string in major units');
  moneyCurrency = currency;
  try {
    return minorOf(amount, currency);
  } catch (e) {
    throw new Invalid(field + '.amount', (e as MoneyError).message);
  }
}

/** Check `obj` against compiled fields; `base` prefixes the (relative) paths of array elements. */
function checkObject(obj: unknown, fields: CompiledField[], path: string, base: string | null): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Invalid(path, 'expected an object');
  const o = obj as Record<string, unknown>;
  for (let i = 0; i < fields.length; i++) {
    const fd = fields[i]!;
    const v = o[fd.name];
    if (v === undefined || v === null) {
      if (fd.req) throw new Invalid(base === null ? fd.path : `${base}.${fd.path}`, 'required field is missing');
      continue;
    }
    switch (fd.kind) {
      case K_STRING:
        if (typeof v !== 'string' || v.length === 0) throw new Invalid(fieldPath(fd, base), 'expected a non-empty string');
        if (v.length > MAX_STRING) throw new Invalid(fieldPath(fd, base), `longer than ${MAX_STRING} characters`);
        break;
      case K_INT:
      case K_NONNEG:
      case K_POS:
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Invalid(fieldPath(fd, base), 'expected an integer');
        if (fd.kind === K_NONNEG && v < 0) throw new Invalid(fieldPath(fd, base), 'must be >= 0');
        if (fd.kind === K_POS && v < 1) throw new Invalid(fieldPath(fd, base), 'must be >= 1');
        break;
      case K_BPS:
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 10000) throw new Invalid(fieldPath(fd, base), 'expected basis points 0..10000');
        break;
      case K_DECIMAL:
        if (typeof v !== 'string' || !DEC_RE.test(v)) throw new Invalid(fieldPath(fd, base), 'expected a decimal string such as "0.10"');
        break;
      case K_WEEK:
        if (typeof v !== 'string' || !WEEK_RE.test(v)) throw new Invalid(fieldPath(fd, base), 'expected an ISO week such as "2026-W47"');
        break;
      case K_MONEY:
        moneyMinor(v, fieldPath(fd, base));
        noteCurrency(moneyCurrency);
        break;
      case K_ARRAY: {
        const f = fieldPath(fd, base);
        if (!Array.isArray(v)) throw new Invalid(f, 'expected an array');
        if (fd.min && v.length < fd.min) throw new Invalid(f, `expected at least ${fd.min} element(s)`);
        for (let k = 0; k < v.length; k++) {
          const el = `${f}[${k}]`;
          checkObject(v[k], fd.sub!, el, el);
        }
        break;
      }
      default:
        checkObject(v, fd.sub!, fieldPath(fd, base), base);
    }
  }
}

function fieldPath(fd: CompiledField, base: string | null): string {
  return base === null ? fd.path : `${base}.${fd.path}`;
}

/** Per type: its compiled payload fields and which fields feed the flattened columns. */
interface CompiledType {
  type: EventType;
  fields: CompiledField[];
  money: string | null;
  moneyPath: string;
  ref: string | null;
}
const COMPILED = new Map<string, CompiledType>();
for (const t of Object.keys(EVENT_TYPES) as EventType[]) {
  const money = PRIMARY_MONEY[t] ?? null;
  COMPILED.set(t, {
    type: t, fields: compileSpec(EVENT_TYPES[t].fields as FieldSpec, 'data'),
    money, moneyPath: money ? 'data.' + money : '', ref: REF_FIELD[t] ?? null,
  });
}

/** RFC 3339 time to epoch ms: a fast path for "YYYY-MM-DDTHH:MM:SS[.fff...]Z" in 2000..2099, else parseRfc3339. */
function parseTime(s: string): number {
  const n = s.length;
  if (n >= 20 && n <= 30 && s.charCodeAt(n - 1) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ &&
      s.charCodeAt(0) === 50 && s.charCodeAt(1) === 48 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 &&
      s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
    const y = 2000 + d2(s, 2), mo = d2(s, 5), d = d2(s, 8), h = d2(s, 11), mi = d2(s, 14), sec = d2(s, 17);
    let ms = 0;
    let ok = y >= 2000 && mo >= 0 && d >= 0 && h >= 0 && mi >= 0 && sec >= 0;
    if (ok && n > 20) {
      // ".d{1,9}" before the Z
      ok = s.charCodeAt(19) === 46 && n >= 22;
      for (let i = 20; ok && i < n - 1; i++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) ok = false;
        else if (i < 23) ms += c * (i === 20 ? 100 : i === 21 ? 10 : 1);
      }
    }
    if (ok) {
      if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return NaN;
      if (d > daysIn(y, mo)) return NaN;
      return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    }
  }
  return parseRfc3339(s);
}
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}
function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * Validate one CloudEvent (already JSON-parsed). Never throws: returns the normalized event, or
 * the first problem found with the field path that caused it (e.g. "data.total.amount").
 */
export function validateEvent(input: unknown): ValidationResult {
  const e = input as Record<string, unknown>;
  const id = typeof e?.id === 'string' ? e.id : null;
  const type = typeof e?.type === 'string' ? e.type : null;
  const fail = (field: string, reason: string): ValidationResult => ({ ok: false, error: { field, reason }, id, type });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('', 'event is not a JSON object');
  if (e.specversion !== '1.0') return fail('specversion', 'expected CloudEvents specversion "1.0"');
  if (id === null || id.length === 0 || id.length > 200) return fail('id', 'expected a non-empty string of at most 200 characters');
  if (type === null) return fail('type', 'missing event type');
  const ct = COMPILED.get(type);
  if (ct === undefined) return fail('type', `unknown event type "${type}"`);
  const source = e.source;
  if (typeof source !== 'string' || source.length === 0) return fail('source', 'expected a non-empty string');
  const timeText = e.time;
  if (typeof timeText !== 'string') return fail('time', 'missing event time');
  const time = parseTime(timeText);
  if (Number.isNaN(time)) return fail('time', `"${timeText}" is not an RFC 3339 timestamp with offset`);
  if (time < MIN_TIME || time >= MAX_TIME) return fail('time', `"${timeText}" is outside 2000..2100`);
  const subject = e.subject;
  if (subject !== undefined && typeof subject !== 'string') return fail('subject', 'expected a string');
  if (e.datacontenttype !== undefined && e.datacontenttype !== 'application/json') return fail('datacontenttype', 'only application/json is supported');
  const data = e.data as Record<string, unknown>;
  curFirst = null;
  curAll = null;
  try {
    checkObject(data, ct.fields, 'data', null);
  } catch (err) {
    if (err instanceof Invalid) return fail(err.field, err.reason);
    throw err;
  }
  if (curAll !== null) return fail('data', `mixes currencies ${[...(curAll as Set<string>)].sort().join(', ')} in one event`);
  let amount: number | null = null;
  let currency: string | null = null;
  if (ct.money !== null && data[ct.money] != null) {
    amount = moneyMinor(data[ct.money], ct.moneyPath);
    currency = moneyCurrency;
  }
  let category = str(data.category);
  if (category === null && type === 'order.placed') category = str((data.items as { category?: unknown }[])[0]?.category);
  return {
    ok: true,
    event: {
      id, type: ct.type, source, time, subject: str(subject),
      sessionId: str(data.session_id), userId: str(data.user_id), device: str(data.device), trafficSource: str(data.traffic_source),
      category, amount, currency,
      code: str(data.failure_code) ?? str(data.error_code),
      experimentId: str(data.experiment_id), variant: str(data.variant),
      ref: ct.ref !== null ? str(data[ct.ref]) : null,
      data,
    },
  };
}

/** The CloudEvents `source` a given type's emitting service uses. */
export function sourceFor(type: EventType): string {
  return `/services/${EVENT_TYPES[type].service}`;
}
