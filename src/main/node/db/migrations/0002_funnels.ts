/**
 * 0002: saved funnels and the scheduled funnel report snapshots.
 * Never edit after it has landed: add a new numbered migration instead.
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 2,
  name: 'funnels',
  sql: `
CREATE TABLE funnels (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  definition TEXT NOT NULL CHECK (json_valid(definition)),
  scheduled  INTEGER NOT NULL DEFAULT 0 CHECK (scheduled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- One row per scheduled (or on-demand) run: the inputs (parameters, data watermark, and the hash of
-- both) and the summary (conversion per step, top drop-off reasons). Same inputs, same row.
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
CREATE INDEX funnel_reports_funnel_period ON funnel_reports (funnel_id, period_end);
`,
};
