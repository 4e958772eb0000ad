/**
 * The exact in-memory dedup index of a database: every stored `event_log.id_hash` -> its `seq`.
 *
 * Why in memory: event ids are random UUIDs, so any on-disk index keyed by them takes inserts at
 * random places; at 10M events every large transaction dirtied most of the ~200 MiB UNIQUE(id_hash)
 * index (WAL + checkpoint traffic) and each insert missed the CPU caches (~55k events/s). An open
 * addressing table of 53-bit hashes answers "seen before?" in ~0.1 us instead.
 *
 * Correctness: the database stays the source of truth. The index is loaded from `event_log`
 * (seq, id_hash) and, before every write (inside the write transaction, so nothing changes under
 * it), checked against the database: it must hold exactly the rows up to max(seq). Rows appended
 * by other connections are loaded incrementally; anything else (a rolled-back write, a replaced or
 * truncated table) rebuilds it. A hit is only a candidate: the writer compares the stored event id
 * (by seq) and probes the next attempt on a collision, exactly as with the old UNIQUE index.
 *
 * Memory: 12 bytes per slot, load factor <= 0.75 (~190 MiB at 10M events).
 */
import type { Database, Statement } from '../db/sqlite.ts';

const EMPTY = -1;
const MAX_LOAD = 0.75;
const LOAD_CHUNK = 250_000;
/** seqs are stored as uint32 */
const MAX_SEQ = 0xffff_fffe;

export class HashIndex {
  private keys: Float64Array;
  private seqs: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    let cap = 1 << 10;
    while (cap * MAX_LOAD < capacity) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.seqs = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  private static slot(h: number, mask: number): number {
    const lo = h >>> 0;
    const hi = (h / 4294967296) >>> 0;
    return (Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 0) & mask;
  }

  /** seq stored for hash h, or -1 */
  get(h: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = HashIndex.slot(h, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === h) return this.seqs[i]!;
      if (k === EMPTY) return -1;
    }
  }

  /** Add h -> seq (h must not be present). */
  add(h: number, seq: number): void {
    if (seq > MAX_SEQ) throw new Error(`event seq ${seq} exceeds the dedup index limit`);
    if (this.size + 1 > this.keys.length * MAX_LOAD) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = HashIndex.slot(h, mask);
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = h;
    this.seqs[i] = seq;
    this.size++;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSeqs = this.seqs;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.seqs = new Uint32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== EMPTY) this.add(k, oldSeqs[i]!);
    }
  }

  bytes(): number {
    return this.keys.byteLength + this.seqs.byteLength;
  }
}

/** The dedup index of one connection, kept in step with `event_log`. */
export class DedupIndex {
  index = new HashIndex();
  /** the highest seq loaded or added, and its id_hash */
  maxSeq = 0;
  maxHash = -1;
  /** the first row inserted since the last sync (0 = none) */
  private firstNewSeq = 0;
  private firstNewHash = -1;
  private readonly q: {
    last: Statement<[], [number, number]>;
    hashAt: Statement<[number], number>;
    count: Statement<[], number>;
    chunk: Statement<[number, number], string | null>;
  };

  constructor(db: Database) {
    this.q = {
      last: db.prepare<[], [number, number]>('SELECT seq, id_hash FROM event_log ORDER BY seq DESC LIMIT 1').raw(),
      hashAt: db.prepare<[number], number>('SELECT id_hash FROM event_log WHERE seq = ?').pluck(),
      count: db.prepare<[], number>('SELECT count(*) FROM event_log').pluck(),
      // "seq,hash,seq,hash,...": one string per chunk is ~4x cheaper than a JS row per event
      chunk: db.prepare<[number, number], string | null>(
        "SELECT group_concat(seq || ',' || id_hash, ',') FROM (SELECT seq, id_hash FROM event_log WHERE seq > ? ORDER BY seq LIMIT ?)",
      ).pluck(),
    };
  }

  /**
   * Make the index match the database. Call inside the write transaction, before deciding
   * anything from the index.
   */
  sync(): void {
    const last = this.q.last.get();
    const dbMax = last ? last[0] : 0;
    const ok = dbMax >= this.maxSeq &&
      (this.maxSeq === 0 || (dbMax === this.maxSeq ? last![1] : this.q.hashAt.get(this.maxSeq)) === this.maxHash) &&
      (this.firstNewSeq === 0 || this.q.hashAt.get(this.firstNewSeq) === this.firstNewHash);
    this.firstNewSeq = 0;
    if (ok) {
      if (dbMax > this.maxSeq) this.load(this.maxSeq);
      return;
    }
    // a write rolled back, or the table changed under us: start over
    this.index = new HashIndex(this.q.count.get() ?? 0);
    this.maxSeq = 0;
    this.maxHash = -1;
    this.load(0);
  }

  /** Forget everything (after a rollback); the next sync() reloads. */
  invalidate(): void {
    this.maxSeq = -1;
  }

  private load(after: number): void {
    for (;;) {
      const text = this.q.chunk.get(after, LOAD_CHUNK);
      if (!text) return;
      after = this.parse(text);
    }
  }

  /** Add "seq,hash,..." pairs; returns the last seq. */
  private parse(text: string): number {
    const n = text.length;
    let seq = 0;
    let v = 0;
    let neg = false;
    let wantSeq = true;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : 44;
      if (c === 44) {
        if (wantSeq) seq = v;
        else this.added(seq, neg ? -v : v);
        wantSeq = !wantSeq;
        v = 0;
        neg = false;
      } else if (c === 45) neg = true;
      else v = v * 10 + (c - 48);
    }
    return seq;
  }

  /** Record a row just inserted by the writer (checked at the next sync: committed or rolled back?). */
  inserted(seq: number, hash: number): void {
    if (this.firstNewSeq === 0) {
      this.firstNewSeq = seq;
      this.firstNewHash = hash;
    }
    this.added(seq, hash);
  }

  /** Record a stored row. */
  added(seq: number, hash: number): void {
    this.index.add(hash, seq);
    if (seq > this.maxSeq) {
      this.maxSeq = seq;
      this.maxHash = hash;
    }
  }
}

const perDb = new WeakMap<Database, DedupIndex>();

/** The dedup index shared by every writer on this connection. */
export function dedupIndexFor(db: Database): DedupIndex {
  let d = perDb.get(db);
  if (!d) {
    d = new DedupIndex(db);
    perDb.set(db, d);
  }
  return d;
}
