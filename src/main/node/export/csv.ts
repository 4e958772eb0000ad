/**
 * CSV bytes (RFC 4180: comma, CRLF, quotes doubled; UTF-8 with a BOM so spreadsheet apps read
 * Vietnamese text correctly), safe against CSV/formula injection: a text cell starting with
 * = + - @ TAB or CR gets a leading single quote, so no spreadsheet evaluates it. Numbers stay numbers.
 *
 * @example
 *   toCsv([{ step: 'Landing', units: 120 }], [{ key: 'step', header: 'Step' }, { key: 'units', header: 'Units' }]);
 */
export type Cell = string | number | boolean | null | undefined | Date;

export interface ExportColumn<T> {
  header: string;
  /** a property of the row, or a function of it */
  key: (keyof T & string) | ((row: T) => Cell);
}

const DANGEROUS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** The text a spreadsheet must show literally: prefixed with ' when it could start a formula. */
export function neutralize(text: string): string {
  return text.length > 0 && DANGEROUS.has(text[0]!) ? "'" + text : text;
}

export function cellValue<T>(row: T, c: ExportColumn<T>): Cell {
  return typeof c.key === 'function' ? c.key(row) : (row[c.key] as Cell);
}

/** A cell as text (before CSV quoting): numbers as is, dates as ISO 8601, text neutralized. */
export function cellText(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString();
  return neutralize(v);
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

export function toCsv<T>(rows: readonly T[], columns: readonly ExportColumn<T>[], opts: { bom?: boolean } = {}): Buffer {
  const lines: string[] = [columns.map((c) => quote(neutralize(c.header))).join(',')];
  for (const r of rows) lines.push(columns.map((c) => quote(cellText(cellValue(r, c)))).join(','));
  const text = lines.join('\r\n') + '\r\n';
  return Buffer.concat([opts.bom === false ? Buffer.alloc(0) : Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}
