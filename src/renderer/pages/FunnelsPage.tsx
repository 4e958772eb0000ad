/**
 * Conversion funnels (spec 2, issue #4): a builder (saved funnels, steps with filters, order,
 * unit, windows, period, breakdowns, trend), runs in the analytics worker with progress and cancel
 * (`funnel.run` + `funnel.progress` + `funnel.cancel`), and the results: the funnel chart and step
 * table, time to convert, the conversion trend, the breakdown table, drill-down into the dropped
 * units, CSV/XLSX exports, the drop-off investigation (spec 2.3), the scheduled reports and the cache status. docs/funnels.md defines
 * every number.
 */
import { startTransition, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Skeleton from '@mui/material/Skeleton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ApiArgs } from '../../main/common/api.ts';
import type { FunnelCacheStatus, FunnelDefinition, FunnelResult, StepMetrics } from '../../analytics/funnel/types.ts';
import { STANDARD_FUNNEL } from '../../analytics/funnel/definition.ts';
import { dayKey } from '../../analytics/calendar.ts';
import { useApi, useApiQuery, usePush, errorMessage } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { KpiCard } from '../components/KpiCard.tsx';
import { FunnelBuilder } from '../components/funnels/FunnelBuilder.tsx';
import { FunnelChart } from '../components/funnels/FunnelChart.tsx';
import { TrendChart } from '../components/funnels/TrendChart.tsx';
import { TimeToConvert } from '../components/funnels/TimeToConvert.tsx';
import { BreakdownTable } from '../components/funnels/BreakdownTable.tsx';
import { DrilldownDialog, type DrilldownTarget } from '../components/funnels/DrilldownDialog.tsx';
import { ReportsCard } from '../components/funnels/ReportsCard.tsx';
import { InvestigationCard } from '../components/funnels/InvestigationCard.tsx';
import { DownloadIcon, PlayIcon } from '../components/funnels/icons.tsx';
import { saveExport } from '../components/funnels/download.ts';
import {
  definitionToForm, hasErrors, isModified, runKey, toRunArgs, toSaveArgs, validateForm, type FunnelForm,
} from '../components/funnels/funnelsForm.ts';
import {
  cacheDetails, cacheLabel, describeRun, formatDurationShort, newRequestId, pct, phaseLabel, progressPercent, unitWord, type RunProgress,
} from '../components/funnels/funnelsFormat.ts';
import { formatDateTime, formatInt } from '../format.ts';
import { monoFont } from '../theme.ts';

interface RunState { requestId: string; progress: RunProgress | null; startedAt: number }
interface Shown {
  result: FunnelResult;
  /** the run's arguments with the period resolved (drill-down and exports use them) */
  args: ApiArgs<'funnel.run'>;
  /** runKey of the form that produced it (with the period resolved) */
  key: string;
}

/** Kept while the app runs, so leaving the page and coming back shows the last funnel. */
let memo: { form: FunnelForm; shown: Shown | null } | null = null;

export function FunnelsPage() {
  const api = useApi();
  const { timezone } = useAppData();
  const list = useApiQuery('funnel.list', undefined);
  const cache = useApiQuery('funnel.cacheStatus', undefined);
  const reloadCache = cache.reload;
  const funnels = useMemo<FunnelDefinition[]>(() => list.data ?? [STANDARD_FUNNEL], [list.data]);

  const [form, setForm] = useState<FunnelForm>(() => memo?.form ?? definitionToForm(STANDARD_FUNNEL));
  const [shown, setShown] = useState<Shown | null>(() => memo?.shown ?? null);
  const [running, setRunning] = useState<RunState | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ severity: 'success' | 'info' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [drill, setDrill] = useState<DrilldownTarget | null>(null);
  const current = useRef<string | null>(null);

  useEffect(() => {
    memo = { form, shown };
  }, [form, shown]);

  const def = funnels.find((f) => f.id === form.funnelId);
  const errors = useMemo(() => validateForm(form), [form]);
  const modified = useMemo(() => isModified(form, def), [form, def]);
  const tz = shown?.result.period.timezone ?? timezone;
  const latestDay = cache.data?.lastTime ? dayKey(cache.data.lastTime, timezone) : shown?.result.watermark.time ? dayKey(shown.result.watermark.time, timezone) : null;
  const keyNow = useMemo(() => (hasErrors(errors) ? null : runKey(form)), [form, errors]);
  const stale = shown !== null && keyNow !== null && keyNow !== shown.key;

  usePush('funnel.progress', (p) => {
    if (p.requestId !== current.current) return;
    setRunning((r) => (r && r.requestId === p.requestId ? { ...r, progress: { phase: p.phase, done: p.done, total: p.total } } : r));
  });

  const run = useCallback(async (f: FunnelForm, d: FunnelDefinition | undefined) => {
    if (hasErrors(validateForm(f))) return;
    const prev = current.current;
    if (prev) void api.call('funnel.cancel', { requestId: prev }).catch(() => undefined);
    const requestId = newRequestId();
    const args = toRunArgs(f, d);
    current.current = requestId;
    setRunning({ requestId, progress: null, startedAt: Date.now() });
    setRunError(null);
    setNotice(null);
    try {
      const result = await api.call('funnel.run', { ...args, requestId });
      if (current.current !== requestId) return;
      const resolved: ApiArgs<'funnel.run'> = { ...args };
      let ran = f;
      if (result.period.from && result.period.to) {
        resolved.from = result.period.from;
        resolved.to = result.period.to;
        ran = { ...f, from: result.period.from, to: result.period.to };
      }
      // Rendering a big result is a transition: React renders it in slices that yield to input, so the
      // page stays responsive while charts and tables mount.
      startTransition(() => {
        setShown({ result, args: resolved, key: runKey(ran) });
        // show the period the service chose when the dates were left empty
        setForm((cur) => (cur.from === '' && cur.to === '' && result.period.from && result.period.to ? { ...cur, from: result.period.from, to: result.period.to } : cur));
      });
    } catch (e) {
      if (current.current === requestId) setRunError(errorMessage(e));
    } finally {
      if (current.current === requestId) {
        current.current = null;
        startTransition(() => setRunning(null)); // together with the results' transition
        reloadCache();
      }
    }
  }, [api, reloadCache]);

  const cancel = useCallback(async () => {
    const id = current.current;
    if (!id) return;
    current.current = null;
    setRunning(null);
    setNotice({ severity: 'info', text: 'Run cancelled.' });
    try {
      await api.call('funnel.cancel', { requestId: id });
    } catch {
      /* it may have finished meanwhile */
    }
  }, [api]);

  // The standard funnel on first open.
  const autoRan = useRef(false);
  useEffect(() => {
    if (autoRan.current || shown) return;
    autoRan.current = true;
    void run(form, def);
  }, [run, form, def, shown]);

  // Cancel a run still going when the page is left (and let a remount start it again).
  useEffect(() => () => {
    const id = current.current;
    if (id) {
      current.current = null;
      autoRan.current = false;
      void api.call('funnel.cancel', { requestId: id }).catch(() => undefined);
    }
  }, [api]);

  async function withBusy<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    setBusy(what);
    setNotice(null);
    try {
      return await fn();
    } catch (e) {
      setNotice({ severity: 'error', text: errorMessage(e) });
      return undefined;
    } finally {
      setBusy(null);
    }
  }

  async function exportFile(format: 'csv' | 'xlsx', table?: 'steps' | 'breakdown' | 'trend' | 'dropped', step?: number) {
    if (!shown) return;
    await withBusy('export', async () => {
      const f = await api.call('funnel.export', { ...shown.args, format, table, step });
      saveExport(f);
      setNotice({ severity: 'success', text: `Exported ${f.filename} (${formatInt(f.bytes)} bytes).` });
    });
  }

  function select(id: string) {
    const d = funnels.find((f) => f.id === id);
    if (!d) return;
    const next = definitionToForm(d, form);
    setForm(next);
    void run(next, d);
  }

  async function save() {
    if (hasErrors(errors) || !def || def.builtin) return;
    const saved = await withBusy('save', () => api.call('funnel.save', toSaveArgs(form, { asNew: false })));
    if (saved) {
      list.setData(funnels.map((f) => (f.id === saved.id ? saved : f)));
      list.reload();
      setForm(definitionToForm(saved, form));
      setNotice({ severity: 'success', text: `Saved “${saved.name}”.` });
    }
  }

  async function saveAs(name: string, scheduled: boolean): Promise<boolean> {
    if (hasErrors(errors)) {
      setNotice({ severity: 'error', text: 'Fix the highlighted fields first.' });
      return false;
    }
    const saved = await withBusy('save', () => api.call('funnel.save', toSaveArgs(form, { asNew: true, name, scheduled })));
    if (!saved) return false;
    list.reload();
    list.setData([...funnels.filter((f) => f.id !== saved.id), saved]);
    setForm(definitionToForm(saved, form));
    setNotice({ severity: 'success', text: `Saved “${saved.name}”.` });
    return true;
  }

  async function remove(): Promise<boolean> {
    if (!def || def.builtin) return false;
    const r = await withBusy('delete', () => api.call('funnel.delete', { id: def.id }));
    if (!r) return false;
    list.setData(funnels.filter((f) => f.id !== def.id));
    list.reload();
    setForm(definitionToForm(STANDARD_FUNNEL, form));
    setNotice({ severity: 'success', text: `Deleted “${def.name}”.` });
    return true;
  }

  const pctDone = progressPercent(running?.progress ?? null);
  const result = shown?.result;

  return (
    <Box>
      <PageHeader
        title="Funnels"
        subtitle="Where sessions and users drop off between landing and order, computed from the workspace’s events"
        actions={<CacheChip status={cache.data} error={cache.error} />}
      />

      <Card sx={{ mb: 2 }}>
        <CardContent sx={{ pb: '12px !important' }}>
          <FunnelBuilder
            form={form}
            onChange={setForm}
            errors={errors}
            funnels={funnels}
            modified={modified}
            latestDay={latestDay}
            busy={busy !== null}
            onSelect={select}
            onReset={() => def && setForm(definitionToForm(def, form))}
            onSave={() => void save()}
            onSaveAs={saveAs}
            onDelete={remove}
          />
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mt: 1.5, flexWrap: 'wrap' }}>
            <Button
              variant="contained" startIcon={<PlayIcon />} onClick={() => void run(form, def)} disabled={hasErrors(errors)}
              data-testid="funnel-run"
            >
              {running ? 'Run again' : 'Run'}
            </Button>
            {running ? <Button variant="outlined" color="inherit" onClick={() => void cancel()} data-testid="funnel-cancel">Cancel</Button> : null}
            <Box sx={{ flex: 1, minWidth: 240 }}>
              {running ? (
                <Box data-testid="funnel-progress">
                  <LinearProgress variant={pctDone === null ? 'indeterminate' : 'determinate'} value={pctDone ?? 0} sx={{ height: 6, borderRadius: 3 }} />
                  <Typography variant="caption" color="text.secondary" data-testid="funnel-progress-phase">{phaseLabel(running.progress)}</Typography>
                </Box>
              ) : hasErrors(errors) ? (
                <Typography variant="body2" color="error">Fix the highlighted fields to run.</Typography>
              ) : stale ? (
                <Typography variant="body2" sx={{ color: 'warning.dark' }} data-testid="funnel-stale">The builder has changed since the results below: run again to update them.</Typography>
              ) : result ? (
                <Typography variant="caption" color="text.secondary">
                  Computed in {formatDurationShort(result.timing.totalMs)} over {formatInt(result.watermark.events)} events (up to seq {formatInt(result.watermark.seq)}).
                </Typography>
              ) : null}
            </Box>
          </Box>
        </CardContent>
      </Card>

      {runError ? <Alert severity="error" sx={{ mb: 2 }} onClose={() => setRunError(null)}>The funnel could not be computed: {runError}</Alert> : null}
      {notice ? <Alert severity={notice.severity} sx={{ mb: 2 }} onClose={() => setNotice(null)} data-testid="funnel-notice">{notice.text}</Alert> : null}

      {result && shown ? (
        <Box sx={{ display: 'grid', gap: 2, opacity: running ? 0.6 : 1, transition: 'opacity 120ms' }} data-testid="funnel-results">
          <ResultHeader result={result} exporting={busy === 'export'} onExport={(fmt) => void exportFile(fmt)} />
          <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(190px, 1fr))', gap: 2 }}>
            <KpiCard label={`Entered (${unitWord(result.unit)})`} value={formatInt(result.entered)} testid="funnel-kpi-entered"
              footer={result.unit === 'user' && result.excludedAnonymous > 0 ? `${formatInt(result.excludedAnonymous)} anonymous sessions left out` : `reached step 1: ${result.steps[0]?.label ?? ''}`} />
            <KpiCard label="Completed" value={formatInt(result.completed)} testid="funnel-kpi-completed" footer={`reached the last step: ${result.steps.at(-1)?.label ?? ''}`} />
            <KpiCard label="Conversion" value={pct(result.conversion, 2)} testid="funnel-kpi-conversion" footer="completed ÷ entered" />
            <KpiCard label="Median time to convert" value={formatDurationShort(result.steps.at(-1)?.timeToConvert?.medianMs ?? null)} testid="funnel-kpi-ttc"
              footer={`P90 ${formatDurationShort(result.steps.at(-1)?.timeToConvert?.p90Ms ?? null)} · within a ${formatDurationShort(result.windowMs)} window`} />
          </Box>

          <Card>
            <CardContent>
              <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, mb: 0.5 }}>
                <Typography variant="subtitle2">Steps</Typography>
                <Typography variant="caption" color="text.secondary">bar height = {unitWord(result.unit)} that reached the step; above: conversion from the previous step and from step 1; click “dropped” for who dropped</Typography>
              </Box>
              {result.entered === 0 ? (
                <Typography variant="body2" color="text.secondary" sx={{ py: 6, textAlign: 'center' }}>No {unitWord(result.unit)} entered this funnel in the period.</Typography>
              ) : (
                <FunnelChart steps={result.steps} unit={result.unit} onDrill={(n) => setDrill(target(result, n))} />
              )}
              <StepsTable result={result} onDrill={(n) => setDrill(target(result, n))} />
            </CardContent>
          </Card>

          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
            <Card>
              <CardContent>
                <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, mb: 1 }}>
                  <Typography variant="subtitle2" sx={{ flex: 1 }}>Conversion over time</Typography>
                  {result.trend ? (
                    <Typography variant="caption" color="text.secondary">
                      <Box component="span" sx={{ color: 'secondary.main', fontWeight: 600 }}>— conversion</Box> · <Box component="span" sx={{ color: 'primary.main' }}>▮ entered</Box> · per {result.trend.granularity} · {result.trend.timezone}
                    </Typography>
                  ) : null}
                </Box>
                {result.trend ? <TrendChart trend={result.trend} unit={result.unit} /> : (
                  <Typography variant="body2" color="text.secondary" sx={{ py: 6, textAlign: 'center' }}>Trend is off: choose Hourly or Daily in the builder.</Typography>
                )}
              </CardContent>
            </Card>
            <Card>
              <CardContent>
                <TimeToConvert steps={result.steps} />
              </CardContent>
            </Card>
          </Box>

          {result.breakdown ? (
            <Card>
              <CardContent>
                <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
                  <Box sx={{ flex: 1 }}>
                    <Typography variant="subtitle2">Breakdown by {result.breakdown.dimensions.join(' × ')}</Typography>
                    <Typography variant="caption" color="text.secondary">
                      Top {result.breakdown.topN} values per dimension by {unitWord(result.unit)} entered, the rest as “other”; click a column to sort. Device and source are those of the entry event.
                    </Typography>
                  </Box>
                  <Button startIcon={<DownloadIcon />} variant="outlined" disabled={busy === 'export'} onClick={() => void exportFile('csv', 'breakdown')} data-testid="funnel-export-breakdown-csv">CSV</Button>
                </Box>
                <BreakdownTable breakdown={result.breakdown} steps={result.steps} />
              </CardContent>
            </Card>
          ) : null}

          <InvestigationCard timezone={tz} latestDay={latestDay} />
          <ReportsCard timezone={tz} />
        </Box>
      ) : running ? (
        <Box sx={{ display: 'grid', gap: 2 }}>
          <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(190px, 1fr))', gap: 2 }}>
            {[0, 1, 2, 3].map((i) => <Skeleton key={i} variant="rounded" height={92} />)}
          </Box>
          <Skeleton variant="rounded" height={340} />
        </Box>
      ) : (
        <Box sx={{ display: 'grid', gap: 2 }}>
          <InvestigationCard timezone={tz} latestDay={latestDay} />
          <ReportsCard timezone={tz} />
        </Box>
      )}

      {shown ? (
        <DrilldownDialog
          target={drill}
          baseArgs={shown.args}
          unit={shown.result.unit}
          timezone={tz}
          exporting={busy === 'export'}
          onExport={(fmt, step) => void exportFile(fmt, fmt === 'csv' ? 'dropped' : undefined, step)}
          onClose={() => setDrill(null)}
        />
      ) : null}
    </Box>
  );
}

