/**
 * Opening the workspace database with Kysely: the main process's read-write connection (migrated
 * on open; read-only opens never migrate). The analytics worker opens a bare read-only connection
 * (connection.ts) instead.
 */
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './sqlite.ts';
import { migrate, type AppliedMigration } from './migrate.ts';
import { openConnection, type ConnectionOptions } from './connection.ts';
import type { DB } from './schema.ts';

export interface OpenOptions extends ConnectionOptions {
  /** skip migrations (tests of the migrator) */
  migrate?: boolean;
}

export interface OpenDatabase {
  db: Database;
  kysely: Kysely<DB>;
  /** migrations applied while opening */
  applied: AppliedMigration[];
  close(): void;
}

export { PAGE_SIZE } from './connection.ts';

export function openDatabase(file: string, opts: OpenOptions = {}): OpenDatabase {
  const conn = openConnection(file, opts);
  try {
    const applied = !conn.db.readonly && opts.migrate !== false ? migrate(conn.db) : [];
    const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: conn.db }) });
    return { db: conn.db, kysely, applied, close: conn.close };
  } catch (e) {
    conn.close();
    throw e;
  }
}
