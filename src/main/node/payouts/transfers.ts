/**
 * Corrective transfers for underpayments: a FINANCE_ADMIN approves a proposed transfer, then it is
 * sent to the platform's `POST /v1/transfers` with the transfer's deterministic Idempotency-Key.
 *
 * Never twice: approval is a compare-and-set in one SQLite transaction (proposed → approved);
 * concurrent sends of one transfer in this process share one in-flight request; every send (first
 * or retry, in any process) carries the same key, so the platform answers a repeat with the same
 * transfer (`idempotent_replay`) instead of paying again. A network error after the platform
 * accepted the request is therefore safe to retry; the transfer stays `approved` with its error
 * until a send succeeds.
 */
import type { ServiceContext } from '../services/context.ts';
import type { TransferRow } from '../../common/api-payouts.ts';
import { backoffMs, sleep } from '../sync/http.ts';
import { formatMinor, displayMoney } from '../../../analytics/money.ts';
import { addTicketEvent, getTicketRow, getTransfer } from './store.ts';

const inflight = new Map<string, Promise<TransferRow>>();
const RETRY = { retries: 3, baseMs: 200, maxMs: 3000 };

export async function approveTransfer(ctx: ServiceContext, transferId: number): Promise<TransferRow> {
  const { db } = ctx;
  const before = getTransfer(db, transferId);
  if (before.status === 'cancelled') throw new Error(`transfer ${transferId} is cancelled`);
  if (before.status === 'sent') return before;
  if (before.status === 'proposed') {
    const at = ctx.clock.now();
    const changed = db.transaction(() => {
      const r = db.prepare("UPDATE payout_transfers SET status = 'approved', approved_by = ?, approved_at = ? WHERE id = ? AND status = 'proposed'").run(ctx.actor, at, transferId);
      if (r.changes === 0) return false;
      const t = getTicketRow(db, before.ticketId);
      addTicketEvent(db, { ticketId: t.id, at, actor: ctx.actor, action: 'transfer_approved', from: null, to: null, runId: null, note: `corrective transfer #${transferId} of ${displayMoney(before.amount, before.currency)} approved` });
      if (t.state === 'open') {
        db.prepare("UPDATE payout_tickets SET state = 'in_review', updated_at = ? WHERE id = ?").run(at, t.id);
        addTicketEvent(db, { ticketId: t.id, at, actor: ctx.actor, action: 'transition', from: 'open', to: 'in_review', runId: null, note: 'corrective transfer approved' });
        ctx.audit({ action: 'payouts.ticket.transition', entity: 'payout_ticket', entityId: String(t.id), before: { state: 'open' }, after: { state: 'in_review', note: 'corrective transfer approved' } });
      }
      return true;
    }).immediate();
    if (changed) ctx.audit({ action: 'payouts.transfer.approve', entity: 'payout_transfer', entityId: String(transferId), before, after: getTransfer(db, transferId) });
  }
  return sendTransfer(ctx, transferId);
}

/** Send an approved transfer (shared by concurrent callers in this process). */
export function sendTransfer(ctx: ServiceContext, transferId: number): Promise<TransferRow> {
  const k = `${ctx.db.name}#${transferId}`;
  const running = inflight.get(k);
  if (running) return running;
  const p = doSend(ctx, transferId).finally(() => inflight.delete(k));
  inflight.set(k, p);
  return p;
}

