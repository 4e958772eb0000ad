/**
 * Funnel drop-off investigation (spec 2.3): the baseline of a watched transition's drop-off rate,
 * the trigger (rate above baseline by more than a threshold, in percentage points), and the
 * attribution of the excess drop-off to segments (device x source) and causes (failure / error
 * codes and abandonment reasons of the dropped sessions). Pure: the service gathers the counts and
 * the dropped sessions; this module does the arithmetic. docs/funnels.md states every rule.
 */
import { HOUR_MS, addDays, localParts, zonedToUtc } from '../calendar.ts';

export interface DropoffWatch {
  id: string;
  label: string;
  /** the transition: sessions that reached `fromEventType` (the population) and did not reach `toEventType` (dropped) */
  fromEventType: string;
  toEventType: string;
  enabled: boolean;
}

export interface DropoffSettings {
  /** evaluate the watches on the hourly scheduled funnel run */
  enabled: boolean;
  /** fire when the rate is more than this many percentage points above the baseline (strictly) */
  thresholdPp: number;
  /** the evaluated window: the last N whole local hours */
  windowHours: number;
  /** the baseline: the same local hours of the previous N days */
  baselineDays: number;
  /** no trigger below this many sessions in the window */
  minEntered: number;
  /** no trigger below this many sessions over the baseline windows together */
  minBaselineEntered: number;
  /** no trigger unless the two-proportion z score of the rise is at least this (0 = off) */
  minZ: number;
  /**
   * a session is dropped when it has not reached the watch's last step this many minutes after
   * reaching its first (the same for the window and the baseline); a window is judged only once
   * the data reaches its end + this, so sessions still in flight never count as dropped
   */
  completionMinutes: number;
  watches: DropoffWatch[];
}

export const DEFAULT_WATCH: DropoffWatch = {
  id: 'cart_checkout',
  label: 'Cart → checkout (started checkout, not completed)',
  fromEventType: 'checkout.started',
  toEventType: 'order.placed',
  enabled: true,
};

export const DEFAULT_DROPOFF_SETTINGS: DropoffSettings = {
  enabled: true,
  thresholdPp: 5,
  windowHours: 3,
  baselineDays: 7,
  minEntered: 30,
  minBaselineEntered: 100,
  minZ: 3,
  completionMinutes: 30,
  watches: [DEFAULT_WATCH],
};

export interface TimeWindow { start: number; end: number }

/**
 * The evaluated window ending at `end` (a local hour boundary) and its baseline windows: the same
 * local wall-clock hours on each of the previous `days` days (computed per day in `tz`, so a DST
 * change keeps the hours, not the elapsed time).
 */
export function windowsFor(end: number, hours: number, days: number, tz: string): { current: TimeWindow; baseline: TimeWindow[] } {
  const start = end - hours * HOUR_MS;
  const s = localParts(start, tz), e = localParts(end, tz);
  const sDay = `${s.year}-${String(s.month).padStart(2, '0')}-${String(s.day).padStart(2, '0')}`;
  const eDay = `${e.year}-${String(e.month).padStart(2, '0')}-${String(e.day).padStart(2, '0')}`;
  const at = (day: string, hour: number): number => {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    return zonedToUtc(y, m, d, hour, 0, tz);
  };
  const baseline: TimeWindow[] = [];
  for (let k = 1; k <= days; k++) baseline.push({ start: at(addDays(sDay, -k), s.hour), end: at(addDays(eDay, -k), e.hour) });
  return { current: { start, end }, baseline };
}

export interface Counts { entered: number; dropped: number }

export interface TriggerResult {
  rate: number | null;
  baselineRate: number | null;
  /** (rate - baseline) in percentage points */
  excessPp: number | null;
  /** two-proportion z score (pooled) of the rise; null when it cannot be computed */
  z: number | null;
  fired: boolean;
  /** why it fired or not, in words */
  reason: string;
}

/**
 * The trigger: fires when the window has at least minEntered sessions, the baseline at least
 * minBaselineEntered, the rate is MORE than thresholdPp points above the baseline (compared in
 * integers: 100·(D·bE − bD·E) > pp·E·bE, so exactly +pp does not fire) and z ≥ minZ.
 */
