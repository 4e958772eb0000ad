/** The built-in standard purchase funnel, defaults, and validation of user-defined funnels. */
import { DAY_MS, MINUTE_MS } from '../calendar.ts';
import { FILTER_PROPERTIES, type FunnelDefinition, type FunnelStep } from './types.ts';
import { MAX_STEPS } from './kernel.ts';

export const STANDARD_FUNNEL_ID = 'standard';
export const DEFAULT_WINDOW_MS = DAY_MS;
export const DEFAULT_SESSION_GAP_MS = 30 * MINUTE_MS;
export const DEFAULT_TOP_N = 10;

export const STANDARD_STEPS: readonly FunnelStep[] = [
  { label: 'Landing', eventType: 'page.landing_viewed' },
  { label: 'PDP view', eventType: 'product.viewed' },
  { label: 'Add to cart', eventType: 'product.added_to_cart' },
  { label: 'Checkout started', eventType: 'checkout.started' },
  { label: 'Payment initiated', eventType: 'checkout.payment_initiated' },
  { label: 'Order confirmed', eventType: 'order.placed' },
];

export const STANDARD_FUNNEL: FunnelDefinition = {
  id: STANDARD_FUNNEL_ID,
  name: 'Standard purchase funnel',
  builtin: true,
  steps: STANDARD_STEPS.map((s) => ({ ...s })),
  order: 'sequential',
  unit: 'session',
  windowMs: DEFAULT_WINDOW_MS,
  scheduled: true,
  createdAt: null,
  updatedAt: null,
};

/** Problems with a funnel's steps (empty when valid). `knownType` checks event type names. */
export function checkSteps(steps: readonly FunnelStep[], knownType: (t: string) => boolean): string[] {
  const errs: string[] = [];
  if (steps.length < 2 || steps.length > MAX_STEPS) errs.push(`a funnel has 2 to ${MAX_STEPS} steps (got ${steps.length})`);
  steps.forEach((s, i) => {
    const at = `steps[${i}]`;
    if (!knownType(s.eventType)) errs.push(`${at}.eventType: unknown event type "${s.eventType}"`);
    if (i === 0 && s.windowMs !== undefined && s.windowMs !== null) errs.push(`${at}.windowMs: the first step has no window`);
    (s.filters ?? []).forEach((f, j) => {
      if (!(FILTER_PROPERTIES as readonly string[]).includes(f.property)) errs.push(`${at}.filters[${j}].property: unknown property "${f.property}"`);
      if (f.values.length === 0) errs.push(`${at}.filters[${j}].values: at least one value`);
      if (f.op !== 'in' && f.values.length !== 1) errs.push(`${at}.filters[${j}].values: "${f.op}" takes exactly one value`);
    });
  });
  return errs;
}

/** JSON with object keys sorted (stable input to hashes). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k])).join(',') + '}';
}
