/** CSV text into rows for the adapters, through the import's RFC 4180 parser (no spreadsheet code here). */
import { createCsvParser, CsvError } from '../import/csv.ts';
import type { Row } from '../../../analytics/reconcile/index.ts';

export class SettlementFileError extends Error {}

/** Rows of CSV text (row = the 1-based line the record starts on). */
export function csvRows(text: string, name = 'file'): Row[] {
  const rows: Row[] = [];
  const p = createCsvParser((r) => rows.push({ cells: r.fields, row: r.line, raw: r.raw }));
  try {
    p.push(text);
    p.end();
  } catch (e) {
    if (e instanceof CsvError) throw new SettlementFileError(`${name}: not a readable CSV file: ${e.message}`);
    throw e;
  }
  return rows;
}

export function decodeText(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SettlementFileError(`${name}: the file is not UTF-8 text (save it as CSV UTF-8 and try again)`);
  }
}

