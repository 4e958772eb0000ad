/**
 * Generated inputs of the reconciliation benchmark: a ledger of `rows` captures (the platform's
 * ledger CSV columns) and a gateway settlement report (the platform's settlement CSV), in different
 * orders, with `rate` of the payments discrepant: amount mismatches, captures missing from the
 * settlement (internal only), extra settlement rows (gateway only), duplicated rows and currency
 * mismatches. Deterministic for (rows, rate, seed). Writes `<base>.ledger.csv`, `<base>.settlement.csv`
 * and `<base>.expected.json` (counts by status).
 */
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GW_VND = ['vnpay', 'momo', 'adyen'];
const GW_USD = ['stripe', 'paypal'];

function fmt(minor: number, usd: boolean): string {
  if (!usd) return String(minor);
  const neg = minor < 0;
  const a = String(Math.abs(minor)).padStart(3, '0');
  return `${neg ? '-' : ''}${a.slice(0, -2)}.${a.slice(-2)}`;
}

export function writeReconInputs(base: string, rows: number, rate: number, seed: number, date = '2025-06-30'): void {
  const r = rng(seed);
  const day = date.replace(/-/g, '');
  const start = Date.parse(`${date}T00:00:00+07:00`);
  const expected: Record<string, number> = { matched: 0, amount_mismatch: 0, internal_only: 0, gateway_only: 0, duplicate: 0, currency_mismatch: 0 };
  const ledger = openSync(base + '.ledger.csv.tmp', 'w');
  const settle = openSync(base + '.settlement.csv.tmp', 'w');
  writeSync(ledger, 'payment_id,order_id,gateway,gateway_txn_id,amount,currency,captured_at\n');
  writeSync(settle, 'gateway,gateway_txn_id,payment_id,order_id,record_type,amount,currency,fee,net,settled_at\r\n');
  // settlement rows are written in a scrambled order (by a stride coprime with rows)
  const stride = 1_000_003 % rows === 0 ? 999_983 : 1_000_003;
  const srows: string[] = new Array(rows);
  let lbuf: string[] = [];
  for (let i = 0; i < rows; i++) {
    const usd = r() < 0.1;
    const gw = usd ? GW_USD[i % 2]! : GW_VND[i % 3]!;
    const cur = usd ? 'USD' : 'VND';
    const amount = usd ? 500 + Math.floor(r() * 49_500) : 1000 * (50 + Math.floor(r() * 4950));
    const pid = `PAY-${day}-${String(i).padStart(7, '0')}-1`;
    const oid = `ORD-${day}-${String(i).padStart(7, '0')}`;
    const txn = `${gw.slice(0, 2).toUpperCase()}${String(10_000_000_000_000 + i)}`;
    const at = new Date(start + Math.floor((i / rows) * 86_000_000)).toISOString();
    lbuf.push(`${pid},${oid},${gw},${txn},${fmt(amount, usd)},${cur},${at}`);
    if (lbuf.length >= 10_000) {
      writeSync(ledger, lbuf.join('\n') + '\n');
      lbuf = [];
    }
    const fee = Math.round(amount * 0.02);
    const row = (amt: number, c: string, u: boolean) => `${gw},${txn},${pid},${oid},settlement,${fmt(amt, u)},${c},${fmt(fee, u)},${fmt(amt - fee, u)},${at}`;
    const x = r();
    const k = rate / 0.005; // the mix below adds up to 0.5 % at rate 0.005
    if (x < 0.002 * k) {
      const delta = (usd ? 1 : 1000) * (1 + Math.floor(r() * 50)) * (r() < 0.5 ? -1 : 1);
      srows[i] = row(amount + delta, cur, usd);
      expected.amount_mismatch!++;
    } else if (x < 0.003 * k) {
      srows[i] = '';
      expected.internal_only!++;
    } else if (x < 0.0035 * k) {
      srows[i] = row(amount, cur, usd) + '\r\n' + row(amount, cur, usd);
      expected.matched!++;
      expected.duplicate!++;
    } else if (x < 0.004 * k) {
      srows[i] = usd ? row(amount * 250, 'VND', false) : row(Math.max(1, Math.round(amount / 250)), 'USD', true);
      expected.currency_mismatch!++;
    } else {
      srows[i] = row(amount, cur, usd);
      expected.matched!++;
    }
  }
  if (lbuf.length) writeSync(ledger, lbuf.join('\n') + '\n');
  const extra = Math.round(rows * 0.001 * (rate / 0.005));
  let sbuf: string[] = [];
  for (let n = 0, j = 0; n < rows; n++, j = (j + stride) % rows) {
    if (srows[j]) sbuf.push(srows[j]!);
    if (n % Math.max(1, Math.floor(rows / (extra + 1))) === 0 && expected.gateway_only! < extra) {
      const g = GW_VND[n % 3]!;
      sbuf.push(`${g},GW${String(n).padStart(12, '0')},,,settlement,${1000 * (1 + (n % 900))},VND,0,${1000 * (1 + (n % 900))},${new Date(start + 3_600_000).toISOString()}`);
      expected.gateway_only!++;
    }
    if (sbuf.length >= 10_000) {
      writeSync(settle, sbuf.join('\r\n') + '\r\n');
      sbuf = [];
    }
  }
  if (sbuf.length) writeSync(settle, sbuf.join('\r\n') + '\r\n');
  closeSync(ledger);
  closeSync(settle);
  renameSync(base + '.ledger.csv.tmp', base + '.ledger.csv');
  renameSync(base + '.settlement.csv.tmp', base + '.settlement.csv');
  writeFileSync(base + '.expected.json', JSON.stringify({ rows, rate, seed, date, expected }, null, 2));
}
