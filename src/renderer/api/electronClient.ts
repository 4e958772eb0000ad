import type { ApiClient } from '../../main/common/api.ts';
import type { MarketlensBridge } from './bridge.ts';

/** Electron wraps errors thrown by an `ipcMain.handle` handler; keep only the server's message. */
export function cleanIpcMessage(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*':\s*/, '').replace(/^(?:[A-Za-z]*Error):\s*/, '');
}

export function createElectronClient(bridge: MarketlensBridge): ApiClient {
  return {
    async call(method, args) {
      const fn = bridge.api[method] as ((a: unknown) => Promise<any>) | undefined;
      if (typeof fn !== 'function') throw new Error(`unknown method ${method}`);
      try {
        return await fn(args ?? {});
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(cleanIpcMessage(message));
      }
    },
    subscribe(name, listener) {
      return bridge.on(name, listener);
    },
  };
}
