/**
 * The store side of ingestion: writes prepared batches (see prepare.ts) into `event_log` (read
 * through the `events` view), the typed projections and `quarantine`. Callers wrap `write` in a
 * transaction together with whatever must commit atomically with it (the sync cursor).
 *
 * Dedup: every event has a slot `id_hash` = hash(id, attempt). The exact in-memory index of stored
 * slots (dedup.ts, checked against the database at the start of each write) tells whether a slot is
 * free; a taken slot is compared by stored `id` (looked up by seq): the same id is a duplicate, a
 * different id is a collision and the next attempt's slot is tried, a free slot is where the event
 * is stored. Events are never deleted, so chains are stable. Rows are then appended in input order
 * with multi-row INSERTs (seq follows input order); low-cardinality columns are bound as integer
 * codes into `event_strings`.
 */
import type { Database, Statement } from '../db/sqlite.ts';
import { cyrb53, idHash, type HashFn } from './hash.ts';
import { dedupIndexFor } from './dedup.ts';
import { NNUM, NCODE, NTEXT, COL_HASH, COL_TIME, COL_AMOUNT, OP, sealBatch, takeText, type PreparedBatch, type BadItem } from './prepare.ts';

export interface WriteCounts {
  inserted: number;
  duplicates: number;
  quarantined: number;
  /** latest event time among inserted events (UTC ms) */
  maxTime: number | null;
}

export interface WriterOptions {
  /** recorded in events.origin and quarantine.origin: "sync:<url>" or "file:<name>" */
  origin: string;
  /** dedup hash (tests inject a tiny one to force collisions); must match the one used by prepare */
  hash?: HashFn;
  /** rows per multi-row INSERT statement */
  chunkRows?: number;
}

export interface Writer {
  readonly origin: string;
  /** Write one prepared batch. Must run inside a transaction (see `transaction`). */
  write(batch: PreparedBatch, now?: number): WriteCounts;
  /** Run fn inside BEGIN IMMEDIATE ... COMMIT (or join the current transaction). */
  transaction<T>(fn: () => T): T;
}

const MAX_PROBES = 64;
/** most rows per multi-row projection statement (a power of two) */
const PROJ_CHUNK = 32;
/** event_log columns bound per row (s_origin and ingested_at are per statement) */
const LOG_COLUMNS = [
  'id_hash', 'id', 'type', 's_source', 'time', 'subject', 'session_id', 'user_id', 's_device', 's_traffic_source',
  's_category', 'amount', 's_currency', 's_code', 's_experiment_id', 's_variant', 'ref', 'data',
] as const;
const NPARAM = LOG_COLUMNS.length;
const ROW_PLACEHOLDERS = '(' + LOG_COLUMNS.map(() => '?').join(', ') + ', @origin, @at)';

/**
 * value -> code of `event_strings`, shared by the writers of a connection. Append-only, so cached
 * codes stay valid unless the transaction that added them rolls back: `sync` (at the start of
 * each write) checks the newest entry and reloads when it differs.
 */
class StringCodes {
  private map = new Map<string, number>();
  private maxCode = 0;
  private maxValue: string | null = null;
  private readonly q: { last: Statement<[], [number, string]>; all: Statement<[], [number, string]>; find: Statement<[string], number>; insert: Statement<[string]> };

  constructor(db: Database) {
    this.q = {
      last: db.prepare<[], [number, string]>('SELECT code, value FROM event_strings ORDER BY code DESC LIMIT 1').raw(),
      all: db.prepare<[], [number, string]>('SELECT code, value FROM event_strings').raw(),
      find: db.prepare<[string], number>('SELECT code FROM event_strings WHERE value = ?').pluck(),
      insert: db.prepare<[string]>('INSERT INTO event_strings (value) VALUES (?)'),
    };
  }

  sync(): void {
    const last = this.q.last.get();
    if ((last?.[0] ?? 0) === this.maxCode && (last?.[1] ?? null) === this.maxValue) return;
    this.map.clear();
    this.maxCode = 0;
    this.maxValue = null;
    for (const [c, v] of this.q.all.iterate()) this.note(c, v);
  }

  code(v: string): number {
    const c = this.map.get(v);
    if (c !== undefined) return c;
    let k = this.q.find.get(v);
    if (k === undefined) k = Number(this.q.insert.run(v).lastInsertRowid);
    this.note(k, v);
    return k;
  }

