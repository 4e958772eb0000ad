export { openDatabase, PAGE_SIZE, type OpenDatabase, type OpenOptions } from './open.ts';
export { migrate, appliedMigrations, type AppliedMigration } from './migrate.ts';
export { MIGRATIONS, type Migration } from './migrations/index.ts';
export { sqliteConstructor, type Database, type Statement, type RunResult } from './sqlite.ts';
export type * from './schema.ts';
