/**
 * `marketlens` CLI: the same services as the app, for headless and cron use.
 * Exit codes: 0 success, 1 failure, 2 usage error, 3 sync cancelled, 4 alert (reconciliation, payout or funnel drop-off). `--json` prints the same
 * object the UI renders.
 */
import { createServices, type Services } from '../services/index.ts';
import { resolveWorkspaceDir, workspaceFiles } from '../workspace/paths.ts';
import { FileSecretStore } from '../ports/secret-store.ts';
import { StderrNotifier } from '../ports/notifier.ts';
import { directClient } from '../../common/dispatch.ts';
import { parseFlags, UsageError, type Parsed } from './flags.ts';
import { isDay } from '../../../analytics/calendar.ts';
import type { SyncStatus } from '../../common/types.ts';
import { renderGmv, renderQuarantine, progressLine } from './render.ts';
import { funnelCmd, FUNNEL_USAGE } from './funnel.ts';
import { reconCmd, RECON_USAGE } from './recon.ts';
import { payoutsCmd, PAYOUTS_USAGE } from './payouts.ts';
import { cohortsCmd, COHORTS_USAGE, COHORT_BOOLEAN_FLAGS } from './cohorts.ts';
import { rfmCmd, RFM_USAGE } from './rfm.ts';

export const USAGE = `usage: marketlens <command> [options]

commands:
  sync [--platform URL] [--token T] [--json]       pull the platform's event feed into the workspace
  import FILE... [--json]                           import NDJSON / JSON / CSV event files
  gmv [--date YYYY-MM-DD] [--json]                  the Live GMV snapshot (today, or a past business day)
  quarantine list [--limit N] [--offset N] [--json] rows that failed validation, newest first
  settings get | settings set KEY VALUE             read or change workspace settings
${FUNNEL_USAGE}
${RECON_USAGE}
${PAYOUTS_USAGE}
${COHORTS_USAGE}
${RFM_USAGE}
  demo-platform [--port N] [--seed N] [--days N] [--users N] [--live]
                                                    run the demo marketplace platform server

common options:
  --workspace DIR   the workspace folder (default: $MARKETLENS_HOME or the OS app-data dir)
  --json            machine-readable output on stdout
The platform token is read from --token or $MARKETLENS_TOKEN and stored in the workspace's secret store.`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const std: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function run(argv: string[], io: Out = std): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE + '\n');
    return cmd ? 0 : 2;
  }
  let services: Services | null = null;
  try {
    if (cmd === 'demo-platform') return await demoPlatform(rest, io);
    const parsed = parseFlags(rest, { boolean: ['json', 'quiet', 'dry-run', ...COHORT_BOOLEAN_FLAGS] });
    const workspaceDir = resolveWorkspaceDir(parsed.flags.workspace as string | undefined);
    services = await createServices({
      workspaceDir, mode: 'cli', secrets: new FileSecretStore(workspaceFiles(workspaceDir).secrets), notifier: new StderrNotifier(), actor: 'cli',
    });
    switch (cmd) {
      case 'sync':
        return await sync(services, parsed, io);
      case 'import':
        return await importCmd(services, parsed, io);
      case 'gmv':
        return await gmv(services, parsed, io);
      case 'quarantine':
        return await quarantine(services, parsed, io);
      case 'settings':
        return await settingsCmd(services, parsed, io);
      case 'funnel':
        return await funnelCmd(services, parsed, io);
      case 'recon':
        return await reconCmd(services, parsed, io);
      case 'payouts':
        return await payoutsCmd(services, parsed, io);
      case 'cohorts':
        return await cohortsCmd(services, parsed, io);
      case 'rfm':
        return await rfmCmd(services, parsed, io);
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`marketlens: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.err(`marketlens ${cmd}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await services?.close();
  }
}

