/**
 * The analytics worker's columnar event cache: the event columns the analytics need, held as typed
 * arrays with dictionary-encoded strings (src/analytics/columns.ts), filled from SQLite (the source
 * of truth) and persisted as a binary snapshot so a restarted app is interactive quickly.
 *
 * - open(): load `<workspace>/cache/events.v2.bin` when it is valid and belongs to this database
 *   (identity samples: (seq, id_hash) pairs must still be in `events`, and max(seq) must not have gone
 *   backwards); otherwise rebuild from SQLite (missing, stale or corrupt snapshot).
 * - catchUp(): append the rows with seq > the last loaded seq (sync only appends), so the cache grows
 *   incrementally; no full reload after a sync.
 * - persistIfDue(): rewrite the snapshot after a rebuild, or once enough new rows were appended.
 *
 * A cache may hold only some event types (`types`; e.g. the customer analytics read registrations,
 * completions, cancellations and refunds: ~5% of the rows). It reads those rows only, keeps its own
 * snapshot, and its `lastSeq` is the last seq it has examined (not only loaded), so catching up
 * never rescans rows of other types.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database, Statement } from '../db/index.ts';
import { EventColumns, ORDER_REF_TYPES, SessionUsers, SMALL_COLUMNS } from '../../../analytics/columns.ts';
import { readSnapshot, writeSnapshot, SnapshotError, type IdentitySample } from './snapshot.ts';

export const SNAPSHOT_NAME = 'events.v2.bin';
const LOAD_CHUNK = 10_000;
const MAX_SAMPLES = 32;

export type Progress = (done: number, total: number) => void;

export interface EventCacheOptions {
  /** snapshot path (default `<dir of dbFile>/cache/events.v2.bin`) */
  snapshotFile?: string;
  /** hold only the rows of these event types (default: every type) */
  types?: readonly string[];
  /** rows appended since the last snapshot before it is rewritten (default max(50,000, 2% of rows)) */
  persistMinRows?: number;
  /** never write snapshots (benchmarks of the rebuild path) */
  noPersist?: boolean;
}

/** seq, time, session_id, user_id, amount, then the SMALL_COLUMNS joined by U+001F ('' = null), then the order id */
type RawRow = [number, number, string | null, string | null, number | null, string, string | null];
type SmallRow = [string, string | null, string | null, string | null, string | null, string | null, string | null, string | null];
const SEP = '\u001f';
/** The compact storage of migration 0004: `event_log` with low-cardinality columns as codes into `event_strings`. */
type CodedRow = [number, number, string | null, string | null, number | null, string, string | null, ...(number | null)[]];
const CODED_COLUMNS = ['s_device', 's_traffic_source', 's_category', 's_currency', 's_code', 's_experiment_id', 's_variant'] as const;
/**
 * The order an event is about: `ref` is the order id of order.* events; a refund's ref is its own id,
 * so its order comes from the payload (refunds are few, so the JSON read is cheap).
 */
const ORDER_EXPR = `CASE WHEN type IN (${ORDER_REF_TYPES.map((t) => `'${t}'`).join(', ')}) THEN ref
  WHEN type = 'payment.refunded' THEN json_extract(data, '$.order_id') END`;

export function snapshotPathFor(dbFile: string, name = SNAPSHOT_NAME): string {
  return path.join(path.dirname(dbFile), 'cache', name);
}

const sqlString = (v: string): string => `'${v.replace(/'/g, "''")}'`;

