/** Shared shapes of the demo platform's simulator. */
import type { EventType, WireMoney } from '../contract/events.ts';
import type { Catalog, ExperimentDef, Gateway, TaxRule } from './catalog.ts';
import type { UserTable } from './users.ts';

/** An event before it gets its id: time (UTC ms), type and payload. */
export interface RawEvent {
  t: number;
  type: EventType;
  subject?: string;
  /** envelope source override (error.occurred uses the failing service) */
  source?: string;
  data: Record<string, unknown>;
}

export interface OrderItem { product: number; qty: number; unit: number; subtotal: number }
export interface TaxLineRec { rule: TaxRule; taxable: number; tax: number }

/** The compact record of an order kept per day; every follow-up event is derived from it. */
export interface OrderRec {
  orderId: string;
  paymentId: string;
  gatewayTxnId: string;
  user: number;
  userId: string;
  seller: number;
  currency: 'VND' | 'USD';
  gateway: Gateway;
  method: string;
  placedAt: number;
  capturedAt: number;
  items: OrderItem[];
  subtotal: number;
  taxTotal: number;
  total: number;
  taxLines: TaxLineRec[];
  sessionId: string;
  device: string;
  trafficSource: string;
  /** follow-up plan; 0 = does not happen */
  cancelAt: number;
  cancelReason: string;
  completeAt: number;
  refundAt: number;
  refundAmount: number;
  refundReason: string;
  refundId: string;
  refundTxnId: string;
  escrowAt: number;
  escrowAmount: number;
}

export interface Incident {
  kind: 'gateway_outage';
  gateway: Gateway;
  start: number;
  end: number;
  failureCode: string;
  failureRate: number;
}

/** A payment-method outage on one device: attempts with one of `methods` on `device` fail with `failureCode`. */
export interface PaymentOutage {
  kind: 'payment_method_outage';
  device: string;
  methods: readonly string[];
  start: number;
  end: number;
  failureCode: string;
  failureRate: number;
}

export interface RunningExperiment { def: ExperimentDef; startMs: number }

export interface IdAllocator {
  order(): string;
  payment(): string;
  cart(): string;
}

/** Everything a session simulation needs. */
export interface SimEnv {
  catalog: Catalog;
  users: UserTable;
  experiments: readonly RunningExperiment[];
  incidents: readonly Incident[];
  outages?: readonly PaymentOutage[];
  ids: IdAllocator;
  /** live GMV drop: return true to turn a would-be order into a failed payment */
  dropOrder?: () => boolean;
}

export interface SessionSpec {
  sessionId: string;
  start: number;
  /** user index, or -1 for an anonymous visitor */
  user: number;
  registration: boolean;
  device: number;
  source: number;
  /** currency of an anonymous visitor */
  currency: 'VND' | 'USD';
}

export interface SettlementRecord {
  gateway: Gateway;
  gateway_txn_id: string;
  payment_id: string | null;
  order_id: string | null;
  record_type: 'settlement' | 'refund' | 'chargeback' | 'fee' | 'payout_total';
  amount: string;
  currency: string;
  fee: string;
  net: string;
  settled_at: string;
}

export interface LedgerCapture {
  payment_id: string;
  order_id: string;
  gateway: Gateway;
  gateway_txn_id: string;
  amount: string;
  currency: string;
  captured_at: string;
}

export interface SettlementInjection {
  date: string;
  gateway: Gateway;
  kind: 'amount_mismatch' | 'internal_only' | 'gateway_only' | 'duplicate' | 'currency_mismatch' | 'fee_row' | 'chargeback';
  payment_id: string | null;
  order_id: string | null;
  gateway_txn_id: string;
  /** what the internal ledger says (null for gateway-only rows) */
  expected: WireMoney | null;
  /** what the settlement report says (null for internal-only) */
  actual: WireMoney | null;
}

export interface SettlementTiming {
  payment_id: string;
  order_id: string;
  gateway: Gateway;
  gateway_txn_id: string;
  captured_date: string;
  settled_date: string;
  amount: WireMoney;
}

export interface LedgerInjection {
  date: string;
  kind: 'missing_in_ledger' | 'amount_mismatch';
  payment_id: string;
  order_id: string;
  gateway: Gateway;
  event_amount: WireMoney;
  ledger_amount: WireMoney | null;
}

export interface PayoutInjection {
  week: string;
  seller_id: string;
  currency: string;
  kind: 'underpayment' | 'overpayment';
  expected: WireMoney;
  disbursed: WireMoney;
  difference: WireMoney;
}

export interface MalformedInjection {
  id: string;
  kind: 'bad_money' | 'unknown_type' | 'missing_field' | 'bad_time';
  type: string;
  /** the field validateEvent reports */
  field: string;
  appended_at: string;
}

export interface Injections {
  params: { seed: number; days: number; users: number; start_date: string; end_date: string; timezone: string; cutoff: string };
  settlements: SettlementInjection[];
  settlement_timing: SettlementTiming[];
  ledger: LedgerInjection[];
  payouts: PayoutInjection[];
  incidents: { kind: string; gateway: string; start: string; end: string; failure_code: string; failure_rate: number }[];
  /** opt-in (--dropoff-incident): payment-method outages on one device, raising checkout drop-off */
  payment_outages: { kind: string; device: string; methods: string[]; start: string; end: string; failure_code: string; failure_rate: number }[];
  malformed: MalformedInjection[];
  gmv_drops: { on: boolean; factor: number; at: string }[];
}
