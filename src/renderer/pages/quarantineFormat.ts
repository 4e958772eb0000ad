import type { QuarantineRow } from '../../main/common/types.ts';

/** "orders.csv row 12" for files, "cursor abc123" for sync pages. */
export function describeLocation(r: Pick<QuarantineRow, 'origin' | 'location'>): string {
  if (r.origin.startsWith('file:')) {
    const name = r.origin.slice(5).split(/[\\/]/).pop() || r.origin.slice(5);
    return /^\d+$/.test(r.location) ? `${name} row ${r.location}` : `${name} ${r.location}`;
  }
  if (r.origin.startsWith('sync:')) return r.location ? `cursor ${r.location}` : 'first page';
  return r.location;
}
