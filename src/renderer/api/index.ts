import type { ApiClient } from '../../main/common/api.ts';
import { createElectronClient } from './electronClient.ts';
import { createWebClient } from './webClient.ts';
import { takeToken } from './token.ts';

export interface StartedClient {
  client: ApiClient;
  mode: 'electron' | 'web';
  /** web mode without a token: the page was opened without the launch URL */
  missingToken: boolean;
}

/** Pick the transport: the preload bridge in Electron, loopback HTTP otherwise. */
export function startApiClient(): StartedClient {
  if (window.marketlens) return { client: createElectronClient(window.marketlens), mode: 'electron', missingToken: false };
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  const token = takeToken({ location: window.location, storage, history: window.history });
  const client = createWebClient({
    token: token ?? '',
    fetch: (url, init) => window.fetch(url, init),
    eventSource: token && typeof EventSource === 'function' ? (url) => new EventSource(url) : undefined,
  });
  return { client, mode: 'web', missingToken: !token };
}

export type { ApiClient };
