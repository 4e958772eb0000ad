/**
 * The matching engine of the daily reconciliation (spec 5.1, step 3). Pure and deterministic:
 * the same inputs in any order give the same items in the same order.
 *
 * The run for business date D looks at a window of days [D - agingDays, D]:
 * - ledger captures and refunds of the window (captures near midnight settle in the next batch,
 *   so earlier days' unsettled captures are still open);
 * - settlement rows of the window. Rows of days before D only consume the ledger entries they
 *   settle; the report is about D: its settlement rows, and the window's entries still unsettled.
 *
 * Matching: a settlement row carries the platform's payment id (the merchant reference) and/or the
 * gateway's txn id; it matches the capture with that payment id, else with that (gateway, txn id).
 * A refund row matches a refund by its gateway txn id, else by payment id and amount. Each ledger
 * entry is settled once: a second row for the same entry (or the same gateway txn) is a duplicate;
 * which row is "first" is decided by business date, then by which agrees with the ledger, then by a
 * canonical ordering of the row's content, never by input order.
 *
 * Statuses: matched (|discrepancy| within the currency's tolerance), amount_mismatch,
 * currency_mismatch, gateway_only (no ledger entry), internal_only (no settlement yet: pending while
 * younger than agingDays, then an exception), duplicate, chargeback (money taken back by the gateway,
 * no ledger record), fee (recorded and totalled, never a discrepancy), ledger_event_mismatch (the
 * ledger disagrees with the synced payment.captured events). discrepancy = settled - captured in
 * minor units of one currency; never computed across currencies.
 */
import { addDays, parseDay } from '../calendar.ts';
import { exponentOf, formatMinor } from '../money.ts';
import { STATUSES, type ControlTotal, type EventCapture, type LedgerEntry, type Lookup, type MatchInput, type MatchParams, type MatchResult, type ReconItem, type ReconStatus, type Review, type SettlementRecord } from './types.ts';
import { IdIndex, LedgerTable, SettlementTable } from './tables.ts';
import { cellOf } from './csv-cells.ts';
import { reportLine } from './report.ts';

const DAY_MS = 86_400_000;

export function daysBetween(from: string, to: string): number {
  const a = parseDay(from), b = parseDay(to);
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / DAY_MS);
}

/** FNV-1a 32-bit, hex: short stable ids for rows without a gateway txn id. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The content of a settlement row without where it came from: equal for the same row seen twice. */
export function canonicalRecord(r: SettlementRecord): string {
  return [r.date, r.gateway, r.recordType, r.gatewayTxnId ?? '', r.paymentId ?? '', r.orderId ?? '', r.originalTxnId ?? '',
    r.amount, r.currency, r.fee, r.net, r.netCurrency, r.settledAt ?? ''].join('\u0001');
}

function canonicalEntry(e: LedgerEntry): string {
  return [e.date, e.at ?? '', e.paymentId, e.refundId ?? '', e.orderId ?? '', e.gateway ?? '', e.gatewayTxnId ?? '', e.amount, e.currency].join('\u0001');
}

/** One side of the ledger (captures or refunds) over a table: indexed by id and by gateway txn id. */
class Side {
  readonly t: LedgerTable;
  /** the table rows of the window, in table order */
  readonly inc: number[];
  /** table row -> the settlement row (position) that settles it, -1 while open */
  claimedBy: Int32Array;
  /** rows found outside the window through the lookup */
  readonly outside = new Set<number>();
  /** id -> table row */
  readonly ids: IdIndex;
  private readonly prefix: string;
  private readonly refund: boolean;
  private readonly dupKey = new Map<number, string>();
  private readonly byTxn = new Map<string, number>();
  /** txn ids used by entries of several gateways: "<gateway>|<txn>" */
  private readonly byGwTxn = new Map<string, number>();

  constructor(t: LedgerTable, inc: number[], refund: boolean) {
    this.t = t;
    this.inc = inc;
    this.refund = refund;
    this.prefix = refund ? 'rfd' : 'pay';
    this.claimedBy = new Int32Array(t.n + 16).fill(-1);
    this.ids = new IdIndex(inc.length, refund
      ? (i) => t.refundId.range(i) || t.txn.range(i) || t.paymentId.range(i)
      : (i) => t.paymentId.range(i));
    const groups = new Map<string, number[]>();
    for (const i of inc) {
      const prev = this.ids.insert(i);
      if (prev === -1) continue;
      const id = this.idOf(i);
      const g = groups.get(id);
      if (g) g.push(i);
      else groups.set(id, [prev, i]);
    }
    for (const [id, list] of groups) {
      const indexed = list[0]!;
      list.sort((a, b) => cmp(canonicalEntry(t.get(a)), canonicalEntry(t.get(b))));
      this.ids.replace(indexed, list[0]!);
      list.forEach((i, k) => {
        if (k > 0) this.dupKey.set(i, `${this.prefix}:${id}:ledger-${k + 1}`);
      });
    }
  }

