/**
 * The platform's writable state: experiment flags, customer segments and seller transfers, with
 * Idempotency-Key handling. Kept in memory; with a record file every accepted write is appended
 * as one JSON line and replayed at start, so state survives restarts.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { DIGITS, Rng } from './rng.ts';

export interface FlagRecord { experiment_id: string; flag: string; variants: unknown[]; rollout: unknown; updated_at: string }
export interface SegmentRecord { customer_id: string; segment: string; run_id: string; updated_at: string }
export interface TransferRecord {
  transfer_id: string;
  seller_id: string;
  amount: { amount: string; currency: string };
  reason: string;
  transfer_ref: string;
  idempotency_key: string;
  created_at: string;
}

type Entry =
  | { op: 'flag'; at: string; body: FlagRecord }
  | { op: 'segments'; at: string; key: string; hash: string; run_id: string; segments: { customer_id: string; segment: string }[] }
  | { op: 'transfer'; at: string; key: string; hash: string; body: TransferRecord };

export class IdempotencyConflict extends Error {}

export function bodyHash(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex');
}

export class PlatformStore {
  readonly flags = new Map<string, FlagRecord>();
  readonly segments = new Map<string, SegmentRecord>();
  readonly segmentHistory = new Map<string, SegmentRecord[]>();
  readonly transfers: TransferRecord[] = [];
  private readonly segmentKeys = new Map<string, { hash: string; accepted: number; run_id: string }>();
  private readonly transferKeys = new Map<string, { hash: string; transfer: TransferRecord }>();
  private readonly file: string | null;
  private readonly rng: Rng;

  constructor(file: string | null, seed: number) {
    this.file = file;
    this.rng = new Rng(seed, 'transfers');
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          this.apply(JSON.parse(line) as Entry);
        } catch {
          // a torn last line from a crash: ignore it
        }
      }
    }
  }

  private record(e: Entry): void {
    this.apply(e);
    if (this.file) appendFileSync(this.file, JSON.stringify(e) + '\n');
  }

  private apply(e: Entry): void {
    if (e.op === 'flag') this.flags.set(e.body.experiment_id, e.body);
    else if (e.op === 'segments') {
      for (const s of e.segments) {
        const rec: SegmentRecord = { customer_id: s.customer_id, segment: s.segment, run_id: e.run_id, updated_at: e.at };
        this.segments.set(s.customer_id, rec);
        const h = this.segmentHistory.get(s.customer_id) ?? [];
        h.push(rec);
        if (h.length > 20) h.shift();
        this.segmentHistory.set(s.customer_id, h);
      }
      this.segmentKeys.set(e.key, { hash: e.hash, accepted: e.segments.length, run_id: e.run_id });
    } else if (e.op === 'transfer') {
      this.transfers.push(e.body);
      this.transferKeys.set(e.key, { hash: e.hash, transfer: e.body });
    }
  }

  putFlag(experimentId: string, flag: string, variants: unknown[], rollout: unknown, at: string): FlagRecord {
    const body: FlagRecord = { experiment_id: experimentId, flag, variants, rollout, updated_at: at };
    this.record({ op: 'flag', at, body });
    return body;
  }

  /** Store a segment run; a replayed key with the same body returns the first answer. */
  putSegments(key: string, runId: string, segments: { customer_id: string; segment: string }[], at: string): { accepted: number; idempotent_replay: boolean; run_id: string } {
    const hash = bodyHash({ run_id: runId, segments });
    const prior = this.segmentKeys.get(key);
    if (prior) {
      if (prior.hash !== hash) throw new IdempotencyConflict(`Idempotency-Key "${key}" was already used with a different body`);
      return { accepted: prior.accepted, idempotent_replay: true, run_id: prior.run_id };
    }
    this.record({ op: 'segments', at, key, hash, run_id: runId, segments });
    return { accepted: segments.length, idempotent_replay: false, run_id: runId };
  }

  /** Create a transfer once per Idempotency-Key. */
  createTransfer(key: string, sellerId: string, amount: { amount: string; currency: string }, reason: string, at: string): { transfer: TransferRecord; idempotent_replay: boolean } {
    const hash = bodyHash({ seller_id: sellerId, amount, reason });
    const prior = this.transferKeys.get(key);
    if (prior) {
      if (prior.hash !== hash) throw new IdempotencyConflict(`Idempotency-Key "${key}" was already used with a different body`);
      return { transfer: prior.transfer, idempotent_replay: true };
    }
    const n = this.transfers.length + 1;
    const body: TransferRecord = {
      transfer_id: `TRF-${String(n).padStart(6, '0')}-${bodyHash(key).slice(0, 6)}`, seller_id: sellerId, amount, reason,
      transfer_ref: 'FT' + at.slice(2, 10).replace(/-/g, '') + this.rng.chars(8, DIGITS), idempotency_key: key, created_at: at,
    };
    this.record({ op: 'transfer', at, key, hash, body });
    return { transfer: body, idempotent_replay: false };
  }
}
