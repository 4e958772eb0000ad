import { describe, expect, it } from 'vitest';
import { takeToken, tokenFromHash, TOKEN_KEY } from '../../../src/renderer/api/token.ts';

function env(hash: string, stored: string | null = null) {
  const store = new Map<string, string>();
  if (stored !== null) store.set(TOKEN_KEY, stored);
  const replaced: string[] = [];
  return {
    store,
    replaced,
    env: {
      location: { hash, pathname: '/', search: '' },
      storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      history: { replaceState: (_d: unknown, _u: string, url?: string) => void replaced.push(url ?? '') },
    },
  };
}

describe('web token', () => {
  it('reads the token from the fragment', () => {
    expect(tokenFromHash('#token=abc-_123')).toBe('abc-_123');
    expect(tokenFromHash('#/live&token=x%2By')).toBe('x+y');
    expect(tokenFromHash('#/live')).toBeNull();
    expect(tokenFromHash('#token=')).toBeNull();
  });
  it('stores it and removes it from the URL', () => {
    const e = env('#token=T1');
    expect(takeToken(e.env)).toBe('T1');
    expect(e.store.get(TOKEN_KEY)).toBe('T1');
    expect(e.replaced).toEqual(['/']);
  });
  it('keeps the route when the token rides along with it', () => {
    const e = env('#/live&token=T2');
    expect(takeToken(e.env)).toBe('T2');
    expect(e.replaced).toEqual(['/#/live']);
  });
  it('falls back to sessionStorage after a reload', () => {
    const e = env('#/live', 'T0');
    expect(takeToken(e.env)).toBe('T0');
    expect(e.replaced).toEqual([]);
  });
  it('prefers a new token in the fragment', () => {
    const e = env('#token=NEW', 'OLD');
    expect(takeToken(e.env)).toBe('NEW');
    expect(e.store.get(TOKEN_KEY)).toBe('NEW');
  });
  it('returns null without any token', () => {
    expect(takeToken(env('').env)).toBeNull();
  });
});
