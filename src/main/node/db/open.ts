/**
 * Opening the workspace database: one read-write connection (migrated on open) for the main
 * process, read-only connections for the analytics worker.
 */
import { Kysely, SqliteDialect } from 'kysely';
import { sqliteConstructor, type Database } from './sqlite.ts';
import { migrate, type AppliedMigration } from './migrate.ts';
import type { DB } from './schema.ts';

export interface OpenOptions {
  /** open read-only (the analytics worker); never migrates */
  readonly?: boolean;
  /** skip migrations (tests of the migrator) */
  migrate?: boolean;
  /**
   * page cache limit in MiB (default 256 read-write, 64 read-only; allocated only as pages are
   * used). The dedup index of a 10M-event store is ~200 MiB; keeping it cached keeps ingest fast.
   */
  cacheMiB?: number;
  /** busy timeout in ms (default 5000) */
  busyTimeoutMs?: number;
}

export interface OpenDatabase {
  db: Database;
  kysely: Kysely<DB>;
  /** migrations applied while opening */
  applied: AppliedMigration[];
  close(): void;
}

/** Page size for new database files: large pages cut the per-page WAL and syscall cost of bulk ingest. */
export const PAGE_SIZE = 16384;

export function openDatabase(file: string, opts: OpenOptions = {}): OpenDatabase {
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
    const applied = !readonly && opts.migrate !== false ? migrate(db) : [];
    const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: db }) });
    return {
      db,
      kysely,
      applied,
      close() {
        if (db.open) {
          if (!readonly) {
            try {
              db.pragma('optimize');
            } catch {
              // best effort
            }
          }
          db.close();
        }
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