export class EventCache {
  cols: EventColumns = new EventColumns();
  readonly snapshotFile: string;
  origin: 'snapshot' | 'rebuild' | null = null;
  rebuildReason: string | null = null;
  snapshotBytes: number | null = null;
  snapshotSeq: number | null = null;
  private samples: IdentitySample[] = [];
  private opened = false;
  private persistedRows = 0;
  private persistedSeq = 0;
  /** sorted event types of a filtered cache, null = every type */
  private readonly types: string[] | null;
  private su = new SessionUsers();
  private suFor: EventColumns | null = null;
  private readonly q: { maxSeq: Statement<[], number | null>; chunk: Statement<[number, number], RawRow>; small: Statement<[number], SmallRow>; idHash: Statement<[number], number> };
  /** combined low-cardinality key -> codes (valid for the current columns object) */
  private combos = new Map<string, Uint32Array>();
  private combosFor: EventColumns | null = null;
  /** event_log + event_strings, when the workspace stores events that way (read directly: no per-row string lookups) */
  private readonly coded: { chunk: Statement<[number, number], CodedRow>; strings: Statement<[number], [number, string]> } | null;
  /** event_strings: code -> value (grows as new strings appear) */
  private strings: string[] = [];
  /** per coded column: event_strings code -> our dictionary code + 1 (0 = not mapped yet) */
  private codeMaps: Uint32Array[] = CODED_COLUMNS.map(() => new Uint32Array(0));
  private readonly db: Database;
  private readonly opts: EventCacheOptions;

