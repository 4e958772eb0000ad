/**
 * JSON Schemas (draft 2020-12) of the platform contract, derived from EVENT_TYPES in
 * src/contract/events.ts so the two cannot drift. `node src/platform-sim/write-schemas.ts` writes
 * them to resources/schemas/; a test checks the files equal what this module builds.
 *
 * What the schemas cannot express (validateEvent is authoritative there): calendar validity of a
 * date (Feb 30), the 2000..2100 range after applying the time offset, the safe-integer range of
 * amounts in minor units, and the rule that one event uses one currency.
 */
import { CURRENCY_EXPONENT } from '../analytics/money.ts';
import { EVENT_TYPES, EVENT_TYPE_NAMES, sourceFor, type EventType } from '../contract/events.ts';

export const SCHEMA_BASE = 'https://schemas.marketlens.dev/platform/v1/';
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const MAX_SAFE = 9007199254740991;

type Kind = string | { array: Spec; min?: number } | { object: Spec };
type Spec = Record<string, readonly [Kind, 'req' | 'opt']>;
type Schema = Record<string, unknown>;

/** One line per event type: what it means. Used in schema descriptions and the API docs. */
export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'order.placed': 'A customer placed an order (payment authorised). `total` is what the customer pays: subtotal + tax; GMV counts these.',
  'order.completed': 'The order was delivered and confirmed, with invoice lines and tax lines. subtotal = sum(lines.subtotal); total = subtotal + tax_total.',
  'order.cancelled': 'The order was cancelled after placement; a payment.refunded for the full amount follows.',
  'payment.captured': 'The payment for an order was captured by the gateway (one per placed order).',
  'payment.refunded': 'Money was returned to the customer (cancellation or return). `amount` is positive.',
  'payment.failed': 'A payment attempt failed; `failure_code` says why. The customer may retry with a new payment_id.',
  'checkout.started': 'The customer opened checkout with a cart.',
  'checkout.payment_initiated': 'The customer submitted payment; the order id is allocated here.',
  'checkout.abandoned': 'The customer left checkout without an order; `last_step` is where.',
  'page.landing_viewed': 'First page of a storefront session.',
  'product.viewed': 'A product detail page view.',
  'product.added_to_cart': 'A product was added to the cart.',
  'search.query': 'A storefront search; `result_count` 0 is a zero-result search.',
  'search.result_clicked': 'A click on a search result at 1-based `position`.',
  'user.registered': 'A customer account was created (acquisition device, traffic source and country).',
  'user.logged_in': 'A customer logged in during a session.',
  'experiment.exposure_recorded': 'A user was exposed to an experiment variant (sticky assignment).',
  'error.occurred': 'A service error seen by a customer; `service`, `error_code` and `step` locate it. The envelope source is /services/<service>.',
  'escrow.released': 'Escrow for a completed order was released to the seller; commission = amount x commission_rate_bps / 10000 (half-even), fee = seller transaction fee.',
  'seller.penalty_applied': 'A penalty deducted from the seller\'s next payout.',
  'payout.disbursed': 'The weekly payout to a seller for an ISO week (one per seller and currency).',
};

function moneyRef(): Schema {
  return { $ref: 'money.json' };
}

function kindSchema(kind: Kind): Schema {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'string': return { type: 'string', minLength: 1, maxLength: 4096 };
      case 'int': return { type: 'integer', minimum: -MAX_SAFE, maximum: MAX_SAFE };
      case 'nonneg_int': return { type: 'integer', minimum: 0, maximum: MAX_SAFE };
      case 'pos_int': return { type: 'integer', minimum: 1, maximum: MAX_SAFE };
      case 'bps': return { type: 'integer', minimum: 0, maximum: 10000, description: 'basis points (1/100 of a percent)' };
      case 'decimal': return { type: 'string', pattern: '^\\d+(\\.\\d+)?$', description: 'a non-negative decimal string such as "0.10"' };
      case 'week': return { type: 'string', pattern: '^\\d{4}-W(0[1-9]|[1-4]\\d|5[0-3])$', description: 'ISO week, e.g. "2025-W27"' };
      case 'money': return moneyRef();
      default: throw new Error(`unknown field kind ${kind}`);
    }
  }
  if ('array' in kind) {
    const s: Schema = { type: 'array', items: objectSchema(kind.array) };
    if (kind.min) s.minItems = kind.min;
    return s;
  }
  return objectSchema(kind.object);
}

function objectSchema(spec: Spec): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, [kind, need]] of Object.entries(spec)) {
    const s = kindSchema(kind);
    if (need === 'req') {
      required.push(name);
      properties[name] = s;
    } else {
      // validateEvent treats null like an absent optional field
      properties[name] = { anyOf: [s, { type: 'null' }] };
    }
  }
  const out: Schema = { type: 'object' };
  if (required.length) out.required = required;
  out.properties = properties;
  return out;
}

