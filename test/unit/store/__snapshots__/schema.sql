-- index alerts_fired_at on alerts
CREATE INDEX alerts_fired_at ON alerts (fired_at);

-- index customers_registered_at on customers
CREATE INDEX customers_registered_at ON customers (registered_at);

-- index escrow_releases_seller_time on escrow_releases
CREATE INDEX escrow_releases_seller_time ON escrow_releases (seller_id, time);

-- index events_type_time on events
CREATE INDEX events_type_time ON events (type, time);

-- index orders_completed_at on orders
CREATE INDEX orders_completed_at ON orders (completed_at);

-- index orders_placed_at on orders
CREATE INDEX orders_placed_at ON orders (placed_at);

-- index payments_order on payments
CREATE INDEX payments_order ON payments (order_id);

-- index payments_time on payments
CREATE INDEX payments_time ON payments (time);

-- index payout_disbursements_seller_week on payout_disbursements
CREATE INDEX payout_disbursements_seller_week ON payout_disbursements (seller_id, week);

-- index quarantine_dedup on quarantine
CREATE UNIQUE INDEX quarantine_dedup ON quarantine (origin, location, raw_hash);

-- index refunds_time on refunds
CREATE INDEX refunds_time ON refunds (time);

-- index seller_penalties_seller_time on seller_penalties
CREATE INDEX seller_penalties_seller_time ON seller_penalties (seller_id, time);

-- index tax_lines_time on tax_lines
CREATE INDEX tax_lines_time ON tax_lines (time);

-- table alerts on alerts
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  rule            TEXT NOT NULL,
  severity        TEXT NOT NULL CHECK (severity IN ('P1', 'P2', 'P3')),
  title           TEXT NOT NULL,
  message         TEXT NOT NULL,
  fired_at        INTEGER NOT NULL,
  "values"        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid("values")),
  runbook_url     TEXT,
  acknowledged_at INTEGER
) STRICT;

-- table audit_log on audit_log
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id TEXT,
  before    TEXT,
  after     TEXT
) STRICT;

-- table customers on customers
CREATE TABLE customers (
  user_id        TEXT PRIMARY KEY,
  registered_at  INTEGER NOT NULL,
  device         TEXT,
  traffic_source TEXT,
  country        TEXT NOT NULL,
  event_id       TEXT NOT NULL
) STRICT;

-- table escrow_releases on escrow_releases
CREATE TABLE escrow_releases (
  escrow_id           TEXT PRIMARY KEY,
  order_id            TEXT NOT NULL,
  seller_id           TEXT NOT NULL,
  amount              INTEGER NOT NULL,
  currency            TEXT NOT NULL,
  commission_rate_bps INTEGER NOT NULL,
  fee                 INTEGER,
  time                INTEGER NOT NULL,
  event_id            TEXT NOT NULL
) STRICT;

-- table events on events
CREATE TABLE events (
  seq            INTEGER PRIMARY KEY,
  id_hash        INTEGER NOT NULL UNIQUE,
  id             TEXT NOT NULL,
  type           TEXT NOT NULL,
  source         TEXT NOT NULL,
  time           INTEGER NOT NULL,
  subject        TEXT,
  session_id     TEXT,
  user_id        TEXT,
  device         TEXT,
  traffic_source TEXT,
  category       TEXT,
  amount         INTEGER,
  currency       TEXT,
  code           TEXT,
  experiment_id  TEXT,
  variant        TEXT,
  ref            TEXT,
  data           TEXT NOT NULL,
  origin         TEXT,
  ingested_at    INTEGER
) STRICT;

-- table order_items on order_items
CREATE TABLE order_items (
  order_id   TEXT NOT NULL,
  item_no    INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  category   TEXT NOT NULL,
  seller_id  TEXT,
  quantity   INTEGER NOT NULL,
  unit_price INTEGER NOT NULL,
  currency   TEXT NOT NULL,
  time       INTEGER NOT NULL,
  PRIMARY KEY (order_id, item_no)
) STRICT, WITHOUT ROWID;

-- table order_lines on order_lines
CREATE TABLE order_lines (
  order_id   TEXT NOT NULL,
  line_id    TEXT NOT NULL,
  line_no    INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  name       TEXT NOT NULL,
  category   TEXT NOT NULL,
  quantity   INTEGER NOT NULL,
  unit_price INTEGER NOT NULL,
  subtotal   INTEGER NOT NULL,
  currency   TEXT NOT NULL,
  time       INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_id)
) STRICT, WITHOUT ROWID;

