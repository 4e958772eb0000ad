/**
 * "Demo workspace": runs the demo marketplace platform as a separate process on loopback and
 * points the workspace at it. The parameters (seed, days, users, end date) are stored so the
 * same deterministic platform comes back on the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { SettingsStore } from './settings.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { DemoInfo } from '../../common/types.ts';
import { dayKey } from '../../../analytics/calendar.ts';

export interface DemoParams { seed: number; days: number; users: number; endDate: string }

const DEMO_KEY = 'demo';

/** How to launch the platform program: Node runs the TS entry; Electron overrides this. */
export interface PlatformLauncher { command: string; args: string[]; env?: NodeJS.ProcessEnv }
export function defaultLauncher(): PlatformLauncher {
  return { command: process.execPath, args: [new URL('../../../platform-sim/main.ts', import.meta.url).pathname] };
}

export class DemoController {
  private child: ChildProcess | null = null;
  private info: DemoInfo | null = null;
  private readonly settings: SettingsStore;
  private readonly secrets: SecretStore;
  private readonly tokenName: string;
  private readonly launcher: PlatformLauncher;

  constructor(settings: SettingsStore, secrets: SecretStore, tokenName: string, launcher: PlatformLauncher = defaultLauncher()) {
    this.settings = settings;
    this.secrets = secrets;
    this.tokenName = tokenName;
    this.launcher = launcher;
  }

  isDemoWorkspace(): boolean {
    return this.settings.getInternal<DemoParams>(DEMO_KEY) !== null;
  }

  /** A stable name for the demo feed in sync_state: the platform's port changes per launch, its data does not. */
  feedKey(): string | null {
    const p = this.settings.getInternal<DemoParams>(DEMO_KEY);
    return p ? `demo:seed=${p.seed};days=${p.days};users=${p.users};end=${p.endDate}` : null;
  }

  running(): DemoInfo | null {
    return this.info;
  }

  async start(args: { seed?: number; days?: number; users?: number }): Promise<DemoInfo> {
    const prev = this.settings.getInternal<DemoParams>(DEMO_KEY);
    const params: DemoParams = {
      seed: args.seed ?? prev?.seed ?? 42,
      days: args.days ?? prev?.days ?? Number(process.env.MARKETLENS_DEMO_DAYS ?? 120),
      users: args.users ?? prev?.users ?? Number(process.env.MARKETLENS_DEMO_USERS ?? 20000),
      endDate: prev?.endDate ?? dayKey(Date.now(), this.settings.get().timezone),
    };
    this.settings.setInternal(DEMO_KEY, params);
    return this.launch(params);
  }

  async resume(): Promise<DemoInfo | null> {
    const params = this.settings.getInternal<DemoParams>(DEMO_KEY);
    return params ? this.launch(params) : null;
  }

  private async launch(p: DemoParams): Promise<DemoInfo> {
    if (this.info) return this.info;
    const token = randomBytes(24).toString('base64url');
    const child = spawn(
      this.launcher.command,
      [...this.launcher.args, '--port', '0', '--host', '127.0.0.1', '--seed', String(p.seed), '--days', String(p.days), '--users', String(p.users), '--end-date', p.endDate, ...(process.env.MARKETLENS_DEMO_LIVE === '0' ? [] : ['--live']), ...(process.env.MARKETLENS_DEMO_DROPOFF_INCIDENT === '1' ? ['--dropoff-incident'] : [])],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.launcher.env, MARKETLENS_PLATFORM_TOKEN: token } },
    );
    this.child = child;
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (line) => {
        const m = /platform listening on (http:\/\/\S+)/.exec(line);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`demo platform exited (${code}): ${stderr.trim()}`)));
      child.once('error', reject);
    });
    child.once('exit', () => {
      this.child = null;
      this.info = null;
    });
    this.settings.update({ platformUrl: url });
    this.secrets.set(this.tokenName, token);
    this.info = { url, days: p.days, users: p.users, seed: p.seed };
    return this.info;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => { c.kill('SIGKILL'); resolve(); }, 3000).unref();
    });
    this.child = null;
    this.info = null;
  }
}
