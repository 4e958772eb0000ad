/**
 * The Payout Settlement Report (spec 7, daily, for Finance): for business day D, what was
 * disbursed, what is pending and which payout discrepancies are open — per currency, per gateway
 * and per seller — with the same figures for D−1 and the day-over-day change. Pure; the caller
 * passes every record that can touch D−1 or D. Amounts are integer minor units per currency.
 *
 * - disbursed(D): weekly payouts disbursed during D (synced `payout.disbursed` events) plus
 *   corrective transfers sent during D.
 * - pending(D): earned but not yet paid out at the end of D: the seller net (released − commission
 *   − fee) of escrow released from the Monday of D's ISO week to the end of D, less penalties of that
 *   span (the platform pays the week on the Monday after), plus corrective transfers proposed by the
 *   end of D and not sent by then.
 * - discrepancies(D): tickets open or in review at the end of D (state replayed from their
 *   history), Σ|difference|; `new` = opened during D.
 * - Per gateway: a seller's amounts are attributed to the gateways of its orders' payments in
 *   proportion to the escrow they released (largest remainder, so the parts sum exactly); "" when
 *   no release is known.
 */
import { attributeToGateways, splitRelease, PAYOUT_RULES_VERSION } from './engine.ts';
import { addDays, dayRange, isoWeekKey } from '../calendar.ts';
import { isoWeekMonday } from './engine.ts';

export interface ReportRelease { escrowId: string; sellerId: string; amount: number; currency: string; bps: number; fee: number; time: number; gateway: string | null }
export interface ReportPenalty { penaltyId: string; sellerId: string; amount: number; currency: string; time: number }
export interface ReportDisbursement { disbursementId: string; sellerId: string; week: string; amount: number; currency: string; time: number }
export interface ReportTransfer { id: number; sellerId: string; amount: number; currency: string; week: string; proposedAt: number; sentAt: number | null; cancelled: boolean }
export interface ReportTicket { id: number; week: string; sellerId: string; currency: string; direction: string; difference: number; openedAt: number; history: { at: number; to: string }[] }

export interface ReportInputs {
  date: string;
  timezone: string;
  releases: readonly ReportRelease[];
  penalties: readonly ReportPenalty[];
  disbursements: readonly ReportDisbursement[];
  transfers: readonly ReportTransfer[];
  tickets: readonly ReportTicket[];
  /** escrow per gateway of a seller's week ("week|seller|currency"), for attribution */
  weights: ReadonlyMap<string, readonly { gateway: string; escrow: number }[]>;
}

export interface Figures { disbursed: number; payouts: number; transfersSent: number; pending: number; openDiscrepancy: number; openTickets: number; newTickets: number }
export interface ReportRow { currency: string; today: Figures; previous: Figures; change: Figures }
export interface GatewayRow extends ReportRow { gateway: string }
export interface SellerRow extends ReportRow { sellerId: string }
export interface TicketAtDay { id: number; week: string; sellerId: string; currency: string; direction: string; difference: number; state: string; openedAt: number }

export interface SettlementReport {
  date: string;
  previousDate: string;
  timezone: string;
  rulesVersion: string;
  byCurrency: ReportRow[];
  byGateway: GatewayRow[];
  bySeller: SellerRow[];
  openTickets: TicketAtDay[];
}

const FIELDS = ['disbursed', 'payouts', 'transfersSent', 'pending', 'openDiscrepancy', 'openTickets', 'newTickets'] as const;
const zero = (): Figures => ({ disbursed: 0, payouts: 0, transfersSent: 0, pending: 0, openDiscrepancy: 0, openTickets: 0, newTickets: 0 });
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Cell = Map<string, Figures>; // "seller|currency|gateway"

const cellKey = (seller: string, currency: string, gateway: string): string => `${seller}\u0000${currency}\u0000${gateway}`;

function cellOf(cells: Cell, k: string): Figures {
  let c = cells.get(k);
  if (!c) {
    c = zero();
    cells.set(k, c);
  }
  return c;
}

