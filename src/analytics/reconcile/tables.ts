/**
 * Columnar stores of settlement rows and ledger entries for the matching engine: typed arrays for
 * numbers, small dictionaries for repeated text (gateway, currency, date, source), plain arrays for
 * ids. A million rows take tens of megabytes instead of a million objects; `get(i)` gives a row back
 * as the plain object of types.ts.
 */
import { RECORD_TYPES, type LedgerEntry, type RecordType, type SettlementRecord } from './types.ts';

/** Text <-> small integer; code 0 is null. */
export class Dict {
  private readonly codes = new Map<string, number>();
  readonly values: (string | null)[] = [null];
  code(s: string | null): number {
    if (s === null) return 0;
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.values.length;
      if (c > 0xffff) throw new Error('too many distinct values for a dictionary column');
      this.values.push(s);
      this.codes.set(s, c);
    }
    return c;
  }
  value(c: number): string | null {
    return this.values[c]!;
  }
}

function grow<T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(a: T, size: number): T {
  if (size <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

const TYPE_CODE = new Map<RecordType, number>(RECORD_TYPES.map((t, i) => [t, i]));

/**
 * A column of short texts stored as joined blocks of 4096 values plus start offsets: a million ids
 * are a few hundred strings, not a million objects, and nothing else (such as the file text the ids
 * were cut from) is kept alive. get(i) cuts the value out again.
 */
export class StrColumn {
  static readonly SHIFT = 12;
  n = 0;
  private blocks: string[] = [];
  private starts: Int32Array = new Int32Array(4096);
  private nulls: Uint8Array = new Uint8Array(4096);
  private pending: string[] = [];
  private pendingLen = 0;
  /** the pending block joined, while nothing is appended */
  private partial: string | null = null;

  push(s: string | null | undefined): void {
    const i = this.n++;
    if (i >= this.starts.length) {
      const st = new Int32Array(this.starts.length * 2);
      st.set(this.starts);
      this.starts = st;
      const nu = new Uint8Array(this.nulls.length * 2);
      nu.set(this.nulls);
      this.nulls = nu;
    }
    this.partial = null;
    this.starts[i] = this.pendingLen;
    if (s === null || s === undefined) this.nulls[i] = 1;
    else {
      this.pending.push(s);
      this.pendingLen += s.length;
    }
    if (this.n % 4096 === 0) {
      this.blocks.push(this.pending.join(''));
      this.pending = [];
      this.pendingLen = 0;
    }
  }

  /** Where value i lies, without cutting it out (sets RANGE); false for null. */
  range(i: number): boolean {
    if (this.nulls[i] === 1) return false;
    const b = i >> StrColumn.SHIFT;
    const block = b < this.blocks.length ? this.blocks[b]! : (this.partial ??= this.pending.join(''));
    const last = i + 1 === this.n || (i + 1) >> StrColumn.SHIFT !== b;
    RANGE.block = block;
    RANGE.start = this.starts[i]!;
    RANGE.end = last ? block.length : this.starts[i + 1]!;
    return true;
  }

  get(i: number): string | null {
    if (this.nulls[i] === 1) return null;
    const b = i >> StrColumn.SHIFT;
    let block: string;
    if (b < this.blocks.length) block = this.blocks[b]!;
    else block = this.partial ??= this.pending.join('');
    const last = i + 1 === this.n || (i + 1) >> StrColumn.SHIFT !== b;
    return block.substring(this.starts[i]!, last ? block.length : this.starts[i + 1]!);
  }

  /** as plain data (typed arrays transferable) */
  pack(): PackedColumn {
    const blocks = [...this.blocks];
    if (this.pending.length > 0 || this.n % 4096 !== 0) blocks.push(this.pending.join(''));
    return { n: this.n, blocks, starts: this.starts.slice(0, this.n), nulls: this.nulls.slice(0, this.n) };
  }

  static unpack(p: PackedColumn): StrColumn {
    const c = new StrColumn();
    c.n = p.n;
    c.starts = p.starts.length > 0 ? p.starts : new Int32Array(1);
    c.nulls = p.nulls.length > 0 ? p.nulls : new Uint8Array(1);
    const full = p.n >> StrColumn.SHIFT;
    c.blocks = p.blocks.slice(0, full);
    const rest = p.blocks.slice(full).join('');
    c.pending = rest ? [rest] : [];
    c.pendingLen = rest.length;
    return c;
  }
}

/** Scratch result of StrColumn.range (one thread, no allocation). */
export const RANGE = { block: '', start: 0, end: 0 };

/** FNV-1a over the UTF-16 units of s[start, end). */
export function hashRange(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

function sameRange(a: string, as: number, ae: number, b: string, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a.charCodeAt(as + i) !== b.charCodeAt(bs + i)) return false;
  return true;
}

/**
 * A hash index from text keys to entry numbers that never cuts keys out of their column: keys are
 * read in place (`keyOf(entry)` sets RANGE), hashed and compared character by character. Open
 * addressing, load factor at most 1/2.
 */
export class IdIndex {
  private slots: Int32Array;
  private hashes: Int32Array;
  private mask: number;
  private size = 0;
  private readonly keyOf: (entry: number) => boolean;

  constructor(expected: number, keyOf: (entry: number) => boolean) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.mask = cap - 1;
    this.keyOf = keyOf;
  }

  /** the entry whose key is s[start, end), or -1 */
  find(s: string, start: number, end: number): number {
    const h = hashRange(s, start, end);
    for (let k = h & this.mask; ; k = (k + 1) & this.mask) {
      const e = this.slots[k]!;
      if (e === 0) return -1;
      if (this.hashes[k] === h && this.keyOf(e - 1) && sameRange(RANGE.block, RANGE.start, RANGE.end, s, start, end)) return e - 1;
    }
  }

  get(key: string): number {
    return this.find(key, 0, key.length);
  }

  /** the entry whose key equals value i of `col`, or -1 */
  findIn(col: StrColumn, i: number): number {
    if (!col.range(i)) return -1;
    const { block, start, end } = RANGE;
    return this.find(block, start, end);
  }

  /** Index `entry` under its key unless the key is there already: then that entry, else -1. */
  insert(entry: number): number {
    if (!this.keyOf(entry)) return -1;
    const { block, start, end } = RANGE;
    const h = hashRange(block, start, end);
    for (let k = h & this.mask; ; k = (k + 1) & this.mask) {
      const e = this.slots[k]!;
      if (e === 0) {
        this.slots[k] = entry + 1;
        this.hashes[k] = h;
        if (++this.size * 2 > this.slots.length) this.grow();
        return -1;
      }
      if (this.hashes[k] === h) {
        const b = block, bs = start, be = end;
        if (this.keyOf(e - 1) && sameRange(RANGE.block, RANGE.start, RANGE.end, b, bs, be)) return e - 1;
      }
    }
  }

  /** Point the key of `from` (indexed) at `to` (an entry with the same key). */
  replace(from: number, to: number): void {
    if (!this.keyOf(from)) return;
    const h = hashRange(RANGE.block, RANGE.start, RANGE.end);
    for (let k = h & this.mask; this.slots[k] !== 0; k = (k + 1) & this.mask) {
      if (this.slots[k] === from + 1) {
        this.slots[k] = to + 1;
        return;
      }
    }
  }

  private grow(): void {
    const oldSlots = this.slots, oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.hashes = new Int32Array(oldSlots.length * 2);
    this.mask = this.slots.length - 1;
    for (let k = 0; k < oldSlots.length; k++) {
      const e = oldSlots[k]!;
      if (e === 0) continue;
      const h = oldHashes[k]!;
      let j = h & this.mask;
      while (this.slots[j] !== 0) j = (j + 1) & this.mask;
      this.slots[j] = e;
      this.hashes[j] = h;
    }
  }
}

export interface PackedColumn { n: number; blocks: string[]; starts: Int32Array; nulls: Uint8Array }

/** A settlement table as plain data: typed arrays (transferable) and packed id strings. */
export interface PackedSettlements {
  n: number; dict: (string | null)[];
  gateway: Uint16Array; type: Uint8Array; currency: Uint16Array; netCurrency: Uint16Array; date: Uint16Array; source: Uint16Array;
  amount: Float64Array; fee: Float64Array; net: Float64Array; settledAt: Float64Array; row: Int32Array;
  txn: PackedColumn; paymentId: PackedColumn; orderId: PackedColumn; originalTxn: PackedColumn;
}

export class SettlementTable {
  n = 0;
  readonly dict = new Dict();
  gateway: Uint16Array = new Uint16Array(1024);
  type: Uint8Array = new Uint8Array(1024);
  currency: Uint16Array = new Uint16Array(1024);
  netCurrency: Uint16Array = new Uint16Array(1024);
  date: Uint16Array = new Uint16Array(1024);
  source: Uint16Array = new Uint16Array(1024);
  amount: Float64Array = new Float64Array(1024);
  fee: Float64Array = new Float64Array(1024);
  net: Float64Array = new Float64Array(1024);
  /** NaN: none */
  settledAt: Float64Array = new Float64Array(1024);
  row: Int32Array = new Int32Array(1024);
  txn = new StrColumn();
  paymentId = new StrColumn();
  orderId = new StrColumn();
  originalTxn = new StrColumn();

  static from(records: readonly SettlementRecord[]): SettlementTable {
    const t = new SettlementTable();
    for (const r of records) t.push(r);
    return t;
  }

  pack(): PackedSettlements {
    const n = this.n;
    return {
      n, dict: [...this.dict.values], gateway: this.gateway.slice(0, n), type: this.type.slice(0, n), currency: this.currency.slice(0, n),
      netCurrency: this.netCurrency.slice(0, n), date: this.date.slice(0, n), source: this.source.slice(0, n), amount: this.amount.slice(0, n),
      fee: this.fee.slice(0, n), net: this.net.slice(0, n), settledAt: this.settledAt.slice(0, n), row: this.row.slice(0, n),
      txn: this.txn.pack(), paymentId: this.paymentId.pack(), orderId: this.orderId.pack(), originalTxn: this.originalTxn.pack(),
    };
  }

  static unpack(p: PackedSettlements): SettlementTable {
    const t = new SettlementTable();
    t.n = p.n;
    for (const v of p.dict.slice(1)) t.dict.code(v);
    t.gateway = p.gateway; t.type = p.type; t.currency = p.currency; t.netCurrency = p.netCurrency; t.date = p.date; t.source = p.source;
    t.amount = p.amount; t.fee = p.fee; t.net = p.net; t.settledAt = p.settledAt; t.row = p.row;
    t.txn = StrColumn.unpack(p.txn);
    t.paymentId = StrColumn.unpack(p.paymentId);
    t.orderId = StrColumn.unpack(p.orderId);
    t.originalTxn = StrColumn.unpack(p.originalTxn);
    return t;
  }

  /** the typed arrays of a packed table (to transfer instead of copy) */
  static transferList(p: PackedSettlements): ArrayBuffer[] {
    const cols = [p.txn, p.paymentId, p.orderId, p.originalTxn].flatMap((c) => [c.starts, c.nulls]);
    return [p.gateway, p.type, p.currency, p.netCurrency, p.date, p.source, p.amount, p.fee, p.net, p.settledAt, p.row, ...cols].map((a) => a.buffer as ArrayBuffer);
  }

  push(r: SettlementRecord): void {
    const i = this.n++;
    if (i >= this.amount.length) {
      const size = i + 1;
      this.gateway = grow(this.gateway, size);
      this.type = grow(this.type, size);
      this.currency = grow(this.currency, size);
      this.netCurrency = grow(this.netCurrency, size);
      this.date = grow(this.date, size);
      this.source = grow(this.source, size);
      this.amount = grow(this.amount, size);
      this.fee = grow(this.fee, size);
      this.net = grow(this.net, size);
      this.settledAt = grow(this.settledAt, size);
      this.row = grow(this.row, size);
    }
    const d = this.dict;
    this.gateway[i] = d.code(r.gateway);
    this.type[i] = TYPE_CODE.get(r.recordType)!;
    this.currency[i] = d.code(r.currency);
    this.netCurrency[i] = d.code(r.netCurrency);
    this.date[i] = d.code(r.date);
    this.source[i] = d.code(r.source);
    this.amount[i] = r.amount;
    this.fee[i] = r.fee;
    this.net[i] = r.net;
    this.settledAt[i] = r.settledAt ?? NaN;
    this.row[i] = r.row;
    this.txn.push(r.gatewayTxnId);
    this.paymentId.push(r.paymentId);
    this.orderId.push(r.orderId);
    this.originalTxn.push(r.originalTxnId);
  }

  recordType(i: number): RecordType {
    return RECORD_TYPES[this.type[i]!]!;
  }
  gatewayOf(i: number): string {
    return this.dict.value(this.gateway[i]!)!;
  }
  currencyOf(i: number): string {
    return this.dict.value(this.currency[i]!)!;
  }
  dateOf(i: number): string {
    return this.dict.value(this.date[i]!)!;
  }

  get(i: number): SettlementRecord {
    const d = this.dict;
    const at = this.settledAt[i]!;
    return {
      gateway: d.value(this.gateway[i]!)!, recordType: this.recordType(i), gatewayTxnId: this.txn.get(i), paymentId: this.paymentId.get(i), orderId: this.orderId.get(i),
      originalTxnId: this.originalTxn.get(i), amount: this.amount[i]!, currency: d.value(this.currency[i]!)!, fee: this.fee[i]!, net: this.net[i]!,
      netCurrency: d.value(this.netCurrency[i]!)!, settledAt: Number.isNaN(at) ? null : at, date: d.value(this.date[i]!)!, source: d.value(this.source[i]!)!, row: this.row[i]!,
    };
  }
}

export class LedgerTable {
  n = 0;
  readonly dict = new Dict();
  /** 0 capture, 1 refund */
  kind: Uint8Array = new Uint8Array(1024);
  gateway: Uint16Array = new Uint16Array(1024);
  currency: Uint16Array = new Uint16Array(1024);
  date: Uint16Array = new Uint16Array(1024);
  source: Uint16Array = new Uint16Array(1024);
  amount: Float64Array = new Float64Array(1024);
  /** NaN: none */
  at: Float64Array = new Float64Array(1024);
  row: Int32Array = new Int32Array(1024);
  readonly paymentId = new StrColumn();
  readonly refundId = new StrColumn();
  readonly orderId = new StrColumn();
  readonly txn = new StrColumn();

  static from(entries: readonly LedgerEntry[]): LedgerTable {
    const t = new LedgerTable();
    for (const e of entries) t.push(e);
    return t;
  }

  push(e: LedgerEntry): number {
    const i = this.n++;
    if (i >= this.amount.length) {
      const size = i + 1;
      this.kind = grow(this.kind, size);
      this.gateway = grow(this.gateway, size);
      this.currency = grow(this.currency, size);
      this.date = grow(this.date, size);
      this.source = grow(this.source, size);
      this.amount = grow(this.amount, size);
      this.at = grow(this.at, size);
      this.row = grow(this.row, size);
    }
    const d = this.dict;
    this.kind[i] = e.kind === 'refund' ? 1 : 0;
    this.gateway[i] = d.code(e.gateway);
    this.currency[i] = d.code(e.currency);
    this.date[i] = d.code(e.date);
    this.source[i] = d.code(e.source);
    this.amount[i] = e.amount;
    this.at[i] = e.at ?? NaN;
    this.row[i] = e.row;
    this.paymentId.push(e.paymentId);
    this.refundId.push(e.refundId);
    this.orderId.push(e.orderId);
    this.txn.push(e.gatewayTxnId);
    return i;
  }

  gatewayOf(i: number): string | null {
    return this.dict.value(this.gateway[i]!);
  }
  currencyOf(i: number): string {
    return this.dict.value(this.currency[i]!)!;
  }
  dateOf(i: number): string {
    return this.dict.value(this.date[i]!)!;
  }

  get(i: number): LedgerEntry {
    const d = this.dict;
    const at = this.at[i]!;
    return {
      kind: this.kind[i] === 1 ? 'refund' : 'capture', paymentId: this.paymentId.get(i)!, refundId: this.refundId.get(i), orderId: this.orderId.get(i),
      gateway: d.value(this.gateway[i]!), gatewayTxnId: this.txn.get(i), amount: this.amount[i]!, currency: d.value(this.currency[i]!)!,
      at: Number.isNaN(at) ? null : at, date: d.value(this.date[i]!)!, source: d.value(this.source[i]!)!, row: this.row[i]!,
    };
  }
}
