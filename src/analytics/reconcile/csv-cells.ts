/** CSV cells of the report: RFC 4180 quoting and the formula-injection guard. */

const NUMBER_RE = /^-?\d+(\.\d+)?$/;

/** The cell as a spreadsheet will treat as text: risky leading characters get a ' prefix. */
export function formulaSafe(v: string): string {
  if (v.length === 0) return v;
  const c = v.charCodeAt(0);
  // = + - @ TAB CR
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13) return v;
  return NUMBER_RE.test(v) ? v : `'${v}`;
}

const SPECIAL_RE = /[",\r\n]/;

/** A text cell: guarded, quoted when it holds a quote, comma or line break. */
export function csvCell(v: string): string {
  const s = formulaSafe(v);
  return SPECIAL_RE.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const cellOf = (v: string | null | undefined): string => (v === null || v === undefined ? '' : csvCell(v));