function target(r: FunnelResult, step: number): DrilldownTarget | null {
  const s = r.steps[step - 1];
  if (!s) return null;
  return { step: s, nextLabel: r.steps[step]?.label ?? null };
}

function ResultHeader(props: { result: FunnelResult; exporting: boolean; onExport: (format: 'csv' | 'xlsx') => void }) {
  const r = props.result;
  const p = r.period;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
      <Box sx={{ flex: 1, minWidth: 260 }}>
        <Typography variant="h6" data-testid="funnel-result-name">{r.funnel.name}</Typography>
        <Typography variant="body2" color="text.secondary" data-testid="funnel-period" data-from={p.from ?? ''} data-to={p.to ?? ''}>
          {p.from && p.to ? (p.from === p.to ? p.from : `${p.from} – ${p.to}`) : `${formatDateTime(p.start, p.timezone)} – ${formatDateTime(p.end, p.timezone)}`} · {p.timezone} · {describeRun(r)}
        </Typography>
      </Box>
      <Tooltip title="The step table (CSV)">
        <span>
          <Button startIcon={<DownloadIcon />} variant="outlined" disabled={props.exporting} onClick={() => props.onExport('csv')} data-testid="funnel-export-csv">CSV</Button>
        </span>
      </Tooltip>
      <Tooltip title="Steps, breakdown and trend as sheets of one workbook">
        <span>
          <Button startIcon={<DownloadIcon />} variant="outlined" disabled={props.exporting} onClick={() => props.onExport('xlsx')} data-testid="funnel-export-xlsx">XLSX</Button>
        </span>
      </Tooltip>
    </Box>
  );
}

