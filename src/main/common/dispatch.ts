/**
 * Dispatch one call through the handler map: checks the method name, validates the arguments with
 * the method's schema, runs the handler. Used by every transport so they behave identically.
 */
import { apiArgs, isApiMethod, type ApiErrorBody, type Handlers } from './api.ts';
import { ArgError } from './schema.ts';

export type DispatchResult = { result: unknown } | { error: ApiErrorBody };

export async function dispatch(handlers: Handlers, method: string, rawArgs: unknown): Promise<DispatchResult> {
  if (!isApiMethod(method)) return { error: { code: 'unknown_method', message: `unknown method "${method}"` } };
  let args: unknown;
  try {
    args = apiArgs[method].parse(rawArgs ?? {});
  } catch (e) {
    if (e instanceof ArgError) return { error: { code: 'bad_args', message: `${method}: ${e.message}` } };
    throw e;
  }
  try {
    const fn = handlers[method] as (a: unknown) => Promise<unknown>;
    return { result: await fn(args) };
  } catch (e) {
    return { error: { code: 'failed', message: (e as Error).message } };
  }
}

/** A direct, in-process client (tests, CLI): same validation as the transports. */
export function directClient(handlers: Handlers) {
  return async function call<M extends keyof Handlers>(method: M, args: Parameters<Handlers[M]>[0]): Promise<Awaited<ReturnType<Handlers[M]>>> {
    const out = await dispatch(handlers, method, args);
    if ('error' in out) throw new Error(out.error.message);
    return out.result as Awaited<ReturnType<Handlers[M]>>;
  };
}
