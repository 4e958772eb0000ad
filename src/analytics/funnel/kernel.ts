/**
 * The event-level funnel kernel over the columnar cache (typed arrays only): select the events of
 * a query, group them into units (sessions or users, with inactivity-gap sessions for events that
 * carry no session_id), sort each unit by (time, seq), match the steps, and emit per-unit rows plus
 * a small table of counts per (trend bucket, breakdown values, depth) for Arquero to aggregate.
 * docs/funnels.md is the precise definition this file implements.
 */
import type { CodeArray, CodeColumn, EventColumns } from '../columns.ts';
import { bucketOf, trendBuckets, type Buckets } from './buckets.ts';
import type { BreakdownDim, FunnelQuery, FilterProperty } from './types.ts';

export const MAX_STEPS = 10;
export const ERROR_TYPES: readonly string[] = ['error.occurred', 'payment.failed'];
export const VIEW_TYPE = 'product.viewed';

const FLAG_VIEW = 1 << 13;
const FLAG_ERROR = 1 << 14;
const STEP_BITS = (1 << MAX_STEPS) - 1;

const PROPERTY_COLUMN: Record<FilterProperty, CodeColumn> = {
  device: 'device', traffic_source: 'source', category: 'category', code: 'code', experiment_id: 'experiment', variant: 'variant', currency: 'currency',
};
const DIM_COLUMN: Record<Exclude<BreakdownDim, 'segment'>, CodeColumn> = { device: 'device', source: 'source', category: 'category' };

/** Called every so often with progress; may throw to cancel. */
export type Tick = (phase: 'sessionize' | 'match', done: number, total: number) => void;

export interface SegmentSource {
  /** segment code per user code (0 = unknown); shorter arrays mean unknown for the rest */
  ofUser: Uint32Array;
  labels: readonly string[];
}

export interface KernelOptions {
  /** required for unit = 'user': session code -> user code (SessionUsers) */
  sessionUsers?: Uint32Array;
  segments?: SegmentSource;
  tick?: Tick;
}

/** Per-unit output of the kernel (units that reached at least step 1). */
export interface FunnelComputation {
  query: FunnelQuery;
  nSteps: number;
  /** unit ids: session codes (1..S), then derived gap sessions (S+1..), or user codes */
  unitCount: number;
  unitId: Uint32Array;
  depth: Uint8Array;
  anchorRow: Uint32Array;
  anchorTime: Float64Array;
  /** the row of the last step reached (for any order: the event completing the reached prefix) */
  lastRow: Uint32Array;
  lastTime: Float64Array;
  categoryCode: Uint32Array;
  segmentCode: Uint32Array;
  /** derived gap sessions: id = sessionBase + 1 + i */
  sessionBase: number;
  derivedUser: Uint32Array;
  derivedStart: Float64Array;
  derivedEnd: Float64Array;
  /** durations per step index (0-based; index 0 empty) */
  fromPrevious: Float64Array[];
  toConvert: Float64Array[];
  /** per step index: error/failure code -> dropped units with that code */
  dropoff: Map<number, number>[];
  /** non-zero cells of the count cube */
  cells: { bucket: Uint32Array; a: Uint32Array; b: Uint32Array; depth: Uint8Array; n: Float64Array };
  dims: BreakdownDim[];
  /** segment labels (segment code c -> segmentLabels[c - 1]) */
  segmentLabels: readonly string[];
  buckets: Buckets;
  excludedAnonymous: number;
  loadEnd: number;
  timing: { sessionizeMs: number; matchMs: number };
}

function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Per type code: flag bits; per step: the filter tables. */
interface Compiled {
  typeFlags: Uint16Array;
  /** per type code, the steps it can match (bit set) before filters */
  typeSteps: Uint16Array;
  /** per step: filters as [column array, allowed table] */
  filters: { col: CodeArray; allowed: Uint8Array }[][];
  stepWindow: Float64Array;
  overlap: boolean;
}

