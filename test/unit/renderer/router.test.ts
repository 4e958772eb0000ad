import { describe, expect, it } from 'vitest';
import { buildHash, parseHash, sameRoute, DEFAULT_PAGE } from '../../../src/renderer/router.ts';

describe('hash router', () => {
  it('parses pages and params', () => {
    expect(parseHash('#/quarantine?page=2&size=50')).toEqual({ page: 'quarantine', params: { page: '2', size: '50' } });
    expect(parseHash('#/settings')).toEqual({ page: 'settings', params: {} });
    expect(parseHash('#/live/')).toEqual({ page: 'live', params: {} });
  });
  it('falls back to the default page', () => {
    for (const h of ['', '#', '#/', '#/nope', '#token=abc', 'token=abc']) expect(parseHash(h).page).toBe(DEFAULT_PAGE);
  });
  it('never keeps a token as a route param', () => {
    expect(parseHash('#/live?token=secret').params).toEqual({});
  });
  it('builds hashes that parse back', () => {
    const h = buildHash('quarantine', { page: 3, size: undefined, q: '' });
    expect(h).toBe('#/quarantine?page=3');
    expect(parseHash(h)).toEqual({ page: 'quarantine', params: { page: '3' } });
    expect(buildHash('live')).toBe('#/live');
    expect(parseHash(buildHash('alerts', { x: 'a b&c' })).params).toEqual({ x: 'a b&c' });
  });
  it('compares routes', () => {
    expect(sameRoute(parseHash('#/live'), parseHash('#/live/'))).toBe(true);
    expect(sameRoute(parseHash('#/quarantine?page=1'), parseHash('#/quarantine?page=2'))).toBe(false);
  });
});
