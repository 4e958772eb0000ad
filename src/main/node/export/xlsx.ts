/**
 * XLSX bytes with the `xlsx` (SheetJS) package, used for writing only. Text cells get the same
 * formula-injection guard as CSV (a leading single quote before = + - @ TAB CR); numbers are
 * numeric cells; no cell is ever written as a formula.
 */
import { xlsxLib } from './libs.ts';
import { cellValue, neutralize, type Cell, type ExportColumn } from './csv.ts';

export interface Sheet<T = any> { name: string; rows: readonly T[]; columns: readonly ExportColumn<T>[] }

/** A cell as written: numbers as is (non-finite as empty), dates as ISO 8601, text with the formula guard. */
export function xlsxCell(v: Cell): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return neutralize(v);
}

/** A valid, unique sheet name (31 chars, none of : \ / ? * [ ]). */
export function sheetName(name: string, used: Set<string>): string {
  const base = (name.replace(/[:\\/?*[\]]/g, ' ').trim() || 'Sheet').slice(0, 31);
  let n = base;
  for (let i = 2; used.has(n.toLowerCase()); i++) n = `${base.slice(0, 28)} ${i}`;
  used.add(n.toLowerCase());
  return n;
}

export function toXlsx(sheets: readonly Sheet[]): Buffer {
  return rowsToXlsx(sheets.map((s) => ({
    name: s.name,
    rows: [s.columns.map((c) => neutralize(c.header)), ...s.rows.map((r) => s.columns.map((c) => xlsxCell(cellValue(r, c))))],
  })));
}

/** Sheets of cells that are already as they should be written (the caller applied the formula guard). */
export function rowsToXlsx(sheets: readonly { name: string; rows: readonly (readonly (string | number | boolean | null)[])[] }[]): Buffer {
  const XLSX = xlsxLib();
  const wb = XLSX.utils.book_new();
  const used = new Set<string>();
  for (const s of sheets) XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(s.rows as (string | number | boolean | null)[][]), sheetName(s.name, used));
  if (sheets.length === 0) XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([[]]), 'Sheet1');
  return XLSX.write(wb, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
}
