/**
 * The reconciliation report (spec 5.1, step 4) and its summary. Pure: items in, bytes-to-be out.
 *
 * CSV: `reconciliation_report_YYYY-MM-DD.csv`, RFC 4180, CRLF, UTF-8, header row. The spec's
 * columns first and in order (payment_id, order_id, gateway_txn_id, captured_amount,
 * settled_amount, status, discrepancy), then currency and gateway, then details. Amounts are exact
 * decimal strings in major units for the currency's exponent. Rows are ordered by record key, and
 * nothing time-dependent is written, so the same inputs give the same bytes.
 *
 * Formula injection: a cell starting with = + - @ TAB or CR is prefixed with a single quote, so a
 * spreadsheet shows it as text; plain decimal numbers ("-125000", "-12.50") are left as they are
 * (a number is never evaluated as a formula).
 */
import { convertMinor, divRoundHalfEven, exponentOf, formatMinor, MoneyBag } from '../money.ts';
import { EXCEPTION_STATUSES, STATUSES, type ControlTotal, type ReconItem, type ReconStatus } from './types.ts';
import { csvCell as csvCellText, cellOf, formulaSafe } from './csv-cells.ts';

export const REPORT_COLUMNS = [
  'payment_id', 'order_id', 'gateway_txn_id', 'captured_amount', 'settled_amount', 'status', 'discrepancy',
  'currency', 'gateway',
  'record_type', 'settled_currency', 'event_amount', 'fee', 'fee_currency', 'captured_date', 'settled_date', 'review', 'record_key', 'note',
] as const;

export function reportFileName(date: string, ext: 'csv' | 'xlsx' = 'csv'): string {
  return `reconciliation_report_${date}.${ext}`;
}

export { formulaSafe } from './csv-cells.ts';

const money = (minor: number | null, currency: string | null): string | null => (minor === null || currency === null ? null : formatMinor(minor, currency));

/** One item as report cells (strings, null = empty), in REPORT_COLUMNS order. */
export function reportCells(it: ReconItem): (string | null)[] {
  return [
    it.paymentId, it.orderId, it.gatewayTxnId, money(it.captured, it.currency), money(it.settled, it.settledCurrency), it.status,
    money(it.discrepancy, it.currency), it.currency, it.gateway,
    it.recordType, it.settledCurrency, money(it.eventAmount, it.currency), money(it.fee, it.feeCurrency), it.feeCurrency,
    it.capturedDate, it.settledDate, it.review, it.key, it.note || null,
  ];
}

/** The report CSV. Items are written in key order whatever their order here. */
export function reportCsv(items: readonly ReconItem[]): string {
  const parts: string[] = [];
  writeReportCsv(items, (s) => parts.push(s));
  return parts.join('');
}

