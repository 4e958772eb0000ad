import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildSchemas } from '../../../src/platform-sim/schemas.ts';
import { MarketSim } from '../../../src/platform-sim/generator.ts';
import { malformedEvent } from '../../../src/platform-sim/feed.ts';
import { validateEvent, EVENT_TYPE_NAMES, type CloudEvent } from '../../../src/contract/events.ts';
import { SCHEMA_BASE, loadSchemas } from './helpers.ts';

let anyEvent: ReturnType<ReturnType<typeof loadSchemas>['ajv']['getSchema']>;
let sample: CloudEvent[];

beforeAll(() => {
  const { ajv } = loadSchemas();
  anyEvent = ajv.getSchema(`${SCHEMA_BASE}event.json`);
  const sim = new MarketSim({ seed: 3, days: 10, users: 600, endDate: '2025-01-31' });
  const all = [...sim.events()];
  // one of each type plus a spread of others
  const byType = new Map<string, CloudEvent>();
  for (const e of all) if (!byType.has(e.type)) byType.set(e.type, e);
  sample = [...byType.values(), ...all.filter((_, i) => i % 97 === 0)];
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe('resources/schemas', () => {
  it('the files on disk are exactly what schemas.ts builds from the contract', () => {
    const built = buildSchemas();
    const { names } = loadSchemas();
    expect(names.sort()).toEqual(Object.keys(built).sort());
    for (const [name, schema] of Object.entries(built)) {
      const onDisk = JSON.parse(readFileSync(new URL(`../../../resources/schemas/${name}`, import.meta.url), 'utf8'));
      expect(onDisk, `${name} is stale: run node src/platform-sim/write-schemas.ts`).toEqual(schema);
    }
    for (const t of EVENT_TYPE_NAMES) expect(built[`${t}.json`]).toBeDefined();
    for (const f of ['cloudevent.json', 'events-page.json']) expect(built[f]).toBeDefined();
  });

  it('schemas and validateEvent agree on valid events and on mutated ones', () => {
    const mutations: [string, (e: any) => void][] = [
      ['unknown type', (e) => (e.type = 'order.teleported')],
      ['bad specversion', (e) => (e.specversion = '0.3')],
      ['empty id', (e) => (e.id = '')],
      ['missing source', (e) => delete e.source],
      ['bad time', (e) => (e.time = '2025-01-01 10:00')],
      ['hour 25', (e) => (e.time = '2025-01-01T25:00:00Z')],
      ['year 1999', (e) => (e.time = '1999-12-31T10:00:00Z')],
      ['subject null', (e) => (e.subject = null)],
      ['data array', (e) => (e.data = [])],
      ['datacontenttype xml', (e) => (e.datacontenttype = 'application/xml')],
      ['extension attribute', (e) => (e.traceparent = '00-abc')],
    ];
    const dataMutations: [string, (d: any) => boolean][] = [
      ['drop first required field', (d) => {
        const req = Object.keys(d).find((k) => !['session_id', 'device', 'traffic_source', 'user_id'].includes(k));
        if (!req) return false;
        delete d[req];
        return true;
      }],
      ['money with 3 decimals', (d) => {
        for (const v of Object.values(d) as any[]) {
          if (v && typeof v === 'object' && 'amount' in v && 'currency' in v) {
            v.amount = '12.345';
            v.currency = 'USD';
            return true;
          }
        }
        return false;
      }],
      ['VND with decimals', (d) => {
        for (const v of Object.values(d) as any[]) {
          if (v && typeof v === 'object' && 'amount' in v && 'currency' in v) {
            v.amount = '1000.5';
            v.currency = 'VND';
            return true;
          }
        }
        return false;
      }],
      ['trailing zeros are fine', (d) => {
        for (const v of Object.values(d) as any[]) {
          if (v && typeof v === 'object' && v.currency === 'VND') {
            v.amount = v.amount + '.000';
            return true;
          }
        }
        return false;
      }],
      ['unknown currency', (d) => {
        for (const v of Object.values(d) as any[]) {
          if (v && typeof v === 'object' && 'currency' in v) {
            v.currency = 'XXX';
            return true;
          }
        }
        return false;
      }],
      ['float amount', (d) => {
        for (const v of Object.values(d) as any[]) {
          if (v && typeof v === 'object' && 'currency' in v) {
            v.amount = 12.5;
            return true;
          }
        }
        return false;
      }],
      ['optional null', (d) => {
        if (!('device' in d)) return false;
        d.device = null;
        return true;
      }],
      ['empty string', (d) => {
        const k = Object.keys(d).find((x) => typeof d[x] === 'string');
        if (!k) return false;
        d[k] = '';
        return true;
      }],
      ['zero quantity', (d) => {
        if (typeof d.quantity !== 'number') return false;
        d.quantity = 0;
        return true;
      }],
      ['negative result_count', (d) => {
        if (typeof d.result_count !== 'number') return false;
        d.result_count = -1;
        return true;
      }],
      ['bps too large', (d) => {
        if (typeof d.commission_rate_bps !== 'number') return false;
        d.commission_rate_bps = 10001;
        return true;
      }],
      ['bad week', (d) => {
        if (typeof d.week !== 'string') return false;
        d.week = '2025-W54';
        return true;
      }],
      ['empty lines', (d) => {
        if (!Array.isArray(d.lines)) return false;
        d.lines = [];
        return true;
      }],
      ['bad tax rate', (d) => {
        if (!Array.isArray(d.tax_lines) || d.tax_lines.length === 0) return false;
        d.tax_lines[0].tax_rate = '10%';
        return true;
      }],
    ];
    let compared = 0;
    for (const e of sample) {
      expect(anyEvent!(e), JSON.stringify(anyEvent!.errors)).toBe(true);
      for (const [name, f] of mutations) {
        const x = clone(e);
        f(x);
        expect(anyEvent!(x), `${name} on ${e.type}`).toBe(validateEvent(x).ok);
        compared++;
      }
      for (const [name, f] of dataMutations) {
        const x = clone(e);
        if (!f(x.data)) continue;
        expect(anyEvent!(x), `${name} on ${e.type}: ${JSON.stringify(validateEvent(x))}`).toBe(validateEvent(x).ok);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('docs/platform-api.md documents every event type, endpoint and schema file', () => {
    const doc = readFileSync(new URL('../../../docs/platform-api.md', import.meta.url), 'utf8');
    for (const t of EVENT_TYPE_NAMES) expect(doc, t).toContain(`### \`${t}\``);
    for (const route of ['GET /v1/health', 'GET /v1/events', 'GET /v1/settlements', 'GET /v1/ledger/captures', 'GET /v1/payouts/statements', 'GET /v1/experiments',
      'PUT /v1/experiments/{id}/flag', 'POST /v1/segments', 'GET /v1/segments', 'POST /v1/transfers', 'GET /v1/demo/injections', 'POST /v1/demo/live',
      'POST /v1/demo/gmv-drop', 'POST /v1/demo/malformed']) expect(doc, route).toContain(route);
    for (const f of Object.keys(buildSchemas())) if (!/^[a-z_]+\.[a-z_]+\.json$/.test(f)) expect(doc, f).toContain(f);
    for (const flag of ['--port', '--seed', '--days', '--users', '--host', '--token', '--end-date', '--live', '--live-orders-per-minute', '--record']) expect(doc).toContain(flag);
  });

  it('injected malformed events fail both, at the recorded field', () => {
    for (let n = 0; n < 8; n++) {
      const { event, injection } = malformedEvent(n, `bad-${n}`, Date.UTC(2025, 5, 30, 3));
      const v = validateEvent(event);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error.field).toBe(injection.field);
      expect(anyEvent!(event)).toBe(false);
    }
  });
});
