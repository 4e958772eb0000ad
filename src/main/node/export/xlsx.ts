/**
 * XLSX bytes with the `xlsx` (SheetJS) package, used for writing only. Text cells get the same
 * formula-injection guard as CSV (a leading single quote before = + - @ TAB CR); numbers are
 * numeric cells; no cell is ever written as a formula.
 */
import { xlsxLib } from './libs.ts';
import { cellValue, neutralize, type Cell, type ExportColumn } from './csv.ts';

export interface Sheet<T = any> { name: string; rows: readonly T[]; columns: readonly ExportColumn<T>[] }

function xlsxCell(v: Cell): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return neutralize(v);
}

/** A valid, unique sheet name (31 chars, none of : \ / ? * [ ]). */
function sheetName(name: string, used: Set<string>): string {
  const base = (name.replace(/[:\\/?*[\]]/g, ' ').trim() || 'Sheet').slice(0, 31);
  let n = base;
  for (let i = 2; used.has(n.toLowerCase()); i++) n = `${base.slice(0, 28)} ${i}`;
  used.add(n.toLowerCase());
  return n;
}

export function toXlsx(sheets: readonly Sheet[]): Buffer {
  const XLSX = xlsxLib();
  const wb = XLSX.utils.book_new();
  const used = new Set<string>();
  for (const s of sheets) {
    const aoa: (string | number | boolean | null)[][] = [s.columns.map((c) => neutralize(c.header))];
    for (const r of s.rows) aoa.push(s.columns.map((c) => xlsxCell(cellValue(r, c))));
    const ws = XLSX.utils.aoa_to_sheet(aoa);
    XLSX.utils.book_append_sheet(wb, ws, sheetName(s.name, used));
  }
  if (sheets.length === 0) XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([[]]), 'Sheet1');
  return XLSX.write(wb, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
}
