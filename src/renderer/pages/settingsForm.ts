/** The Settings page's form model: text fields in, a validated `settings.update` patch out. Pure. */
import type { Settings } from '../../main/common/types.ts';
import type { ApiArgs } from '../../main/common/api.ts';
import { isTimezone } from '../format.ts';

export type SettingsPatch = ApiArgs<'settings.update'>;

export interface FxRow { currency: string; rate: string }

export interface SettingsForm {
  timezone: string;
  reportingCurrency: string;
  fxRates: FxRow[];
  platformUrl: string;
  token: string;
  liveIntervalSeconds: string;
  pollSeconds: string;
  gmvDropPct: string;
  gmvWindowMinutes: string;
  gmvMinPriorOrders: string;
  runbookBaseUrl: string;
}

export type FieldErrors = Partial<Record<Exclude<keyof SettingsForm, 'fxRates'>, string>> & { fxRates?: (string | null)[] };

export function toForm(s: Settings): SettingsForm {
  return {
    timezone: s.timezone,
    reportingCurrency: s.reportingCurrency,
    fxRates: Object.entries(s.fxRates).sort(([a], [b]) => a.localeCompare(b)).map(([currency, rate]) => ({ currency, rate })),
    platformUrl: s.platformUrl ?? '',
    token: '',
    liveIntervalSeconds: String(s.liveIntervalSeconds),
    pollSeconds: String(s.pollSeconds),
    gmvDropPct: String(s.gmvDropPct),
    gmvWindowMinutes: String(s.gmvWindowMinutes),
    gmvMinPriorOrders: String(s.gmvMinPriorOrders),
    runbookBaseUrl: s.runbookBaseUrl,
  };
}

const CURRENCY_RE = /^[A-Z]{3}$/;
const RATE_RE = /^\d+(\.\d+)?$/;

function intIn(text: string, min: number, max: number): string | null {
  if (!/^\d+$/.test(text.trim())) return `a whole number from ${min} to ${max}`;
  const n = Number(text);
  return n < min || n > max ? `from ${min} to ${max}` : null;
}

function numIn(text: string, min: number, max: number): string | null {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) return `a number from ${min} to ${max}`;
  const n = Number(text);
  return n < min || n > max ? `from ${min} to ${max}` : null;
}

function urlError(text: string, allowEmpty: boolean): string | null {
  const t = text.trim();
  if (!t) return allowEmpty ? null : 'required';
  try {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must start with http:// or https://';
  } catch {
    return 'not a valid URL';
  }
}

export function validateForm(f: SettingsForm): FieldErrors {
  const e: FieldErrors = {};
  if (!isTimezone(f.timezone.trim())) e.timezone = 'not an IANA timezone (e.g. Asia/Ho_Chi_Minh)';
  if (!CURRENCY_RE.test(f.reportingCurrency)) e.reportingCurrency = 'a 3-letter currency code';
  const seen = new Set<string>();
  const fx = f.fxRates.map((r) => {
    const c = r.currency.trim().toUpperCase();
    if (!CURRENCY_RE.test(c)) return 'currency must be a 3-letter code';
    if (c === f.reportingCurrency) return 'same as the reporting currency';
    if (seen.has(c)) return 'listed twice';
    seen.add(c);
    if (!RATE_RE.test(r.rate.trim())) return 'rate must be a positive decimal such as 25400 or 0.000039';
    if (!/[1-9]/.test(r.rate)) return 'rate must be greater than 0';
    return null;
  });
  if (fx.some((x) => x !== null)) e.fxRates = fx;
  const u = urlError(f.platformUrl, true);
  if (u) e.platformUrl = u;
  const rb = urlError(f.runbookBaseUrl, true);
  if (rb) e.runbookBaseUrl = rb;
  const checks: [keyof FieldErrors, string | null][] = [
    ['liveIntervalSeconds', intIn(f.liveIntervalSeconds, 1, 3600)],
    ['pollSeconds', intIn(f.pollSeconds, 0, 3600)],
    ['gmvDropPct', numIn(f.gmvDropPct, 1, 100)],
    ['gmvWindowMinutes', numIn(f.gmvWindowMinutes, 0.1, 240)],
    ['gmvMinPriorOrders', intIn(f.gmvMinPriorOrders, 0, 1_000_000)],
  ];
  for (const [k, msg] of checks) if (msg) (e as Record<string, unknown>)[k] = msg;
  return e;
}

export function hasErrors(e: FieldErrors): boolean {
  return Object.keys(e).length > 0;
}

/** The fields of `f` that differ from `s`, as a `settings.update` patch (fxRates sent whole). */
export function diffPatch(s: Settings, f: SettingsForm): SettingsPatch {
  const p: SettingsPatch = {};
  const tz = f.timezone.trim();
  if (tz !== s.timezone) p.timezone = tz;
  if (f.reportingCurrency !== s.reportingCurrency) p.reportingCurrency = f.reportingCurrency;
  const fx: Record<string, string> = {};
  for (const r of f.fxRates) fx[r.currency.trim().toUpperCase()] = r.rate.trim();
  if (!sameRecord(fx, s.fxRates)) p.fxRates = fx;
  const url = f.platformUrl.trim();
  if (url !== (s.platformUrl ?? '')) p.platformUrl = url;
  const rb = f.runbookBaseUrl.trim();
  if (rb !== s.runbookBaseUrl) p.runbookBaseUrl = rb;
  const nums: [keyof Settings & keyof SettingsPatch, string][] = [
    ['liveIntervalSeconds', f.liveIntervalSeconds],
    ['pollSeconds', f.pollSeconds],
    ['gmvDropPct', f.gmvDropPct],
    ['gmvWindowMinutes', f.gmvWindowMinutes],
    ['gmvMinPriorOrders', f.gmvMinPriorOrders],
  ];
  for (const [k, text] of nums) {
    const n = Number(text.trim());
    if (n !== s[k]) (p as Record<string, unknown>)[k] = n;
  }
  return p;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}
