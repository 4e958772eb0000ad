/**
 * A configured better-sqlite3 connection without Kysely or migrations: what the analytics worker
 * opens (read-only), and what openDatabase (open.ts) builds on. Kept apart so the worker thread
 * starts without loading the query builder.
 */
import { sqliteConstructor, type Database } from './sqlite.ts';

export interface ConnectionOptions {
  /** open read-only (the analytics worker) */
  readonly?: boolean;
  /**
   * page cache limit in MiB (default 256 read-write, 64 read-only; allocated only as pages are
   * used). The dedup index of a 10M-event store is ~200 MiB; keeping it cached keeps ingest fast.
   */
  cacheMiB?: number;
  /** busy timeout in ms (default 5000) */
  busyTimeoutMs?: number;
}

export interface Connection {
  db: Database;
  close(): void;
}

/** Page size for new database files: large pages cut the per-page WAL and syscall cost of bulk ingest. */
export const PAGE_SIZE = 16384;

export function openConnection(file: string, opts: ConnectionOptions = {}): Connection {
  const Ctor = sqliteConstructor();
  const readonly = opts.readonly === true;
  const db = new Ctor(file, { readonly, fileMustExist: readonly, timeout: opts.busyTimeoutMs ?? 5000 });
  try {
    const cacheKiB = Math.round((opts.cacheMiB ?? (readonly ? 64 : 256)) * 1024);
    if (!readonly) {
      // page_size only takes effect on a new (empty) file, before WAL is switched on.
      db.pragma(`page_size = ${PAGE_SIZE}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal' && !db.memory) throw new Error(`could not switch ${file} to WAL mode (got ${String(mode)})`);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('wal_autocheckpoint = 4000');
      db.pragma('journal_size_limit = 268435456');
    } else {
      db.pragma('query_only = ON');
    }
    db.pragma(`cache_size = -${cacheKiB}`);
    db.pragma('temp_store = MEMORY');
    db.pragma(`mmap_size = ${readonly ? 1 << 30 : 256 << 20}`);
  } catch (e) {
    db.close();
    throw e;
  }
  return {
    db,
    close() {
      if (!db.open) return;
      if (!readonly) {
        try {
          db.pragma('optimize');
        } catch {
          // best effort
        }
      }
      db.close();
    },
  };
}