/** The report CSV in pieces of `chunkRows` lines (large reports are written without one big string). */
export function writeReportCsv(items: readonly ReconItem[], write: (text: string) => void, chunkRows = 10_000): void {
  const sorted = isSortedByKey(items) ? items : [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let buf = REPORT_COLUMNS.join(',') + '\r\n';
  let n = 0;
  for (const it of sorted) {
    buf += reportLine(it);
    if (++n >= chunkRows) {
      write(buf);
      buf = '';
      n = 0;
    }
  }
  if (buf.length > 0) write(buf);
}

/** The report CSV of a match plan, line by line in key order (no array of a million items). */
export function writePlanCsv(plan: { count: number; order: ArrayLike<number>; line(i: number): string }, write: (text: string) => void, chunkRows = 500): void {
  let buf: string[] = [REPORT_COLUMNS.join(',') + '\r\n'];
  for (let k = 0; k < plan.count; k++) {
    buf.push(plan.line(plan.order[k]!));
    if (buf.length >= chunkRows) {
      write(buf.join(''));
      buf = [];
    }
  }
  if (buf.length > 0) write(buf.join(''));
}

/** Exact decimal text of an amount; text that cannot need quoting or a formula guard (digits, '-' and '.'). */
const amt = (minor: number | null, currency: string | null): string => (minor === null || currency === null ? '' : formatMinor(minor, currency));

/** One report line (CRLF-terminated), the cells of reportCells() without building an array. */
export function reportLine(it: ReconItem): string {
  return cellOf(it.paymentId) + ',' + cellOf(it.orderId) + ',' + cellOf(it.gatewayTxnId) + ',' + amt(it.captured, it.currency) + ',' + amt(it.settled, it.settledCurrency) + ',' +
    it.status + ',' + amt(it.discrepancy, it.currency) + ',' + cellOf(it.currency) + ',' + cellOf(it.gateway) + ',' + it.recordType + ',' + cellOf(it.settledCurrency) + ',' +
    amt(it.eventAmount, it.currency) + ',' + amt(it.fee, it.feeCurrency) + ',' + cellOf(it.feeCurrency) + ',' + cellOf(it.capturedDate) + ',' + cellOf(it.settledDate) + ',' +
    it.review + ',' + cellOf(it.key) + ',' + (it.note ? csvCellText(it.note) : '') + '\r\n';
}

function isSortedByKey(items: readonly ReconItem[]): boolean {
  for (let i = 1; i < items.length; i++) if (items[i - 1]!.key > items[i]!.key) return false;
  return true;
}

// ---------------------------------------------------------------- summary

export interface CurrencyAmount { currency: string; minor: number }

export interface StatusRow {
  status: ReconStatus;
  count: number;
  /** internal_only: how many are still within the settlement window */
  pending: number;
  exceptions: number;
  captured: CurrencyAmount[];
  settled: CurrencyAmount[];
  discrepancy: CurrencyAmount[];
}

export interface GatewayRow {
  gateway: string;
  count: number;
  exceptions: number;
  pending: number;
  byStatus: Partial<Record<ReconStatus, number>>;
  settled: CurrencyAmount[];
  fees: CurrencyAmount[];
  absDiscrepancy: CurrencyAmount[];
}

export interface CurrencyRow {
  currency: string;
  count: number;
  captured: number;
  settled: number;
  discrepancy: number;
  /** Σ|discrepancy| over the exception items in this currency (currency mismatches: |captured|) */
  exceptionAbs: number;
  fees: number;
}

export interface ConvertedTotal {
  /** in `currency` (the alert threshold's) */
  minor: number;
  currency: string;
  byCurrency: { currency: string; minor: number; converted: number | null; rate: string | null }[];
  /** currencies without a rate: left out of `minor` */
  missingRates: string[];
}

export interface ReconSummary {
  date: string;
  items: number;
  exceptions: number;
  pending: number;
  /** exceptions not resolved (resolutions carried over) */
  openExceptions: number;
  byStatus: StatusRow[];
  byGateway: GatewayRow[];
  byCurrency: CurrencyRow[];
  fees: { gateway: string; currency: string; minor: number; rows: number }[];
  controlTotals: ControlTotal[];
  /** Σ|discrepancy| over all exception items, converted */
  totalDiscrepancy: ConvertedTotal;
  /** the same over the exceptions still open: what the alert compares */
  openDiscrepancy: ConvertedTotal;
  threshold: { minor: number; currency: string };
  alert: boolean;
  warnings: string[];
}

export interface SummaryOptions {
  date: string;
  threshold: { minor: number; currency: string };
  /** the workspace rates: units of `reportingCurrency` per 1 unit of each other currency (decimal strings) */
  fxRates: Readonly<Record<string, string>>;
  reportingCurrency: string;
  controlTotals?: readonly ControlTotal[];
  warnings?: readonly string[];
  /** keys of items resolved (their resolution still applies) */
  resolved?: ReadonlySet<string>;
}

/** |discrepancy| of an exception item toward the total (currency mismatches: the whole capture). */
export function exceptionAmount(it: ReconItem): number {
  if (it.review !== 'exception') return 0;
  if (it.status === 'currency_mismatch') return Math.abs(it.captured ?? 0);
  return Math.abs(it.discrepancy ?? 0);
}

const bagList = (b: MoneyBag): CurrencyAmount[] => b.entries().map((e) => ({ currency: e.currency, minor: e.minor }));

export function summarize(items: readonly ReconItem[], o: SummaryOptions): ReconSummary {
  const st = new Map<ReconStatus, { count: number; pending: number; exceptions: number; captured: MoneyBag; settled: MoneyBag; discrepancy: MoneyBag }>();
  for (const s of STATUSES) st.set(s, { count: 0, pending: 0, exceptions: 0, captured: new MoneyBag(), settled: new MoneyBag(), discrepancy: new MoneyBag() });
  const gw = new Map<string, { count: number; exceptions: number; pending: number; byStatus: Partial<Record<ReconStatus, number>>; settled: MoneyBag; fees: MoneyBag; abs: MoneyBag }>();
  const cur = new Map<string, CurrencyRow>();
  const fees = new Map<string, { gateway: string; currency: string; minor: number; rows: number }>();
  const all = new MoneyBag();
  const open = new MoneyBag();
  let exceptions = 0, pending = 0, openExceptions = 0;
  const curRow = (c: string): CurrencyRow => {
    let r = cur.get(c);
    if (!r) cur.set(c, (r = { currency: c, count: 0, captured: 0, settled: 0, discrepancy: 0, exceptionAbs: 0, fees: 0 }));
    return r;
  };
  for (const it of items) {
    const s = st.get(it.status)!;
    s.count++;
    if (it.review === 'pending') { s.pending++; pending++; }
    if (it.review === 'exception') {
      s.exceptions++;
      exceptions++;
      if (!o.resolved?.has(it.key)) openExceptions++;
    }
    if (it.captured !== null) s.captured.add(it.captured, it.currency);
    if (it.settled !== null && it.settledCurrency !== null) s.settled.add(it.settled, it.settledCurrency);
    if (it.discrepancy !== null) s.discrepancy.add(it.discrepancy, it.currency);
    let g = gw.get(it.gateway);
    if (!g) gw.set(it.gateway, (g = { count: 0, exceptions: 0, pending: 0, byStatus: {}, settled: new MoneyBag(), fees: new MoneyBag(), abs: new MoneyBag() }));
    g.count++;
    g.byStatus[it.status] = (g.byStatus[it.status] ?? 0) + 1;
    if (it.review === 'exception') g.exceptions++;
    if (it.review === 'pending') g.pending++;
    if (it.settled !== null && it.settledCurrency !== null) g.settled.add(it.settled, it.settledCurrency);
    const c = curRow(it.currency);
    c.count++;
    if (it.captured !== null) c.captured += it.captured;
    if (it.discrepancy !== null) c.discrepancy += it.discrepancy;
    if (it.settled !== null && it.settledCurrency !== null) curRow(it.settledCurrency).settled += it.settled;
    const x = exceptionAmount(it);
    if (x !== 0) {
      c.exceptionAbs += x;
      g.abs.add(x, it.currency);
      all.add(x, it.currency);
      if (!o.resolved?.has(it.key)) open.add(x, it.currency);
    }
    if (it.fee !== null && it.feeCurrency !== null && it.fee !== 0) {
      g.fees.add(it.fee, it.feeCurrency);
      curRow(it.feeCurrency).fees += it.fee;
      const k = `${it.gateway}|${it.feeCurrency}`;
      const f = fees.get(k) ?? { gateway: it.gateway, currency: it.feeCurrency, minor: 0, rows: 0 };
      f.minor += it.fee;
      f.rows++;
      fees.set(k, f);
    }
  }
  const totalDiscrepancy = convertTotal(all, o);
  const openDiscrepancy = convertTotal(open, o);
  const byKey = <T>(m: Map<string, T>): [string, T][] => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    date: o.date,
    items: items.length,
    exceptions,
    pending,
    openExceptions,
    byStatus: STATUSES.map((status) => {
      const s = st.get(status)!;
      return { status, count: s.count, pending: s.pending, exceptions: s.exceptions, captured: bagList(s.captured), settled: bagList(s.settled), discrepancy: bagList(s.discrepancy) };
    }),
    byGateway: byKey(gw).map(([gateway, g]) => ({
      gateway, count: g.count, exceptions: g.exceptions, pending: g.pending, byStatus: g.byStatus, settled: bagList(g.settled), fees: bagList(g.fees), absDiscrepancy: bagList(g.abs),
    })),
    byCurrency: byKey(cur).map(([, c]) => c),
    fees: byKey(fees).map(([, f]) => f),
    controlTotals: [...(o.controlTotals ?? [])],
    totalDiscrepancy,
    openDiscrepancy,
    threshold: o.threshold,
    alert: openDiscrepancy.minor > o.threshold.minor,
    warnings: [...(o.warnings ?? [])],
  };
}

