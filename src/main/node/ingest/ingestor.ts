/**
 * The synchronous ingest API: parse, validate, dedup, and write a batch (raw events + projections +
 * quarantine) in ONE transaction. Nothing valid in a batch is lost: invalid items only go to
 * quarantine, they never abort the batch.
 */
import type { Database } from '../db/sqlite.ts';
import { idHash, type HashFn } from './hash.ts';
import { prepareItems, type PreparedBatch, type RawItem } from './prepare.ts';
import { createWriter, type Writer, type WriteCounts } from './writer.ts';

export interface IngestCounts {
  inserted: number;
  duplicates: number;
  quarantined: number;
  /** the quarantined items of this batch: where, which field, why */
  errors: { location: string; field: string; reason: string }[];
  /** latest event time among inserted events */
  maxTime: number | null;
}

export interface IngestorOptions {
  /** "sync:<platform url>" or "file:<name>" */
  origin: string;
  /** dedup hash; tests inject a tiny one to exercise collisions */
  hash?: HashFn;
  chunkRows?: number;
}

export interface Ingestor {
  readonly origin: string;
  readonly writer: Writer;
  /** parse + validate + write in one transaction */
  ingestBatch(items: readonly RawItem[]): IngestCounts;
  /** write an already prepared batch in one transaction, running `also` inside it */
  writePrepared(batch: PreparedBatch, also?: (counts: WriteCounts) => void): IngestCounts;
}

export function toCounts(c: WriteCounts, batch: PreparedBatch): IngestCounts {
  return {
    inserted: c.inserted, duplicates: c.duplicates, quarantined: c.quarantined, maxTime: c.maxTime,
    errors: batch.bad.map((b) => ({ location: b.location, field: b.field, reason: b.reason })),
  };
}

export function createIngestor(db: Database, opts: IngestorOptions): Ingestor {
  const hash = opts.hash ?? idHash;
  const writer = createWriter(db, { origin: opts.origin, hash, chunkRows: opts.chunkRows });
  const writePrepared = (batch: PreparedBatch, also?: (counts: WriteCounts) => void): IngestCounts =>
    writer.transaction(() => {
      const c = writer.write(batch);
      also?.(c);
      return toCounts(c, batch);
    });
  return {
    origin: opts.origin,
    writer,
    writePrepared,
    ingestBatch(items) {
      return writePrepared(prepareItems(items, hash));
    },
  };
}
