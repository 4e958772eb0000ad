/**
 * The columnar event store the analytics kernels read: one typed array per event column, strings
 * dictionary-encoded (code 0 = null), rows in arrival (`events.seq`) order. Pure TypeScript: the
 * worker fills it from SQLite and persists it (src/main/node/cache/), tests build it from plain rows.
 *
 * @example
 *   const cols = new EventColumns();
 *   cols.appendRow(1, { time: Date.UTC(2026, 0, 1), type: 'page.landing_viewed', session: 's1' });
 *   cols.dicts.type.value(cols.codes.type[0]!); // 'page.landing_viewed'
 */

/** The dictionary-encoded columns, in snapshot order. */
export const CODE_COLUMNS = ['type', 'session', 'user', 'device', 'source', 'category', 'currency', 'code', 'experiment', 'variant', 'order'] as const;
export type CodeColumn = (typeof CODE_COLUMNS)[number];
export type CodeArray = Uint8Array | Uint16Array | Uint32Array;
/** The low-cardinality columns, in the order pushEncoded() takes their codes. */
export const SMALL_COLUMNS = ['type', 'device', 'source', 'category', 'currency', 'code', 'experiment', 'variant'] as const satisfies readonly CodeColumn[];

/** Starting width per column (bytes); a column widens when its dictionary outgrows it. */
const START_WIDTH: Record<CodeColumn, 1 | 2 | 4> = {
  type: 1, session: 4, user: 4, device: 1, source: 1, category: 1, currency: 1, code: 1, experiment: 1, variant: 1, order: 4,
};

/** Event types whose business key (`ref`) is the order id kept in the `order` column (payment.refunded's order comes from its payload). */
export const ORDER_REF_TYPES: readonly string[] = ['order.placed', 'order.completed', 'order.cancelled'];

/**
 * A string dictionary: code 0 is null, codes 1.. are values in first-seen order. A dictionary loaded
 * from a snapshot may decode its strings lazily, on first use (a query that only compares codes, or
 * needs only the size, never pays for decoding e.g. a million session ids).
 */
export class Dictionary {
  private vals: string[] | null;
  private decode: (() => string[]) | null = null;
  private count = 0;
  private map: Map<string, number> | null = null;

  /** `values` without the null slot */
  constructor(values: readonly string[] = []) {
    this.vals = ['', ...values];
  }

  /** Adopt `withNull` (index 0 is the null slot, ignored) without copying it. */
  static adopt(withNull: string[]): Dictionary {
    const d = new Dictionary();
    d.vals = withNull;
    withNull[0] = '';
    return d;
  }

  /** A dictionary of `size` codes (including the null code) whose values `decode` produces (null slot first) on first use. */
  static lazy(size: number, decode: () => string[]): Dictionary {
    const d = new Dictionary();
    d.vals = null;
    d.count = size;
    d.decode = decode;
    return d;
  }

  /** the values by code; index 0 is the null slot ('') */
  get values(): string[] {
    if (this.vals === null) {
      const v = this.decode!();
      if (v.length !== this.count) throw new Error(`dictionary decoded ${v.length} values, expected ${this.count}`);
      v[0] = '';
      this.vals = v;
      this.decode = null;
    }
    return this.vals;
  }

  /** number of codes including the null code 0 */
  get size(): number {
    return this.vals === null ? this.count : this.vals.length;
  }

  private index(): Map<string, number> {
    if (this.map === null) {
      const m = new Map<string, number>();
      const v = this.values;
      for (let i = 1; i < v.length; i++) m.set(v[i]!, i);
      this.map = m;
    }
    return this.map;
  }

  /** The code of `v`, adding it when new; null -> 0. */
  code(v: string | null | undefined): number {
    if (v === null || v === undefined) return 0;
    const m = this.index();
    let c = m.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      m.set(v, c);
    }
    return c;
  }

  /** The code of `v` or -1 when it never occurred (never adds). */
  lookup(v: string): number {
    return this.index().get(v) ?? -1;
  }

  value(code: number): string | null {
    return code === 0 ? null : (this.values[code] ?? null);
  }

  /** Whether the values have been decoded (tests). */
  get decoded(): boolean {
    return this.vals !== null;
  }
}