export function evaluateTrigger(cur: Counts, base: Counts, s: Pick<DropoffSettings, 'thresholdPp' | 'minEntered' | 'minBaselineEntered' | 'minZ'>): TriggerResult {
  const rate = cur.entered > 0 ? cur.dropped / cur.entered : null;
  const baselineRate = base.entered > 0 ? base.dropped / base.entered : null;
  const excessPp = rate === null || baselineRate === null ? null : (rate - baselineRate) * 100;
  let z: number | null = null;
  if (cur.entered > 0 && base.entered > 0) {
    const p = (cur.dropped + base.dropped) / (cur.entered + base.entered);
    const se = Math.sqrt(p * (1 - p) * (1 / cur.entered + 1 / base.entered));
    z = se > 0 ? (rate! - baselineRate!) / se : null;
  }
  const r = (fired: boolean, reason: string): TriggerResult => ({ rate, baselineRate, excessPp, z, fired, reason });
  if (cur.entered === 0) return r(false, 'no sessions in the window');
  if (base.entered === 0) return r(false, 'no sessions in the baseline windows');
  const above = 100 * (cur.dropped * base.entered - base.dropped * cur.entered) > s.thresholdPp * cur.entered * base.entered;
  if (!above) return r(false, `the rise is not more than ${s.thresholdPp} pp above the baseline`);
  if (cur.entered < s.minEntered) return r(false, `${cur.entered} session(s) in the window, fewer than the ${s.minEntered} needed`);
  if (base.entered < s.minBaselineEntered) return r(false, `${base.entered} baseline session(s), fewer than the ${s.minBaselineEntered} needed`);
  if (s.minZ > 0 && (z === null || z < s.minZ)) return r(false, `the rise is within noise (z ${z === null ? '—' : z.toFixed(2)} < ${s.minZ})`);
  return r(true, `more than ${s.thresholdPp} pp above the baseline${s.minZ > 0 ? ` (z ${z!.toFixed(2)} ≥ ${s.minZ})` : ''}`);
}

// ---- causes

export type CauseCategory = 'payment_error' | 'shipping_cost' | 'forced_registration' | 'checkout_error' | 'other_abandon' | 'no_signal';

export const CATEGORY_LABELS: Record<CauseCategory, string> = {
  payment_error: 'Payment error',
  shipping_cost: 'Shipping cost added at checkout',
  forced_registration: 'Forced registration / login wall',
  checkout_error: 'Checkout error',
  other_abandon: 'Abandoned (other stated reason)',
  no_signal: 'No signal in the data',
};

/** The signal events of a dropped session after it entered the watched transition. */
export interface SignalEvent {
  type: 'payment.failed' | 'error.occurred' | 'checkout.abandoned';
  time: number;
  /** payment.failed: failure_code; error.occurred: error_code; checkout.abandoned: reason (may be null) */
  code: string | null;
  /** error.occurred: the failing service; payment.failed: the method; checkout.abandoned: last_step */
  detail: string | null;
}

/** Cause codes of one dropped session (at least one: "none" when the data carries no signal). */
export function sessionCauses(signals: readonly SignalEvent[]): string[] {
  const out = new Set<string>();
  const hasFailure = signals.some((e) => e.type !== 'checkout.abandoned');
  for (const e of signals) {
    if (e.type === 'payment.failed') out.add(`payment_failed:${e.code ?? 'unknown'}`);
    else if (e.type === 'error.occurred') out.add(`error:${e.code ?? 'unknown'}${e.detail === 'payment' ? ':payment' : ''}`);
    else if (e.code !== null && !(hasFailure && (e.code === 'payment_failed' || e.code === 'error'))) out.add(`abandoned:${e.code}`);
  }
  if (out.size === 0) out.add('none');
  return [...out].sort();
}

