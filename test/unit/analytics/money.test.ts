import { describe, expect, it } from 'vitest';
import { parseMinor, formatMinor, displayMoney, splitLargestRemainder, convertMinor, divRoundHalfEven, MoneyBag, MoneyError } from '../../../src/analytics/money.ts';

describe('parseMinor', () => {
  it('parses by currency exponent without floats', () => {
    expect(parseMinor('125000', 'VND')).toBe(125000);
    expect(parseMinor('12.5', 'USD')).toBe(1250);
    expect(parseMinor('12.50', 'USD')).toBe(1250);
    expect(parseMinor('0.01', 'USD')).toBe(1);
    expect(parseMinor('1.234', 'KWD')).toBe(1234);
    expect(parseMinor('-3.10', 'USD')).toBe(-310);
    expect(parseMinor('0.1', 'USD') + parseMinor('0.2', 'USD')).toBe(30); // 0.1 + 0.2 === 0.3 here
    expect(parseMinor('12.500', 'USD')).toBe(1250);
    expect(parseMinor('-0', 'USD')).toBe(0);
  });
  it('rejects sub-minor-unit amounts, junk and unknown currencies', () => {
    expect(() => parseMinor('12.345', 'USD')).toThrow(/more than 2 decimal/);
    expect(() => parseMinor('1.5', 'VND')).toThrow(/more than 0 decimal/);
    expect(() => parseMinor('1e3', 'USD')).toThrow(MoneyError);
    expect(() => parseMinor('1,000', 'VND')).toThrow(MoneyError);
    expect(() => parseMinor(' 1', 'VND')).toThrow(MoneyError);
    expect(() => parseMinor('1', 'XXX')).toThrow(/unknown currency/);
    expect(() => parseMinor('99999999999999999', 'VND')).toThrow(/too large/);
  });
});

describe('formatMinor / displayMoney', () => {
  it('round-trips exactly', () => {
    for (const [m, c, s] of [[1250, 'USD', '12.50'], [5, 'USD', '0.05'], [-5, 'USD', '-0.05'], [1234, 'KWD', '1.234'], [125000, 'VND', '125000'], [0, 'USD', '0.00']] as const) {
      expect(formatMinor(m, c)).toBe(s);
      expect(parseMinor(s, c)).toBe(m);
    }
  });
  it('groups thousands', () => {
    expect(displayMoney(1250000, 'VND')).toBe('₫1,250,000');
    expect(displayMoney(123456789, 'USD')).toBe('$1,234,567.89');
    expect(displayMoney(-1000, 'KWD')).toBe('-KWD 1.000');
  });
});

describe('splitLargestRemainder', () => {
  it('parts always sum to the total', () => {
    expect(splitLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitLargestRemainder(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(splitLargestRemainder(10, [0, 5, 5])).toEqual([0, 5, 5]);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const total = Math.floor(rnd() * 1e12) - 5e11;
      const w = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 10000));
      if (!w.some((x) => x > 0)) w[0] = 1;
      const parts = splitLargestRemainder(total, w);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
    }
  });
  it('rejects empty and zero weights', () => {
    expect(() => splitLargestRemainder(10, [])).toThrow();
    expect(() => splitLargestRemainder(10, [0, 0])).toThrow();
  });
});

describe('rounding and conversion', () => {
  it('rounds half to even once', () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(7n, 2n)).toBe(4n);
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(divRoundHalfEven(-7n, 2n)).toBe(-4n);
    expect(divRoundHalfEven(10n, 3n)).toBe(3n);
  });
  it('converts between exponents at a decimal rate', () => {
    expect(convertMinor(1250, 'USD', 'VND', '26000')).toBe(325000);
    expect(convertMinor(1, 'USD', 'VND', '25999.5')).toBe(260); // 259.995 -> 260
    expect(convertMinor(100000, 'VND', 'USD', '0.0000385')).toBe(385);
    expect(convertMinor(1000, 'KWD', 'USD', '3.25')).toBe(325);
  });
  it('MoneyBag never adds across currencies', () => {
    const b = new MoneyBag().add(100, 'USD').add(5000, 'VND').add(50, 'USD');
    expect(b.entries()).toEqual([{ currency: 'USD', minor: 150 }, { currency: 'VND', minor: 5000 }]);
    expect(b.convertedTotal('VND', { USD: '26000' })).toEqual({ minor: 5000 + 39000, missing: [] });
    expect(b.convertedTotal('VND', {})).toEqual({ minor: 5000, missing: ['USD'] });
  });
});
