/** Display helpers of the Reconciliation page. Pure (tested without a DOM). */
import { displayMoney } from '../../analytics/money.ts';
import type { ReconStatus, Review } from '../../analytics/reconcile/types.ts';

export const DASH = '—';

export const STATUS_LABEL: Record<ReconStatus, string> = {
  matched: 'Matched',
  amount_mismatch: 'Amount mismatch',
  gateway_only: 'Gateway only',
  internal_only: 'Internal only',
  duplicate: 'Duplicate',
  currency_mismatch: 'Currency mismatch',
  chargeback: 'Chargeback',
  fee: 'Fee',
  ledger_event_mismatch: 'Ledger ≠ events',
};

export type ChipColor = 'default' | 'success' | 'warning' | 'error' | 'info' | 'secondary';

export function statusColor(status: ReconStatus, review: Review): ChipColor {
  if (status === 'matched') return 'success';
  if (status === 'fee') return 'info';
  if (review === 'pending') return 'default';
  if (status === 'ledger_event_mismatch' || status === 'chargeback') return 'secondary';
  return review === 'exception' ? 'error' : 'warning';
}

/** "₫1,250,000" or "—"; an unknown currency shows its minor units. */
export function money(minor: number | null | undefined, currency: string | null | undefined): string {
  if (minor === null || minor === undefined || !currency) return DASH;
  try {
    return displayMoney(minor, currency);
  } catch {
    return `${minor} ${currency} (minor)`;
  }
}

/** Several currencies side by side, never added: "₫1,000 + $2.50". */
export function moneyList(list: readonly { minor: number; currency: string }[]): string {
  const nz = list.filter((x) => x.minor !== 0);
  return nz.length === 0 ? '0' : nz.map((x) => money(x.minor, x.currency)).join(' + ');
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? `${sha.slice(0, 10)}…` : DASH;
}

/** The base64 of a browser File's bytes, chunked (no call-stack limits on large files). */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Yesterday (T-1) in `tz`, 'YYYY-MM-DD'. */
export function yesterdayIn(tz: string, now = Date.now()): string {
  let today: string;
  try {
    today = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now));
  } catch {
    today = new Date(now).toISOString().slice(0, 10);
  }
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}
