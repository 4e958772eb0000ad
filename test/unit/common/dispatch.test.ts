import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/main/common/dispatch.ts';
import { API_METHODS, apiArgs, type Handlers } from '../../../src/main/common/api.ts';

const handlers = new Proxy({}, { get: (_t, name) => async (args: unknown) => ({ name, args }) }) as unknown as Handlers;

describe('dispatch', () => {
  it('refuses unknown methods and prototype keys', async () => {
    expect(await dispatch(handlers, 'nope', {})).toEqual({ error: { code: 'unknown_method', message: 'unknown method "nope"' } });
    expect((await dispatch(handlers, '__proto__', {}) as { error: { code: string } }).error.code).toBe('unknown_method');
    expect((await dispatch(handlers, 'constructor', {}) as { error: { code: string } }).error.code).toBe('unknown_method');
  });
  it('validates arguments before the handler runs', async () => {
    const bad = await dispatch(handlers, 'quarantine.list', { limit: 'lots' });
    expect(bad).toEqual({ error: { code: 'bad_args', message: 'quarantine.list: limit: expected an integer' } });
    const extra = await dispatch(handlers, 'alerts.ack', { id: 1, sql: 'drop table' });
    expect('error' in extra && extra.error.message).toMatch(/sql: unknown field/);
    const ok = await dispatch(handlers, 'quarantine.list', { limit: 10 });
    expect(ok).toEqual({ result: { name: 'quarantine.list', args: { limit: 10 } } });
    const tz = await dispatch(handlers, 'settings.update', { fxRates: { USD: '1e5' } });
    expect('error' in tz).toBe(true);
  });
  it('every method has a schema and names are unique', () => {
    expect(new Set(API_METHODS).size).toBe(API_METHODS.length);
    for (const m of API_METHODS) expect(typeof apiArgs[m].parse).toBe('function');
  });
});
