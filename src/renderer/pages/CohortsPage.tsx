/**
 * Cohort retention (spec 3.1): options (monthly / weekly cohorts, "on" vs "on or after", acquisition,
 * refunded orders, breakdown), the heatmap (@nivo/heatmap: colour by value, counts in the tooltip,
 * incomplete periods marked), milestones, a click on a cell lists its customers (paged, exportable,
 * savable as a named segment), CSV/XLSX exports, saved segments and stored runs. docs/cohorts.md
 * defines every number.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import { HeatMap } from '@nivo/heatmap';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Dialog from '@mui/material/Dialog';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
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
import type { ApiArgs, ApiResults } from '../../main/common/api.ts';
import type { CohortCustomersPage } from '../../analytics/cohorts/types.ts';
import { useApi, useApiQuery, usePush, errorMessage } from '../api/ApiContext.tsx';
import { newRequestId } from '../components/funnels/funnelsFormat.ts';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { KpiCard } from '../components/KpiCard.tsx';
import { DeleteIcon } from '../components/icons.tsx';
import { DownloadIcon, PlayIcon } from '../components/funnels/icons.tsx';
import { saveExport } from '../components/funnels/download.ts';
import { useElementWidth } from '../components/useElementWidth.ts';
import {
  cellColour, cellLabel, heatSeries, offsetLabel, pctText, scaleMax, type CohortMetric, type HeatDatum,
} from '../components/cohorts/cohortsFormat.ts';
import { formatDateTime, formatInt, compactMinor } from '../format.ts';

type RunArgs = ApiArgs<'cohort.run'>;
type Result = ApiResults['cohort.run'];
interface Form { granularity: 'month' | 'week'; from: string; to: string; mode: 'on' | 'on_or_after'; acquisition: 'auto' | 'registration' | 'first_order'; refunded: 'setting' | 'count' | 'exclude'; breakdown: 'none' | 'source' | 'device' }
interface Drill { cohort: string; offset: number | null; value: string | null; label: string }

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

function monthsAgo(n: number): string {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString().slice(0, 7);
}

function toArgs(f: Form): RunArgs {
  const a: RunArgs = { granularity: f.granularity, from: f.from, to: f.to, mode: f.mode };
  if (f.acquisition !== 'auto') a.acquisition = f.acquisition;
  if (f.refunded !== 'setting') a.includeRefunded = f.refunded === 'count';
  if (f.breakdown !== 'none') a.breakdown = f.breakdown;
  return a;
}

let memo: { form: Form; shown: { result: Result; args: RunArgs } | null } | null = null;

export function CohortsPage() {
  const api = useApi();
  const { timezone } = useAppData();
  const [form, setForm] = useState<Form>(() => memo?.form ?? { granularity: 'month', from: monthsAgo(11), to: monthsAgo(0), mode: 'on', acquisition: 'auto', refunded: 'setting', breakdown: 'none' });
  const [shown, setShown] = useState<{ result: Result; args: RunArgs } | null>(() => memo?.shown ?? null);
  const [metric, setMetric] = useState<CohortMetric>('retention');
  const [value, setValue] = useState<string>('');
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<{ phase: string; done: number; total: number } | null>(null);
  const request = useRef<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<Drill | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const segments = useApiQuery('segment.list', undefined);
  const runs = useApiQuery('cohort.runs', { limit: 10 });
  const settings = useApiQuery('cohort.settings', undefined);
  const compare = useApiQuery('cohort.compare', {}, String(runs.data?.rows[0]?.id ?? ''));
  const invalid = !MONTH_RE.test(form.from) || !MONTH_RE.test(form.to) || form.to < form.from;

  usePush('cohort.progress', (p) => {
    if (p.requestId === request.current) setProgress({ phase: p.phase, done: p.done, total: p.total });
  });

  const run = useCallback(async () => {
    const requestId = newRequestId(Date.now(), Math.random(), 'cohort');
    request.current = requestId;
    setRunning(true);
    setProgress(null);
    setError(null);
    try {
      const args = toArgs(form);
      const result = await api.call('cohort.run', { ...args, requestId });
      if (request.current !== requestId) return;
      const next = { result, args };
      setShown(next);
      memo = { form, shown: next };
      setValue('');
      runs.reload();
    } catch (e) {
      if (request.current === requestId) setError(/cancelled/i.test(errorMessage(e)) ? null : errorMessage(e));
    } finally {
      if (request.current === requestId) {
        request.current = null;
        setRunning(false);
        setProgress(null);
      }
    }
  }, [api, form, runs]);

  const cancel = () => {
    const id = request.current;
    if (id) void api.call('cohort.cancel', { requestId: id }).catch(() => undefined);
  };

  const exportMatrix = async (format: 'csv' | 'xlsx') => {
    if (!shown) return;
    try {
      saveExport(await api.call('cohort.export', { ...shown.args, format }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const r = shown?.result ?? null;
  const matrix = r ? (value && r.breakdown ? (r.breakdown.values.find((v) => v.value === value)?.matrix ?? r.matrix) : r.matrix) : null;
  const series = useMemo(() => (r && matrix ? heatSeries(r, matrix, metric) : []), [r, matrix, metric]);
  const max = useMemo(() => (metric === 'orders' ? Math.max(1, ...series.flatMap((s) => s.data.map((d) => d.y ?? 0))) : scaleMax(series)), [series, metric]);
  const [ref, pageWidth] = useElementWidth<HTMLDivElement>(900);
  const width = Math.max(300, pageWidth - 32);
  const cellW = r ? (Math.max(width, 120 + (r.maxOffset + 1) * 64) - 120) / (r.maxOffset + 1) : 0;
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  return (
    <Box ref={ref}>
      <PageHeader
        title="Cohorts"
        subtitle={<>Customers grouped by the {form.granularity === 'month' ? 'month' : 'ISO week'} they were acquired ({timezone}); a cell is the share active in the period since. Refunded orders {settings.data?.includeRefunded === false ? 'are excluded' : 'count'} by default; cancelled orders never count.</>}
        actions={<>
          <Button startIcon={<DownloadIcon />} disabled={!shown} onClick={() => void exportMatrix('csv')}>CSV</Button>
          <Button startIcon={<DownloadIcon />} disabled={!shown} onClick={() => void exportMatrix('xlsx')}>XLSX</Button>
        </>}
      />
      <Card sx={{ mb: 2 }}>
        <CardContent sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}>
          <TextField select size="small" label="Cohorts" value={form.granularity} onChange={(e) => set('granularity', e.target.value as Form['granularity'])} sx={{ minWidth: 120 }}>
            <MenuItem value="month">Monthly</MenuItem>
            <MenuItem value="week">Weekly (ISO)</MenuItem>
          </TextField>
          <TextField size="small" label="From (YYYY-MM)" value={form.from} onChange={(e) => set('from', e.target.value)} error={!MONTH_RE.test(form.from)} sx={{ width: 140 }} slotProps={{ htmlInput: { 'data-testid': 'cohort-from' } }} />
          <TextField size="small" label="To (YYYY-MM)" value={form.to} onChange={(e) => set('to', e.target.value)} error={!MONTH_RE.test(form.to) || form.to < form.from} sx={{ width: 140 }} slotProps={{ htmlInput: { 'data-testid': 'cohort-to' } }} />
          <TextField select size="small" label="Retention" value={form.mode} onChange={(e) => set('mode', e.target.value as Form['mode'])} sx={{ minWidth: 150 }}>
            <MenuItem value="on">Active in period</MenuItem>
            <MenuItem value="on_or_after">Active in or after</MenuItem>
          </TextField>
          <TextField select size="small" label="Acquisition" value={form.acquisition} onChange={(e) => set('acquisition', e.target.value as Form['acquisition'])} sx={{ minWidth: 150 }}>
            <MenuItem value="auto">Automatic</MenuItem>
            <MenuItem value="registration">Registration</MenuItem>
            <MenuItem value="first_order">First order</MenuItem>
          </TextField>
          <TextField select size="small" label="Refunded orders" value={form.refunded} onChange={(e) => set('refunded', e.target.value as Form['refunded'])} sx={{ minWidth: 150 }}>
            <MenuItem value="setting">Workspace setting</MenuItem>
            <MenuItem value="count">Count</MenuItem>
            <MenuItem value="exclude">Exclude</MenuItem>
          </TextField>
          <TextField select size="small" label="Breakdown" value={form.breakdown} onChange={(e) => set('breakdown', e.target.value as Form['breakdown'])} sx={{ minWidth: 130 }}>
            <MenuItem value="none">None</MenuItem>
            <MenuItem value="source">Acquisition source</MenuItem>
            <MenuItem value="device">Device</MenuItem>
          </TextField>
          <Button variant="contained" startIcon={<PlayIcon />} disabled={running || invalid} onClick={() => void run()} data-testid="cohort-run">Run</Button>
          {running ? <Button onClick={cancel} data-testid="cohort-cancel">Cancel</Button> : null}
          <FormControlLabel
            sx={{ ml: 'auto' }}
            control={<Switch size="small" checked={settings.data?.includeRefunded ?? true} disabled={!settings.data} onChange={(e) => {
              api.call('cohort.updateSettings', { includeRefunded: e.target.checked }).then((v) => settings.setData(v), (err: unknown) => setError(errorMessage(err)));
            }} />}
            label="Workspace default: refunded orders count"
          />
        </CardContent>
        {running ? <RunProgress progress={progress} /> : null}
      </Card>
      {error ? <Alert severity="error" sx={{ mb: 2 }}>{error}</Alert> : null}
      {notice ? <Alert severity="success" sx={{ mb: 2 }} onClose={() => setNotice(null)}>{notice}</Alert> : null}
      {r && matrix ? (
        <>
          <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: 2, mb: 2 }}>
            <KpiCard label="Customers" value={formatInt(r.customers)} testid="cohort-kpi-customers" />
            {Object.entries(r.milestoneLabels).map(([k, label]) => (
              <KpiCard key={k} label={`${label} retention (weighted)`} value={pctText(matrix.milestones[k])} testid={`cohort-kpi-${label}`} />
            ))}
          </Box>
          <Card sx={{ mb: 2 }}>
            <CardContent>
              <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
                <TextField select size="small" label="Show" value={metric} onChange={(e) => setMetric(e.target.value as CohortMetric)} sx={{ minWidth: 200 }}>
                  <MenuItem value="retention">Customer retention</MenuItem>
                  <MenuItem value="revenue">Revenue retention (GMV vs period 0)</MenuItem>
                  <MenuItem value="orders">Orders per active customer</MenuItem>
                </TextField>
                {r.breakdown ? (
                  <TextField select size="small" label={r.breakdown.dimension === 'source' ? 'Source' : 'Device'} value={value} onChange={(e) => setValue(e.target.value)} sx={{ minWidth: 160 }}>
                    <MenuItem value="">All customers</MenuItem>
                    {r.breakdown.values.map((v) => <MenuItem key={v.value} value={v.value}>{v.value} ({formatInt(v.customers)})</MenuItem>)}
                  </TextField>
                ) : null}
                <Typography variant="body2" color="text.secondary">
                  Grey cells with * are periods still in progress (as of {formatDateTime(r.query.asOf, timezone)}), not drops. Small cohorts (&lt; 100) show a 95% Wilson interval. Click a cell for its customers.
                </Typography>
              </Box>
              {metric === 'revenue' ? (
                <Typography variant="body2" sx={{ mb: 1 }} data-testid="cohort-fx">
                  GMV of counted orders in {r.fx.reportingCurrency}
                  {Object.keys(r.fx.rates).length ? `, converted at ${Object.entries(r.fx.rates).map(([c, v]) => `1 ${c} = ${v} ${r.fx.reportingCurrency}`).join(', ')}` : ''}.
                  {r.fx.missing.length ? ` No rate for ${r.fx.missing.join(', ')}: set one in Settings to see revenue.` : ''}
                  {' '}Totals: {r.fx.gmvByCurrency.map((g) => compactMinor(g.minor, g.currency)).join(' · ')}
                </Typography>
              ) : null}
              <Box sx={{ width: '100%', overflowX: 'auto' }} data-testid="cohort-heatmap">
                {series.length === 0 ? <Typography color="text.secondary">No cohorts in this range.</Typography> : (
                  <HeatMap<HeatDatum, Record<string, never>>
                    data={series as never}
                    width={Math.max(width, 120 + (r.maxOffset + 1) * 64)}
                    height={60 + series.length * 34}
                    margin={{ top: 30, right: 10, bottom: 10, left: 110 }}
                    axisTop={{ tickSize: 0, tickPadding: 6 }}
                    axisLeft={{ tickSize: 0, tickPadding: 6 }}
                    colors={(cell) => cellColour(cell.data, max)}
                    emptyColor="#ffffff"
                    label={(cell) => cellLabel(cell.data, metric, cellW >= 80)}
                    labelTextColor={(cell) => (cell.data.cell && !cell.data.cell.incomplete && (cell.data.y ?? 0) / max > 0.55 ? '#ffffff' : '#222222')}
                    borderWidth={1}
                    borderColor="#ffffff"
                    animate={false}
                    hoverTarget="cell"
                    opacity={1}
                    activeOpacity={1}
                    inactiveOpacity={0.85}
                    onClick={(cell) => {
                      if (!cell.data.cell) return;
                      setDrill({ cohort: cell.data.cohort, offset: cell.data.offset, value: value || null, label: `${cell.data.cohort}, ${offsetLabel(r.query.granularity, cell.data.offset)}` });
                    }}
                    tooltip={({ cell }) => <CellTooltip d={cell.data} currency={r.fx.reportingCurrency} granularity={r.query.granularity} mode={r.query.mode} />}
                  />
                )}
              </Box>
              <Table size="small" sx={{ mt: 2 }}>
                <TableHead>
                  <TableRow>
                    <TableCell>Cohort</TableCell>
                    <TableCell align="right">Size</TableCell>
                    {Object.values(r.milestoneLabels).map((l) => <TableCell key={l} align="right">{l}</TableCell>)}
                    <TableCell />
                  </TableRow>
                </TableHead>
                <TableBody>
                  {matrix.rows.map((row) => (
                    <TableRow key={row.key}>
                      <TableCell>{row.key}</TableCell>
                      <TableCell align="right">{formatInt(row.size)}</TableCell>
                      {Object.keys(r.milestoneLabels).map((k) => {
                        const c = row.cells[Number(k)];
                        return <TableCell key={k} align="right">{pctText(row.milestones[k])}{row.small && c && row.milestones[k] !== null ? ` (${pctText(c.ci[0], 0)}–${pctText(c.ci[1], 0)})` : ''}</TableCell>;
                      })}
                      <TableCell align="right"><Button size="small" onClick={() => setDrill({ cohort: row.key, offset: null, value: value || null, label: `${row.key}, whole cohort` })}>Customers</Button></TableCell>
                    </TableRow>
                  ))}
                  <TableRow>
                    <TableCell><b>Weighted average</b></TableCell>
                    <TableCell align="right">{formatInt(r.customers)}</TableCell>
                    {Object.keys(r.milestoneLabels).map((k) => <TableCell key={k} align="right"><b>{pctText(matrix.milestones[k])}</b></TableCell>)}
                    <TableCell />
                  </TableRow>
                </TableBody>
              </Table>
              <Typography variant="caption" color="text.secondary">
                Computed in {r.timing.totalMs} ms over {formatInt(r.watermark.events)} customer events (registrations, orders, cancellations, refunds; data up to seq {r.watermark.seq}); run #{r.runId}. Orders counted {formatInt(r.orders.counted)}, cancelled {formatInt(r.orders.cancelled)}, refunded excluded {formatInt(r.orders.refundedExcluded)}.
              </Typography>
            </CardContent>
          </Card>
        </>
      ) : !running ? <Alert severity="info" sx={{ mb: 2 }}>Choose the cohorts and press Run.</Alert> : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: { md: '1fr 1fr' }, gap: 2 }}>
        <Card>
          <CardContent>
            <Typography variant="h6" gutterBottom>Saved segments</Typography>
            {segments.data?.length ? (
              <Table size="small" data-testid="saved-segments">
                <TableBody>
                  {segments.data.map((s) => (
                    <TableRow key={s.id}>
                      <TableCell>{s.name}</TableCell>
                      <TableCell align="right">{formatInt(s.size)} customers</TableCell>
                      <TableCell>{formatDateTime(s.createdAt, timezone)}</TableCell>
                      <TableCell align="right">
                        <IconButton size="small" aria-label={`delete ${s.name}`} onClick={() => void api.call('segment.delete', { id: s.id }).then(() => segments.reload())}><DeleteIcon fontSize="small" /></IconButton>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            ) : <Typography variant="body2" color="text.secondary">None yet: open a heatmap cell and save its customers.</Typography>}
          </CardContent>
        </Card>
        <Card>
          <CardContent>
            <Typography variant="h6" gutterBottom>Stored runs</Typography>
            <Typography variant="body2" color="text.secondary" gutterBottom>Each run is kept with its parameters, data watermark and hash; the monthly run happens on the 1st (business time).</Typography>
            <Table size="small">
              <TableBody>
                {(runs.data?.rows ?? []).map((x) => (
                  <TableRow key={x.id}>
                    <TableCell>#{x.id}</TableCell>
                    <TableCell>{x.trigger === 'scheduled' ? `scheduled ${x.scheduleMonth}` : 'on demand'}</TableCell>
                    <TableCell>{formatDateTime(x.createdAt, timezone)}</TableCell>
                    <TableCell align="right">{Object.entries(x.summary.milestones).map(([k, v]) => `${x.summary.granularity === 'month' ? 'M' : 'W'}${k} ${pctText(v)}`).join(' · ')}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            {compare.data?.against ? (
              <Typography variant="body2" sx={{ mt: 1 }} data-testid="cohort-compare">
                Run #{compare.data.run.id} against #{compare.data.against.id}:{' '}
                {Object.entries(compare.data.milestones).map(([k, v]) => `${compare.data!.run.summary.granularity === 'month' ? 'M' : 'W'}${k} ${pctText(v.now)} (${v.delta === null ? '—' : `${v.delta >= 0 ? '+' : ''}${(v.delta * 100).toFixed(1)} pp`})`).join(' · ')}
              </Typography>
            ) : null}
          </CardContent>
        </Card>
      </Box>
      {drill && shown ? (
        <DrillDialog drill={drill} args={shown.args} onClose={() => setDrill(null)} onSaved={(name, size) => {
          setNotice(`Saved segment "${name}" (${formatInt(size)} customers)`);
          segments.reload();
        }} />
      ) : null}
    </Box>
  );
}

function CellTooltip(props: { d: HeatDatum; currency: string; granularity: 'month' | 'week'; mode: 'on' | 'on_or_after' }) {
  const { d } = props;
  const c = d.cell;
  if (!c) return null;
  return (
    <Paper sx={{ p: 1, fontSize: 13 }} elevation={3}>
      <b>{d.cohort}</b> · {offsetLabel(props.granularity, d.offset)}{c.incomplete ? ' (in progress)' : ''}<br />
      {formatInt(c.active)} of {formatInt(d.size)} customers active {props.mode === 'on' ? 'in' : 'in or after'} the period: {pctText(c.pct)}<br />
      95% interval {pctText(c.ci[0])}–{pctText(c.ci[1])}<br />
      {formatInt(c.orders)} orders · {c.ordersPerActive === null ? '—' : c.ordersPerActive.toFixed(2)} per active customer<br />
      GMV {c.gmvMinor === null ? 'n/a (missing FX rate)' : compactMinor(c.gmvMinor, props.currency)} · revenue retention {pctText(c.revenuePct)}
    </Paper>
  );
}

function DrillDialog(props: { drill: Drill; args: RunArgs; onClose: () => void; onSaved: (name: string, size: number) => void }) {
  const api = useApi();
  const { timezone } = useAppData();
  const [page, setPage] = useState(0);
  const [name, setName] = useState(`Cohort ${props.drill.label}`);
  const [err, setErr] = useState<string | null>(null);
  const cell = { ...props.args, cohort: props.drill.cohort, ...(props.drill.offset !== null ? { offset: props.drill.offset } : {}), ...(props.drill.value ? { value: props.drill.value } : {}) };
  const q = useApiQuery('cohort.customers', { ...cell, offsetRows: page * 25, limit: 25 }, `${JSON.stringify(cell)}#${page}`);
  const data: CohortCustomersPage | undefined = q.data;
  return (
    <Dialog open onClose={props.onClose} maxWidth="md" fullWidth>
      <DialogTitle>Customers: {props.drill.label}{props.drill.value ? ` (${props.drill.value})` : ''}</DialogTitle>
      <DialogContent>
        {q.error || err ? <Alert severity="error">{q.error ?? err}</Alert> : null}
        {q.loading ? <LinearProgress /> : null}
        <Table size="small" data-testid="cohort-customers">
          <TableHead>
            <TableRow><TableCell>User</TableCell><TableCell>Acquired</TableCell><TableCell>Source</TableCell><TableCell>Device</TableCell><TableCell align="right">Orders in period</TableCell><TableCell align="right">Orders total</TableCell><TableCell>Last order</TableCell></TableRow>
          </TableHead>
          <TableBody>
            {(data?.rows ?? []).map((c) => (
              <TableRow key={c.userId}>
                <TableCell>{c.userId}</TableCell>
                <TableCell>{formatDateTime(c.acquiredAt, timezone)}</TableCell>
                <TableCell>{c.source ?? '—'}</TableCell>
                <TableCell>{c.device ?? '—'}</TableCell>
                <TableCell align="right">{formatInt(c.orders)}</TableCell>
                <TableCell align="right">{formatInt(c.ordersTotal)}</TableCell>
                <TableCell>{c.lastOrderAt === null ? '—' : formatDateTime(c.lastOrderAt, timezone)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <TablePagination component="div" count={data?.total ?? 0} page={page} rowsPerPage={25} rowsPerPageOptions={[25]} onPageChange={(_, p) => setPage(p)} />
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1 }}>
          <TextField size="small" label="Segment name" value={name} onChange={(e) => setName(e.target.value)} sx={{ flex: 1 }} />
          <Button variant="outlined" disabled={!name.trim() || !data?.total} onClick={() => {
            setErr(null);
            api.call('cohort.saveSegment', { ...cell, name }).then((s) => props.onSaved(s.name, s.size), (e: unknown) => setErr(errorMessage(e)));
          }}>Save as segment</Button>
        </Box>
      </DialogContent>
      <DialogActions>
        <Button startIcon={<DownloadIcon />} onClick={() => void api.call('cohort.export', { ...cell, format: 'csv', table: 'customers' }).then(saveExport, (e: unknown) => setErr(errorMessage(e)))}>Export CSV</Button>
        <Button startIcon={<DownloadIcon />} onClick={() => void api.call('cohort.export', { ...cell, format: 'xlsx', table: 'customers' }).then(saveExport, (e: unknown) => setErr(errorMessage(e)))}>Export XLSX</Button>
        <Button onClick={props.onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

const PHASE_TEXT: Record<string, string> = { load: 'Loading customer events', extract: 'Extracting orders', cohorts: 'Computing cohorts' };

/** The run's phase; while the customer cache loads (the first run of a large workspace), how far. */
function RunProgress(props: { progress: { phase: string; done: number; total: number } | null }) {
  const p = props.progress;
  const determinate = p !== null && p.phase === 'load' && p.total > 1;
  return (
    <Box data-testid="cohort-progress">
      <LinearProgress variant={determinate ? 'determinate' : 'indeterminate'} value={determinate ? Math.min(100, (100 * p.done) / p.total) : undefined} />
      <Typography variant="caption" color="text.secondary" sx={{ px: 2 }}>
        {p === null ? 'Starting…' : `${PHASE_TEXT[p.phase] ?? p.phase}${determinate ? ` · ${formatInt(p.done)} / ${formatInt(p.total)} events examined` : ''}`}
      </Typography>
    </Box>
  );
}
