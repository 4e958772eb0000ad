/**
 * One RFM run: the inputs (as-of date, window, timezone, reporting currency and FX rates), the
 * worker's computation over the event cache, and the stored result (per-customer rows, summary,
 * watermark, hashes) in one transaction.
 */
import { createHash } from 'node:crypto';
import type { ServiceContext } from '../services/context.ts';
import { rfmWindow } from '../../../analytics/rfm/compute.ts';
import { SEGMENTS } from '../../../analytics/rfm/segments.ts';
import type { RfmRunDetail, RfmRunParams } from '../../common/api-rfm.ts';
import { runDetail } from './store.ts';

export const RFM_METHOD = 'rank-min quintiles: score = 1 + floor(5 × (rank_min − 1) / n), worst to best; R by days since the last order, descending';

export async function runRfm(ctx: ServiceContext, o: { asOf: string; trigger: string }): Promise<RfmRunDetail> {
  const { db } = ctx;
  const s = ctx.settings.get();
  const params: RfmRunParams = {
    asOf: o.asOf, timezone: s.timezone, reportingCurrency: s.reportingCurrency, fxRates: { ...s.fxRates }, window: rfmWindow(o.asOf, s.timezone), method: RFM_METHOD,
  };
  const runId = Number(db.prepare(
    "INSERT INTO rfm_runs (as_of, trigger, actor, status, started_at, params) VALUES (?, ?, ?, 'running', ?, ?)",
  ).run(o.asOf, o.trigger, ctx.actor, ctx.clock.now(), JSON.stringify(params)).lastInsertRowid);
  try {
    const res = await ctx.worker.run('rfm.compute', { asOf: o.asOf, timezone: s.timezone, reportingCurrency: s.reportingCurrency, fxRates: s.fxRates });
    const c = res.customers;
    const n = c.customerId.length;
    const inputsHash = createHash('sha256').update(JSON.stringify({ params, watermark: res.watermark })).digest('hex');
    const h = createHash('sha256');
    db.transaction(() => {
      const ins = db.prepare(
        'INSERT INTO rfm_customers (run_id, customer_id, last_order_at, recency_days, frequency, monetary, r, f, m, segment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (let i = 0; i < n; i++) {
        const segment = SEGMENTS[c.segment[i]!]!;
        ins.run(runId, c.customerId[i]!, c.lastOrderAt[i]!, c.recencyDays[i]!, c.frequency[i]!, c.monetary[i]!, c.r[i]!, c.f[i]!, c.m[i]!, segment);
        h.update(`${c.customerId[i]},${c.recencyDays[i]},${c.frequency[i]},${c.monetary[i]},${c.r[i]},${c.f[i]},${c.m[i]},${segment}\n`);
      }
      db.prepare(
        `UPDATE rfm_runs SET status = 'done', finished_at = ?, watermark_seq = ?, watermark_time = ?, watermark_events = ?, inputs_hash = ?, result_hash = ?,
           customers = ?, summary = ? WHERE id = ?`,
      ).run(ctx.clock.now(), res.watermark.seq, res.watermark.time, res.watermark.events, inputsHash, h.digest('hex'), n, JSON.stringify(res.summary), runId);
    })();
  } catch (e) {
    db.prepare("UPDATE rfm_runs SET status = 'error', finished_at = ?, error = ? WHERE id = ?").run(ctx.clock.now(), (e as Error).message, runId);
    throw e;
  }
  return runDetail(db, runId);
}
