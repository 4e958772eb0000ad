import { describe, it, expect, afterEach } from 'vitest';
import path from 'node:path';
import { openDatabase, migrate, appliedMigrations, MIGRATIONS, sqliteConstructor } from '../../../src/main/node/db/index.ts';
import { tempDir } from './helpers.ts';

const opened: { close(): void }[] = [];
afterEach(() => {
  while (opened.length) opened.pop()!.close();
});

function schemaText(db: ReturnType<typeof openDatabase>['db']): string {
  const rows = db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
  return rows.map((r) => `-- ${r.type} ${r.name} on ${r.tbl_name}\n${(r.sql ?? '').trim()};\n`).join('\n');
}

describe('migrations', () => {
  // Adding a migration changes the schema on purpose: review the diff, then refresh the snapshot with
  // `npx vitest run test/unit/store/schema.test.ts -u` and commit it with the migration.
  it('migrates an empty database file and matches the committed schema snapshot', async () => {
    const file = path.join(tempDir(), 'ws.db');
    const o = openDatabase(file);
    opened.push(o);
    expect(o.applied.map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(appliedMigrations(o.db)).toEqual(MIGRATIONS.map((m) => m.id));
    await expect(schemaText(o.db)).toMatchFileSnapshot('./__snapshots__/schema.sql');
  });

  it('is idempotent: reopening applies nothing', () => {
    const file = path.join(tempDir(), 'ws.db');
    openDatabase(file).close();
    const o = openDatabase(file);
    opened.push(o);
    expect(o.applied).toEqual([]);
    expect(migrate(o.db)).toEqual([]);
  });

  it('runs each migration in a transaction: a failing one leaves nothing behind', () => {
    const file = path.join(tempDir(), 'ws.db');
    const o = openDatabase(file, { migrate: false });
    opened.push(o);
    const broken = [...MIGRATIONS, { id: 999, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;' }];
    expect(() => migrate(o.db, broken)).toThrow(/no_such_table/);
    expect(appliedMigrations(o.db)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(o.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get()).toBe(0);
  });

  it('refuses a database migrated by a newer version', () => {
    const file = path.join(tempDir(), 'ws.db');
    const o = openDatabase(file);
    o.db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (9999, ?, 0)').run('future');
    o.close();
    expect(() => openDatabase(file)).toThrow(/unknown to this version/);
  });

  it('opens in WAL mode with foreign keys on and synchronous NORMAL', () => {
    const o = openDatabase(path.join(tempDir(), 'ws.db'));
    opened.push(o);
    expect(o.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(o.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(o.db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('read-only connections never migrate and cannot write', () => {
    const file = path.join(tempDir(), 'ws.db');
    const Ctor = sqliteConstructor();
    new Ctor(file).close(); // an empty, unmigrated file
    const ro = openDatabase(file, { readonly: true });
    opened.push(ro);
    expect(ro.applied).toEqual([]);
    expect(ro.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events'").pluck().get()).toBe(0);
    ro.close();
    opened.pop();
    openDatabase(file).close();
    const ro2 = openDatabase(file, { readonly: true });
    opened.push(ro2);
    expect(() => ro2.db.prepare("INSERT INTO settings (key, value) VALUES ('a', '1')").run()).toThrow();
  });

  it('serves typed Kysely queries', async () => {
    const o = openDatabase(path.join(tempDir(), 'ws.db'));
    opened.push(o);
    await o.kysely.insertInto('settings').values({ key: 'timezone', value: JSON.stringify('Asia/Ho_Chi_Minh') }).execute();
    const row = await o.kysely.selectFrom('settings').select(['key', 'value']).where('key', '=', 'timezone').executeTakeFirstOrThrow();
    expect(JSON.parse(row.value)).toBe('Asia/Ho_Chi_Minh');
  });
});

describe('audit_log', () => {
  it('is append-only: UPDATE and DELETE raise', async () => {
    const o = openDatabase(path.join(tempDir(), 'ws.db'));
    opened.push(o);
    await o.kysely
      .insertInto('audit_log')
      .values({ at: 1, actor: 'finance@example.com', action: 'settings.update', entity: 'settings', entity_id: 'fxRates', before: '{}', after: '{"USD":"26000"}' })
      .execute();
    expect(() => o.db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => o.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    await expect(o.kysely.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    expect(o.db.prepare('SELECT actor FROM audit_log').pluck().all()).toEqual(['finance@example.com']);
  });
});
