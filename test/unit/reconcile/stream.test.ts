import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLedgerFile, readSettlementFile, streamCsvRows } from '../../../src/main/node/reconcile/stream.ts';
import { csvRows, decodeText } from '../../../src/main/node/reconcile/read-file.ts';
import { parseLedgerRows, parseSettlementRows } from '../../../src/analytics/reconcile/index.ts';

const FIX = new URL('../../fixtures/settlements/', import.meta.url);

describe('streamed files', () => {
  it('reads rows in batches exactly as the whole-file reader, whatever the chunk size (BOM, CRLF, UTF-8 split across chunks)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-stream-'));
    const ascii = 'a,b\r\n' + Array.from({ length: 50 }, (_, i) => `x${i},"q,${i}"`).join('\r\n') + '\r\n';
    const text = ascii + 'Thanh toán,"Hà\nNội"\r\nđơn,ồ\r\n';
    const file = join(dir, 'f.csv');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const want = csvRows(decodeText(readFileSync(file), 'f')).slice(1).map((r) => [r.cells, r.row]);
    for (const chunk of [3, 7, 64, 1 << 16]) {
      const got: [string[], number][] = [];
      streamCsvRows(file, (h, rows) => {
        expect(h.cells).toEqual(['a', 'b']);
        for (const r of rows) got.push([r.cells, r.row]);
      }, 9, chunk);
      expect(got, `chunk ${chunk}`).toEqual(want);
    }
  });

  it('a settlement file and a ledger file in batches give the records of the whole-file adapters', () => {
    const path = new URL('platform_2025-06-30.csv', FIX).pathname;
    const ctx = { source: 's', date: '2025-06-30' };
    const s = readSettlementFile(path, ctx);
    const whole = parseSettlementRows(csvRows(decodeText(readFileSync(path), 'p')), ctx);
    expect(Array.from({ length: s.table.n }, (_, i) => s.table.get(i))).toEqual(whole.records);
    expect(s.errors).toEqual(whole.errors);
    const dir = mkdtempSync(join(tmpdir(), 'ml-stream-'));
    const lf = join(dir, 'ledger.csv');
    writeFileSync(lf, 'payment_id,order_id,gateway,gateway_txn_id,amount,currency,captured_at\nPAY-1,ORD-1,VNPay,T1,125000,VND,2025-06-29T17:30:00.000Z\nPAY-2,,stripe,T2,12.50,usd,2025-06-30T10:00:00Z\nPAY-3,,stripe,T3,12.345,USD,\n');
    const l = readLedgerFile(lf, { source: 'l', date: '2025-06-30', timezone: 'Asia/Ho_Chi_Minh' });
    const wl = parseLedgerRows(csvRows(readFileSync(lf, 'utf8')), { source: 'l', date: '2025-06-30', timezone: 'Asia/Ho_Chi_Minh' });
    expect(Array.from({ length: l.table.n }, (_, i) => l.table.get(i))).toEqual(wl.entries);
    expect(wl.entries.map((e) => [e.gateway, e.amount, e.currency, e.date])).toEqual([['vnpay', 125000, 'VND', '2025-06-30'], ['stripe', 1250, 'USD', '2025-06-30']]);
    expect(l.errors.map((e) => [e.row, e.field])).toEqual([[4, 'amount']]);
  });
});
