-- index alerts_fired_at on alerts
CREATE INDEX alerts_fired_at ON alerts (fired_at);

-- index cohort_runs_schedule on cohort_runs
CREATE INDEX cohort_runs_schedule ON cohort_runs (schedule_month);

-- index customers_registered_at on customers
CREATE INDEX customers_registered_at ON customers (registered_at);

-- index dropoff_evaluations_end on dropoff_evaluations
CREATE INDEX dropoff_evaluations_end ON dropoff_evaluations (window_end);

-- index escrow_releases_seller_time on escrow_releases
CREATE INDEX escrow_releases_seller_time ON escrow_releases (seller_id, time);

-- index event_log_type_time on event_log
CREATE INDEX event_log_type_time ON event_log (type, time);

-- index funnel_reports_funnel_period on funnel_reports
CREATE INDEX funnel_reports_funnel_period ON funnel_reports (funnel_id, period_end);

-- index orders_completed_at on orders
CREATE INDEX orders_completed_at ON orders (completed_at);

-- index orders_placed_at on orders
CREATE INDEX orders_placed_at ON orders (placed_at);

-- index payments_order on payments
CREATE INDEX payments_order ON payments (order_id);

-- index payments_time on payments
CREATE INDEX payments_time ON payments (time);

-- index payout_deductions_seller on payout_deductions
CREATE INDEX payout_deductions_seller ON payout_deductions (seller_id, currency);

-- index payout_disbursements_seller_week on payout_disbursements
CREATE INDEX payout_disbursements_seller_week ON payout_disbursements (seller_id, week);

-- index payout_lines_seller on payout_lines
CREATE INDEX payout_lines_seller ON payout_lines (seller_id, run_id);

-- index payout_runs_week on payout_runs
CREATE INDEX payout_runs_week ON payout_runs (week, id);

-- index payout_ticket_events_ticket on payout_ticket_events
CREATE INDEX payout_ticket_events_ticket ON payout_ticket_events (ticket_id, id);

-- index quarantine_dedup on quarantine
CREATE UNIQUE INDEX quarantine_dedup ON quarantine (origin, location, raw_hash);

-- index recon_items_key on recon_items
CREATE INDEX recon_items_key ON recon_items (record_key, run_id);

-- index recon_items_review on recon_items
CREATE INDEX recon_items_review ON recon_items (run_id, review, status);

-- index recon_resolutions_key on recon_resolutions
CREATE INDEX recon_resolutions_key ON recon_resolutions (record_key, id);

-- index recon_run_inputs_lookup on recon_run_inputs
CREATE INDEX recon_run_inputs_lookup ON recon_run_inputs (kind, gateway, business_date);

-- index recon_runs_date on recon_runs
CREATE INDEX recon_runs_date ON recon_runs (business_date, id);

-- index refunds_time on refunds
CREATE INDEX refunds_time ON refunds (time);

-- index rfm_customers_customer on rfm_customers
CREATE INDEX rfm_customers_customer ON rfm_customers (customer_id, run_id);

-- index rfm_runs_as_of on rfm_runs
CREATE INDEX rfm_runs_as_of ON rfm_runs (as_of, id);

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