/**
 * Sum per-currency amounts in the threshold's currency at the workspace rates, converting each
 * currency's sum once (half-even). Rates are units of the reporting currency per 1 unit; when the
 * threshold is in another currency the cross rate rate(c) / rate(threshold) is used.
 */
export function convertTotal(bag: MoneyBag, o: Pick<SummaryOptions, 'threshold' | 'fxRates' | 'reportingCurrency'>): ConvertedTotal {
  const target = o.threshold.currency;
  const out: ConvertedTotal = { minor: 0, currency: target, byCurrency: [], missingRates: [] };
  for (const { currency, minor } of bag.entries()) {
    const rate = rateTo(currency, target, o.fxRates, o.reportingCurrency);
    if (rate === null) {
      out.missingRates.push(currency);
      out.byCurrency.push({ currency, minor, converted: null, rate: null });
      continue;
    }
    const converted = currency === target ? minor : convertRational(minor, currency, target, rate.num, rate.den);
    out.minor += converted;
    out.byCurrency.push({ currency, minor, converted, rate: rate.text });
  }
  return out;
}

function decimal(text: string): { num: bigint; den: bigint } | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  return { num: BigInt(m[1]! + frac), den: 10n ** BigInt(frac.length) };
}

/** Units of `to` per 1 unit of `from` as a fraction, with the text shown to the user. */
export function rateTo(from: string, to: string, fx: Readonly<Record<string, string>>, reporting: string): { num: bigint; den: bigint; text: string } | null {
  if (from === to) return { num: 1n, den: 1n, text: '1' };
  const toRep = (c: string): { num: bigint; den: bigint; text: string } | null => {
    if (c === reporting) return { num: 1n, den: 1n, text: '1' };
    const r = fx[c] ? decimal(fx[c]!) : null;
    return r && r.num > 0n ? { ...r, text: fx[c]! } : null;
  };
  const a = toRep(from);
  const b = toRep(to);
  if (!a || !b) return null;
  if (to === reporting) return a;
  // from -> reporting -> to
  return { num: a.num * b.den, den: a.den * b.num, text: `${a.text} / ${b.text}` };
}

