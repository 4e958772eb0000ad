// Locate the Electron binary without triggering electron's own noisy download-on-require.
// `obtain: true` tries the official installer once, quietly, when the binary is missing.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

export function electronBinary({ obtain = false } = {}) {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const find = () => {
    if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
      const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
      return existsSync(p) ? p : null;
    }
    const pathFile = join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const p = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(p) ? p : null;
  };
  let bin = find();
  if (!bin && obtain) {
    spawnSync(process.execPath, [join(pkgDir, 'install.js')], { stdio: 'ignore', timeout: 120_000 });
    bin = find();
  }
  return bin;
}
