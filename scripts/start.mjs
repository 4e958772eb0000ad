#!/usr/bin/env node
// `npm start`: the Electron app. Where the Electron runtime cannot be obtained, say so in one line
// and open web mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { electronBinary } from './electron-binary.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronBin = electronBinary({ obtain: !process.env.CI });
if (!electronBin) {
  console.log('Electron runtime not available on this machine (its binary could not be downloaded); opening web mode instead.');
  await import('./web.mjs');
} else {
  if (!existsSync(root + 'out/main/index.js')) {
    const b = spawnSync(process.execPath, [root + 'node_modules/electron-vite/bin/electron-vite.js', 'build'], { stdio: 'inherit', cwd: root });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  const child = spawn(electronBin, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
