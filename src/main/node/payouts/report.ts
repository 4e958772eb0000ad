/**
 * The Payout Settlement Report of a business day (spec 7): inputs read from the workspace, the
 * pure computation (src/analytics/payouts/settlement-report.ts), and its files — XLSX (written
 * with `xlsx`) and PDF (pdfmake's server-side API with the standard Helvetica font). Amounts are
 * exact decimal strings in major units with their currency code; text cells that could start a
 * formula get a leading ' (plain decimal numbers such as -5000 are left as they are).
 */
import { createRequire } from 'node:module';
import { rowsToXlsx } from '../export/xlsx.ts';
import type { Database } from '../db/index.ts';
import { settlementReport, FIGURE_FIELDS, type Figures, type ReportInputs, type SettlementReport } from '../../../analytics/payouts/settlement-report.ts';
import { isoWeekMonday, type PayoutLine, type PayoutResult } from '../../../analytics/payouts/engine.ts';
import type { PayoutRunDetail } from '../../common/api-payouts.ts';
import { addDays, dayRange, isoWeekKey } from '../../../analytics/calendar.ts';
import { formatMinor } from '../../../analytics/money.ts';
import { neutralize } from '../export/index.ts';
import { canonical } from './canonical.ts';
import { readPenalties, readReleases } from './compute.ts';
import { latestDoneRun, sha256 } from './store.ts';

export function buildSettlementReport(db: Database, date: string, tz: string): SettlementReport {
  const prev = addDays(date, -1);
  const from = dayRange(isoWeekMonday(isoWeekKey(prev)), tz).start;
  const prevStart = dayRange(prev, tz).start;
  const end = dayRange(date, tz).end;
  // up to a week and a day of releases and penalties, read as the payout run reads them
  const releases = readReleases(db, from, end);
  const penalties = readPenalties(db, from, end);
  const disbursements = db.prepare<[number, number], { disbursement_id: string; seller_id: string; week: string; amount: number; currency: string; time: number }>(
    'SELECT disbursement_id, seller_id, week, amount, currency, time FROM payout_disbursements WHERE time >= ? AND time < ? ORDER BY disbursement_id',
  ).all(prevStart, end).map((r) => ({ disbursementId: r.disbursement_id, sellerId: r.seller_id, week: r.week, amount: r.amount, currency: r.currency, time: r.time }));
  const transfers = db.prepare<[number], { id: number; seller_id: string; amount: number; currency: string; week: string; proposed_at: number; sent_at: number | null; status: string }>(
    'SELECT t.id, t.seller_id, t.amount, t.currency, k.week, t.proposed_at, t.sent_at, t.status FROM payout_transfers t JOIN payout_tickets k ON k.id = t.ticket_id WHERE t.proposed_at < ? ORDER BY t.id',
  ).all(end).map((r) => ({ id: r.id, sellerId: r.seller_id, amount: r.amount, currency: r.currency, week: r.week, proposedAt: r.proposed_at, sentAt: r.sent_at, cancelled: r.status === 'cancelled' }));
  const hist = db.prepare<[number, number], { at: number; to_state: string }>("SELECT at, to_state FROM payout_ticket_events WHERE ticket_id = ? AND action = 'transition' AND at < ? ORDER BY id");
  const tickets = db.prepare<[number], { id: number; week: string; seller_id: string; currency: string; direction: string; difference: number; opened_at: number }>(
    'SELECT id, week, seller_id, currency, direction, difference, opened_at FROM payout_tickets WHERE opened_at < ? ORDER BY id',
  ).all(end).map((r) => ({
    id: r.id, week: r.week, sellerId: r.seller_id, currency: r.currency, direction: r.direction, difference: r.difference, openedAt: r.opened_at,
    history: hist.all(r.id, end).map((h) => ({ at: h.at, to: h.to_state })),
  }));
  const weights = new Map<string, { gateway: string; escrow: number }[]>();
  const lineOf = db.prepare<[number, string], { detail: string }>('SELECT detail FROM payout_lines WHERE run_id = ? AND key = ?');
  const runs = new Map<string, number | null>();
  const need = (week: string, seller: string, currency: string) => {
    const k = `${week}|${seller}|${currency}`;
    if (weights.has(k)) return;
    if (!runs.has(week)) runs.set(week, latestDoneRun(db, week));
    const run = runs.get(week);
    const row = run ? lineOf.get(run, `${seller}|${currency}`) : undefined;
    weights.set(k, row ? (JSON.parse(row.detail) as PayoutLine).gateways : []);
  };
  for (const d of disbursements) need(d.week, d.sellerId, d.currency);
  for (const t of transfers) need(t.week, t.sellerId, t.currency);
  for (const t of tickets) need(t.week, t.sellerId, t.currency);
  const inputs: ReportInputs = { date, timezone: tz, releases, penalties, disbursements, transfers, tickets, weights };
  return settlementReport(inputs);
}

export interface ReportFile { filename: string; mimeType: string; bytes: Buffer; sha256: string }

const DECIMAL = /^-?\d+(\.\d+)?$/;
function text(v: string | number | null): string | number | null {
  if (v === null || typeof v === 'number') return v;
  return DECIMAL.test(v) ? v : neutralize(v);
}