  /** the table row with this id, or -1 */
  byId(id: string): number {
    return this.ids.get(id);
  }

  private txnIndexed = false;
  /**
   * Index the gateway txn ids: all of them, or (when only a few lookups are coming) only the entries
   * whose txn id is among `wanted`, which gives the same answers for those lookups at a fraction of
   * the cost. Entries added later (outside the window) are indexed as they come.
   */
  indexTxns(wanted: ReadonlySet<string> | null): void {
    if (this.txnIndexed) return;
    this.txnIndexed = true;
    for (const i of this.inc) {
      if (wanted !== null) {
        const txn = this.t.txn.get(i);
        if (txn === null || txn === undefined || !wanted.has(txn)) continue;
      }
      this.indexTxn(i);
    }
  }

  idOf(i: number): string {
    const t = this.t;
    return this.refund ? (t.refundId.get(i) ?? t.txn.get(i) ?? t.paymentId.get(i)!) : t.paymentId.get(i)!;
  }

  key(i: number): string {
    return this.dupKey.get(i) ?? `${this.prefix}:${this.idOf(i)}`;
  }

  /** true when the entry's key is not "<prefix>:<its id>" (a second ledger entry with the same id) */
  hasOwnKey(i: number): boolean {
    return this.dupKey.has(i);
  }

  private indexTxn(i: number): void {
    const txn = this.t.txn.get(i);
    if (txn === null || txn === undefined) return;
    const prev = this.byTxn.get(txn);
    if (prev === undefined) {
      this.byTxn.set(txn, i);
      return;
    }
    const g = this.t.gatewayOf(i), pg = this.t.gatewayOf(prev);
    if (pg === g) {
      if (cmp(this.key(i), this.key(prev)) < 0) this.byTxn.set(txn, i);
      return;
    }
    if (!this.byGwTxn.has(`${pg ?? ''}|${txn}`)) this.byGwTxn.set(`${pg ?? ''}|${txn}`, prev);
    const k = `${g ?? ''}|${txn}`;
    const other = this.byGwTxn.get(k);
    if (other === undefined || cmp(this.key(i), this.key(other)) < 0) this.byGwTxn.set(k, i);
  }

  /** the entry with this gateway txn id (an entry without a gateway matches any gateway) */
  findTxn(gateway: string, txn: string): number {
    if (!this.txnIndexed) this.indexTxns(null);
    const i = this.byTxn.get(txn);
    if (i === undefined) return -1;
    const g = this.t.gatewayOf(i);
    if (g === gateway || g === null) return i;
    return this.byGwTxn.get(`${gateway}|${txn}`) ?? this.byGwTxn.get(`|${txn}`) ?? -1;
  }

