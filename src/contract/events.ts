/**
 * The platform event contract: CloudEvents 1.0 (structured JSON mode) with typed `data` payloads.
 * docs/platform-api.md describes it for humans; resources/schemas/ holds the JSON Schemas, and a
 * test checks that this validator and the schemas agree on the demo platform's output.
 *
 * Pure TypeScript (no I/O): used by the sync engine, file import, the demo platform and tests.
 */
import { isKnownCurrency, parseMinor, MoneyError } from '../analytics/money.ts';
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

function checkFields(obj: unknown, spec: FieldSpec, path: string, currencies: Set<string>): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Invalid(path, 'expected an object');
  const o = obj as Record<string, unknown>;
  for (const name in spec) {
    const [kind, need] = spec[name]!;
    const v = o[name];
    const f = path ? `${path}.${name}` : name;
    if (v === undefined || v === null) {
      if (need === R) throw new Invalid(f, 'required field is missing');
      continue;
    }
    checkValue(v, kind, f, currencies);
  }
}

function checkValue(v: unknown, kind: FieldKind, f: string, currencies: Set<string>): void {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string' || v.length === 0) throw new Invalid(f, 'expected a non-empty string');
      if (v.length > MAX_STRING) throw new Invalid(f, `longer than ${MAX_STRING} characters`);
      return;
    case 'int':
    case 'nonneg_int':
    case 'pos_int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Invalid(f, 'expected an integer');
      if (kind === 'nonneg_int' && v < 0) throw new Invalid(f, 'must be >= 0');
      if (kind === 'pos_int' && v < 1) throw new Invalid(f, 'must be >= 1');
      return;
    case 'bps':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 10000) throw new Invalid(f, 'expected basis points 0..10000');
      return;
    case 'decimal':
      if (typeof v !== 'string' || !DEC_RE.test(v)) throw new Invalid(f, 'expected a decimal string such as "0.10"');
      return;
    case 'week':
      if (typeof v !== 'string' || !WEEK_RE.test(v)) throw new Invalid(f, 'expected an ISO week such as "2026-W47"');
      return;
    case 'money':
      currencies.add(readMoney(v, f).currency);
      return;
    default:
      if ('array' in kind) {
        if (!Array.isArray(v)) throw new Invalid(f, 'expected an array');
        if (kind.min && v.length < kind.min) throw new Invalid(f, `expected at least ${kind.min} element(s)`);
        for (let i = 0; i < v.length; i++) checkFields(v[i], kind.array, `${f}[${i}]`, currencies);
      } else {
        checkFields(v, kind.object, f, currencies);
      }
  }
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
  if (!isEventType(type)) return fail('type', `unknown event type "${type}"`);
  if (typeof e.source !== 'string' || e.source.length === 0) return fail('source', 'expected a non-empty string');
  if (typeof e.time !== 'string') return fail('time', 'missing event time');
  const time = parseRfc3339(e.time);
  if (Number.isNaN(time)) return fail('time', `"${e.time}" is not an RFC 3339 timestamp with offset`);
  if (time < MIN_TIME || time >= MAX_TIME) return fail('time', `"${e.time}" is outside 2000..2100`);
  if (e.subject !== undefined && typeof e.subject !== 'string') return fail('subject', 'expected a string');
  if (e.datacontenttype !== undefined && e.datacontenttype !== 'application/json') return fail('datacontenttype', 'only application/json is supported');
  const data = e.data as Record<string, unknown>;
  const currencies = new Set<string>();
  try {
    checkFields(data, EVENT_TYPES[type].fields as FieldSpec, 'data', currencies);
  } catch (err) {
    if (err instanceof Invalid) return fail(err.field, err.reason);
    throw err;
  }
  if (currencies.size > 1) return fail('data', `mixes currencies ${[...currencies].sort().join(', ')} in one event`);
  const moneyField = PRIMARY_MONEY[type];
  let amount: number | null = null;
  let currency: string | null = null;
  if (moneyField && data[moneyField] != null) {
    const m = readMoney(data[moneyField], 'data.' + moneyField);
    amount = m.minor;
    currency = m.currency;
  }
  const refField = REF_FIELD[type];
  let category = str(data.category);
  if (category === null && type === 'order.placed') category = str((data.items as { category?: unknown }[])[0]?.category);
  return {
    ok: true,
    event: {
      id, type, source: e.source, time, subject: str(e.subject),
      sessionId: str(data.session_id), userId: str(data.user_id), device: str(data.device), trafficSource: str(data.traffic_source),
      category, amount, currency,
      code: str(data.failure_code) ?? str(data.error_code),
      experimentId: str(data.experiment_id), variant: str(data.variant),
      ref: refField ? str(data[refField]) : null,
      data,
    },
  };
}

/** The CloudEvents `source` a given type's emitting service uses. */
export function sourceFor(type: EventType): string {
  return `/services/${EVENT_TYPES[type].service}`;
}
