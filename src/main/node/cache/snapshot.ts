/**
 * The event cache's versioned binary snapshot (`<workspace>/cache/events.v2.bin`, and
 * `customers.v2.bin` for the cache of the event types customer analytics read):
 *
 *   "MLEVCACH"  u32 format (2)  u32 header bytes  header JSON (UTF-8)  pad to 8
 *   blocks, each 8-byte aligned: time f64[rows], amount f64[rows], one code array per column
 *     (u8/u16/u32), and per dictionary the UTF-16 lengths (u32[count]) + the values as UTF-8
 *   trailer: u32 CRC-32 of every byte before it, "MLEN"
 *
 * Written to a temporary file and renamed into place (atomic on POSIX and NTFS). A snapshot that
 * fails the magic, version or checksum test is ignored (and the cache rebuilt from SQLite).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { CODE_COLUMNS, Dictionary, EventColumns, type CodeArray, type CodeColumn } from '../../../analytics/columns.ts';

/** 2: adds the `order` column (order id of order.* and payment.refunded events) */
export const SNAPSHOT_FORMAT = 2;
const MAGIC = Buffer.from('MLEVCACH', 'latin1');
const END = Buffer.from('MLEN', 'latin1');

/** (seq, id_hash) pairs that identify the database the snapshot was built from. */
export interface IdentitySample { seq: number; idHash: number }

interface BlockRef { offset: number; bytes: number }
interface Header {
  format: number;
  rows: number;
  lastSeq: number;
  maxTime: number | null;
  createdAt: number;
  samples: IdentitySample[];
  /** the event types a filtered cache holds (absent or null: every type) */
  types?: string[] | null;
  columns: { name: string; width: 1 | 2 | 4 | 8; block: BlockRef }[];
  dicts: { name: CodeColumn; count: number; lengths: BlockRef; text: BlockRef }[];
}

export interface Snapshot { cols: EventColumns; samples: IdentitySample[]; types: string[] | null; createdAt: number; bytes: number }

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

