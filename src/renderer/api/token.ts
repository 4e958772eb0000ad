/**
 * The per-launch token of web mode arrives in the URL fragment (`#token=...`). It is moved to
 * sessionStorage and removed from the address bar, so it is not left in history or bookmarks.
 */
export const TOKEN_KEY = 'marketlens.token';

export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  storage: { getItem(k: string): string | null; setItem(k: string, v: string): void } | null;
  history: { replaceState(data: unknown, unused: string, url?: string): void } | null;
}

/** The token in a fragment such as "#token=abc" or "#/live&token=abc", or null. */
export function tokenFromHash(hash: string): string | null {
  const h = hash.replace(/^#/, '');
  for (const part of h.split(/[&?]/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).replace(/^\//, '') === 'token') {
      const v = decodeURIComponent(part.slice(eq + 1));
      return v || null;
    }
  }
  return null;
}

/** The fragment with its token parameter removed ("#/live&token=x" -> "#/live", "#token=x" -> ""). */
export function hashWithoutToken(hash: string): string {
  const h = hash.replace(/^#/, '');
  const route = h.split('&').filter((part) => part.replace(/^\//, '').split('=')[0] !== 'token').join('&');
  return route ? '#' + route : '';
}

/** Read the token (fragment first, then sessionStorage), store it, and clean the URL. */
export function takeToken(env: TokenEnv): string | null {
  const fromHash = tokenFromHash(env.location.hash);
  if (fromHash) {
    try {
      env.storage?.setItem(TOKEN_KEY, fromHash);
    } catch {
      /* storage may be disabled */
    }
    env.history?.replaceState(null, '', env.location.pathname + env.location.search + hashWithoutToken(env.location.hash));
    return fromHash;
  }
  try {
    return env.storage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}
