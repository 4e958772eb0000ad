/**
 * CPU-heavy preparation tasks, runnable inline or in a worker thread (see pool.ts / worker.ts).
 * All inputs and outputs are plain data.
 */
import { emptyBatch, prepareInto, prepareItems, prepareParsed, type PreparedBatch, type RawItem } from './prepare.ts';

/** A feed page as the platform returns it, parsed and prepared. */
export type PageResult =
  | { ok: true; batch: PreparedBatch; nextCursor: string; hasMore: boolean; totalEstimate: number | null }
  | { ok: false; error: string };

export type Task =
  | { kind: 'items'; items: RawItem[] }
  | { kind: 'lines'; bytes: Uint8Array; firstRow: number }
  | { kind: 'page'; body: string; cursor: string };

export type TaskResult = PreparedBatch | PageResult;


/**
 * NDJSON: one event per line. `bytes` holds whole lines (a chunk ends on a newline or at EOF),
 * `firstRow` is the 1-based line number of the first line. Blank lines are skipped; a UTF-8 BOM on
 * the first line of the file is ignored. Locations are "row <n>".
 */
export function prepareLines(bytes: Uint8Array, firstRow: number): PreparedBatch {
  // Buffer#toString (simdutf) is several times faster than TextDecoder on non-ASCII text
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (firstRow === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out = emptyBatch();
  let row = firstRow;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    if (stop > start) {
      const line = text.slice(start, stop);
      if (line.trim() !== '') prepareInto(out, line, `row ${row}`);
    }
    row++;
    start = end + 1;
  }
  return out;
}

/** Location of an event inside a feed page. */
export function pageLocation(cursor: string, index: number): string {
  return `cursor ${cursor} #${index}`;
}

/** Parse and prepare one page of `GET /v1/events`. Never throws. */
export function preparePage(body: string, cursor: string): PageResult {
  let page: unknown;
  try {
    page = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `malformed page (not JSON): ${(e as Error).message}` };
  }
  if (typeof page !== 'object' || page === null || Array.isArray(page)) return { ok: false, error: 'malformed page: expected a JSON object' };
  const p = page as Record<string, unknown>;
  if (!Array.isArray(p.events)) return { ok: false, error: 'malformed page: "events" must be an array' };
  if (typeof p.next_cursor !== 'string') return { ok: false, error: 'malformed page: "next_cursor" must be a string' };
  if (typeof p.has_more !== 'boolean') return { ok: false, error: 'malformed page: "has_more" must be a boolean' };
  const total = typeof p.total_estimate === 'number' && Number.isFinite(p.total_estimate) ? p.total_estimate : null;
  const out = emptyBatch();
  const events = p.events as unknown[];
  for (let i = 0; i < events.length; i++) {
    // anything that is not an event object (null, numbers, strings) is quarantined by validation
    prepareParsed(out, events[i], pageLocation(cursor, i));
  }
  return { ok: true, batch: out, nextCursor: p.next_cursor, hasMore: p.has_more, totalEstimate: total };
}

export function runTask(t: Task): TaskResult {
  switch (t.kind) {
    case 'items':
      return prepareItems(t.items);
    case 'lines':
      return prepareLines(t.bytes, t.firstRow);
    case 'page':
      return preparePage(t.body, t.cursor);
  }
}