function convertRational(minor: number, from: string, to: string, num: bigint, den: bigint): number {
  if (den === 1n || num % den === 0n) {
    const whole = num / den;
    if (whole.toString().length < 16) return convertMinor(minor, from, to, whole.toString());
  }
  const expDiff = exponentOf(to) - exponentOf(from);
  let n = BigInt(minor) * num;
  let d = den;
  if (expDiff >= 0) n *= 10n ** BigInt(expDiff);
  else d *= 10n ** BigInt(-expDiff);
  return Number(divRoundHalfEven(n, d));
}

export function isException(status: ReconStatus): boolean {
  return (EXCEPTION_STATUSES as readonly string[]).includes(status);
}

// ---------------------------------------------------------------- spreadsheet model

export type SheetCell = string | number | null;
export interface SheetModel { name: string; rows: SheetCell[][]; widths?: number[] }

/** Major-unit number for a spreadsheet cell (exact to the currency's exponent when displayed). */
export function majorNumber(minor: number | null, currency: string | null): number | null {
  if (minor === null || currency === null) return null;
  return Number(formatMinor(minor, currency));
}

export interface WorkbookMeta {
  runId: number | null;
  rulesVersion: string;
  inputs: { kind: string; gateway: string | null; date: string; sha256: string; rows: number; source: string }[];
  params: Record<string, unknown>;
}

