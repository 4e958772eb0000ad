/**
 * Kysely table types for every table created by the migrations. Money columns are integer minor
 * units with a currency column beside them; times are UTC epoch ms.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Read-only column computed by SQLite (GENERATED ALWAYS AS ...). */
type Computed<T> = ColumnType<T, never, never>;

export interface EventsTable {
  seq: Generated<number>;
  id_hash: number;
  id: string;
  type: string;
  source: string;
  time: number;
  subject: string | null;
  session_id: string | null;
  user_id: string | null;
  device: string | null;
  traffic_source: string | null;
  category: string | null;
  amount: number | null;
  currency: string | null;
  code: string | null;
  experiment_id: string | null;
  variant: string | null;
  ref: string | null;
  /** the validated payload, JSON */
  data: string;
  /** "sync:<platform url>" or "file:<name>" */
  origin: string | null;
  ingested_at: number | null;
}

export interface OrdersTable {
  order_id: string;
  user_id: string | null;
  seller_id: string | null;
  session_id: string | null;
  device: string | null;
  traffic_source: string | null;
  currency: string | null;
  /** order.placed */
  placed_at: number | null;
  total: number | null;
  shipping_fee: number | null;
  /** order.completed (the tax invoice) */
  completed_at: number | null;
  subtotal: number | null;
  tax_total: number | null;
  invoice_total: number | null;
  seller_vat_number: string | null;
  buyer_name: string | null;
  buyer_tax_id: string | null;
  buyer_address: string | null;
  /** order.cancelled */
  cancelled_at: number | null;
  cancel_reason: string | null;
  status: Computed<'placed' | 'completed' | 'cancelled'>;
}

/** Items of order.placed. */
export interface OrderItemsTable {
  order_id: string;
  item_no: number;
  product_id: string;
  category: string;
  seller_id: string | null;
  quantity: number;
  unit_price: number;
  currency: string;
  time: number;
}

/** Invoice lines of order.completed. */
export interface OrderLinesTable {
  order_id: string;
  line_id: string;
  line_no: number;
  product_id: string;
  name: string;
  category: string;
  quantity: number;
  unit_price: number;
  subtotal: number;
  currency: string;
  time: number;
}

export interface TaxLinesTable {
  order_id: string;
  line_no: number;
  jurisdiction: string;
  country: string;
  state: string | null;
  tax_code: string;
  /** decimal string, e.g. "0.10" */
  tax_rate: string;
  taxable_amount: number;
  tax_amount: number;
  currency: string;
  time: number;
}

export interface PaymentsTable {
  payment_id: string;
  order_id: string | null;
  user_id: string | null;
  gateway: string;
  gateway_txn_id: string | null;
  method: string | null;
  amount: number;
  currency: string;
  captured_at: number | null;
  failed_at: number | null;
  failure_code: string | null;
  failure_message: string | null;
  status: Computed<'captured' | 'failed'>;
  /** captured_at ?? failed_at */
  time: Computed<number>;
}

export interface RefundsTable {
  refund_id: string;
  payment_id: string;
  order_id: string;
  gateway: string;
  gateway_txn_id: string | null;
  amount: number;
  currency: string;
  reason: string;
  time: number;
  event_id: string;
}

export interface CustomersTable {
  user_id: string;
  registered_at: number;
  device: string | null;
  traffic_source: string | null;
  country: string;
  event_id: string;
}

export interface EscrowReleasesTable {
  escrow_id: string;
  order_id: string;
  seller_id: string;
  amount: number;
  currency: string;
  commission_rate_bps: number;
  /** in `currency`; null when the event had none */
  fee: number | null;
  time: number;
  event_id: string;
}

export interface SellerPenaltiesTable {
  penalty_id: string;
  seller_id: string;
  amount: number;
  currency: string;
  reason: string;
  time: number;
  event_id: string;
}

export interface PayoutDisbursementsTable {
  disbursement_id: string;
  seller_id: string;
  /** ISO week, "2026-W47" */
  week: string;
  amount: number;
  currency: string;
  transfer_ref: string;
  time: number;
  event_id: string;
}

export interface QuarantineTable {
  id: Generated<number>;
  origin: string;
  /** "cursor <c> #<index>" for sync, "row <n>" (1-based) for files */
  location: string;
  event_id: string | null;
  event_type: string | null;
  field: string;
  reason: string;
  /** the input exactly as received */
  raw: string;
  raw_hash: number;
  quarantined_at: number;
}

export interface SyncStateTable {
  source: string;
  cursor: string | null;
  updated_at: number;
  last_synced_at: number | null;
  last_event_time: number | null;
}

export interface SettingsTable {
  key: string;
  /** JSON */
  value: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  /** JSON */
  before: string | null;
  /** JSON */
  after: string | null;
}

export interface AlertsTable {
  id: Generated<number>;
  rule: string;
  severity: 'P1' | 'P2' | 'P3';
  title: string;
  message: string;
  fired_at: number;
  /** JSON object */
  values: ColumnType<string, string | undefined, string>;
  runbook_url: string | null;
  acknowledged_at: number | null;
}

export interface SchemaMigrationsTable {
  id: number;
  name: string;
  applied_at: number;
}

export interface DB {
  events: EventsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  order_lines: OrderLinesTable;
  tax_lines: TaxLinesTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  customers: CustomersTable;
  escrow_releases: EscrowReleasesTable;
  seller_penalties: SellerPenaltiesTable;
  payout_disbursements: PayoutDisbursementsTable;
  quarantine: QuarantineTable;
  sync_state: SyncStateTable;
  settings: SettingsTable;
  audit_log: AuditLogTable;
  alerts: AlertsTable;
  schema_migrations: SchemaMigrationsTable;
}

export type EventRow = Selectable<EventsTable>;
export type OrderRow = Selectable<OrdersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type QuarantineDbRow = Selectable<QuarantineTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
export type AlertRow = Selectable<AlertsTable>;
