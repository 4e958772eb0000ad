/**
 * The store side of ingestion: writes prepared batches (see prepare.ts) into `events`, the typed
 * projections and `quarantine`. Callers wrap `write` in a transaction together with whatever must
 * commit atomically with it (the sync cursor).
 *
 * Dedup: `events.id_hash` is UNIQUE. The fast path inserts rows with distinct hashes using
 * multi-row `INSERT OR IGNORE` (cheaper than `RETURNING`: when `changes` equals the row count all
 * are new; otherwise each row's hash is looked up); a row that was not inserted hit an existing
 * hash and goes to the slow path, which walks the probe chain hash(id, 0), hash(id, 1), ... comparing
 * the stored `id`: the same id is a duplicate, a different id is a collision and the next attempt is
 * tried, a free slot is where the event is stored. Events are never deleted, so chains are stable.
 */
import type { Database, Statement } from '../db/sqlite.ts';
import { cyrb53, idHash, type HashFn } from './hash.ts';
import { EVENT_COLUMNS, NCOL, COL_HASH, COL_ID, COL_TIME, OP, type PreparedBatch, type BadItem } from './prepare.ts';

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
const COLS = EVENT_COLUMNS.join(', ');
const ROW_PLACEHOLDERS = '(' + EVENT_COLUMNS.map(() => '?').join(', ') + ', @origin, @at)';

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

// Row states during a write.
const NEW = 0;
const INSERTED = 1;
const DUPLICATE = 2;
const SLOW = 3;

export function createWriter(db: Database, opts: WriterOptions): Writer {
  const origin = opts.origin;
  const hash = opts.hash ?? idHash;
  const chunkRows = Math.max(1, Math.min(opts.chunkRows ?? 64, Math.floor(30000 / NCOL)));
  const inserts = new Map<number, Statement>();
  const insertN = (n: number): Statement => {
    let st = inserts.get(n);
    if (!st) {
      st = db.prepare(`INSERT OR IGNORE INTO events (${COLS}, origin, ingested_at) VALUES ${Array(n).fill(ROW_PLACEHOLDERS).join(', ')}`);
      inserts.set(n, st);
    }
    return st;
  };
  const selectIdByHash = db.prepare<[number], string>('SELECT id FROM events WHERE id_hash = ?').pluck();
  const selectSeqIdByHash = db.prepare<[number], [number, string]>('SELECT seq, id FROM events WHERE id_hash = ?').raw();
  const insertOne = db.prepare(`INSERT INTO events (${COLS}, origin, ingested_at) VALUES ${ROW_PLACEHOLDERS}`);
  const projections: Statement[] = [];
  for (const [op, sql] of Object.entries(PROJECTION_SQL)) projections[Number(op)] = db.prepare(sql);
  const quarantine = db.prepare(`INSERT OR IGNORE INTO quarantine (origin, location, event_id, event_type, field, reason, raw, raw_hash, quarantined_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  function resolveSlow(rows: PreparedBatch['rows'], i: number, named: { origin: string; at: number }): boolean {
    const base = i * NCOL;
    const id = rows[base + COL_ID] as string;
    for (let attempt = 0; attempt < MAX_PROBES; attempt++) {
      const h = attempt === 0 ? (rows[base + COL_HASH] as number) : hash(id, attempt);
      const existing = selectIdByHash.get(h);
      if (existing === undefined) {
        const args = rows.slice(base, base + NCOL);
        args[COL_HASH] = h;
        insertOne.run(args, named);
        return true;
      }
      if (existing === id) return false;
    }
    throw new Error(`event id ${JSON.stringify(id)}: no free dedup slot after ${MAX_PROBES} probes (hash function broken?)`);
  }

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
        throw e;
      }
    },
    write(batch: PreparedBatch, now = Date.now()): WriteCounts {
      const { rows, count } = batch;
      const named = { origin, at: now };
      const state = new Uint8Array(count);
      // 1. in-batch dedup on the hash; a same-hash different-id pair is a collision: slow path
      const seen = new Map<number, string>();
      const fast: number[] = [];
      for (let i = 0; i < count; i++) {
        const h = rows[i * NCOL + COL_HASH] as number;
        const id = rows[i * NCOL + COL_ID] as string;
        const prev = seen.get(h);
        if (prev === undefined) {
          seen.set(h, id);
          fast.push(i);
        } else state[i] = prev === id ? DUPLICATE : SLOW;
      }
      // 2. fast path: multi-row INSERT OR IGNORE; rows not inserted hit an existing hash
      for (let j = 0; j < fast.length; j += chunkRows) {
        const n = Math.min(chunkRows, fast.length - j);
        const first = fast[j]!;
        let args: PreparedBatch['rows'];
        if (fast[j + n - 1]! - first === n - 1) args = rows.slice(first * NCOL, (first + n) * NCOL);
        else {
          args = new Array(n * NCOL);
          for (let k = 0; k < n; k++) {
            const src = fast[j + k]! * NCOL;
            for (let c = 0; c < NCOL; c++) args[k * NCOL + c] = rows[src + c]!;
          }
        }
        const res = insertN(n).run(args, named);
        if (res.changes === n) {
          for (let k = 0; k < n; k++) state[fast[j + k]!] = INSERTED;
        } else if (res.changes === 0) {
          for (let k = 0; k < n; k++) state[fast[j + k]!] = SLOW;
        } else {
          // some rows hit an existing hash: the ones this statement inserted got the consecutive
          // seqs ending at lastInsertRowid (hashes are distinct within the fast path)
          const firstNew = Number(res.lastInsertRowid) - res.changes + 1;
          for (let k = 0; k < n; k++) {
            const i = fast[j + k]!;
            const hit = selectSeqIdByHash.get(rows[i * NCOL + COL_HASH] as number);
            state[i] = hit !== undefined && hit[0] >= firstNew && hit[1] === rows[i * NCOL + COL_ID] ? INSERTED : SLOW;
          }
        }
      }
      // 3. slow path: duplicates of stored events and hash collisions, in input order
      let inserted = 0;
      let duplicates = 0;
      let maxTime: number | null = null;
      for (let i = 0; i < count; i++) {
        let st = state[i]!;
        if (st === SLOW) st = state[i] = resolveSlow(rows, i, named) ? INSERTED : DUPLICATE;
        if (st === INSERTED) {
          inserted++;
          const t = rows[i * NCOL + COL_TIME] as number;
          if (maxTime === null || t > maxTime) maxTime = t;
        } else if (st === DUPLICATE || st === NEW) duplicates++;
      }
      // 4. projections of the events that are new
      for (const [row, op, params] of batch.proj) {
        if (state[row] === INSERTED) projections[op]!.run(params);
      }
      // 5. quarantine
      writeQuarantine(batch.bad, now);
      return { inserted, duplicates, quarantined: batch.bad.length, maxTime };
    },
  };
}
