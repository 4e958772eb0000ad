/** Plain-text renderings of result objects for the CLI (the --json output is the object itself). */
import type { LiveSnapshot } from '../../../analytics/live.ts';
import type { QuarantinePage, SyncStatus } from '../../common/types.ts';

export function progressLine(s: SyncStatus): string {
  const width = 24;
  const frac = s.total ? Math.min(1, s.fetched / s.total) : null;
  const bar = frac === null ? '' : '[' + '#'.repeat(Math.round(frac * width)).padEnd(width, '.') + `] ${(frac * 100).toFixed(1)}% `;
  return `sync ${s.state}: ${bar}${fmt(s.fetched)}${s.total ? '/' + fmt(s.total) : ''} fetched, ${fmt(s.inserted)} new, ${fmt(s.duplicates)} dup, ${fmt(s.quarantined)} quarantined, ${fmt(Math.round(s.eventsPerSec))} ev/s${s.retries ? `, ${s.retries} retries` : ''}${s.error ? ` — ${s.error}` : ''}`;
}

export function renderGmv(s: LiveSnapshot): string {
  const lines = [
    `Business day ${s.day} (${s.timezone}), as of ${new Date(s.asOf).toISOString()}`,
    `GMV        ${s.gmv.display}${s.gmvByCurrency.length > 1 ? '  (' + s.gmvByCurrency.map((m) => m.display).join(' + ') + ')' : ''}`,
    `Orders     ${fmt(s.orders)}`,
    `AOV        ${s.aov?.display ?? '—'}`,
    `Refunds    ${s.refunds.display}  (rate ${s.refundRate === null ? '—' : (s.refundRate * 100).toFixed(2) + '%'})`,
    `Window     latest ${s.window.windowMinutes} min ${s.window.latest.display} vs prior ${s.window.prior.display} (${s.window.changePct === null ? '—' : s.window.changePct.toFixed(1) + '%'})`,
  ];
  if (Object.keys(s.fxRates).length) lines.push(`FX rates   ${Object.entries(s.fxRates).map(([c, r]) => `1 ${c} = ${r} ${s.reportingCurrency}`).join(', ')}`);
  if (s.missingRates.length) lines.push(`Excluded   no rate for ${s.missingRates.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function renderQuarantine(p: QuarantinePage): string {
  const out = [`${p.total} quarantined row(s)`];
  for (const r of p.rows) out.push(`#${r.id} ${new Date(r.quarantinedAt).toISOString()} ${r.origin} @ ${r.location} ${r.eventType ?? '?'} ${r.eventId ?? ''}\n    ${r.field}: ${r.reason}`);
  return out.join('\n') + '\n';
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
