/**
 * Electron E2E: the packaged app in a real Electron window. Skips with a clear message when the
 * Electron binary is absent (it cannot be downloaded on every machine; web mode covers the same UI).
 */
import { describe, it, expect } from 'vitest';
// @ts-expect-error plain ESM helper shared with scripts/start.mjs
import { electronBinary } from '../../../scripts/electron-binary.mjs';

const bin = electronBinary() as string | null;
if (!bin) console.warn('Electron E2E skipped: the Electron binary is not installed on this machine (web-mode E2E covers the same renderer).');

describe.skipIf(!bin)('Electron app', () => {
  it('opens the main window with Node and IPC out of the page\'s reach', async () => {
    const { _electron } = await import('playwright-core');
    const app = await _electron.launch({ executablePath: bin!, args: ['.', '--workspace', `/tmp/ml-electron-${process.pid}`], cwd: new URL('../../../', import.meta.url).pathname });
    try {
      const win = await app.firstWindow();
      expect(await win.title()).toBe('Marketlens');
      // sandbox + contextIsolation + no nodeIntegration: the page sees neither Node nor ipcRenderer
      expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await win.evaluate(() => Object.keys((window as unknown as { marketlens: { api: object } }).marketlens.api).length)).toBeGreaterThan(5);
    } finally {
      await app.close();
    }
  });
});