const LABEL: Record<(typeof FIGURE_FIELDS)[number], string> = {
  disbursed: 'disbursed', payouts: 'weekly payouts', transfersSent: 'corrective transfers sent', pending: 'pending', openDiscrepancy: 'open discrepancy',
  openTickets: 'open tickets', newTickets: 'new tickets',
};
const COUNT_FIELDS = new Set(['openTickets', 'newTickets']);

function figureCells(f: Figures, currency: string): (string | number)[] {
  return FIGURE_FIELDS.map((k) => (COUNT_FIELDS.has(k) ? f[k] : formatMinor(f[k], currency)));
}

function figureHeader(prefix: string): string[] {
  return FIGURE_FIELDS.map((k) => `${prefix}${LABEL[k]}`);
}

/** The report as rows per sheet (shared by XLSX and PDF). */
export function reportTables(r: SettlementReport): { name: string; rows: (string | number | null)[][] }[] {
  const head = [...figureHeader(''), ...figureHeader('previous day: '), ...figureHeader('change: ')];
  const summary: (string | number | null)[][] = [
    ['Payout Settlement Report', r.date], ['previous day', r.previousDate], ['timezone', r.timezone], ['rules', r.rulesVersion],
    ['amounts', 'exact decimal strings in major units of the row currency'], [],
    ['currency', ...head],
    ...r.byCurrency.map((x) => [x.currency, ...figureCells(x.today, x.currency), ...figureCells(x.previous, x.currency), ...figureCells(x.change, x.currency)]),
  ];
  return [
    { name: 'Summary', rows: summary },
    { name: 'By gateway', rows: [['gateway', 'currency', ...head], ...r.byGateway.map((x) => [x.gateway || '(unattributed)', x.currency, ...figureCells(x.today, x.currency), ...figureCells(x.previous, x.currency), ...figureCells(x.change, x.currency)])] },
    { name: 'By seller', rows: [['seller', 'currency', ...head], ...r.bySeller.map((x) => [x.sellerId, x.currency, ...figureCells(x.today, x.currency), ...figureCells(x.previous, x.currency), ...figureCells(x.change, x.currency)])] },
    {
      name: 'Open tickets',
      rows: [['ticket', 'week', 'seller', 'currency', 'direction', 'difference', 'state at end of day', 'opened at'],
        ...r.openTickets.map((t) => [t.id, t.week, t.sellerId, t.currency, t.direction, formatMinor(t.difference, t.currency), t.state, new Date(t.openedAt).toISOString()])],
    },
  ];
}

export function reportJson(r: SettlementReport): ReportFile {
  const bytes = Buffer.from(canonical(r) + '\n', 'utf8');
  return { filename: `payout_settlement_report_${r.date}.json`, mimeType: 'application/json', bytes, sha256: sha256(bytes) };
}

export function reportXlsx(r: SettlementReport): ReportFile {
  const bytes = rowsToXlsx(reportTables(r).map((t) => ({ name: t.name, rows: t.rows.map((row) => row.map(text)) })));
  return { filename: `payout_settlement_report_${r.date}.xlsx`, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes, sha256: sha256(bytes) };
}

interface PdfMake {
  setFonts(f: unknown): void;
  setUrlAccessPolicy(cb: (url: string) => boolean): void;
  setLocalAccessPolicy(cb: (path: string) => boolean): void;
  createPdf(doc: unknown): { getBuffer(): Promise<Buffer> };
}

let pdfmake: PdfMake | null = null;
function loadPdfmake(): PdfMake {
  if (pdfmake) return pdfmake;
  const pm = createRequire(import.meta.url)('pdfmake') as PdfMake;
  const helvetica = { normal: 'Helvetica', bold: 'Helvetica-Bold', italics: 'Helvetica-Oblique', bolditalics: 'Helvetica-BoldOblique' };
  const builtIn = new Set(Object.values(helvetica));
  pm.setFonts({ Helvetica: helvetica });
  // nothing is fetched or read from disk: only PDF's built-in Helvetica faces
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy((path) => builtIn.has(path));
  pdfmake = pm;
  return pm;
}