/** Sheets of the XLSX report: Summary, Items (the CSV's rows) and Exceptions (with resolutions). */
export function workbookModel(items: readonly ReconItem[], summary: ReconSummary, meta: WorkbookMeta, resolutions: ReadonlyMap<string, { kind: string; note: string; matchedTo: string | null }> = new Map()): SheetModel[] {
  const t = summary.totalDiscrepancy, op = summary.openDiscrepancy;
  const amt = (m: CurrencyAmount[]): string => m.map((x) => `${formatMinor(x.minor, x.currency)} ${x.currency}`).join('; ');
  const s: SheetCell[][] = [
    ['Reconciliation report', summary.date],
    ['Run', meta.runId], ['Rules version', meta.rulesVersion],
    ['Items', summary.items], ['Exceptions', summary.exceptions], ['Open exceptions', summary.openExceptions], ['Pending settlement', summary.pending],
    ['Total discrepancy', majorNumber(t.minor, t.currency), t.currency],
    ['Open discrepancy (alert)', majorNumber(op.minor, op.currency), op.currency],
    ['Alert threshold', majorNumber(summary.threshold.minor, summary.threshold.currency), summary.threshold.currency],
    ['Alert', summary.alert ? 'RAISED' : 'no'],
    [],
    ['Discrepancy by currency', 'Σ|discrepancy|', 'rate', `converted (${t.currency})`],
    ...t.byCurrency.map((b) => [b.currency, majorNumber(b.minor, b.currency), b.rate ?? 'no rate', majorNumber(b.converted, t.currency)] as SheetCell[]),
    [],
    ['Status', 'count', 'exceptions', 'pending', 'captured', 'settled', 'discrepancy'],
    ...summary.byStatus.map((r) => [r.status, r.count, r.exceptions, r.pending, amt(r.captured), amt(r.settled), amt(r.discrepancy)] as SheetCell[]),
    [],
    ['Gateway', 'count', 'exceptions', 'pending', 'settled', 'fees', 'Σ|discrepancy|'],
    ...summary.byGateway.map((g) => [g.gateway, g.count, g.exceptions, g.pending, amt(g.settled), amt(g.fees), amt(g.absDiscrepancy)] as SheetCell[]),
    [],
    ['Currency', 'count', 'captured', 'settled', 'discrepancy', 'Σ|discrepancy| (exceptions)', 'fees'],
    ...summary.byCurrency.map((c) => [c.currency, c.count, majorNumber(c.captured, c.currency), majorNumber(c.settled, c.currency), majorNumber(c.discrepancy, c.currency), majorNumber(c.exceptionAbs, c.currency), majorNumber(c.fees, c.currency)] as SheetCell[]),
    [],
    ['Fees', 'currency', 'total', 'rows'],
    ...summary.fees.map((f) => [f.gateway, f.currency, majorNumber(f.minor, f.currency), f.rows] as SheetCell[]),
    [],
    ['Control totals', 'date', 'currency', 'payout total', 'sum of rows', 'ok'],
    ...summary.controlTotals.map((c) => [c.gateway, c.date, c.currency, majorNumber(c.reported, c.currency), majorNumber(c.computed, c.currency), c.ok ? 'yes' : 'NO'] as SheetCell[]),
    [],
    ['Inputs', 'gateway', 'date', 'rows', 'sha256', 'source'],
    ...meta.inputs.map((i) => [i.kind, i.gateway, i.date, i.rows, i.sha256, i.source] as SheetCell[]),
    [],
    ['Warnings'],
    ...summary.warnings.map((w) => [w] as SheetCell[]),
  ].map((row) => row.map((c) => (typeof c === 'string' ? formulaSafe(c) : c)));
  const head = [...REPORT_COLUMNS];
  const numCols = new Set([3, 4, 6, 11, 12]);
  const itemRow = (it: ReconItem): SheetCell[] => {
    const cells = reportCells(it);
    return cells.map((c, i) => (c === null ? null : numCols.has(i) ? Number(c) : formulaSafe(c)));
  };
  const exc = items.filter((it) => it.review === 'exception');
  return [
    { name: 'Summary', rows: s, widths: [28, 18, 14, 18, 18, 18, 18] },
    { name: 'Items', rows: [head, ...items.map(itemRow)], widths: head.map((h) => (h === 'note' ? 48 : h === 'record_key' ? 36 : 18)) },
    {
      name: 'Exceptions',
      rows: [[...head, 'resolution', 'resolution_note', 'matched_to'], ...exc.map((it) => {
        const r = resolutions.get(it.key);
        return [...itemRow(it), r ? r.kind : 'open', r ? formulaSafe(r.note) : null, r?.matchedTo ? formulaSafe(r.matchedTo) : null];
      })],
      widths: [...head.map(() => 18), 14, 40, 30],
    },
  ];
}
