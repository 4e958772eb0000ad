/**
 * Seller payout reconciliation (spec 5.2), pure: the expected payout of every seller and currency
 * for one ISO week against what the platform disbursed. No I/O; the caller supplies the week's
 * escrow releases, penalties, the deductions carried forward from earlier overpayments, the
 * platform's payout statements and the synced `payout.disbursed` events.
 *
 * - expected = Σ escrow released − Σ commission − Σ fees − Σ penalties − deductions applied,
 *   per seller and currency, integer minor units; never summed across currencies.
 * - commission of one release = amount × commission_rate_bps / 10000, rounded half-even to the
 *   currency's minor unit at the release (the rate is the one on the `escrow.released` event).
 * - difference = disbursed − expected (negative: underpayment; positive: overpayment).
 * - Lines are ordered by (seller, currency) and nothing depends on the input order.
 */
import { divRoundHalfEven, splitLargestRemainder } from '../money.ts';
import { dayRange, isDay } from '../calendar.ts';

export const PAYOUT_RULES_VERSION = 'payout-rules/1';

export interface EscrowInput {
  escrowId: string;
  orderId: string;
  sellerId: string;
  amount: number;
  currency: string;
  bps: number;
  fee: number;
  time: number;
  /** the gateway of the order's payment, when known (attribution in the daily report) */
  gateway: string | null;
}
export interface PenaltyInput { penaltyId: string; sellerId: string; amount: number; currency: string; time: number }
/** An outstanding deduction (from an earlier overpayment) still to be recovered. */
export interface DeductionInput { id: number; sellerId: string; currency: string; amount: number; originWeek: string }
export interface StatementInput {
  sellerId: string;
  currency: string;
  disbursed: number;
  escrow: number;
  commission: number;
  fees: number;
  penalties: number;
  deductions: number;
  disbursementId: string;
  transferRef: string;
  disbursedAt: number;
}
export interface DisbursementEventInput { disbursementId: string; sellerId: string; amount: number; currency: string; transferRef: string; time: number }

export interface PayoutInputs {
  week: string;
  timezone: string;
  escrows: readonly EscrowInput[];
  penalties: readonly PenaltyInput[];
  deductions: readonly DeductionInput[];
  statements: readonly StatementInput[];
  events: readonly DisbursementEventInput[];
  /** per currency, minor units of that currency (default 0) */
  toleranceMinor: Readonly<Record<string, number>>;
}

export type PayoutStatus = 'matched' | 'within_tolerance' | 'underpayment' | 'overpayment';

export interface PayoutLine {
  key: string;
  sellerId: string;
  currency: string;
  releases: number;
  escrow: number;
  commission: number;
  fees: number;
  penalties: number;
  /** deductions carried forward and applied this week */
  deductions: number;
  applied: { deductionId: number; amount: number }[];
  expected: number;
  /** Σ disbursed of the seller's statements in this currency (0 without a statement) */
  disbursed: number;
  difference: number;
  status: PayoutStatus;
  /** the statements counted (one per disbursement id), by disbursement id */
  statements: StatementInput[];
  /** Σ of the synced payout events of those disbursements (of the seller's, without a statement); null when none */
  eventAmount: number | null;
  /** where the statement's own breakdown differs from ours (informational) */
  notes: string[];
  /** escrow released per gateway of the orders' payments ("" when unknown), for attribution */
  gateways: { gateway: string; escrow: number }[];
}

export type SourceFindingKind = 'missing_event' | 'missing_statement' | 'amount_mismatch';
export interface SourceFinding {
  kind: SourceFindingKind;
  disbursementId: string;
  sellerId: string;
  currency: string;
  statementAmount: number | null;
  eventAmount: number | null;
  /** event − statement, when both are in the same currency */
  difference: number | null;
}

export interface CurrencyTotals {
  currency: string;
  sellers: number;
  escrow: number;
  commission: number;
  fees: number;
  penalties: number;
  deductions: number;
  expected: number;
  disbursed: number;
  /** Σ difference over every line = disbursed − expected */
  difference: number;
  underpaid: number;
  overpaid: number;
  discrepancies: number;
}

export interface PayoutResult {
  week: string;
  window: { start: number; end: number; from: string; to: string };
  lines: PayoutLine[];
  findings: SourceFinding[];
  totals: CurrencyTotals[];
}

/**
 * Commission of one release: amount × bps / 10,000 rounded half-even (ties to the even neighbour,
 * by magnitude), rate from the event. Exact integer arithmetic in doubles while amount × bps is a
 * safe integer (every realistic release); BigInt beyond that.
 */
