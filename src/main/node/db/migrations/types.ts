import type { Database } from '../sqlite.ts';

/** A numbered schema migration: plain SQL, or a function for data migrations. Never edited once landed. */
export interface Migration {
  id: number;
  name: string;
  sql?: string;
  up?: (db: Database) => void;
}
