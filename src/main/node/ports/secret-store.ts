/**
 * SecretStore: where the platform token lives. Never SQLite, never logs.
 * - Electron: encrypted with safeStorage (src/main/electron/secret-store.ts).
 * - Web mode / CLI: a file readable by the owner only (0600) inside the workspace.
 * - Tests: in memory.
 */
import { mkdirSync, readFileSync, writeFileSync, chmodSync, renameSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretStore {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
}

const NAME_RE = /^[a-z][a-z0-9_.-]{0,63}$/;

export class FileSecretStore implements SecretStore {
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  private path(name: string): string {
    if (!NAME_RE.test(name)) throw new Error(`invalid secret name "${name}"`);
    return join(this.dir, name);
  }
  get(name: string): string | null {
    const p = this.path(name);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }
  set(name: string, value: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const p = this.path(name);
    const tmp = p + '.tmp';
    writeFileSync(tmp, value, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, p);
  }
  delete(name: string): void {
    rmSync(this.path(name), { force: true });
  }
}

export class MemorySecretStore implements SecretStore {
  private readonly m = new Map<string, string>();
  get(name: string): string | null {
    return this.m.get(name) ?? null;
  }
  set(name: string, value: string): void {
    this.m.set(name, value);
  }
  delete(name: string): void {
    this.m.delete(name);
  }
}
