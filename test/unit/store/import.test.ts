import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { importFile, importText, detectFormat, createCsvParser, createJsonEventSplitter, type CsvRecord } from '../../../src/main/node/import/index.ts';
import { freshDb, makeEvents, count, dumpProjections } from './helpers.ts';

const opened: { close(): void }[] = [];
afterEach(() => {
  while (opened.length) opened.pop()!.close();
});
function db() {
  const o = freshDb();
  opened.push(o);
  return o;
}

const BOM = '\uFEFF';
const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

describe('NDJSON import', () => {
  it('imports with BOM and CRLF, quarantines bad rows with file/row/field, and replays idempotently', async () => {
    const o = db();
    const evs = makeEvents(300, 11);
    const lines = evs.map((e) => JSON.stringify(e));
    lines.splice(4, 0, '{"specversion":"1.0","id":"bad-1","type":"payment.captured","source":"/services/payment","time":"2026-13-01T00:00:00Z","data":{}}');
    lines.splice(9, 0, 'this is not json');
    lines.splice(12, 0, '');
    const file = path.join(o.dir, 'events.ndjson');
    fs.writeFileSync(file, BOM + lines.join('\r\n') + '\r\n');
    const r = await importFile(o.db, file, { workers: 1, chunkBytes: 4096 });
    expect(r).toMatchObject({ file: 'events.ndjson', format: 'ndjson', rows: 302, inserted: 300, duplicates: 0, quarantined: 2 });
    expect(r.errors).toEqual([
      { row: 5, field: 'time', reason: expect.stringContaining('RFC 3339') },
      { row: 10, field: '', reason: expect.stringContaining('not valid JSON') },
    ]);
    const q = o.db.prepare('SELECT origin, location, raw FROM quarantine ORDER BY id').all();
    expect(q).toEqual([
      { origin: 'file:events.ndjson', location: 'row 5', raw: lines[4] },
      { origin: 'file:events.ndjson', location: 'row 10', raw: 'this is not json' },
    ]);
    expect(o.db.prepare('SELECT id FROM events ORDER BY seq').pluck().all()).toEqual(evs.map((e) => e.id));
    const proj = dumpProjections(o.db);
    const again = await importFile(o.db, file, { workers: 0 });
    expect(again).toMatchObject({ inserted: 0, duplicates: 300, quarantined: 2 });
    expect(count(o.db, 'events')).toBe(300);
    expect(count(o.db, 'quarantine')).toBe(2);
    expect(dumpProjections(o.db)).toEqual(proj);
  });

  it('handles a last line without newline and tiny read chunks (lines spanning chunks)', async () => {
    const o = db();
    const evs = makeEvents(50, 12);
    const file = path.join(o.dir, 'x.jsonl');
    fs.writeFileSync(file, evs.map((e) => JSON.stringify(e)).join('\n'));
    const r = await importFile(o.db, file, { workers: 0, chunkBytes: 333, txRows: 7 });
    expect(o.db.inTransaction).toBe(false);
    expect(r).toMatchObject({ rows: 50, inserted: 50 });
  });

  it('stores text exactly whatever the encoding of the line: ASCII, UTF-8, ASCII with \\u escapes', async () => {
    const evs = makeEvents(30, 14);
    const names = ['plain', 'café', '中文 ✓', '😀 emoji', 'tab\there "quoted" back\\slash'];
    evs.forEach((e, i) => {
      (e as { subject?: string }).subject = names[i % names.length];
    });
    const escaped = (s: string): string => s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const lines = evs.map((e, i) => (i % 3 === 0 ? escaped(JSON.stringify(e)) : JSON.stringify(e)));
    for (const workers of [1, 0]) {
      const o = db();
      const file = path.join(o.dir, 'mixed.ndjson');
      fs.writeFileSync(file, lines.join('\n') + '\n');
      expect(await importFile(o.db, file, { workers, chunkBytes: 2048 })).toMatchObject({ inserted: 30, quarantined: 0 });
      const rows = o.db.prepare('SELECT id, subject, session_id, data FROM events ORDER BY seq').all() as { id: string; subject: string; session_id: string | null; data: string }[];
      expect(rows.map((r) => [r.id, r.subject, r.session_id, JSON.parse(r.data)])).toEqual(
        evs.map((e) => [e.id, e.subject, (e.data as { session_id?: string }).session_id ?? null, e.data]),
      );
    }
  });

  it('numbers rows across read chunks, blank lines included, whichever path parses them', async () => {
    const evs = makeEvents(120, 15);
    const lines = evs.map((e) => JSON.stringify(e));
    lines.splice(3, 0, 'bad 4');
    lines.splice(40, 0, '');
    lines.splice(77, 0, 'bad 78');
    lines.splice(118, 0, 'bad 119');
    const expected = [4, 78, 119];
    const tiny = (id: string, attempt: number): number => (id.length * 7919 + id.charCodeAt(10) * 31 + attempt) % 100003;
    for (const opts of [{ workers: 1 }, { workers: 0 }, { workers: 0, hash: tiny }]) {
      const o = db();
      const file = path.join(o.dir, 'rows.ndjson');
      fs.writeFileSync(file, BOM + lines.join('\n'));
      const r = await importFile(o.db, file, { ...opts, chunkBytes: 1500, txRows: 50 });
      expect(r).toMatchObject({ inserted: 120, quarantined: 3 });
      expect(r.errors.map((e) => e.row)).toEqual(expected);
      expect(o.db.prepare('SELECT location FROM quarantine ORDER BY id').pluck().all()).toEqual(expected.map((n) => `row ${n}`));
    }
  });

  it('importText does the same for uploads', async () => {
    const o = db();
    const evs = makeEvents(40, 13);
    const text = evs.map((e) => JSON.stringify(e)).join('\n') + '\n{"id":1}\n';
    const r = await importText(o.db, 'upload.ndjson', text, { batchRows: 7 });
    expect(r).toMatchObject({ format: 'ndjson', rows: 41, inserted: 40, quarantined: 1, errors: [{ row: 41, field: 'specversion' }] });
    expect((await importText(o.db, 'upload.ndjson', text)).inserted).toBe(0);
  });
});

