/**
 * RFM segmentation (spec 3.2, docs/rfm.md): a run's overview (segment sizes, revenue share, cut
 * points, FX rates), the R×F grid, the migration matrix between two runs, customer lookup with the
 * history of segments, the customer list with exports, and the push to the platform with a dry-run
 * preview of what would change.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import type { RfmCustomerHistory, RfmPushPreview, RfmRunDetail, ScoreCut, Segment } from '../../main/common/api-rfm.ts';
import { SEGMENTS } from '../../analytics/rfm/segments.ts';
import { useApi, useApiQuery, errorMessage } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { KpiCard } from '../components/KpiCard.tsx';
import { saveBase64 } from '../components/recon/download.ts';
import { formatDateTime, formatInt, formatRatioPct } from '../format.ts';
import { money, shortSha } from './reconFormat.ts';
import { dayKey } from '../../analytics/calendar.ts';

function Section(props: { title: string; children: ReactNode; actions?: ReactNode; testid?: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid={props.testid}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1, flexWrap: 'wrap' }}>
        <Typography variant="subtitle1" sx={{ flex: 1, fontWeight: 600 }}>{props.title}</Typography>
        {props.actions}
      </Box>
      {props.children}
    </Paper>
  );
}

/** "min–max" of a cut (days, orders or money). */
function cutText(c: ScoreCut, fmt: (v: number) => string): string {
  if (c.min === null || c.max === null) return '—';
  return c.min === c.max ? fmt(c.min) : `${fmt(c.min)} – ${fmt(c.max)}`;
}

