/**
 * Reference implementation of a sequential, session-unit funnel in plain SQL (SQLite), written
 * straight from docs/funnels.md and independent of the engine's code: every step-1 event in the
 * period is a candidate entry; from it, step k is the first event of step k's type after step k-1
 * (by time, then seq) and no later than entry + window; a session's attempt is the first entry
 * (by time, seq) reaching the greatest depth. Durations: nearest-rank percentiles, mean rounded.
 *
 * Used by the integration tests to check the engine's counts and times to the millisecond.
 */
import type { Database } from '../../src/main/node/db/index.ts';
import { HISTOGRAM_EDGES_MS } from '../../src/analytics/funnel/stats.ts';

export interface RefStats { count: number; meanMs: number; medianMs: number; p90Ms: number; p95Ms: number; minMs: number; maxMs: number; histogram: number[] }
export interface RefStep { entered: number; timeFromPrevious: RefStats | null; timeToConvert: RefStats | null }
export interface RefFunnel { steps: RefStep[]; byDevice: Record<string, number[]> }

export function referenceFunnel(db: Database, o: { types: string[]; start: number; end: number; windowMs: number }): RefFunnel {
  const n = o.types.length;
  const typeList = o.types.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ');
  db.exec('DROP TABLE IF EXISTS temp.ref_ev');
  db.exec(`CREATE TEMP TABLE ref_ev AS
    SELECT seq, time, session_id AS unit, type, device FROM events
    WHERE session_id IS NOT NULL AND time >= ${o.start} AND time < ${o.end + o.windowMs} AND type IN (${typeList})`);
  db.exec('CREATE INDEX temp.ref_ev_unit ON ref_ev (unit, type, time, seq)');
  db.exec('CREATE UNIQUE INDEX temp.ref_ev_seq ON ref_ev (seq)');

  const ctes: string[] = [
    `c1 AS (SELECT unit, device, seq AS s1, time AS t1 FROM ref_ev WHERE type = '${o.types[0]}' AND time < ${o.end})`,
  ];
  for (let k = 2; k <= n; k++) {
    ctes.push(`c${k} AS (
      SELECT c.*, nx.seq AS s${k}, nx.time AS t${k}
      FROM c${k - 1} c LEFT JOIN ref_ev nx ON nx.seq = (
        SELECT e.seq FROM ref_ev e
        WHERE c.s${k - 1} IS NOT NULL AND e.unit = c.unit AND e.type = '${o.types[k - 1]}'
          AND (e.time > c.t${k - 1} OR (e.time = c.t${k - 1} AND e.seq > c.s${k - 1}))
        ORDER BY e.time, e.seq LIMIT 1
      ) AND nx.time <= c.t1 + ${o.windowMs})`);
  }
  const depth = Array.from({ length: n }, (_, i) => `(s${i + 1} IS NOT NULL)`).join(' + ');
  db.exec('DROP TABLE IF EXISTS temp.ref_best');
  db.exec(`CREATE TEMP TABLE ref_best AS
    WITH ${ctes.join(',\n')},
    scored AS (SELECT *, ${depth} AS depth FROM c${n}),
    ranked AS (SELECT *, row_number() OVER (PARTITION BY unit ORDER BY depth DESC, t1, s1) AS rn FROM scored)
    SELECT * FROM ranked WHERE rn = 1`);

  const stats = (expr: string, k: number): RefStats | null => {
    const base = `SELECT ${expr} AS d FROM ref_best WHERE s${k} IS NOT NULL`;
    const agg = db.prepare(`SELECT count(*) AS n, CAST(round(avg(d)) AS INTEGER) AS mean, min(d) AS mn, max(d) AS mx FROM (${base})`).get() as { n: number; mean: number; mn: number; mx: number };
    if (agg.n === 0) return null;
    const rank = (p: number) => `max(1, (${p} * n + 99) / 100)`;
    const pick = db.prepare(`WITH v AS (SELECT d, row_number() OVER (ORDER BY d) AS rk, count(*) OVER () AS n FROM (${base}))
      SELECT (SELECT d FROM v WHERE rk = ${rank(50)}) AS p50, (SELECT d FROM v WHERE rk = ${rank(90)}) AS p90, (SELECT d FROM v WHERE rk = ${rank(95)}) AS p95
      FROM v LIMIT 1`).get() as { p50: number; p90: number; p95: number };
    const edges = HISTOGRAM_EDGES_MS;
    const bins = edges.map((lo, i) => (i + 1 < edges.length ? `sum(d >= ${lo} AND d < ${edges[i + 1]})` : `sum(d >= ${lo})`)).join(', ');
    const hist = db.prepare(`SELECT ${bins} FROM (${base})`).raw().get() as number[];
    return { count: agg.n, meanMs: agg.mean, medianMs: pick.p50, p90Ms: pick.p90, p95Ms: pick.p95, minMs: agg.mn, maxMs: agg.mx, histogram: hist.map((x) => x ?? 0) };
  };
  const steps: RefStep[] = [];
  for (let k = 1; k <= n; k++) {
    const entered = db.prepare(`SELECT count(*) FROM ref_best WHERE depth >= ${k}`).pluck().get() as number;
    steps.push({ entered, timeFromPrevious: k === 1 ? null : stats(`t${k} - t${k - 1}`, k), timeToConvert: k === 1 ? null : stats(`t${k} - t1`, k) });
  }
  const byDevice: Record<string, number[]> = {};
  const sums = Array.from({ length: n }, (_, i) => `sum(depth >= ${i + 1})`).join(', ');
  for (const r of db.prepare(`SELECT coalesce(device, 'unknown') AS device, ${sums} FROM ref_best GROUP BY 1`).raw().all() as [string, ...number[]][]) {
    byDevice[r[0]] = r.slice(1) as number[];
  }
  db.exec('DROP TABLE temp.ref_best; DROP TABLE temp.ref_ev');
  return { steps, byDevice };
}