/** A plain event row (the `events` columns the analytics need). */
export interface EventRow {
  time: number;
  type: string;
  session?: string | null;
  user?: string | null;
  device?: string | null;
  source?: string | null;
  category?: string | null;
  amount?: number | null;
  currency?: string | null;
  code?: string | null;
  experiment?: string | null;
  variant?: string | null;
  /** the order an order.* or payment.refunded event is about (null for other types) */
  order?: string | null;
}

function allocCodes(width: 1 | 2 | 4, n: number): CodeArray {
  return width === 1 ? new Uint8Array(n) : width === 2 ? new Uint16Array(n) : new Uint32Array(n);
}
function maxCode(a: CodeArray): number {
  return a instanceof Uint8Array ? 0xff : a instanceof Uint16Array ? 0xffff : 0xffffffff;
}

export class EventColumns {
  length = 0;
  /** the highest events.seq appended (a cache of some event types: the highest seq examined) */
  lastSeq = 0;
  /** the latest event time appended (-Infinity when empty) */
  maxTime = -Infinity;
  time: Float64Array;
  /** primary amount in minor units; NaN = null */
  amount: Float64Array;
  codes: Record<CodeColumn, CodeArray>;
  dicts: Record<CodeColumn, Dictionary>;
  /** bumped on every append (derived structures compare it) */
  version = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.amount = new Float64Array(capacity);
    this.codes = {} as Record<CodeColumn, CodeArray>;
    this.dicts = {} as Record<CodeColumn, Dictionary>;
    for (const c of CODE_COLUMNS) {
      this.codes[c] = allocCodes(START_WIDTH[c], capacity);
      this.dicts[c] = new Dictionary();
    }
  }

  /** Adopt existing arrays (a loaded snapshot). Arrays may be longer than `length`. */
  static from(parts: {
    length: number; lastSeq: number; maxTime: number; time: Float64Array; amount: Float64Array;
    codes: Record<CodeColumn, CodeArray>; dicts: Record<CodeColumn, Dictionary>;
  }): EventColumns {
    const c = new EventColumns(0);
    c.length = parts.length;
    c.lastSeq = parts.lastSeq;
    c.maxTime = parts.maxTime;
    c.time = parts.time;
    c.amount = parts.amount;
    c.codes = parts.codes;
    c.dicts = parts.dicts;
    return c;
  }

  get capacity(): number {
    return this.time.length;
  }

  /** Make room for `extra` more rows (amortised doubling). */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.capacity) return;
    const cap = Math.max(need, Math.ceil(this.capacity * (this.capacity > 4_000_000 ? 1.25 : 1.5)), 1024);
    const n = this.length;
    const t = new Float64Array(cap);
    t.set(this.time.subarray(0, n));
    this.time = t;
    const a = new Float64Array(cap);
    a.set(this.amount.subarray(0, n));
    this.amount = a;
    for (const c of CODE_COLUMNS) {
      const old = this.codes[c];
      const next = allocCodes(old.BYTES_PER_ELEMENT as 1 | 2 | 4, cap);
      next.set(old.subarray(0, n));
      this.codes[c] = next;
    }
  }

  private widen(c: CodeColumn): void {
    const old = this.codes[c];
    const next = allocCodes(old instanceof Uint8Array ? 2 : 4, this.capacity);
    next.set(old.subarray(0, this.length));
    this.codes[c] = next;
  }

  /** Encode a string into column `c`'s dictionary, widening the column when needed. */
  encode(c: CodeColumn, v: string | null | undefined): number {
    const code = this.dicts[c].code(v);
    if (code > maxCode(this.codes[c])) this.widen(c);
    return code;
  }

  /** Append one row (call `reserve` first for bulk loads; appendRow reserves itself). */
  appendRow(seq: number, r: EventRow): void {
    this.reserve(1);
    this.push(seq, r.time, r.type, r.session ?? null, r.user ?? null, r.device ?? null, r.source ?? null, r.category ?? null,
      r.amount ?? null, r.currency ?? null, r.code ?? null, r.experiment ?? null, r.variant ?? null, r.order ?? null);
  }

  /** Append one row given positionally (capacity must have been reserved). */
  push(
    seq: number, time: number, type: string, session: string | null, user: string | null, device: string | null, source: string | null,
    category: string | null, amount: number | null, currency: string | null, code: string | null, experiment: string | null, variant: string | null,
    order: string | null = null,
  ): void {
    const i = this.length;
    if (seq <= this.lastSeq) throw new Error(`rows must be appended in seq order (${seq} after ${this.lastSeq})`);
    this.time[i] = time;
    this.amount[i] = amount === null ? NaN : amount;
    // encode() may widen (replace) an array, so read this.codes[...] after encoding
    const ty = this.encode('type', type);
    this.codes.type[i] = ty;
    const se = this.encode('session', session);
    this.codes.session[i] = se;
    const us = this.encode('user', user);
    this.codes.user[i] = us;
    const de = this.encode('device', device);
    this.codes.device[i] = de;
    const so = this.encode('source', source);
    this.codes.source[i] = so;
    const ca = this.encode('category', category);
    this.codes.category[i] = ca;
    const cu = this.encode('currency', currency);
    this.codes.currency[i] = cu;
    const co = this.encode('code', code);
    this.codes.code[i] = co;
    const ex = this.encode('experiment', experiment);
    this.codes.experiment[i] = ex;
    const va = this.encode('variant', variant);
    this.codes.variant[i] = va;
    const or = this.encode('order', order);
    this.codes.order[i] = or;
    this.length = i + 1;
    this.lastSeq = seq;
    if (time > this.maxTime) this.maxTime = time;
    this.version++;
  }

  /**
   * Append one row whose session and low-cardinality columns are already encoded (with encode()):
   * `session` is the session code, `small` the codes of SMALL_COLUMNS, `order` the order id (order.*
   * and payment.refunded events). Capacity must be reserved.
   */
  pushEncoded(seq: number, time: number, amount: number | null, session: number, user: string | null, small: ArrayLike<number>, order: string | null = null): void {
    const i = this.length;
    if (seq <= this.lastSeq) throw new Error(`rows must be appended in seq order (${seq} after ${this.lastSeq})`);
    this.time[i] = time;
    this.amount[i] = amount === null ? NaN : amount;
    this.codes.session[i] = session;
    const us = user === null ? 0 : this.encode('user', user);
    this.codes.user[i] = us;
    const k = this.codes;
    k.type[i] = small[0]!;
    k.device[i] = small[1]!;
    k.source[i] = small[2]!;
    k.category[i] = small[3]!;
    k.currency[i] = small[4]!;
    k.code[i] = small[5]!;
    k.experiment[i] = small[6]!;
    k.variant[i] = small[7]!;
    if (order === null) k.order[i] = 0;
    else {
      const oc = this.encode('order', order);
      this.codes.order[i] = oc;
    }
    this.length = i + 1;
    this.lastSeq = seq;
    if (time > this.maxTime) this.maxTime = time;
    this.version++;
  }

  /** Row `i` decoded (tests, drill-down). */
  row(i: number): EventRow {
    const d = this.dicts;
    const k = this.codes;
    const amount = this.amount[i]!;
    return {
      time: this.time[i]!, type: d.type.value(k.type[i]!)!, session: d.session.value(k.session[i]!), user: d.user.value(k.user[i]!),
      device: d.device.value(k.device[i]!), source: d.source.value(k.source[i]!), category: d.category.value(k.category[i]!),
      amount: Number.isNaN(amount) ? null : amount, currency: d.currency.value(k.currency[i]!), code: d.code.value(k.code[i]!),
      experiment: d.experiment.value(k.experiment[i]!), variant: d.variant.value(k.variant[i]!), order: d.order.value(k.order[i]!),
    };
  }

  /** Approximate bytes held by the arrays (not the dictionaries' strings). */
  arrayBytes(): number {
    let b = this.time.byteLength + this.amount.byteLength;
    for (const c of CODE_COLUMNS) b += this.codes[c].byteLength;
    return b;
  }
}

