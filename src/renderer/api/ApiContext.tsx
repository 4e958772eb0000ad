import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiArgs, ApiClient, ApiMethod, ApiResults, PushName, PushSpec } from '../../main/common/api.ts';

interface ApiContextValue { client: ApiClient; mode: 'electron' | 'web' }

const ApiContext = createContext<ApiContextValue | null>(null);

export function ApiProvider(props: { client: ApiClient; mode: 'electron' | 'web'; children: ReactNode }) {
  const { client, mode } = props;
  const [value] = useState<ApiContextValue>(() => ({ client, mode }));
  return <ApiContext.Provider value={value}>{props.children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const ctx = useContext(ApiContext);
  if (!ctx) throw new Error('useApi outside ApiProvider');
  return ctx.client;
}

export function useApiMode(): 'electron' | 'web' {
  const ctx = useContext(ApiContext);
  if (!ctx) throw new Error('useApiMode outside ApiProvider');
  return ctx.mode;
}

/** Subscribe to a push for the component's lifetime. The latest listener is always used. */
export function usePush<P extends PushName>(name: P, listener: (payload: PushSpec[P]) => void): void {
  const api = useApi();
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => api.subscribe(name, (payload) => ref.current(payload)), [api, name]);
}

export interface Query<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
  setData: (v: T) => void;
}

/**
 * Call an API method when the component mounts and whenever `key` changes. Stale responses
 * (from an earlier key) are dropped.
 */
export function useApiQuery<M extends ApiMethod>(method: M, args: ApiArgs<M>, key: string = ''): Query<ApiResults[M]> {
  const api = useApi();
  const [data, setData] = useState<ApiResults[M] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const argsRef = useRef(args);
  argsRef.current = args;

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.call(method, argsRef.current).then(
      (r) => {
        if (!live) return;
        setData(r);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, method, key, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
