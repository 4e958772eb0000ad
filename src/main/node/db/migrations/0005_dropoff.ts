/**
 * 0005: funnel drop-off evaluations and investigations (spec 2.3). One row per (watch, window end):
 * the numbers of the evaluation, the alert it raised (first hour of an episode only), the stored
 * investigation, and the latest review flag (the flag's history is in audit_log).
 * Never edit after it has landed: add a new numbered migration instead.
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 5,
  name: 'dropoff',
  sql: `
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
CREATE INDEX dropoff_evaluations_end ON dropoff_evaluations (window_end);
`,
};