export function commissionOf(amount: number, bps: number): number {
  const p = amount * bps;
  if (!Number.isSafeInteger(p) || !Number.isInteger(amount) || !Number.isInteger(bps)) {
    return Number(divRoundHalfEven(BigInt(amount) * BigInt(bps), 10000n));
  }
  const a = Math.abs(p);
  // a / 10,000 < 2^40, where half an ulp is at most 2^-14 < 1/10,000: the correctly rounded quotient
  // never reaches the next integer, so its floor is the exact integer quotient and r is exact
  let q = Math.floor(a / 10000);
  const r = a - q * 10000;
  if (r > 5000 || (r === 5000 && q % 2 === 1)) q++;
  return p < 0 ? 0 - q : q;
}

/** The parts of one escrow release: commission + fee + seller net = amount, exactly. */
export function splitRelease(amount: number, bps: number, fee: number): { commission: number; fee: number; net: number } {
  const commission = commissionOf(amount, bps);
  return { commission, fee, net: amount - commission - fee };
}

const WEEK_RE = /^(\d{4})-W(\d{2})$/;

export function isIsoWeek(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = WEEK_RE.exec(s);
  if (!m) return false;
  const w = Number(m[2]);
  return w >= 1 && w <= weeksInYear(Number(m[1]));
}

function weeksInYear(y: number): number {
  const dec28 = new Date(Date.UTC(y, 11, 28));
  const dow = dec28.getUTCDay() || 7;
  const thursday = new Date(Date.UTC(y, 11, 28 + 4 - dow));
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.ceil(((thursday.getTime() - jan1) / 86_400_000 + 1) / 7);
}

/** The Monday (local date YYYY-MM-DD) of ISO week `week`. */
export function isoWeekMonday(week: string): string {
  const m = WEEK_RE.exec(week);
  if (!m || !isIsoWeek(week)) throw new RangeError(`"${week}" is not an ISO week (YYYY-Www)`);
  const y = Number(m[1]);
  const jan4 = new Date(Date.UTC(y, 0, 4));
  const dow = jan4.getUTCDay() || 7;
  const monday = new Date(Date.UTC(y, 0, 4 - dow + 1 + (Number(m[2]) - 1) * 7));
  return monday.toISOString().slice(0, 10);
}