function moneySchema(): Schema {
  const byExp = new Map<number, string[]>();
  for (const [cur, exp] of Object.entries(CURRENCY_EXPONENT)) byExp.set(exp, [...(byExp.get(exp) ?? []), cur]);
  const fraction = (exp: number) => (exp === 0 ? '^[+-]?\\d+(\\.0+)?$' : `^[+-]?\\d+(\\.\\d{1,${exp}}0*)?$`);
  return {
    $schema: DRAFT,
    $id: SCHEMA_BASE + 'money.json',
    title: 'Money',
    description: 'A decimal string in major units and an ISO 4217 code. The amount may not have more fractional digits than the currency\'s minor unit (VND 0, USD 2, KWD 3), except trailing zeros. Never a float.',
    type: 'object',
    required: ['amount', 'currency'],
    properties: {
      amount: { type: 'string', pattern: '^[+-]?\\d+(\\.\\d+)?$', examples: ['125000', '12.50'] },
      currency: { enum: Object.keys(CURRENCY_EXPONENT) },
    },
    allOf: [...byExp.entries()].sort((a, b) => a[0] - b[0]).map(([exp, curs]) => ({
      if: { type: 'object', required: ['currency'], properties: { currency: { enum: curs } } },
      then: { type: 'object', properties: { amount: { type: 'string', pattern: fraction(exp) } } },
    })),
  };
}

function envelopeSchema(): Schema {
  return {
    $schema: DRAFT,
    $id: SCHEMA_BASE + 'cloudevent.json',
    title: 'CloudEvent envelope',
    description: 'CloudEvents 1.0, structured JSON mode, as the Marketlens platform sends it. Extension attributes are allowed and ignored.',
    type: 'object',
    required: ['specversion', 'id', 'type', 'source', 'time', 'data'],
    properties: {
      specversion: { const: '1.0' },
      id: { type: 'string', minLength: 1, maxLength: 200, description: 'unique per event; consumers deduplicate by id' },
      type: { type: 'string', minLength: 1, description: 'one of the event types, e.g. "order.placed"' },
      source: { type: 'string', minLength: 1, description: 'the emitting service, e.g. "/services/order"' },
      time: {
        type: 'string',
        pattern: '^20\\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt ]([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$',
        description: 'RFC 3339 with an explicit offset, between 2000 and 2100',
      },
      subject: { type: 'string', description: 'the main business key (order id, payment id, session id, ...)' },
      datacontenttype: { const: 'application/json' },
      dataschema: { description: 'optional URI of the data schema; not checked' },
      data: { type: 'object' },
    },
  };
}

function eventSchema(type: EventType): Schema {
  const def = EVENT_TYPES[type] as unknown as { service: string; fields: Spec };
  const data = objectSchema(def.fields);
  return {
    $schema: DRAFT,
    $id: `${SCHEMA_BASE}${type}.json`,
    title: type,
    description: `${EVENT_DESCRIPTIONS[type]} Source: ${type === 'error.occurred' ? '/services/<data.service>' : sourceFor(type)}.`,
    allOf: [{ $ref: 'cloudevent.json' }],
    type: 'object',
    required: ['type', 'data'],
    properties: { type: { const: type }, data },
  };
}

function anyEventSchema(): Schema {
  return {
    $schema: DRAFT,
    $id: SCHEMA_BASE + 'event.json',
    title: 'Any platform event',
    description: 'A CloudEvent of one of the known types, validated against that type\'s schema.',
    allOf: [
      { $ref: 'cloudevent.json' },
      { type: 'object', required: ['type'], properties: { type: { enum: EVENT_TYPE_NAMES } } },
      ...EVENT_TYPE_NAMES.map((t) => ({ if: { type: 'object', required: ['type'], properties: { type: { const: t } } }, then: { $ref: `${t}.json` } })),
    ],
  };
}

function pageSchema(): Schema {
  return {
    $schema: DRAFT,
    $id: SCHEMA_BASE + 'events-page.json',
    title: 'GET /v1/events response',
    type: 'object',
    required: ['events', 'next_cursor', 'has_more', 'total_estimate'],
    additionalProperties: false,
    properties: {
      events: { type: 'array', items: { $ref: 'cloudevent.json' }, maxItems: 10000, description: 'in feed order. A page that contains malformed events injected by the demo control (POST /v1/demo/malformed) does not validate; consumers validate event by event (event.json)' },
      next_cursor: { type: 'string', minLength: 1, description: 'opaque; pass it back as ?cursor= to continue after the last event of this page' },
      has_more: { type: 'boolean', description: 'true when more events are available right now' },
      total_estimate: { type: 'integer', minimum: 0, description: 'estimated number of events in the whole feed (exact once the platform has indexed every day)' },
    },
  };
}

/** Every schema file: file name -> schema. */
export function buildSchemas(): Record<string, Schema> {
  const out: Record<string, Schema> = {
    'cloudevent.json': envelopeSchema(),
    'money.json': moneySchema(),
    'event.json': anyEventSchema(),
    'events-page.json': pageSchema(),
  };
  for (const t of EVENT_TYPE_NAMES) out[`${t}.json`] = eventSchema(t);
  return out;
}
