/**
 * `npm run web`: web mode. Same services as the desktop app, the same renderer, served to a
 * browser over loopback HTTP. Flags: --workspace DIR, --port N, --no-open.
 */
import { existsSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServices } from '../services/index.ts';
import { startWebHost } from './host.ts';
import { resolveWorkspaceDir, workspaceFiles } from '../workspace/paths.ts';
import { FileSecretStore } from '../ports/secret-store.ts';
import type { Notifier } from '../ports/notifier.ts';
import { parseFlags } from '../cli/flags.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

export async function main(argv: string[]): Promise<void> {
  const { flags } = parseFlags(argv, { boolean: ['no-open', 'rebuild'] });
  const rendererDir = root + 'out/renderer';
  if (!existsSync(rendererDir + '/index.html') || flags.rebuild) {
    process.stderr.write('building the renderer (vite build)…\n');
    const r = spawnSync(process.execPath, [root + 'node_modules/vite/bin/vite.js', 'build', '--config', root + 'vite.renderer.config.ts', '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) throw new Error('renderer build failed');
  }
  const workspaceDir = resolveWorkspaceDir(flags.workspace as string | undefined);
  // In web mode the browser shows desktop notifications (Notification API) from the alert.fired push.
  const notifier: Notifier = { notify: (n) => process.stderr.write(`alert [${n.severity}] ${n.title}\n`) };
  const services = await createServices({
    workspaceDir, mode: 'web', secrets: new FileSecretStore(workspaceFiles(workspaceDir).secrets), notifier, background: true,
  });
  const host = await startWebHost({ services, rendererDir, port: flags.port ? Number(flags.port) : 0 });
  process.stdout.write(`Marketlens web mode: workspace ${workspaceDir}\n`);
  process.stdout.write(`open ${host.launchUrl}\n`);
  if (!flags['no-open'] && !process.env.CI) openBrowser(host.launchUrl);
  const shutdown = async () => {
    await host.close();
    await services.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const c = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    c.on('error', () => undefined);
    c.unref();
  } catch {
    /* no browser opener: the URL is printed */
  }
}