function addDaysUtc(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The ISO week after `week`. */
export function nextIsoWeek(week: string): string {
  return isoWeekKeyOf(addDaysUtc(isoWeekMonday(week), 7));
}
/** The ISO week before `week`. */
export function previousIsoWeek(week: string): string {
  return isoWeekKeyOf(addDaysUtc(isoWeekMonday(week), -7));
}

function isoWeekKeyOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const dow = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const w = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(w).padStart(2, '0')}`;
}

/**
 * The window of ISO week `week` in the business timezone: T-7 = its Monday 00:00 (inclusive) to
 * T-0 = the next Monday 00:00 (exclusive), the day the platform disburses the week's payouts.
 */
export function weekWindow(week: string, tz: string): { start: number; end: number; from: string; to: string; payoutDate: string } {
  const from = isoWeekMonday(week);
  const to = addDaysUtc(from, 6);
  if (!isDay(from) || !isDay(to)) throw new RangeError(`bad week ${week}`);
  return { start: dayRange(from, tz).start, end: dayRange(addDaysUtc(from, 7), tz).start, from, to, payoutDate: addDaysUtc(from, 7) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reconcile one week. Inputs outside the week's window are ignored (the caller may pass more). */
export function reconcilePayouts(inp: PayoutInputs): PayoutResult {
  const win = weekWindow(inp.week, inp.timezone);
  const inWeek = (t: number) => t >= win.start && t < win.end;
  interface Acc { sellerId: string; currency: string; releases: number; escrow: number; commission: number; fees: number; penalties: number; gateways: Map<string, number> }
  const acc = new Map<string, Acc>();
  const get = (sellerId: string, currency: string): Acc => {
    const k = `${sellerId}|${currency}`;
    let a = acc.get(k);
    if (!a) {
      a = { sellerId, currency, releases: 0, escrow: 0, commission: 0, fees: 0, penalties: 0, gateways: new Map() };
      acc.set(k, a);
    }
    return a;
  };
  const seenEscrow = new Set<string>();
  for (const e of inp.escrows) {
    if (!inWeek(e.time) || seenEscrow.has(e.escrowId)) continue;
    seenEscrow.add(e.escrowId);
    const a = get(e.sellerId, e.currency);
    const p = splitRelease(e.amount, e.bps, e.fee);
    a.releases++;
    a.escrow += e.amount;
    a.commission += p.commission;
    a.fees += p.fee;
    const g = e.gateway ?? '';
    a.gateways.set(g, (a.gateways.get(g) ?? 0) + e.amount);
  }
  const seenPenalty = new Set<string>();
  for (const p of inp.penalties) {
    if (!inWeek(p.time) || seenPenalty.has(p.penaltyId)) continue;
    seenPenalty.add(p.penaltyId);
    get(p.sellerId, p.currency).penalties += p.amount;
  }
  // statements: one per disbursement id (a repeated id counts once, noted); a seller may have several
  const canon = (x: StatementInput) => JSON.stringify([x.sellerId, x.currency, x.disbursed, x.escrow, x.commission, x.fees, x.penalties, x.deductions, x.transferRef, x.disbursedAt]);
  const stById = new Map<string, StatementInput>();
  const stNotes = new Map<string, string[]>();
  for (const st of [...inp.statements].sort((a, b) => cmp(a.disbursementId, b.disbursementId) || cmp(canon(a), canon(b)))) {
    const k = `${st.sellerId}|${st.currency}`;
    const first = stById.get(st.disbursementId);
    if (first) {
      const list = stNotes.get(k) ?? [];
      list.push(canon(first) === canon(st)
        ? `statement ${st.disbursementId} listed more than once: counted once`
        : `statement ${st.disbursementId} listed again with other figures (disbursed ${st.disbursed}): only the first (by content) is counted`);
      stNotes.set(k, list);
      get(st.sellerId, st.currency);
      continue;
    }
    stById.set(st.disbursementId, st);
    get(st.sellerId, st.currency);
  }
  const statements = new Map<string, StatementInput[]>();
  for (const st of stById.values()) {
    const k = `${st.sellerId}|${st.currency}`;
    const list = statements.get(k) ?? [];
    list.push(st);
    statements.set(k, list);
  }
  // deductions: oldest first (origin week, then id), per seller and currency
  const deductions = new Map<string, DeductionInput[]>();
  for (const d of [...inp.deductions].sort((a, b) => cmp(a.originWeek, b.originWeek) || a.id - b.id)) {
    if (d.amount <= 0) continue;
    const k = `${d.sellerId}|${d.currency}`;
    const list = deductions.get(k) ?? [];
    list.push(d);
    deductions.set(k, list);
  }
  // events by disbursement id (the source cross-check)
  const events = new Map<string, DisbursementEventInput>();
  for (const e of [...inp.events].sort((a, b) => cmp(a.disbursementId, b.disbursementId) || a.time - b.time)) if (!events.has(e.disbursementId)) events.set(e.disbursementId, e);
  const eventsBySeller = new Map<string, DisbursementEventInput[]>();
  for (const e of events.values()) {
    const k = `${e.sellerId}|${e.currency}`;
    const list = eventsBySeller.get(k) ?? [];
    list.push(e);
    eventsBySeller.set(k, list);
  }

  const lines: PayoutLine[] = [];
  for (const k of [...acc.keys()].sort(cmp)) {
    const a = acc.get(k)!;
    const base = a.escrow - a.commission - a.fees - a.penalties;
    const applied: { deductionId: number; amount: number }[] = [];
    let room = Math.max(0, base);
    for (const d of deductions.get(k) ?? []) {
      if (room <= 0) break;
      const take = Math.min(room, d.amount);
      applied.push({ deductionId: d.id, amount: take });
      room -= take;
    }
    const deducted = applied.reduce((s, x) => s + x.amount, 0);
    const expected = base - deducted;
    const sts = statements.get(k) ?? [];
    const disbursed = sts.reduce((t, x) => t + x.disbursed, 0);
    const difference = disbursed - expected;
    const tol = inp.toleranceMinor[a.currency] ?? 0;
    const status: PayoutStatus = difference === 0 ? 'matched' : Math.abs(difference) <= tol ? 'within_tolerance' : difference < 0 ? 'underpayment' : 'overpayment';
    const notes: string[] = [...(stNotes.get(k) ?? [])];
    if (sts.length > 0) {
      const sum = (f: (x: StatementInput) => number) => sts.reduce((t, x) => t + f(x), 0);
      const cmpPart = (name: string, ours: number, theirs: number) => {
        if (ours !== theirs) notes.push(`statement ${name} ${theirs} ≠ ${ours}`);
      };
      cmpPart('escrow_released', a.escrow, sum((x) => x.escrow));
      cmpPart('commission', a.commission, sum((x) => x.commission));
      cmpPart('fees', a.fees, sum((x) => x.fees));
      cmpPart('penalties', a.penalties, sum((x) => x.penalties));
      cmpPart('deductions', deducted, sum((x) => x.deductions));
      if (sts.length > 1) notes.push(`${sts.length} statements: ${sts.map((x) => x.disbursementId).join(', ')}`);
    } else if (expected !== 0) {
      notes.push('no payout statement for this seller and currency');
    }
    const evs = sts.length > 0 ? sts.map((x) => events.get(x.disbursementId)).filter((e): e is DisbursementEventInput => e !== undefined) : (eventsBySeller.get(k) ?? []);
    lines.push({
      key: k, sellerId: a.sellerId, currency: a.currency, releases: a.releases, escrow: a.escrow, commission: a.commission, fees: a.fees, penalties: a.penalties,
      deductions: deducted, applied, expected, disbursed, difference, status, statements: sts, eventAmount: evs.length > 0 ? evs.reduce((t, e) => t + e.amount, 0) : null, notes,
      gateways: [...a.gateways.entries()].sort((x, y) => cmp(x[0], y[0])).map(([gateway, escrow]) => ({ gateway, escrow })),
    });
  }

  // statements vs synced events
  const findings: SourceFinding[] = [];
  for (const id of [...new Set([...stById.keys(), ...events.keys()])].sort(cmp)) {
    const s = stById.get(id);
    const e = events.get(id);
    if (s && !e) findings.push({ kind: 'missing_event', disbursementId: id, sellerId: s.sellerId, currency: s.currency, statementAmount: s.disbursed, eventAmount: null, difference: null });
    else if (e && !s) findings.push({ kind: 'missing_statement', disbursementId: id, sellerId: e.sellerId, currency: e.currency, statementAmount: null, eventAmount: e.amount, difference: null });
    else if (s && e && (s.disbursed !== e.amount || s.currency !== e.currency)) {
      findings.push({
        kind: 'amount_mismatch', disbursementId: id, sellerId: s.sellerId, currency: s.currency, statementAmount: s.disbursed, eventAmount: e.amount,
        difference: s.currency === e.currency ? e.amount - s.disbursed : null,
      });
    }
  }

  return { week: inp.week, window: { start: win.start, end: win.end, from: win.from, to: win.to }, lines, findings, totals: totalsOf(lines) };
}

export function isDiscrepancy(l: Pick<PayoutLine, 'status'>): boolean {
  return l.status === 'underpayment' || l.status === 'overpayment';
}

export function totalsOf(lines: readonly PayoutLine[]): CurrencyTotals[] {
  const m = new Map<string, CurrencyTotals>();
  for (const l of lines) {
    let t = m.get(l.currency);
    if (!t) {
      t = { currency: l.currency, sellers: 0, escrow: 0, commission: 0, fees: 0, penalties: 0, deductions: 0, expected: 0, disbursed: 0, difference: 0, underpaid: 0, overpaid: 0, discrepancies: 0 };
      m.set(l.currency, t);
    }
    t.sellers++;
    t.escrow += l.escrow;
    t.commission += l.commission;
    t.fees += l.fees;
    t.penalties += l.penalties;
    t.deductions += l.deductions;
    t.expected += l.expected;
    t.disbursed += l.disbursed;
    t.difference += l.difference;
    if (l.status === 'underpayment') t.underpaid += -l.difference;
    if (l.status === 'overpayment') t.overpaid += l.difference;
    if (isDiscrepancy(l)) t.discrepancies++;
  }
  for (const t of m.values()) for (const v of Object.values(t)) if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`${t.currency} total overflows`);
  return [...m.values()].sort((a, b) => cmp(a.currency, b.currency));
}

/**
 * Attribute `amount` (minor units) of a line across its gateways in proportion to the escrow each
 * gateway's orders released, with largest-remainder splitting: the parts sum exactly to `amount`.
 */
export function attributeToGateways(amount: number, gateways: readonly { gateway: string; escrow: number }[]): { gateway: string; amount: number }[] {
  const ws = gateways.filter((g) => g.escrow > 0);
  if (ws.length === 0) return [{ gateway: '', amount }];
  const parts = splitLargestRemainder(amount, ws.map((g) => g.escrow));
  return ws.map((g, i) => ({ gateway: g.gateway, amount: parts[i]! }));
}
