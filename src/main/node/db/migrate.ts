/**
 * Runs numbered migrations in order, each inside its own transaction, recording each in
 * `schema_migrations`. Returns the migrations applied by this call (empty when up to date).
 */
import type { Database } from './sqlite.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

export interface AppliedMigration { id: number; name: string }

export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): AppliedMigration[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const done = new Set(db.prepare<[], number>('SELECT id FROM schema_migrations').pluck().all());
  const sorted = [...migrations].sort((a, b) => a.id - b.id);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new Error(`duplicate migration id ${sorted[i]!.id}`);
  }
  const known = new Set(sorted.map((m) => m.id));
  for (const id of done) {
    if (!known.has(id)) throw new Error(`database has migration ${id}, unknown to this version of Marketlens (newer app?)`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  const applied: AppliedMigration[] = [];
  for (const m of sorted) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      if (m.sql) db.exec(m.sql);
      if (m.up) m.up(db);
      record.run(m.id, m.name, Date.now());
    }).immediate();
    applied.push({ id: m.id, name: m.name });
  }
  return applied;
}

/** The ids of the migrations recorded in the database. */
export function appliedMigrations(db: Database): number[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return [];
  return db.prepare<[], number>('SELECT id FROM schema_migrations ORDER BY id').pluck().all();
}