/** PDF: the summary per currency, per gateway and the open tickets (per seller is in the XLSX). */
export async function reportPdf(r: SettlementReport): Promise<ReportFile> {
  const pm = loadPdfmake();
  const short = ['disbursed', 'payouts', 'transfersSent', 'pending', 'openDiscrepancy', 'openTickets'] as const;
  const cells = (f: Figures, c: string) => short.map((k) => (COUNT_FIELDS.has(k) ? String(f[k]) : formatMinor(f[k], c)));
  const hdr = (first: string[]) => [...first, 'disbursed', 'weekly payouts', 'transfers sent', 'pending', 'open discrepancy', 'open tickets'].map((t) => ({ text: t, bold: true }));
  const rowsWithChange = (label: string[], today: Figures, previous: Figures, change: Figures, c: string) => [
    [...label, ...cells(today, c)], [...label.map((_, i) => (i === 0 ? '  previous day' : '')), ...cells(previous, c)], [...label.map((_, i) => (i === 0 ? '  change' : '')), ...cells(change, c)],
  ];
  const table = (widths: number, body: unknown[][]) => ({ table: { headerRows: 1, widths: Array(widths).fill('auto'), body }, fontSize: 7, margin: [0, 4, 0, 10] });
  const doc = {
    info: { title: `Payout Settlement Report ${r.date}`, creationDate: new Date(`${r.date}T00:00:00Z`), modDate: new Date(`${r.date}T00:00:00Z`) },
    pageOrientation: 'landscape',
    defaultStyle: { font: 'Helvetica', fontSize: 8 },
    content: [
      { text: `Payout Settlement Report — ${r.date}`, fontSize: 14, bold: true },
      { text: `Business day ${r.date} (${r.timezone}); compared with ${r.previousDate}. Rules ${r.rulesVersion}. Amounts in major units of each row's currency; never summed across currencies.`, margin: [0, 2, 0, 8] },
      { text: 'Per currency', bold: true },
      table(7, [hdr(['currency']), ...r.byCurrency.flatMap((x) => rowsWithChange([x.currency], x.today, x.previous, x.change, x.currency))]),
      { text: 'Per gateway', bold: true },
      table(8, [hdr(['gateway', 'currency']), ...r.byGateway.flatMap((x) => rowsWithChange([x.gateway || '(unattributed)', x.currency], x.today, x.previous, x.change, x.currency))]),
      { text: `Open payout discrepancy tickets at the end of ${r.date}: ${r.openTickets.length}`, bold: true },
      table(7, [['ticket', 'week', 'seller', 'currency', 'direction', 'difference', 'state'].map((t) => ({ text: t, bold: true })),
        ...r.openTickets.map((t) => [String(t.id), t.week, t.sellerId, t.currency, t.direction, formatMinor(t.difference, t.currency), t.state])]),
      { text: `Per seller: ${r.bySeller.length} rows in payout_settlement_report_${r.date}.xlsx.`, italics: true },
    ],
  };
  const bytes = await pm.createPdf(doc).getBuffer();
  return { filename: `payout_settlement_report_${r.date}.pdf`, mimeType: 'application/pdf', bytes, sha256: sha256(bytes) };
}

/** A run's report for review: Summary (run, inputs with hashes, totals per currency), Lines, Findings. */
export function runXlsx(run: PayoutRunDetail, result: PayoutResult): ReportFile {
  const m = (minor: number, c: string) => formatMinor(minor, c);
  const summary: (string | number | null)[][] = [
    ['Seller payout reconciliation', run.week], ['run', run.id], ['rules', run.rulesVersion], ['window (UTC)', `${new Date(result.window.start).toISOString()} .. ${new Date(result.window.end).toISOString()}`],
    ['inputs sha256', run.inputsSha256], ['report sha256', run.reportSha256], [],
    ['input', 'origin', 'rows', 'sha256', 'note'], ...run.inputs.map((i) => [i.kind, i.origin, i.rows, i.sha256, i.note]), [],
    ['currency', 'sellers', 'escrow released', 'commission', 'fees', 'penalties', 'deductions', 'expected', 'disbursed', 'difference', 'underpaid', 'overpaid', 'discrepancies'],
    ...result.totals.map((t) => [t.currency, t.sellers, m(t.escrow, t.currency), m(t.commission, t.currency), m(t.fees, t.currency), m(t.penalties, t.currency), m(t.deductions, t.currency),
      m(t.expected, t.currency), m(t.disbursed, t.currency), m(t.difference, t.currency), m(t.underpaid, t.currency), m(t.overpaid, t.currency), t.discrepancies]),
  ];
  const lines = [['seller', 'currency', 'releases', 'escrow released', 'commission', 'fees', 'penalties', 'deductions', 'expected', 'disbursed', 'synced events', 'difference', 'status', 'statements', 'notes'],
    ...result.lines.map((l) => [l.sellerId, l.currency, l.releases, m(l.escrow, l.currency), m(l.commission, l.currency), m(l.fees, l.currency), m(l.penalties, l.currency), m(l.deductions, l.currency),
      m(l.expected, l.currency), m(l.disbursed, l.currency), l.eventAmount === null ? null : m(l.eventAmount, l.currency), m(l.difference, l.currency), l.status,
      l.statements.map((x) => x.disbursementId).join(' '), l.notes.join('; ')])];
  const findings = [['kind', 'disbursement', 'seller', 'currency', 'statement', 'event', 'event − statement'],
    ...result.findings.map((f) => [f.kind, f.disbursementId, f.sellerId, f.currency, f.statementAmount === null ? null : m(f.statementAmount, f.currency),
      f.eventAmount === null ? null : m(f.eventAmount, f.currency), f.difference === null ? null : m(f.difference, f.currency)])];
  const sheets = [['Summary', summary], ['Lines', lines], ['Findings', findings]] as const;
  const bytes = rowsToXlsx(sheets.map(([name, rows]) => ({ name, rows: rows.map((row) => row.map(text)) })));
  return { filename: `payout_reconciliation_${run.week}_run-${run.id}.xlsx`, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes, sha256: sha256(bytes) };
}