  /** add an entry found outside the window */
  add(e: LedgerEntry): number {
    const i = this.t.push(e);
    if (i >= this.claimedBy.length) {
      const c = new Int32Array(i * 2 + 16).fill(-1);
      c.set(this.claimedBy);
      this.claimedBy = c;
    }
    this.outside.add(i);
    this.ids.insert(i);
    this.indexTxn(i);
    return i;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const RT_SETTLEMENT = 0, RT_REFUND = 1, RT_CHARGEBACK = 2, RT_FEE = 3, RT_PAYOUT = 4;
const STATUS_CODE = new Map<ReconStatus, number>(STATUSES.map((st, i) => [st, i]));
const REVIEWS: readonly Review[] = ['none', 'pending', 'exception'];
const REVIEW_CODE = new Map<Review, number>(REVIEWS.map((r, i) => [r, i]));
/** plan entry kinds */
const K_PAIR = 0, K_SETTLEMENT = 1, K_DUPLICATE = 2, K_OPEN = 3, K_OBJECT = 4;
/** key prefixes, in their sort order */
const PREFIXES = ['cb', 'dup', 'fee', 'gw', 'lem', 'pay', 'rfd'] as const;
type Prefix = (typeof PREFIXES)[number];
const PREFIX_RANK = Object.fromEntries(PREFIXES.map((p, i) => [p, i])) as Record<Prefix, number>;

export interface TableInput {
  settlements: SettlementTable;
  /** captures (refund rows of the table are ignored) */
  captures: LedgerTable;
  /** refunds (capture rows of the table are ignored) */
  refunds: LedgerTable;
  events?: readonly EventCapture[] | null;
  eventsCompleteUntil?: number | null;
  lookup?: Lookup;
}

/** The result of a match before items are made: `item(i)` builds item i; `order` lists them by key. */
export interface Plan {
  count: number;
  order: ArrayLike<number>;
  key(i: number): string;
  item(i: number): ReconItem;
  /** the report CSV line of item i (CRLF-terminated) */
  line(i: number): string;
  controlTotals: ControlTotal[];
  warnings: string[];
}

/** The matching engine on plain arrays of records: see reconcileTables. */
export function reconcile(input: MatchInput, params: MatchParams): MatchResult {
  const plan = reconcileTables({
    settlements: SettlementTable.from(input.settlements), captures: LedgerTable.from(input.captures.filter((e) => e.kind === 'capture')),
    refunds: LedgerTable.from(input.refunds.filter((e) => e.kind === 'refund')), events: input.events, eventsCompleteUntil: input.eventsCompleteUntil, lookup: input.lookup,
  }, params);
  const items: ReconItem[] = new Array(plan.count);
  for (let k = 0; k < plan.count; k++) items[k] = plan.item(plan.order[k]!);
  return { items, controlTotals: plan.controlTotals, warnings: plan.warnings };
}

export function reconcileTables(input: TableInput, params: MatchParams): Plan {
  const D = params.date;
  parseDay(D);
  const aging = Math.max(0, Math.floor(params.agingDays));
  const from = addDays(D, -aging);
  const only = params.gateways && params.gateways.length > 0 ? new Set(params.gateways) : null;
  const keepG = (g: string | null): boolean => !only || (g !== null && only.has(g));
  const inWindow = (d: string): boolean => d >= from && d <= D;
  const warnings: string[] = [];
  const S = input.settlements;

  // ---- ledger sides: the rows of the window
  const ledgerRows = (t: LedgerTable, kind: number): number[] => {
    const g = t.dict.values.map((v) => keepG(v));
    const w = t.dict.values.map((v) => v !== null && inWindow(v));
    const out: number[] = [];
    for (let i = 0; i < t.n; i++) if (t.kind[i] === kind && g[t.gateway[i]!] && w[t.date[i]!]) out.push(i);
    return out;
  };
  const caps = new Side(input.captures, ledgerRows(input.captures, 0), false);
  const refs = new Side(input.refunds, ledgerRows(input.refunds, 1), true);
  const C = caps.t, R = refs.t;
  const refByPayment = new Map<string, number[]>();
  for (const i of refs.inc) {
    const l = refByPayment.get(R.paymentId.get(i)!);
    if (l) l.push(i);
    else refByPayment.set(R.paymentId.get(i)!, [i]);
  }

  // ---- settlement rows of the window, and the ledger entry each one settles
  const sKeepG = S.dict.values.map((v) => keepG(v));
  const sInWin = S.dict.values.map((v) => v !== null && inWindow(v));
  const dayD = S.dict.values.indexOf(D);
  let nRecs = 0;
  for (let i = 0; i < S.n; i++) if (sKeepG[S.gateway[i]!] && sInWin[S.date[i]!]) nRecs++;
  const recs = new Int32Array(nRecs);
  for (let i = 0, j = 0; i < S.n; i++) if (sKeepG[S.gateway[i]!] && sInWin[S.date[i]!]) recs[j++] = i;
  const n = nRecs;
  // the capture each row names by payment id; which gateway txn ids will be looked up (rows the
  // payment id does not place, refunds, chargebacks)
  const byPid = new Int32Array(n).fill(-1);
  {
    const wantCap = new Set<string>();
    const wantRef = new Set<string>();
    for (let i = 0; i < n; i++) {
      const si = recs[i]!;
      const rt = S.type[si]!;
      if (rt === RT_SETTLEMENT) {
        const t = caps.ids.findIn(S.paymentId, si);
        if (t >= 0) byPid[i] = t;
        else {
          const txn = S.txn.get(si);
          if (txn !== null) wantCap.add(txn);
        }
      } else if (rt === RT_REFUND) {
        const txn = S.txn.get(si);
        if (txn !== null) wantRef.add(txn);
      } else if (rt === RT_CHARGEBACK) {
        const orig = S.originalTxn.get(si);
        if (orig !== null) wantCap.add(orig);
      }
    }
    caps.indexTxns(wantCap.size * 8 < caps.inc.length ? wantCap : null);
    refs.indexTxns(wantRef.size * 8 < refs.inc.length ? wantRef : null);
  }
  const type = (i: number): number => S.type[recs[i]!]!;
  const isD = (i: number): boolean => S.date[recs[i]!] === dayD;
  const dateOf = (i: number): string => S.dateOf(recs[i]!);
  const target = new Int32Array(n).fill(-1);
  const refundFallback: number[] = [];
  for (let i = 0; i < n; i++) {
    const si = recs[i]!;
    const rt = S.type[si]!;
    if (rt === RT_SETTLEMENT) {
      let t = byPid[i]!;
      if (t >= 0) {
        target[i] = t;
        continue;
      }
      const pid = S.paymentId.get(si);
      const stxn = S.txn.get(si);
      if (stxn !== null) t = caps.findTxn(S.gatewayOf(si), stxn);
      if (t < 0 && isD(i) && input.lookup?.capture) {
        const e = input.lookup.capture({ paymentId: pid, gateway: S.gatewayOf(si), gatewayTxnId: stxn });
        if (e && !inWindow(e.date)) {
          const f = caps.byId(e.paymentId);
          t = f >= 0 ? f : caps.add(e);
        }
      }
      target[i] = t;
    } else if (rt === RT_REFUND) {
      const txn = S.txn.get(si);
      let t = txn !== null ? refs.findTxn(S.gatewayOf(si), txn) : -1;
      if (t < 0 && isD(i) && input.lookup?.refund) {
        const e = input.lookup.refund({ paymentId: S.paymentId.get(si), gateway: S.gatewayOf(si), gatewayTxnId: txn });
        if (e && !inWindow(e.date)) {
          const f = refs.byId(e.refundId ?? e.gatewayTxnId ?? e.paymentId);
          t = f >= 0 ? f : refs.add(e);
        }
      }
      const pid = S.paymentId.get(si);
      if (t < 0 && pid !== null && refByPayment.has(pid)) refundFallback.push(i);
      target[i] = t;
    }
  }

  const canon = new Map<number, string>();
  const canonOf = (i: number): string => {
    let c = canon.get(i);
    if (c === undefined) {
      c = canonicalRecord(S.get(recs[i]!));
      canon.set(i, c);
    }
    return c;
  };
  // refunds identified only by payment id: assign in canonical order, preferring an equal amount
  if (refundFallback.length > 0) {
    refundFallback.sort((a, b) => cmp(canonOf(a), canonOf(b)));
    const reserved = new Set<number>();
    for (let i = 0; i < n; i++) if (type(i) === RT_REFUND && target[i]! >= 0) reserved.add(target[i]!);
    for (const i of refundFallback) {
      const si = recs[i]!;
      const cands = refByPayment.get(S.paymentId.get(si)!)!.slice().sort((a, b) => cmp(refs.key(a), refs.key(b)));
      const free = cands.filter((k) => !reserved.has(k));
      const equal = (k: number): boolean => R.amount[k] === -S.amount[si]! && R.currencyOf(k) === S.currencyOf(si);
      // a free refund of the same amount; else the only free one; else one already settled (this row is then a duplicate)
      const t = free.find(equal) ?? (free.length === 1 ? free[0]! : undefined) ?? cands.find(equal) ?? -1;
      if (t >= 0) reserved.add(t);
      target[i] = t;
    }
  }

  const sideOf = (i: number): Side => (type(i) === RT_REFUND ? refs : caps);
  const agrees = (i: number): boolean => {
    const t = target[i]!;
    if (t < 0) return false;
    const si = recs[i]!;
    const side = sideOf(i);
    return side.t.currencyOf(t) === S.currencyOf(si) && (type(i) === RT_REFUND ? -side.t.amount[t]! : side.t.amount[t]!) === S.amount[si];
  };
  /** true when row a, not row b, is the one that settles their shared entry */
  const better = (a: number, b: number): boolean => {
    const da = S.date[recs[a]!], db = S.date[recs[b]!];
    if (da !== db) return dateOf(a) < dateOf(b);
    const ga = agrees(a), gb = agrees(b);
    if (ga !== gb) return ga;
    return canonOf(a) < canonOf(b);
  };

  // ---- each ledger entry (or, without one, each row identity) is settled by one row; the others are duplicates
  const identityOf = new Map<number, string>();
  const primaryIdent = new Map<string, number>();
  const losers: number[] = [];
  for (let i = 0; i < n; i++) {
    if (type(i) === RT_PAYOUT) continue;
    const t = target[i]!;
    let p: number;
    let win: boolean;
    if (t >= 0) {
      const side = sideOf(i);
      p = side.claimedBy[t]!;
      win = p === -1 || better(i, p);
      if (win) side.claimedBy[t] = i;
    } else {
      const id = identity(S.get(recs[i]!));
      identityOf.set(i, id);
      p = primaryIdent.get(id) ?? -1;
      win = p === -1 || better(i, p);
      if (win) primaryIdent.set(id, i);
    }
    if (p !== -1) losers.push(win ? p : i);
  }
  const isPrimary = (i: number): boolean => {
    const t = target[i]!;
    return t >= 0 ? sideOf(i).claimedBy[t] === i : primaryIdent.get(identityOf.get(i)!) === i;
  };
  const groupOf = (i: number): string => (target[i]! >= 0 ? (type(i) === RT_REFUND ? 'R' : 'C') + target[i] : 'X' + identityOf.get(i));
  const primaryOf = (g: string): number => (g[0] === 'C' ? caps.claimedBy[Number(g.slice(1))]! : g[0] === 'R' ? refs.claimedBy[Number(g.slice(1))]! : primaryIdent.get(g.slice(1))!);

  // ---- the plan: one entry per report line, in typed arrays; keys and items are made on demand
  let cap = Math.max(1024, caps.inc.length + refs.inc.length + 64);
  let pKind: Uint8Array = new Uint8Array(cap), pSide: Uint8Array = new Uint8Array(cap), pStatus: Uint8Array = new Uint8Array(cap);
  let pReview: Uint8Array = new Uint8Array(cap), pRank: Uint8Array = new Uint8Array(cap);
  let pS: Int32Array = new Int32Array(cap), pL: Int32Array = new Int32Array(cap);
  let count = 0;
  /** the key after its prefix, for entries whose key is not "<pay|rfd>:<ledger id>" */
  const rests = new Map<number, string>();
  const notes = new Map<number, string>();
  const objects: ReconItem[] = [];
  const push = (kind: number, s: number, side: number, l: number, status: ReconStatus, review: Review, prefix: Prefix, rest: string | null, note?: string): void => {
    if (count === cap) {
      cap *= 2;
      const g8 = (x: Uint8Array): Uint8Array => { const y = new Uint8Array(cap); y.set(x); return y; };
      const g32 = (x: Int32Array): Int32Array => { const y = new Int32Array(cap); y.set(x); return y; };
      pKind = g8(pKind); pSide = g8(pSide); pStatus = g8(pStatus); pReview = g8(pReview); pRank = g8(pRank); pS = g32(pS); pL = g32(pL);
    }
    const k = count++;
    pKind[k] = kind; pS[k] = s; pSide[k] = side; pL[k] = l; pStatus[k] = STATUS_CODE.get(status)!; pReview[k] = REVIEW_CODE.get(review)!; pRank[k] = PREFIX_RANK[prefix];
    if (rest !== null) rests.set(k, rest);
    if (note) notes.set(k, note);
  };
  const pushObject = (it: ReconItem): void => {
    const colon = it.key.indexOf(':');
    push(K_OBJECT, objects.length, 0, -1, it.status, it.review, it.key.slice(0, colon) as Prefix, it.key.slice(colon + 1));
    objects.push(it);
  };
  const tolerance = (c: string): number => Math.max(0, params.toleranceMinor[c] ?? 0);
  /** the part of a ledger entry's key after "pay:" / "rfd:" */
  const ledgerRest = (side: Side, t: number): string => {
    const k = side.key(t);
    return k.slice(4);
  };

  // ledger entries in ledger order, settled (pairs) or still open (keys come out nearly sorted)
  for (const side of [caps, refs]) {
    const refund = side === refs;
    const T = side.t;
    const prefix: Prefix = refund ? 'rfd' : 'pay';
    const pairs = side.outside.size > 0 ? [...side.inc, ...[...side.outside].sort((a, b) => a - b)] : side.inc;
    for (const t of pairs) {
      const i = side.claimedBy[t]!;
      if (i === -1 && !side.outside.has(t)) {
        const age = daysBetween(T.dateOf(t), D);
        push(K_OPEN, -1, refund ? 1 : 0, t, 'internal_only', age >= aging ? 'exception' : 'pending', prefix, side.hasOwnKey(t) ? ledgerRest(side, t) : null);
        continue;
      }
      if (i < 0 || !isD(i)) continue;
      const si = recs[i]!;
      const currency = T.currencyOf(t);
      const captured = refund ? -T.amount[t]! : T.amount[t]!;
      let status: ReconStatus;
      let note = '';
      if (currency !== S.currencyOf(si)) {
        status = 'currency_mismatch';
        note = `ledger ${currency}, settled in ${S.currencyOf(si)}`;
      } else {
        const diff = S.amount[si]! - captured;
        status = Math.abs(diff) <= tolerance(currency) ? 'matched' : 'amount_mismatch';
        if (status === 'matched' && diff !== 0) note = `within the ${currency} tolerance of ${tolerance(currency)} minor units`;
      }
      const outside = side.outside.has(t);
      const prior = outside ? input.lookup?.settledBefore?.(side.key(t), from) ?? null : null;
      if (prior !== null) {
        push(K_DUPLICATE, si, refund ? 1 : 0, t, 'duplicate', 'exception', 'dup', `${side.key(t)}:${D}:1`, `duplicate: already settled on ${prior}`);
        continue;
      }
      const ed = T.dateOf(t);
      if (ed !== D) note = [note, `${refund ? 'refunded' : 'captured'} ${ed}${outside ? ` (before the ${aging}-day window)` : ''}, settled ${D}`].filter(Boolean).join('; ');
      push(K_PAIR, si, refund ? 1 : 0, t, status, status === 'matched' ? 'none' : 'exception', prefix, side.hasOwnKey(t) ? ledgerRest(side, t) : null, note);
    }
  }

  // rows of D without a ledger entry: fees, chargebacks, gateway-only
  for (let i = 0; i < n; i++) {
    if (!isD(i)) continue;
    const rt = type(i);
    if (rt === RT_PAYOUT || target[i]! >= 0 || !isPrimary(i)) continue;
    const si = recs[i]!;
    const gw = S.gatewayOf(si);
    const txn = S.txn.get(si);
    if (rt === RT_FEE) {
      push(K_SETTLEMENT, si, 0, -1, 'fee', 'none', 'fee', `${gw}:${txn ?? `${D}:${fnv1a(canonOf(i))}`}`, 'gateway fee');
    } else if (rt === RT_CHARGEBACK) {
      const r = S.get(si);
      const orig = findOriginal(r);
      pushObject(settlementItem({
        key: `cb:${gw}:${txn ?? fnv1a(canonOf(i))}`, status: 'chargeback', review: 'exception', r, captured: null,
        paymentId: r.paymentId ?? orig?.paymentId ?? null, orderId: r.orderId ?? orig?.orderId ?? null,
        note: orig ? `chargeback of ${orig.paymentId} captured ${orig.date} (${formatMinor(orig.amount, orig.currency)} ${orig.currency})` : 'chargeback of a payment not found in the ledger',
      }));
    } else {
      push(K_SETTLEMENT, si, 0, -1, 'gateway_only', 'exception', 'gw', `${gw}:${RECORD_NAMES[rt]}:${identityTail(S.get(si))}`, 'no ledger entry for this settlement row');
    }
  }

  // duplicates: ordinal per shared entry and day, in canonical order
  const dupGroups = new Map<string, number[]>();
  for (const i of losers) {
    if (!isD(i)) continue;
    const g = groupOf(i);
    const l = dupGroups.get(g);
    if (l) l.push(i);
    else dupGroups.set(g, [i]);
  }
  for (const [g, list] of dupGroups) {
    list.sort((a, b) => cmp(canonOf(a), canonOf(b)));
    const first = primaryOf(g);
    const fr = S.get(recs[first]!);
    const base = g[0] === 'C' ? caps.key(Number(g.slice(1))) : g[0] === 'R' ? refs.key(Number(g.slice(1))) : `${fr.gateway}:${fr.recordType}:${identityTail(fr)}`;
    const why = fr.date === D ? 'the same record appears earlier in the report' : `first settled ${fr.date}`;
    list.forEach((i, k) => push(K_DUPLICATE, recs[i]!, g[0] === 'R' ? 1 : 0, target[i]!, 'duplicate', 'exception', 'dup', `${base}:${D}:${k + 1}`, `duplicate: ${why}`));
  }

  // the ledger against the synced payment.captured events of D
  if (input.events) for (const it of crossCheck(caps, input.events, D, keepG, input.eventsCompleteUntil ?? null, warnings)) pushObject(it);

  // control totals: each report's payout_total rows against its other rows
  const controlTotals = controls(S, recs, dayD);
  for (const c of controlTotals) {
    if (!c.ok) warnings.push(`${c.gateway} ${c.date} ${c.currency}: the payout total (${c.reported}) differs from the sum of the rows (${c.computed}) by ${c.reported - c.computed} minor units`);
  }

  // report order: by key = by (prefix, the rest), as no prefix begins another
  const restOf = (k: number): string => rests.get(k) ?? (pSide[k] === 1 ? refs : caps).idOf(pL[k]!);
  let order: Int32Array;
  {
    const restArr: string[] = new Array(count);
    for (let k = 0; k < count; k++) restArr[k] = restOf(k);
    const before = (a: number, b: number): number => pRank[a]! - pRank[b]! || cmp(restArr[a]!, restArr[b]!);
    const orderList: number[] = Array.from({ length: count }, (_, k) => k);
    orderList.sort(before);
    order = Int32Array.from(orderList);
  }
  const keyOf = (k: number): string => `${PREFIXES[pRank[k]!]}:${restOf(k)}`;

  // cells of the columns coded in dictionaries, escaped once
  const sCell = S.dict.values.map((v) => cellOf(v));
  const cCell = C.dict.values.map((v) => cellOf(v));
  const rCell = R.dict.values.map((v) => cellOf(v));
  const expOf = new Map<string, number>();
  /** formatMinor, with the exponent looked up once per currency and integers as they are */
  const amount = (minor: number, currency: string): string => {
    let e = expOf.get(currency);
    if (e === undefined) {
      e = exponentOf(currency);
      expOf.set(currency, e);
    }
    return e === 0 && Number.isSafeInteger(minor) ? '' + minor : formatMinor(minor, currency);
  };

  function item(k: number): ReconItem {
    const kind = pKind[k]!;
    if (kind === K_OBJECT) return objects[pS[k]!]!;
    const status = STATUSES[pStatus[k]!]!;
    const review = REVIEWS[pReview[k]!]!;
    const key = keyOf(k);
    const side = pSide[k] === 1 ? refs : caps;
    const l = pL[k]!;
    if (kind === K_OPEN) {
      const T = side.t;
      const refund = side === refs;
      const date = T.dateOf(l);
      const age = daysBetween(date, D);
      const captured = refund ? -T.amount[l]! : T.amount[l]!;
      return {
        key, status, review, recordType: refund ? 'refund' : 'settlement', gateway: T.gatewayOf(l) ?? '',
        paymentId: T.paymentId.get(l), orderId: T.orderId.get(l), gatewayTxnId: T.txn.get(l), currency: T.currencyOf(l), captured, settled: null, settledCurrency: null,
        discrepancy: -captured, eventAmount: null, fee: null, feeCurrency: null, capturedDate: date, settledDate: null, ageDays: age,
        note: openNote(review, age), settlement: null, ledger: { source: T.dict.value(T.source[l]!)!, row: T.row[l]! }, event: null,
      };
    }
    const r = S.get(pS[k]!);
    const note = notes.get(k) ?? '';
    if (kind === K_PAIR) {
      const e = side.t.get(l);
      const captured = side === refs ? -e.amount : e.amount;
      return settlementItem({ key, status, review, r, e, captured, currency: e.currency, paymentId: e.paymentId, orderId: e.orderId ?? r.orderId, note });
    }
    if (kind === K_DUPLICATE) {
      const e = l >= 0 ? side.t.get(l) : null;
      return settlementItem({ key, status, review, r, captured: null, paymentId: r.paymentId ?? e?.paymentId ?? null, orderId: r.orderId ?? e?.orderId ?? null, note });
    }
    return settlementItem({ key, status, review, r, captured: null, note });
  }

  function openNote(review: Review, age: number): string {
    return review === 'pending' ? `not settled yet (day ${age} of ${aging})` : `not settled after ${age} day${age === 1 ? '' : 's'}`;
  }

  /**
   * The record key's cell. A capture's key is "pay:<payment id>": when the payment id's own cell
   * needed no escaping, neither does the key (it starts with a letter), so it is not scanned again.
   */
  function keyCell(k: number, pid: string, pidCell: string): string {
    if (!rests.has(k) && pSide[k] === 0 && pidCell === pid) return 'pay:' + pid;
    return cellOf(keyOf(k));
  }

  /** The report line of entry k; the bulk (matched pairs, open entries) straight from the columns. */
  function line(k: number): string {
    const kind = pKind[k]!;
    if (kind !== K_PAIR && kind !== K_OPEN) return reportLine(item(k));
    const side = pSide[k] === 1 ? refs : caps;
    const refund = side === refs;
    const T = side.t;
    const l = pL[k]!;
    const tc = refund ? rCell : cCell;
    const cur = T.currencyOf(l);
    const captured = refund ? -T.amount[l]! : T.amount[l]!;
    const status = STATUSES[pStatus[k]!]!;
    const review = REVIEWS[pReview[k]!]!;
    if (kind === K_OPEN) {
      const age = daysBetween(T.dateOf(l), D);
      const pid = T.paymentId.get(l)!;
      const pidCell = cellOf(pid);
      return [pidCell, cellOf(T.orderId.get(l)), cellOf(T.txn.get(l)), amount(captured, cur), '', status, amount(-captured, cur),
        tc[T.currency[l]!], tc[T.gateway[l]!], refund ? 'refund' : 'settlement', '', '', '', '', tc[T.date[l]!], '', review, keyCell(k, pid, pidCell),
        cellOf(openNote(review, age)) + '\r\n'].join(',');
    }
    const si = pS[k]!;
    const sCur = S.currencyOf(si);
    const note = notes.get(k);
    const pid = T.paymentId.get(l)!;
    const pidCell = cellOf(pid);
    return [pidCell, cellOf(T.orderId.get(l) ?? S.orderId.get(si)), cellOf(S.txn.get(si) ?? T.txn.get(l)), amount(captured, cur), amount(S.amount[si]!, sCur),
      status, status === 'currency_mismatch' ? '' : amount(S.amount[si]! - captured, cur), tc[T.currency[l]!], sCell[S.gateway[si]!],
      RECORD_NAMES[S.type[si]!], sCell[S.currency[si]!], '', amount(S.fee[si]!, S.dict.value(S.netCurrency[si]!)!), sCell[S.netCurrency[si]!],
      tc[T.date[l]!], sCell[S.date[si]!], review, keyCell(k, pid, pidCell), (note ? cellOf(note) : '') + '\r\n'].join(',');
  }

  return { count, order, controlTotals, warnings, key: keyOf, item, line };

  // ---- helpers (closures over the sides)
  function findOriginal(r: SettlementRecord): LedgerEntry | null {
    const byId = r.paymentId !== null ? caps.byId(r.paymentId) : -1;
    if (byId >= 0) return C.get(byId);
    const txn = r.originalTxnId;
    if (txn !== null) {
      const i = caps.findTxn(r.gateway, txn);
      if (i >= 0) return C.get(i);
    }
    return input.lookup?.capture?.({ paymentId: r.paymentId, gateway: r.gateway, gatewayTxnId: txn }) ?? null;
  }
}

const RECORD_NAMES = ['settlement', 'refund', 'chargeback', 'fee', 'payout_total'] as const;

function settlementItem(p: {
  key: string; status: ReconStatus; review: Review; r: SettlementRecord; e?: LedgerEntry; captured: number | null; currency?: string;
  paymentId?: string | null; orderId?: string | null; note: string;
}): ReconItem {
  const { r, e } = p;
  const currency = p.currency ?? r.currency;
  const discrepancy = p.status === 'currency_mismatch' ? null : r.amount - (p.captured ?? 0);
  return {
    key: p.key, status: p.status, review: p.review, recordType: r.recordType, gateway: r.gateway,
    paymentId: p.paymentId !== undefined ? p.paymentId : r.paymentId, orderId: p.orderId !== undefined ? p.orderId : r.orderId,
    gatewayTxnId: r.gatewayTxnId ?? e?.gatewayTxnId ?? null, currency, captured: p.captured, settled: r.amount, settledCurrency: r.currency,
    discrepancy, eventAmount: null, fee: r.fee, feeCurrency: r.netCurrency, capturedDate: e?.date ?? null, settledDate: r.date, ageDays: null,
    note: p.note, settlement: { source: r.source, row: r.row }, ledger: e ? { source: e.source, row: e.row } : null, event: null,
  };
}

function identityTail(r: SettlementRecord): string {
  return r.gatewayTxnId ?? `${r.paymentId ?? ''}:${r.amount}:${r.currency}`;
}

/** What makes two settlement rows "the same record" when they settle no ledger entry. */
function identity(r: SettlementRecord): string {
  const tail = r.gatewayTxnId ?? (r.recordType === 'fee' || r.recordType === 'payout_total' ? `${r.date}|${canonicalRecord(r)}` : `${r.paymentId ?? ''}|${r.amount}|${r.currency}`);
  return `${r.gateway}|${r.recordType}|${tail}`;
}

function crossCheck(caps: Side, events: readonly EventCapture[], D: string, keepG: (g: string | null) => boolean, completeUntil: number | null, warnings: string[]): ReconItem[] {
  const out: ReconItem[] = [];
  const evById = new Map<string, EventCapture>();
  for (const ev of events) if (keepG(ev.gateway)) evById.set(ev.paymentId, ev);
  const seen = new Set<string>();
  let unsynced = 0;
  caps.inc.forEach((t) => {
    if (caps.t.dateOf(t) !== D) return;
    const e = caps.t.get(t);
    seen.add(e.paymentId);
    const ev = evById.get(e.paymentId);
    if (ev && ev.amount === e.amount && ev.currency === e.currency) return;
    if (!ev && completeUntil !== null && e.at !== null && e.at > completeUntil) {
      unsynced++;
      return;
    }
    const note = !ev ? 'in the ledger, no payment.captured event' : ev.currency !== e.currency ? `ledger ${e.currency}, event ${ev.currency}` : 'the ledger amount differs from the payment.captured event';
    out.push(lem(e.paymentId, e.orderId ?? ev?.orderId ?? null, e.gateway ?? ev?.gateway ?? '', e.gatewayTxnId ?? ev?.gatewayTxnId ?? null, e, ev ?? null, D, note));
  });
  for (const ev of evById.values()) {
    if (seen.has(ev.paymentId)) continue;
    out.push(lem(ev.paymentId, ev.orderId, ev.gateway ?? '', ev.gatewayTxnId, null, ev, D, 'a payment.captured event missing from the ledger'));
  }
  if (unsynced > 0) warnings.push(`${unsynced} ledger capture(s) of ${D} are later than the last synced event; not checked against the events`);
  return out;
}

function lem(paymentId: string, orderId: string | null, gateway: string, txn: string | null, e: LedgerEntry | null, ev: EventCapture | null, D: string, note: string): ReconItem {
  const currency = e?.currency ?? ev!.currency;
  const sameCurrency = !e || !ev || e.currency === ev.currency;
  return {
    key: `lem:${paymentId}`, status: 'ledger_event_mismatch', review: 'exception', recordType: 'settlement', gateway, paymentId, orderId, gatewayTxnId: txn,
    currency, captured: e ? e.amount : null, settled: null, settledCurrency: null,
    discrepancy: sameCurrency ? (e?.amount ?? 0) - (ev?.amount ?? 0) : null, eventAmount: ev ? ev.amount : null, fee: null, feeCurrency: null,
    capturedDate: D, settledDate: null, ageDays: null, note, settlement: null, ledger: e ? { source: e.source, row: e.row } : null,
    event: ev ? { source: ev.source, row: 0 } : null,
  };
}

function controls(S: SettlementTable, recs: Int32Array, dayD: number): ControlTotal[] {
  const sums = new Map<string, { gateway: string; currency: string; date: string; reported: number; computed: number; has: boolean }>();
  for (const si of recs) {
    if (S.date[si] !== dayD) continue;
    const k = `${S.gateway[si]}|${S.netCurrency[si]}`;
    let s = sums.get(k);
    if (!s) sums.set(k, (s = { gateway: S.gatewayOf(si), currency: S.dict.value(S.netCurrency[si]!)!, date: S.dateOf(si), reported: 0, computed: 0, has: false }));
    if (S.type[si] === RT_PAYOUT) {
      s.reported += S.net[si]!;
      s.has = true;
    } else s.computed += S.net[si]!;
  }
  return [...sums.values()]
    .filter((s) => s.has)
    .map((s) => ({ gateway: s.gateway, currency: s.currency, date: s.date, reported: s.reported, computed: s.computed, ok: s.reported === s.computed }))
    .sort((a, b) => cmp(`${a.gateway}|${a.date}|${a.currency}`, `${b.gateway}|${b.date}|${b.currency}`));
}
