/**
 * A small platform feed for tests (node:http): serves `events` through `GET /v1/events` with
 * offset cursors, bearer auth, and injectable failures (5xx, malformed bodies, overlapping pages,
 * slow pages).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedOptions {
  /** events as JSON texts or objects (objects are serialized) */
  events: (string | object)[];
  token?: string;
  /** answer the first N requests with this status */
  failFirst?: { count: number; status: number };
  /** return a non-JSON body for these request numbers (1-based) */
  malformedRequests?: number[];
  /** every page starts this many events before the cursor (overlapping pages) */
  overlap?: number;
  /** delay each page by this many ms */
  delayMs?: number;
  /** omit total_estimate */
  noTotal?: boolean;
}

export interface FeedServer {
  url: string;
  token: string;
  requests: { cursor: string | null; limit: number; auth: string | undefined }[];
  close(): Promise<void>;
}

export async function startFeedServer(o: FeedOptions): Promise<FeedServer> {
  const token = o.token ?? 'test-token';
  // read lazily, so a test can grow the feed while a sync follows it
  const textsNow = (): string[] => o.events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
  const requests: FeedServer['requests'] = [];
  let n = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/v1/events') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no such path"}}');
      return;
    }
    n++;
    const cursor = url.searchParams.get('cursor');
    const limit = Number(url.searchParams.get('limit') ?? '100');
    requests.push({ cursor, limit, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"invalid token"}}');
      return;
    }
    if (o.failFirst && n <= o.failFirst.count) {
      res.writeHead(o.failFirst.status, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"try later"}}');
      return;
    }
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    if (o.malformedRequests?.includes(n)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"events":[{"oops" <html>');
      return;
    }
    const texts = textsNow();
    const at = cursor ? Number(cursor.replace(/^c/, '')) : 0;
    const from = Math.max(0, at - (at > 0 ? o.overlap ?? 0 : 0));
    const to = Math.min(texts.length, at + limit);
    const body = `{"events":[${texts.slice(from, to).join(',')}],"next_cursor":"c${to}","has_more":${to < texts.length}${o.noTotal ? '' : `,"total_estimate":${texts.length}`}}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
