import { describe, expect, it } from 'vitest';
import { SettlementTable, StrColumn } from '../../../src/analytics/reconcile/index.ts';
import { generate } from './helpers.ts';

describe('columnar tables', () => {
  it('StrColumn gives every value back, across blocks, before and after packing', () => {
    const c = new StrColumn();
    const values: (string | null)[] = [];
    for (let i = 0; i < 10_000; i++) values.push(i % 7 === 0 ? null : i % 5 === 0 ? '' : `PAY-${i}-ľ`);
    values.forEach((v, i) => {
      c.push(v);
      if (i === 4100) expect(c.get(4099)).toBe(values[4099]);
    });
    expect(values.map((_, i) => c.get(i))).toEqual(values);
    const back = StrColumn.unpack(structuredClone(c.pack()));
    expect(values.map((_, i) => back.get(i))).toEqual(values);
    back.push('after');
    expect(back.get(10_000)).toBe('after');
    expect(back.get(9_999)).toBe(values[9_999]);
  });
  it('a settlement table packs (typed arrays transferred) and unpacks to the same records', () => {
    const g = generate(3, 2000);
    const t = SettlementTable.from(g.settlements);
    const packed = t.pack();
    const back = SettlementTable.unpack(structuredClone(packed, { transfer: SettlementTable.transferList(packed) }));
    expect(Array.from({ length: back.n }, (_, i) => back.get(i))).toEqual(g.settlements);
  });
});
