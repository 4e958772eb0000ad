/**
 * Money: integer minor units plus an ISO 4217 currency code.
 *
 * - Decimal strings are parsed without floating point.
 * - Amounts are JS numbers that must stay safe integers (|x| <= 2^53-1); every
 *   operation checks this and throws rather than silently losing precision.
 * - Amounts in different currencies are never added: use {@link MoneyBag}.
 * - Rounding happens once, at a stated point, with half-even ("banker's") rounding.
 */

/** ISO 4217 minor-unit exponents for the currencies Marketlens knows. */
export const CURRENCY_EXPONENT: Readonly<Record<string, number>> = Object.freeze({
  VND: 0, USD: 2, EUR: 2, GBP: 2, JPY: 0, KRW: 0, CNY: 2, SGD: 2, THB: 2, IDR: 2, MYR: 2, PHP: 2,
  AUD: 2, CAD: 2, CHF: 2, HKD: 2, TWD: 2, INR: 2, BRL: 2, KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3,
  CLP: 0, ISK: 0, UGX: 0,
});

export class MoneyError extends Error {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'MoneyError';
    this.field = field;
  }
}

export function isKnownCurrency(code: unknown): code is string {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENT, code);
}

export function exponentOf(currency: string): number {
  const e = CURRENCY_EXPONENT[currency];
  if (e === undefined) throw new MoneyError(`unknown currency "${currency}"`);
  return e;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Parse a decimal string in major units ("125000", "12.50", "-0.125") into integer minor units.
 * Throws MoneyError when the string is not a plain decimal, or has more fractional digits than
 * the currency allows (trailing zeros beyond the exponent are accepted: "12.500" USD = 1250).
 *
 * @example parseMinor("12.5", "USD") === 1250; parseMinor("125000", "VND") === 125000
 */
export function parseMinor(text: string, currency: string): number {
  const exp = exponentOf(currency);
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new MoneyError(`"${text}" is not a decimal amount`);
  const sign = m[1] === '-' ? -1 : 1;
  let frac = m[3] ?? '';
  if (frac.length > exp) {
    const extra = frac.slice(exp);
    if (!/^0*$/.test(extra)) {
      throw new MoneyError(`"${text}" has more than ${exp} decimal place(s), the minor unit of ${currency}`);
    }
    frac = frac.slice(0, exp);
  }
  frac = frac.padEnd(exp, '0');
  const digits = (m[2] + frac).replace(/^0+(?=\d)/, '');
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new MoneyError(`"${text}" is too large`);
  return value === 0 ? 0 : sign * value;
}

/** Format integer minor units as an exact decimal string in major units ("1250" USD -> "12.50"). */
export function formatMinor(minor: number, currency: string): string {
  assertSafe(minor);
  const exp = exponentOf(currency);
  const neg = minor < 0;
  const abs = String(Math.abs(minor));
  if (exp === 0) return (neg ? '-' : '') + abs;
  const padded = abs.padStart(exp + 1, '0');
  return (neg ? '-' : '') + padded.slice(0, -exp) + '.' + padded.slice(-exp);
}

/** Human display with thousands separators and the currency code, e.g. "₫1,250,000" / "$12.50". */
export function displayMoney(minor: number, currency: string): string {
  const s = formatMinor(minor, currency);
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = CURRENCY_SYMBOL[currency] ?? currency + ' ';
  return (neg ? '-' : '') + symbol + grouped + (frac !== undefined ? '.' + frac : '');
}

const CURRENCY_SYMBOL: Record<string, string> = { VND: '₫', USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

export function assertSafe(n: number): void {
  if (!Number.isSafeInteger(n)) throw new MoneyError(`amount ${n} is not a safe integer of minor units`);
}

export function addMinor(a: number, b: number): number {
  const s = a + b;
  assertSafe(s);
  return s;
}

/**
 * Split `total` minor units into parts proportional to `weights` with the largest-remainder
 * method, so that the parts always sum exactly to `total`. Ties in the remainder go to the
 * earlier index. Weights are non-negative integers (e.g. basis points or minor units).
 *
 * @example splitLargestRemainder(100, [1, 1, 1]) -> [34, 33, 33]
 */
export function splitLargestRemainder(total: number, weights: readonly number[]): number[] {
  assertSafe(total);
  if (weights.length === 0) throw new MoneyError('cannot split across zero parts');
  let wsum = 0n;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new MoneyError(`weight ${w} must be a non-negative integer`);
    wsum += BigInt(w);
  }
  if (wsum === 0n) throw new MoneyError('weights sum to zero');
  const sign = total < 0 ? -1n : 1n;
  const t = BigInt(Math.abs(total));
  const parts: bigint[] = [];
  const rems: { i: number; r: bigint }[] = [];
  let assigned = 0n;
  weights.forEach((w, i) => {
    const num = t * BigInt(w);
    const q = num / wsum;
    parts.push(q);
    assigned += q;
    rems.push({ i, r: num % wsum });
  });
  let left = t - assigned;
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) parts[rems[k]!.i]! += 1n;
  return parts.map((p) => Number(p * sign));
}

/** Divide a/b (integers, b != 0) rounding half to even. */
export function divRoundHalfEven(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new MoneyError('division by zero');
  if (b < 0n) { a = -a; b = -b; }
  const q = a / b;
  const r = a % b;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice < b) return q;
  const away = a < 0n ? q - 1n : q + 1n;
  if (twice > b) return away;
  return q % 2n === 0n ? q : away;
}

/**
 * Convert minor units of `from` into minor units of `to` at `rate` (a decimal string: units of
 * `to` per one unit of `from`, both in major units). Rounded once, half-even, at the end.
 *
 * @example convertMinor(1250, "USD", "VND", "26000") === 325000
 */
export function convertMinor(minor: number, from: string, to: string, rate: string): number {
  if (from === to) return minor;
  const m = DECIMAL_RE.exec(rate);
  if (!m || m[1] === '-') throw new MoneyError(`rate "${rate}" is not a positive decimal`);
  const rateFrac = m[3] ?? '';
  const rateInt = BigInt(m[2]! + rateFrac);
  const rateScale = 10n ** BigInt(rateFrac.length);
  const expDiff = exponentOf(to) - exponentOf(from);
  let num = BigInt(minor) * rateInt;
  let den = rateScale;
  if (expDiff >= 0) num *= 10n ** BigInt(expDiff);
  else den *= 10n ** BigInt(-expDiff);
  const out = Number(divRoundHalfEven(num, den));
  assertSafe(out);
  return out;
}

/** A per-currency accumulator: sums never cross currencies. */
export class MoneyBag {
  private readonly sums = new Map<string, number>();
  add(minor: number, currency: string): this {
    this.sums.set(currency, addMinor(this.sums.get(currency) ?? 0, minor));
    return this;
  }
  get(currency: string): number {
    return this.sums.get(currency) ?? 0;
  }
  currencies(): string[] {
    return [...this.sums.keys()].sort();
  }
  entries(): { currency: string; minor: number }[] {
    return this.currencies().map((currency) => ({ currency, minor: this.get(currency) }));
  }
  /** Total in `target` using `rates` (target units per 1 unit of each other currency). */
  convertedTotal(target: string, rates: Readonly<Record<string, string>>): { minor: number; missing: string[] } {
    let total = 0;
    const missing: string[] = [];
    for (const [cur, minor] of this.sums) {
      if (cur === target) total = addMinor(total, minor);
      else if (rates[cur]) total = addMinor(total, convertMinor(minor, cur, target, rates[cur]!));
      else missing.push(cur);
    }
    return { minor: total, missing };
  }
}