function StepsTable(props: { result: FunnelResult; onDrill: (step: number) => void }) {
  const { result: r } = props;
  const n = r.steps.length;
  return (
    <Box sx={{ overflowX: 'auto', mt: 1 }}>
      <Table size="small" data-testid="funnel-steps-table">
        <TableHead>
          <TableRow>
            <TableCell>Step</TableCell>
            <TableCell align="right">Entered</TableCell>
            <TableCell align="right">Dropped</TableCell>
            <TableCell align="right">From previous</TableCell>
            <TableCell align="right">From step 1</TableCell>
            <TableCell align="right">Median from previous</TableCell>
            <TableCell>Top errors after dropping</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {r.steps.map((s: StepMetrics) => (
            <TableRow key={s.step} hover>
              <TableCell sx={{ whiteSpace: 'nowrap', py: 0.5 }}>
                <Typography variant="body2" component="span" sx={{ fontWeight: 600 }}>{s.step}. {s.label}</Typography>
                <Typography variant="caption" color="text.secondary" component="span" sx={{ ml: 1, fontFamily: monoFont }}>{s.eventType}</Typography>
                {r.funnel.steps[s.step - 1]?.filters.length ? (
                  <Tooltip title={r.funnel.steps[s.step - 1]!.filters.map((f) => `${f.property} ${f.op === 'eq' ? '=' : f.op === 'neq' ? '≠' : 'in'} ${f.values.join(', ')}`).join('; ')}>
                    <Chip size="small" variant="outlined" label={`${r.funnel.steps[s.step - 1]!.filters.length} filter`} sx={{ ml: 0.5 }} />
                  </Tooltip>
                ) : null}
              </TableCell>
              <TableCell align="right" sx={{ fontWeight: 600 }} data-testid={`funnel-step-${s.step}-entered`}>{formatInt(s.entered)}</TableCell>
              <TableCell align="right">
                {s.step < n && s.dropped > 0 ? (
                  <Link component="button" variant="body2" color="error" onClick={() => props.onDrill(s.step)} data-testid={`funnel-step-${s.step}-dropped`} underline="hover">
                    {formatInt(s.dropped)}
                  </Link>
                ) : <span data-testid={`funnel-step-${s.step}-dropped`}>{s.step < n ? '0' : '—'}</span>}
              </TableCell>
              <TableCell align="right" data-testid={`funnel-step-${s.step}-conversion-prev`}>{s.step === 1 ? '—' : pct(s.conversionFromPrevious)}</TableCell>
              <TableCell align="right" sx={{ fontWeight: 600 }} data-testid={`funnel-step-${s.step}-conversion`}>{pct(s.conversionFromStart)}</TableCell>
              <TableCell align="right">{formatDurationShort(s.timeFromPrevious?.medianMs ?? null)}</TableCell>
              <TableCell>
                {s.topDropoffReasons.length ? (
                  <Tooltip title={s.topDropoffReasons.map((x) => `${x.code}: ${formatInt(x.units)} ${unitWord(r.unit, x.units)}`).join(' · ')}>
                    <Typography variant="caption" sx={{ color: 'error.main', display: 'block', maxWidth: 210, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
                      {s.topDropoffReasons.map((x) => `${x.code} (${formatInt(x.units)})`).join(', ')}
                    </Typography>
                  </Tooltip>
                ) : null}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

function CacheChip(props: { status: FunnelCacheStatus | undefined; error: string | null }) {
  const c = props.status;
  return (
    <Tooltip
      title={c ? <Box>{cacheDetails(c).map((l) => <div key={l}>{l}</div>)}</Box> : props.error ?? 'Loading…'}
    >
      <Chip
        variant="outlined"
        color={props.error ? 'error' : c?.origin ? 'success' : 'default'}
        label={cacheLabel(c, props.error)}
        data-testid="funnel-cache-status"
      />
    </Tooltip>
  );
}