-- table cohort_runs on cohort_runs
CREATE TABLE cohort_runs (
  id             INTEGER PRIMARY KEY,
  created_at     INTEGER NOT NULL,
  trigger        TEXT NOT NULL CHECK (trigger IN ('scheduled', 'on_demand')),
  -- the business month a scheduled run belongs to ('YYYY-MM'); NULL for on-demand runs
  schedule_month TEXT,
  params         TEXT NOT NULL CHECK (json_valid(params)),
  watermark_seq  INTEGER NOT NULL,
  watermark_time INTEGER,
  input_hash     TEXT NOT NULL,
  summary        TEXT NOT NULL CHECK (json_valid(summary)),
  UNIQUE (input_hash, trigger)
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

-- table dropoff_evaluations on dropoff_evaluations
CREATE TABLE dropoff_evaluations (
  id                INTEGER PRIMARY KEY,
  watch_id          TEXT NOT NULL,
  window_start      INTEGER NOT NULL,
  window_end        INTEGER NOT NULL,
  evaluated_at      INTEGER NOT NULL,
  origin            TEXT NOT NULL,
  fired             INTEGER NOT NULL CHECK (fired IN (0, 1)),
  entered           INTEGER NOT NULL,
  dropped           INTEGER NOT NULL,
  rate              REAL,
  baseline_rate     REAL,
  excess_pp         REAL,
  alert_id          INTEGER,
  investigation     TEXT NOT NULL CHECK (json_valid(investigation)),
  review_flagged_at INTEGER,
  review_note       TEXT,
  review_actor      TEXT,
  UNIQUE (watch_id, window_end)
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

-- table event_log on event_log
CREATE TABLE event_log (
  seq              INTEGER PRIMARY KEY,
  id_hash          INTEGER NOT NULL,
  id               TEXT NOT NULL,
  type             TEXT NOT NULL,
  s_source         INTEGER NOT NULL,
  time             INTEGER NOT NULL,
  subject          TEXT,
  session_id       TEXT,
  user_id          TEXT,
  s_device         INTEGER,
  s_traffic_source INTEGER,
  s_category       INTEGER,
  amount           INTEGER,
  s_currency       INTEGER,
  s_code           INTEGER,
  s_experiment_id  INTEGER,
  s_variant        INTEGER,
  ref              TEXT,
  data             TEXT NOT NULL,
  s_origin         INTEGER,
  ingested_at      INTEGER
) STRICT;

-- table event_strings on event_strings
CREATE TABLE event_strings (
  code  INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE
) STRICT;

-- table funnel_reports on funnel_reports
CREATE TABLE funnel_reports (
  id             INTEGER PRIMARY KEY,
  funnel_id      TEXT NOT NULL,
  funnel_name    TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  period_start   INTEGER NOT NULL,
  period_end     INTEGER NOT NULL,
  params         TEXT NOT NULL CHECK (json_valid(params)),
  watermark_seq  INTEGER NOT NULL,
  watermark_time INTEGER,
  input_hash     TEXT NOT NULL UNIQUE,
  report         TEXT NOT NULL CHECK (json_valid(report))
) STRICT;

-- table funnels on funnels
CREATE TABLE funnels (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  definition TEXT NOT NULL CHECK (json_valid(definition)),
  scheduled  INTEGER NOT NULL DEFAULT 0 CHECK (scheduled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
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

-- table payout_blobs on payout_blobs
CREATE TABLE payout_blobs (
  sha256    TEXT PRIMARY KEY,
  bytes     INTEGER NOT NULL,
  content   BLOB NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

-- table payout_deduction_applications on payout_deduction_applications
CREATE TABLE payout_deduction_applications (
  run_id       INTEGER NOT NULL REFERENCES payout_runs (id),
  deduction_id INTEGER NOT NULL REFERENCES payout_deductions (id),
  week         TEXT NOT NULL,
  amount       INTEGER NOT NULL CHECK (amount > 0),
  PRIMARY KEY (run_id, deduction_id)
) STRICT;

-- table payout_deduction_waivers on payout_deduction_waivers
CREATE TABLE payout_deduction_waivers (
  deduction_id INTEGER PRIMARY KEY REFERENCES payout_deductions (id),
  from_week    TEXT NOT NULL,
  note         TEXT NOT NULL CHECK (length(trim(note)) > 0),
  actor        TEXT NOT NULL,
  waived_at    INTEGER NOT NULL
) STRICT;

-- table payout_deductions on payout_deductions
CREATE TABLE payout_deductions (
  id          INTEGER PRIMARY KEY,
  ticket_id   INTEGER NOT NULL UNIQUE REFERENCES payout_tickets (id),
  seller_id   TEXT NOT NULL,
  currency    TEXT NOT NULL,
  amount      INTEGER NOT NULL CHECK (amount > 0),
  origin_week TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
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

-- table payout_findings on payout_findings
CREATE TABLE payout_findings (
  run_id          INTEGER NOT NULL REFERENCES payout_runs (id),
  seq             INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  disbursement_id TEXT NOT NULL,
  seller_id       TEXT NOT NULL,
  currency        TEXT NOT NULL,
  detail          TEXT NOT NULL CHECK (json_valid(detail)),
  PRIMARY KEY (run_id, seq)
) STRICT;

-- table payout_lines on payout_lines
CREATE TABLE payout_lines (
  run_id      INTEGER NOT NULL REFERENCES payout_runs (id),
  key         TEXT NOT NULL,
  seller_id   TEXT NOT NULL,
  currency    TEXT NOT NULL,
  expected    INTEGER NOT NULL,
  disbursed   INTEGER NOT NULL,
  difference  INTEGER NOT NULL,
  status      TEXT NOT NULL,
  detail      TEXT NOT NULL CHECK (json_valid(detail)),
  PRIMARY KEY (run_id, key)
) STRICT;

-- table payout_run_inputs on payout_run_inputs
CREATE TABLE payout_run_inputs (
  run_id  INTEGER NOT NULL REFERENCES payout_runs (id),
  seq     INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  origin  TEXT NOT NULL,
  sha256  TEXT,
  rows    INTEGER NOT NULL,
  note    TEXT,
  PRIMARY KEY (run_id, seq)
) STRICT;

-- table payout_runs on payout_runs
CREATE TABLE payout_runs (
  id                INTEGER PRIMARY KEY,
  week              TEXT NOT NULL,
  trigger           TEXT NOT NULL,
  actor             TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'error')),
  started_at        INTEGER NOT NULL,
  finished_at       INTEGER,
  rules_version     TEXT NOT NULL,
  params            TEXT NOT NULL CHECK (json_valid(params)),
  inputs_sha256     TEXT,
  counts            TEXT CHECK (counts IS NULL OR json_valid(counts)),
  totals            TEXT CHECK (totals IS NULL OR json_valid(totals)),
  report_sha256     TEXT,
  line_count        INTEGER NOT NULL DEFAULT 0,
  discrepancy_count INTEGER NOT NULL DEFAULT 0,
  finding_count     INTEGER NOT NULL DEFAULT 0,
  alert             INTEGER NOT NULL DEFAULT 0,
  alert_id          INTEGER,
  error             TEXT
) STRICT;

-- table payout_schedule on payout_schedule
CREATE TABLE payout_schedule (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  last_week TEXT,
  run_id    INTEGER,
  at        INTEGER
) STRICT;

-- table payout_ticket_events on payout_ticket_events
CREATE TABLE payout_ticket_events (
  id         INTEGER PRIMARY KEY,
  ticket_id  INTEGER NOT NULL REFERENCES payout_tickets (id),
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  from_state TEXT,
  to_state   TEXT,
  note       TEXT,
  run_id     INTEGER
) STRICT;

-- table payout_tickets on payout_tickets
CREATE TABLE payout_tickets (
  id          INTEGER PRIMARY KEY,
  week        TEXT NOT NULL,
  seller_id   TEXT NOT NULL,
  currency    TEXT NOT NULL,
  direction   TEXT NOT NULL CHECK (direction IN ('underpayment', 'overpayment')),
  expected    INTEGER NOT NULL,
  disbursed   INTEGER NOT NULL,
  difference  INTEGER NOT NULL,
  run_id      INTEGER NOT NULL REFERENCES payout_runs (id),
  state       TEXT NOT NULL CHECK (state IN ('open', 'in_review', 'resolved')),
  opened_at   INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  UNIQUE (week, seller_id, currency)
) STRICT;

-- table payout_transfers on payout_transfers
CREATE TABLE payout_transfers (
  id                   INTEGER PRIMARY KEY,
  ticket_id            INTEGER NOT NULL UNIQUE REFERENCES payout_tickets (id),
  seller_id            TEXT NOT NULL,
  amount               INTEGER NOT NULL CHECK (amount > 0),
  currency             TEXT NOT NULL,
  reason               TEXT NOT NULL,
  idempotency_key      TEXT NOT NULL UNIQUE,
  status               TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'sent', 'cancelled')),
  proposed_at          INTEGER NOT NULL,
  approved_by          TEXT,
  approved_at          INTEGER,
  sent_at              INTEGER,
  attempts             INTEGER NOT NULL DEFAULT 0,
  last_error           TEXT,
  platform_transfer_id TEXT,
  transfer_ref         TEXT,
  response             TEXT CHECK (response IS NULL OR json_valid(response))
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

-- table recon_blobs on recon_blobs
CREATE TABLE recon_blobs (
  sha256    TEXT PRIMARY KEY,
  bytes     INTEGER NOT NULL,
  content   BLOB NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

-- table recon_items on recon_items
CREATE TABLE recon_items (
  run_id          INTEGER NOT NULL REFERENCES recon_runs (id),
  seq             INTEGER NOT NULL,
  record_key      TEXT NOT NULL,
  status          TEXT NOT NULL,
  review          TEXT NOT NULL CHECK (review IN ('none', 'pending', 'exception')),
  record_type     TEXT NOT NULL,
  gateway         TEXT NOT NULL,
  payment_id      TEXT,
  order_id        TEXT,
  gateway_txn_id  TEXT,
  currency        TEXT NOT NULL,
  captured        INTEGER,
  settled         INTEGER,
  settled_currency TEXT,
  discrepancy     INTEGER,
  event_amount    INTEGER,
  fee             INTEGER,
  fee_currency    TEXT,
  captured_date   TEXT,
  settled_date    TEXT,
  age_days        INTEGER,
  exception_abs   INTEGER NOT NULL,
  note            TEXT NOT NULL,
  settlement_ref  TEXT,
  ledger_ref      TEXT,
  event_ref       TEXT,
  fingerprint     TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

-- table recon_resolutions on recon_resolutions
CREATE TABLE recon_resolutions (
  id           INTEGER PRIMARY KEY,
  record_key   TEXT NOT NULL,
  action       TEXT NOT NULL CHECK (action IN ('resolve', 'reopen')),
  kind         TEXT CHECK (kind IS NULL OR kind IN ('write_off', 'manual_match', 'timing')),
  note         TEXT NOT NULL,
  matched_to   TEXT,
  fingerprint  TEXT,
  run_id       INTEGER NOT NULL,
  actor        TEXT NOT NULL,
  at           INTEGER NOT NULL
) STRICT;

-- table recon_run_inputs on recon_run_inputs
CREATE TABLE recon_run_inputs (
  run_id        INTEGER NOT NULL REFERENCES recon_runs (id),
  seq           INTEGER NOT NULL,
  kind          TEXT NOT NULL,
  gateway       TEXT,
  business_date TEXT NOT NULL,
  origin        TEXT NOT NULL,
  name          TEXT NOT NULL,
  format        TEXT NOT NULL,
  adapter       TEXT,
  sha256        TEXT,
  rows          INTEGER NOT NULL,
  errors        INTEGER NOT NULL,
  skipped       INTEGER NOT NULL DEFAULT 0,
  note          TEXT,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

-- table recon_runs on recon_runs
CREATE TABLE recon_runs (
  id                INTEGER PRIMARY KEY,
  business_date     TEXT NOT NULL,
  trigger           TEXT NOT NULL,
  actor             TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'error')),
  started_at        INTEGER NOT NULL,
  finished_at       INTEGER,
  rules_version     TEXT NOT NULL,
  params            TEXT NOT NULL CHECK (json_valid(params)),
  summary           TEXT CHECK (summary IS NULL OR json_valid(summary)),
  report_sha256     TEXT,
  item_count        INTEGER NOT NULL DEFAULT 0,
  exception_count   INTEGER NOT NULL DEFAULT 0,
  open_discrepancy  INTEGER,
  total_currency    TEXT,
  alert_id          INTEGER,
  data_watermark    INTEGER,
  error             TEXT
) STRICT;

-- table recon_schedule on recon_schedule
CREATE TABLE recon_schedule (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  last_date   TEXT,
  last_run_id INTEGER,
  updated_at  INTEGER NOT NULL
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

-- table rfm_customers on rfm_customers
CREATE TABLE rfm_customers (
  run_id        INTEGER NOT NULL REFERENCES rfm_runs (id),
  customer_id   TEXT NOT NULL,
  last_order_at INTEGER NOT NULL,
  recency_days  INTEGER NOT NULL,
  frequency     INTEGER NOT NULL,
  monetary      INTEGER NOT NULL,
  r             INTEGER NOT NULL CHECK (r BETWEEN 1 AND 5),
  f             INTEGER NOT NULL CHECK (f BETWEEN 1 AND 5),
  m             INTEGER NOT NULL CHECK (m BETWEEN 1 AND 5),
  segment       TEXT NOT NULL,
  PRIMARY KEY (run_id, customer_id)
) STRICT, WITHOUT ROWID;

-- table rfm_push_batches on rfm_push_batches
CREATE TABLE rfm_push_batches (
  push_id         INTEGER NOT NULL REFERENCES rfm_pushes (id),
  batch_no        INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  body            TEXT NOT NULL CHECK (json_valid(body)),
  customers       INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sent')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  sent_at         INTEGER,
  response        TEXT,
  PRIMARY KEY (push_id, batch_no)
) STRICT;

-- table rfm_push_state on rfm_push_state
CREATE TABLE rfm_push_state (
  customer_id TEXT PRIMARY KEY,
  segment     TEXT NOT NULL,
  run_id      INTEGER NOT NULL,
  push_id     INTEGER NOT NULL,
  pushed_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- table rfm_pushes on rfm_pushes
CREATE TABLE rfm_pushes (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES rfm_runs (id),
  platform_url TEXT NOT NULL,
  actor        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  changes      INTEGER NOT NULL,
  batches      INTEGER NOT NULL,
  sent_batches INTEGER NOT NULL DEFAULT 0,
  attempts     INTEGER NOT NULL DEFAULT 0,
  error        TEXT
) STRICT;

-- table rfm_runs on rfm_runs
CREATE TABLE rfm_runs (
  id               INTEGER PRIMARY KEY,
  as_of            TEXT NOT NULL,
  trigger          TEXT NOT NULL,
  actor            TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('running', 'done', 'error')),
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  params           TEXT NOT NULL CHECK (json_valid(params)),
  watermark_seq    INTEGER,
  watermark_time   INTEGER,
  watermark_events INTEGER,
  inputs_hash      TEXT,
  result_hash      TEXT,
  customers        INTEGER,
  summary          TEXT CHECK (summary IS NULL OR json_valid(summary)),
  error            TEXT
) STRICT;

-- table rfm_schedule on rfm_schedule
CREATE TABLE rfm_schedule (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  weekday     INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
  hour        INTEGER NOT NULL DEFAULT 3 CHECK (hour BETWEEN 0 AND 23),
  minute      INTEGER NOT NULL DEFAULT 0 CHECK (minute BETWEEN 0 AND 59),
  auto_push   INTEGER NOT NULL DEFAULT 1 CHECK (auto_push IN (0, 1)),
  last_week   TEXT,
  last_run_id INTEGER,
  updated_at  INTEGER
) STRICT;

-- table saved_segment_members on saved_segment_members
CREATE TABLE saved_segment_members (
  segment_id TEXT NOT NULL REFERENCES saved_segments (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  PRIMARY KEY (segment_id, user_id)
) STRICT, WITHOUT ROWID;

-- table saved_segments on saved_segments
CREATE TABLE saved_segments (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- where the list came from, e.g. {"kind":"cohort_cell","cohort":"2026-01","offset":1,...}
  origin     TEXT NOT NULL CHECK (json_valid(origin)),
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL
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

-- trigger events_insert on events
CREATE TRIGGER events_insert INSTEAD OF INSERT ON events
BEGIN
  INSERT OR IGNORE INTO event_strings (value)
    SELECT NEW.source WHERE NEW.source IS NOT NULL
    UNION ALL SELECT NEW.device WHERE NEW.device IS NOT NULL
    UNION ALL SELECT NEW.traffic_source WHERE NEW.traffic_source IS NOT NULL
    UNION ALL SELECT NEW.category WHERE NEW.category IS NOT NULL
    UNION ALL SELECT NEW.currency WHERE NEW.currency IS NOT NULL
    UNION ALL SELECT NEW.code WHERE NEW.code IS NOT NULL
    UNION ALL SELECT NEW.experiment_id WHERE NEW.experiment_id IS NOT NULL
    UNION ALL SELECT NEW.variant WHERE NEW.variant IS NOT NULL
    UNION ALL SELECT NEW.origin WHERE NEW.origin IS NOT NULL;
  INSERT INTO event_log (seq, id_hash, id, type, s_source, time, subject, session_id, user_id, s_device, s_traffic_source, s_category,
      amount, s_currency, s_code, s_experiment_id, s_variant, ref, data, s_origin, ingested_at)
    VALUES (NEW.seq, NEW.id_hash, NEW.id, NEW.type, (SELECT code FROM event_strings WHERE value = NEW.source), NEW.time, NEW.subject, NEW.session_id, NEW.user_id,
      (SELECT code FROM event_strings WHERE value = NEW.device), (SELECT code FROM event_strings WHERE value = NEW.traffic_source), (SELECT code FROM event_strings WHERE value = NEW.category), NEW.amount, (SELECT code FROM event_strings WHERE value = NEW.currency),
      (SELECT code FROM event_strings WHERE value = NEW.code), (SELECT code FROM event_strings WHERE value = NEW.experiment_id), (SELECT code FROM event_strings WHERE value = NEW.variant), NEW.ref, NEW.data, (SELECT code FROM event_strings WHERE value = NEW.origin), NEW.ingested_at);
END;

-- trigger payout_blobs_no_delete on payout_blobs
CREATE TRIGGER payout_blobs_no_delete BEFORE DELETE ON payout_blobs
BEGIN SELECT RAISE(ABORT, 'payout inputs are never deleted'); END;

-- trigger payout_blobs_no_update on payout_blobs
CREATE TRIGGER payout_blobs_no_update BEFORE UPDATE ON payout_blobs
BEGIN SELECT RAISE(ABORT, 'payout inputs are never edited'); END;

-- trigger payout_deduction_waivers_no_delete on payout_deduction_waivers
CREATE TRIGGER payout_deduction_waivers_no_delete BEFORE DELETE ON payout_deduction_waivers
BEGIN SELECT RAISE(ABORT, 'payout deduction waivers are never deleted'); END;

-- trigger payout_deduction_waivers_no_update on payout_deduction_waivers
CREATE TRIGGER payout_deduction_waivers_no_update BEFORE UPDATE ON payout_deduction_waivers
BEGIN SELECT RAISE(ABORT, 'payout deduction waivers are never edited'); END;

-- trigger payout_deductions_no_delete on payout_deductions
CREATE TRIGGER payout_deductions_no_delete BEFORE DELETE ON payout_deductions
BEGIN SELECT RAISE(ABORT, 'payout deductions are never deleted'); END;

-- trigger payout_deductions_no_update on payout_deductions
CREATE TRIGGER payout_deductions_no_update BEFORE UPDATE ON payout_deductions
BEGIN SELECT RAISE(ABORT, 'payout deductions are never edited'); END;

-- trigger payout_ticket_events_no_delete on payout_ticket_events
CREATE TRIGGER payout_ticket_events_no_delete BEFORE DELETE ON payout_ticket_events
BEGIN SELECT RAISE(ABORT, 'payout ticket history is append-only'); END;

-- trigger payout_ticket_events_no_update on payout_ticket_events
CREATE TRIGGER payout_ticket_events_no_update BEFORE UPDATE ON payout_ticket_events
BEGIN SELECT RAISE(ABORT, 'payout ticket history is append-only'); END;

-- trigger recon_blobs_no_delete on recon_blobs
CREATE TRIGGER recon_blobs_no_delete BEFORE DELETE ON recon_blobs
BEGIN SELECT RAISE(ABORT, 'reconciliation inputs are never deleted'); END;

-- trigger recon_blobs_no_update on recon_blobs
CREATE TRIGGER recon_blobs_no_update BEFORE UPDATE ON recon_blobs
BEGIN SELECT RAISE(ABORT, 'reconciliation inputs are never edited'); END;

-- trigger recon_resolutions_no_delete on recon_resolutions
CREATE TRIGGER recon_resolutions_no_delete BEFORE DELETE ON recon_resolutions
BEGIN SELECT RAISE(ABORT, 'recon_resolutions is append-only'); END;

-- trigger recon_resolutions_no_update on recon_resolutions
CREATE TRIGGER recon_resolutions_no_update BEFORE UPDATE ON recon_resolutions
BEGIN SELECT RAISE(ABORT, 'recon_resolutions is append-only'); END;

-- view customer_segments on customer_segments
CREATE VIEW customer_segments AS
SELECT c.customer_id AS user_id, c.segment AS segment, c.run_id AS run_id
FROM rfm_customers c
WHERE c.run_id = (SELECT id FROM rfm_runs WHERE status = 'done' ORDER BY as_of DESC, id DESC LIMIT 1);

-- view events on events
CREATE VIEW events AS
SELECT e.seq, e.id_hash, e.id, e.type, (SELECT value FROM event_strings WHERE code = e.s_source) AS source, e.time, e.subject, e.session_id, e.user_id,
  (SELECT value FROM event_strings WHERE code = e.s_device) AS device, (SELECT value FROM event_strings WHERE code = e.s_traffic_source) AS traffic_source, (SELECT value FROM event_strings WHERE code = e.s_category) AS category,
  e.amount, (SELECT value FROM event_strings WHERE code = e.s_currency) AS currency, (SELECT value FROM event_strings WHERE code = e.s_code) AS code, (SELECT value FROM event_strings WHERE code = e.s_experiment_id) AS experiment_id,
  (SELECT value FROM event_strings WHERE code = e.s_variant) AS variant, e.ref, e.data, (SELECT value FROM event_strings WHERE code = e.s_origin) AS origin, e.ingested_at
FROM event_log e;
