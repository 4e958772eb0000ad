/**
 * File import: NDJSON (one CloudEvent per line), JSON (an array of CloudEvents or {"events": [...]})
 * and CSV (header required; columns id,type,source,time,subject,data with `data` a JSON string; or
 * the UCI Online Retail / Olist orders layouts, mapped to order events by datasets.ts).
 * Same path and guarantees as sync: validate -> quarantine bad rows (origin "file:<name>", location
 * "row <n>" 1-based, field, reason, raw text) -> idempotent by event id, so replaying a file inserts
 * nothing new. Files are streamed; NDJSON is parsed in a worker thread while the main thread writes.
 *
 * Row numbers: NDJSON = line number; JSON = element number in the events array; CSV = the line on
 * which the record starts (the header is line 1), as a spreadsheet or editor shows it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/sqlite.ts';
import type { ImportResult } from '../../common/types.ts';
import { createIngestor, type Ingestor, type IngestCounts } from '../ingest/ingestor.ts';
import { emptyBatch, prepareInto, type PreparedBatch } from '../ingest/prepare.ts';
import { createPreparePool, type PreparePool } from '../ingest/pool.ts';
import { prepareLines } from '../ingest/tasks.ts';
import type { HashFn } from '../ingest/hash.ts';
import { createCsvParser, type CsvRecord } from './csv.ts';
import { createJsonEventSplitter } from './json-stream.ts';
import { importDataset, importDatasetText, sniffDataset, sniffDatasetText, OLIST_NEEDS_FILES } from './datasets.ts';

export type ImportFormat = ImportResult['format'];

export interface ImportProgress {
  rows: number;
  inserted: number;
  duplicates: number;
  quarantined: number;
  bytes: number;
  totalBytes: number | null;
}

export interface ImportOptions {
  /** file name recorded in the origin (default: the path's base name) */
  name?: string;
  /** default: from the extension, else sniffed from the content */
  format?: ImportFormat;
  /** NDJSON parse/validate worker threads (default 1; 0 = inline) */
  workers?: number;
  /** an existing pool to use instead of starting one */
  pool?: PreparePool;
  /** NDJSON read size per batch, bytes (default 4 MiB); one transaction per batch */
  chunkBytes?: number;
  /** JSON/CSV rows per transaction (default 5000) */
  batchRows?: number;
  /**
   * NDJSON bulk mode: keep one transaction open across read chunks until this many rows are
   * written (default 0 = one transaction per chunk). Big transactions cut the write amplification
   * of the random dedup index on large stores; use only when nothing else writes meanwhile.
   */
  txRows?: number;
  /** how many errors to list in the result (default 1000; `quarantined` counts them all) */
  maxErrors?: number;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** dedup hash override (tests); forces inline parsing */
  hash?: HashFn;
}

export class ImportError extends Error {}

const CSV_REQUIRED = ['id', 'type', 'source', 'time', 'data'] as const;

export function detectFormat(name: string, head: string): ImportFormat {
  const ext = path.extname(name).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') {
    return looksLikeNdjson(head) ? 'ndjson' : 'json';
  }
  if (ext === '.csv') return 'csv';
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('[')) return 'json';
  if (t.startsWith('{')) return looksLikeNdjson(t) ? 'ndjson' : 'json';
  return 'csv';
}

function looksLikeNdjson(head: string): boolean {
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('{')) return false;
  const nl = t.indexOf('\n');
  if (nl === -1) return false;
  try {
    const first = JSON.parse(t.slice(0, nl)) as unknown;
    return typeof first === 'object' && first !== null && !Array.isArray(first) && !('events' in first);
  } catch {
    return false;
  }
}

class Tally {
  readonly result: ImportResult;
  readonly maxErrors: number;
  bytes = 0;
  constructor(file: string, format: ImportFormat, maxErrors: number) {
    this.result = { file, format, rows: 0, inserted: 0, duplicates: 0, quarantined: 0, errors: [] };
    this.maxErrors = maxErrors;
  }
  add(batch: PreparedBatch, c: IngestCounts): void {
    const r = this.result;
    r.rows += batch.total;
    r.inserted += c.inserted;
    r.duplicates += c.duplicates;
    r.quarantined += c.quarantined;
    for (const b of batch.bad) {
      if (r.errors.length >= this.maxErrors) break;
      r.errors.push({ row: Number(b.location.replace(/^row /, '')), field: b.field, reason: b.reason });
    }
  }
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ImportError('import cancelled');
}

