/**
 * Feed positions and opaque cursors, plus the malformed events the demo control can inject.
 *
 * The feed is the historical days in order (day index + offset within the day's time-ordered
 * events) followed by the tail: events appended while the platform runs (live mode, malformed).
 * A cursor encodes the parameter tag and a position:
 *   historical: v1|<tag>|h|<day>|<offset>
 *   tail:       v1|<tag>|t|<boot id>|<last day length>|<tail index>
 * Historical cursors stay valid across restarts with the same parameters. A tail cursor from an
 * earlier run (other boot id) resumes at the end of the history as that run saw it, so events the
 * last day gained since (the clock moved on) are not skipped.
 */
import type { MalformedInjection } from './types.ts';
import { isoTime } from './generator.ts';

export type FeedPos = { kind: 'h'; day: number; offset: number } | { kind: 't'; boot: string; lastLen: number; index: number };

export class CursorError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function encodeCursor(tag: string, p: FeedPos): string {
  const s = p.kind === 'h' ? `v1|${tag}|h|${p.day}|${p.offset}` : `v1|${tag}|t|${p.boot}|${p.lastLen}|${p.index}`;
  return Buffer.from(s, 'utf8').toString('base64url');
}

const INT = /^\d{1,9}$/;

export function decodeCursor(tag: string, cursor: string): FeedPos {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new CursorError(400, 'invalid_cursor', 'cursor is not a cursor this platform returned');
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (parts[0] !== 'v1' || parts.length < 5) throw new CursorError(400, 'invalid_cursor', 'cursor is not a cursor this platform returned');
  if (parts[1] !== tag) {
    throw new CursorError(409, 'cursor_mismatch', 'cursor belongs to a platform run with different parameters (seed, days, users or end date); start again without a cursor');
  }
  if (parts[2] === 'h' && parts.length === 5 && INT.test(parts[3]!) && INT.test(parts[4]!)) {
    return { kind: 'h', day: Number(parts[3]), offset: Number(parts[4]) };
  }
  if (parts[2] === 't' && parts.length === 6 && /^[a-z0-9]{1,20}$/.test(parts[3]!) && INT.test(parts[4]!) && INT.test(parts[5]!)) {
    return { kind: 't', boot: parts[3]!, lastLen: Number(parts[4]), index: Number(parts[5]) };
  }
  throw new CursorError(400, 'invalid_cursor', 'cursor is not a cursor this platform returned');
}

const MALFORMED_KINDS: MalformedInjection['kind'][] = ['bad_money', 'unknown_type', 'missing_field', 'bad_time'];

/**
 * The n-th malformed event (cycling through the kinds): returns the raw JSON object and what
 * validateEvent reports for it.
 */
export function malformedEvent(n: number, id: string, now: number): { event: Record<string, unknown>; injection: MalformedInjection } {
  const kind = MALFORMED_KINDS[n % MALFORMED_KINDS.length]!;
  const time = isoTime(now);
  const base = { specversion: '1.0', id, source: '/services/order', time, datacontenttype: 'application/json' };
  let event: Record<string, unknown>;
  let field: string;
  let type: string;
  switch (kind) {
    case 'bad_money':
      type = 'order.placed';
      event = {
        ...base, type, subject: `ORD-BAD-${n}`,
        data: {
          order_id: `ORD-BAD-${n}`, user_id: 'U000001', seller_id: 'S0001', total: { amount: '12.345', currency: 'USD' },
          items: [{ product_id: 'P00001', category: 'electronics', quantity: 1, unit_price: { amount: '12.345', currency: 'USD' } }],
        },
      };
      field = 'data.total.amount';
      break;
    case 'unknown_type':
      type = 'order.teleported';
      event = { ...base, type, data: { order_id: `ORD-BAD-${n}`, destination: 'moon' } };
      field = 'type';
      break;
    case 'missing_field':
      type = 'payment.captured';
      event = {
        ...base, type, source: '/services/payment',
        data: { order_id: `ORD-BAD-${n}`, user_id: 'U000001', gateway: 'vnpay', gateway_txn_id: `1000000000${n}`, method: 'vnpay_qr', amount: { amount: '125000', currency: 'VND' } },
      };
      field = 'data.payment_id';
      break;
    case 'bad_time':
    default:
      type = 'user.logged_in';
      event = { ...base, type, source: '/services/customer', time: n % 8 === 3 ? 'yesterday at noon' : '2025-02-30T25:61:00+07:00', data: { user_id: 'U000001', session_id: `SES-BAD-${n}` } };
      field = 'time';
      break;
  }
  return { event, injection: { id, kind, type, field, appended_at: time } };
}