function bytesOf(a: ArrayBufferView, n: number): Buffer {
  const el = (a as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return Buffer.from(a.buffer, a.byteOffset, n * el);
}

/** Write the snapshot atomically (`types`: what a filtered cache holds); returns its size in bytes. */
export function writeSnapshot(file: string, cols: EventColumns, samples: IdentitySample[], types: readonly string[] | null = null): number {
  const n = cols.length;
  const blocks: Buffer[] = [];
  const header: Header = {
    format: SNAPSHOT_FORMAT, rows: n, lastSeq: cols.lastSeq, maxTime: Number.isFinite(cols.maxTime) ? cols.maxTime : null,
    createdAt: Date.now(), samples, types: types ? [...types] : null, columns: [], dicts: [],
  };
  let offset = 0; // relative to the data start; fixed up below
  const add = (buf: Buffer): BlockRef => {
    const ref = { offset, bytes: buf.length };
    blocks.push(buf);
    const pad = align8(buf.length) - buf.length;
    if (pad) blocks.push(Buffer.alloc(pad));
    offset += align8(buf.length);
    return ref;
  };
  header.columns.push({ name: 'time', width: 8, block: add(bytesOf(cols.time, n)) });
  header.columns.push({ name: 'amount', width: 8, block: add(bytesOf(cols.amount, n)) });
  for (const c of CODE_COLUMNS) {
    const a = cols.codes[c];
    header.columns.push({ name: c, width: a.BYTES_PER_ELEMENT as 1 | 2 | 4, block: add(bytesOf(a, n)) });
  }
  for (const c of CODE_COLUMNS) {
    const values = cols.dicts[c].values;
    const lengths = new Uint32Array(values.length - 1);
    for (let i = 1; i < values.length; i++) lengths[i - 1] = values[i]!.length;
    const text = Buffer.from(values.slice(1).join(''), 'utf8');
    header.dicts.push({ name: c, count: values.length - 1, lengths: add(bytesOf(lengths, lengths.length)), text: add(text) });
  }
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(align8(MAGIC.length + 8 + headerBuf.length));
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(SNAPSHOT_FORMAT, 8);
  prefix.writeUInt32LE(headerBuf.length, 12);
  headerBuf.copy(prefix, 16);

  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let crc = 0;
  let size = 0;
  try {
    for (const b of [prefix, ...blocks]) {
      if (b.length === 0) continue; // (zlib.crc32 of an empty buffer returns 0, not the running value)
      crc = crc32(b, crc);
      writeAll(fd, b);
      size += b.length;
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    END.copy(trailer, 4);
    writeAll(fd, trailer);
    size += 8;
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return size;
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, Math.min(b.length - off, 1 << 30));
}

/** Read and verify a snapshot; throws SnapshotError when missing fields, version or checksum fail. */
export function readSnapshot(file: string): Snapshot {
  const size = fs.statSync(file).size;
  if (size < 32) throw new SnapshotError('snapshot too short');
  // Our own ArrayBuffer (8-byte aligned), so typed arrays can view the file's bytes without copying.
  const ab = new ArrayBuffer(size);
  const buf = Buffer.from(ab);
  const fd = fs.openSync(file, 'r');
  try {
    let off = 0;
    while (off < size) {
      const r = fs.readSync(fd, buf, off, Math.min(size - off, 1 << 30), off);
      if (r === 0) throw new SnapshotError('snapshot truncated while reading');
      off += r;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (!buf.subarray(0, 8).equals(MAGIC)) throw new SnapshotError('not an event cache snapshot');
  const format = buf.readUInt32LE(8);
  if (format !== SNAPSHOT_FORMAT) throw new SnapshotError(`snapshot format ${format}, expected ${SNAPSHOT_FORMAT}`);
  if (!buf.subarray(size - 4).equals(END)) throw new SnapshotError('snapshot trailer missing (truncated)');
  const want = buf.readUInt32LE(size - 8);
  const got = crc32(buf.subarray(0, size - 8)) >>> 0;
  if (want !== got) throw new SnapshotError('snapshot checksum mismatch');
  const hlen = buf.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen)) as Header;
  } catch {
    throw new SnapshotError('snapshot header is not JSON');
  }
  const dataStart = align8(16 + hlen);
  const n = header.rows;
  const view = (ref: BlockRef, width: 1 | 2 | 4 | 8, count: number): ArrayBufferView => {
    const at = dataStart + ref.offset;
    if (at + count * width > size - 8 || ref.bytes !== count * width) throw new SnapshotError('snapshot block out of range');
    return width === 8 ? new Float64Array(ab, at, count) : width === 4 ? new Uint32Array(ab, at, count) : width === 2 ? new Uint16Array(ab, at, count) : new Uint8Array(ab, at, count);
  };
  const col = (name: string) => {
    const c = header.columns.find((x) => x.name === name);
    if (!c) throw new SnapshotError(`snapshot lacks column ${name}`);
    return view(c.block, c.width, n);
  };
  const codes = {} as Record<CodeColumn, CodeArray>;
  for (const c of CODE_COLUMNS) codes[c] = col(c) as CodeArray;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const dicts = {} as Record<CodeColumn, Dictionary>;
  for (const c of CODE_COLUMNS) {
    const d = header.dicts.find((x) => x.name === c);
    if (!d) throw new SnapshotError(`snapshot lacks dictionary ${c}`);
    const lengths = view(d.lengths, 4, d.count) as Uint32Array;
    const at = dataStart + d.text.offset;
    if (at + d.text.bytes > size - 8) throw new SnapshotError('snapshot dictionary out of range');
    const bytes = new Uint8Array(ab, at, d.text.bytes);
    const decode = (): string[] => {
      const text = decoder.decode(bytes);
      const values = new Array<string>(d.count + 1);
      values[0] = '';
      let p = 0;
      for (let i = 0; i < d.count; i++) {
        const len = lengths[i]!;
        values[i + 1] = text.slice(p, p + len);
        p += len;
      }
      if (p !== text.length) throw new SnapshotError(`snapshot dictionary ${c} does not match its lengths`);
      return values;
    };
    // small dictionaries at once; large ones (sessions, users, orders) on first use. The checksum
    // above already covers their bytes.
    dicts[c] = d.count <= 4096 ? Dictionary.adopt(decode()) : Dictionary.lazy(d.count + 1, decode);
  }
  const cols = EventColumns.from({
    length: n, lastSeq: header.lastSeq, maxTime: header.maxTime ?? -Infinity,
    time: col('time') as Float64Array, amount: col('amount') as Float64Array, codes, dicts,
  });
  return { cols, samples: header.samples, types: header.types ?? null, createdAt: header.createdAt, bytes: size };
}
