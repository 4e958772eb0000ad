/**
 * 0007: cohort retention runs and saved customer segments.
 * Never edit after it has landed: add a new numbered migration instead.
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 7,
  name: 'cohorts',
  sql: `
-- One row per cohort run (scheduled on the 1st of each month, or on demand) with its inputs: the
-- parameters, the data watermark and the hash of both; the summary holds sizes, milestones and
-- averages so runs can be compared. Same inputs, same row.
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
CREATE INDEX cohort_runs_schedule ON cohort_runs (schedule_month);

-- Named, saved lists of customers (e.g. one heatmap cell) in the workspace.
CREATE TABLE saved_segments (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- where the list came from, e.g. {"kind":"cohort_cell","cohort":"2026-01","offset":1,...}
  origin     TEXT NOT NULL CHECK (json_valid(origin)),
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE saved_segment_members (
  segment_id TEXT NOT NULL REFERENCES saved_segments (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  PRIMARY KEY (segment_id, user_id)
) STRICT, WITHOUT ROWID;
`,
};
