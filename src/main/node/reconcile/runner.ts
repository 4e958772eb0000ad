/**
 * One reconciliation run of a business date D (spec 5.1), on the main thread:
 *
 * 1. gather the inputs of the window [D - agingDays, D]: each gateway's settlement report (from
 *    the platform API, or the file the user picked for D, or an earlier stored input) and the
 *    platform's ledger of captures; store every input's bytes under its SHA-256;
 * 2. the analytics worker parses, matches and hashes the report (compute.ts);
 * 3. persist the run (parameters, inputs with hashes, items, summary), quarantine unreadable rows,
 *    apply earlier resolutions (by record key), raise the alert when the open discrepancy crosses
 *    the threshold, and write the audit log.
 *
 * Re-running a date makes a new run; earlier runs are kept.
 */
import { addDays } from '../../../analytics/calendar.ts';
import { displayMoney } from '../../../analytics/money.ts';
import { exceptionAmount, parseSettlementRows, RULES_VERSION, summarize, type ReconSummary } from '../../../analytics/reconcile/index.ts';
import type { ServiceContext } from '../services/context.ts';
import { runbookUrl } from '../services/alerts.ts';
import type { ReconRunDetail, ReconRunInput } from '../../common/api-reconciliation.ts';
import type { ReconComputeParams, ReconInputSpec } from './compute.ts';
import { csvRows, decodeText, fileRows, type FileFormat } from './read-file.ts';
import { ledgerPath, platformGet, settlementPath, type PlatformTarget } from './platform.ts';
import {
  createRun, failRun, finishRun, getBlob, getReconSettings, insertItems, insertRunInputs, latestStoredInput, putBlob, quarantineRows,
  resolvedKeys, runDetail, thresholdMinor,
} from './store.ts';

export interface RunFile { name: string; bytes: Uint8Array; gateway?: string; kind?: 'settlement' | 'ledger' }
export interface RunRequest { date: string; gateways?: string[]; files?: RunFile[]; trigger: string }

interface Gathered { spec: ReconInputSpec; meta: ReconRunInput }

/** Run `tasks` with at most `n` in flight. */
async function limited<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  }));
  return out;
}

