/**
 * What every settlement adapter shares: rows of cells in, normalized records and per-row errors
 * out. Adapters are pure (no I/O): the caller reads CSV (src/main/node/import/csv.ts) or XLSX
 * (exceljs) into rows, and picks the adapter from the header, never from column positions.
 */
import type { RecordType, RowError, SettlementRecord } from '../types.ts';
import { FieldError } from '../amount.ts';

/** One row of a file: its cells as text, its 1-based row (CSV line / sheet row) and the raw text. */
export interface Row { cells: string[]; row: number; raw: string }

export type AdapterId = 'platform' | 'stripe' | 'adyen' | 'paypal' | 'vnpay' | 'momo';

export interface AdapterContext {
  /** input id recorded on every record (sha-256 of the file) */
  source: string;
  /** business date of the report */
  date: string;
  /** gateway to assume when the file does not name one per row */
  gateway?: string | null;
}

export interface AdapterOutput {
  adapter: AdapterId;
  /** the gateway the format belongs to (null: per row, the platform format) */
  gateway: string | null;
  records: SettlementRecord[];
  errors: RowError[];
  /** data rows seen (header and control rows excluded) */
  rows: number;
  /** valid rows that are not settlements (e.g. failed transactions with a non-success response code) */
  skipped: number;
}

export interface SettlementAdapter {
  id: AdapterId;
  label: string;
  gateway: string | null;
  /** true when the file's header (first rows) is this format's */
  detect(rows: readonly Row[]): boolean;
  parse(rows: readonly Row[], ctx: AdapterContext): AdapterOutput;
}

/** Header names compared case- and space-insensitively: "Gross Debit (GC)" -> "gross debit (gc)". */
export function norm(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/\s+/g, ' ');
}

export class Header {
  readonly names: string[];
  private readonly index = new Map<string, number>();
  constructor(cells: readonly string[]) {
    this.names = cells.map(norm);
    this.names.forEach((n, i) => {
      if (!this.index.has(n)) this.index.set(n, i);
    });
  }
  has(...names: string[]): boolean {
    return names.every((n) => this.index.has(norm(n)));
  }
  col(...alternatives: string[]): number {
    for (const a of alternatives) {
      const i = this.index.get(norm(a));
      if (i !== undefined) return i;
    }
    return -1;
  }
  /** the columns that are missing among `names` */
  missing(names: readonly string[]): string[] {
    return names.filter((n) => !this.index.has(norm(n)));
  }
}

/** Cell accessor for one row: '' for absent columns. */
export function cell(r: Row, i: number): string {
  return i >= 0 ? (r.cells[i] ?? '') : '';
}

/** a row whose cells are all empty or blank */
export function blank(r: Row): boolean {
  const c = r.cells;
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    if (v.length > 0 && v.trim() !== '') return false;
  }
  return true;
}

export function firstRow(rows: readonly Row[]): Row | undefined {
  return rows.find((r) => r.cells.some((c) => c.trim() !== ''));
}

export function makeOutput(adapter: AdapterId, gateway: string | null): AdapterOutput {
  return { adapter, gateway, records: [], errors: [], rows: 0, skipped: 0 };
}

/** Run `fn` for a data row; a FieldError becomes a row error naming the field. */
export function guard(out: AdapterOutput, r: Row, fn: () => SettlementRecord | null | 'skip'): void {
  out.rows++;
  try {
    const rec = fn();
    if (rec === 'skip') out.skipped++;
    else if (rec) out.records.push(rec);
  } catch (e) {
    if (e instanceof FieldError) out.errors.push({ row: r.row, field: e.field, reason: e.message, raw: r.raw });
    else out.errors.push({ row: r.row, field: '', reason: (e as Error).message, raw: r.raw });
  }
}

export function missingColumns(out: AdapterOutput, header: Row, label: string, missing: string[]): AdapterOutput {
  out.errors.push({ row: header.row, field: missing.join(', '), reason: `the ${label} header lacks the column(s) ${missing.join(', ')}`, raw: header.raw });
  return out;
}

export function record(p: {
  gateway: string; recordType: RecordType; gatewayTxnId: string | null; paymentId: string | null; orderId: string | null;
  originalTxnId?: string | null; amount: number; currency: string; fee: number; net?: number; netCurrency?: string;
  settledAt: number | null; ctx: AdapterContext; row: number;
}): SettlementRecord {
  const netCurrency = p.netCurrency ?? p.currency;
  return {
    gateway: p.gateway, recordType: p.recordType, gatewayTxnId: p.gatewayTxnId, paymentId: p.paymentId, orderId: p.orderId,
    originalTxnId: p.originalTxnId ?? null, amount: p.amount + 0, currency: p.currency, fee: p.fee + 0,
    net: (p.net ?? p.amount - p.fee) + 0, netCurrency, settledAt: p.settledAt, date: p.ctx.date, source: p.ctx.source, row: p.row,
  };
}

export function requireText(v: string | null, field: string): string {
  if (v === null) throw new FieldError(field, `${field} is empty`);
  return v;
}
