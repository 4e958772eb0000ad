/**
 * XLSX bytes with cell fills (a heatmap-coloured sheet). The community build of `xlsx` (SheetJS)
 * writes no cell styles, so workbooks that need fills are written with exceljs. Same rules as the
 * other exports: text cells get the formula-injection guard (a leading single quote before
 * = + - @ TAB CR), numbers are numeric cells, no cell is ever written as a formula.
 */
import { excelJsLib } from './libs.ts';
import type { Cell } from './csv.ts';
import { sheetName, xlsxCell } from './xlsx.ts';

export interface StyledCell { value: Cell; /** background as RRGGBB */ fill?: string; /** number format, e.g. '0.0%' */ format?: string; bold?: boolean }
export interface StyledSheet { name: string; rows: (Cell | StyledCell)[][]; widths?: number[] }

const isStyled = (c: Cell | StyledCell): c is StyledCell => typeof c === 'object' && c !== null && !(c instanceof Date) && 'value' in c;

export async function toStyledXlsx(sheets: readonly StyledSheet[]): Promise<Buffer> {
  const ExcelJS = excelJsLib();
  const wb = new ExcelJS.Workbook();
  const used = new Set<string>();
  for (const s of sheets) {
    const ws = wb.addWorksheet(sheetName(s.name, used));
    s.rows.forEach((row, r) => {
      row.forEach((c, k) => {
        const cell = ws.getCell(r + 1, k + 1);
        if (isStyled(c)) {
          cell.value = xlsxCell(c.value);
          if (c.fill) cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF' + c.fill.toUpperCase() } };
          if (c.format) cell.numFmt = c.format;
          if (c.bold) cell.font = { bold: true };
        } else cell.value = xlsxCell(c);
      });
    });
    s.widths?.forEach((w, k) => (ws.getColumn(k + 1).width = w));
  }
  if (sheets.length === 0) wb.addWorksheet('Sheet1');
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A white -> blue ramp for a share in [0, 1] (RRGGBB), the heatmap's colour scale. */
export function heatColour(pct: number): string {
  const t = Math.max(0, Math.min(1, pct));
  const from = [0xf7, 0xfb, 0xff], to = [0x08, 0x51, 0x9c];
  return from.map((f, i) => Math.round(f + (to[i]! - f) * t).toString(16).padStart(2, '0')).join('');
}
