/**
 * CPU-heavy preparation tasks, runnable inline or in a worker thread (see pool.ts / worker.ts).
 * All inputs and outputs are plain data.
 */
import { isAscii } from 'node:buffer';
import { idHash } from './hash.ts';
import { emptyBatch, prepareInto, prepareItems, prepareParsed, reserveBytes, sealBatch, TEXT_MODE, type PreparedBatch, type RawItem } from './prepare.ts';

/** A feed page as the platform returns it, parsed and prepared. */
export type PageResult =
  | { ok: true; batch: PreparedBatch; nextCursor: string; hasMore: boolean; totalEstimate: number | null }
  | { ok: false; error: string };

export type Task =
  | { kind: 'items'; items: RawItem[] }
  | { kind: 'lines'; bytes: Uint8Array; firstRow: number; startOfFile?: boolean }
  | { kind: 'page'; body: string; cursor: string };

export type TaskResult = PreparedBatch | PageResult;


/**
 * NDJSON: one event per line. `bytes` holds whole lines (a chunk ends on a newline or at EOF),
 * `firstRow` is the 1-based line number of the first line. Blank lines are skipped; a UTF-8 BOM on
 * the first line of the file (`startOfFile`) is ignored. Locations are "row <n>"; the batch's
 * `lines` counts the lines it covers.
 */
export function prepareLines(bytes: Uint8Array, firstRow: number, startOfFile = firstRow === 1): PreparedBatch {
  // Decode as Latin-1 (a byte copy: ~5x cheaper than UTF-8 decoding, and V8 keeps it one-byte);
  // char offsets are byte offsets then. Lines with any byte >= 0x80 are decoded again as UTF-8.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('latin1');
  let start = startOfFile && text.charCodeAt(0) === 0xef && text.charCodeAt(1) === 0xbb && text.charCodeAt(2) === 0xbf ? 3 : 0;
  // ~400 bytes per event on the wire: start big enough that the columns rarely grow
  const out = emptyBatch(Math.ceil(bytes.byteLength / 300));
  // the values of an event are shorter than its line, give or take JSON.stringify's normalization
  reserveBytes(out, bytes.byteLength);
  let row = firstRow;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    if (stop > start) {
      // isAscii (simdutf) on a view of the line's bytes is ~5x cheaper than a regex over the text
      const ascii = isAscii(new Uint8Array(buf.buffer, buf.byteOffset + start, stop - start));
      const line = ascii ? text.slice(start, stop) : buf.toString('utf8', start, stop);
      // an ASCII line without \u escapes has only ASCII strings, and JSON.stringify keeps them ASCII
      const mode = ascii && line.indexOf('\\u') === -1 ? TEXT_MODE.BYTES : TEXT_MODE.WIDE;
      if (line.trim() !== '') prepareInto(out, line, `row ${row}`, idHash, undefined, mode);
    }
    row++;
    start = end + 1;
  }
  out.lines = row - firstRow;
  return sealBatch(out);
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
  const events = p.events as unknown[];
  const out = emptyBatch(events.length);
  for (let i = 0; i < events.length; i++) {
    // anything that is not an event object (null, numbers, strings) is quarantined by validation
    prepareParsed(out, events[i], pageLocation(cursor, i));
  }
  return { ok: true, batch: sealBatch(out), nextCursor: p.next_cursor, hasMore: p.has_more, totalEstimate: total };
}

/** The buffers a result can hand over without copying (see PreparedBatch.bytes). */
export function transferables(r: TaskResult): ArrayBuffer[] {
  const b = 'ok' in r ? (r.ok ? r.batch : null) : r;
  const u = b?.bytes;
  return u && u.byteOffset === 0 && u.buffer instanceof ArrayBuffer ? [u.buffer] : [];
}

export function runTask(t: Task): TaskResult {
  switch (t.kind) {
    case 'items':
      return prepareItems(t.items);
    case 'lines':
      return prepareLines(t.bytes, t.firstRow, t.startOfFile);
    case 'page':
      return preparePage(t.body, t.cursor);
  }
}
