/**
 * Seller payouts (spec 5.2) and the Payout Settlement Report (spec 7): weekly runs, expected vs
 * disbursed per seller and currency, payout discrepancy tickets with their history, transitions and
 * notes, corrective transfers with the approve action and their status, deductions carried forward,
 * and the daily report's XLSX / PDF downloads.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { DeductionRow, TicketState, TransferRow } from '../../main/common/api-payouts.ts';
import { useApi, useApiQuery, errorMessage } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { saveBase64 } from '../components/recon/download.ts';
import { formatDateTime, formatInt } from '../format.ts';
import { money, yesterdayIn } from './reconFormat.ts';
import { isoWeekKey } from '../../analytics/calendar.ts';
import { previousIsoWeek } from '../../analytics/payouts/engine.ts';

const STATE_COLOR: Record<TicketState, 'error' | 'warning' | 'success'> = { open: 'error', in_review: 'warning', resolved: 'success' };
const NEXT: Record<TicketState, TicketState[]> = { open: ['in_review'], in_review: ['resolved', 'open'], resolved: ['in_review'] };

export function PayoutsPage() {
  const api = useApi();
  const { timezone, refreshAlerts } = useAppData();
  const [week, setWeek] = useState(() => previousIsoWeek(isoWeekKey(yesterdayIn(timezone))));
  const [date, setDate] = useState(() => yesterdayIn(timezone));
  const [runId, setRunId] = useState<number | null>(null);
  const [ticketId, setTicketId] = useState<number | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [rejecting, setRejecting] = useState<TransferRow | null>(null);
  const [waiving, setWaiving] = useState<DeductionRow | null>(null);
  const [reason, setReason] = useState('');
  const key = String(reload);

  const runs = useApiQuery('payouts.runs', { limit: 30 }, key);
  const tickets = useApiQuery('payouts.tickets', { limit: 200 }, key);
  const transfers = useApiQuery('payouts.transfers', { limit: 200 }, key);
  const deductions = useApiQuery('payouts.deductions', { limit: 200 }, key);
  const selected = runId ?? runs.data?.runs.find((r) => r.status === 'done')?.id ?? null;

  async function act<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    setBusy(what);
    setError(null);
    try {
      const r = await fn();
      setReload((n) => n + 1);
      return r;
    } catch (e) {
      setError(errorMessage(e));
      setReload((n) => n + 1);
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function runNow() {
    const r = await act('run', () => api.call('payouts.run', { week }));
    if (r) {
      setRunId(r.id);
      if (r.alert) await refreshAlerts();
    }
  }

  async function download(format: 'xlsx' | 'pdf') {
    await act('download', async () => {
      const f = await api.call('payouts.report.file', { date, format });
      saveBase64(f.filename, f.base64, f.mimeType);
    });
  }

  const approve = (t: TransferRow) => act(`approve-${t.id}`, () => api.call('payouts.transfer.approve', { transferId: t.id }));

  return (
    <Box>
      <PageHeader
        title="Payouts"
        subtitle={<>Weekly seller payouts: expected (escrow released − commission − fees − penalties − deductions) against the platform's statements, per ISO week in {timezone}.</>}
        actions={
          <>
            <TextField label="ISO week" value={week} onChange={(e) => setWeek(e.target.value)} slotProps={{ htmlInput: { 'data-testid': 'payouts-week', pattern: '\\d{4}-W\\d{2}' } }} sx={{ width: 130 }} />
            <Button variant="contained" onClick={runNow} disabled={busy !== null || !/^\d{4}-W\d{2}$/.test(week)} data-testid="payouts-run-now">{busy === 'run' ? 'Running…' : 'Run now'}</Button>
            <TextField type="date" label="Report day" value={date} onChange={(e) => setDate(e.target.value)} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'payouts-report-date' } }} />
            <Button variant="outlined" onClick={() => download('xlsx')} disabled={busy !== null || !date} data-testid="payouts-report-xlsx">Report XLSX</Button>
            <Button variant="outlined" onClick={() => download('pdf')} disabled={busy !== null || !date} data-testid="payouts-report-pdf">Report PDF</Button>
          </>
        }
      />
      {busy ? <LinearProgress sx={{ mb: 1 }} /> : null}
      {error ? <Alert severity="error" sx={{ mb: 2 }} onClose={() => setError(null)} data-testid="payouts-error">{error}</Alert> : null}

      <Section title="Runs">
        <Table size="small" stickyHeader data-testid="payouts-runs">
          <TableHead><TableRow><TableCell>Week</TableCell><TableCell>Run</TableCell><TableCell>Status</TableCell><TableCell>Trigger</TableCell><TableCell align="right">Seller lines</TableCell><TableCell align="right">Discrepancies</TableCell><TableCell align="right">Source findings</TableCell><TableCell>Finished</TableCell></TableRow></TableHead>
          <TableBody>
            {(runs.data?.runs ?? []).length === 0 && !runs.loading ? <Empty cols={8} text="No runs yet: enter an ISO week and press Run now." /> : null}
            {(runs.data?.runs ?? []).map((r) => (
              <TableRow key={r.id} hover selected={r.id === selected} sx={{ cursor: 'pointer' }} onClick={() => setRunId(r.id)} data-testid="payouts-run-row">
                <TableCell>{r.week}</TableCell><TableCell>#{r.id}</TableCell>
                <TableCell>{r.status === 'done' ? <Chip size="small" color={r.alert ? 'warning' : 'success'} variant="outlined" label={r.alert ? 'alert' : 'done'} /> : <Chip size="small" color={r.status === 'error' ? 'error' : 'default'} label={r.status} title={r.error ?? ''} />}</TableCell>
                <TableCell>{r.trigger}</TableCell><TableCell align="right">{formatInt(r.lineCount)}</TableCell><TableCell align="right">{formatInt(r.discrepancyCount)}</TableCell>
                <TableCell align="right">{formatInt(r.findingCount)}</TableCell><TableCell>{formatDateTime(r.finishedAt, timezone)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      {selected !== null ? <RunLines runId={selected} reload={key} /> : null}

      <Section title="Payout discrepancy tickets">
        <Table size="small" stickyHeader data-testid="payouts-tickets">
          <TableHead><TableRow><TableCell>Ticket</TableCell><TableCell>Week</TableCell><TableCell>Seller</TableCell><TableCell>Direction</TableCell><TableCell align="right">Expected</TableCell><TableCell align="right">Disbursed</TableCell><TableCell align="right">Difference</TableCell><TableCell>State</TableCell><TableCell>Follow-up</TableCell></TableRow></TableHead>
          <TableBody>
            {(tickets.data?.tickets ?? []).length === 0 && !tickets.loading ? <Empty cols={9} text="No payout discrepancies." /> : null}
            {(tickets.data?.tickets ?? []).map((t) => (
              <TableRow key={t.id} hover selected={t.id === ticketId} sx={{ cursor: 'pointer' }} onClick={() => setTicketId(t.id)} data-testid="payouts-ticket-row">
                <TableCell>#{t.id}</TableCell><TableCell>{t.week}</TableCell><TableCell>{t.sellerId}</TableCell>
                <TableCell><Chip size="small" variant="outlined" color={t.direction === 'underpayment' ? 'error' : 'warning'} label={t.direction} /></TableCell>
                <TableCell align="right">{money(t.expected, t.currency)}</TableCell><TableCell align="right">{money(t.disbursed, t.currency)}</TableCell><TableCell align="right">{money(t.difference, t.currency)}</TableCell>
                <TableCell><Chip size="small" color={STATE_COLOR[t.state]} label={t.state} data-testid="payouts-ticket-state" /></TableCell>
                <TableCell>{t.transfer ? `transfer #${t.transfer.id}: ${t.transfer.status}` : t.deduction ? `deduction #${t.deduction.id}: ${money(t.deduction.outstanding, t.currency)} outstanding` : '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      {ticketId !== null ? <TicketPanel ticketId={ticketId} reload={key} timezone={timezone} busy={busy !== null} act={act} /> : null}

      <Section title="Corrective transfers">
        <Table size="small" stickyHeader data-testid="payouts-transfers">
          <TableHead><TableRow><TableCell>Transfer</TableCell><TableCell>Ticket</TableCell><TableCell>Seller</TableCell><TableCell align="right">Amount</TableCell><TableCell>Status</TableCell><TableCell>Approved</TableCell><TableCell>Platform</TableCell><TableCell>Idempotency key</TableCell><TableCell /></TableRow></TableHead>
          <TableBody>
            {(transfers.data ?? []).length === 0 && !transfers.loading ? <Empty cols={9} text="No corrective transfers." /> : null}
            {(transfers.data ?? []).map((t) => (
              <TableRow key={t.id} data-testid="payouts-transfer-row">
                <TableCell>#{t.id}</TableCell><TableCell>#{t.ticketId}</TableCell><TableCell>{t.sellerId}</TableCell><TableCell align="right">{money(t.amount, t.currency)}</TableCell>
                <TableCell><Chip size="small" color={t.status === 'sent' ? 'success' : t.lastError ? 'error' : 'default'} label={t.status} title={t.lastError ?? ''} data-testid="payouts-transfer-status" /></TableCell>
                <TableCell>{t.approvedBy ? `${t.approvedBy}, ${formatDateTime(t.approvedAt, timezone)}` : '—'}</TableCell>
                <TableCell>{t.platformTransferId ? `${t.platformTransferId} (${t.transferRef})` : t.lastError ?? '—'}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 11 }}>{t.idempotencyKey}</TableCell>
                <TableCell>
                  {t.status === 'proposed' || t.status === 'approved' ? (
                    <Button size="small" variant="contained" disabled={busy !== null} onClick={() => void approve(t)} data-testid="payouts-approve">{t.status === 'proposed' ? 'Approve & send' : 'Retry send'}</Button>
                  ) : null}
                  {t.status === 'proposed' ? (
                    <Button size="small" disabled={busy !== null} onClick={() => { setReason(''); setRejecting(t); }} data-testid="payouts-reject">Reject…</Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Dialog open={rejecting !== null} onClose={() => setRejecting(null)}>
        <DialogTitle>Reject transfer #{rejecting?.id}</DialogTitle>
        <DialogContent>
          <TextField autoFocus fullWidth multiline minRows={2} label="Reason (recorded on the ticket and in the audit log)" value={reason} onChange={(e) => setReason(e.target.value)} sx={{ mt: 1 }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRejecting(null)}>Keep</Button>
          <Button color="error" disabled={!reason.trim() || busy !== null} onClick={() => {
            const t = rejecting!;
            setRejecting(null);
            void act(`cancel-${t.id}`, () => api.call('payouts.transfer.cancel', { transferId: t.id, note: reason.trim() }));
          }}>Reject transfer</Button>
        </DialogActions>
      </Dialog>

      <Section title="Deductions carried forward">
        <Table size="small" stickyHeader data-testid="payouts-deductions">
          <TableHead><TableRow><TableCell>Deduction</TableCell><TableCell>Ticket</TableCell><TableCell>Seller</TableCell><TableCell>From week</TableCell><TableCell align="right">Amount</TableCell><TableCell>Applied</TableCell><TableCell align="right">Outstanding</TableCell><TableCell>Waiver</TableCell></TableRow></TableHead>
          <TableBody>
            {(deductions.data ?? []).length === 0 && !deductions.loading ? <Empty cols={8} text="No deductions." /> : null}
            {(deductions.data ?? []).map((d) => (
              <TableRow key={d.id} data-testid="payouts-deduction-row">
                <TableCell>#{d.id}</TableCell><TableCell>#{d.ticketId}</TableCell><TableCell>{d.sellerId}</TableCell><TableCell>{d.originWeek}</TableCell><TableCell align="right">{money(d.amount, d.currency)}</TableCell>
                <TableCell>{d.applied.map((a) => `${a.week}: ${money(a.amount, d.currency)}`).join('; ') || '—'}</TableCell><TableCell align="right">{money(d.outstanding, d.currency)}</TableCell>
                <TableCell data-testid="payouts-deduction-waiver">
                  {d.waived
                    ? <span title={`${d.waived.note} — ${d.waived.actor}, ${formatDateTime(d.waived.at, timezone)}`}>waived from {d.waived.fromWeek}</span>
                    : d.outstanding > 0
                      ? <Button size="small" disabled={busy !== null} onClick={() => { setReason(''); setWaiving(d); }} data-testid="payouts-waive">Waive…</Button>
                      : '—'}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Dialog open={waiving !== null} onClose={() => setWaiving(null)}>
        <DialogTitle>Waive deduction #{waiving?.id}</DialogTitle>
        <DialogContent>
          <Typography variant="body2" sx={{ mb: 1 }}>
            {waiving ? <>The {money(waiving.outstanding, waiving.currency)} still outstanding from {waiving.sellerId}'s overpayment in {waiving.originWeek} will not be deducted from later payouts, from the week after the latest reconciled week on. Weeks already reconciled keep what they applied.</> : null}
          </Typography>
          <TextField autoFocus fullWidth multiline minRows={2} label="Reason (recorded on the ticket and in the audit log)" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="payouts-waive-reason" />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setWaiving(null)}>Keep</Button>
          <Button color="warning" disabled={!reason.trim() || busy !== null} data-testid="payouts-waive-confirm" onClick={() => {
            const d = waiving!;
            setWaiving(null);
            void act(`waive-${d.id}`, () => api.call('payouts.deduction.waive', { deductionId: d.id, note: reason.trim() }));
          }}>Waive deduction</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

function Section(props: { title: string; children: React.ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ mb: 2 }}>
      <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1.25 }}>{props.title}</Typography>
      <TableContainer sx={{ maxHeight: 340 }}>{props.children}</TableContainer>
    </Paper>
  );
}

function Empty(props: { cols: number; text: string }) {
  return <TableRow><TableCell colSpan={props.cols}><Typography variant="body2" color="text.secondary" sx={{ py: 1 }}>{props.text}</Typography></TableCell></TableRow>;
}

function RunLines(props: { runId: number; reload: string }) {
  const api = useApi();
  const [filter, setFilter] = useState<'all' | 'discrepancies'>('discrepancies');
  const run = useApiQuery('payouts.get', { runId: props.runId }, `${props.runId}:${props.reload}`);
  const lines = useApiQuery('payouts.lines', { runId: props.runId, filter, limit: 1000 }, `${props.runId}:${filter}:${props.reload}`);
  if (run.error) return <Alert severity="error" sx={{ mb: 2 }}>{run.error}</Alert>;
  const d = run.data;
  return (
    <Section title={d ? `Run #${d.id} — ${d.week} (${d.rulesVersion})` : 'Run'}>
      {d ? (
        <Stack direction="row" spacing={2} sx={{ px: 1.5, py: 1, flexWrap: 'wrap' }} data-testid="payouts-totals">
          {d.totals.map((t) => (
            <Typography key={t.currency} variant="body2">
              <b>{t.currency}</b>: expected {money(t.expected, t.currency)} · disbursed {money(t.disbursed, t.currency)} · difference {money(t.difference, t.currency)} · {t.discrepancies} discrepancies
            </Typography>
          ))}
          {d.findings.length > 0 ? <Alert severity="warning">{d.findings.length} statement(s) disagree with the synced payout events</Alert> : null}
          {d.inputs.filter((i) => i.note).map((i) => <Alert key={i.kind} severity="info">{i.note}</Alert>)}
          {d.error ? <Alert severity="error">{d.error}</Alert> : null}
          {d.status === 'done' ? (
            <Button size="small" data-testid="payouts-run-report" onClick={() => void api.call('payouts.run.report', { runId: d.id }).then((f) => saveBase64(f.filename, f.base64, f.mimeType))}>
              Run report (JSON, sha256 {d.reportSha256?.slice(0, 12)}…)
            </Button>
          ) : null}
          {d.status === 'done' ? (
            <Button size="small" data-testid="payouts-run-xlsx" onClick={() => void api.call('payouts.run.report', { runId: d.id, format: 'xlsx' }).then((f) => saveBase64(f.filename, f.base64, f.mimeType))}>
              Run XLSX
            </Button>
          ) : null}
        </Stack>
      ) : null}
      <Box sx={{ px: 1.5 }}>
        <ToggleButtonGroup size="small" exclusive value={filter} onChange={(_e, v: 'all' | 'discrepancies' | null) => v && setFilter(v)}>
          <ToggleButton value="discrepancies">Discrepancies</ToggleButton><ToggleButton value="all">All sellers</ToggleButton>
        </ToggleButtonGroup>
      </Box>
      <Table size="small" stickyHeader data-testid="payouts-lines">
        <TableHead><TableRow><TableCell>Seller</TableCell><TableCell align="right">Escrow released</TableCell><TableCell align="right">Commission</TableCell><TableCell align="right">Fees</TableCell><TableCell align="right">Penalties</TableCell><TableCell align="right">Deductions</TableCell><TableCell align="right">Expected</TableCell><TableCell align="right">Disbursed</TableCell><TableCell align="right">Difference</TableCell><TableCell>Status</TableCell></TableRow></TableHead>
        <TableBody>
          {(lines.data?.lines ?? []).map((l) => (
            <TableRow key={l.key} data-testid="payouts-line-row">
              <TableCell>{l.sellerId}</TableCell><TableCell align="right">{money(l.escrow, l.currency)}</TableCell><TableCell align="right">{money(l.commission, l.currency)}</TableCell>
              <TableCell align="right">{money(l.fees, l.currency)}</TableCell><TableCell align="right">{money(l.penalties, l.currency)}</TableCell><TableCell align="right">{money(l.deductions, l.currency)}</TableCell>
              <TableCell align="right">{money(l.expected, l.currency)}</TableCell><TableCell align="right">{money(l.disbursed, l.currency)}</TableCell><TableCell align="right">{money(l.difference, l.currency)}</TableCell>
              <TableCell><Chip size="small" variant="outlined" color={l.status === 'matched' ? 'success' : l.status === 'within_tolerance' ? 'default' : 'error'} label={l.status} title={l.notes.join('; ')} /></TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Section>
  );
}

function TicketPanel(props: { ticketId: number; reload: string; timezone: string; busy: boolean; act: <T>(what: string, fn: () => Promise<T>) => Promise<T | null> }) {
  const api = useApi();
  const [note, setNote] = useState('');
  const t = useApiQuery('payouts.ticket', { ticketId: props.ticketId }, `${props.ticketId}:${props.reload}`);
  if (t.error) return <Alert severity="error" sx={{ mb: 2 }}>{t.error}</Alert>;
  const d = t.data;
  if (!d) return null;
  return (
    <Paper variant="outlined" sx={{ mb: 2, p: 1.5 }} data-testid="payouts-ticket-panel">
      <Typography variant="subtitle2">Ticket #{d.id} — {d.sellerId}, {d.week}, {d.direction} {money(Math.abs(d.difference), d.currency)} ({d.state})</Typography>
      <Stack direction="row" spacing={1} sx={{ my: 1, alignItems: 'center' }}>
        <TextField size="small" label="Note (required for a transition)" value={note} onChange={(e) => setNote(e.target.value)} sx={{ minWidth: 360 }} slotProps={{ htmlInput: { 'data-testid': 'payouts-ticket-note' } }} />
        <Button size="small" disabled={props.busy || !note.trim()} onClick={() => void props.act('note', () => api.call('payouts.ticket.note', { ticketId: d.id, note: note.trim() })).then((r) => r && setNote(''))}>Add note</Button>
        {NEXT[d.state].map((to) => (
          <Button key={to} size="small" variant="outlined" disabled={props.busy || !note.trim()} data-testid={`payouts-ticket-to-${to}`}
            onClick={() => void props.act('transition', () => api.call('payouts.ticket.transition', { ticketId: d.id, to, note: note.trim() })).then((r) => r && setNote(''))}>
            Move to {to.replace('_', ' ')}
          </Button>
        ))}
      </Stack>
      <Table size="small" data-testid="payouts-ticket-events">
        <TableHead><TableRow><TableCell>When</TableCell><TableCell>Who</TableCell><TableCell>What</TableCell><TableCell>State</TableCell><TableCell>Note</TableCell></TableRow></TableHead>
        <TableBody>
          {d.events.map((e) => (
            <TableRow key={e.id}>
              <TableCell>{formatDateTime(e.at, props.timezone)}</TableCell><TableCell>{e.actor}</TableCell><TableCell>{e.action}{e.runId ? ` (run #${e.runId})` : ''}</TableCell>
              <TableCell>{e.to ? `${e.from ?? '—'} → ${e.to}` : ''}</TableCell><TableCell>{e.note}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Paper>
  );
}