/** Import a file from disk (streamed). */
export async function importFile(db: Database, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const name = opts.name ?? path.basename(file);
  const st = await fs.promises.stat(file);
  if (!st.isFile()) throw new ImportError(`${file} is not a file`);
  let format = opts.format;
  if (!format) {
    const fh = await fs.promises.open(file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      format = detectFormat(name, buf.subarray(0, bytesRead).toString('utf8'));
    } finally {
      await fh.close();
    }
  }
  // the UCI Online Retail and Olist CSV layouts are mapped to orders and customers (datasets.ts)
  const dataset = format === 'csv' ? sniffDataset(file) : null;
  if (dataset) return importDataset(db, file, dataset, { name, hash: opts.hash, maxErrors: opts.maxErrors });
  const ingestor = createIngestor(db, { origin: `file:${name}`, hash: opts.hash });
  const tally = new Tally(name, format, opts.maxErrors ?? 1000);
  const progress = (): void => opts.onProgress?.({ ...pick(tally), bytes: tally.bytes, totalBytes: st.size });
  if (format === 'ndjson') {
    await importNdjson(db, file, ingestor, tally, opts, progress);
  } else {
    const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
    const sink = textSink(format, ingestor, tally, opts, progress);
    for await (const chunk of stream as AsyncIterable<string>) {
      checkAbort(opts.signal);
      tally.bytes += Buffer.byteLength(chunk);
      sink.push(chunk);
    }
    sink.end();
  }
  progress();
  return tally.result;
}

/** Import text already in memory (an upload). */
export async function importText(db: Database, name: string, text: string, opts: Omit<ImportOptions, 'name'> = {}): Promise<ImportResult> {
  const format = opts.format ?? detectFormat(name, text.slice(0, 64 * 1024));
  const dataset = format === 'csv' ? sniffDatasetText(text) : null;
  if (dataset === 'olist') throw new ImportError(OLIST_NEEDS_FILES);
  if (dataset) return importDatasetText(db, name, text, dataset, { hash: opts.hash, maxErrors: opts.maxErrors });
  const ingestor = createIngestor(db, { origin: `file:${name}`, hash: opts.hash });
  const tally = new Tally(name, format, opts.maxErrors ?? 1000);
  const total = Buffer.byteLength(text);
  const progress = (): void => opts.onProgress?.({ ...pick(tally), bytes: tally.bytes, totalBytes: total });
  if (format === 'ndjson') {
    const batchRows = opts.batchRows ?? 5000;
    let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    let row = 1;
    while (body.length > 0) {
      checkAbort(opts.signal);
      // take up to batchRows lines
      let cut = -1;
      let k = 0;
      let pos = 0;
      while (k < batchRows) {
        const nl = body.indexOf('\n', pos);
        if (nl === -1) {
          cut = -1;
          break;
        }
        cut = nl;
        pos = nl + 1;
        k++;
      }
      const part = cut === -1 ? body : body.slice(0, cut + 1);
      body = cut === -1 ? '' : body.slice(cut + 1);
      const batch = prepareLinesText(part, row, opts.hash);
      row += k + (cut === -1 ? 1 : 0);
      tally.add(batch, ingestor.writePrepared(batch));
      tally.bytes += Buffer.byteLength(part);
      progress();
    }
  } else {
    const sink = textSink(format, ingestor, tally, opts, progress);
    sink.push(text);
    tally.bytes = total;
    sink.end();
  }
  progress();
  return tally.result;
}

function pick(t: Tally): Omit<ImportProgress, 'bytes' | 'totalBytes'> {
  const r = t.result;
  return { rows: r.rows, inserted: r.inserted, duplicates: r.duplicates, quarantined: r.quarantined };
}

function prepareLinesText(text: string, firstRow: number, hash: HashFn | undefined): PreparedBatch {
  if (!hash) return prepareLines(new TextEncoder().encode(text), firstRow);
  const out = emptyBatch();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() !== '') prepareInto(out, line, `row ${firstRow + i}`, hash);
  }
  out.lines = text.endsWith('\n') ? lines.length - 1 : lines.length;
  return out;
}

