import { describe, expect, it } from 'vitest';
import {
  addStep, definitionToForm, durationToForm, formSteps, formToDuration, hasErrors, isModified, lastDays, moveStep, removeStep,
  runKey, sameSteps, stepErrors, toRunArgs, toSaveArgs, toggleBreakdown, updateStep, validateForm, validateName, type FunnelForm,
} from '../../../src/renderer/components/funnels/funnelsForm.ts';
import { STANDARD_FUNNEL } from '../../../src/analytics/funnel/definition.ts';
import type { FunnelDefinition } from '../../../src/analytics/funnel/types.ts';

const H = 3_600_000;
const saved: FunnelDefinition = {
  id: 'f_abc', name: 'Mobile checkout', builtin: false, scheduled: true, createdAt: 1, updatedAt: 2,
  order: 'strict', unit: 'user', windowMs: 2 * H,
  steps: [
    { label: 'Cart', eventType: 'product.added_to_cart', filters: [{ property: 'device', op: 'eq', values: ['ios'] }] },
    { eventType: 'checkout.started', windowMs: 30 * 60_000 },
    { label: 'Paid', eventType: 'order.placed' },
  ],
};

describe('durations', () => {
  it('picks the largest whole unit and converts back', () => {
    expect(durationToForm(86_400_000)).toEqual({ value: '1', unit: 'd' });
    expect(durationToForm(36 * H)).toEqual({ value: '36', unit: 'h' });
    expect(durationToForm(90_000)).toEqual({ value: '1.5', unit: 'min' });
    expect(durationToForm(null)).toEqual({ value: '', unit: 'h' });
    expect(formToDuration('1.5', 'h')).toBe(5_400_000);
    expect(formToDuration(' ', 'h')).toBeNull();
    expect(formToDuration('-2', 'h')).toBeNaN();
    expect(formToDuration('abc', 'min')).toBeNaN();
  });
});

describe('definition <-> form <-> args', () => {
  it('loads the standard funnel and runs it by id with the defaults', () => {
    const f = definitionToForm(STANDARD_FUNNEL);
    expect(f.funnelId).toBe('standard');
    expect(f.steps).toHaveLength(6);
    expect(f.windowValue).toBe('1');
    expect(f.windowUnit).toBe('d');
    expect(validateForm(f)).toEqual({});
    expect(isModified(f, STANDARD_FUNNEL)).toBe(false);
    expect(toRunArgs(f, STANDARD_FUNNEL)).toEqual({ funnel: 'standard', order: 'sequential', unit: 'session', windowMs: 86_400_000, sessionGapMinutes: 30 });
  });

  it('sends edited steps ad hoc, with dates, breakdown, top N and trend', () => {
    let f = definitionToForm(STANDARD_FUNNEL);
    f = updateStep(f, 1, { filters: [{ property: 'device', op: 'in', values: 'ios, android ,' }] });
    f = { ...f, from: '2026-02-01', to: '2026-02-07', breakdown: ['device', 'source'], topN: '5', trend: 'day' };
    expect(validateForm(f)).toEqual({});
    expect(isModified(f, STANDARD_FUNNEL)).toBe(true);
    const a = toRunArgs(f, STANDARD_FUNNEL);
    expect(a.funnel).toBeUndefined();
    expect(a.steps![1]).toEqual({ label: 'PDP view', eventType: 'product.viewed', filters: [{ property: 'device', op: 'in', values: ['ios', 'android'] }] });
    expect(a).toMatchObject({ from: '2026-02-01', to: '2026-02-07', breakdown: ['device', 'source'], topN: 5, trend: 'day' });
  });

  it('round-trips a saved funnel: filters, step windows, order, unit, window', () => {
    const f = definitionToForm(saved);
    expect(f.steps[1]).toMatchObject({ windowValue: '30', windowUnit: 'min' });
    expect(f.steps[0]!.filters).toEqual([{ property: 'device', op: 'eq', values: 'ios' }]);
    expect(sameSteps(formSteps(f), saved.steps)).toBe(true);
    expect(isModified(f, saved)).toBe(false);
    expect(toRunArgs(f, saved)).toMatchObject({ funnel: 'f_abc', order: 'strict', unit: 'user', windowMs: 2 * H });
    expect(isModified({ ...f, unit: 'session' }, saved)).toBe(true);
    expect(isModified({ ...f, windowValue: '3' }, saved)).toBe(true);
  });

  it('keeps the run options when another funnel is loaded', () => {
    const f = { ...definitionToForm(STANDARD_FUNNEL), from: '2026-01-01', to: '2026-01-31', breakdown: ['category' as const], gapMinutes: '45' };
    const g = definitionToForm(saved, f);
    expect(g).toMatchObject({ funnelId: 'f_abc', from: '2026-01-01', to: '2026-01-31', breakdown: ['category'], gapMinutes: '45', order: 'strict' });
  });

  it('drops per-step windows in any order (they are ignored there)', () => {
    const f = { ...definitionToForm(saved), order: 'any' as const };
    expect(formSteps(f)[1]!.windowMs).toBeUndefined();
  });

  it('keys a run by what it computes, not by how the funnel is referenced', () => {
    const f = definitionToForm(saved);
    const adhoc = { ...f, funnelId: null };
    expect(runKey(adhoc)).toBe(runKey(f));
    expect(runKey({ ...f, from: '2026-02-01', to: '2026-02-07' })).not.toBe(runKey(f));
    expect(runKey({ ...f, breakdown: ['device'] })).not.toBe(runKey(f));
    expect(runKey({ ...f, name: 'renamed', scheduled: false })).toBe(runKey(f));
  });

  it('saves: update the loaded funnel, or create a new one', () => {
    const f = definitionToForm(saved);
    expect(toSaveArgs(f, { asNew: false })).toMatchObject({ id: 'f_abc', name: 'Mobile checkout', order: 'strict', unit: 'user', windowMs: 2 * H, scheduled: true });
    const n = toSaveArgs(f, { asNew: true, name: '  Copy ', scheduled: false });
    expect(n.id).toBeUndefined();
    expect(n).toMatchObject({ name: 'Copy', scheduled: false });
    expect(toSaveArgs(definitionToForm(STANDARD_FUNNEL), { asNew: false }).id).toBeUndefined();
  });
});