/**
 * The user of each session (session code -> user code): the user_id of the session's earliest
 * event (by time, then seq) that carries one; 0 for anonymous sessions. Maintained incrementally.
 */
export class SessionUsers {
  user = new Uint32Array(0);
  private firstTime = new Float64Array(0);
  private upTo = 0;

  update(cols: EventColumns): Uint32Array {
    const nSessions = cols.dicts.session.size;
    if (this.user.length < nSessions) {
      const cap = Math.max(nSessions, Math.ceil(this.user.length * 1.5));
      const u = new Uint32Array(cap);
      u.set(this.user);
      const f = new Float64Array(cap).fill(Infinity);
      f.set(this.firstTime);
      this.user = u;
      this.firstTime = f;
    }
    const ses = cols.codes.session;
    const usr = cols.codes.user;
    const time = cols.time;
    const su = this.user;
    const ft = this.firstTime;
    for (let i = this.upTo; i < cols.length; i++) {
      const u = usr[i]!;
      if (u === 0) continue;
      const s = ses[i]!;
      if (s === 0) continue;
      const t = time[i]!;
      if (t < ft[s]!) {
        ft[s] = t;
        su[s] = u;
      }
    }
    this.upTo = cols.length;
    return su;
  }
}

/**
 * The row numbers of each event type, in row order, so per-type analytics (orders, registrations)
 * visit their few percent of rows instead of every row. Built with one pass over the type column and
 * extended as rows are appended (the columns are append-only); a rebuilt cache is a new
 * EventColumns and gets a new index.
 */