export function causeCategory(cause: string): CauseCategory {
  if (cause.startsWith('payment_failed:') || (cause.startsWith('error:') && cause.endsWith(':payment')) || cause === 'abandoned:payment_failed') return 'payment_error';
  if (cause.startsWith('error:')) return 'checkout_error';
  if (cause === 'abandoned:shipping_cost_surprise') return 'shipping_cost';
  if (cause === 'abandoned:forced_registration' || cause === 'abandoned:login_required') return 'forced_registration';
  if (cause === 'none') return 'no_signal';
  return cause === 'abandoned:error' ? 'checkout_error' : 'other_abandon';
}

export function causeLabel(cause: string): string {
  if (cause === 'none') return 'no error, failure or stated reason';
  const [kind, code] = cause.split(':');
  if (kind === 'payment_failed') return `payment failed: ${code}`;
  if (kind === 'error') return `error ${code}${cause.endsWith(':payment') ? ' (payment service)' : ''}`;
  return `abandoned: ${code}`;
}

// ---- attribution

export interface SegmentCounts { device: string; source: string; entered: number; dropped: number }

export interface DroppedSession {
  unit: string;
  userId: string | null;
  device: string;
  source: string;
  enteredAt: number;
  lastStepAt: number;
  /** label of the furthest step reached */
  lastStep: string;
  causes: string[];
}

export interface WindowData extends TimeWindow {
  segments: SegmentCounts[];
  dropped: DroppedSession[];
}

export interface SegmentRow {
  device: string;
  source: string;
  entered: number;
  dropped: number;
  rate: number | null;
  baselineEntered: number;
  baselineDropped: number;
  baselineRate: number | null;
  /** dropped − baseline rate × entered (the segment's own baseline rate; the overall one when it has no baseline sessions) */
  excessDropped: number;
}

export interface CauseSplit { key: string; current: number; expected: number; excess: number }

export interface RankedCause {
  rank: number;
  cause: string;
  label: string;
  category: CauseCategory;
  device: string;
  /** dropped sessions on this device carrying the cause, in the window */
  current: number;
  /** what the baseline predicts: (baseline dropped sessions on the device carrying it / baseline sessions on the device) × sessions on the device */
  expected: number;
  excess: number;
  /** excess / the window's excess dropped sessions (null when that is not positive) */
  shareOfExcess: number | null;
  bySource: CauseSplit[];
}

export interface CauseTotal {
  cause: string;
  label: string;
  category: CauseCategory;
  current: number;
  expected: number;
  excess: number;
  byDevice: CauseSplit[];
  bySource: CauseSplit[];
}

export interface CommonCause {
  category: 'payment_error' | 'shipping_cost' | 'forced_registration';
  label: string;
  current: number;
  expected: number;
  excess: number;
  /** the data carries the signal in the window or the baseline */
  seen: boolean;
}

