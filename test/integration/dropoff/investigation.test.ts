/**
 * Drop-off investigation end to end: two demo workspaces synced over real HTTP from the demo
 * platform, one with the injected payment-method outage (android, wallet_unavailable, recorded at
 * /v1/demo/injections) and one without. The investigation finds the incident with the right cause
 * first, fires one alert per episode, can be flagged for review (audit log) and exported; the clean
 * workspace triggers nothing on any hour of the same day. The CLI exits 4 when the trigger fires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { directClient } from '../../../src/main/common/dispatch.ts';
import { run as cli } from '../../../src/main/node/cli/main.ts';
import { openDatabase } from '../../../src/main/node/db/index.ts';
import { localParts } from '../../../src/analytics/calendar.ts';
import { DEFAULT_WATCH } from '../../../src/analytics/dropoff/index.ts';
import { workspace, INCIDENT_DAY, TZ, type Workspace } from './helpers.ts';

let inc: Workspace;
let clean: Workspace;

beforeAll(async () => {
  inc = await workspace(true);
  clean = await workspace(false);
}, 240_000);
afterAll(async () => {
  await inc?.close();
  await clean?.close();
});

describe('the demo platform records the incident', () => {
  it('at /v1/demo/injections, only when asked for', async () => {
    const get = async (w: Workspace) => (await (await fetch(`${w.platform.url}/v1/demo/injections`, { headers: { authorization: 'Bearer t0k' } })).json()) as { payment_outages: { device: string; failure_code: string; start: string; end: string; methods: string[] }[] };
    const a = await get(inc);
    expect(a.payment_outages).toHaveLength(1);
    const o = a.payment_outages[0]!;
    expect(o).toMatchObject({ device: 'android', failure_code: 'wallet_unavailable' });
    expect(localParts(Date.parse(o.start), TZ)).toMatchObject({ day: 14, hour: 18 });
    expect(localParts(Date.parse(o.end), TZ)).toMatchObject({ day: 14, hour: 22 });
    expect((await get(clean)).payment_outages).toEqual([]);
  });
});

describe('the investigation', () => {
  it('finds the incident: fires, and ranks android + wallet_unavailable first', async () => {
    const call = directClient(inc.services.handlers);
    const [r] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 20 });
    expect(r!.watch.id).toBe('cart_checkout');
    expect(r!.window.label).toBe('2026-03-14 18:00 – 2026-03-14 21:00');
    expect(r!.baselineWindows).toHaveLength(7);
    for (const b of r!.baselineWindows) expect(localParts(b.start, TZ).hour).toBe(18);
    expect(r!.baseline.entered).toBe(r!.baselineWindows.reduce((a, b) => a + b.entered, 0));
    expect(r!.trigger.fired).toBe(true);
    expect(r!.excessPp!).toBeGreaterThan(5);
    const top = r!.causes[0]!;
    expect(top).toMatchObject({ rank: 1, cause: 'payment_failed:wallet_unavailable', device: 'android', category: 'payment_error' });
    expect(top.current).toBeGreaterThan(10);
    expect(top.expected).toBe(0);
    // the segments with the most excess are android ones
    expect(r!.segments[0]!.device).toBe('android');
    // the dropped sessions carry the code; every one of them is on android
    const carriers = r!.sessions.filter((s) => s.causes.includes('payment_failed:wallet_unavailable'));
    expect(carriers.length).toBe(top.current);
    expect(new Set(carriers.map((s) => s.device))).toEqual(new Set(['android']));
    expect(r!.sessionsTotal).toBe(r!.current.dropped);
    // the spec's common causes are present in the demo data
    expect(r!.commonCauses.map((c) => [c.category, c.seen])).toEqual([['payment_error', true], ['shipping_cost', true], ['forced_registration', true]]);
    expect(r!.commonCauses[0]!.excess).toBeGreaterThan(10);

    // one alert with values, window and runbook; notified once
    expect(r!.alert).toMatchObject({ newEpisode: true });
    const alerts = (await call('alerts.list', {})).filter((a) => a.rule === 'funnel_dropoff');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.runbookUrl).toBe('runbook:funnel-dropoff');
    expect(alerts[0]!.values).toMatchObject({ watch: 'cart_checkout', window: r!.window.label, topCause: 'payment_failed:wallet_unavailable', topDevice: 'android', investigationId: r!.id, thresholdPp: 5 });
    expect(inc.notifier.sent.filter((n) => n.title.startsWith('Funnel drop-off'))).toHaveLength(1);
    expect((await call('runbook.get', { name: 'funnel-dropoff' })).markdown).toMatch(/Funnel drop-off/);
  });

  it('fires once per episode: the next hours that stay high join the same alert', async () => {
    const call = directClient(inc.services.handlers);
    const first = (await call('alerts.list', {})).find((a) => a.rule === 'funnel_dropoff')!;
    // two hours later, the hour between not evaluated: the windows overlap, so the same episode
    const [r22] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 22 });
    expect(r22!.trigger.fired).toBe(true);
    expect(r22!.alert).toEqual({ id: first.id, newEpisode: false });
    const [r21] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 21 });
    expect(r21!.trigger.fired).toBe(true);
    expect(r21!.alert).toEqual({ id: first.id, newEpisode: false });
    const again = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 20 });
    expect(again[0]!.alert).toEqual({ id: first.id, newEpisode: false });
    expect((await call('alerts.list', {})).filter((a) => a.rule === 'funnel_dropoff')).toHaveLength(1);
    const list = await call('dropoff.list', { firedOnly: true });
    expect(list.rows.map((x) => [x.topCause, x.topDevice])).toContainEqual(['payment_failed:wallet_unavailable', 'android']);
  });

  it('is flagged for UX/product review into the audit log, and exported', async () => {
    const call = directClient(inc.services.handlers);
    const [r] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 20 });
    const flagged = await call('dropoff.flag', { id: r!.id, note: 'Android wallet sheet: check the 5.2 release' });
    expect(flagged.review).toMatchObject({ note: 'Android wallet sheet: check the 5.2 release' });
    const ro = openDatabase(inc.services.dbFile);
    try {
      const rows = ro.db.prepare("SELECT action, entity_id, after FROM audit_log WHERE action = 'dropoff.flag_for_review'").all() as { entity_id: string; after: string }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.entity_id).toBe(String(r!.id));
      expect(JSON.parse(rows[0]!.after)).toMatchObject({ note: 'Android wallet sheet: check the 5.2 release', for: 'UX/product review' });
    } finally {
      ro.close();
    }
    const csv = Buffer.from((await call('dropoff.export', { id: r!.id, format: 'csv' })).base64, 'base64').toString('utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^rank,cause,label,category,device,/);
    expect(lines[1]).toMatch(/^1,payment_failed:wallet_unavailable,.*,payment_error,android,/);
    const x = await call('dropoff.export', { id: r!.id, format: 'xlsx' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(x.base64, 'base64') as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Causes', 'Segments', 'Sessions']);
    expect(wb.getWorksheet('Sessions')!.rowCount).toBe(r!.sessions.length + 1);
  });

  it('the rule is configurable: a higher threshold does not fire; bad watches are refused; changes are audited', async () => {
    const call = directClient(inc.services.handlers);
    const s = await call('dropoff.settings.update', { thresholdPp: 30 });
    expect(s.thresholdPp).toBe(30);
    try {
      const [r] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 20 });
      expect(r!.trigger).toMatchObject({ fired: false, thresholdPp: 30 });
      expect(r!.causes[0]!.cause).toBe('payment_failed:wallet_unavailable'); // the investigation is there either way
      await expect(call('dropoff.settings.update', { watches: [{ id: 'back', label: 'x', fromEventType: 'order.placed', toEventType: 'checkout.started', enabled: true }] }))
        .rejects.toThrow(/must come after/);
      await expect(call('dropoff.settings.update', { watches: [{ id: 'nope', label: 'x', fromEventType: 'search.query', toEventType: 'order.placed', enabled: true }] }))
        .rejects.toThrow(/standard funnel/);
      // another transition can be watched: add to cart -> checkout started
      const both = await call('dropoff.settings.update', { watches: [...s.watches, { id: 'cart_start', label: 'Add to cart → checkout started', fromEventType: 'product.added_to_cart', toEventType: 'checkout.started', enabled: true }] });
      const out = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 20 });
      expect(out.map((x) => x.watch.id)).toEqual(both.watches.map((w) => w.id));
      expect(out[1]!.drilldown.steps.map((x) => x.eventType)).toEqual(['product.added_to_cart', 'checkout.started']);
      expect(out[1]!.trigger.fired).toBe(false); // a payment outage does not move cart -> checkout started
    } finally {
      await call('dropoff.settings.update', { thresholdPp: 5, watches: [DEFAULT_WATCH] });
    }
    const ro = openDatabase(inc.services.dbFile);
    try {
      expect(ro.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'dropoff.settings.update'").pluck().get()).toBe(3);
    } finally {
      ro.close();
    }
    const [again] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour: 20 });
    expect(again!.trigger.fired).toBe(true);
    expect((await call('alerts.list', {})).filter((a) => a.rule === 'funnel_dropoff')).toHaveLength(1);
  });

  it('finds nothing on the same day without the incident (every hour)', async () => {
    const call = directClient(clean.services.handlers);
    for (let hour = 0; hour < 24; hour++) {
      const [r] = await call('dropoff.investigate', { date: INCIDENT_DAY, hour });
      expect(r!.trigger.fired, `${r!.window.label}: ${r!.trigger.reason}`).toBe(false);
      expect(r!.causes.some((c) => c.cause === 'payment_failed:wallet_unavailable')).toBe(false);
    }
    expect((await call('alerts.list', {})).filter((a) => a.rule === 'funnel_dropoff')).toEqual([]);
  });

  it('runs on the hourly scheduled funnel run, once per window', async () => {
    const call = directClient(clean.services.handlers);
    const before = (await call('dropoff.list', {})).total;
    const now = Date.parse('2026-03-15T10:30:00Z'); // 17:30 local: window 14:00-17:00
    await call('funnel.runScheduled', { now });
    await call('funnel.runScheduled', { now: now + 10 * 60_000 });
    const l = await call('dropoff.list', {});
    expect(l.total).toBe(before + 1);
    const row = l.rows.find((x) => x.windowEnd === Date.parse('2026-03-15T10:00:00Z'))!;
    const inv = await call('dropoff.get', { id: row.id });
    expect(inv.origin).toBe('schedule');
    expect(inv.window.label).toBe('2026-03-15 14:00 – 2026-03-15 17:00');
  });
});

describe('episodes', () => {
  it('one alert per run of firing hours; a quiet hour re-arms the rule', async () => {
    const call = directClient(clean.services.handlers);
    const defaults = await call('dropoff.settings.get', undefined);
    // a hair trigger on 1-hour windows, so noise fires some hours and not others
    await call('dropoff.settings.update', { thresholdPp: 0, minZ: 0, minEntered: 1, minBaselineEntered: 1, windowHours: 1 });
    try {
      const fired: boolean[] = [];
      const alertOf: (number | null)[] = [];
      for (let hour = 0; hour < 24; hour++) {
        const [r] = await call('dropoff.investigate', { date: '2026-03-13', hour });
        fired.push(r!.trigger.fired);
        alertOf.push(r!.alert?.id ?? null);
      }
      const runs = fired.filter((f, i) => f && !fired[i - 1]).length;
      expect(runs).toBeGreaterThanOrEqual(2);
      const alerts = (await call('alerts.list', {})).filter((a) => a.rule === 'funnel_dropoff');
      expect(alerts).toHaveLength(runs);
      expect(clean.notifier.sent.filter((n) => n.title.startsWith('Funnel drop-off'))).toHaveLength(runs);
      // every firing hour carries the alert of the first hour of its run
      const seen = new Set<number>();
      fired.forEach((f, i) => {
        if (!f) return expect(alertOf[i]).toBeNull();
        if (fired[i - 1]) return expect(alertOf[i]).toBe(alertOf[i - 1]);
        expect(seen.has(alertOf[i]!)).toBe(false); // a new episode, a new alert
        seen.add(alertOf[i]!);
      });
      expect([...seen].sort()).toEqual(alerts.map((a) => a.id).sort());

      // the last hour of data: its sessions have not had completionMinutes to complete, so it cannot fire
      const [tail] = await call('dropoff.investigate', { date: '2026-03-15', hour: 23 });
      expect(tail!.dataComplete).toBe(false);
      expect(tail!.excessPp!).toBeGreaterThan(0); // above the baseline: with complete data this hair trigger would fire
      expect(tail!.trigger).toMatchObject({ fired: false, reason: expect.stringMatching(/not had 30 min to complete/) });
      // without arguments the latest window whose sessions had the time is chosen
      const [latest] = await call('dropoff.investigate', {});
      expect(latest!.dataComplete).toBe(true);
      expect(latest!.window.label).toBe('2026-03-15 22:00 – 2026-03-15 23:00');
    } finally {
      const { watches: _w, ...rest } = defaults;
      await call('dropoff.settings.update', rest);
    }
  });
});

describe('marketlens funnel investigate', () => {
  it('exits 4 with the JSON investigation when the trigger fires, 0 when it does not', async () => {
    const out: string[] = [], err: string[] = [];
    const code = await cli(['funnel', 'investigate', '--workspace', inc.dir, '--date', INCIDENT_DAY, '--hour', '20', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(4);
    const [r] = JSON.parse(out.join('')) as { causes: { cause: string; device: string }[]; trigger: { fired: boolean } }[];
    expect(r!.trigger.fired).toBe(true);
    expect(r!.causes[0]).toMatchObject({ cause: 'payment_failed:wallet_unavailable', device: 'android' });
    expect(err.join('')).toMatch(/ALERT/);
    const text: string[] = [];
    expect(await cli(['funnel', 'investigate', '--workspace', clean.dir, '--at', '2026-03-14T15:00:00Z'], { out: (s) => text.push(s), err: () => undefined })).toBe(0);
    expect(text.join('')).toMatch(/2026-03-14 19:00 – 2026-03-14 22:00/);
    expect(await cli(['funnel', 'investigate', '--workspace', clean.dir, '--date', INCIDENT_DAY], { out: () => undefined, err: () => undefined })).toBe(2);
    const set: string[] = [];
    expect(await cli(['funnel', 'dropoff-settings', 'set', 'windowHours', '2', '--workspace', clean.dir], { out: (s) => set.push(s), err: () => undefined })).toBe(0);
    expect(JSON.parse(set.join(''))).toMatchObject({ windowHours: 2, thresholdPp: 5 });
    const csvFile = `${clean.dir}/causes.csv`;
    const o2: string[] = [];
    expect(await cli(['funnel', 'investigate', '--workspace', clean.dir, '--at', '2026-03-14T15:00:00Z', '--out', csvFile, '--format', 'csv', '--json'], { out: (s) => o2.push(s), err: () => undefined })).toBe(0);
    const j = JSON.parse(o2.join('')) as { investigations: { window: { hours: number } }[]; files: { file: string; bytes: number }[] };
    expect(j.investigations[0]!.window.hours).toBe(2);
    expect(readFileSync(csvFile, 'utf8')).toMatch(/^\uFEFF?rank,cause,label,category,device,/);
  });
});