async function sync(services: Services, { flags }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  if (typeof flags.platform === 'string') await call('settings.update', { platformUrl: flags.platform });
  const token = (flags.token as string | undefined) ?? process.env.MARKETLENS_TOKEN;
  if (token) await call('settings.setToken', { token });
  const tty = Boolean(process.stderr.isTTY) && !flags.quiet;
  let lastLine = 0;
  const off = services.push.subscribe((name, payload) => {
    if (name !== 'sync.progress' || flags.quiet) return;
    const now = Date.now();
    if (!tty && now - lastLine < 2000 && (payload as SyncStatus).state === 'running') return;
    lastLine = now;
    io.err((tty ? '\r\x1b[2K' : '') + progressLine(payload as SyncStatus) + (tty ? '' : '\n'));
  });
  const onSig = () => services.sync.cancel();
  process.once('SIGINT', onSig);
  try {
    services.sync.start();
    const final = await services.sync.wait();
    services.sync.cancel(); // no follow-up polling in the CLI
    if (tty) io.err('\n');
    if (flags.json) io.out(JSON.stringify(final, null, 2) + '\n');
    else if (!tty || flags.quiet) io.out(progressLine(final) + '\n');
    if (final.state === 'error') {
      io.err(`marketlens sync: ${final.error}\n`);
      return 1;
    }
    return final.state === 'cancelled' ? 3 : 0;
  } finally {
    off();
    process.off('SIGINT', onSig);
  }
}

async function importCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  if (positionals.length === 0) throw new UsageError('import needs at least one FILE');
  const call = directClient(services.handlers);
  const results = [];
  for (const path of positionals) results.push(await call('import.file', { path }));
  if (flags.json) io.out(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
  else {
    for (const r of results) {
      io.out(`${r.file}: ${r.rows} rows, ${r.inserted} inserted, ${r.duplicates} duplicates, ${r.quarantined} quarantined\n`);
      for (const e of r.errors.slice(0, 20)) io.out(`  ${r.file}:${e.row} ${e.field}: ${e.reason}\n`);
    }
  }
  return 0;
}

async function gmv(services: Services, { flags }: Parsed, io: Out): Promise<number> {
  let snapshot;
  if (typeof flags.date === 'string') {
    if (!isDay(flags.date)) throw new UsageError(`--date must be YYYY-MM-DD, got "${flags.date}"`);
    snapshot = await services.liveAt(Date.now(), flags.date);
  } else {
    snapshot = await directClient(services.handlers)('live.snapshot', undefined);
  }
  io.out(flags.json ? JSON.stringify(snapshot, null, 2) + '\n' : renderGmv(snapshot));
  return 0;
}

async function quarantine(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  if (positionals[0] !== 'list') throw new UsageError('usage: marketlens quarantine list [--limit N] [--offset N] [--json]');
  const page = await directClient(services.handlers)('quarantine.list', {
    limit: flags.limit ? Number(flags.limit) : 50, offset: flags.offset ? Number(flags.offset) : 0,
  });
  io.out(flags.json ? JSON.stringify(page, null, 2) + '\n' : renderQuarantine(page));
  return 0;
}

async function settingsCmd(services: Services, { flags, positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const [sub, key, value] = positionals;
  if (sub === 'get' || sub === undefined) {
    const s = await call('settings.get', undefined);
    io.out(JSON.stringify(s, null, 2) + '\n');
    return 0;
  }
  if (sub === 'set' && key && value !== undefined) {
    let v: unknown = value;
    if (/^-?\d+(\.\d+)?$/.test(value) && key !== 'platformUrl') v = Number(value);
    if (value.startsWith('{')) v = JSON.parse(value);
    const s = await call('settings.update', { [key]: v } as never);
    io.out((flags.json ? JSON.stringify(s, null, 2) : `${key} = ${JSON.stringify((s as unknown as Record<string, unknown>)[key])}`) + '\n');
    return 0;
  }
  throw new UsageError('usage: marketlens settings get | marketlens settings set KEY VALUE');
}

async function demoPlatform(argv: string[], io: Out): Promise<number> {
  const { main } = await import('../../../platform-sim/main.ts');
  await main(argv);
  io.err('');
  return await new Promise<number>(() => undefined); // serves until killed
}
