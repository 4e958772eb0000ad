/**
 * A tiny hash router: "#/quarantine?page=2" -> { page: 'quarantine', params: { page: '2' } }.
 * Pure functions here; the React hook is in useRoute.ts.
 */
export const PAGES = ['live', 'sync', 'alerts', 'quarantine', 'import', 'settings', 'setup', 'reconciliation', 'funnels', 'payouts', 'cohorts', 'segments'] as const;
export type PageId = (typeof PAGES)[number];
export const DEFAULT_PAGE: PageId = 'live';

export interface Route { page: PageId; params: Record<string, string> }

export function isPageId(v: unknown): v is PageId {
  return typeof v === 'string' && (PAGES as readonly string[]).includes(v);
}

/** Parse a location hash. Unknown pages and fragments that are not routes (e.g. "#token=...") give the default page. */
export function parseHash(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (!h.startsWith('/')) return { page: DEFAULT_PAGE, params: {} };
  const q = h.indexOf('?');
  const path = (q >= 0 ? h.slice(1, q) : h.slice(1)).replace(/\/+$/, '');
  const params: Record<string, string> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(h.slice(q + 1))) if (k !== 'token') params[k] = v;
  }
  const page = path.split('/')[0] ?? '';
  return { page: isPageId(page) ? page : DEFAULT_PAGE, params };
}

export function buildHash(page: PageId, params: Record<string, string | number | undefined> = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function sameRoute(a: Route, b: Route): boolean {
  if (a.page !== b.page) return false;
  const ka = Object.keys(a.params), kb = Object.keys(b.params);
  return ka.length === kb.length && ka.every((k) => a.params[k] === b.params[k]);
}
