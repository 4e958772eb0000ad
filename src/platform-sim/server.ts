/**
 * The demo marketplace platform's HTTP API (node:http only). docs/platform-api.md is the contract.
 *
 * @example
 *   const p = await startPlatform({ seed: 42, days: 30, users: 2000, endDate: '2025-06-30' });
 *   const res = await fetch(`${p.url}/v1/events?limit=1000`, { headers: { authorization: `Bearer ${p.token}` } });
 *   await p.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readMoney } from '../contract/events.ts';
import { addDays, dayKey, isDay } from '../analytics/calendar.ts';
import { MarketSim, cloudEventJson, isoTime, type ResolvedParams } from './generator.ts';
import { InlineEngine, WorkerEngine, runOp, type Engine, type HistoricalInjections } from './engine.ts';
import { EXPERIMENTS, GATEWAYS, catalogJson, isGateway, type Catalog } from './catalog.ts';
import { settlementCsv, captureOf } from './settlements.ts';
import { LiveEmitter, type LiveStatus } from './live.ts';
import { PlatformStore, IdempotencyConflict } from './store.ts';
import { CursorError, decodeCursor, encodeCursor, malformedEvent, type FeedPos } from './feed.ts';
import type { Injections, LedgerCapture, MalformedInjection, OrderRec, RawEvent } from './types.ts';

export interface PlatformOptions {
  /** TCP port; 0 (default) picks a free one */
  port?: number;
  /** interface to bind; default 127.0.0.1 */
  host?: string;
  seed?: number;
  days?: number;
  users?: number;
  /** last business day YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh) */
  endDate?: string;
  /** bearer token; default "demo-token" */
  token?: string;
  /** start live emission right away */
  live?: boolean;
  /** inject the funnel drop-off incident (docs/platform-api.md, injections.payment_outages) */
  dropoffIncident?: boolean;
  /** live order rate; default 20 */
  liveOrdersPerMinute?: number;
  /** append writes (flags, segments, transfers) to this NDJSON file and replay it at start */
  record?: string;
  /** generate in a worker thread (default true; falls back to inline if a worker cannot start) */
  worker?: boolean;
  /** index every day in the background (default true) */
  index?: boolean;
  /** clock for the end-date cutoff and live mode (default Date.now) */
  now?: () => number;
  /** live tick interval in ms (default 250) */
  liveTickMs?: number;
}