-- table orders on orders
CREATE TABLE orders (
  order_id          TEXT PRIMARY KEY,
  user_id           TEXT,
  seller_id         TEXT,
  session_id        TEXT,
  device            TEXT,
  traffic_source    TEXT,
  currency          TEXT,
  placed_at         INTEGER,
  total             INTEGER,
  shipping_fee      INTEGER,
  completed_at      INTEGER,
  subtotal          INTEGER,
  tax_total         INTEGER,
  invoice_total     INTEGER,
  seller_vat_number TEXT,
  buyer_name        TEXT,
  buyer_tax_id      TEXT,
  buyer_address     TEXT,
  cancelled_at      INTEGER,
  cancel_reason     TEXT,
  status            TEXT GENERATED ALWAYS AS (
    CASE
      WHEN cancelled_at IS NOT NULL AND (completed_at IS NULL OR cancelled_at >= completed_at) THEN 'cancelled'
      WHEN completed_at IS NOT NULL THEN 'completed'
      ELSE 'placed'
    END) VIRTUAL
) STRICT;

-- table payments on payments
CREATE TABLE payments (
  payment_id      TEXT PRIMARY KEY,
  order_id        TEXT,
  user_id         TEXT,
  gateway         TEXT NOT NULL,
  gateway_txn_id  TEXT,
  method          TEXT,
  amount          INTEGER NOT NULL,
  currency        TEXT NOT NULL,
  captured_at     INTEGER,
  failed_at       INTEGER,
  failure_code    TEXT,
  failure_message TEXT,
  status          TEXT GENERATED ALWAYS AS (CASE WHEN captured_at IS NOT NULL THEN 'captured' ELSE 'failed' END) VIRTUAL,
  time            INTEGER GENERATED ALWAYS AS (coalesce(captured_at, failed_at)) VIRTUAL
) STRICT;

-- table payout_disbursements on payout_disbursements
CREATE TABLE payout_disbursements (
  disbursement_id TEXT PRIMARY KEY,
  seller_id       TEXT NOT NULL,
  week            TEXT NOT NULL,
  amount          INTEGER NOT NULL,
  currency        TEXT NOT NULL,
  transfer_ref    TEXT NOT NULL,
  time            INTEGER NOT NULL,
  event_id        TEXT NOT NULL
) STRICT;

-- table quarantine on quarantine
CREATE TABLE quarantine (
  id             INTEGER PRIMARY KEY,
  origin         TEXT NOT NULL,
  location       TEXT NOT NULL,
  event_id       TEXT,
  event_type     TEXT,
  field          TEXT NOT NULL,
  reason         TEXT NOT NULL,
  raw            TEXT NOT NULL,
  raw_hash       INTEGER NOT NULL,
  quarantined_at INTEGER NOT NULL
) STRICT;

-- table refunds on refunds
CREATE TABLE refunds (
  refund_id      TEXT PRIMARY KEY,
  payment_id     TEXT NOT NULL,
  order_id       TEXT NOT NULL,
  gateway        TEXT NOT NULL,
  gateway_txn_id TEXT,
  amount         INTEGER NOT NULL,
  currency       TEXT NOT NULL,
  reason         TEXT NOT NULL,
  time           INTEGER NOT NULL,
  event_id       TEXT NOT NULL
) STRICT;

-- table schema_migrations on schema_migrations
CREATE TABLE schema_migrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT;

-- table seller_penalties on seller_penalties
CREATE TABLE seller_penalties (
  penalty_id TEXT PRIMARY KEY,
  seller_id  TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  currency   TEXT NOT NULL,
  reason     TEXT NOT NULL,
  time       INTEGER NOT NULL,
  event_id   TEXT NOT NULL
) STRICT;

-- table settings on settings
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value))
) STRICT;

-- table sync_state on sync_state
CREATE TABLE sync_state (
  source          TEXT PRIMARY KEY,
  cursor          TEXT,
  updated_at      INTEGER NOT NULL,
  last_synced_at  INTEGER,
  last_event_time INTEGER
) STRICT;

-- table tax_lines on tax_lines
CREATE TABLE tax_lines (
  order_id       TEXT NOT NULL,
  line_no        INTEGER NOT NULL,
  jurisdiction   TEXT NOT NULL,
  country        TEXT NOT NULL,
  state          TEXT,
  tax_code       TEXT NOT NULL,
  tax_rate       TEXT NOT NULL,
  taxable_amount INTEGER NOT NULL,
  tax_amount     INTEGER NOT NULL,
  currency       TEXT NOT NULL,
  time           INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;

-- trigger audit_log_no_delete on audit_log
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- trigger audit_log_no_update on audit_log
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