describe('JSON import', () => {
  it('imports an array and an {"events": [...]} object, streaming across chunk boundaries', async () => {
    const o = db();
    const evs = makeEvents(120, 14);
    const arr = path.join(o.dir, 'a.json');
    fs.writeFileSync(arr, BOM + '[\r\n' + evs.slice(0, 60).map((e) => JSON.stringify(e, null, 2)).join(',\r\n') + '\r\n]\r\n');
    const wrapped = path.join(o.dir, 'b.json');
    fs.writeFileSync(wrapped, JSON.stringify({ exported_at: '2026-01-01', meta: { events: 'no' }, events: [...evs.slice(60), { specversion: '1.0', id: 'x', type: 'order.placed' }], next_cursor: 'c' }));
    const a = await importFile(o.db, arr, { batchRows: 17 });
    expect(a).toMatchObject({ format: 'json', rows: 60, inserted: 60 });
    const b = await importFile(o.db, wrapped);
    expect(b).toMatchObject({ format: 'json', rows: 61, inserted: 60, quarantined: 1, errors: [{ row: 61, field: 'source' }] });
    expect(count(o.db, 'events')).toBe(120);
    expect((await importFile(o.db, arr)).inserted).toBe(0);
  });

  it('splits elements correctly whatever the chunking', () => {
    const doc = '{"a":[1,{"b":"]"}],"events":[{"x":"a,b\\"}"},[1,2],"s",3 ,null],"z":{}}';
    for (let size = 1; size <= doc.length; size++) {
      const got: string[] = [];
      const s = createJsonEventSplitter((t) => got.push(t));
      for (let i = 0; i < doc.length; i += size) s.push(doc.slice(i, i + size));
      s.end();
      expect(got).toEqual(['{"x":"a,b\\"}"}', '[1,2]', '"s"', '3', 'null']);
    }
  });

  it('rejects documents that are not events', () => {
    const run = (t: string) => {
      const s = createJsonEventSplitter(() => undefined);
      s.push(t);
      s.end();
    };
    expect(() => run('{"foo":1}')).toThrow(/no "events" array/);
    expect(() => run('[{"a":1}')).toThrow(/unexpected end/);
    expect(() => run('"x"')).toThrow(/expected a JSON array/);
    expect(() => run('[1,]')).toThrow(/trailing comma/);
  });
});