export function SegmentsPage() {
  const api = useApi();
  const { timezone } = useAppData();
  const [asOf, setAsOf] = useState(() => dayKey(Date.now(), timezone));
  const [selected, setSelected] = useState<number | null>(null);
  const [reload, setReload] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [filter, setFilter] = useState<{ segment?: Segment; r?: number; f?: number }>({});
  const [page, setPage] = useState(0);
  const [lookup, setLookup] = useState('');
  const [history, setHistory] = useState<RfmCustomerHistory | null>(null);
  const [preview, setPreview] = useState<RfmPushPreview | null>(null);
  const [fromRun, setFromRun] = useState<number | ''>('');
  const [toRun, setToRun] = useState<number | ''>('');

  const runs = useApiQuery('rfm.runs', { limit: 100 }, String(reload));
  const doneRuns = (runs.data?.runs ?? []).filter((r) => r.status === 'done');
  const runQ = useApiQuery('rfm.get', selected === null ? {} : { runId: selected }, `${selected}:${reload}`);
  const run: RfmRunDetail | null = runQ.data ?? null;
  const runId = run?.id ?? null;
  const custArgs = { runId: runId ?? 1, ...filter, limit: 25, offset: page * 25 };
  const customers = useApiQuery('rfm.customers', custArgs, runId === null ? 'none' : JSON.stringify(custArgs));
  const mFrom = fromRun === '' ? (doneRuns[1]?.id ?? null) : fromRun;
  const mTo = toRun === '' ? (doneRuns[0]?.id ?? null) : toRun;
  const migArgs = { fromRunId: mFrom ?? 1, toRunId: mTo ?? 1 };
  const mig = useApiQuery('rfm.migration', migArgs, mFrom === null || mTo === null ? 'none' : JSON.stringify(migArgs));
  const pushes = useApiQuery('rfm.pushes', { limit: 10 }, String(reload));

  async function act(name: string, fn: () => Promise<void>) {
    setBusy(name);
    setError(null);
    setNotice(null);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const runNow = () => act('run', async () => {
    const r = await api.call('rfm.run', { asOf });
    setSelected(r.id);
    setPreview(null);
    setReload((n) => n + 1);
  });
  const download = (format: 'csv' | 'xlsx', segment?: Segment) => act('download', async () => {
    if (runId === null) return;
    const f = await api.call('rfm.export', { runId, format, segment });
    saveBase64(f.filename, f.base64, f.mimeType);
  });
  const dryRun = () => act('preview', async () => {
    setPreview(await api.call('rfm.push.preview', { runId: runId ?? undefined, limit: 20 }));
  });
  const pushNow = () => act('push', async () => {
    const r = await api.call('rfm.push', { runId: runId ?? undefined });
    setNotice(`Push #${r.push.id}: ${r.push.status}, ${formatInt(r.push.changes)} customers in ${r.push.batches} batch(es)${r.resumed.length ? `; resumed ${r.resumed.map((p) => '#' + p.id).join(', ')}` : ''}`);
    setPreview(null);
    setReload((n) => n + 1);
  });
  const find = () => act('lookup', async () => {
    setHistory(await api.call('rfm.customer', { customerId: lookup.trim() }));
  });

  const s = run?.summary ?? null;
  const cur = s?.reportingCurrency ?? 'VND';
  const gridMax = s ? Math.max(1, ...s.grid.flat()) : 1;

  return (
    <Box data-testid="segments-page">
      <PageHeader
        title="Segments"
        subtitle="RFM segmentation: recency, frequency and monetary scores 1–5 over the 12 months up to the as-of date; weekly and on demand"
        actions={(
          <>
            <TextField size="small" type="date" label="As of" value={asOf} onChange={(e) => setAsOf(e.target.value)} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'rfm-asof' } }} />
            <Button variant="contained" onClick={runNow} disabled={busy !== null} data-testid="rfm-run">Run now</Button>
            <TextField size="small" select label="Run" value={runId ?? ''} sx={{ minWidth: 220 }} onChange={(e) => { setSelected(Number(e.target.value)); setPage(0); }} data-testid="rfm-run-select">
              {doneRuns.map((r) => <MenuItem key={r.id} value={r.id}>#{r.id} · as of {r.asOf} · {r.trigger}</MenuItem>)}
            </TextField>
          </>
        )}
      />
      {busy ? <LinearProgress sx={{ mb: 1 }} /> : null}
      {error ? <Alert severity="error" sx={{ mb: 2 }} data-testid="rfm-error">{error}</Alert> : null}
      {notice ? <Alert severity="success" sx={{ mb: 2 }} data-testid="rfm-notice">{notice}</Alert> : null}
      {!run || !s ? (
        <Alert severity="info" data-testid="rfm-empty">{runQ.loading ? 'Loading…' : 'No RFM run yet: pick an as-of date and press "Run now".'}</Alert>
      ) : (
        <>
          <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(170px, 1fr))', gap: 1.5, mb: 2 }}>
            <KpiCard label="Customers" value={formatInt(s.customers)} testid="rfm-kpi-customers" footer={`${formatInt(s.orders)} orders`} />
            <KpiCard label="Revenue (12 months)" value={money(s.revenue, cur)} testid="rfm-kpi-revenue"
              footer={s.rates.filter((r) => r.currency !== cur).map((r) => `1 ${r.currency} = ${r.rate} ${cur}`).join(' · ') || `all in ${cur}`} />
            <KpiCard label="As of" value={s.asOf} testid="rfm-kpi-window" footer={`12 months: ${s.window.firstDay} – ${s.window.lastDay} (${run.params.timezone})`} />
            <KpiCard label={`Run #${run.id}`} value={run.trigger} testid="rfm-kpi-run"
              footer={`${formatDateTime(run.finishedAt ?? run.startedAt, timezone)} · events ≤ seq ${run.watermark.seq ?? '—'} · ${shortSha(run.resultHash)}`} />
          </Box>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1.3fr 1fr' }, gap: 2 }}>
            <Section title="Segments" testid="rfm-segments" actions={(
              <>
                <Button size="small" variant="outlined" onClick={() => download('csv')} disabled={busy !== null} data-testid="rfm-download-csv">CSV</Button>
                <Button size="small" variant="outlined" onClick={() => download('xlsx')} disabled={busy !== null} data-testid="rfm-download-xlsx">XLSX</Button>
              </>
            )}>
              <Table size="small">
                <TableHead><TableRow><TableCell>Segment</TableCell><TableCell>Rule</TableCell><TableCell align="right">Customers</TableCell><TableCell align="right">Share</TableCell><TableCell align="right">Revenue</TableCell><TableCell align="right">Revenue share</TableCell><TableCell /></TableRow></TableHead>
                <TableBody>
                  {s.segments.map((g) => (
                    <TableRow key={g.segment} hover selected={filter.segment === g.segment} data-testid={`rfm-seg-${g.segment}`}>
                      <TableCell><Button size="small" onClick={() => { setFilter({ segment: g.segment }); setPage(0); }}>{g.segment}</Button></TableCell>
                      <TableCell>{g.rule ?? 'no rule matched'}</TableCell>
                      <TableCell align="right">{formatInt(g.customers)}</TableCell>
                      <TableCell align="right">{formatRatioPct(g.customerShare, 1)}</TableCell>
                      <TableCell align="right">{money(g.revenue, cur)}</TableCell>
                      <TableCell align="right">{formatRatioPct(g.revenueShare, 1)}</TableCell>
                      <TableCell><Button size="small" disabled={g.customers === 0 || busy !== null} onClick={() => download('csv', g.segment)}>List</Button></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Typography variant="caption" color="text.secondary">Rules apply in this order; the first that matches wins.</Typography>
            </Section>
            <Section title="Cut points" testid="rfm-cuts">
              <Table size="small">
                <TableHead><TableRow><TableCell>Score</TableCell><TableCell>R: days since last order</TableCell><TableCell>F: orders</TableCell><TableCell>M: spend</TableCell></TableRow></TableHead>
                <TableBody>
                  {[5, 4, 3, 2, 1].map((k) => (
                    <TableRow key={k}>
                      <TableCell>{k}</TableCell>
                      <TableCell>{cutText(s.cuts.r[k - 1]!, (v) => String(v))} <Typography component="span" variant="caption" color="text.secondary">({formatInt(s.cuts.r[k - 1]!.count)})</Typography></TableCell>
                      <TableCell>{cutText(s.cuts.f[k - 1]!, (v) => String(v))} <Typography component="span" variant="caption" color="text.secondary">({formatInt(s.cuts.f[k - 1]!.count)})</Typography></TableCell>
                      <TableCell>{cutText(s.cuts.m[k - 1]!, (v) => money(v, cur))} <Typography component="span" variant="caption" color="text.secondary">({formatInt(s.cuts.m[k - 1]!.count)})</Typography></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Typography variant="caption" color="text.secondary">
                score = 1 + ⌊5 × (rank − 1) / n⌋ over the values from worst to best; equal values share the lowest rank, so a score can be empty.
              </Typography>
            </Section>
          </Box>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1.3fr' }, gap: 2 }}>
            <Section title="R × F grid (customers)" testid="rfm-grid">
              <Table size="small">
                <TableHead><TableRow><TableCell>R \ F</TableCell>{[1, 2, 3, 4, 5].map((f) => <TableCell key={f} align="center">F{f}</TableCell>)}</TableRow></TableHead>
                <TableBody>
                  {[5, 4, 3, 2, 1].map((r) => (
                    <TableRow key={r}>
                      <TableCell>R{r}</TableCell>
                      {[1, 2, 3, 4, 5].map((f) => {
                        const n = s.grid[r - 1]![f - 1]!;
                        return (
                          <TableCell key={f} align="center" data-testid={`rfm-grid-${r}-${f}`} onClick={() => { setFilter({ r, f }); setPage(0); }}
                            sx={{ cursor: 'pointer', bgcolor: n ? `rgba(25, 118, 210, ${0.08 + 0.6 * (n / gridMax)})` : undefined }}>
                            {formatInt(n)}
                          </TableCell>
                        );
                      })}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Section>
            <Section title="Migration between runs" testid="rfm-migration" actions={(
              <>
                <TextField size="small" select label="From" value={mFrom ?? ''} onChange={(e) => setFromRun(Number(e.target.value))} sx={{ minWidth: 150 }}>
                  {doneRuns.map((r) => <MenuItem key={r.id} value={r.id}>#{r.id} · {r.asOf}</MenuItem>)}
                </TextField>
                <TextField size="small" select label="To" value={mTo ?? ''} onChange={(e) => setToRun(Number(e.target.value))} sx={{ minWidth: 150 }}>
                  {doneRuns.map((r) => <MenuItem key={r.id} value={r.id}>#{r.id} · {r.asOf}</MenuItem>)}
                </TextField>
              </>
            )}>
              {mFrom === null || mTo === null || !mig.data ? <Typography variant="body2" color="text.secondary">Needs two finished runs.</Typography> : (
                <Box sx={{ overflowX: 'auto' }}>
                  <Table size="small">
                    <TableHead><TableRow><TableCell>from \ to</TableCell>{mig.data.labels.map((l) => <TableCell key={l} align="right">{l}</TableCell>)}</TableRow></TableHead>
                    <TableBody>
                      {mig.data.labels.map((l, i) => (
                        <TableRow key={l}>
                          <TableCell>{l}</TableCell>
                          {mig.data!.matrix[i]!.map((n, j) => <TableCell key={j} align="right" sx={{ fontWeight: i === j ? 600 : undefined, color: n === 0 ? 'text.disabled' : undefined }}>{formatInt(n)}</TableCell>)}
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                  <Typography variant="caption" color="text.secondary">{formatInt(mig.data.moved)} customers changed segment (including entering or leaving the 12-month population).</Typography>
                </Box>
              )}
            </Section>
          </Box>
          <Section title="Customers" testid="rfm-customers" actions={(
            <>
              {filter.segment || filter.r ? <Chip label={filter.segment ?? `R${filter.r} F${filter.f}`} onDelete={() => { setFilter({}); setPage(0); }} /> : null}
              <TextField size="small" select label="Segment" value={filter.segment ?? ''} sx={{ minWidth: 180 }} onChange={(e) => { setFilter(e.target.value ? { segment: e.target.value as Segment } : {}); setPage(0); }}>
                <MenuItem value="">All</MenuItem>
                {SEGMENTS.map((g) => <MenuItem key={g} value={g}>{g}</MenuItem>)}
              </TextField>
            </>
          )}>
            <Table size="small">
              <TableHead><TableRow><TableCell>Customer</TableCell><TableCell>Segment</TableCell><TableCell align="right">R</TableCell><TableCell align="right">F</TableCell><TableCell align="right">M</TableCell><TableCell align="right">Days since last order</TableCell><TableCell align="right">Orders</TableCell><TableCell align="right">Spend</TableCell></TableRow></TableHead>
              <TableBody>
                {(customers.data?.rows ?? []).map((c) => (
                  <TableRow key={c.customerId} hover sx={{ cursor: 'pointer' }} onClick={() => { setLookup(c.customerId); void api.call('rfm.customer', { customerId: c.customerId }).then(setHistory); }}>
                    <TableCell>{c.customerId}</TableCell><TableCell>{c.segment}</TableCell><TableCell align="right">{c.r}</TableCell><TableCell align="right">{c.f}</TableCell>
                    <TableCell align="right">{c.m}</TableCell><TableCell align="right">{c.recencyDays}</TableCell><TableCell align="right">{c.frequency}</TableCell><TableCell align="right">{money(c.monetary, cur)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <TablePagination component="div" count={customers.data?.total ?? 0} page={page} rowsPerPage={25} rowsPerPageOptions={[25]} onPageChange={(_e, p) => setPage(p)} />
          </Section>
        </>
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
        <Section title="Customer lookup" testid="rfm-lookup">
          <Box sx={{ display: 'flex', gap: 1, mb: 1 }}>
            <TextField size="small" label="Customer id" value={lookup} onChange={(e) => setLookup(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && lookup.trim()) void find(); }} slotProps={{ htmlInput: { 'data-testid': 'rfm-lookup-input' } }} />
            <Button variant="outlined" onClick={find} disabled={!lookup.trim() || busy !== null} data-testid="rfm-lookup-go">Look up</Button>
          </Box>
          {history ? (
            history.history.length === 0 ? <Typography variant="body2" data-testid="rfm-lookup-none">{history.customerId} is in no RFM run.</Typography> : (
              <>
                <Typography variant="body2" sx={{ mb: 1 }}>
                  Platform holds: {history.pushed ? <b>{history.pushed.segment}</b> : 'nothing pushed yet'}{history.pushed ? ` (run #${history.pushed.runId}, ${formatDateTime(history.pushed.pushedAt, timezone)})` : ''}
                </Typography>
                <Table size="small" data-testid="rfm-lookup-history">
                  <TableHead><TableRow><TableCell>As of</TableCell><TableCell>Run</TableCell><TableCell>Segment</TableCell><TableCell>R F M</TableCell><TableCell align="right">Days</TableCell><TableCell align="right">Orders</TableCell><TableCell align="right">Spend</TableCell></TableRow></TableHead>
                  <TableBody>
                    {history.history.map((h) => (
                      <TableRow key={h.runId}><TableCell>{h.asOf}</TableCell><TableCell>#{h.runId}</TableCell><TableCell>{h.segment}</TableCell><TableCell>{h.r} {h.f} {h.m}</TableCell>
                        <TableCell align="right">{h.recencyDays}</TableCell><TableCell align="right">{h.frequency}</TableCell><TableCell align="right">{money(h.monetary, cur)}</TableCell></TableRow>
                    ))}
                  </TableBody>
                </Table>
              </>
            )
          ) : <Typography variant="body2" color="text.secondary">The segment of a customer in every run, newest first.</Typography>}
        </Section>
        <Section title="Push to the platform" testid="rfm-push" actions={(
          <>
            <Button variant="outlined" onClick={dryRun} disabled={runId === null || busy !== null} data-testid="rfm-dry-run">Preview (dry run)</Button>
            <Button variant="contained" onClick={pushNow} disabled={runId === null || busy !== null} data-testid="rfm-push-now">Push changes</Button>
          </>
        )}>
          {preview ? (
            <Box data-testid="rfm-preview" sx={{ mb: 1 }}>
              <Typography variant="body2" sx={{ mb: 1 }}>
                Run #{preview.runId} (as of {preview.asOf}) would send <b>{formatInt(preview.changes)}</b> changed segment(s) in {preview.batches} batch(es) of ≤ {formatInt(preview.batchSize)}.
                {preview.pending ? ` An unfinished push #${preview.pending.id} (${preview.pending.sentBatches}/${preview.pending.batches} batches sent) is resumed first.` : ''}
              </Typography>
              <Table size="small">
                <TableHead><TableRow><TableCell>From (platform)</TableCell><TableCell>To</TableCell><TableCell align="right">Customers</TableCell></TableRow></TableHead>
                <TableBody>
                  {preview.transitions.map((t) => <TableRow key={`${t.from}>${t.to}`}><TableCell>{t.from ?? '(never pushed)'}</TableCell><TableCell>{t.to}</TableCell><TableCell align="right">{formatInt(t.customers)}</TableCell></TableRow>)}
                </TableBody>
              </Table>
            </Box>
          ) : null}
          <Typography variant="subtitle2">Recent pushes</Typography>
          <Table size="small" data-testid="rfm-pushes">
            <TableHead><TableRow><TableCell>#</TableCell><TableCell>Run</TableCell><TableCell>Status</TableCell><TableCell align="right">Customers</TableCell><TableCell align="right">Batches</TableCell><TableCell>When</TableCell></TableRow></TableHead>
            <TableBody>
              {(pushes.data ?? []).map((p) => (
                <TableRow key={p.id}>
                  <TableCell>{p.id}</TableCell><TableCell>#{p.runId}</TableCell>
                  <TableCell><Chip size="small" label={p.status} color={p.status === 'done' ? 'success' : p.status === 'failed' ? 'error' : 'default'} title={p.error ?? undefined} /></TableCell>
                  <TableCell align="right">{formatInt(p.changes)}</TableCell><TableCell align="right">{p.sentBatches}/{p.batches}</TableCell><TableCell>{formatDateTime(p.finishedAt ?? p.startedAt, timezone)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>
      </Box>
    </Box>
  );
}
