/** Report bytes: the CSV (exactly the run's, hashed in the run record) and the XLSX workbook. */
import { reportCsv, reportFileName, workbookModel, type ReconItem, type ReconSummary, RULES_VERSION } from '../../../analytics/reconcile/index.ts';
import { toXlsx, type Sheet } from '../export/index.ts';
import type { ReconRunInput, ResolutionInfo } from '../../common/api-reconciliation.ts';
import { sha256 } from './store.ts';

export interface ReportBytes { filename: string; mimeType: string; bytes: Buffer; sha256: string }

export function csvReport(date: string, items: readonly ReconItem[]): ReportBytes {
  const bytes = Buffer.from(reportCsv(items), 'utf8');
  return { filename: reportFileName(date, 'csv'), mimeType: 'text/csv; charset=utf-8', bytes, sha256: sha256(bytes) };
}

export function xlsxReport(
  date: string, runId: number, items: readonly ReconItem[], summary: ReconSummary, inputs: readonly ReconRunInput[], params: Record<string, unknown>,
  resolutions: ReadonlyMap<string, ResolutionInfo>,
): ReportBytes {
  const model = workbookModel(items, summary, {
    runId, rulesVersion: String(params.rulesVersion ?? RULES_VERSION),
    inputs: inputs.map((i) => ({ kind: i.kind, gateway: i.gateway, date: i.date, sha256: i.sha256 ?? '(none)', rows: i.rows, source: `${i.origin} ${i.name}` })),
    params,
  }, new Map([...resolutions].map(([k, r]) => [k, { kind: r.kind ?? 'resolved', note: `${r.note} (${r.actor}, ${new Date(r.at).toISOString()})`, matchedTo: r.matchedTo }])));
  // each model sheet: its first row is the header row of the written sheet
  const sheets: Sheet<(string | number | null)[]>[] = model.map((m) => {
    const width = Math.max(1, ...m.rows.map((r) => r.length));
    const head = m.rows[0] ?? [];
    return {
      name: m.name,
      rows: m.rows.slice(1),
      columns: Array.from({ length: width }, (_, i) => ({ header: head[i] === null || head[i] === undefined ? '' : String(head[i]), key: (r: (string | number | null)[]) => r[i] ?? null })),
    };
  });
  const bytes = toXlsx(sheets);
  return { filename: reportFileName(date, 'xlsx'), mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes, sha256: sha256(bytes) };
}
