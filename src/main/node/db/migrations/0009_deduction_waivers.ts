/**
 * 0009: waiving a payout deduction (docs/payouts.md). A finance admin can decide that an overpayment
 * will not be recovered (the platform wrote it off, or settled it outside payouts): the waiver says
 * from which ISO week on the deduction is no longer applied, why, and who decided. Weeks before that
 * keep what their runs applied, so re-running them gives the same result. Append-only, like the
 * deductions themselves. Never edit after it has landed.
 */
import type { Migration } from './types.ts';

export const migration: Migration = {
  id: 9,
  name: 'deduction_waivers',
  sql: `
CREATE TABLE payout_deduction_waivers (
  deduction_id INTEGER PRIMARY KEY REFERENCES payout_deductions (id),
  from_week    TEXT NOT NULL,
  note         TEXT NOT NULL CHECK (length(trim(note)) > 0),
  actor        TEXT NOT NULL,
  waived_at    INTEGER NOT NULL
) STRICT;
CREATE TRIGGER payout_deduction_waivers_no_update BEFORE UPDATE ON payout_deduction_waivers
BEGIN SELECT RAISE(ABORT, 'payout deduction waivers are never edited'); END;
CREATE TRIGGER payout_deduction_waivers_no_delete BEFORE DELETE ON payout_deduction_waivers
BEGIN SELECT RAISE(ABORT, 'payout deduction waivers are never deleted'); END;
`,
};
