/**
 * 0003: daily payment reconciliation (spec 5.1). Never edit after it has landed.
 *
 * - recon_blobs: every input exactly as received (settlement reports, ledgers), addressed by the
 *   SHA-256 of its bytes; never updated or deleted (source data is never edited).
 * - recon_runs: one row per run of a business date (re-running a date makes a new run), with its
 *   parameters, rules version, summary, report hash and alert.
 * - recon_run_inputs: which inputs a run used (kind, gateway, date, origin, hash, rows, errors).
 * - recon_items: the run's report lines; `record_key` is stable across runs and days.
 * - recon_resolutions: append-only resolve / reopen actions keyed by record_key; the latest one
 *   for a key is its state, and a re-run applies it to the same record.
 * - recon_schedule: the 02:00 scheduler's watermark (last business date reconciled).
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 3,
  name: 'reconciliation',
  sql: `
CREATE TABLE recon_blobs (
  sha256    TEXT PRIMARY KEY,
  bytes     INTEGER NOT NULL,
  content   BLOB NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER recon_blobs_no_update BEFORE UPDATE ON recon_blobs
BEGIN SELECT RAISE(ABORT, 'reconciliation inputs are never edited'); END;
CREATE TRIGGER recon_blobs_no_delete BEFORE DELETE ON recon_blobs
BEGIN SELECT RAISE(ABORT, 'reconciliation inputs are never deleted'); END;

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
CREATE INDEX recon_runs_date ON recon_runs (business_date, id);

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
CREATE INDEX recon_run_inputs_lookup ON recon_run_inputs (kind, gateway, business_date);

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
CREATE INDEX recon_items_key ON recon_items (record_key, run_id);
CREATE INDEX recon_items_review ON recon_items (run_id, review, status);

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
CREATE INDEX recon_resolutions_key ON recon_resolutions (record_key, id);
CREATE TRIGGER recon_resolutions_no_update BEFORE UPDATE ON recon_resolutions
BEGIN SELECT RAISE(ABORT, 'recon_resolutions is append-only'); END;
CREATE TRIGGER recon_resolutions_no_delete BEFORE DELETE ON recon_resolutions
BEGIN SELECT RAISE(ABORT, 'recon_resolutions is append-only'); END;

CREATE TABLE recon_schedule (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  last_date   TEXT,
  last_run_id INTEGER,
  updated_at  INTEGER NOT NULL
) STRICT;
`,
};
