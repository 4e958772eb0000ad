/**
 * The object the Electron preload exposes as `window.marketlens`. It carries the API contract's
 * method names and nothing else, plus a subscription to pushes.
 */
import type { ApiArgs, ApiMethod, ApiResults, PushName, PushSpec } from '../../main/common/api.ts';

export type BridgeApi = { [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResults[M]> };

export interface MarketlensBridge {
  /** One function per API method; rejects with an Error whose message is the server's. */
  api: BridgeApi;
  /** Listen to a push; returns the unsubscribe function. */
  on<P extends PushName>(name: P, listener: (payload: PushSpec[P]) => void): () => void;
}

declare global {
  interface Window {
    marketlens?: MarketlensBridge;
  }
}
