import { useCallback, useEffect, useState } from 'react';
import { buildHash, parseHash, type PageId, type Route } from './router.ts';

export function useRoute(): [Route, (page: PageId, params?: Record<string, string | number | undefined>, replace?: boolean) => void] {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((page: PageId, params: Record<string, string | number | undefined> = {}, replace = false) => {
    const hash = buildHash(page, params);
    if (replace) {
      window.history.replaceState(null, '', window.location.pathname + window.location.search + hash);
      setRoute(parseHash(hash));
    } else if (window.location.hash !== hash) {
      window.location.hash = hash;
    } else {
      setRoute(parseHash(hash));
    }
  }, []);
  return [route, navigate];
}
