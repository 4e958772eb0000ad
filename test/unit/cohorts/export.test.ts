/**
 * The heatmap workbook (exceljs, since the community xlsx build writes no fills) is formula-injection
 * safe and carries the fills: parse it back with exceljs.
 */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { toStyledXlsx, heatColour } from '../../../src/main/node/export/index.ts';

const EVIL = ['=1+2', '+SUM(A1:A2)', '-2+3', '@cmd', '\tTAB', '\rCR', '=HYPERLINK("http://x","y")'];

describe('styled XLSX export', () => {
  it('neutralises text that would start a formula, keeps numbers numeric, writes fills and formats', async () => {
    const bytes = await toStyledXlsx([{
      name: 'Heat:map/[1]',
      rows: [
        [{ value: '=header', bold: true }, 'n'],
        ...EVIL.map((t, i) => [t, { value: i / 10, fill: heatColour(i / 10), format: '0.0%' }]),
      ],
    }]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('Heat map  1');
    expect(ws.getCell(1, 1).value).toBe("'=header");
    EVIL.forEach((t, i) => {
      const c = ws.getCell(i + 2, 1);
      // (XML normalises a lone CR to LF)
      expect(String(c.value).replace(/\r\n?/g, '\n')).toBe(("'" + t).replace(/\r\n?/g, '\n'));
      expect(c.formula).toBeUndefined();
      expect(ws.getCell(i + 2, 2).value).toBe(i / 10);
      expect(ws.getCell(i + 2, 2).numFmt).toBe('0.0%');
      expect((ws.getCell(i + 2, 2).fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FF' + heatColour(i / 10).toUpperCase());
    });
  });
  it('colours from white (0) to dark blue (1), clamped', () => {
    expect(heatColour(0)).toBe('f7fbff');
    expect(heatColour(1)).toBe('08519c');
    expect(heatColour(2)).toBe('08519c');
    expect(heatColour(-1)).toBe('f7fbff');
  });
});
