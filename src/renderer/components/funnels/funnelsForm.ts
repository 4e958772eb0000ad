/**
 * The Funnels page's builder form: a plain, string-valued model of what the user edits, the
 * mapping to and from `funnel.run` / `funnel.save` arguments and saved definitions, and validation
 * (the same rules the services apply, so mistakes show next to the field before a call).
 * Pure: no React, no I/O.
 */
import { EVENT_TYPE_NAMES } from '../../../contract/events.ts';
import { addDays, isDay, DAY_MS, HOUR_MS, MINUTE_MS } from '../../../analytics/calendar.ts';
import {
  BREAKDOWN_DIMS, FILTER_PROPERTIES,
  type BreakdownDim, type CountingUnit, type FilterOp, type FilterProperty, type FunnelDefinition, type FunnelOrder, type FunnelStep, type StepFilter,
} from '../../../analytics/funnel/types.ts';
import type { ApiArgs } from '../../../main/common/api.ts';

export const MIN_STEPS = 2;
export const MAX_STEPS = 10;
export const MAX_BREAKDOWNS = 2;
export const STANDARD_ID = 'standard';
/** The API's limits (src/main/common/api-funnels.ts). */
export const MAX_WINDOW_MS = 90 * DAY_MS;
export const MAX_STEP_WINDOW_MS = 366 * DAY_MS;
export const MAX_PERIOD_DAYS = 400;

export type DurationUnit = 'min' | 'h' | 'd';
export const DURATION_UNITS: readonly { value: DurationUnit; label: string; ms: number }[] = [
  { value: 'min', label: 'minutes', ms: MINUTE_MS },
  { value: 'h', label: 'hours', ms: HOUR_MS },
  { value: 'd', label: 'days', ms: DAY_MS },
];

export type TrendChoice = 'auto' | 'hour' | 'day' | 'none';

export interface FilterForm { property: FilterProperty; op: FilterOp; /** comma-separated */ values: string }

export interface StepForm {
  label: string;
  eventType: string;
  filters: FilterForm[];
  /** per-step window (from the previous step's event); '' = none */
  windowValue: string;
  windowUnit: DurationUnit;
}

export interface FunnelForm {
  /** the saved funnel the form was loaded from ('standard' for the built-in one), null for a new funnel */
  funnelId: string | null;
  name: string;
  scheduled: boolean;
  steps: StepForm[];
  order: FunnelOrder;
  unit: CountingUnit;
  windowValue: string;
  windowUnit: DurationUnit;
  gapMinutes: string;
  /** business days 'YYYY-MM-DD'; '' = the service's default (the 7 days ending on the latest event's day) */
  from: string;
  to: string;
  breakdown: BreakdownDim[];
  topN: string;
  trend: TrendChoice;
}

export type FormErrors = Record<string, string>;

/** A step as the API takes it (ad hoc in a run, or saved). */
export type ApiStep = NonNullable<ApiArgs<'funnel.run'>['steps']>[number];

export const ORDER_OPTIONS: readonly { value: FunnelOrder; label: string; help: string }[] = [
  { value: 'sequential', label: 'Sequential', help: 'each step after the previous one; other events may happen in between' },
  { value: 'strict', label: 'Strict', help: 'after a step, the next funnel event must be the next step' },
  { value: 'any', label: 'Any order', help: 'steps may happen in any order within the window' },
];
export const UNIT_OPTIONS: readonly { value: CountingUnit; label: string }[] = [
  { value: 'session', label: 'Sessions' },
  { value: 'user', label: 'Users' },
];
export const BREAKDOWN_OPTIONS: readonly { value: BreakdownDim; label: string }[] = BREAKDOWN_DIMS.map((d) => ({
  value: d, label: d === 'source' ? 'traffic source' : d,
}));
export const FILTER_PROPERTY_OPTIONS: readonly FilterProperty[] = FILTER_PROPERTIES;
export const FILTER_OP_OPTIONS: readonly { value: FilterOp; label: string }[] = [
  { value: 'eq', label: '=' },
  { value: 'neq', label: '≠' },
  { value: 'in', label: 'in' },
];
export const EVENT_TYPES: readonly string[] = EVENT_TYPE_NAMES;