export interface Attribution {
  current: Counts & { rate: number | null };
  baseline: Counts & { rate: number | null };
  /** dropped − baseline rate × entered */
  excessDropped: number;
  segments: SegmentRow[];
  causes: RankedCause[];
  causeTotals: CauseTotal[];
  commonCauses: CommonCause[];
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const sum = (xs: readonly SegmentCounts[], k: 'entered' | 'dropped'): number => xs.reduce((a, x) => a + x[k], 0);

/** Attribute the window's excess drop-off (see the file comment) against the pooled baseline windows. */
export function attribute(cur: WindowData, baseline: readonly WindowData[]): Attribution {
  const bSegs = baseline.flatMap((w) => w.segments);
  const bDropped = baseline.flatMap((w) => w.dropped);
  const E = sum(cur.segments, 'entered'), D = sum(cur.segments, 'dropped');
  const bE = sum(bSegs, 'entered'), bD = sum(bSegs, 'dropped');
  const b = bE > 0 ? bD / bE : 0;
  const excessDropped = D - b * E;

  // segments
  const segKey = (d: string, s: string): string => `${d}\u0001${s}`;
  const segs = new Map<string, SegmentRow>();
  const seg = (device: string, source: string): SegmentRow => {
    const k = segKey(device, source);
    let r = segs.get(k);
    if (!r) segs.set(k, (r = { device, source, entered: 0, dropped: 0, rate: null, baselineEntered: 0, baselineDropped: 0, baselineRate: null, excessDropped: 0 }));
    return r;
  };
  for (const x of cur.segments) {
    const r = seg(x.device, x.source);
    r.entered += x.entered;
    r.dropped += x.dropped;
  }
  for (const x of bSegs) {
    const r = seg(x.device, x.source);
    r.baselineEntered += x.entered;
    r.baselineDropped += x.dropped;
  }
  const segments = [...segs.values()].map((r) => {
    const br = r.baselineEntered > 0 ? r.baselineDropped / r.baselineEntered : null;
    return { ...r, rate: r.entered > 0 ? round(r.dropped / r.entered) : null, baselineRate: br === null ? null : round(br), excessDropped: round(r.dropped - (br ?? b) * r.entered, 2) };
  }).filter((r) => r.entered > 0 || r.baselineEntered > 0)
    .sort((x, y) => y.excessDropped - x.excessDropped || y.entered - x.entered || x.device.localeCompare(y.device) || x.source.localeCompare(y.source));

  // entered per device / source / (device, source), window and baseline
  const tally = (xs: readonly SegmentCounts[], key: (x: SegmentCounts) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + x.entered);
    return m;
  };
  const byDev = (x: SegmentCounts): string => x.device, bySrc = (x: SegmentCounts): string => x.source, byDS = (x: SegmentCounts): string => segKey(x.device, x.source);
  const eDev = tally(cur.segments, byDev), bEDev = tally(bSegs, byDev);
  const eSrc = tally(cur.segments, bySrc), bESrc = tally(bSegs, bySrc);
  const eDS = tally(cur.segments, byDS), bEDS = tally(bSegs, byDS);

