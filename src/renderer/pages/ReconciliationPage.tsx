/**
 * Daily payment reconciliation (spec 5.1): the runs, a run's summary (counts and totals per status,
 * gateway and currency, fees, the alert state), the exceptions queue with filters and sorting, the
 * detail drawer with both sides' raw records and resolve / reopen, report downloads, "Run now" for
 * a date and the import of a settlement file.
 */
import { useEffect, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReconStatus } from '../../analytics/reconcile/types.ts';
import { useApi, useApiQuery, errorMessage } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { RunSummary } from '../components/recon/RunSummary.tsx';
import { ExceptionsQueue, type QueueFilter } from '../components/recon/ExceptionsQueue.tsx';
import { ItemDrawer } from '../components/recon/ItemDrawer.tsx';
import { ImportDialog, SettingsDialog } from '../components/recon/RunDialogs.tsx';
import { saveBase64 } from '../components/recon/download.ts';
import { formatDateTime, formatInt } from '../format.ts';
import { money, yesterdayIn } from './reconFormat.ts';

export function ReconciliationPage(props: { runId: number | null; onRun: (id: number | null) => void }) {
  const api = useApi();
  const { timezone, refreshAlerts } = useAppData();
  const [date, setDate] = useState(() => yesterdayIn(timezone));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [openImport, setOpenImport] = useState(false);
  const [openSettings, setOpenSettings] = useState(false);
  const [itemKey, setItemKey] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [filter, setFilter] = useState<QueueFilter>({ queue: 'open', status: '', gateway: '', currency: '', q: '' });

  const runs = useApiQuery('recon.runs', { limit: 30 }, String(reload));
  const settings = useApiQuery('recon.settings.get', undefined);
  const selected = props.runId ?? runs.data?.runs.find((r) => r.status === 'done')?.id ?? null;
  useEffect(() => setItemKey(null), [selected]);

  async function runNow() {
    setBusy('run');
    setError(null);
    try {
      const r = await api.call('recon.run', { date });
      setReload((n) => n + 1);
      props.onRun(r.id);
      if (r.alert) await refreshAlerts();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  async function download(format: 'csv' | 'xlsx') {
    if (selected === null) return;
    setBusy('download');
    setError(null);
    try {
      const f = await api.call('recon.report', { runId: selected, format });
      saveBase64(f.filename, f.base64, f.mimeType);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Box>
      <PageHeader
        title="Reconciliation"
        subtitle={<>Gateway settlements against the ledger, every business day for T-1{settings.data ? ` at ${String(settings.data.runHour).padStart(2, '0')}:${String(settings.data.runMinute).padStart(2, '0')} (${timezone})` : ''}{settings.data?.lastScheduledDate ? ` · last scheduled: ${settings.data.lastScheduledDate}` : ''}.</>}
        actions={
          <>
            <TextField type="date" label="Business date" value={date} onChange={(e) => setDate(e.target.value)} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'recon-date' } }} />
            <Button variant="contained" onClick={runNow} disabled={busy !== null || !date} data-testid="recon-run-now">{busy === 'run' ? 'Running…' : 'Run now'}</Button>
            <Button variant="outlined" onClick={() => setOpenImport(true)} disabled={busy !== null} data-testid="recon-import">Import file…</Button>
            <Button onClick={() => setOpenSettings(true)} data-testid="recon-settings">Settings</Button>
          </>
        }
      />
      {busy === 'run' ? <LinearProgress sx={{ mb: 1 }} /> : null}
      {error ? <Alert severity="error" sx={{ mb: 2 }} onClose={() => setError(null)} data-testid="recon-error">{error}</Alert> : null}
      {runs.error ? <Alert severity="error" sx={{ mb: 2 }}>{runs.error}</Alert> : null}

      <Paper variant="outlined" sx={{ mb: 2 }}>
        <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1.25 }}>Runs</Typography>
        <TableContainer sx={{ maxHeight: 260 }}>
          <Table stickyHeader data-testid="recon-runs">
            <TableHead>
              <TableRow>
                <TableCell>Date</TableCell><TableCell>Run</TableCell><TableCell>Status</TableCell><TableCell>Trigger</TableCell>
                <TableCell align="right">Items</TableCell><TableCell align="right">Exceptions</TableCell><TableCell align="right">Open discrepancy</TableCell><TableCell>Finished</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(runs.data?.runs ?? []).length === 0 && !runs.loading ? (
                <TableRow><TableCell colSpan={8}><Typography variant="body2" color="text.secondary" sx={{ py: 1.5 }}>No runs yet: pick a business date and press Run now.</Typography></TableCell></TableRow>
              ) : (runs.data?.runs ?? []).map((r) => (
                <TableRow key={r.id} hover selected={r.id === selected} sx={{ cursor: 'pointer' }} onClick={() => props.onRun(r.id)} data-testid="recon-run-row">
                  <TableCell>{r.date}</TableCell>
                  <TableCell>#{r.id}</TableCell>
                  <TableCell>{r.status === 'done' ? (r.alert ? <Chip color="warning" label="alert" /> : <Chip color="success" variant="outlined" label="done" />) : <Chip color={r.status === 'error' ? 'error' : 'default'} label={r.status} />}</TableCell>
                  <TableCell>{r.trigger}</TableCell>
                  <TableCell align="right">{formatInt(r.itemCount)}</TableCell>
                  <TableCell align="right">{formatInt(r.exceptionCount)}</TableCell>
                  <TableCell align="right">{r.openDiscrepancy ? money(r.openDiscrepancy.minor, r.openDiscrepancy.currency) : '—'}</TableCell>
                  <TableCell>{formatDateTime(r.finishedAt, timezone)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>

      {selected !== null ? (
        <RunView runId={selected} reload={reload} timezone={timezone} busy={busy !== null} onDownload={download} filter={filter} onFilter={setFilter}
          itemKey={itemKey} onItem={setItemKey} onChanged={() => setReload((n) => n + 1)} fallbackGateways={settings.data?.gateways ?? []} />
      ) : null}

      <ImportDialog open={openImport} date={date} gateways={settings.data?.gateways ?? []} onClose={() => setOpenImport(false)}
        onDone={(r) => { setOpenImport(false); setReload((n) => n + 1); props.onRun(r.id); }} />
      <SettingsDialog open={openSettings} settings={settings.data} onClose={() => setOpenSettings(false)}
        onSaved={(s) => { settings.setData(s); setOpenSettings(false); }} />
    </Box>
  );
}

function RunView(props: {
  runId: number; reload: number; timezone: string; busy: boolean; onDownload: (f: 'csv' | 'xlsx') => void; filter: QueueFilter; onFilter: (f: QueueFilter) => void;
  itemKey: string | null; onItem: (key: string | null) => void; onChanged: () => void; fallbackGateways: string[];
}) {
  const run = useApiQuery('recon.get', { runId: props.runId }, `${props.runId}:${props.reload}`);
  const detail = run.data?.id === props.runId ? run.data : null;
  const gateways = useMemo(() => detail?.summary?.byGateway.map((g) => g.gateway) ?? props.fallbackGateways, [detail, props.fallbackGateways]);
  const currencies = useMemo(() => detail?.summary?.byCurrency.map((c) => c.currency) ?? [], [detail]);
  if (run.error) return <Alert severity="error" sx={{ mb: 2 }}>{run.error}</Alert>;
  if (!detail) return <LinearProgress />;
  return (
    <>
      <RunSummary run={detail} timezone={props.timezone} busy={props.busy} onDownload={props.onDownload}
        onStatus={(s: ReconStatus) => props.onFilter({ ...props.filter, queue: 'all', status: s })} />
      {detail.status === 'done' ? (
        <ExceptionsQueue runId={detail.id} gateways={gateways} currencies={currencies} filter={props.filter} onFilter={props.onFilter}
          onOpen={(it) => props.onItem(it.key)} reloadKey={props.reload} />
      ) : null}
      <ItemDrawer runId={detail.id} itemKey={props.itemKey} timezone={props.timezone} onClose={() => props.onItem(null)} onChanged={props.onChanged} />
    </>
  );
}