/** A duration in ms as the largest whole unit: 86_400_000 -> {value: '1', unit: 'd'}; null -> ''. */
export function durationToForm(ms: number | null | undefined, fallbackUnit: DurationUnit = 'h'): { value: string; unit: DurationUnit } {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return { value: '', unit: fallbackUnit };
  for (const u of [...DURATION_UNITS].reverse()) {
    if (ms % u.ms === 0) return { value: String(ms / u.ms), unit: u.value };
  }
  return { value: String(Math.round((ms / MINUTE_MS) * 1000) / 1000), unit: 'min' };
}

/** The ms of a form duration, or null when empty; NaN when it is not a positive number. */
export function formToDuration(value: string, unit: DurationUnit): number | null {
  const t = value.trim();
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) return NaN;
  const u = DURATION_UNITS.find((x) => x.value === unit) ?? DURATION_UNITS[0]!;
  return Math.round(n * u.ms);
}

export function parseValues(text: string): string[] {
  return text.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

export function emptyStep(eventType = 'product.viewed'): StepForm {
  return { label: '', eventType, filters: [], windowValue: '', windowUnit: 'min' };
}

export function stepToForm(s: FunnelStep): StepForm {
  const w = durationToForm(s.windowMs ?? null, 'min');
  return {
    label: s.label ?? '',
    eventType: s.eventType,
    filters: (s.filters ?? []).map((f) => ({ property: f.property, op: f.op, values: f.values.join(', ') })),
    windowValue: w.value,
    windowUnit: w.unit,
  };
}

/** A form showing a saved (or the built-in) funnel; the run options (dates, breakdown, ...) are kept from `keep`. */
export function definitionToForm(def: FunnelDefinition, keep?: FunnelForm): FunnelForm {
  const w = durationToForm(def.windowMs, 'h');
  return {
    funnelId: def.id,
    name: def.name,
    scheduled: def.scheduled,
    steps: def.steps.map(stepToForm),
    order: def.order,
    unit: def.unit,
    windowValue: w.value || '24',
    windowUnit: w.value ? w.unit : 'h',
    gapMinutes: keep?.gapMinutes ?? '30',
    from: keep?.from ?? '',
    to: keep?.to ?? '',
    breakdown: keep?.breakdown ?? [],
    topN: keep?.topN ?? '10',
    trend: keep?.trend ?? 'auto',
  };
}

/** The steps as the API takes them (ad hoc or to save). Assumes a valid form. */
export function formSteps(form: FunnelForm): ApiStep[] {
  return form.steps.map((s, i) => {
    const o: ApiStep = { eventType: s.eventType };
    const label = s.label.trim();
    if (label) o.label = label;
    const filters: StepFilter[] = s.filters.map((f) => ({ property: f.property, op: f.op, values: parseValues(f.values) }));
    if (filters.length) o.filters = filters;
    const w = i > 0 && form.order !== 'any' ? formToDuration(s.windowValue, s.windowUnit) : null;
    if (w !== null && Number.isFinite(w)) o.windowMs = w;
    return o;
  });
}

function normStep(s: FunnelStep): string {
  return JSON.stringify([
    s.label?.trim() || s.eventType, s.eventType,
    (s.filters ?? []).map((f) => [f.property, f.op, f.values]),
    s.windowMs ?? null,
  ]);
}

export function sameSteps(a: readonly FunnelStep[], b: readonly FunnelStep[]): boolean {
  return a.length === b.length && a.every((s, i) => normStep(s) === normStep(b[i]!));
}

/** Whether the form's definition (steps, order, unit, window) differs from the saved funnel's. */
export function isModified(form: FunnelForm, def: FunnelDefinition | undefined): boolean {
  if (!def) return true;
  if (!sameSteps(formSteps(form), def.steps)) return true;
  if (form.order !== def.order || form.unit !== def.unit) return true;
  return formToDuration(form.windowValue, form.windowUnit) !== def.windowMs;
}

/** Problems with the form, keyed by field ('steps', 'steps.2.eventType', 'steps.2.filters.0', 'window', 'from', ...). */
export function validateForm(form: FunnelForm): FormErrors {
  const e: FormErrors = {};
  if (form.steps.length < MIN_STEPS || form.steps.length > MAX_STEPS) e.steps = `A funnel has ${MIN_STEPS} to ${MAX_STEPS} steps.`;
  form.steps.forEach((s, i) => {
    const at = `steps.${i}`;
    if (!EVENT_TYPES.includes(s.eventType)) e[`${at}.eventType`] = 'Choose an event type.';
    if (s.label.length > 100) e[`${at}.label`] = 'At most 100 characters.';
    if (i > 0 && form.order !== 'any') {
      const w = formToDuration(s.windowValue, s.windowUnit);
      if (w !== null && !Number.isFinite(w)) e[`${at}.window`] = 'A positive number.';
      else if (w !== null && w > MAX_STEP_WINDOW_MS) e[`${at}.window`] = 'At most 366 days.';
    }
    if (s.filters.length > 10) e[`${at}.filters`] = 'At most 10 filters per step.';
    s.filters.forEach((f, j) => {
      const vals = parseValues(f.values);
      if (!FILTER_PROPERTIES.includes(f.property)) e[`${at}.filters.${j}`] = 'Choose a property.';
      else if (vals.length === 0) e[`${at}.filters.${j}`] = 'Enter a value.';
      else if (f.op !== 'in' && vals.length !== 1) e[`${at}.filters.${j}`] = `"${f.op === 'eq' ? '=' : '≠'}" takes one value (use "in" for several).`;
      else if (vals.length > 100 || vals.some((v) => v.length > 200)) e[`${at}.filters.${j}`] = 'Too many or too long values.';
    });
  });
  const w = formToDuration(form.windowValue, form.windowUnit);
  if (w === null || !Number.isFinite(w)) e.window = 'A positive number.';
  else if (w > MAX_WINDOW_MS) e.window = 'At most 90 days.';
  const gap = Number(form.gapMinutes.trim());
  if (form.gapMinutes.trim() === '' || !Number.isFinite(gap) || gap < 1 || gap > 1440) e.gap = '1 to 1440 minutes.';
  if (form.from && !isDay(form.from)) e.from = 'A date YYYY-MM-DD.';
  if (form.to && !isDay(form.to)) e.to = 'A date YYYY-MM-DD.';
  if (!e.from && !e.to) {
    if ((form.from === '') !== (form.to === '')) e[form.from ? 'to' : 'from'] = 'Give both dates, or neither for the last 7 days.';
    else if (form.from && form.to) {
      if (form.from > form.to) e.to = 'On or after the start date.';
      else if (daysBetween(form.from, form.to) + 1 > MAX_PERIOD_DAYS) e.to = `At most ${MAX_PERIOD_DAYS} days.`;
    }
  }
  if (new Set(form.breakdown).size !== form.breakdown.length || form.breakdown.length > MAX_BREAKDOWNS) e.breakdown = `Up to ${MAX_BREAKDOWNS} dimensions.`;
  const top = Number(form.topN.trim());
  if (form.breakdown.length > 0 && (!Number.isInteger(top) || top < 1 || top > 100)) e.topN = '1 to 100.';
  return e;
}

export function validateName(name: string, funnels: readonly FunnelDefinition[], selfId: string | null): string | null {
  const n = name.trim();
  if (!n) return 'Give the funnel a name.';
  if (n.length > 200) return 'At most 200 characters.';
  const clash = funnels.find((f) => f.name.trim().toLowerCase() === n.toLowerCase() && f.id !== selfId);
  if (clash) return clash.builtin ? 'That is the built-in funnel\u2019s name.' : 'A funnel with this name exists.';
  return null;
}

export function hasErrors(e: FormErrors): boolean {
  return Object.keys(e).length > 0;
}

/** Errors of one step (for the step's row). */
export function stepErrors(e: FormErrors, i: number): string[] {
  const p = `steps.${i}.`;
  return Object.entries(e).filter(([k]) => k.startsWith(p)).map(([, v]) => v);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / DAY_MS);
}