  private note(c: number, v: string): void {
    this.map.set(v, c);
    if (c > this.maxCode) {
      this.maxCode = c;
      this.maxValue = v;
    }
  }
}

const stringCodes = new WeakMap<Database, StringCodes>();
function stringCodesFor(db: Database): StringCodes {
  let s = stringCodes.get(db);
  if (!s) {
    s = new StringCodes(db);
    stringCodes.set(db, s);
  }
  return s;
}

/** Upsert where the row with the latest (time, event_id) wins. */
function upsertLatest(table: string, key: string, cols: string[]): string {
  const all = [key, ...cols];
  const set = cols.map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')})
    ON CONFLICT (${key}) DO UPDATE SET ${set}
    WHERE excluded.time > ${table}.time OR (excluded.time = ${table}.time AND excluded.event_id > ${table}.event_id)`;
}

/**
 * Projection statements, indexed by OP. Every upsert is idempotent and order-independent: each
 * column group is owned by one event type and guarded by that type's timestamp ("latest wins"),
 * and columns several types carry take the value of the highest-priority type present
 * (orders: placed > completed > cancelled; payments: captured > failed).
 */
const PROJECTION_SQL: Record<number, string> = {
  [OP.ORDER_PLACED]: `INSERT INTO orders (order_id, user_id, seller_id, session_id, device, traffic_source, currency, placed_at, total, shipping_fee)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id, seller_id = excluded.seller_id, session_id = excluded.session_id,
      device = excluded.device, traffic_source = excluded.traffic_source, currency = excluded.currency, placed_at = excluded.placed_at,
      total = excluded.total, shipping_fee = excluded.shipping_fee
    WHERE orders.placed_at IS NULL OR excluded.placed_at > orders.placed_at`,
  [OP.ORDER_ITEM]: `INSERT INTO order_items (order_id, item_no, product_id, category, seller_id, quantity, unit_price, currency, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id, item_no) DO UPDATE SET product_id = excluded.product_id, category = excluded.category, seller_id = excluded.seller_id,
      quantity = excluded.quantity, unit_price = excluded.unit_price, currency = excluded.currency, time = excluded.time
    WHERE excluded.time > order_items.time`,
  [OP.ORDER_COMPLETED]: `INSERT INTO orders (order_id, user_id, seller_id, currency, completed_at, subtotal, tax_total, invoice_total,
      seller_vat_number, buyer_name, buyer_tax_id, buyer_address)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET
      user_id = CASE WHEN orders.placed_at IS NULL THEN excluded.user_id ELSE orders.user_id END,
      seller_id = CASE WHEN orders.placed_at IS NULL THEN excluded.seller_id ELSE orders.seller_id END,
      currency = CASE WHEN orders.placed_at IS NULL THEN excluded.currency ELSE orders.currency END,
      completed_at = excluded.completed_at, subtotal = excluded.subtotal, tax_total = excluded.tax_total, invoice_total = excluded.invoice_total,
      seller_vat_number = excluded.seller_vat_number, buyer_name = excluded.buyer_name, buyer_tax_id = excluded.buyer_tax_id,
      buyer_address = excluded.buyer_address
    WHERE orders.completed_at IS NULL OR excluded.completed_at > orders.completed_at`,
  [OP.ORDER_LINE]: `INSERT INTO order_lines (order_id, line_id, line_no, product_id, name, category, quantity, unit_price, subtotal, currency, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id, line_id) DO UPDATE SET line_no = excluded.line_no, product_id = excluded.product_id, name = excluded.name,
      category = excluded.category, quantity = excluded.quantity, unit_price = excluded.unit_price, subtotal = excluded.subtotal,
      currency = excluded.currency, time = excluded.time
    WHERE excluded.time > order_lines.time`,
  [OP.TAX_LINE]: `INSERT INTO tax_lines (order_id, line_no, jurisdiction, country, state, tax_code, tax_rate, taxable_amount, tax_amount, currency, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id, line_no) DO UPDATE SET jurisdiction = excluded.jurisdiction, country = excluded.country, state = excluded.state,
      tax_code = excluded.tax_code, tax_rate = excluded.tax_rate, taxable_amount = excluded.taxable_amount, tax_amount = excluded.tax_amount,
      currency = excluded.currency, time = excluded.time
    WHERE excluded.time > tax_lines.time`,
  [OP.ORDER_CANCELLED]: `INSERT INTO orders (order_id, user_id, cancelled_at, cancel_reason) VALUES (?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET
      user_id = CASE WHEN orders.placed_at IS NULL AND orders.completed_at IS NULL THEN excluded.user_id ELSE orders.user_id END,
      cancelled_at = excluded.cancelled_at, cancel_reason = excluded.cancel_reason
    WHERE orders.cancelled_at IS NULL OR excluded.cancelled_at > orders.cancelled_at`,
  [OP.PAYMENT_CAPTURED]: `INSERT INTO payments (payment_id, order_id, user_id, gateway, gateway_txn_id, method, amount, currency, captured_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (payment_id) DO UPDATE SET order_id = excluded.order_id, user_id = excluded.user_id, gateway = excluded.gateway,
      gateway_txn_id = excluded.gateway_txn_id, method = excluded.method, amount = excluded.amount, currency = excluded.currency,
      captured_at = excluded.captured_at
    WHERE payments.captured_at IS NULL OR excluded.captured_at > payments.captured_at`,
  [OP.PAYMENT_FAILED]: `INSERT INTO payments (payment_id, order_id, user_id, gateway, method, amount, currency, failed_at, failure_code, failure_message)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (payment_id) DO UPDATE SET
      order_id = CASE WHEN payments.captured_at IS NULL THEN excluded.order_id ELSE payments.order_id END,
      user_id = CASE WHEN payments.captured_at IS NULL THEN excluded.user_id ELSE payments.user_id END,
      gateway = CASE WHEN payments.captured_at IS NULL THEN excluded.gateway ELSE payments.gateway END,
      method = CASE WHEN payments.captured_at IS NULL THEN excluded.method ELSE payments.method END,
      amount = CASE WHEN payments.captured_at IS NULL THEN excluded.amount ELSE payments.amount END,
      currency = CASE WHEN payments.captured_at IS NULL THEN excluded.currency ELSE payments.currency END,
      failed_at = excluded.failed_at, failure_code = excluded.failure_code, failure_message = excluded.failure_message
    WHERE payments.failed_at IS NULL OR excluded.failed_at > payments.failed_at`,
  [OP.REFUND]: upsertLatest('refunds', 'refund_id', ['payment_id', 'order_id', 'gateway', 'gateway_txn_id', 'amount', 'currency', 'reason', 'time', 'event_id']),
  [OP.CUSTOMER]: `INSERT INTO customers (user_id, registered_at, device, traffic_source, country, event_id) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET registered_at = excluded.registered_at, device = excluded.device,
      traffic_source = excluded.traffic_source, country = excluded.country, event_id = excluded.event_id
    WHERE excluded.registered_at < customers.registered_at
      OR (excluded.registered_at = customers.registered_at AND excluded.event_id < customers.event_id)`,
  [OP.ESCROW]: upsertLatest('escrow_releases', 'escrow_id', ['order_id', 'seller_id', 'amount', 'currency', 'commission_rate_bps', 'fee', 'time', 'event_id']),
  [OP.PENALTY]: upsertLatest('seller_penalties', 'penalty_id', ['seller_id', 'amount', 'currency', 'reason', 'time', 'event_id']),
  [OP.PAYOUT]: upsertLatest('payout_disbursements', 'disbursement_id', ['seller_id', 'week', 'amount', 'currency', 'transfer_ref', 'time', 'event_id']),
};

export function createWriter(db: Database, opts: WriterOptions): Writer {
  const origin = opts.origin;
  const hash = opts.hash ?? idHash;
  const chunkRows = Math.max(1, Math.min(opts.chunkRows ?? 64, Math.floor(30000 / NPARAM)));
  const dedup = dedupIndexFor(db);
  const strings = stringCodesFor(db);
  const inserts = new Map<number, { st: Statement; args: unknown[] }>();
  const insertN = (n: number): { st: Statement; args: unknown[] } => {
    let x = inserts.get(n);
    if (!x) {
      // OR FAIL: a multi-row plain INSERT (OR ABORT) inside a transaction keeps a statement journal
      // so that a failing row can undo the statement's earlier rows, copying every existing page the
      // statement touches (the table's last page, index pages) first. A failed write never
      // commits anyway (it throws and the owner of the transaction rolls back), so that undo is
      // never needed here. (Measured at 1M events: ~5% faster, ~6% less CPU.)
      const st = db.prepare(`INSERT OR FAIL INTO event_log (${LOG_COLUMNS.join(', ')}, s_origin, ingested_at) VALUES ${Array(n).fill(ROW_PLACEHOLDERS).join(', ')}`);
      x = { st, args: new Array(n * NPARAM).fill(null) };
      inserts.set(n, x);
    }
    return x;
  };
  const selectIdBySeq = db.prepare<[number], string>('SELECT id FROM event_log WHERE seq = ?').pluck();
  // Projection statements by op and rows per statement (powers of two up to PROJ_CHUNK), built from
  // PROJECTION_SQL's single-row form. OR FAIL for the same reason as the event_log insert.
  const projShape: { into: string; row: string; upsert: string; width: number; byRows: Map<number, Statement> }[] = [];
  for (const [op, sql] of Object.entries(PROJECTION_SQL)) {
    const m = /^INSERT INTO ([^]*?)\s+VALUES\s+(\([?, ]+\))\s+(ON CONFLICT [^]*)$/.exec(sql);
    if (!m) throw new Error(`projection ${op}: unexpected statement shape`);
    projShape[Number(op)] = { into: m[1]!, row: m[2]!, upsert: m[3]!, width: m[2]!.split('?').length - 1, byRows: new Map() };
  }
  const projectionN = (op: number, n: number): Statement => {
    const p = projShape[op]!;
    let st = p.byRows.get(n);
    if (!st) {
      st = db.prepare(`INSERT OR FAIL INTO ${p.into} VALUES ${Array(n).fill(p.row).join(', ')} ${p.upsert}`);
      p.byRows.set(n, st);
    }
    return st;
  };
  const projArgs: unknown[][] = [];
  const quarantine = db.prepare(`INSERT OR IGNORE INTO quarantine (origin, location, event_id, event_type, field, reason, raw, raw_hash, quarantined_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  function writeQuarantine(bad: BadItem[], now: number): void {
    for (const b of bad) {
      quarantine.run(origin, b.location, b.eventId, b.eventType, b.field, b.reason, b.raw, cyrb53(b.raw), now);
    }
  }

  return {
    origin,
    transaction<T>(fn: () => T): T {
      if (db.inTransaction) return fn();
      begin.run();
      try {
        const out = fn();
        commit.run();
        return out;
      } catch (e) {
        if (db.inTransaction) rollback.run();
        dedup.invalidate();
        throw e;
      }
    },
    write(batch: PreparedBatch, now = Date.now()): WriteCounts {
      sealBatch(batch);
      takeText(batch);
      const { count, rows, codes, lens, inWide } = batch;
      dedup.sync();
      strings.sync();
      const index = dedup.index;
      const firstSeq = dedup.maxSeq + 1;
      // 1. dedup, in input order: each event takes the first free slot of its probe chain
      const slot = new Float64Array(count).fill(-1); // the slot (id_hash) of each new event, -1 = duplicate
      const textAt = new Int32Array(count); // where each event's text values start in `text` / `wide`
      const newIds: string[] = [];
      let off = 0;
      let offWide = 0;
      for (let i = 0; i < count; i++) {
        const w = inWide[i] === 1;
        let o = w ? offWide : off;
        textAt[i] = o;
        const id = (w ? batch.wide : batch.text).slice(o, o + lens[i * NTEXT]!);
        for (let c = 0; c < NTEXT; c++) {
          const l = lens[i * NTEXT + c]!;
          if (l > 0) o += l;
        }
        if (w) offWide = o;
        else off = o;
        let h = rows[i * NNUM + COL_HASH]!;
        for (let attempt = 0; ; ) {
          const seq = index.get(h);
          if (seq < 0) {
            const s = firstSeq + newIds.length;
            dedup.inserted(s, h);
            newIds.push(id);
            slot[i] = h;
            break;
          }
          const stored = seq >= firstSeq ? newIds[seq - firstSeq] : selectIdBySeq.get(seq);
          if (stored === id) break; // duplicate
          if (++attempt >= MAX_PROBES) {
            throw new Error(`event id ${JSON.stringify(id)}: no free dedup slot after ${MAX_PROBES} probes (hash function broken?)`);
          }
          h = hash(id, attempt);
        }
      }
      // 2. append the new events in input order, `chunkRows` per statement. NULLs are bound as NaN:
      // SQLite stores a NaN double as NULL, and better-sqlite3 binds a number after one type check
      // but a null only after five (~40 ns per parameter; a row has ~7 NULLs)
      const origCode = strings.code(origin);
      const named = { origin: origCode, at: now };
      const codeOf = new Int32Array(batch.strings.length).fill(-1);
      const sc = (k: number): number => {
        if (k < 0) return NaN;
        let c = codeOf[k]!;
        if (c < 0) c = codeOf[k] = strings.code(batch.strings[k]!);
        return c;
      };
      let inserted = 0;
      let maxTime: number | null = null;
      let next = 0;
      let expectSeq = firstSeq - 1;
      while (inserted < newIds.length) {
        const n = Math.min(chunkRows, newIds.length - inserted);
        const { st, args } = insertN(n);
        let a = 0;
        for (let k = 0; k < n; k++) {
          while (slot[next] === -1) next++;
          const i = next++;
          const r = i * NNUM;
          const cd = i * NCODE;
          const ln = i * NTEXT;
          const text = inWide[i] === 1 ? batch.wide : batch.text;
          let o = textAt[i]! + lens[ln]!;
          const time = rows[r + COL_TIME]!;
          if (maxTime === null || time > maxTime) maxTime = time;
          const amount = rows[r + COL_AMOUNT]!;
          args[a++] = slot[i];
          args[a++] = newIds[inserted + k];
          args[a++] = batch.strings[codes[cd]!];
          args[a++] = sc(codes[cd + 1]!);
          args[a++] = time;
          let l = lens[ln + 1]!;
          args[a++] = l < 0 ? NaN : text.slice(o, (o += l));
          l = lens[ln + 2]!;
          args[a++] = l < 0 ? NaN : text.slice(o, (o += l));
          l = lens[ln + 3]!;
          args[a++] = l < 0 ? NaN : text.slice(o, (o += l));
          args[a++] = sc(codes[cd + 2]!);
          args[a++] = sc(codes[cd + 3]!);
          args[a++] = sc(codes[cd + 4]!);
          args[a++] = amount;
          args[a++] = sc(codes[cd + 5]!);
          args[a++] = sc(codes[cd + 6]!);
          args[a++] = sc(codes[cd + 7]!);
          args[a++] = sc(codes[cd + 8]!);
          l = lens[ln + 4]!;
          args[a++] = l < 0 ? NaN : text.slice(o, (o += l));
          l = lens[ln + 5]!;
          args[a++] = text.slice(o, o + l);
        }
        const res = st.run(args, named);
        expectSeq += n;
        if (res.changes !== n || Number(res.lastInsertRowid) !== expectSeq) {
          throw new Error(`event_log append out of step (expected seq ${expectSeq}, got ${String(res.lastInsertRowid)}): concurrent writer?`);
        }
        inserted += n;
      }
      // 3. projections of the events that are new, grouped by statement: the upserts are idempotent
      // and order-independent (see PROJECTION_SQL), so grouping them changes no result
      const byOp: (string | number | null)[][][] = [];
      for (const [row, op, params] of batch.proj) {
        if (slot[row] !== -1) (byOp[op] ??= []).push(params);
      }
      for (let op = 0; op < byOp.length; op++) {
        const list = byOp[op];
        if (list === undefined) continue;
        const width = projShape[op]!.width;
        for (let done = 0; done < list.length; ) {
          let n = PROJ_CHUNK;
          while (n > list.length - done) n >>= 1;
          const args = (projArgs[n * width] ??= new Array(n * width));
          let a = 0;
          for (let k = 0; k < n; k++) {
            const params = list[done + k]!;
            for (let j = 0; j < width; j++) {
              const v = params[j]!;
              args[a++] = v === null ? NaN : v;
            }
          }
          projectionN(op, n).run(args);
          done += n;
        }
      }
      // 4. quarantine
      writeQuarantine(batch.bad, now);
      return { inserted, duplicates: count - inserted, quarantined: batch.bad.length, maxTime };
    },
  };
}