function compile(cols: EventColumns, q: FunnelQuery): Compiled {
  const steps = q.spec.steps;
  if (steps.length < 2 || steps.length > MAX_STEPS) throw new RangeError(`a funnel has 2..${MAX_STEPS} steps, got ${steps.length}`);
  const tdict = cols.dicts.type;
  const typeFlags = new Uint16Array(tdict.size);
  const typeSteps = new Uint16Array(tdict.size);
  const filters: Compiled['filters'] = [];
  const stepWindow = new Float64Array(steps.length).fill(-1);
  const seenTypes = new Set<string>();
  let overlap = false;
  steps.forEach((s, k) => {
    if (seenTypes.has(s.eventType)) overlap = true;
    seenTypes.add(s.eventType);
    const code = tdict.lookup(s.eventType);
    if (code > 0) typeSteps[code]! |= 1 << k;
    if (k > 0 && s.windowMs !== null && s.windowMs !== undefined) stepWindow[k] = s.windowMs;
    const fs: { col: CodeArray; allowed: Uint8Array }[] = [];
    for (const f of s.filters ?? []) {
      const c = PROPERTY_COLUMN[f.property];
      if (!c) throw new RangeError(`unknown filter property "${f.property}"`);
      const dict = cols.dicts[c];
      const allowed = new Uint8Array(dict.size);
      const codes = (f.op === 'in' ? f.values : f.values.slice(0, 1)).map((v) => dict.lookup(v)).filter((x) => x > 0);
      if (f.op === 'neq') {
        allowed.fill(1);
        for (const x of codes) allowed[x] = 0;
      } else {
        for (const x of codes) allowed[x] = 1;
      }
      fs.push({ col: cols.codes[c], allowed });
    }
    filters.push(fs);
  });
  for (let t = 1; t < tdict.size; t++) {
    if (typeSteps[t]) typeFlags[t]! |= 1;
  }
  for (const name of ERROR_TYPES) {
    const c = tdict.lookup(name);
    if (c > 0) typeFlags[c]! |= FLAG_ERROR;
  }
  const v = tdict.lookup(VIEW_TYPE);
  if (v > 0) typeFlags[v]! |= FLAG_VIEW;
  return { typeFlags, typeSteps, filters, stepWindow, overlap };
}

/** Steps matched by row i (bits), after filters. */
function rowMask(c: Compiled, typeCode: number, i: number): number {
  let bits = c.typeSteps[typeCode]!;
  let out = 0;
  while (bits) {
    const k = lowestBit(bits);
    bits &= bits - 1;
    let ok = true;
    for (const f of c.filters[k]!) {
      if (f.allowed[f.col[i]!] !== 1) {
        ok = false;
        break;
      }
    }
    if (ok) out |= 1 << k;
  }
  return out;
}

/** Growable typed arrays for the selected rows. */
class Rows {
  row = new Uint32Array(1 << 16);
  unit = new Uint32Array(1 << 16);
  mask = new Uint16Array(1 << 16);
  n = 0;
  push(row: number, unit: number, mask: number): void {
    if (this.n === this.row.length) {
      const cap = this.row.length * 2;
      const r = new Uint32Array(cap); r.set(this.row); this.row = r;
      const u = new Uint32Array(cap); u.set(this.unit); this.unit = u;
      const m = new Uint16Array(cap); m.set(this.mask); this.mask = m;
    }
    this.row[this.n] = row;
    this.unit[this.n] = unit;
    this.mask[this.n] = mask;
    this.n++;
  }
}

