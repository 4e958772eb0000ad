/** Where a workspace lives: --workspace DIR, else MARKETLENS_HOME, else the OS app-data dir. */
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

export function appDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Marketlens');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Marketlens');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Marketlens');
  }
}

export function resolveWorkspaceDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.MARKETLENS_HOME) return resolve(env.MARKETLENS_HOME);
  return join(appDataDir(env), 'workspace');
}

export interface WorkspaceFiles { dir: string; db: string; secrets: string; exports: string }
export function workspaceFiles(dir: string): WorkspaceFiles {
  return { dir, db: join(dir, 'marketlens.sqlite'), secrets: join(dir, 'secrets'), exports: join(dir, 'exports') };
}
