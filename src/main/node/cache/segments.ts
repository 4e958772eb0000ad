/**
 * Customer segment per user for funnel breakdowns. The platform's events carry no segment property;
 * the segments come from `customer_segments` (user_id, segment): a view of the latest RFM run
 * (migration 0008, docs/rfm.md). Users not in that run, or every user before any run, are "unknown".
 */
import type { Database } from '../db/index.ts';
import type { EventColumns } from '../../../analytics/columns.ts';
import type { SegmentSource } from '../../../analytics/funnel/kernel.ts';

export function loadSegments(db: Database, cols: EventColumns): SegmentSource | undefined {
  const cols_ = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('customer_segments')").all().map((r) => r.name);
  if (!cols_.includes('user_id') || !cols_.includes('segment')) return undefined;
  const labels: string[] = [];
  const codeOf = new Map<string, number>();
  const ofUser = new Uint32Array(cols.dicts.user.size);
  for (const r of db.prepare<[], { user_id: string | null; segment: string | null }>('SELECT user_id, segment FROM customer_segments').iterate()) {
    if (r.user_id === null || r.segment === null) continue;
    const u = cols.dicts.user.lookup(r.user_id);
    if (u <= 0) continue;
    let c = codeOf.get(r.segment);
    if (c === undefined) {
      labels.push(r.segment);
      c = labels.length;
      codeOf.set(r.segment, c);
    }
    ofUser[u] = c;
  }
  return { ofUser, labels };
}
