/**
 * `marketlens funnel investigate`: evaluate the drop-off watches (spec 2.3) for one window and print
 * the investigation (the same object the Funnels page renders). Exit code 4 when a watch's trigger
 * fires, so cron can page; docs/cli.md lists the JSON fields.
 */
import { writeFileSync } from 'node:fs';
import type { Services } from '../services/index.ts';
import { directClient } from '../../common/dispatch.ts';
import { isDay, parseRfc3339 } from '../../../analytics/calendar.ts';
import type { ApiArgs } from '../../common/api.ts';
import type { DropoffInvestigation } from '../../../analytics/dropoff/index.ts';
import { UsageError, type Parsed } from './flags.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** Exit code when a drop-off trigger fires. */
export const EXIT_DROPOFF_ALERT = 4;

export const INVESTIGATE_USAGE = `  funnel investigate [--at ISO | --date YYYY-MM-DD --hour H] [--watch ID] [--json]
         [--out FILE --format csv|xlsx [--table summary|segments|causes|sessions]]
                                                    drop-off investigation of the window ending at --at's hour (or
                                                    at the end of hour H; default: the latest window with complete data);
                                                    exit 4 when the trigger fires
  funnel dropoff-settings [get] | funnel dropoff-settings set KEY VALUE
                                                    the drop-off watch settings (thresholdPp, windowHours, baselineDays,
                                                    minEntered, minBaselineEntered, minZ, completionMinutes, enabled,
                                                    watches as JSON)`;

export async function dropoffSettingsCmd(services: Services, { positionals }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const [, op, key, value] = positionals;
  if (op === undefined || op === 'get') {
    io.out(JSON.stringify(await call('dropoff.settings.get', undefined), null, 2) + '\n');
    return 0;
  }
  if (op !== 'set' || !key || value === undefined) throw new UsageError('usage: marketlens funnel dropoff-settings set KEY VALUE (VALUE as JSON when not a plain string)');
  let v: unknown = value;
  try {
    v = JSON.parse(value);
  } catch {
    v = value;
  }
  const s = await call('dropoff.settings.update', { [key]: v } as never);
  io.out(JSON.stringify(s, null, 2) + '\n');
  return 0;
}

export async function investigateCmd(services: Services, { flags }: Parsed, io: Out): Promise<number> {
  const call = directClient(services.handlers);
  const a: ApiArgs<'dropoff.investigate'> = {};
  if (flags.at !== undefined) {
    if (typeof flags.at !== 'string') throw new UsageError('--at needs an RFC 3339 time');
    try {
      a.at = parseRfc3339(flags.at);
    } catch {
      throw new UsageError(`--at must be an RFC 3339 time such as 2026-03-14T15:00:00Z, got "${flags.at}"`);
    }
  }
  if (flags.date !== undefined || flags.hour !== undefined) {
    if (a.at !== undefined) throw new UsageError('give either --at or --date with --hour');
    if (!isDay(flags.date)) throw new UsageError('--date must be YYYY-MM-DD (with --hour H)');
    const h = Number(flags.hour);
    if (typeof flags.hour !== 'string' || !/^\d{1,2}$/.test(flags.hour) || h > 23) throw new UsageError('--hour must be 0..23 (with --date)');
    a.date = flags.date;
    a.hour = h;
  }
  if (typeof flags.watch === 'string') a.watch = flags.watch;
  const out = typeof flags.out === 'string' ? flags.out : null;
  const format = flags.format;
  if (out !== null && format !== 'csv' && format !== 'xlsx') throw new UsageError('--out needs --format csv|xlsx');
  const table = flags.table as ApiArgs<'dropoff.export'>['table'];
  if (table !== undefined && !['summary', 'segments', 'causes', 'sessions'].includes(table)) throw new UsageError('--table is summary, segments, causes or sessions');

  const invs = await call('dropoff.investigate', a);
  const files: { watch: string; file: string; bytes: number }[] = [];
  if (out !== null) {
    for (const inv of invs) {
      const f = await call('dropoff.export', { id: inv.id, format: format as 'csv' | 'xlsx', table });
      const path = invs.length > 1 ? out.replace(/(\.[a-z]+)?$/i, (ext) => `-${inv.watch.id}${ext}`) : out;
      writeFileSync(path, Buffer.from(f.base64, 'base64'));
      files.push({ watch: inv.watch.id, file: path, bytes: f.bytes });
    }
  }
  if (flags.json) io.out(JSON.stringify(out === null ? invs : { investigations: invs, files }, null, 2) + '\n');
  else io.out(invs.map(renderInvestigation).join('\n') + files.map((f) => `wrote ${f.bytes} bytes to ${f.file}\n`).join(''));
  const fired = invs.filter((i) => i.trigger.fired);
  for (const i of fired) io.err(`marketlens funnel: ALERT: ${i.watch.label} drop-off ${pct(i.current.rate)} vs baseline ${pct(i.baseline.rate)} (+${i.excessPp} pp) in ${i.window.label}\n`);
  return fired.length > 0 ? EXIT_DROPOFF_ALERT : 0;
}

const pct = (x: number | null): string => (x === null ? '—' : (x * 100).toFixed(1) + '%');

export function renderInvestigation(i: DropoffInvestigation): string {
  const lines = [
    `#${i.id} ${i.watch.label} (${i.watch.fromLabel} -> ${i.watch.toLabel}), ${i.window.label} ${i.timezone}`,
    `  drop-off ${pct(i.current.rate)} (${i.current.dropped}/${i.current.entered}) vs baseline ${pct(i.baseline.rate)} (${i.baseline.dropped}/${i.baseline.entered}): ` +
      `${i.excessPp === null ? '—' : (i.excessPp >= 0 ? '+' : '') + i.excessPp + ' pp'}, z ${i.z ?? '—'}, excess ${i.excessDropped} session(s)`,
    `  baseline: ${i.baselineMethod}; dropped = not completed within ${i.completionMinutes} min${i.dataComplete ? '' : ' (data incomplete for this window)'}`,
    `  trigger (> ${i.trigger.thresholdPp} pp): ${i.trigger.fired ? 'FIRED' : 'no'} — ${i.trigger.reason}${i.alert ? ` (alert #${i.alert.id}${i.alert.newEpisode ? ', new episode' : ', same episode'})` : ''}`,
  ];
  const top = i.causes.filter((c) => c.excess > 0).slice(0, 8);
  if (top.length) {
    lines.push('  causes ranked by excess dropped sessions (device; sources):');
    for (const c of top) {
      lines.push(`    ${String(c.rank).padStart(2)}. ${c.label.padEnd(40)} ${c.device.padEnd(11)} ${String(c.current).padStart(5)} vs ${String(c.expected).padStart(7)} expected  excess ${c.excess}` +
        `${c.shareOfExcess === null ? '' : ` (${pct(c.shareOfExcess)} of excess)`}; ${c.bySource.filter((x) => x.excess > 0).slice(0, 3).map((x) => `${x.key} +${x.excess}`).join(', ')}`);
    }
  }
  lines.push(`  common causes: ${i.commonCauses.map((c) => `${c.label}: ${c.seen ? `${c.current} (exp ${c.expected})` : 'not in the data'}`).join('; ')}`);
  if (i.review) lines.push(`  flagged for UX/product review: ${i.review.note}`);
  return lines.join('\n') + '\n';
}
