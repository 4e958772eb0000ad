/**
 * Reading settlement and ledger files into rows for the adapters: CSV through the import's robust
 * RFC 4180 parser (BOM, CRLF, quoted newlines), XLSX through exceljs. Spreadsheet formulas are
 * never evaluated: a formula cell gives its cached result.
 */
import type ExcelJS from 'exceljs';
import { excelJsLib } from '../export/libs.ts';
import { csvRows, decodeText, SettlementFileError } from './csv-rows.ts';
import type { Row } from '../../../analytics/reconcile/index.ts';

export type FileFormat = 'csv' | 'xlsx';

export { csvRows, decodeText, SettlementFileError };

/** XLSX is a zip: "PK\x03\x04". */
export function sniffFormat(name: string, bytes: Uint8Array): FileFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'xlsx';
  if (/\.xlsx$/i.test(name)) throw new SettlementFileError(`${name} is named .xlsx but is not an XLSX (zip) file`);
  return 'csv';
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (typeof v === 'object') {
    const o = v as unknown as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((t) => t.text).join('');
    if ('result' in o) return cellText(o.result as ExcelJS.CellValue);
    if ('formula' in o || 'sharedFormula' in o) return '';
    if (typeof o.text === 'string') return o.text;
    if ('error' in o) return String(o.error);
  }
  return String(v);
}

/** Rows of the first worksheet that has data (row = the sheet's row number). */
export async function xlsxRows(bytes: Uint8Array, name = 'file'): Promise<Row[]> {
  const wb = new (excelJsLib().Workbook)();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new SettlementFileError(`${name}: not a readable XLSX workbook: ${(e as Error).message}`);
  }
  const ws = wb.worksheets.find((w) => w.actualRowCount > 0);
  if (!ws) return [];
  const rows: Row[] = [];
  const width = ws.columnCount;
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(cellText(row.getCell(c).value));
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    rows.push({ cells, row: n, raw: JSON.stringify(cells) });
  });
  return rows;
}

/** Rows of a CSV or XLSX file given as bytes. */
export async function fileRows(name: string, bytes: Uint8Array): Promise<{ format: FileFormat; rows: Row[] }> {
  const format = sniffFormat(name, bytes);
  if (format === 'xlsx') return { format, rows: await xlsxRows(bytes, name) };
  return { format, rows: csvRows(decodeText(bytes, name), name) };
}
