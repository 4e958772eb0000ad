/**
 * The compact per-user table, computed once per (seed, users, days): registration day, device,
 * acquisition source, country, activity propensity, buying affinity and churn age. Day
 * generation reads it so that users' behaviour stays consistent across days without keeping any
 * per-day state.
 *
 * User indexes are sorted by registration day, so "users registered before day d" is a prefix.
 */
import { Rng } from './rng.ts';
import {
  COUNTRIES, COUNTRY_WEIGHTS, DEVICE_WEIGHTS, TRAFFIC_SOURCE_WEIGHTS, US_STATE_WEIGHTS, VN_CITY_WEIGHTS, CATEGORY_WEIGHTS,
} from './catalog.ts';
import { cumulative } from './rng.ts';

export interface UserTable {
  count: number;
  regDay: Int16Array;
  device: Uint8Array;
  source: Uint8Array;
  country: Uint8Array;
  /** US state index (US_STATES) for US buyers */
  state: Uint8Array;
  city: Uint8Array;
  favCategory: Uint8Array;
  /** 1 for business buyers (invoices carry a tax id) */
  b2b: Uint8Array;
  /** visit propensity multiplier (log-normal, mean ~1) */
  propensity: Float32Array;
  /** buying affinity multiplier */
  affinity: Float32Array;
  /** days after registration when the user churns (1e9 = loyal) */
  churnAge: Float32Array;
  /** firstOfDay[d] = first user index registered on day d; firstOfDay[days] = count */
  firstOfDay: Int32Array;
}

export function userId(i: number): string {
  return 'U' + String(i + 1).padStart(6, '0');
}

export function userIndex(id: string): number {
  return /^U\d{6,}$/.test(id) ? Number(id.slice(1)) - 1 : -1;
}

/** Currency a user pays in: VND for VN buyers, USD otherwise. */
export function userCurrency(t: UserTable, u: number): 'VND' | 'USD' {
  return COUNTRIES[t.country[u]!] === 'VN' ? 'VND' : 'USD';
}

/** Probability that user `u` has a session on day `d` (before the day factor). */
export function activity(t: UserTable, u: number, d: number): number {
  const age = d - t.regDay[u]!;
  if (age <= 0) return 0;
  const a = age < t.churnAge[u]! ? 0.4 + 0.6 * Math.exp(-age / 12) : 0.05;
  return a * t.propensity[u]!;
}

export function buildUsers(seed: number, users: number, days: number, dayFactor: (d: number) => number): UserTable {
  const r = new Rng(seed, 'users', users, days);
  // registration days: a launch cohort in the first week, then steady growth
  const launchDays = Math.min(7, days);
  const launchCum = cumulative(Array.from({ length: launchDays }, (_, d) => dayFactor(d) * (launchDays - d)));
  const growthCum = cumulative(Array.from({ length: days }, (_, d) => dayFactor(d) * (0.6 + (0.8 * d) / days)));
  const reg = new Int16Array(users);
  for (let i = 0; i < users; i++) reg[i] = r.chance(0.2) ? r.weighted(launchCum) : r.weighted(growthCum);
  reg.sort();
  const t: UserTable = {
    count: users,
    regDay: reg,
    device: new Uint8Array(users),
    source: new Uint8Array(users),
    country: new Uint8Array(users),
    state: new Uint8Array(users),
    city: new Uint8Array(users),
    favCategory: new Uint8Array(users),
    b2b: new Uint8Array(users),
    propensity: new Float32Array(users),
    affinity: new Float32Array(users),
    churnAge: new Float32Array(users),
    firstOfDay: new Int32Array(days + 1),
  };
  for (let i = 0; i < users; i++) {
    t.device[i] = r.weighted(DEVICE_WEIGHTS);
    t.source[i] = r.weighted(TRAFFIC_SOURCE_WEIGHTS);
    t.country[i] = r.weighted(COUNTRY_WEIGHTS);
    t.state[i] = r.weighted(US_STATE_WEIGHTS);
    t.city[i] = r.weighted(VN_CITY_WEIGHTS);
    t.favCategory[i] = r.weighted(CATEGORY_WEIGHTS);
    t.b2b[i] = r.chance(0.04) ? 1 : 0;
    t.propensity[i] = Math.exp(0.85 * r.normal() - 0.36);
    t.affinity[i] = Math.min(2.5, Math.max(0.3, Math.exp(0.45 * r.normal())));
    t.churnAge[i] = r.chance(0.3) ? 1e9 : 3 + r.exp(35);
  }
  let u = 0;
  for (let d = 0; d <= days; d++) {
    while (u < users && reg[u]! < d) u++;
    t.firstOfDay[d] = u;
  }
  return t;
}
