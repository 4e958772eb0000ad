import { describe, expect, it } from 'vitest';
import { EventColumns, rowsOfType } from '../../../src/analytics/columns.ts';

describe('rowsOfType', () => {
  it('lists the rows of each type in row order and follows appended rows', () => {
    const cols = new EventColumns(4);
    const types = ['a', 'b', 'a', 'c', 'a'];
    types.forEach((type, i) => cols.appendRow(i + 1, { time: i, type }));
    const a = cols.dicts.type.lookup('a');
    const b = cols.dicts.type.lookup('b');
    expect([...rowsOfType(cols, a)]).toEqual([0, 2, 4]);
    expect([...rowsOfType(cols, b)]).toEqual([1]);
    expect([...rowsOfType(cols, cols.dicts.type.lookup('missing'))]).toEqual([]);
    // more rows than the first list's capacity, appended after the index was built
    for (let i = 0; i < 3000; i++) cols.appendRow(100 + i, { time: 10 + i, type: i % 2 === 0 ? 'b' : 'd' });
    const bRows = rowsOfType(cols, b);
    expect(bRows.length).toBe(1 + 1500);
    expect(bRows[0]).toBe(1);
    expect(bRows[1]).toBe(5);
    expect([...bRows].every((r, k) => k === 0 || r > bRows[k - 1]!)).toBe(true);
    expect([...rowsOfType(cols, a)]).toEqual([0, 2, 4]);
    expect(rowsOfType(cols, cols.dicts.type.lookup('d')).length).toBe(1500);
  });
});
