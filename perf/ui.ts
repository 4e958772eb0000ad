/**
 * UI benchmarks in real Chromium against web mode (the same renderer and services as the app):
 *
 *   npm run bench -- live [--events 1000000]   Live page first paint on a workspace of N events
 *   npm run bench -- sync [--days 120 --users 20000]
 *                                              full sync of the demo workspace: progress updates
 *                                              seen by the page, and main-thread long tasks
 *
 * First paint = from navigation start to the moment the GMV headline shows a value (Performance
 * API in the page). Long tasks come from a PerformanceObserver('longtask') installed before load.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/main/node/db/index.ts';
import { importFile } from '../src/main/node/import/index.ts';
import { writeNdjson } from './gen-events.ts';
import { launchBrowser, startWebMode, api } from '../test/e2e/helpers.ts';
import type { SyncStatus } from '../src/main/common/types.ts';

const DAY = 86_400_000;

const LONGTASK_OBSERVER = `
  window.__longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
`;

export async function liveBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } } });
  const n = Number(values.events);
  const dir = mkdtempSync(join(tmpdir(), 'ml-bench-live-'));
  const file = join(dir, 'events.ndjson');
  // N events spread over the last 30 days, ending now: today holds ~1/30 of them.
  const t0 = Date.now();
  await writeNdjson(file, n, { seed: 11, start: Date.now() - 30 * DAY, spacingMs: (30 * DAY) / n });
  const { db, close } = openDatabase(join(dir, 'marketlens.sqlite'));
  const imported = await importFile(db, file);
  close();
  process.stdout.write(`workspace: ${imported.inserted.toLocaleString()} events imported in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  const app = await startWebMode({}, dir);
  const browser = await launchBrowser();
  try {
    const paints: number[] = [];
    for (let i = 0; i < Number(values.runs); i++) {
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await page.addInitScript(LONGTASK_OBSERVER);
      await page.goto(`${app.url}/#/live&token=${app.token}`);
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-testid="live-gmv"]');
        return el && /\d/.test(el.textContent ?? '');
      }, undefined, { timeout: 30_000 });
      const ms = await page.evaluate(() => performance.now());
      paints.push(ms);
      await page.context().close();
    }
    paints.sort((a, b) => a - b);
    const median = paints[Math.floor(paints.length / 2)]!;
    process.stdout.write(`Live first paint on ${n.toLocaleString()} events: median ${median.toFixed(0)} ms (runs: ${paints.map((p) => p.toFixed(0)).join(', ')}) — target < 1000 ms\n`);
    process.stdout.write(JSON.stringify({ bench: 'live', events: n, firstPaintMs: paints, medianMs: Math.round(median) }) + '\n');
  } finally {
    await browser.close();
    await app.stop();
  }
}

export async function syncBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { days: { type: 'string', default: '120' }, users: { type: 'string', default: '20000' } } });
  const app = await startWebMode({ MARKETLENS_DEMO_DAYS: values.days!, MARKETLENS_DEMO_USERS: values.users!, MARKETLENS_DEMO_LIVE: '0' });
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.addInitScript(LONGTASK_OBSERVER);
    await page.goto(app.launchUrl);
    const t0 = Date.now();
    const clickedAt = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: /demo workspace/i }).click();
    // Sample what the page shows: the progress counter must keep moving while the sync runs.
    const samples: { t: number; text: string }[] = [];
    let final: SyncStatus | null = null;
    while (!final) {
      const text = await page.getByTestId('sync-fetched').first().innerText().catch(() => '');
      samples.push({ t: Date.now() - t0, text });
      const s = await api<SyncStatus>(app, 'sync.status');
      if (s.state !== 'running' && s.fetched > 0) final = s;
      await new Promise((r) => setTimeout(r, 500));
    }
    const all = (await page.evaluate(() => (window as unknown as { __longTasks: [number, number][] }).__longTasks)) ?? [];
    const longTasks = all.filter(([start]) => start >= clickedAt).map(([, d]) => d);
    const loadTasks = all.filter(([start]) => start < clickedAt).map(([, d]) => d);
    const changes = samples.filter((s, i) => i > 0 && s.text !== samples[i - 1]!.text).length;
    // the first change comes after the demo platform has started and answered its first page;
    // after it, the longest wait between two changes is what a user sees as a pause
    let maxStall = 0, last = -1, firstMs = -1;
    samples.forEach((s, i) => {
      if (i > 0 && s.text !== samples[i - 1]!.text) {
        if (last < 0) firstMs = s.t;
        else maxStall = Math.max(maxStall, s.t - last);
        last = s.t;
      }
    });
    const secs = (Date.now() - t0) / 1000;
    process.stdout.write(`demo sync (${values.days} days, ${values.users} users): ${final.inserted.toLocaleString()} events in ${secs.toFixed(1)} s (${final.eventsPerSec.toLocaleString()} ev/s)\n`);
    process.stdout.write(`progress counter changed ${changes} times in ${samples.length} samples; first change ${firstMs} ms after the click (demo platform start), then longest wait between changes ${maxStall} ms\n`);
    process.stdout.write(`main-thread long tasks during the sync: ${longTasks.length}, longest ${Math.round(Math.max(0, ...longTasks))} ms; during page load before it: ${loadTasks.length}, longest ${Math.round(Math.max(0, ...loadTasks))} ms\n`);
    process.stdout.write(JSON.stringify({ bench: 'sync', events: final.inserted, seconds: secs, progressChanges: changes, firstProgressMs: firstMs, maxStallMs: maxStall, longTasks: longTasks.map(Math.round), loadLongTasks: loadTasks.map(Math.round) }) + '\n');
  } finally {
    await browser.close();
    await app.stop();
  }
}