describe('CSV import', () => {
  function csv(evs: ReturnType<typeof makeEvents>, eol: string): string[] {
    return evs.map((e) => [e.id, e.type, e.source, e.time, e.subject ?? '', JSON.stringify(e.data)].map(csvField).join(',') + eol);
  }

  it('imports with BOM, CRLF, quoted newlines; quarantines bad rows with their line number', async () => {
    const o = db();
    const evs = makeEvents(30, 15);
    // a multi-line quoted field: pretty-printed JSON data
    const pretty = evs[2]!;
    const rows = csv(evs, '\r\n');
    rows[2] = [pretty.id, pretty.type, pretty.source, pretty.time, pretty.subject ?? '', JSON.stringify(pretty.data, null, 2)].map(csvField).join(',') + '\r\n';
    const prettyLines = JSON.stringify(pretty.data, null, 2).split('\n').length;
    const badData = `bad-data,order.placed,/services/order,2026-01-01T00:00:00Z,,"{""order_id"": oops}"\r\n`;
    const badTime = `bad-time,user.registered,/services/customer,yesterday,,"{""user_id"":""u1"",""country"":""VN""}"\r\n`;
    const shortRow = `only,three,fields\r\n`;
    const text = BOM + 'id,type,source,time,subject,data\r\n' + rows.slice(0, 5).join('') + badData + rows.slice(5, 10).join('') + badTime + shortRow + rows.slice(10).join('');
    const file = path.join(o.dir, 'events.csv');
    fs.writeFileSync(file, text);
    const r = await importFile(o.db, file, { batchRows: 8 });
    const badDataLine = 1 + 5 + (prettyLines - 1) + 1;
    expect(r).toMatchObject({ format: 'csv', rows: 33, inserted: 30, quarantined: 3 });
    expect(r.errors).toEqual([
      { row: badDataLine, field: 'data', reason: expect.stringContaining('not valid JSON') },
      { row: badDataLine + 6, field: 'time', reason: expect.stringContaining('RFC 3339') },
      { row: badDataLine + 7, field: '', reason: 'expected 6 fields, found 3' },
    ]);
    const q = o.db.prepare('SELECT location, event_id, raw FROM quarantine ORDER BY id').all();
    expect(q).toEqual([
      { location: `row ${badDataLine}`, event_id: 'bad-data', raw: badData.slice(0, -2) },
      { location: `row ${badDataLine + 6}`, event_id: 'bad-time', raw: badTime.slice(0, -2) },
      { location: `row ${badDataLine + 7}`, event_id: null, raw: 'only,three,fields' },
    ]);
    const stored = o.db.prepare('SELECT data FROM events WHERE id = ?').pluck().get(pretty.id) as string;
    expect(JSON.parse(stored)).toEqual(pretty.data);
    expect((await importFile(o.db, file)).inserted).toBe(0);
    expect(count(o.db, 'events')).toBe(30);
    expect(count(o.db, 'quarantine')).toBe(3);
  });

  it('requires a header', async () => {
    const o = db();
    await expect(importText(o.db, 'x.csv', 'a,b,c\n1,2,3\n')).rejects.toThrow(/header/);
  });

  it('parses RFC 4180 across arbitrary chunk boundaries', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","he said ""hi""","multi\r\nline"\r\n,,\n"","",last\r\n';
    for (let size = 1; size <= text.length; size++) {
      const recs: CsvRecord[] = [];
      const p = createCsvParser((r) => recs.push(r));
      for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
      p.end();
      expect(recs.map((r) => r.fields)).toEqual([['a', 'b', 'c'], ['x, y', 'he said "hi"', 'multi\r\nline'], ['', '', ''], ['', '', 'last']]);
      expect(recs.map((r) => r.line)).toEqual([1, 2, 4, 5]);
      expect(recs[1]!.raw).toBe('"x, y","he said ""hi""","multi\r\nline"');
    }
  });
});

describe('format detection', () => {
  it('uses the extension, then the content', () => {
    expect(detectFormat('a.ndjson', '')).toBe('ndjson');
    expect(detectFormat('a.csv', '')).toBe('csv');
    expect(detectFormat('a.json', '[{}]')).toBe('json');
    expect(detectFormat('a.json', '{"specversion":"1.0"}\n{"specversion":"1.0"}\n')).toBe('ndjson');
    expect(detectFormat('upload', '\uFEFF[')).toBe('json');
    expect(detectFormat('upload', '{"events":[\n')).toBe('json');
    expect(detectFormat('upload', 'id,type\n')).toBe('csv');
  });
});