/** NDJSON from disk: read chunks of whole lines, parse them in the pool, write in order. */
async function importNdjson(db: Database, file: string, ingestor: Ingestor, tally: Tally, opts: ImportOptions, progress: () => void): Promise<void> {
  const chunkBytes = opts.chunkBytes ?? 4 << 20;
  const ownPool = !opts.pool;
  const pool = opts.pool ?? createPreparePool({ workers: opts.hash ? 0 : opts.workers ?? 1 });
  const fh = await fs.promises.open(file, 'r');
  const inflight: { batch: Promise<PreparedBatch>; bytes: number }[] = [];
  const depth = Math.max(2, pool.workers + 1);
  const txRows = opts.txRows ?? 0;
  let openTx = false;
  let txCount = 0;
  // Chunks are parsed with rows numbered from 1 (the main thread does not count lines: the worker
  // does, in `lines`); the locations of bad rows are made absolute here, in write order.
  let rowBase = 0;
  const write = async (): Promise<void> => {
    const next = inflight.shift()!;
    const batch = await next.batch;
    if (rowBase > 0) {
      for (const b of batch.bad) b.location = `row ${Number(b.location.slice(4)) + rowBase}`;
    }
    rowBase += batch.lines;
    if (txRows > 0 && !openTx) {
      db.exec('BEGIN IMMEDIATE');
      openTx = true;
    }
    tally.add(batch, ingestor.writePrepared(batch));
    txCount += batch.total;
    if (openTx && txCount >= txRows) {
      db.exec('COMMIT');
      openTx = false;
      txCount = 0;
    }
    tally.bytes += next.bytes;
    progress();
  };
  let ok = false;
  let startOfFile = true;
  const submit = (bytes: Uint8Array): void => {
    const len = bytes.byteLength;
    const batch = opts.hash ? Promise.resolve(prepareLinesHashed(bytes, startOfFile, opts.hash)) : pool.lines(bytes, 1, startOfFile);
    startOfFile = false;
    inflight.push({ batch, bytes: len });
  };
  try {
    let carry: Uint8Array = new Uint8Array(0);
    let position = 0;
    for (;;) {
      checkAbort(opts.signal);
      const buf = new Uint8Array(new ArrayBuffer(carry.byteLength + chunkBytes));
      buf.set(carry, 0);
      const { bytesRead } = await fh.read(buf, carry.byteLength, chunkBytes, position);
      position += bytesRead;
      const filled = carry.byteLength + bytesRead;
      if (bytesRead === 0) {
        if (filled > 0) submit(buf.subarray(0, filled).slice());
        break;
      }
      const view = Buffer.from(buf.buffer, 0, filled);
      const lastNl = view.lastIndexOf(10);
      if (lastNl === -1) {
        carry = buf.subarray(0, filled).slice();
        continue;
      }
      carry = buf.slice(lastNl + 1, filled);
      // hand over exactly the bytes of whole lines (a view over a fresh buffer, transferable)
      const whole = lastNl + 1 === buf.byteLength ? buf : buf.slice(0, lastNl + 1);
      submit(whole);
      while (inflight.length >= depth) await write();
    }
    while (inflight.length > 0) await write();
    ok = true;
  } finally {
    if (openTx && db.inTransaction) db.exec(ok ? 'COMMIT' : 'ROLLBACK');
    await fh.close();
    // let batches already handed to the pool settle before closing it
    await Promise.allSettled(inflight.map((f) => f.batch));
    if (ownPool) await pool.close();
  }
}

function prepareLinesHashed(bytes: Uint8Array, startOfFile: boolean, hash: HashFn): PreparedBatch {
  let text = new TextDecoder().decode(bytes);
  if (startOfFile && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return prepareLinesText(text, 1, hash);
}

interface TextSink {
  push(text: string): void;
  end(): void;
}

/** JSON and CSV: parsed on the main thread, written every `batchRows` rows. */
function textSink(format: 'json' | 'csv', ingestor: Ingestor, tally: Tally, opts: ImportOptions, progress: () => void): TextSink {
  const batchRows = opts.batchRows ?? 5000;
  let batch = emptyBatch();
  const flush = (): void => {
    if (batch.total === 0) return;
    tally.add(batch, ingestor.writePrepared(batch));
    batch = emptyBatch();
    progress();
  };
  if (format === 'json') {
    const splitter = createJsonEventSplitter((text, index) => {
      prepareInto(batch, text, `row ${index + 1}`, opts.hash);
      if (batch.total >= batchRows) flush();
    });
    return {
      push: (t) => splitter.push(t),
      end: () => {
        try {
          splitter.end();
        } finally {
          flush();
        }
      },
    };
  }
  let header: string[] | null = null;
  let col: Record<string, number> = {};
  const onRecord = (r: CsvRecord): void => {
    if (!header) {
      header = r.fields.map((f) => f.trim().toLowerCase());
      col = {};
      header.forEach((h, i) => {
        if (!(h in col)) col[h] = i;
      });
      const missing = CSV_REQUIRED.filter((c) => !(c in col));
      if (missing.length > 0) {
        throw new ImportError(`CSV header must name the columns id,type,source,time,subject,data (missing: ${missing.join(', ')})`);
      }
      return;
    }
    const location = `row ${r.line}`;
    if (r.fields.length !== header.length) {
      batch.total++;
      batch.bad.push({ location, eventId: null, eventType: null, field: '', reason: `expected ${header.length} fields, found ${r.fields.length}`, raw: r.raw });
    } else {
      const get = (c: string): string | undefined => (c in col ? r.fields[col[c]!] : undefined);
      const dataText = get('data')!;
      let data: unknown;
      try {
        data = JSON.parse(dataText);
      } catch (e) {
        batch.total++;
        batch.bad.push({
          location, eventId: get('id') || null, eventType: get('type') || null, field: 'data',
          reason: `not valid JSON: ${(e as Error).message}`, raw: r.raw,
        });
        data = undefined;
      }
      if (data !== undefined) {
        const ev: Record<string, unknown> = {
          specversion: get('specversion') || '1.0', id: get('id'), type: get('type'), source: get('source'), time: get('time'), data,
        };
        const subject = get('subject');
        if (subject) ev.subject = subject;
        const dct = get('datacontenttype');
        if (dct) ev.datacontenttype = dct;
        prepareInto(batch, ev, location, opts.hash, r.raw);
      }
    }
    if (batch.total >= batchRows) flush();
  };
  const parser = createCsvParser(onRecord);
  return {
    push: (t) => parser.push(t),
    end: () => {
      try {
        parser.end();
        if (!header) throw new ImportError('CSV file is empty: a header row id,type,source,time,subject,data is required');
      } finally {
        flush();
      }
    },
  };
}
