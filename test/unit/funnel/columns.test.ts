/** The columnar store: dictionary codes, widening columns, the session -> user table, snapshot round trip. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventColumns, SessionUsers, CODE_COLUMNS } from '../../../src/analytics/columns.ts';
import { readSnapshot, writeSnapshot, SnapshotError } from '../../../src/main/node/cache/snapshot.ts';
import { canonicalJson, checkSteps } from '../../../src/analytics/funnel/definition.ts';

describe('EventColumns', () => {
  it('encodes strings as dictionary codes (0 = null) and widens a column when its dictionary outgrows it', () => {
    const c = new EventColumns(2);
    for (let i = 0; i < 70_000; i++) c.appendRow(i + 1, { time: i, type: 't' + (i % 3), category: 'c' + i, session: i % 2 ? null : 's' + i, amount: i % 5 ? i : null });
    expect(c.codes.type).toBeInstanceOf(Uint8Array);
    expect(c.codes.category).toBeInstanceOf(Uint32Array); // > 65,535 values: u8 -> u16 -> u32
    expect(c.row(69_999)).toMatchObject({ time: 69_999, type: 't0', category: 'c69999', session: null, amount: 69_999 });
    expect(c.row(0)).toMatchObject({ session: 's0', amount: null, device: null });
    expect(c.dicts.category.lookup('c12345')).toBe(12_346);
    expect(c.dicts.category.lookup('nope')).toBe(-1);
    expect(() => c.appendRow(5, { time: 0, type: 'x' })).toThrow(/seq order/);
  });

  it('stitches each session to the user of its earliest event that has one, incrementally', () => {
    const c = new EventColumns();
    c.appendRow(1, { time: 10, type: 'a', session: 's1' });
    c.appendRow(2, { time: 20, type: 'a', session: 's1', user: 'u2' });
    const su = new SessionUsers();
    expect(su.update(c)[1]).toBe(c.dicts.user.lookup('u2'));
    c.appendRow(3, { time: 15, type: 'a', session: 's1', user: 'u1' }); // arrived late, happened earlier
    c.appendRow(4, { time: 5, type: 'a', session: 's2' });
    const t = su.update(c);
    expect(t[1]).toBe(c.dicts.user.lookup('u1'));
    expect(t[2]).toBe(0);
  });
});

describe('snapshot file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-snap-'));
  it('round-trips columns of every width, dictionaries with any text, and rejects damage', () => {
    const c = new EventColumns();
    for (let i = 0; i < 1000; i++) {
      c.appendRow(i * 2 + 1, { time: 1_700_000_000_000 + i, type: i % 2 ? 'page.landing_viewed' : 'order.placed', session: 'S' + (i % 37), user: i % 3 ? null : 'Nguyễn ' + i, category: 'cat\u001f' + (i % 300), amount: i * 1000, currency: 'VND', code: i === 7 ? '=cmd' : null });
    }
    const file = path.join(dir, 'events.v2.bin');
    const size = writeSnapshot(file, c, [{ seq: 1, idHash: 42 }]);
    expect(fs.statSync(file).size).toBe(size);
    const s = readSnapshot(file);
    expect(s.samples).toEqual([{ seq: 1, idHash: 42 }]);
    expect(s.cols.length).toBe(1000);
    expect(s.cols.lastSeq).toBe(1999);
    expect(s.cols.maxTime).toBe(1_700_000_000_999);
    for (const k of CODE_COLUMNS) {
      expect(s.cols.codes[k].constructor).toBe(c.codes[k].constructor);
      expect(s.cols.dicts[k].values).toEqual(c.dicts[k].values);
    }
    for (const i of [0, 7, 500, 999]) expect(s.cols.row(i)).toEqual(c.row(i));
    s.cols.appendRow(5000, { time: 1, type: 'x' }); // a loaded snapshot keeps growing
    expect(s.cols.row(1000)).toMatchObject({ type: 'x' });
    const bytes = fs.readFileSync(file);
    for (const at of [3, 40, bytes.length >> 1, bytes.length - 6]) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 1;
      fs.writeFileSync(file, bad);
      expect(() => readSnapshot(file)).toThrow(SnapshotError);
    }
  });
});

describe('definitions', () => {
  it('checks steps: count, known event types, filters', () => {
    const known = (t: string) => t.startsWith('ok.');
    expect(checkSteps([{ eventType: 'ok.a' }, { eventType: 'ok.b', filters: [{ property: 'device', op: 'in', values: ['ios', 'android'] }] }], known)).toEqual([]);
    expect(checkSteps([{ eventType: 'ok.a' }], known)[0]).toMatch(/2 to 10 steps/);
    expect(checkSteps([{ eventType: 'ok.a', windowMs: 5 }, { eventType: 'bad' }], known)).toEqual([
      'steps[0].windowMs: the first step has no window', 'steps[1].eventType: unknown event type "bad"',
    ]);
    expect(checkSteps([{ eventType: 'ok.a' }, { eventType: 'ok.b', filters: [{ property: 'device', op: 'eq', values: ['a', 'b'] }] }], known)[0]).toMatch(/exactly one value/);
  });
  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }], u: undefined })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
  });
});
