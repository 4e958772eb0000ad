/**
 * Preload (sandboxed, context-isolated): exposes exactly the API contract's method names and push
 * names to the renderer as `window.marketlens`, nothing else (no ipcRenderer, no Node).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, PUSH_NAMES } from '../main/common/api.ts';

const api: Record<string, (args?: unknown) => Promise<unknown>> = {};
for (const method of API_METHODS) {
  api[method] = async (args?: unknown) => {
    const out = (await ipcRenderer.invoke(`api:${method}`, args ?? {})) as { result?: unknown; error?: { message: string } };
    if (out.error) throw new Error(out.error.message);
    return out.result;
  };
}

contextBridge.exposeInMainWorld('marketlens', {
  api: Object.freeze(api),
  on(name: string, listener: (payload: unknown) => void): () => void {
    if (!(PUSH_NAMES as readonly string[]).includes(name)) throw new Error(`unknown push "${name}"`);
    const channel = `push:${name}`;
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  },
});