export async function runReconciliation(ctx: ServiceContext, req: RunRequest): Promise<ReconRunDetail> {
  const { db } = ctx;
  const rs = getReconSettings(db, ctx.settings);
  const ws = ctx.settings.get();
  const tz = ws.timezone;
  const D = req.date;
  const window = Array.from({ length: rs.agingDays + 1 }, (_, i) => addDays(D, i - rs.agingDays));
  const now = () => ctx.clock.now();
  const platform: PlatformTarget | null = ctx.platform();
  const warnings: string[] = [];
  const gathered: Gathered[] = [];

  const apiInput = (kind: 'settlement' | 'ledger', gateway: string | null, date: string, bytes: Uint8Array, path: string, name: string): Gathered => {
    const sha = putBlob(db, bytes, now());
    return {
      spec: { seq: 0, kind, sha, name, gateway, date, format: 'json', text: new TextDecoder().decode(bytes) },
      meta: { kind, gateway, date, origin: `api:${path}`, name, format: 'json', adapter: kind === 'ledger' ? 'ledger' : 'platform', sha256: sha, rows: 0, errors: 0, skipped: 0, note: null },
    };
  };

  // ---- files the user picked: parsed here to learn their format and gateway(s)
  const fileGateways = new Set<string>();
  let fileLedger = false;
  for (const f of req.files ?? []) {
    const kind = f.kind ?? 'settlement';
    const { format, rows } = await fileRows(f.name, f.bytes);
    const sha = putBlob(db, f.bytes, now());
    let adapter: string | null = null;
    let gateway: string | null = f.gateway ?? null;
    if (kind === 'settlement') {
      const probe = parseSettlementRows(rows.slice(0, 2000), { source: sha, date: D, gateway: f.gateway ?? null });
      adapter = probe.adapter;
      const gws = probe.gateway ? [probe.gateway] : [...new Set(parseSettlementRows(rows, { source: sha, date: D, gateway: f.gateway ?? null }).records.map((r) => r.gateway))];
      if (gws.length === 0 && f.gateway) gws.push(f.gateway);
      for (const g of gws) fileGateways.add(g);
      if (gws.length === 1) gateway = gws[0]!;
    } else fileLedger = true;
    gathered.push({
      spec: { seq: 0, kind, sha, name: f.name, gateway, date: D, format, rows },
      meta: { kind, gateway, date: D, origin: `file:${f.name}`, name: f.name, format, adapter, sha256: sha, rows: 0, errors: 0, skipped: 0, note: null },
    });
  }
  const gateways = req.gateways && req.gateways.length > 0 ? [...req.gateways] : fileGateways.size > 0 ? [...fileGateways].sort() : [...rs.gateways];

  // ---- settlement reports of the window, and the ledger
  const fetches: (() => Promise<void>)[] = [];
  const missingD: string[] = [];
  for (const g of gateways) {
    for (const d of window) {
      if (d === D && fileGateways.has(g)) continue;
      fetches.push(async () => {
        const name = `settlement_${g}_${d}.json`;
        if (platform) {
          const got = await platformGet(platform, settlementPath(g, d));
          if (!got) {
            if (d === D) missingD.push(g);
            gathered.push(missingInput('settlement', g, d, `api:${settlementPath(g, d)}`, name, 'no report (HTTP 404)'));
            return;
          }
          gathered.push(apiInput('settlement', g, d, got.bytes, got.path, name));
          return;
        }
        const stored = latestStoredInput(db, 'settlement', g, d);
        const bytes = stored ? getBlob(db, stored.sha256) : null;
        if (stored && bytes) {
          gathered.push(await storedInput('settlement', g, d, stored, bytes));
          return;
        }
        if (d === D) missingD.push(g);
        gathered.push(missingInput('settlement', g, d, 'none', name, platform ? 'no report' : 'no platform configured and no earlier file for this day'));
      });
    }
  }
  let ledgerFromWorkspace = false;
  let ledgerMissingD = false;
  if (!fileLedger) {
    if (platform) {
      for (const d of window) {
        fetches.push(async () => {
          const got = await platformGet(platform, ledgerPath(d));
          if (!got) {
            if (d === D) ledgerMissingD = true;
            gathered.push(missingInput('ledger', null, d, `api:${ledgerPath(d)}`, `ledger_captures_${d}.json`, 'no ledger (HTTP 404)'));
            return;
          }
          gathered.push(apiInput('ledger', null, d, got.bytes, got.path, `ledger_captures_${d}.json`));
        });
      }
    } else {
      ledgerFromWorkspace = true;
    }
  }
  const startedAt = now();
  await limited(6, fetches);
  if (platform && ledgerMissingD && missingD.length === gateways.length && (req.files ?? []).length === 0) {
    throw new Error(`the platform has no ledger and no settlement reports for ${D} (outside its history?)`);
  }
  for (const g of missingD) warnings.push(`no settlement report for ${g} on ${D}: its captures stay unsettled`);
  if (ledgerFromWorkspace) warnings.push('no platform ledger: the synced payment.captured events are used as the ledger (no ledger/event cross-check)');

  // deterministic input order: kind, gateway, date, origin
  gathered.sort((a, b) => cmpStr(`${a.meta.kind}|${a.meta.gateway ?? ''}|${a.meta.date}|${a.meta.origin}`, `${b.meta.kind}|${b.meta.gateway ?? ''}|${b.meta.date}|${b.meta.origin}`));
  gathered.forEach((g, i) => (g.spec.seq = i + 1));
  const withData = gathered.filter((g) => g.meta.sha256 !== null);

  const params = {
    rulesVersion: RULES_VERSION, date: D, window: [window[0], D], gateways, agingDays: rs.agingDays, toleranceMinor: rs.toleranceMinor,
    alertThreshold: rs.alertThreshold, fxRates: ws.fxRates, reportingCurrency: ws.reportingCurrency, timezone: tz, crossCheck: rs.crossCheck,
    ledger: fileLedger ? 'file' : ledgerFromWorkspace ? 'workspace' : 'platform', platformUrl: platform?.url ?? null,
  };
  const runId = createRun(db, { date: D, trigger: req.trigger, actor: ctx.actor, startedAt, rulesVersion: RULES_VERSION, params });
  try {
    const compute: ReconComputeParams = {
      date: D, agingDays: rs.agingDays, toleranceMinor: rs.toleranceMinor, gateways, timezone: tz,
      inputs: withData.map((g) => g.spec), ledgerFromWorkspace, crossCheck: rs.crossCheck && !fileLedger, refundsFromWorkspace: true,
    };
    const result = await ctx.worker.run('recon.compute', compute);
    // inputs with their outcomes; row errors to the quarantine
    let quarantined = 0;
    for (const o of result.inputs) {
      const g = withData.find((x) => x.spec.seq === o.seq)!;
      g.meta.adapter = o.adapter ?? g.meta.adapter;
      g.meta.rows = o.rows;
      g.meta.errors = o.errors.length + (o.failure ? 1 : 0);
      g.meta.skipped = o.skipped;
      if (o.failure) {
        g.meta.note = o.failure;
        warnings.push(`${g.meta.name}: ${o.failure}`);
      }
      if (o.errors.length > 0) quarantined += quarantineRows(db, `settlement:${g.meta.name}`, o.errors, now());
      if (o.errors.length > 0) warnings.push(`${g.meta.name}: ${o.errors.length} row(s) quarantined (first: row ${o.errors[0]!.row} ${o.errors[0]!.field}: ${o.errors[0]!.reason})`);
    }
    void quarantined;
    const inputsMeta = [
      ...gathered.map((g) => g.meta),
      { kind: 'refunds' as const, gateway: null, date: D, origin: 'workspace:refunds', name: 'payment.refunded events', format: 'sqlite', adapter: null, sha256: null, rows: result.refundRows, errors: 0, skipped: 0, note: 'window of the run' },
      ...(compute.crossCheck && !ledgerFromWorkspace ? [{ kind: 'events' as const, gateway: null, date: D, origin: 'workspace:payments', name: 'payment.captured events', format: 'sqlite', adapter: null, sha256: null, rows: result.eventRows, errors: 0, skipped: 0, note: `synced up to ${result.dataWatermark === null ? 'nothing' : new Date(result.dataWatermark).toISOString()}` }] : []),
      ...(ledgerFromWorkspace ? [{ kind: 'ledger' as const, gateway: null, date: D, origin: 'workspace:payments', name: 'payment.captured events', format: 'sqlite', adapter: null, sha256: null, rows: result.ledgerRows, errors: 0, skipped: 0, note: 'ledger from the synced events' }] : []),
    ];
    insertRunInputs(db, runId, inputsMeta);
    // items in chunks, yielding between them so the main thread stays responsive
    const CHUNK = 5000;
    for (let k = 0; k < result.items.length; k += CHUNK) {
      insertItems(db, runId, result.items, exceptionAmount, k, CHUNK);
      if (k + CHUNK < result.items.length) await new Promise((r) => setImmediate(r));
    }
    const resolved = resolvedKeys(db, runId);
    const summary = summarize(result.items, {
      date: D, threshold: thresholdMinor(rs), fxRates: ws.fxRates, reportingCurrency: ws.reportingCurrency,
      controlTotals: result.controlTotals, warnings: [...warnings, ...result.warnings], resolved: new Set(resolved.keys()),
    });
    const alertId = summary.alert ? fireAlert(ctx, runId, summary) : null;
    finishRun(db, runId, {
      at: now(), summary, reportSha256: result.reportSha256, itemCount: result.items.length, exceptionCount: summary.exceptions, watermark: result.dataWatermark, alertId,
    });
    ctx.audit({
      action: 'recon.run', entity: 'recon_run', entityId: String(runId), before: null,
      after: { date: D, trigger: req.trigger, gateways, reportSha256: result.reportSha256, inputs: inputsMeta.filter((i) => i.sha256).map((i) => ({ kind: i.kind, gateway: i.gateway, date: i.date, sha256: i.sha256 })), items: result.items.length, exceptions: summary.exceptions, openDiscrepancy: summary.openDiscrepancy.minor, alert: summary.alert },
    });
    return runDetail(db, runId, summary);
  } catch (e) {
    failRun(db, runId, (e as Error).message, now());
    ctx.audit({ action: 'recon.run', entity: 'recon_run', entityId: String(runId), before: null, after: { date: D, trigger: req.trigger, error: (e as Error).message } });
    throw e;
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function storedInput(kind: 'settlement', gateway: string, date: string, stored: { sha256: string; name: string; format: string; origin: string; adapter: string | null }, bytes: Uint8Array): Promise<Gathered> {
  const format = stored.format as FileFormat | 'json';
  const spec: ReconInputSpec = { seq: 0, kind, sha: stored.sha256, name: stored.name, gateway, date, format };
  if (format === 'json') spec.text = decodeText(bytes, stored.name);
  else if (format === 'csv') spec.rows = csvRows(decodeText(bytes, stored.name), stored.name);
  else spec.rows = (await fileRows(stored.name, bytes)).rows;
  return { spec, meta: { kind, gateway, date, origin: `stored:${stored.origin}`, name: stored.name, format, adapter: stored.adapter, sha256: stored.sha256, rows: 0, errors: 0, skipped: 0, note: 'reused from an earlier run' } };
}

function missingInput(kind: 'settlement' | 'ledger', gateway: string | null, date: string, origin: string, name: string, note: string): Gathered {
  return {
    spec: { seq: 0, kind, sha: '', name, gateway, date, format: 'json', text: '' },
    meta: { kind, gateway, date, origin, name, format: 'none', adapter: null, sha256: null, rows: 0, errors: 0, skipped: 0, note },
  };
}

function fireAlert(ctx: ServiceContext, runId: number, s: ReconSummary): number {
  const { db } = ctx;
  const ws = ctx.settings.get();
  const t = s.openDiscrepancy;
  // one alert per episode: an unacknowledged alert of an earlier run of this date with the same total stands
  const prev = db.prepare<[string], { id: number; v: string }>(
    `SELECT a.id, a."values" AS v FROM alerts a WHERE a.rule = 'recon_discrepancy' AND a.acknowledged_at IS NULL AND json_extract(a."values", '$.date') = ? ORDER BY a.id DESC LIMIT 1`,
  ).get(s.date);
  if (prev && (JSON.parse(prev.v) as { openDiscrepancyMinor?: number }).openDiscrepancyMinor === t.minor) return prev.id;
  const rates = t.byCurrency.filter((b) => b.currency !== t.currency).map((b) => `1 ${b.currency} = ${b.rate ?? 'no rate'} ${t.currency}`).join('; ');
  const parts = t.byCurrency.map((b) => `${displayMoney(b.minor, b.currency)}`).join(' + ');
  const entry = ctx.alerts.fire({
    rule: 'recon_discrepancy',
    severity: 'P2',
    title: `Reconciliation ${s.date}: discrepancy ${displayMoney(t.minor, t.currency)} above ${displayMoney(s.threshold.minor, s.threshold.currency)}`,
    message: `The open exceptions of the ${s.date} payment reconciliation (run ${runId}) add up to ${displayMoney(t.minor, t.currency)} (Σ|discrepancy|: ${parts}${rates ? `; ${rates}` : ''}${t.missingRates.length ? `; no rate for ${t.missingRates.join(', ')}` : ''}), above the ${displayMoney(s.threshold.minor, s.threshold.currency)} threshold. ${s.openExceptions} open exception(s) wait in the queue.`,
    values: {
      date: s.date, runId, openDiscrepancy: displayMoney(t.minor, t.currency), openDiscrepancyMinor: t.minor, threshold: displayMoney(s.threshold.minor, s.threshold.currency),
      currency: t.currency, openExceptions: s.openExceptions, exceptions: s.exceptions, rates: rates || null,
    },
    firedAt: ctx.clock.now(),
    runbookUrl: runbookUrl(ws.runbookBaseUrl, 'recon-discrepancy'),
  });
  return entry.id;
}