describe('validation', () => {
  const base = (): FunnelForm => definitionToForm(STANDARD_FUNNEL);
  it('flags bad steps, filters, windows, dates, breakdown and top N', () => {
    let f = base();
    f = updateStep(f, 0, { eventType: 'nope.nothing' });
    f = updateStep(f, 2, { windowValue: '-1', filters: [{ property: 'device', op: 'eq', values: 'a, b' }, { property: 'code', op: 'in', values: ' ' }] });
    f = { ...f, windowValue: '91', windowUnit: 'd', gapMinutes: '0', from: '2026-02-10', to: '2026-02-01', breakdown: ['device'], topN: '0' };
    const e = validateForm(f);
    expect(Object.keys(e).sort()).toEqual(['gap', 'steps.0.eventType', 'steps.2.filters.0', 'steps.2.filters.1', 'steps.2.window', 'to', 'topN', 'window'].sort());
    expect(stepErrors(e, 2)).toHaveLength(3);
    expect(hasErrors(e)).toBe(true);
  });
  it('needs 2..10 steps and both dates or neither', () => {
    const two = { ...base(), steps: base().steps.slice(0, 1) };
    expect(validateForm(two).steps).toMatch(/2 to 10/);
    expect(validateForm({ ...base(), from: '2026-02-01' }).to).toMatch(/both/);
    expect(validateForm({ ...base(), from: '2026-02-30', to: '2026-03-01' }).from).toBeDefined();
    expect(validateForm({ ...base(), from: '2025-01-01', to: '2026-03-01' }).to).toMatch(/400/);
    expect(validateForm({ ...base(), from: '2026-02-01', to: '2026-02-01' })).toEqual({});
  });
  it('checks funnel names against the others (case-insensitive)', () => {
    const all = [STANDARD_FUNNEL, saved];
    expect(validateName(' ', all, null)).toMatch(/name/);
    expect(validateName('mobile CHECKOUT', all, null)).toMatch(/exists/);
    expect(validateName('Mobile checkout', all, 'f_abc')).toBeNull();
    expect(validateName('standard purchase funnel', all, null)).toMatch(/built-in/);
    expect(validateName('New one', all, null)).toBeNull();
  });
});

describe('editing', () => {
  it('adds, moves and removes steps within 2..10; the first step never keeps a window', () => {
    let f = definitionToForm(saved);
    f = moveStep(f, 1, -1);
    expect(f.steps.map((s) => s.eventType)).toEqual(['checkout.started', 'product.added_to_cart', 'order.placed']);
    expect(f.steps[0]!.windowValue).toBe('');
    expect(moveStep(f, 0, -1)).toBe(f);
    f = removeStep(f, 0);
    expect(f.steps).toHaveLength(2);
    expect(removeStep(f, 0)).toBe(f);
    for (let i = 0; i < 12; i++) f = addStep(f);
    expect(f.steps).toHaveLength(10);
  });
  it('toggles up to two breakdown dimensions, replacing the oldest', () => {
    expect(toggleBreakdown([], 'device')).toEqual(['device']);
    expect(toggleBreakdown(['device'], 'device')).toEqual([]);
    expect(toggleBreakdown(['device', 'source'], 'category')).toEqual(['source', 'category']);
  });
  it('computes preset periods', () => {
    expect(lastDays('2026-03-02', 7)).toEqual({ from: '2026-02-24', to: '2026-03-02' });
    expect(lastDays('2026-03-02', 1)).toEqual({ from: '2026-03-02', to: '2026-03-02' });
  });
});