/**
 * `funnel.run` arguments (also the base of drill-down and export). A saved funnel whose definition
 * is unchanged is referenced by id; an edited one is sent as ad-hoc steps. Assumes a valid form.
 */
export function toRunArgs(form: FunnelForm, def: FunnelDefinition | undefined): ApiArgs<'funnel.run'> {
  const a: ApiArgs<'funnel.run'> = {};
  if (form.funnelId && def && def.id === form.funnelId && sameSteps(formSteps(form), def.steps)) a.funnel = form.funnelId;
  else a.steps = formSteps(form);
  a.order = form.order;
  a.unit = form.unit;
  const w = formToDuration(form.windowValue, form.windowUnit);
  if (w !== null && Number.isFinite(w)) a.windowMs = w;
  const gap = Number(form.gapMinutes.trim());
  if (Number.isFinite(gap) && gap > 0) a.sessionGapMinutes = gap;
  if (form.from && form.to) {
    a.from = form.from;
    a.to = form.to;
  }
  if (form.breakdown.length) {
    a.breakdown = [...form.breakdown];
    const top = Number(form.topN.trim());
    if (Number.isInteger(top) && top > 0) a.topN = top;
  }
  if (form.trend !== 'auto') a.trend = form.trend;
  return a;
}

/**
 * What a run computes, independent of how the funnel is referenced (saved id or ad-hoc steps) and
 * of key order: equal keys mean equal results (for "the builder has changed since the results").
 */