export interface RunningPlatform {
  url: string;
  host: string;
  port: number;
  token: string;
  params: ResolvedParams;
  catalog: Catalog;
  /** the main-thread simulator (same data as the feed) */
  sim: MarketSim;
  engine: 'worker' | 'inline';
  close(): Promise<void>;
  /** everything injected so far (computes the historical part on this thread on first call) */
  injections(): Injections;
  /** the same, computed by the engine (does not block the event loop with a worker engine) */
  injectionsAsync(): Promise<Injections>;
  live(): LiveStatus;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const MAX_BODY = 64 * 1024 * 1024;
const WEEK_RE = /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/;
const ID_RE = /^[A-Za-z0-9_.:-]{1,100}$/;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const buf = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(buf.length), 'cache-control': 'no-store', ...headers });
  res.end(buf);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'payload_too_large', `request body is larger than ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new HttpError(400, 'invalid_json', 'request body must be a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

function bad(message: string, code = 'invalid_parameter'): HttpError {
  return new HttpError(400, code, message);
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('request body must be a JSON object', 'invalid_body');
  return body as Record<string, unknown>;
}

function nonEmptyString(v: unknown, name: string, max = 4096): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw bad(`${name} must be a non-empty string of at most ${max} characters`);
  return v;
}

function idempotencyKey(req: IncomingMessage): string {
  const k = req.headers['idempotency-key'];
  if (typeof k !== 'string' || k.length === 0 || k.length > 255) throw new HttpError(400, 'missing_idempotency_key', 'the Idempotency-Key header (1..255 characters) is required');
  return k;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<RunningPlatform> {
  const clock = opts.now ?? Date.now;
  const token = opts.token ?? 'demo-token';
  const tokenDigest = digest(token);
  const host = opts.host ?? '127.0.0.1';
  const sim = new MarketSim({ seed: opts.seed ?? 42, days: opts.days ?? 120, users: opts.users ?? 20000, endDate: opts.endDate, now: clock(), dropoffIncident: opts.dropoffIncident });
  const params = sim.params;
  const bootId = clock().toString(36);
  const tag = params.tag;
  const lastDay = params.days - 1;

  let engine: Engine;
  if (opts.worker === false) engine = new InlineEngine(sim);
  else {
    try {
      engine = await WorkerEngine.start({ seed: params.seed, days: params.days, users: params.users, endDate: params.endDate, now: params.cutoff, dropoffIncident: params.dropoffIncident }, (d, c) => sim.noteCount(d, c), { index: opts.index });
    } catch {
      engine = new InlineEngine(sim);
    }
  }

  // ---- tail (live + malformed), live captures, injections of this run
  const tail: string[] = [];
  const liveCaptures = new Map<string, LedgerCapture[]>();
  const malformed: MalformedInjection[] = [];
  const gmvDrops: Injections['gmv_drops'] = [];
  let tailSeq = 0;
  const store = new PlatformStore(opts.record ?? null, params.seed);
  const live = new LiveEmitter(sim, bootId, clock, opts.liveOrdersPerMinute ?? 20, (events: RawEvent[], orders: OrderRec[]) => {
    for (const e of events) tail.push(cloudEventJson(e, `${tag}-L${bootId}-${++tailSeq}`));
    for (const o of orders) {
      const date = dayKey(o.capturedAt, params.timezone);
      const list = liveCaptures.get(date) ?? [];
      list.push(captureOf(o));
      liveCaptures.set(date, list);
    }
  });
  if (opts.live) live.start(opts.liveOrdersPerMinute, opts.liveTickMs);

  let historicalSync: HistoricalInjections | null = null;
  const assemble = (h: HistoricalInjections): Injections => ({
    params: { seed: params.seed, days: params.days, users: params.users, start_date: params.startDate, end_date: params.endDate, timezone: params.timezone, cutoff: isoTime(params.cutoff) },
    ...h,
    malformed: [...malformed],
    gmv_drops: [...gmvDrops],
  });

  const lastDate = (): string => {
    const today = dayKey(clock(), params.timezone);
    return today > params.endDate ? today : params.endDate;
  };
  const checkDate = (v: string | null, what: string): string => {
    if (v === null || v === '') throw bad('date is required (YYYY-MM-DD)');
    if (!isDay(v)) throw bad(`date "${v}" is not a YYYY-MM-DD calendar date`);
    const last = lastDate();
    if (v < params.startDate || v > last) throw new HttpError(404, 'not_found', `no ${what} for ${v}: the platform's history covers ${params.startDate}..${last}`);
    return v;
  };
  const extraFor = (date: string): LedgerCapture[] => liveCaptures.get(date) ?? [];

  // ---- /v1/events
  async function events(url: URL, res: ServerResponse): Promise<void> {
    const limitText = url.searchParams.get('limit');
    let limit = 1000;
    if (limitText !== null) {
      if (!/^\d{1,6}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 10000) throw bad('limit must be an integer between 1 and 10000');
      limit = Number(limitText);
    }
    const cursor = url.searchParams.get('cursor');
    let pos: FeedPos = { kind: 'h', day: 0, offset: 0 };
    if (cursor !== null && cursor !== '') {
      try {
        pos = decodeCursor(tag, cursor);
      } catch (e) {
        if (e instanceof CursorError) throw new HttpError(e.status, e.code, e.message);
        throw e;
      }
    }
    if (pos.kind === 't' && pos.boot !== bootId) {
      // a tail cursor from an earlier run: resume at the end of the history that run saw
      const last = await engine.blob(lastDay);
      pos = pos.lastLen <= last.count ? { kind: 'h', day: lastDay, offset: pos.lastLen } : { kind: 't', boot: bootId, lastLen: last.count, index: 0 };
    }
    const chunks: Buffer[] = [];
    let n = 0;
    for (;;) {
      if (pos.kind === 'h') {
        if (pos.day > lastDay) {
          const last = await engine.blob(lastDay);
          pos = { kind: 't', boot: bootId, lastLen: last.count, index: 0 };
          continue;
        }
        const blob = await engine.blob(pos.day);
        if (pos.offset >= blob.count) {
          pos = pos.day < lastDay ? { kind: 'h', day: pos.day + 1, offset: 0 } : { kind: 't', boot: bootId, lastLen: blob.count, index: 0 };
          continue;
        }
        if (n >= limit) break;
        const take = Math.min(limit - n, blob.count - pos.offset);
        chunks.push(blob.buf.subarray(blob.offsets[pos.offset]!, blob.offsets[pos.offset + take]! - 1));
        n += take;
        pos = { kind: 'h', day: pos.day, offset: pos.offset + take };
      } else {
        if (pos.index > tail.length) pos = { ...pos, index: tail.length };
        const take = Math.min(limit - n, tail.length - pos.index);
        if (take <= 0) break;
        chunks.push(Buffer.from(tail.slice(pos.index, pos.index + take).join(','), 'utf8'));
        n += take;
        pos = { ...pos, index: pos.index + take };
      }
    }
    const hasMore = pos.kind === 'h' || pos.index < tail.length;
    const head = Buffer.from('{"events":[');
    const end = Buffer.from(`],"next_cursor":"${encodeCursor(tag, pos)}","has_more":${hasMore},"total_estimate":${sim.totalEstimate() + tail.length}}`);
    let length = head.length + end.length + Math.max(0, chunks.length - 1);
    for (const c of chunks) length += c.length;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(length), 'cache-control': 'no-store' });
    // the day buffers are written as they are (no copy into one body)
    res.write(head);
    chunks.forEach((c, k) => {
      if (k > 0) res.write(',');
      res.write(c);
    });
    res.end(end);
  }

  // ---- settlements, ledger, payouts
  async function settlements(url: URL, res: ServerResponse): Promise<void> {
    const gateway = url.searchParams.get('gateway');
    if (!gateway) throw bad(`gateway is required (one of ${GATEWAYS.join(', ')})`);
    if (!isGateway(gateway)) throw bad(`unknown gateway "${gateway}" (one of ${GATEWAYS.join(', ')})`);
    const format = url.searchParams.get('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw bad('format must be "json" or "csv"');
    const date = checkDate(url.searchParams.get('date'), 'settlement report');
    const prev = addDays(date, -1);
    const rep = await engine.settlement(date, gateway, { [date]: extraFor(date), [prev]: extraFor(prev) });
    if (format === 'csv') {
      const csv = Buffer.from(settlementCsv(rep.records), 'utf8');
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8', 'content-length': String(csv.length), 'cache-control': 'no-store',
        'content-disposition': `attachment; filename="settlement_${gateway}_${date}.csv"`,
      });
      res.end(csv);
      return;
    }
    sendJson(res, 200, { gateway, date, timezone: rep.timezone, records: rep.records });
  }

  async function ledger(url: URL, res: ServerResponse): Promise<void> {
    const date = checkDate(url.searchParams.get('date'), 'ledger');
    const captures = await engine.ledger(date, extraFor(date));
    sendJson(res, 200, { date, timezone: params.timezone, captures });
  }

  async function payouts(url: URL, res: ServerResponse): Promise<void> {
    const week = url.searchParams.get('week');
    if (!week) throw bad('week is required (ISO week, e.g. 2025-W27)');
    if (!WEEK_RE.test(week)) throw bad(`week "${week}" is not an ISO week such as 2025-W27`);
    const day = sim.payoutDayOf(week);
    if (day < 0) throw new HttpError(404, 'not_found', `no payouts for ${week}: payouts are disbursed on the Monday after the week, and the history covers ${params.startDate}..${params.endDate}`);
    const p = await engine.payouts(day);
    if (!p || (p.statements.length === 0 && sim.range(day).start + 10 * 3_600_000 > params.cutoff)) {
      throw new HttpError(404, 'not_found', `payouts for ${week} are not disbursed yet`);
    }
    sendJson(res, 200, { week, disbursed_on: sim.date(day), statements: p.statements });
  }

  // ---- experiments and flags
  function experiments(res: ServerResponse): void {
    const list = sim.experiments.map((x) => ({
      id: x.def.id, name: x.def.name, hypothesis: x.def.hypothesis, flag: x.def.flag, status: 'running',
      variants: x.def.variants.map((v) => ({ id: v.id, name: v.name, weight: v.weight })),
      exposure_event: x.def.exposureAt, metric: x.def.metric, min_runtime_days: x.def.minRuntimeDays,
      min_sample_per_variant: x.def.minSamplePerVariant, started_at: isoTime(x.startMs),
      assignment: 'bucket = FNV-1a-32("<experiment_id>:<user_id>") mod 100; variants take weight-sized bucket ranges in order',
      flag_config: store.flags.get(x.def.id) ?? null,
    }));
    sendJson(res, 200, { experiments: list, flags: [...store.flags.values()] });
  }

  async function putFlag(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!ID_RE.test(id)) throw bad('experiment id must be 1..100 characters of A-Z a-z 0-9 _ . : -');
    const body = requireObject(await readJson(req));
    const flag = nonEmptyString(body.flag, 'flag', 200);
    const variants = body.variants;
    if (!Array.isArray(variants) || variants.length === 0 || variants.length > 100) throw bad('variants must be a non-empty array');
    for (const v of variants) {
      if (typeof v === 'string' ? v.length === 0 : typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('each variant must be a non-empty string or an object');
    }
    const rollout = body.rollout;
    const pct = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 100;
    if (rollout === undefined) throw bad('rollout is required: a percentage 0..100 or an object of variant -> percentage');
    if (!pct(rollout)) {
      if (typeof rollout !== 'object' || rollout === null || Array.isArray(rollout)) throw bad('rollout must be a percentage 0..100 or an object of variant -> percentage');
      const vals = Object.values(rollout as Record<string, unknown>);
      if (!vals.every(pct)) throw bad('rollout percentages must be numbers 0..100');
      if ((vals as number[]).reduce((s, x) => s + x, 0) > 100.000001) throw bad('rollout percentages must add up to at most 100');
    }
    sendJson(res, 200, store.putFlag(id, flag, variants, rollout, isoTime(clock())));
  }

  // ---- segments and transfers
  async function postSegments(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = idempotencyKey(req);
    const body = requireObject(await readJson(req));
    const runId = nonEmptyString(body.run_id, 'run_id', 200);
    if (!Array.isArray(body.segments)) throw bad('segments must be an array of {customer_id, segment}');
    if (body.segments.length > 1_000_000) throw bad('at most 1,000,000 segments per request');
    const segments = body.segments.map((s: unknown, i: number) => {
      if (typeof s !== 'object' || s === null) throw bad(`segments[${i}] must be an object {customer_id, segment}`);
      const o = s as Record<string, unknown>;
      return { customer_id: nonEmptyString(o.customer_id, `segments[${i}].customer_id`, 200), segment: nonEmptyString(o.segment, `segments[${i}].segment`, 200) };
    });
    try {
      sendJson(res, 200, store.putSegments(key, runId, segments, isoTime(clock())));
    } catch (e) {
      if (e instanceof IdempotencyConflict) throw new HttpError(409, 'idempotency_conflict', e.message);
      throw e;
    }
  }

  function getSegments(url: URL, res: ServerResponse): void {
    const id = url.searchParams.get('customer_id');
    if (id !== null) {
      if (id === '') throw bad('customer_id must not be empty');
      const s = store.segments.get(id);
      if (!s) throw new HttpError(404, 'not_found', `no segment stored for customer ${id}`);
      sendJson(res, 200, { ...s, history: store.segmentHistory.get(id) ?? [] });
      return;
    }
    const all = [...store.segments.values()].sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
    const int = (name: string, dflt: number, max: number): number => {
      const v = url.searchParams.get(name);
      if (v === null) return dflt;
      if (!/^\d{1,9}$/.test(v) || Number(v) > max) throw bad(`${name} must be an integer 0..${max}`);
      return Number(v);
    };
    const offset = int('offset', 0, 1_000_000_000);
    const limit = int('limit', 10_000, 10_000);
    sendJson(res, 200, { count: all.length, offset, segments: all.slice(offset, offset + limit) });
  }

  async function postTransfer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = idempotencyKey(req);
    const body = requireObject(await readJson(req));
    const sellerId = nonEmptyString(body.seller_id, 'seller_id', 100);
    if (!sim.catalog.sellers.some((s) => s.id === sellerId)) throw bad(`unknown seller "${sellerId}"`, 'unknown_seller');
    let minor: number;
    try {
      minor = readMoney(body.amount, 'amount').minor;
    } catch (e) {
      throw bad(`amount must be a money object {amount: decimal string, currency}: ${(e as Error).message}`);
    }
    if (minor <= 0) throw bad('amount must be positive');
    const amount = body.amount as { amount: string; currency: string };
    const reason = nonEmptyString(body.reason, 'reason', 1000);
    try {
      const r = store.createTransfer(key, sellerId, { amount: amount.amount, currency: amount.currency }, reason, isoTime(clock()));
      sendJson(res, r.idempotent_replay ? 200 : 201, r);
    } catch (e) {
      if (e instanceof IdempotencyConflict) throw new HttpError(409, 'idempotency_conflict', e.message);
      throw e;
    }
  }

  // ---- demo control
  async function postLive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = requireObject(await readJson(req));
    if (typeof body.on !== 'boolean') throw bad('on must be a boolean');
    let opm: number | undefined;
    if (body.orders_per_minute !== undefined) {
      if (typeof body.orders_per_minute !== 'number' || !Number.isFinite(body.orders_per_minute) || body.orders_per_minute <= 0 || body.orders_per_minute > 100_000) {
        throw bad('orders_per_minute must be a number in (0, 100000]');
      }
      opm = body.orders_per_minute;
    }
    if (body.on) {
      if (opm !== undefined) live.ordersPerMinute = opm;
      live.start(undefined, opts.liveTickMs);
    } else live.stop();
    sendJson(res, 200, { live: live.status() });
  }

  async function postGmvDrop(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = requireObject(await readJson(req));
    if (typeof body.on !== 'boolean') throw bad('on must be a boolean');
    let factor = live.gmvDrop.factor;
    if (body.factor !== undefined) {
      if (typeof body.factor !== 'number' || !(body.factor >= 0 && body.factor <= 1)) throw bad('factor must be a number between 0 and 1');
      factor = body.factor;
    } else if (body.on) throw bad('factor is required when on is true');
    live.setGmvDrop(body.on, factor);
    gmvDrops.push({ on: body.on, factor, at: isoTime(clock()) });
    sendJson(res, 200, { gmv_drop: live.status().gmv_drop, live: live.status() });
  }

  async function postMalformed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = requireObject(await readJson(req));
    const count = body.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000) throw bad('count must be an integer between 1 and 10000');
    const added: MalformedInjection[] = [];
    for (let k = 0; k < count; k++) {
      const { event, injection } = malformedEvent(malformed.length, `${tag}-X${bootId}-${malformed.length + 1}`, clock());
      tail.push(JSON.stringify(event));
      malformed.push(injection);
      added.push(injection);
    }
    sendJson(res, 200, { appended: count, injections: added });
  }

  // ---- routing
  const authorized = (req: IncomingMessage): boolean => {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !h.startsWith('Bearer ')) return false;
    return timingSafeEqual(digest(h.slice(7).trim()), tokenDigest);
  };

  type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray) => Promise<void> | void;
  const routes: { re: RegExp; methods: Record<string, Handler>; open?: boolean }[] = [
    {
      re: /^\/v1\/health$/, open: true,
      methods: {
        GET: (_q, res) => sendJson(res, 200, {
          ok: true, seed: params.seed, days: params.days, users: params.users, endDate: params.endDate, startDate: params.startDate,
          timezone: params.timezone, cutoff: isoTime(params.cutoff), engine: engine.kind, live: live.on,
        }),
      },
    },
    { re: /^\/v1\/events$/, methods: { GET: (_q, res, url) => events(url, res) } },
    { re: /^\/v1\/settlements$/, methods: { GET: (_q, res, url) => settlements(url, res) } },
    { re: /^\/v1\/ledger\/captures$/, methods: { GET: (_q, res, url) => ledger(url, res) } },
    { re: /^\/v1\/payouts\/statements$/, methods: { GET: (_q, res, url) => payouts(url, res) } },
    { re: /^\/v1\/experiments$/, methods: { GET: (_q, res) => experiments(res) } },
    { re: /^\/v1\/experiments\/([^/]+)\/flag$/, methods: { PUT: (req, res, _u, m) => putFlag(decodeURIComponent(m[1]!), req, res) } },
    { re: /^\/v1\/segments$/, methods: { POST: (req, res) => postSegments(req, res), GET: (_q, res, url) => getSegments(url, res) } },
    { re: /^\/v1\/transfers$/, methods: { POST: (req, res) => postTransfer(req, res), GET: (_q, res) => sendJson(res, 200, { transfers: store.transfers }) } },
    { re: /^\/v1\/catalog$/, methods: { GET: (_q, res) => sendJson(res, 200, catalogJson(sim.catalog)) } },
    {
      re: /^\/v1\/demo\/injections$/,
      methods: { GET: async (_q, res) => sendJson(res, 200, assemble(historicalSync ?? (await engine.injections()))) },
    },
    { re: /^\/v1\/demo\/live$/, methods: { POST: (req, res) => postLive(req, res), GET: (_q, res) => sendJson(res, 200, { live: live.status() }) } },
    { re: /^\/v1\/demo\/gmv-drop$/, methods: { POST: (req, res) => postGmvDrop(req, res) } },
    { re: /^\/v1\/demo\/malformed$/, methods: { POST: (req, res) => postMalformed(req, res) } },
  ];

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://platform.local');
        const route = routes.map((r) => ({ r, m: r.re.exec(url.pathname) })).find((x) => x.m);
        if (!route) throw new HttpError(404, 'not_found', `no route for ${req.method} ${url.pathname}`);
        if (!route.r.open && !authorized(req)) {
          throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token (Authorization: Bearer <token>)', { 'www-authenticate': 'Bearer realm="platform"' });
        }
        const h = route.r.methods[req.method ?? 'GET'];
        if (!h) throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`, { allow: Object.keys(route.r.methods).join(', ') });
        await h(req, res, url, route.m!);
      } catch (e) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (e instanceof HttpError) sendError(res, e.status, e.code, e.message, e.headers);
        else sendError(res, 500, 'internal', e instanceof Error ? e.message : String(e));
      }
    })();
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;

  let closed = false;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    token,
    params,
    catalog: sim.catalog,
    sim,
    engine: engine.kind,
    live: () => live.status(),
    injections: () => {
      historicalSync ??= runOp(sim, 'injections', {}) as HistoricalInjections;
      return assemble(historicalSync);
    },
    injectionsAsync: async () => assemble(historicalSync ?? (await engine.injections())),
    close: async () => {
      if (closed) return;
      closed = true;
      live.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.close();
    },
  };
}

/** Experiments the platform runs (for clients that want them without HTTP). */
export const PLATFORM_EXPERIMENTS = EXPERIMENTS;
