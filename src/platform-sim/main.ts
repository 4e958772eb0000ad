/**
 * CLI: node src/platform-sim/main.ts --port 8787 --seed 42 --days 120 --users 20000
 *        [--host 127.0.0.1] [--token T] [--end-date YYYY-MM-DD] [--live] [--live-orders-per-minute N]
 *        [--record FILE] [--no-worker]
 * Prints "platform listening on http://HOST:PORT" when ready; SIGINT/SIGTERM close it.
 * The token defaults to $MARKETLENS_PLATFORM_TOKEN when set, else "demo-token".
 */
import { parseArgs } from 'node:util';
import { isDay } from '../analytics/calendar.ts';
import { pathToFileURL } from 'node:url';
import { startPlatform, type PlatformOptions, type RunningPlatform } from './server.ts';

export function parsePlatformArgs(argv: string[]): PlatformOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '42' },
      days: { type: 'string', default: '120' },
      users: { type: 'string', default: '20000' },
      token: { type: 'string', default: process.env.MARKETLENS_PLATFORM_TOKEN || 'demo-token' },
      'end-date': { type: 'string' },
      live: { type: 'boolean', default: false },
      'dropoff-incident': { type: 'boolean', default: false },
      'live-orders-per-minute': { type: 'string' },
      record: { type: 'string' },
      'no-worker': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: node src/platform-sim/main.ts [--port 8787] [--host 127.0.0.1] [--seed 42] [--days 120] [--users 20000] [--token demo-token]\n'
      + '       [--end-date YYYY-MM-DD] [--live] [--dropoff-incident] [--live-orders-per-minute 20] [--record FILE] [--no-worker]\n');
    process.exit(0);
  }
  const int = (name: string, v: string, lo: number, hi: number): number => {
    if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new Error(`--${name} must be an integer in ${lo}..${hi}`);
    return Number(v);
  };
  const endDate = values['end-date'];
  if (endDate !== undefined && !isDay(endDate)) throw new Error('--end-date must be a YYYY-MM-DD date');
  let opm: number | undefined;
  if (values['live-orders-per-minute'] !== undefined) {
    opm = Number(values['live-orders-per-minute']);
    if (!Number.isFinite(opm) || opm <= 0 || opm > 100_000) throw new Error('--live-orders-per-minute must be a number in (0, 100000]');
  }
  return {
    port: int('port', values.port!, 0, 65535),
    host: values.host!,
    seed: int('seed', values.seed!, 0, 2 ** 31),
    days: int('days', values.days!, 1, 3650),
    users: int('users', values.users!, 1, 2_000_000),
    token: values.token!,
    endDate,
    live: values.live!,
    dropoffIncident: values['dropoff-incident']! || undefined,
    liveOrdersPerMinute: opm,
    record: values.record,
    worker: !values['no-worker'],
  };
}

/**
 * Parse `argv`, start the platform, print "platform listening on URL" and close it on
 * SIGINT/SIGTERM. The token defaults to $MARKETLENS_PLATFORM_TOKEN, else "demo-token".
 * Throws on bad arguments (message names the flag).
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<RunningPlatform> {
  const opts = parsePlatformArgs(argv);
  const p = await startPlatform(opts);
  process.stdout.write(`platform listening on ${p.url}\n`);
  const stop = () => {
    void p.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return p;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  main().catch((e) => {
    process.stderr.write(`platform: ${(e as Error).message}\n`);
    process.exit(2);
  });
}
