/**
 * Export bytes are safe against CSV/formula injection: parse them back (CSV as text, XLSX with
 * exceljs — never with the xlsx parser) and check every dangerous cell is neutralized.
 */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { toCsv, toXlsx, neutralize, type ExportColumn } from '../../../src/main/node/export/index.ts';

interface Row { label: string; n: number; note: string | null }
const EVIL = ['=1+2', '+SUM(A1:A2)', '-2+3', '@cmd', '\tTAB', '\rCR', '=HYPERLINK("http://x","y")'];
const SAFE = ['Landing', 'Nguyễn Văn An', 'a,b', 'say "hi"', 'line1\nline2', ''];
const rows: Row[] = [...EVIL, ...SAFE].map((label, i) => ({ label, n: i - 3, note: i % 2 ? null : label }));
const columns: ExportColumn<Row>[] = [
  { header: 'label', key: 'label' },
  { header: 'n', key: 'n' },
  { header: '=header', key: (r) => r.note },
];

/** RFC 4180 parser (quotes, doubled quotes, CRLF / LF inside quotes). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); out.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); out.push(row); }
  return out;
}

const isDangerous = (s: string): boolean => /^[=+\-@\t\r]/.test(s);
/** OOXML escapes control characters as _xHHHH_ (Excel decodes them; exceljs leaves them as is). */
const ooxml = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/_x([0-9a-fA-F]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : v);

describe('neutralize', () => {
  it("prefixes text starting with = + - @ TAB CR with a single quote, and nothing else", () => {
    for (const e of EVIL) expect(neutralize(e)).toBe("'" + e);
    for (const s of SAFE) expect(neutralize(s)).toBe(s);
  });
});

describe('toCsv', () => {
  it('round-trips through a CSV parser with every dangerous cell neutralized', () => {
    const bytes = toCsv(rows, columns);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const parsed = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(parsed[0]).toEqual(['label', 'n', "'=header"]);
    expect(parsed).toHaveLength(rows.length + 1);
    parsed.slice(1).forEach((cells, i) => {
      const r = rows[i]!;
      expect(cells[0]).toBe(isDangerous(r.label) ? "'" + r.label : r.label);
      expect(cells[1]).toBe(String(r.n)); // numbers stay numbers, negative ones included
      expect(cells[2]).toBe(r.note === null ? '' : isDangerous(r.note) ? "'" + r.note : r.note);
      for (const c of [cells[0]!, cells[2]!]) expect(isDangerous(c)).toBe(false);
    });
  });
});

describe('toXlsx', () => {
  it('writes text cells as neutralized strings (no formulas) and numbers as numbers', async () => {
    const bytes = toXlsx([{ name: 'Steps: a/b', rows, columns }, { name: 'Steps: a/b', rows: [], columns }]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Steps  a b', 'Steps  a b 2']);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, 'label', 'n', "'=header"]);
    rows.forEach((r, i) => {
      const row = ws.getRow(i + 2);
      const a = row.getCell(1), b = row.getCell(2), c = row.getCell(3);
      for (const cell of [a, b, c]) expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
      if (r.label === '') expect(a.value === null || a.value === '').toBe(true);
      else expect(ooxml(a.value)).toBe(isDangerous(r.label) ? "'" + r.label : r.label);
      expect(b.value).toBe(r.n);
      expect(b.type).toBe(ExcelJS.ValueType.Number);
      if (r.note) expect(ooxml(c.value)).toBe(isDangerous(r.note) ? "'" + r.note : r.note);
      for (const cell of [a, c]) if (typeof cell.value === 'string') expect(isDangerous(ooxml(cell.value) as string)).toBe(false);
    });
  });
});