class TypeRows {
  private upTo = 0;
  private readonly lists: Uint32Array[] = [];
  private readonly lens: number[] = [];
  private readonly cols: EventColumns;

  constructor(cols: EventColumns) {
    this.cols = cols;
  }

  rows(type: number): Uint32Array {
    this.extend();
    const list = this.lists[type];
    return list ? list.subarray(0, this.lens[type]!) : new Uint32Array(0);
  }

  private extend(): void {
    const n = this.cols.length;
    const from = this.upTo;
    if (from >= n) return;
    const ty = this.cols.codes.type;
    const { lists, lens } = this;
    // counting pass, then one exact-size (or doubled) allocation per type, then the filling pass
    const add = new Uint32Array(this.cols.dicts.type.size + 1);
    for (let i = from; i < n; i++) add[ty[i]!]!++;
    for (let t = 0; t < add.length; t++) {
      if (add[t] === 0) continue;
      const len = lens[t] ?? 0;
      const list = lists[t];
      if (list === undefined || len + add[t]! > list.length) {
        const grown = new Uint32Array(Math.max(len + add[t]!, (list?.length ?? 0) * 2));
        if (list) grown.set(list.subarray(0, len));
        lists[t] = grown;
      }
      lens[t] = len;
    }
    for (let i = from; i < n; i++) {
      const t = ty[i]!;
      lists[t]![lens[t]!++] = i;
    }
    this.upTo = n;
  }
}

const typeRows = new WeakMap<EventColumns, TypeRows>();

/** The rows whose type code is `type`, ascending (a view: valid until more rows are appended). */
export function rowsOfType(cols: EventColumns, type: number): Uint32Array {
  if (type <= 0) return new Uint32Array(0);
  let t = typeRows.get(cols);
  if (!t) {
    t = new TypeRows(cols);
    typeRows.set(cols, t);
  }
  return t.rows(type);
}
