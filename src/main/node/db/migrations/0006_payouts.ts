/**
 * 0006: seller payout reconciliation (spec 5.2). Never edit after it has landed.
 *
 * - payout_blobs: every input exactly as received (the platform's payout statements), addressed by
 *   the SHA-256 of its bytes; never updated or deleted.
 * - payout_runs: one row per run of an ISO week (re-running a week makes a new run), with its
 *   parameters, rules version, the SHA-256 of its canonical inputs, counts, totals and report hash.
 * - payout_run_inputs: the inputs of a run (kind, origin, hash, rows).
 * - payout_lines: expected vs disbursed per seller and currency of a run; payout_findings: the
 *   statement vs synced-event differences of a run.
 * - payout_tickets: one payout_discrepancy_ticket per (week, seller, currency); its state moves
 *   open → in_review → resolved, and every transition and note is appended to payout_ticket_events
 *   (UPDATE/DELETE raise) as well as to the audit log.
 * - payout_transfers: corrective transfers for underpayments, with a deterministic idempotency key
 *   (unique), approval and sending state.
 * - payout_deductions: overpayments to recover (immutable); payout_deduction_applications: how much
 *   of each a run applied to its week's expected payout.
 * - payout_schedule: the weekly scheduler's watermark.
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 6,
  name: 'payouts',
  sql: `
CREATE TABLE payout_blobs (
  sha256    TEXT PRIMARY KEY,
  bytes     INTEGER NOT NULL,
  content   BLOB NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER payout_blobs_no_update BEFORE UPDATE ON payout_blobs
BEGIN SELECT RAISE(ABORT, 'payout inputs are never edited'); END;
CREATE TRIGGER payout_blobs_no_delete BEFORE DELETE ON payout_blobs
BEGIN SELECT RAISE(ABORT, 'payout inputs are never deleted'); END;

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
CREATE INDEX payout_runs_week ON payout_runs (week, id);

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
CREATE INDEX payout_lines_seller ON payout_lines (seller_id, run_id);

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
CREATE INDEX payout_ticket_events_ticket ON payout_ticket_events (ticket_id, id);
CREATE TRIGGER payout_ticket_events_no_update BEFORE UPDATE ON payout_ticket_events
BEGIN SELECT RAISE(ABORT, 'payout ticket history is append-only'); END;
CREATE TRIGGER payout_ticket_events_no_delete BEFORE DELETE ON payout_ticket_events
BEGIN SELECT RAISE(ABORT, 'payout ticket history is append-only'); END;

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

CREATE TABLE payout_deductions (
  id          INTEGER PRIMARY KEY,
  ticket_id   INTEGER NOT NULL UNIQUE REFERENCES payout_tickets (id),
  seller_id   TEXT NOT NULL,
  currency    TEXT NOT NULL,
  amount      INTEGER NOT NULL CHECK (amount > 0),
  origin_week TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER payout_deductions_no_update BEFORE UPDATE ON payout_deductions
BEGIN SELECT RAISE(ABORT, 'payout deductions are never edited'); END;
CREATE TRIGGER payout_deductions_no_delete BEFORE DELETE ON payout_deductions
BEGIN SELECT RAISE(ABORT, 'payout deductions are never deleted'); END;
CREATE INDEX payout_deductions_seller ON payout_deductions (seller_id, currency);

CREATE TABLE payout_deduction_applications (
  run_id       INTEGER NOT NULL REFERENCES payout_runs (id),
  deduction_id INTEGER NOT NULL REFERENCES payout_deductions (id),
  week         TEXT NOT NULL,
  amount       INTEGER NOT NULL CHECK (amount > 0),
  PRIMARY KEY (run_id, deduction_id)
) STRICT;

CREATE TABLE payout_schedule (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  last_week TEXT,
  run_id    INTEGER,
  at        INTEGER
) STRICT;
`,
};
