/**
 * The canonical forms a payout run hashes: canonical JSON (sorted keys, so equal inputs hash
 * equally) and the run's report. Pure, so the analytics worker computes them next to the
 * reconciliation and the main thread only stores the result.
 */
import { PAYOUT_RULES_VERSION, type PayoutResult } from '../../../analytics/payouts/engine.ts';

/** Canonical JSON (sorted keys) so equal inputs hash equally. */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}';
}

/** The report of a run: canonical JSON of everything it found, nothing time- or run-dependent. */
export function reportBytes(res: PayoutResult, inputsSha: string): string {
  return canonical({ rulesVersion: PAYOUT_RULES_VERSION, week: res.week, window: res.window, inputsSha256: inputsSha, totals: res.totals, lines: res.lines, findings: res.findings }) + '\n';
}