function add(cells: Cell, seller: string, currency: string, gateway: string, f: Partial<Figures>): void {
  const c = cellOf(cells, cellKey(seller, currency, gateway));
  for (const name in f) c[name as keyof Figures] += f[name as keyof Figures]!;
}

/**
 * Per release, computed once for both days: its cell key, its seller net and its "seller|currency"
 * key (the releases of a week run to a million rows, so the day loops only add numbers).
 */
interface ReleaseIndex { key: string[]; net: Float64Array; sellerCurrency: string[] }

function indexReleases(releases: readonly ReportRelease[]): ReleaseIndex {
  const n = releases.length;
  const out: ReleaseIndex = { key: new Array<string>(n), net: new Float64Array(n), sellerCurrency: new Array<string>(n) };
  for (let i = 0; i < n; i++) {
    const r = releases[i]!;
    out.key[i] = cellKey(r.sellerId, r.currency, r.gateway ?? '');
    out.net[i] = splitRelease(r.amount, r.bps, r.fee).net;
    out.sellerCurrency[i] = `${r.sellerId}|${r.currency}`;
  }
  return out;
}

function weightsFor(inp: ReportInputs, week: string, seller: string, currency: string): readonly { gateway: string; escrow: number }[] {
  return inp.weights.get(`${week}|${seller}|${currency}`) ?? [];
}

/** The state of a ticket at instant t (its history replayed), or null when not opened yet. */
function stateAt(t: ReportTicket, at: number): string | null {
  if (t.openedAt >= at) return null;
  let s = 'open';
  for (const h of [...t.history].sort((a, b) => a.at - b.at)) if (h.at < at) s = h.to;
  return s;
}

function dayCells(inp: ReportInputs, idx: ReleaseIndex, day: string): Cell {
  const tz = inp.timezone;
  const { start, end } = dayRange(day, tz);
  const weekStart = dayRange(isoWeekMonday(isoWeekKey(day)), tz).start;
  const cells: Cell = new Map();
  for (const d of inp.disbursements) {
    if (d.time < start || d.time >= end) continue;
    for (const p of attributeToGateways(d.amount, weightsFor(inp, d.week, d.sellerId, d.currency))) add(cells, d.sellerId, d.currency, p.gateway, { disbursed: p.amount, payouts: p.amount });
  }
  for (const t of inp.transfers) {
    const w = weightsFor(inp, t.week, t.sellerId, t.currency);
    if (t.sentAt !== null && t.sentAt >= start && t.sentAt < end) {
      for (const p of attributeToGateways(t.amount, w)) add(cells, t.sellerId, t.currency, p.gateway, { disbursed: p.amount, transfersSent: p.amount });
    }
    if (!t.cancelled && t.proposedAt < end && (t.sentAt === null || t.sentAt >= end)) {
      for (const p of attributeToGateways(t.amount, w)) add(cells, t.sellerId, t.currency, p.gateway, { pending: p.amount });
    }
  }
  // pending earnings of the open week; escrow per gateway only for the sellers with penalties in it
  const penalised = new Set<string>();
  for (const p of inp.penalties) if (p.time >= weekStart && p.time < end) penalised.add(`${p.sellerId}|${p.currency}`);
  const gw = new Map<string, Map<string, number>>();
  const releases = inp.releases;
  for (let i = 0; i < releases.length; i++) {
    const r = releases[i]!;
    if (r.time < weekStart || r.time >= end) continue;
    cellOf(cells, idx.key[i]!).pending += idx.net[i]!;
    const sc = idx.sellerCurrency[i]!;
    if (!penalised.has(sc)) continue;
    let m = gw.get(sc);
    if (!m) gw.set(sc, (m = new Map<string, number>()));
    m.set(r.gateway ?? '', (m.get(r.gateway ?? '') ?? 0) + r.amount);
  }
  for (const p of inp.penalties) {
    if (p.time < weekStart || p.time >= end) continue;
    const m = gw.get(`${p.sellerId}|${p.currency}`);
    const w = m ? [...m.entries()].sort((a, b) => cmp(a[0], b[0])).map(([gateway, escrow]) => ({ gateway, escrow })) : [];
    for (const part of attributeToGateways(p.amount, w)) add(cells, p.sellerId, p.currency, part.gateway, { pending: -part.amount });
  }
  for (const t of inp.tickets) {
    const s = stateAt(t, end);
    if (s === null || s === 'resolved') continue;
    const isNew = t.openedAt >= start && t.openedAt < end;
    const parts = attributeToGateways(Math.abs(t.difference), weightsFor(inp, t.week, t.sellerId, t.currency));
    parts.forEach((p, i) => add(cells, t.sellerId, t.currency, p.gateway, { openDiscrepancy: p.amount, openTickets: i === 0 ? 1 : 0, newTickets: i === 0 && isNew ? 1 : 0 }));
  }
  return cells;
}

