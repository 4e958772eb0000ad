/** Every migration, in order. Imported statically so bundlers and tests see the same list. */
import type { Migration } from './types.ts';
import { migration as m0001 } from './0001_init.ts';

export type { Migration };
export const MIGRATIONS: readonly Migration[] = [m0001];