  // carriers: (cause, key) -> count
  const carry = (xs: readonly DroppedSession[], key: (s: DroppedSession) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const s of xs) for (const c of s.causes) {
      const k = c + '\u0002' + key(s);
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const all = (): string => '';
  const cAll = carry(cur.dropped, all), bAll = carry(bDropped, all);
  const cDev = carry(cur.dropped, (s) => s.device), bDev = carry(bDropped, (s) => s.device);
  const cSrc = carry(cur.dropped, (s) => s.source), bSrc = carry(bDropped, (s) => s.source);
  const cDS = carry(cur.dropped, (s) => segKey(s.device, s.source)), bDS = carry(bDropped, (s) => segKey(s.device, s.source));
  const causesSeen = new Set<string>([...cAll.keys(), ...bAll.keys()].map((k) => k.split('\u0002')[0]!));

  /** expected carriers of `cause` among `entered` sessions of key k: baseline carriers / baseline entered of k (overall cause rate when k has no baseline) */
  const expect = (cause: string, k: string, entered: number, bCarry: Map<string, number>, bEntered: Map<string, number>): number => {
    const be = bEntered.get(k) ?? 0;
    const rate = be > 0 ? (bCarry.get(cause + '\u0002' + k) ?? 0) / be : bE > 0 ? (bAll.get(cause + '\u0002') ?? 0) / bE : 0;
    return rate * entered;
  };
  const split = (cause: string, keys: Iterable<string>, c: Map<string, number>, bc: Map<string, number>, e: Map<string, number>, be: Map<string, number>): CauseSplit[] =>
    [...new Set(keys)].map((k) => {
      const current = c.get(cause + '\u0002' + k) ?? 0;
      const expected = expect(cause, k, e.get(k) ?? 0, bc, be);
      return { key: k, current, expected: round(expected, 2), excess: round(current - expected, 2) };
    }).filter((x) => x.current > 0 || x.expected > 0).sort((x, y) => y.excess - x.excess || x.key.localeCompare(y.key));

  const devices = [...new Set([...eDev.keys(), ...bEDev.keys()])];
  const sources = [...new Set([...eSrc.keys(), ...bESrc.keys()])];
  const share = (x: number): number | null => (excessDropped > 0 ? round(x / excessDropped) : null);

  const ranked: Omit<RankedCause, 'rank'>[] = [];
  const causeTotals: CauseTotal[] = [];
  for (const cause of causesSeen) {
    const byDevice = split(cause, devices, cDev, bDev, eDev, bEDev);
    const bySource = split(cause, sources, cSrc, bSrc, eSrc, bESrc);
    const current = cAll.get(cause + '\u0002') ?? 0;
    const expected = bE > 0 ? ((bAll.get(cause + '\u0002') ?? 0) / bE) * E : 0;
    causeTotals.push({ cause, label: causeLabel(cause), category: causeCategory(cause), current, expected: round(expected, 2), excess: round(current - expected, 2), byDevice, bySource });
    for (const d of byDevice) {
      const srcKeys = sources.map((s) => segKey(d.key, s));
      const bySrc = split(cause, srcKeys, cDS, bDS, eDS, bEDS).map((x) => ({ ...x, key: x.key.split('\u0001')[1]! }));
      ranked.push({ cause, label: causeLabel(cause), category: causeCategory(cause), device: d.key, current: d.current, expected: d.expected, excess: d.excess, shareOfExcess: share(d.excess), bySource: bySrc });
    }
  }
  ranked.sort((x, y) => y.excess - x.excess || y.current - x.current || x.cause.localeCompare(y.cause) || x.device.localeCompare(y.device));
  causeTotals.sort((x, y) => y.excess - x.excess || y.current - x.current || x.cause.localeCompare(y.cause));

  const commonCauses: CommonCause[] = (['payment_error', 'shipping_cost', 'forced_registration'] as const).map((category) => {
    const inCat = (c: string): boolean => causeCategory(c) === category;
    const current = cur.dropped.filter((s) => s.causes.some(inCat)).length;
    const bCount = bDropped.filter((s) => s.causes.some(inCat)).length;
    const expected = bE > 0 ? (bCount / bE) * E : 0;
    return { category, label: CATEGORY_LABELS[category], current, expected: round(expected, 2), excess: round(current - expected, 2), seen: current + bCount > 0 };
  });

  return {
    current: { entered: E, dropped: D, rate: E > 0 ? round(D / E) : null },
    baseline: { entered: bE, dropped: bD, rate: bE > 0 ? round(bD / bE) : null },
    excessDropped: round(excessDropped, 2),
    segments,
    causes: ranked.map((c, i) => ({ ...c, rank: i + 1 })),
    causeTotals,
    commonCauses,
  };
}

/** One evaluation of a watch for one window: the stored, plain-object result the UI, CLI and exports render. */
export interface DropoffInvestigation {
  /** the stored evaluation's id (dropoff_evaluations.id) */
  id: number;
  watch: DropoffWatch & { fromLabel: string; toLabel: string };
  funnel: { id: string; name: string };
  timezone: string;
  window: TimeWindow & { label: string; hours: number };
  /** minutes a session has to reach the last step (see DropoffSettings.completionMinutes) */
  completionMinutes: number;
  /** the data reached window end + completionMinutes when evaluated (else the trigger does not fire) */
  dataComplete: boolean;
  baselineMethod: string;
  baselineWindows: (TimeWindow & Counts)[];
  current: Counts & { rate: number | null };
  baseline: Counts & { rate: number | null };
  excessPp: number | null;
  excessDropped: number;
  z: number | null;
  trigger: { thresholdPp: number; minEntered: number; minBaselineEntered: number; minZ: number; fired: boolean; reason: string };
  /** how the alert went: a new episode fires one alert; later hours of the same episode do not */
  alert: { id: number; newEpisode: boolean } | null;
  segments: SegmentRow[];
  causes: RankedCause[];
  causeTotals: CauseTotal[];
  commonCauses: CommonCause[];
  /** the sessions that reached the watched step and did not complete (the window's; capped at `sessionsLimit`) */
  sessions: DroppedSession[];
  sessionsTotal: number;
  sessionsLimit: number;
  /** funnel.drilldown arguments that list the same sessions in the Funnels page (one per dropped step) */
  drilldown: { steps: { eventType: string; label: string }[]; start: number; end: number; dropSteps: number[] };
  watermark: { seq: number; time: number | null };
  evaluatedAt: number;
  /** what ran it: "schedule", "cli", "manual" */
  origin: string;
  review: { flaggedAt: number; note: string; actor: string } | null;
}