  constructor(db: Database, dbFile: string, opts: EventCacheOptions = {}) {
    this.db = db;
    this.opts = opts;
    this.snapshotFile = opts.snapshotFile ?? snapshotPathFor(dbFile);
    this.types = opts.types ? [...new Set(opts.types)].sort() : null;
    // `+type`: never through the (type, time) index, which would sort every matching row by seq on
    // each chunk; a rowid range scan reads a catch-up's few new pages (and a rebuild's whole table once).
    const only = this.types ? ` AND +type IN (${this.types.map(sqlString).join(', ')})` : '';
    this.q = {
      maxSeq: db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck(),
      // The low-cardinality columns travel as one string per row (one dictionary lookup for all eight).
      chunk: db.prepare<[number, number], RawRow>(
        `SELECT seq, time, session_id, user_id, amount,
           type || char(31) || ifnull(device, '') || char(31) || ifnull(traffic_source, '') || char(31) || ifnull(category, '') || char(31) ||
           ifnull(currency, '') || char(31) || ifnull(code, '') || char(31) || ifnull(experiment_id, '') || char(31) || ifnull(variant, ''),
           ${ORDER_EXPR}
         FROM events WHERE seq > ?${only} ORDER BY seq LIMIT ?`,
      ).raw(),
      small: db.prepare<[number], SmallRow>('SELECT type, device, traffic_source, category, currency, code, experiment_id, variant FROM events WHERE seq = ?').raw(),
      idHash: db.prepare<[number], number>('SELECT id_hash FROM events WHERE seq = ?').pluck(),
    };
    const logCols = new Set(db.prepare<[], string>("SELECT name FROM pragma_table_info('event_log')").pluck().all());
    const hasStrings = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event_strings'").get() !== undefined;
    this.coded = hasStrings && CODED_COLUMNS.every((c) => logCols.has(c))
      ? {
        chunk: db.prepare<[number, number], CodedRow>(
          `SELECT seq, time, session_id, user_id, amount, type, ${ORDER_EXPR}, ${CODED_COLUMNS.join(', ')} FROM event_log WHERE seq > ?${only} ORDER BY seq LIMIT ?`,
        ).raw(),
        strings: db.prepare<[number], [number, string]>('SELECT code, value FROM event_strings WHERE code > ? ORDER BY code').raw(),
      }
      : null;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Load the snapshot or rebuild; then catch up with SQLite. */
  open(progress: Progress = () => undefined, check: () => void = () => undefined): void {
    if (!this.opened) {
      this.opened = true;
      let reason: string | null = null;
      if (!fs.existsSync(this.snapshotFile)) {
        reason = 'no snapshot';
        // an older format's snapshot next to it is never read again
        fs.rmSync(path.join(path.dirname(this.snapshotFile), 'events.v1.bin'), { force: true });
      }
      else {
        try {
          const snap = readSnapshot(this.snapshotFile);
          reason = JSON.stringify(snap.types) !== JSON.stringify(this.types)
            ? `snapshot holds other event types (${snap.types?.join(', ') ?? 'all'})`
            : this.staleReason(snap.samples, snap.cols.lastSeq);
          if (reason === null) {
            this.cols = snap.cols;
            this.samples = snap.samples;
            this.origin = 'snapshot';
            this.snapshotBytes = snap.bytes;
            this.snapshotSeq = snap.cols.lastSeq;
            this.persistedRows = snap.cols.length;
            this.persistedSeq = snap.cols.lastSeq;
          }
        } catch (e) {
          if (!(e instanceof SnapshotError)) throw e;
          reason = `corrupt snapshot (${e.message})`;
        }
      }
      if (reason !== null) {
        this.cols = new EventColumns();
        this.samples = [];
        this.origin = 'rebuild';
        this.rebuildReason = reason;
        this.persistedRows = 0;
        this.persistedSeq = 0;
      }
    }
    this.catchUp(progress, check);
  }

  /** Why a snapshot does not belong to the current database, or null when it does. */
  private staleReason(samples: IdentitySample[], lastSeq: number): string | null {
    const max = this.q.maxSeq.get() ?? 0;
    if (max < lastSeq) return `stale snapshot (database max seq ${max} < snapshot seq ${lastSeq})`;
    for (const s of samples) {
      const h = this.q.idHash.get(s.seq);
      if (h !== s.idHash) return `stale snapshot (event seq ${s.seq} differs: database replaced?)`;
    }
    if (lastSeq > 0 && samples.length === 0) return 'stale snapshot (no identity samples)';
    return null;
  }

  /** Cheap check before each query that the database is still the one the cache was built from. */
  verify(): boolean {
    if (!this.opened) return true;
    const reason = this.staleReason(this.samples.slice(-2), this.cols.lastSeq);
    if (reason === null) return true;
    this.opened = false;
    this.origin = null;
    this.rebuildReason = reason;
    return false;
  }

  /** Append every row with seq > lastSeq. Returns the number of rows appended. */
  catchUp(progress: Progress = () => undefined, check: () => void = () => undefined): number {
    const max = this.q.maxSeq.get() ?? 0;
    const cols = this.cols;
    if (max <= cols.lastSeq) return 0;
    if (this.combosFor !== cols) {
      this.combos = new Map();
      this.codeMaps = CODED_COLUMNS.map(() => new Uint32Array(0));
      this.strings = [];
      this.combosFor = cols;
    }
    const from = cols.lastSeq;
    const total = max - from;
    if (!this.types) cols.reserve(total);
    let appended = 0;
    // Bulk reads go through SQLite's page cache rather than the memory map, so the file's pages do
    // not count against the worker's RSS; the previous setting is restored afterwards.
    const mmap = this.db.pragma('mmap_size', { simple: true }) as number;
    if (mmap) this.db.pragma('mmap_size = 0');
    try {
      for (;;) {
        check();
        const n = this.coded ? this.appendCoded(cols) : this.appendChunk(cols);
        if (n === 0) break;
        appended += n;
        this.addSample(cols.lastSeq);
        progress(Math.min(cols.lastSeq - from, total), total);
        if (n < LOAD_CHUNK) break;
      }
    } finally {
      if (mmap) this.db.pragma(`mmap_size = ${mmap}`);
    }
    if (this.types && max > cols.lastSeq) {
      // every row up to max was examined: rows of other types are never read again
      cols.lastSeq = max;
      this.addSample(max);
      progress(total, total);
    }
    return appended;
  }

  /** One chunk from the `events` table (0001 layout): low-cardinality columns as one combined string. */
  private appendChunk(cols: EventColumns): number {
    const rows = this.q.chunk.all(cols.lastSeq, LOAD_CHUNK);
    cols.reserve(rows.length); // (a filtered cache cannot reserve up front)
    for (const r of rows) {
      const seq = r[0];
      let small = this.combos.get(r[5]);
      if (small === undefined) small = this.encodeSmall(seq, r[5]);
      cols.pushEncoded(seq, r[1], r[4], r[2] === null ? 0 : cols.encode('session', r[2]), r[3], small, r[6]);
    }
    return rows.length;
  }

  /** One chunk from `event_log` (0004 layout): its integer codes map to ours through event_strings. */
  private appendCoded(cols: EventColumns): number {
    const rows = this.coded!.chunk.all(cols.lastSeq, LOAD_CHUNK);
    cols.reserve(rows.length); // (a filtered cache cannot reserve up front)
    const small = new Uint32Array(SMALL_COLUMNS.length);
    const maps = this.codeMaps;
    const nCoded = CODED_COLUMNS.length;
    for (const r of rows) {
      small[0] = cols.encode('type', r[5]);
      for (let j = 0; j < nCoded; j++) {
        const sc = r[7 + j] as number | null;
        if (sc === null) {
          small[j + 1] = 0;
          continue;
        }
        const m = maps[j]!;
        const mapped = sc < m.length ? m[sc]! : 0;
        small[j + 1] = mapped !== 0 ? mapped - 1 : this.mapCode(cols, j, sc);
      }
      cols.pushEncoded(r[0], r[1], r[4], r[2] === null ? 0 : cols.encode('session', r[2]), r[3], small, r[6] as string | null);
    }
    return rows.length;
  }

  /** Our code for event_strings code `sc` in coded column j (loading new strings when needed). */
  private mapCode(cols: EventColumns, j: number, sc: number): number {
    if (sc >= this.strings.length || this.strings[sc] === undefined) {
      for (const [code, value] of this.coded!.strings.all(this.strings.length - 1)) this.strings[code] = value;
    }
    const value = this.strings[sc];
    if (value === undefined) throw new Error(`event_strings has no code ${sc}`);
    const ours = cols.encode(SMALL_COLUMNS[j + 1]!, value);
    let m = this.codeMaps[j]!;
    if (sc >= m.length) {
      const grown = new Uint32Array(Math.max(sc + 1, m.length * 2, 64));
      grown.set(m);
      this.codeMaps[j] = m = grown;
    }
    m[sc] = ours + 1;
    return ours;
  }

  /** Codes of the low-cardinality columns of one combined key (cached), re-read by seq when ambiguous. */
  private encodeSmall(seq: number, key: string): Uint32Array {
    const parts = key.split(SEP);
    let values: (string | null)[];
    let cache = true;
    if (parts.length === SMALL_COLUMNS.length) values = parts.map((p, i) => (p === '' && i > 0 ? null : p));
    else {
      // a value contains U+001F: read this row's columns one by one (not cached)
      values = this.q.small.get(seq)!;
      cache = false;
    }
    const codes = new Uint32Array(SMALL_COLUMNS.length);
    SMALL_COLUMNS.forEach((c, i) => (codes[i] = this.cols.encode(c, values[i])));
    if (cache) this.combos.set(key, codes);
    return codes;
  }

  private addSample(seq: number): void {
    const h = this.q.idHash.get(seq);
    if (h === undefined) return;
    this.samples.push({ seq, idHash: h });
    if (this.samples.length > MAX_SAMPLES) {
      // keep the first, the last and every other one in between
      this.samples = this.samples.filter((_, i, a) => i === 0 || i === a.length - 1 || i % 2 === 0);
    }
  }

  /** Write the snapshot when it is missing or enough rows were appended since it was written. */
  persistIfDue(force = false): boolean {
    if (this.opts.noPersist || !this.opened) return false;
    // a filtered cache also counts the rows it examined, so a restart does not rescan them
    const fresh = this.types ? Math.max(this.cols.length - this.persistedRows, this.cols.lastSeq - this.persistedSeq) : this.cols.length - this.persistedRows;
    const min = this.opts.persistMinRows ?? Math.max(50_000, Math.round((this.types ? this.cols.lastSeq : this.cols.length) * 0.02));
    const missing = this.snapshotSeq === null || !fs.existsSync(this.snapshotFile);
    if (!force && !(missing && this.cols.length > 0) && fresh < min) return false;
    if (!force && fresh === 0 && !missing) return false;
    this.snapshotBytes = writeSnapshot(this.snapshotFile, this.cols, this.samples, this.types);
    this.snapshotSeq = this.cols.lastSeq;
    this.persistedRows = this.cols.length;
    this.persistedSeq = this.cols.lastSeq;
    return true;
  }

  /** session code -> user code, kept up to date with the columns. */
  sessionUsers(): Uint32Array {
    if (this.suFor !== this.cols) {
      // a new columns object (rebuilt or loaded): start over
      this.su = new SessionUsers();
      this.suFor = this.cols;
    }
    return this.su.update(this.cols);
  }

  memoryBytes(): number {
    return this.cols.arrayBytes() + this.su.user.byteLength * 3;
  }
}