export function runKey(form: FunnelForm): string {
  return canonical(toRunArgs(form, undefined));
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}';
}

/** `funnel.save` arguments: update the loaded user funnel, or create a new one (`asNew`, or when the built-in one is loaded). */
export function toSaveArgs(form: FunnelForm, opts: { asNew: boolean; name?: string; scheduled?: boolean }): ApiArgs<'funnel.save'> {
  const a: ApiArgs<'funnel.save'> = {
    name: (opts.name ?? form.name).trim(),
    steps: formSteps(form),
    order: form.order,
    unit: form.unit,
    scheduled: opts.scheduled ?? form.scheduled,
  };
  const w = formToDuration(form.windowValue, form.windowUnit);
  if (w !== null && Number.isFinite(w)) a.windowMs = w;
  if (!opts.asNew && form.funnelId && form.funnelId !== STANDARD_ID) a.id = form.funnelId;
  return a;
}

/** A form value changed in place (immutably). */
export function updateStep(form: FunnelForm, i: number, patch: Partial<StepForm>): FunnelForm {
  return { ...form, steps: form.steps.map((s, k) => (k === i ? { ...s, ...patch } : s)) };
}

export function moveStep(form: FunnelForm, i: number, delta: -1 | 1): FunnelForm {
  const j = i + delta;
  if (j < 0 || j >= form.steps.length) return form;
  const steps = [...form.steps];
  [steps[i], steps[j]] = [steps[j]!, steps[i]!];
  // the first step never has a window of its own
  steps[0] = { ...steps[0]!, windowValue: '' };
  return { ...form, steps };
}

export function removeStep(form: FunnelForm, i: number): FunnelForm {
  if (form.steps.length <= MIN_STEPS) return form;
  const steps = form.steps.filter((_, k) => k !== i);
  steps[0] = { ...steps[0]!, windowValue: '' };
  return { ...form, steps };
}

export function addStep(form: FunnelForm): FunnelForm {
  if (form.steps.length >= MAX_STEPS) return form;
  const last = form.steps.at(-1)?.eventType;
  return { ...form, steps: [...form.steps, emptyStep(last === 'order.placed' ? 'order.completed' : 'order.placed')] };
}

/** Toggle a breakdown dimension; adding a third replaces the oldest. */
export function toggleBreakdown(current: readonly BreakdownDim[], dim: BreakdownDim): BreakdownDim[] {
  if (current.includes(dim)) return current.filter((d) => d !== dim);
  const next = [...current, dim];
  return next.length > MAX_BREAKDOWNS ? next.slice(next.length - MAX_BREAKDOWNS) : next;
}

/** [from, to] of the last `days` business days ending on `lastDay`. */
export function lastDays(lastDay: string, days: number): { from: string; to: string } {
  return { from: addDays(lastDay, -(days - 1)), to: lastDay };
}

/** A short summary of the steps: "Landing → PDP view → …". */
export function stepLabel(s: Pick<StepForm, 'label' | 'eventType'> | FunnelStep): string {
  return (s.label ?? '').trim() || s.eventType;
}