class F64List {
  a: Float64Array;
  n = 0;
  constructor(capacity = 256) {
    this.a = new Float64Array(Math.max(256, capacity));
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.n * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

interface Grouped {
  nUnits: number;
  /** rows of unit u are [off[u], off[u + 1]) in the g* arrays, in seq order */
  off: Uint32Array;
  gRow: Uint32Array;
  gTime: Float64Array;
  gMask: Uint16Array;
  derivedUser: number[];
  derivedStart: number[];
  derivedEnd: number[];
  excludedAnonymous: number;
}

/**
 * Select the query's rows (time in [start, end + window), a step, error or product-view type),
 * assign each to its unit and group them by unit with a two-pass counting sort.
 */
function groupRows(cols: EventColumns, q: FunnelQuery, c: Compiled, sessionUsers: Uint32Array | undefined, tick: Tick): Grouped {
  const W = q.spec.windowMs;
  const start = q.start, end = q.end;
  const loadEnd = end + W;
  const N = cols.length;
  const time = cols.time;
  const type = cols.codes.type;
  const ses = cols.codes.session;
  const usr = cols.codes.user;
  const byUser = q.unit === 'user';
  const S = cols.dicts.session.size - 1;
  const nTypes = c.typeFlags.length;
  // per type: 0 = not selected; else the mask when no filter applies (needsMask: compute per row)
  const fast = new Uint16Array(nTypes);
  const needsMask = new Uint8Array(nTypes);
  for (let t = 1; t < nTypes; t++) {
    const f = c.typeFlags[t]!;
    if (f === 0) continue;
    let bits = c.typeSteps[t]!;
    let filtered = false;
    while (bits) {
      const k = lowestBit(bits);
      bits &= bits - 1;
      if (c.filters[k]!.length > 0) filtered = true;
    }
    fast[t] = (f & ~1) | c.typeSteps[t]! | 0x8000; // 0x8000 = selected (stripped below)
    needsMask[t] = filtered ? 1 : 0;
  }
  const maskOf = (ty: number, i: number): number => (fast[ty]! & ~STEP_BITS & 0x7fff) | rowMask(c, ty, i);
  const CHUNK = 1 << 18;
  const derivedUser: number[] = [];
  const derivedStart: number[] = [];
  const derivedEnd: number[] = [];
  let excludedAnonymous = 0;
  let nUnits: number;
  let cnt: Uint32Array;
  const extra = new Rows(); // derived-session rows (session unit)

  if (byUser) {
    const su = sessionUsers!;
    nUnits = cols.dicts.user.size - 1;
    cnt = new Uint32Array(nUnits + 2);
    const anon = new Uint8Array(S + 1);
    const entryBits = q.spec.order === 'any' ? STEP_BITS : 1;
    for (let lo = 0; lo < N; lo += CHUNK) {
      tick('sessionize', lo, 2 * N);
      const hi = Math.min(N, lo + CHUNK);
      for (let i = lo; i < hi; i++) {
        const t = time[i]!;
        if (t < start || t >= loadEnd) continue;
        const ty = type[i]!;
        if (fast[ty] === 0) continue;
        const s = ses[i]!;
        const u = s !== 0 ? su[s]! : usr[i]!;
        if (u !== 0) cnt[u + 1]!++;
        else if (s !== 0 && t < end && (needsMask[ty] ? maskOf(ty, i) : fast[ty]!) & entryBits) anon[s] = 1;
      }
    }
    for (let s = 1; s <= S; s++) excludedAnonymous += anon[s]!;
  } else {
    const noSession = new Rows();
    cnt = new Uint32Array(S + 2);
    for (let lo = 0; lo < N; lo += CHUNK) {
      tick('sessionize', lo, 2 * N);
      const hi = Math.min(N, lo + CHUNK);
      for (let i = lo; i < hi; i++) {
        const t = time[i]!;
        if (t < start || t >= loadEnd) continue;
        const s = ses[i]!;
        if (s !== 0) {
          if (fast[type[i]!] !== 0) cnt[s + 1]!++;
        } else if (usr[i] !== 0) noSession.push(i, usr[i]!, 0);
      }
    }
    // inactivity-gap sessions for events with a user but no session id
    if (noSession.n > 0) {
      const n = noSession.n;
      const nUsers = cols.dicts.user.size;
      const uc = new Uint32Array(nUsers + 1);
      for (let j = 0; j < n; j++) uc[noSession.unit[j]! + 1]!++;
      for (let u = 1; u <= nUsers; u++) uc[u]! += uc[u - 1]!;
      const order = new Uint32Array(n);
      const pos = uc.slice(0, nUsers);
      for (let j = 0; j < n; j++) order[pos[noSession.unit[j]!]!++] = noSession.row[j]!;
      const gap = q.sessionGapMs;
      for (let u = 1; u < nUsers; u++) {
        const lo = uc[u]!, hi = uc[u + 1]!;
        if (lo === hi) continue;
        sortRowsByTime(order, lo, hi, time);
        let prev = -Infinity;
        let id = 0;
        for (let j = lo; j < hi; j++) {
          const i = order[j]!;
          const t = time[i]!;
          if (id === 0 || t - prev > gap) {
            derivedUser.push(u);
            derivedStart.push(t);
            derivedEnd.push(t);
            id = S + derivedUser.length;
          }
          prev = t;
          derivedEnd[derivedEnd.length - 1] = t;
          const ty = type[i]!;
          if (fast[ty] !== 0) extra.push(i, id, needsMask[ty] ? maskOf(ty, i) : fast[ty]! & 0x7fff);
        }
      }
    }
    nUnits = S + derivedUser.length;
    if (derivedUser.length > 0) {
      const grown = new Uint32Array(nUnits + 2);
      grown.set(cnt);
      cnt = grown;
      for (let j = 0; j < extra.n; j++) cnt[extra.unit[j]! + 1]!++;
    }
  }
  for (let u = 1; u <= nUnits + 1; u++) cnt[u]! += cnt[u - 1]!;
  const m = cnt[nUnits + 1]!;
  const gRow = new Uint32Array(m);
  const gTime = new Float64Array(m);
  const gMask = new Uint16Array(m);
  const pos = cnt.slice(0, nUnits + 1);
  // second pass: scatter (same predicate as the first)
  if (byUser) {
    const su = sessionUsers!;
    for (let lo = 0; lo < N; lo += CHUNK) {
      tick('sessionize', N + lo, 2 * N);
      const hi = Math.min(N, lo + CHUNK);
      for (let i = lo; i < hi; i++) {
        const t = time[i]!;
        if (t < start || t >= loadEnd) continue;
        const ty = type[i]!;
        if (fast[ty] === 0) continue;
        const s = ses[i]!;
        const u = s !== 0 ? su[s]! : usr[i]!;
        if (u === 0) continue;
        const p = pos[u]!++;
        gRow[p] = i;
        gTime[p] = t;
        gMask[p] = needsMask[ty] ? maskOf(ty, i) : fast[ty]! & 0x7fff;
      }
    }
  } else {
    for (let lo = 0; lo < N; lo += CHUNK) {
      tick('sessionize', N + lo, 2 * N);
      const hi = Math.min(N, lo + CHUNK);
      for (let i = lo; i < hi; i++) {
        const t = time[i]!;
        if (t < start || t >= loadEnd) continue;
        const s = ses[i]!;
        if (s === 0) continue;
        const ty = type[i]!;
        if (fast[ty] === 0) continue;
        const p = pos[s]!++;
        gRow[p] = i;
        gTime[p] = t;
        gMask[p] = needsMask[ty] ? maskOf(ty, i) : fast[ty]! & 0x7fff;
      }
    }
    for (let j = 0; j < extra.n; j++) {
      const p = pos[extra.unit[j]!]!++;
      const i = extra.row[j]!;
      gRow[p] = i;
      gTime[p] = time[i]!;
      gMask[p] = extra.mask[j]!;
    }
  }
  return { nUnits, off: cnt, gRow, gTime, gMask, derivedUser, derivedStart, derivedEnd, excludedAnonymous };
}

export function computeFunnel(cols: EventColumns, q: FunnelQuery, opts: KernelOptions = {}): FunnelComputation {
  const t0 = performance.now();
  const tick = opts.tick ?? (() => undefined);
  const c = compile(cols, q);
  const nSteps = q.spec.steps.length;
  const W = q.spec.windowMs;
  const start = q.start, end = q.end;
  const byUser = q.unit === 'user';
  const sessionUsers = opts.sessionUsers;
  if (byUser && !sessionUsers) throw new Error('unit "user" needs the session -> user table');
  const S = cols.dicts.session.size - 1;
  const grouped = groupRows(cols, q, c, sessionUsers, tick);
  const { nUnits, off, gRow, gTime, gMask, excludedAnonymous } = grouped;
  const derivedUserL = grouped.derivedUser;
  const loadEnd = end + W;
  const t1 = performance.now();

  // ---- match
  const buckets = q.trend ? trendBuckets(start, end, q.trend, q.timezone) : { starts: [start], labels: [''] };
  const dims = q.breakdown.slice(0, 2);
  const segments = opts.segments;
  const dimSize = (d: BreakdownDim): number => (d === 'segment' ? (segments?.labels.length ?? 0) + 1 : cols.dicts[DIM_COLUMN[d]].size);
  const cube = new CountCube(buckets.starts.length, dims[0] ? dimSize(dims[0]) : 1, dims[1] ? dimSize(dims[1]) : 1, nSteps + 1);
  let nonEmpty = 0;
  for (let u = 1; u <= nUnits; u++) if (off[u + 1]! > off[u]!) nonEmpty++;
  const out: UnitOut = {
    unitId: new Uint32Array(nonEmpty), depth: new Uint8Array(nonEmpty), anchorRow: new Uint32Array(nonEmpty), anchorTime: new Float64Array(nonEmpty),
    lastRow: new Uint32Array(nonEmpty), lastTime: new Float64Array(nonEmpty), categoryCode: new Uint32Array(nonEmpty), segmentCode: new Uint32Array(nonEmpty),
    fromPrev: [], toConv: [], dropoff: [], count: 0,
  };
  for (let k = 0; k < nSteps; k++) {
    out.fromPrev.push(new F64List(nonEmpty >> 2));
    out.toConv.push(new F64List(nonEmpty >> 2));
    out.dropoff.push(new Map());
  }
  matchUnits({
    nSteps, W, end, order: q.spec.order === 'sequential' ? SEQUENTIAL : q.spec.order === 'strict' ? STRICT : ANY, overlap: c.overlap, stepWindow: c.stepWindow,
    nUnits, off, gRow, gTime, gMask, S, byUser, sessionUsers, derivedUser: derivedUserL, segOf: segments?.ofUser,
    catCol: cols.codes.category, codeCol: cols.codes.code, devCol: cols.codes.device, srcCol: cols.codes.source,
    dims, trendStarts: q.trend ? buckets.starts : null, cube, tick,
  }, out);
  const count = out.count;
  tick('match', nUnits, nUnits);
  const t2 = performance.now();

  return {
    query: q, nSteps, unitCount: count,
    unitId: out.unitId.subarray(0, count), depth: out.depth.subarray(0, count), anchorRow: out.anchorRow.subarray(0, count), anchorTime: out.anchorTime.subarray(0, count),
    lastRow: out.lastRow.subarray(0, count), lastTime: out.lastTime.subarray(0, count), categoryCode: out.categoryCode.subarray(0, count), segmentCode: out.segmentCode.subarray(0, count),
    sessionBase: S, derivedUser: Uint32Array.from(derivedUserL), derivedStart: Float64Array.from(grouped.derivedStart), derivedEnd: Float64Array.from(grouped.derivedEnd),
    fromPrevious: out.fromPrev.map((l) => l.done()), toConvert: out.toConv.map((l) => l.done()), dropoff: out.dropoff,
    cells: cube.cells(), dims, segmentLabels: segments?.labels ?? [], buckets, excludedAnonymous, loadEnd,
    timing: { sessionizeMs: t1 - t0, matchMs: t2 - t1 },
  };
}

const SEQUENTIAL = 0, STRICT = 1, ANY = 2;

interface UnitOut {
  unitId: Uint32Array; depth: Uint8Array; anchorRow: Uint32Array; anchorTime: Float64Array; lastRow: Uint32Array; lastTime: Float64Array;
  categoryCode: Uint32Array; segmentCode: Uint32Array; fromPrev: F64List[]; toConv: F64List[]; dropoff: Map<number, number>[]; count: number;
}

interface MatchInput {
  nSteps: number; W: number; end: number; order: number; overlap: boolean; stepWindow: Float64Array;
  nUnits: number; off: Uint32Array; gRow: Uint32Array; gTime: Float64Array; gMask: Uint16Array;
  S: number; byUser: boolean; sessionUsers: Uint32Array | undefined; derivedUser: number[]; segOf: Uint32Array | undefined;
  catCol: CodeArray; codeCol: CodeArray; devCol: CodeArray; srcCol: CodeArray;
  dims: BreakdownDim[]; trendStarts: number[] | null; cube: CountCube; tick: Tick;
}

/**
 * Match every unit: each step-1 event in the period is a candidate entry (any order: each event of
 * any step); the unit's attempt is the first candidate reaching the greatest depth.
 */
function matchUnits(mi: MatchInput, out: UnitOut): void {
  const { nSteps, W, end, order, overlap, stepWindow, nUnits, off, gRow, gTime, gMask, S, byUser, sessionUsers, derivedUser, segOf, catCol, codeCol, devCol, srcCol, dims, trendStarts, cube, tick } = mi;
  const pos = new Int32Array(nSteps);
  const bestPos = new Int32Array(nSteps);
  const times = new Float64Array(nSteps);
  const bestTimes = new Float64Array(nSteps);
  const full = (1 << nSteps) - 1;
  const seenCodes = new Uint32Array(256);
  const dimA = dims[0], dimB = dims[1];
  const { fromPrev, toConv, dropoff } = out;
  let count = 0;

  for (let u = 1; u <= nUnits; u++) {
    const lo = off[u]!, hi = off[u + 1]!;
    if (lo === hi) continue;
    if ((u & 0x3fff) === 0) tick('match', u, nUnits);
    // (time, seq) order: rows are in seq order; re-sort only when times go backwards
    let prevT = gTime[lo]!;
    for (let j = lo + 1; j < hi; j++) {
      const tj = gTime[j]!;
      if (tj < prevT) {
        sortGroup(gRow, gTime, gMask, lo, hi);
        break;
      }
      prevT = tj;
    }
    let best = 0, bestAnchor = -1;
    for (let a = lo; a < hi; a++) {
      const ta = gTime[a]!;
      if (ta >= end) break;
      const ma = gMask[a]! & STEP_BITS;
      if (order === ANY ? ma === 0 : (ma & 1) === 0) continue;
      let d = 0;
      let cut = false;
      if (order === SEQUENTIAL) {
        pos[0] = a;
        times[0] = ta;
        d = 1;
        let p = a;
        const dlAll = ta + W;
        for (let k = 1; k < nSteps; k++) {
          const bit = 1 << k;
          let dl = dlAll;
          const sw = stepWindow[k]!;
          if (sw >= 0 && times[k - 1]! + sw < dl) dl = times[k - 1]! + sw;
          let j = p + 1;
          while (j < hi && (gMask[j]! & bit) === 0) j++;
          if (j >= hi) break;
          const tj = gTime[j]!;
          if (tj > dl) { cut = true; break; }
          pos[k] = j;
          times[k] = tj;
          p = j;
          d++;
        }
      } else if (order === STRICT) {
        // the next step event after a matched step must be the next step (a repeat of the step just matched is ignored)
        pos[0] = a;
        times[0] = ta;
        d = 1;
        let p = a + 1;
        while (d < nSteps) {
          while (p < hi && (gMask[p]! & STEP_BITS) === 0) p++;
          if (p >= hi) break;
          const mp = gMask[p]!;
          if (mp & (1 << d)) {
            let dl = ta + W;
            const sw = stepWindow[d]!;
            if (sw >= 0 && times[d - 1]! + sw < dl) dl = times[d - 1]! + sw;
            if (gTime[p]! > dl) { cut = true; break; }
            pos[d] = p;
            times[d] = gTime[p]!;
            d++;
            p++;
          } else if (mp & (1 << (d - 1))) p++;
          else break;
        }
      } else {
        const dl = ta + W;
        let matched = 0;
        for (let p = a; p < hi; p++) {
          const tp = gTime[p]!;
          if (tp > dl) { cut = true; break; }
          const free = gMask[p]! & STEP_BITS & ~matched;
          if (free === 0) continue;
          const k = lowestBit(free);
          matched |= 1 << k;
          pos[k] = p;
          times[k] = tp;
          if (matched === full) break;
        }
        while (d < nSteps && matched & (1 << d)) d++;
      }
      if (d > best) {
        best = d;
        bestAnchor = a;
        for (let k = 0; k < d; k++) {
          bestPos[k] = pos[k]!;
          bestTimes[k] = times[k]!;
        }
      }
      if (best === nSteps) break;
      // sequential: an attempt that did not run into a window can't be beaten by a later entry
      if (!cut && (order === SEQUENTIAL || (order === ANY && !overlap))) break;
    }
    if (best === 0) continue;

    const a = bestAnchor;
    const anchorRowI = gRow[a]!;
    const anchorT = gTime[a]!;
    const endTime = anchorT + W;
    // completion times: C(0) = step 1's time, C(k) = max(t_0..t_k) (= t_k in sequential/strict order);
    // from previous = C(k) - C(k-1), to convert = C(k) - entry time
    let cPrev = bestTimes[0]!;
    let lastP = bestPos[0]!;
    for (let k = 1; k < best; k++) {
      const before = cPrev;
      const tk = bestTimes[k]!;
      if (tk > cPrev || (tk === cPrev && bestPos[k]! > lastP)) {
        cPrev = tk;
        lastP = bestPos[k]!;
      }
      fromPrev[k]!.push(cPrev - before);
      toConv[k]!.push(cPrev - anchorT);
    }
    // category: the first product viewed from the entry up to the window end
    let cat = 0;
    for (let p = a; p < hi; p++) {
      if (gTime[p]! > endTime) break;
      if (gMask[p]! & FLAG_VIEW) {
        cat = catCol[gRow[p]!]!;
        break;
      }
    }
    // drop-off reasons: distinct error/failure codes after the last step reached, up to the window end
    if (best < nSteps) {
      let nSeen = 0;
      for (let p = lastP + 1; p < hi; p++) {
        if (gTime[p]! > endTime) break;
        if (gMask[p]! & FLAG_ERROR) {
          const code = codeCol[gRow[p]!]!;
          if (code === 0) continue;
          let dup = false;
          for (let x = 0; x < nSeen; x++) if (seenCodes[x] === code) { dup = true; break; }
          if (!dup && nSeen < seenCodes.length) seenCodes[nSeen++] = code;
        }
      }
      if (nSeen > 0) {
        const dm = dropoff[best - 1]!;
        for (let x = 0; x < nSeen; x++) dm.set(seenCodes[x]!, (dm.get(seenCodes[x]!) ?? 0) + 1);
      }
    }
    let seg = 0;
    if (segOf) {
      const userCode = byUser ? u : u > S ? derivedUser[u - S - 1]! : sessionUsers ? (sessionUsers[u] ?? 0) : 0;
      seg = userCode < segOf.length ? segOf[userCode]! : 0;
    }
    out.unitId[count] = u;
    out.depth[count] = best;
    out.anchorRow[count] = anchorRowI;
    out.anchorTime[count] = anchorT;
    out.lastRow[count] = gRow[lastP]!;
    out.lastTime[count] = cPrev;
    out.categoryCode[count] = cat;
    out.segmentCode[count] = seg;
    count++;
    const bi = trendStarts ? Math.max(0, bucketOf(trendStarts, anchorT)) : 0;
    cube.add(bi, dimValue(dimA, devCol, srcCol, anchorRowI, cat, seg), dimValue(dimB, devCol, srcCol, anchorRowI, cat, seg), best);
  }
  out.count = count;
}

function dimValue(d: BreakdownDim | undefined, dev: CodeArray, src: CodeArray, row: number, cat: number, seg: number): number {
  switch (d) {
    case undefined: return 0;
    case 'device': return dev[row]!;
    case 'source': return src[row]!;
    case 'category': return cat;
    default: return seg;
  }
}

/** Counts per (bucket, a, b, depth): a dense array when small, else a map. */
class CountCube {
  private readonly dense: Float64Array | null;
  private readonly sparse: Map<number, number> | null;
  private readonly na: number;
  private readonly nb: number;
  private readonly nd: number;
  constructor(nBuckets: number, na: number, nb: number, nd: number) {
    this.na = na;
    this.nb = nb;
    this.nd = nd;
    const size = nBuckets * na * nb * nd;
    this.dense = size <= 1 << 22 ? new Float64Array(size) : null;
    this.sparse = this.dense ? null : new Map();
  }
  add(bucket: number, a: number, b: number, depth: number): void {
    const key = ((bucket * this.na + a) * this.nb + b) * this.nd + depth;
    if (this.dense) this.dense[key]!++;
    else this.sparse!.set(key, (this.sparse!.get(key) ?? 0) + 1);
  }
  cells(): FunnelComputation['cells'] {
    const keys: number[] = [];
    const vals: number[] = [];
    if (this.dense) {
      const d = this.dense;
      for (let k = 0; k < d.length; k++) if (d[k] !== 0) { keys.push(k); vals.push(d[k]!); }
    } else {
      for (const [k, v] of [...this.sparse!.entries()].sort((x, y) => x[0] - y[0])) { keys.push(k); vals.push(v); }
    }
    const n = keys.length;
    const out = { bucket: new Uint32Array(n), a: new Uint32Array(n), b: new Uint32Array(n), depth: new Uint8Array(n), n: Float64Array.from(vals) };
    for (let i = 0; i < n; i++) {
      let k = keys[i]!;
      out.depth[i] = k % this.nd; k = Math.floor(k / this.nd);
      out.b[i] = k % this.nb; k = Math.floor(k / this.nb);
      out.a[i] = k % this.na; k = Math.floor(k / this.na);
      out.bucket[i] = k;
    }
    return out;
  }
}

/** Sort row indices order[lo..hi) by (time, row). */
function sortRowsByTime(order: Uint32Array, lo: number, hi: number, time: Float64Array): void {
  let sorted = true;
  for (let j = lo + 1; j < hi; j++) if (time[order[j]!]! < time[order[j - 1]!]!) { sorted = false; break; }
  if (sorted) return;
  const part = Array.from(order.subarray(lo, hi));
  part.sort((x, y) => time[x]! - time[y]! || x - y);
  order.set(part, lo);
}

/** Sort one unit's gathered rows by (time, row). */
function sortGroup(gRow: Uint32Array, gTime: Float64Array, gMask: Uint16Array, lo: number, hi: number): void {
  const idx: number[] = [];
  for (let j = lo; j < hi; j++) idx.push(j);
  idx.sort((x, y) => gTime[x]! - gTime[y]! || gRow[x]! - gRow[y]!);
  const r = idx.map((j) => gRow[j]!), t = idx.map((j) => gTime[j]!), mk = idx.map((j) => gMask[j]!);
  gRow.set(r, lo);
  gTime.set(t, lo);
  gMask.set(mk, lo);
}

/** The unit id's display key: session id, user id, or "gap:<user>:<start ms>". */
export function unitKey(cols: EventColumns, comp: FunnelComputation, unit: number): { key: string; userCode: number } {
  if (comp.query.unit === 'user') return { key: cols.dicts.user.value(unit) ?? '', userCode: unit };
  if (unit > comp.sessionBase) {
    const d = unit - comp.sessionBase - 1;
    const uc = comp.derivedUser[d]!;
    return { key: `gap:${cols.dicts.user.value(uc)}:${comp.derivedStart[d]}`, userCode: uc };
  }
  return { key: cols.dicts.session.value(unit) ?? '', userCode: -1 };
}
