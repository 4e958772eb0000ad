/**
 * The subset of better-sqlite3 that Marketlens uses, typed structurally (like Kysely's
 * `SqliteDatabase`), plus the loader. @types/better-sqlite3 is not a dependency; these interfaces
 * describe better-sqlite3 13's documented API and are what the rest of the code imports.
 */
import { createRequire } from 'node:module';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement<P extends unknown[] = unknown[], R = unknown> {
  readonly source: string;
  readonly reader: boolean;
  readonly readonly: boolean;
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
  /** return only the first column of each row */
  pluck(toggle?: boolean): this;
  /** return rows as arrays instead of objects */
  raw(toggle?: boolean): this;
  safeIntegers(toggle?: boolean): this;
  columns(): { name: string; column: string | null; table: string | null; database: string | null; type: string | null }[];
}

export interface Transaction<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): ReturnType<F>;
  deferred: (...args: Parameters<F>) => ReturnType<F>;
  immediate: (...args: Parameters<F>) => ReturnType<F>;
  exclusive: (...args: Parameters<F>) => ReturnType<F>;
}

export interface Database {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly readonly: boolean;
  readonly memory: boolean;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
  exec(sql: string): this;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: any[]) => any>(fn: F): Transaction<F>;
  function(name: string, options: { deterministic?: boolean; varargs?: boolean }, fn: (...args: any[]) => unknown): this;
  function(name: string, fn: (...args: any[]) => unknown): this;
  close(): this;
}

export interface DatabaseOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  timeout?: number;
}

export type DatabaseConstructor = new (file: string, options?: DatabaseOptions) => Database;

let ctor: DatabaseConstructor | null = null;

/** The better-sqlite3 constructor (loaded lazily through CommonJS require). */
export function sqliteConstructor(): DatabaseConstructor {
  if (!ctor) ctor = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  return ctor;
}
