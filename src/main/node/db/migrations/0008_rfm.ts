/**
 * 0008: RFM segmentation (spec 3.2, docs/rfm.md): runs with their inputs and per-customer scores,
 * the weekly schedule, and the push of each customer's segment to the platform (batches with their
 * idempotency keys, the last successfully pushed state). Never edit after it has landed.
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 8,
  name: 'rfm',
  sql: `
-- One row per run: the inputs (as-of date, window, timezone, reporting currency, FX rates), the data
-- watermark, the hash of inputs + watermark (inputs_hash) and of the per-customer result (result_hash).
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
CREATE INDEX rfm_runs_as_of ON rfm_runs (as_of, id);

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
CREATE INDEX rfm_customers_customer ON rfm_customers (customer_id, run_id);

-- The weekly schedule (one row) and its watermark: the ISO week last run by the scheduler.
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
INSERT INTO rfm_schedule (id) VALUES (1);

-- A push of one run's changed segments; its batches are fixed (body and idempotency key) before the
-- first request, so a resumed push re-sends exactly the same requests.
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

-- What the platform holds, as far as we know: the segment of each customer after the last batch the
-- platform acknowledged. A push sends only customers whose segment differs from this.
CREATE TABLE rfm_push_state (
  customer_id TEXT PRIMARY KEY,
  segment     TEXT NOT NULL,
  run_id      INTEGER NOT NULL,
  push_id     INTEGER NOT NULL,
  pushed_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The segment of each customer in the latest RFM run (greatest as-of date, then the newest run):
-- funnel breakdowns by "customer segment" read it (src/main/node/cache/segments.ts).
CREATE VIEW customer_segments AS
SELECT c.customer_id AS user_id, c.segment AS segment, c.run_id AS run_id
FROM rfm_customers c
WHERE c.run_id = (SELECT id FROM rfm_runs WHERE status = 'done' ORDER BY as_of DESC, id DESC LIMIT 1);
`,
};