async function doSend(ctx: ServiceContext, transferId: number): Promise<TransferRow> {
  const { db } = ctx;
  const t = getTransfer(db, transferId);
  if (t.status === 'sent') return t;
  if (t.status !== 'approved') throw new Error(`transfer ${transferId} is ${t.status}: approve it first`);
  const platform = ctx.platform();
  if (!platform) throw new Error('no platform configured');
  const url = platform.url.replace(/\/+$/, '') + '/v1/transfers';
  const body = JSON.stringify({ seller_id: t.sellerId, amount: { amount: formatMinor(t.amount, t.currency), currency: t.currency }, reason: t.reason });
  let lastError = '';
  for (let attempt = 0; attempt <= RETRY.retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt, RETRY));
    db.prepare('UPDATE payout_transfers SET attempts = attempts + 1 WHERE id = ?').run(transferId);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST', body, signal: AbortSignal.timeout(30_000),
        headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/json', 'idempotency-key': t.idempotencyKey },
      });
    } catch (e) {
      lastError = `network: ${(e as Error).message}`;
      continue;
    }
    const text = await res.text();
    if (res.status === 200 || res.status === 201) {
      const j = JSON.parse(text) as { transfer: { transfer_id: string; transfer_ref: string; created_at: string }; idempotent_replay: boolean };
      const at = ctx.clock.now();
      const before = getTransfer(db, transferId);
      db.transaction(() => {
        const r = db.prepare("UPDATE payout_transfers SET status = 'sent', sent_at = ?, platform_transfer_id = ?, transfer_ref = ?, response = ?, last_error = NULL WHERE id = ? AND status = 'approved'")
          .run(at, j.transfer.transfer_id, j.transfer.transfer_ref, text, transferId);
        if (r.changes === 0) return;
        const tk = getTicketRow(db, t.ticketId);
        addTicketEvent(db, { ticketId: tk.id, at, actor: ctx.actor, action: 'transfer_sent', from: null, to: null, runId: null,
          note: `transfer ${j.transfer.transfer_id} (${j.transfer.transfer_ref}) of ${displayMoney(t.amount, t.currency)} accepted by the platform${j.idempotent_replay ? ' (replayed: the platform already had it)' : ''}` });
        if (tk.state !== 'resolved') {
          db.prepare("UPDATE payout_tickets SET state = 'resolved', updated_at = ? WHERE id = ?").run(at, tk.id);
          addTicketEvent(db, { ticketId: tk.id, at, actor: ctx.actor, action: 'transition', from: tk.state, to: 'resolved', runId: null, note: `corrective transfer ${j.transfer.transfer_id} sent` });
          ctx.audit({ action: 'payouts.ticket.transition', entity: 'payout_ticket', entityId: String(tk.id), before: { state: tk.state }, after: { state: 'resolved', note: `corrective transfer ${j.transfer.transfer_id} sent` } });
        }
      }).immediate();
      const after = getTransfer(db, transferId);
      if (before.status !== 'sent' && after.status === 'sent') ctx.audit({ action: 'payouts.transfer.sent', entity: 'payout_transfer', entityId: String(transferId), before, after: { ...after, idempotentReplay: j.idempotent_replay } });
      return after;
    }
    let detail = text.slice(0, 300);
    try {
      detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? detail;
    } catch {
      /* keep the text */
    }
    lastError = `HTTP ${res.status}: ${detail}`;
    if (res.status < 500 && res.status !== 429) break; // a 4xx will not change on retry
  }
  db.prepare('UPDATE payout_transfers SET last_error = ? WHERE id = ?').run(lastError, transferId);
  ctx.audit({ action: 'payouts.transfer.send_failed', entity: 'payout_transfer', entityId: String(transferId), before: null, after: { error: lastError } });
  throw new Error(`transfer ${transferId} not confirmed by the platform (${lastError}); approving again retries with the same idempotency key`);
}

/** Reject a proposed transfer: proposed → cancelled (compare-and-set), noted on the ticket, audited. */
export function cancelTransfer(ctx: ServiceContext, transferId: number, note: string): TransferRow {
  const { db } = ctx;
  const before = getTransfer(db, transferId);
  const at = ctx.clock.now();
  db.transaction(() => {
    const r = db.prepare("UPDATE payout_transfers SET status = 'cancelled' WHERE id = ? AND status = 'proposed'").run(transferId);
    if (r.changes === 0) throw new Error(`transfer ${transferId} is ${getTransfer(db, transferId).status}: only a proposed transfer can be rejected`);
    addTicketEvent(db, { ticketId: before.ticketId, at, actor: ctx.actor, action: 'transfer_cancelled', from: null, to: null, runId: null, note: `corrective transfer #${transferId} rejected: ${note}` });
  }).immediate();
  const after = getTransfer(db, transferId);
  ctx.audit({ action: 'payouts.transfer.cancel', entity: 'payout_transfer', entityId: String(transferId), before, after: { ...after, note } });
  return after;
}