function diff(a: Figures, b: Figures): Figures {
  const out = zero();
  for (const f of FIELDS) out[f] = a[f] - b[f];
  return out;
}

function rollup<K extends string>(today: Cell, prev: Cell, keyOf: (seller: string, currency: string, gateway: string) => K): Map<K, { today: Figures; previous: Figures }> {
  const out = new Map<K, { today: Figures; previous: Figures }>();
  const put = (cells: Cell, which: 'today' | 'previous') => {
    for (const [k, f] of cells) {
      const [seller, currency, gateway] = k.split('\u0000') as [string, string, string];
      const key = keyOf(seller, currency, gateway);
      let r = out.get(key);
      if (!r) {
        r = { today: zero(), previous: zero() };
        out.set(key, r);
      }
      for (const name of FIELDS) r[which][name] += f[name];
    }
  };
  put(today, 'today');
  put(prev, 'previous');
  return out;
}

export function settlementReport(inp: ReportInputs): SettlementReport {
  const previousDate = addDays(inp.date, -1);
  const idx = indexReleases(inp.releases);
  const today = dayCells(inp, idx, inp.date);
  const prev = dayCells(inp, idx, previousDate);
  const byCurrency = [...rollup(today, prev, (_s, c) => c).entries()].sort((a, b) => cmp(a[0], b[0]))
    .map(([currency, r]) => ({ currency, today: r.today, previous: r.previous, change: diff(r.today, r.previous) }));
  const byGateway = [...rollup(today, prev, (_s, c, g) => `${g}\u0000${c}`).entries()].sort((a, b) => cmp(a[0], b[0])).map(([k, r]) => {
    const [gateway, currency] = k.split('\u0000') as [string, string];
    return { gateway, currency, today: r.today, previous: r.previous, change: diff(r.today, r.previous) };
  });
  const bySeller = [...rollup(today, prev, (s, c) => `${s}\u0000${c}`).entries()].sort((a, b) => cmp(a[0], b[0])).map(([k, r]) => {
    const [sellerId, currency] = k.split('\u0000') as [string, string];
    return { sellerId, currency, today: r.today, previous: r.previous, change: diff(r.today, r.previous) };
  });
  const end = dayRange(inp.date, inp.timezone).end;
  const openTickets: TicketAtDay[] = [];
  for (const t of [...inp.tickets].sort((a, b) => a.id - b.id)) {
    const s = stateAt(t, end);
    if (s === null || s === 'resolved') continue;
    openTickets.push({ id: t.id, week: t.week, sellerId: t.sellerId, currency: t.currency, direction: t.direction, difference: t.difference, state: s, openedAt: t.openedAt });
  }
  return { date: inp.date, previousDate, timezone: inp.timezone, rulesVersion: PAYOUT_RULES_VERSION, byCurrency, byGateway, bySeller, openTickets };
}

export const FIGURE_FIELDS = FIELDS;
